//! Text folding for Vietnamese search: "So Y te" must find "Sở Y tế".
//!
//! Folding decomposes to NFD, drops combining marks, maps đ/Đ to d, lower-cases and collapses
//! whitespace. Stored alongside names so that search is one indexed-friendly `LIKE` on both
//! SQLite and PostgreSQL.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Fold `s` for accent- and case-insensitive matching.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut last_space = true;
    for c in s.nfd() {
        if is_combining_mark(c) {
            continue;
        }
        let c = match c {
            'đ' | 'Đ' => 'd',
            _ => c,
        };
        if c.is_whitespace() {
            if !last_space {
                out.push(' ');
                last_space = true;
            }
            continue;
        }
        last_space = false;
        out.extend(c.to_lowercase());
    }
    if out.ends_with(' ') {
        out.pop();
    }
    out
}

/// Escape `%`, `_` and `\` so a user's text is matched literally inside `LIKE ... ESCAPE '\'`.
pub fn like_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// True when `s` holds a control character other than tab/newline (never valid in names).
pub fn has_control_chars(s: &str) -> bool {
    s.chars().any(|c| c.is_control() && c != '\t' && c != '\n' && c != '\r')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_vietnamese() {
        assert_eq!(fold("Sở Y tế"), "so y te");
        assert_eq!(fold("  ĐẢNG   ủy  "), "dang uy");
        assert_eq!(fold("Phường Hưng Dũng"), "phuong hung dung");
        assert!(fold("Sở Y tế tỉnh Nghệ An").contains(&fold("So Y te")));
    }

    #[test]
    fn escapes_like() {
        assert_eq!(like_escape("50%_a\\"), "50\\%\\_a\\\\");
    }
}
