//! Charts drawn as inline SVG on the server (no JavaScript, no chart library): a line of
//! counts over time and horizontal bars per severity. Text in them is escaped.

/// Escape text for SVG/HTML.
fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// A line chart of `(label, value)` points with the first and last labels and the maximum.
pub fn line(points: &[(String, i64)], title: &str) -> String {
    let (w, h, pad) = (600.0, 160.0, 28.0);
    if points.is_empty() {
        return String::new();
    }
    let max = points.iter().map(|p| p.1).max().unwrap_or(0).max(1) as f64;
    let n = points.len().max(2) as f64 - 1.0;
    let xy: Vec<(f64, f64)> = points
        .iter()
        .enumerate()
        .map(|(i, (_, v))| (pad + (w - 2.0 * pad) * i as f64 / n, h - pad - (h - 2.0 * pad) * (*v as f64) / max))
        .collect();
    let path: Vec<String> = xy.iter().map(|(x, y)| format!("{x:.1},{y:.1}")).collect();
    let mut svg = format!(
        "<svg class=\"chart line\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"{}\"><title>{}</title>",
        esc(title),
        esc(title)
    );
    svg.push_str(&format!(
        "<line class=\"axis\" x1=\"{pad}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/>",
        h - pad,
        w - pad,
        h - pad
    ));
    let area = format!("{pad},{} {} {},{}", h - pad, path.join(" "), w - pad, h - pad);
    svg.push_str(&format!("<polygon class=\"area\" points=\"{area}\"/>"));
    svg.push_str(&format!("<polyline class=\"stroke\" points=\"{}\"/>", path.join(" ")));
    for ((x, y), (label, v)) in xy.iter().zip(points) {
        svg.push_str(&format!(
            "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"3\"><title>{}: {v}</title></circle>",
            esc(label)
        ));
    }
    let first = &points[0];
    let last = &points[points.len() - 1];
    svg.push_str(&format!("<text x=\"{pad}\" y=\"{}\" class=\"label\">{}</text>", h - 8.0, esc(&first.0)));
    svg.push_str(&format!(
        "<text x=\"{}\" y=\"{}\" class=\"label\" text-anchor=\"end\">{}</text>",
        w - pad,
        h - 8.0,
        esc(&last.0)
    ));
    svg.push_str(&format!("<text x=\"{pad}\" y=\"16\" class=\"label\">max {}</text>", max as i64));
    svg.push_str(&format!(
        "<text x=\"{:.1}\" y=\"{:.1}\" class=\"value\" text-anchor=\"end\">{}</text>",
        xy[xy.len() - 1].0,
        xy[xy.len() - 1].1 - 8.0,
        last.1
    ));
    svg.push_str("</svg>");
    svg
}

/// Horizontal bars, one per severity: `(css key, label, count)`.
pub fn severity_bars(rows: &[(&str, &str, i64)]) -> String {
    let max = rows.iter().map(|r| r.2).max().unwrap_or(0).max(1) as f64;
    let row_h = 26.0;
    let h = row_h * rows.len() as f64 + 4.0;
    let mut svg = format!("<svg class=\"chart bars\" viewBox=\"0 0 600 {h}\" role=\"img\" aria-label=\"severity\">");
    for (i, (key, label, n)) in rows.iter().enumerate() {
        let y = 4.0 + row_h * i as f64;
        let width = 380.0 * (*n as f64) / max;
        svg.push_str(&format!(
            "<text x=\"0\" y=\"{:.1}\" class=\"label\">{}</text><rect class=\"sev-{}\" x=\"150\" y=\"{y:.1}\" width=\"{width:.1}\" height=\"18\" rx=\"3\"/><text x=\"{:.1}\" y=\"{:.1}\" class=\"value\">{n}</text>",
            y + 14.0,
            esc(label),
            esc(key),
            150.0 + width + 6.0,
            y + 14.0
        ));
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_scales() {
        let s = line(&[("<a>".into(), 0), ("b".into(), 10)], "t&t");
        assert!(s.contains("&lt;a&gt;") && s.contains("t&amp;t") && !s.contains("<a>"));
        assert!(s.contains(">10</text>"));
        let b = severity_bars(&[("critical", "Nghiêm trọng", 5), ("low", "Thấp", 10)]);
        assert!(b.contains("width=\"190.0\"") && b.contains("width=\"380.0\""));
        assert_eq!(line(&[], "x"), "");
    }
}
