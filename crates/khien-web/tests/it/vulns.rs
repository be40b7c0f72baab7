//! Vulnerability pages and API in a browser-less client: dashboard, list filters, finding
//! page transitions with role rules and Vietnamese errors, comments, report upload (good,
//! bad, no CSRF), exports (BOM, no formula injection), and the officer's view.

use crate::{PW, on_each_backend};
use khien_testkit::{client, login};
use reqwest::multipart::{Form, Part};
use serde_json::Value;

on_each_backend! {
    async fn dashboard_list_detail_and_transitions(w) {
        let c = client();
        let s = login(&w.app, "admin", PW).await;
        let get = |path: &str| c.get(w.app.url(path)).header("cookie", &s.cookie).send();
        let html = get("/vulns").await.unwrap().text().await.unwrap();
        assert!(html.contains("id=\"province-table\""), "{html}");
        assert!(html.contains("Hệ thống SYS-A") && html.contains("Hệ thống SYS-B"));
        assert!(html.contains("<svg class=\"chart bars\""));
        assert!(html.contains("2 hệ thống có lỗ hổng"), "two systems have findings");
        let html = get("/findings?severity=critical").await.unwrap().text().await.unwrap();
        assert!(html.contains("Lỗi Alpha") && html.contains("Lỗi bí mật Bêta") && !html.contains("Lỗi vô chủ"));
        let html = get(&format!("/findings?agency={}", w.a)).await.unwrap().text().await.unwrap();
        assert!(html.contains("Lỗi Alpha") && !html.contains("Bêta"), "agency view: A's subtree only");
        let html = get(&format!("/systems/{}", w.sys_a)).await.unwrap().text().await.unwrap();
        assert!(html.contains("id=\"system-findings\"") && html.contains("/findings?system=SYS-A&severity=critical"));
        let html = get("/findings?unassigned=1").await.unwrap().text().await.unwrap();
        assert!(html.contains("Lỗi vô chủ Bêta") && !html.contains("Lỗi Alpha"));
        let html = get(&format!("/findings/{}", w.finding_a)).await.unwrap().text().await.unwrap();
        assert!(html.contains("Việc cần làm tiếp theo") && html.contains("Đang khắc phục"));
        // Admin sets it in remediation, with a comment.
        let post = |path: String, form: Vec<(&'static str, String)>| c.post(w.app.url(&path)).header("cookie", &s.cookie).form(&form).send();
        let r = post(format!("/findings/{}/status", w.finding_a), vec![("_csrf", s.csrf.clone()), ("to", "in_remediation".into())]).await.unwrap();
        assert_eq!(r.status(), 303);
        let r = post(format!("/findings/{}/comments", w.finding_a), vec![("_csrf", s.csrf.clone()), ("text", "Đã liên hệ đơn vị <b>".into())]).await.unwrap();
        assert_eq!(r.status(), 303);
        let html = get(&format!("/findings/{}", w.finding_a)).await.unwrap().text().await.unwrap();
        assert!(html.contains("Chưa xử lý → Đang khắc phục"), "history shows the transition");
        assert!(html.contains("Đã liên hệ đơn vị &#60;b&#62;") || html.contains("Đã liên hệ đơn vị &lt;b&gt;"), "comment escaped");
        // No CSRF token: refused.
        let r = post(format!("/findings/{}/status", w.finding_a), vec![("to", "fixed".into())]).await.unwrap();
        assert_eq!(r.status(), 403);
        // Accepting a risk without an expiry: a Vietnamese error, nothing changes.
        let s2 = login(&w.app, "lanhdao", PW).await;
        let r = c.post(w.app.url(&format!("/findings/{}/status", w.finding_a))).header("cookie", &s2.cookie)
            .form(&[("_csrf", s2.csrf.as_str()), ("to", "accepted"), ("reason", "Chờ kinh phí")]).send().await.unwrap();
        assert_eq!(r.status(), 422);
        assert!(r.text().await.unwrap().contains("ngày hết hạn"));
        let too_late = c.post(w.app.url(&format!("/findings/{}/status", w.finding_a))).header("cookie", &s2.cookie)
            .form(&[("_csrf", s2.csrf.as_str()), ("to", "accepted"), ("reason", "Chờ kinh phí"), ("until", "2099-12-31")]).send().await.unwrap();
        assert_eq!(too_late.status(), 422, "more than three years ahead");
        let d = time::OffsetDateTime::now_utc() + time::Duration::days(90);
        let until = format!("{:04}-{:02}-{:02}", d.year(), d.month() as u8, d.day());
        let r = c.post(w.app.url(&format!("/findings/{}/status", w.finding_a))).header("cookie", &s2.cookie)
            .form(&[("_csrf", s2.csrf.as_str()), ("to", "accepted"), ("reason", "Chờ kinh phí"), ("until", until.as_str())]).send().await.unwrap();
        assert_eq!(r.status(), 303);
        let d = w.app.store.finding_get(&khien_core::Scope::All, w.finding_a).await.unwrap().unwrap();
        assert_eq!((d.row.status.as_str(), d.text.status_by.as_str()), ("accepted", "lanhdao"));
        // Assign the unassigned finding: its IP becomes an asset of SYS-A.
        let r = post(format!("/findings/{}/assign", w.finding_unassigned), vec![("_csrf", s.csrf.clone()), ("system", "SYS-A".into())]).await.unwrap();
        assert_eq!(r.status(), 303);
        assert!(w.app.store.assets_list(&khien_core::Scope::All, w.sys_a).await.unwrap().iter().any(|a| a.value == "10.99.0.9"));
        // Deadlines: bad input is explained, good input recomputes due dates.
        let r = post("/settings".into(), vec![("_csrf", s.csrf.clone()), ("critical", "40".into()), ("high", "30".into()), ("medium", "90".into()), ("low", "180".into())]).await.unwrap();
        assert_eq!(r.status(), 422);
        assert!(r.text().await.unwrap().contains("không được có thời hạn dài hơn"));
        let r = post("/settings".into(), vec![("_csrf", s.csrf.clone()), ("critical", "7".into()), ("high", "30".into()), ("medium", "90".into()), ("low", "180".into())]).await.unwrap();
        assert_eq!(r.status(), 303);
        let d = w.app.store.finding_get(&khien_core::Scope::All, w.finding_b).await.unwrap().unwrap();
        assert_eq!(d.row.due_at, Some(1_700_000_000 + 7 * 86_400));
        // Bulk: every active critical finding of SYS-B into remediation.
        let r = post("/findings/bulk".into(), vec![("_csrf", s.csrf.clone()), ("to", "in_remediation".into()), ("system", "SYS-B".into()), ("status", "active".into())]).await.unwrap();
        assert_eq!(r.status(), 200);
        assert!(r.text().await.unwrap().contains("Đã chuyển trạng thái, số lỗ hổng: 1"));
    }

    async fn upload_and_export(w) {
        let c = client();
        let s = login(&w.app, "canbo.a", PW).await;
        let upload = |csrf: &str, system: &str, body: String| {
            let form = Form::new().text("_csrf", csrf.to_string()).text("system", system.to_string()).text("format", "")
                .part("file", Part::bytes(body.into_bytes()).file_name("scan.nessus"));
            c.post(w.app.url("/scans/upload")).header("cookie", &s.cookie).multipart(form).send()
        };
        let report = crate::nessus(&[("10.1.0.1", 55, "=HYPERLINK(\"http://x\")", 3)]);
        let r = upload(&s.csrf, "SYS-A", report.clone()).await.unwrap();
        assert_eq!(r.status(), 200);
        let html = r.text().await.unwrap();
        assert!(html.contains("Đã nhập kết quả quét"), "{html}");
        // The same file again: nothing changes.
        let html = upload(&s.csrf, "SYS-A", report.clone()).await.unwrap().text().await.unwrap();
        assert!(html.contains("Tệp này đã được nhập trước đây"));
        // Another agency's system, a broken file, no CSRF.
        assert_eq!(upload(&s.csrf, "SYS-B", report.clone()).await.unwrap().status(), 422);
        let r = upload(&s.csrf, "SYS-A", report[..120].to_string()).await.unwrap();
        assert_eq!(r.status(), 422);
        assert!(r.text().await.unwrap().contains("Nothing was imported"));
        assert_eq!(upload("wrong", "SYS-A", report.clone()).await.unwrap().status(), 403);
        // Export: the officer's findings only, with a BOM, formulas neutralised.
        let r = c.get(w.app.url("/findings/export/csv?status=all")).header("cookie", &s.cookie).send().await.unwrap();
        assert_eq!(r.status(), 200);
        let bytes = r.bytes().await.unwrap();
        assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
        let text = String::from_utf8(bytes.to_vec()).unwrap();
        assert!(text.contains(",'=HYPERLINK(") || text.contains("\"'=HYPERLINK("), "{text}");
        assert!(text.contains("Lỗi Alpha") && !text.contains("Bêta"));
        let r = c.get(w.app.url("/findings/export/xlsx?system=SYS-A")).header("cookie", &s.cookie).send().await.unwrap();
        assert_eq!(r.status(), 200);
        assert!(r.bytes().await.unwrap().starts_with(b"PK"));
        // The officer's dashboard: only A.
        let html = c.get(w.app.url("/vulns")).header("cookie", &s.cookie).send().await.unwrap().text().await.unwrap();
        assert!(html.contains("Hệ thống SYS-A") && !html.contains("SYS-B") && !html.contains("Bêta"));
        // API: the pushed report's summary keys.
        let (_, tok) = w.app.store.token_create(&khien_testkit::admin(), "admin", "ci").await.unwrap();
        let r = c.post(w.app.url("/api/v1/scans?system=SYS-B&name=b.nessus")).header("authorization", format!("Bearer {tok}"))
            .body(crate::nessus(&[("10.2.0.1", 56, "Mới", 2)])).send().await.unwrap();
        assert_eq!(r.status(), 200);
        let v: Value = r.json().await.unwrap();
        for k in ["file", "format", "parsed", "new", "updated", "reopened", "fixed", "unchanged", "unassigned"] {
            assert!(v.get(k).is_some(), "{k} in {v}");
        }
        assert_eq!((v["format"].as_str(), v["new"].as_u64()), (Some("nessus"), Some(1)));
        let r = c.post(w.app.url("/api/v1/scans?format=sarif")).header("authorization", format!("Bearer {tok}")).body("<xml/>").send().await.unwrap();
        assert_eq!(r.status(), 422);
        let v: Value = r.json().await.unwrap();
        assert!(v["error"]["message"].as_str().unwrap().contains("not a sarif report"), "{v}");
        let r = c.get(w.app.url("/api/v1/findings?severity=banana")).header("authorization", format!("Bearer {tok}")).send().await.unwrap();
        assert_eq!(r.status(), 400);
        let r = c.get(w.app.url("/api/v1/findings?system=SYS-B&severity=medium&status=open&limit=1")).header("authorization", format!("Bearer {tok}")).send().await.unwrap();
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["total"], 1);
        assert_eq!(v["items"][0]["title"], "Mới");
    }
}
