//! Page behaviour: login, lock-out message, cookies, CSRF, language, forms that keep input and
//! explain errors, escaping of stored HTML, import upload.

use crate::{PW, on_each_backend};
use khien_testkit::{client, login};

on_each_backend! {
    async fn login_cookies_lockout_and_csrf(w) {
        let c = client();
        // Anonymous pages redirect to login and come back.
        let r = c.get(w.app.url("/systems?q=x")).send().await.unwrap();
        assert_eq!(r.status(), 303);
        assert_eq!(r.headers()["location"], "/login?next=/systems%3Fq%3Dx");
        // Successful login sets a hardened cookie.
        let r = c.post(w.app.url("/login")).form(&[("username", "admin"), ("password", PW), ("next", "https://evil.example/")]).send().await.unwrap();
        assert_eq!(r.status(), 303);
        assert_eq!(r.headers()["location"], "/", "no open redirect");
        let cookie = r.headers()["set-cookie"].to_str().unwrap();
        assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && !cookie.contains("Secure"), "{cookie}");
        let r = c.post(w.app.url("/login")).header("x-forwarded-proto", "https").form(&[("username", "admin"), ("password", PW)]).send().await.unwrap();
        assert!(r.headers()["set-cookie"].to_str().unwrap().contains("Secure"));
        // Wrong password: a message; after five, the lock message in Vietnamese.
        for i in 0..5 {
            let r = c.post(w.app.url("/login")).form(&[("username", "lanhdao"), ("password", "sai")]).send().await.unwrap();
            let st = r.status().as_u16();
            let body = r.text().await.unwrap();
            if i < 4 {
                assert_eq!(st, 401);
                assert!(body.contains("Tên đăng nhập hoặc mật khẩu không đúng"));
            } else {
                assert_eq!(st, 429);
                assert!(body.contains("Tài khoản tạm khóa"), "{body}");
            }
        }
        // State-changing forms need the CSRF token.
        let s = login(&w.app, "admin", PW).await;
        let r = c.post(w.app.url(&format!("/systems/{}/assets", w.sys_a))).header("cookie", &s.cookie).form(&[("value", "10.9.9.9")]).send().await.unwrap();
        assert_eq!(r.status(), 403);
        let r = c.post(w.app.url(&format!("/systems/{}/assets", w.sys_a))).header("cookie", &s.cookie).form(&[("value", "10.9.9.9"), ("_csrf", "forged")]).send().await.unwrap();
        assert_eq!(r.status(), 403);
        assert_eq!(w.app.store.assets_list(&khien_core::Scope::All, w.sys_a).await.unwrap().len(), 1);
        // Logout ends the session.
        let r = c.post(w.app.url("/logout")).header("cookie", &s.cookie).form(&[("_csrf", s.csrf.as_str())]).send().await.unwrap();
        assert_eq!(r.status(), 303);
        assert_eq!(c.get(w.app.url("/")).header("cookie", &s.cookie).send().await.unwrap().status(), 303);
    }

    async fn forms_keep_input_and_escape_html(w) {
        let c = client();
        let s = login(&w.app, "admin", PW).await;
        let r = c
            .post(w.app.url("/systems"))
            .header("cookie", &s.cookie)
            .form(&[("_csrf", s.csrf.as_str()), ("code", "HT-<1>"), ("name", ""), ("owner_code", "A"), ("category", "internal"), ("status", "operating"), ("contact_email", "abc")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422);
        let html = r.text().await.unwrap();
        assert!(html.contains("data-field=\"name\">Bắt buộc nhập."), "{html}");
        assert!(html.contains("data-field=\"contact_email\""));
        assert!(html.contains("value=\"HT-&#60;1&#62;\"") || html.contains("value=\"HT-&lt;1&gt;\""), "input kept, escaped");
        assert!(!html.contains("HT-<1>"));
        // A stored name with HTML is shown escaped.
        let r = c
            .post(w.app.url("/systems"))
            .header("cookie", &s.cookie)
            .form(&[("_csrf", s.csrf.as_str()), ("code", "XSS"), ("name", "<script>alert(1)</script>"), ("owner_code", "A"), ("category", "internal"), ("status", "operating")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        let loc = r.headers()["location"].to_str().unwrap().to_string();
        let html = c.get(w.app.url(&loc)).header("cookie", &s.cookie).send().await.unwrap().text().await.unwrap();
        assert!(!html.contains("<script>alert(1)</script>"));
        assert!(html.contains("alert(1)"));
        // An oversized form gets a page that says what to do.
        let big = "x".repeat(2 << 20);
        // The server answers before reading the whole body and then drops the
        // connection, so this request must not be returned to the pool.
        let r = c
            .post(w.app.url("/systems"))
            .header("cookie", &s.cookie)
            .header("connection", "close")
            .form(&[("_csrf", s.csrf.as_str()), ("description", big.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 413);
        assert!(r.text().await.unwrap().contains("Dữ liệu gửi lên quá lớn"));
        // English.
        let html = c.get(w.app.url("/")).header("cookie", format!("{}; lang=en", s.cookie)).send().await.unwrap().text().await.unwrap();
        assert!(html.contains("<html lang=\"en\">") && html.contains("<h1>Overview</h1>"));
        let r = c.get(w.app.url("/lang/en?next=/systems")).send().await.unwrap();
        assert_eq!(r.headers()["location"], "/systems");
        assert!(r.headers()["set-cookie"].to_str().unwrap().starts_with("lang=en"));
    }

    async fn import_upload_all_or_nothing(w) {
        let c = client();
        let s = login(&w.app, "admin", PW).await;
        let upload = |csv: &'static str| {
            let form = reqwest::multipart::Form::new()
                .text("_csrf", s.csrf.clone())
                .text("what", "agencies")
                .part("file", reqwest::multipart::Part::bytes(csv.as_bytes().to_vec()).file_name("a.csv"));
            c.post(w.app.url("/import")).header("cookie", &s.cookie).multipart(form).send()
        };
        let r = upload("Mã;Tên;Loại;Cấp trên\nX1;Xã Một;commune;P\nX2;;commune;P\nX3;Xã Ba;planet;NOPE\n").await.unwrap();
        assert_eq!(r.status(), 422);
        let html = r.text().await.unwrap();
        assert!(html.contains("<td>3</td><td class=\"code\">Tên</td>"), "{html}");
        assert!(html.contains("<td>4</td><td class=\"code\">Loại</td>"));
        assert!(w.app.store.agency_by_code(&khien_core::Scope::All, "X1").await.unwrap().is_none());
        let r = upload("Mã;Tên;Loại;Cấp trên\nX1;Xã Một;commune;P\nX2;Xã Hai;commune;P\n").await.unwrap();
        assert_eq!(r.status(), 200);
        assert!(r.text().await.unwrap().contains("2 thêm mới"));
        let r = upload("Mã;Tên;Loại;Cấp trên\nX1;Xã Một;commune;P\nX2;Xã Hai;commune;P\n").await.unwrap();
        assert!(r.text().await.unwrap().contains("0 thêm mới, 0 cập nhật, 2 không đổi"));
    }
}

on_each_backend! {
    async fn admin_edits_an_account(w) {
        let c = client();
        let s = login(&w.app, "admin", PW).await;
        let officer = login(&w.app, "canbo.a", PW).await;
        let id = w.app.store.user_by_name("canbo.a").await.unwrap().unwrap().id;
        let html = c.get(w.app.url(&format!("/users/{id}/edit"))).header("cookie", &s.cookie).send().await.unwrap().text().await.unwrap();
        assert!(html.contains("value=\"A\""), "current agencies are shown");
        // A bad agency code: nothing changes.
        let r = c
            .post(w.app.url(&format!("/users/{id}/edit")))
            .header("cookie", &s.cookie)
            .form(&[("_csrf", s.csrf.as_str()), ("role", "officer"), ("agency", "NOPE"), ("display_name", "X")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422);
        assert_eq!(w.app.store.user_agency_codes(id).await.unwrap(), ["A"]);
        // Move the officer to B and reset the password: old session ends, new scope applies.
        let r = c
            .post(w.app.url(&format!("/users/{id}/edit")))
            .header("cookie", &s.cookie)
            .form(&[("_csrf", s.csrf.as_str()), ("role", "officer"), ("agency", "B"), ("display_name", "Cán bộ"), ("password", "mat-khau-moi-dai")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        assert_eq!(c.get(w.app.url("/")).header("cookie", &officer.cookie).send().await.unwrap().status(), 303);
        let moved = login(&w.app, "canbo.a", "mat-khau-moi-dai").await;
        let r = c.get(w.app.url(&format!("/systems/{}", w.sys_b))).header("cookie", &moved.cookie).send().await.unwrap();
        assert_eq!(r.status(), 200);
        let r = c.get(w.app.url(&format!("/systems/{}", w.sys_a))).header("cookie", &moved.cookie).send().await.unwrap();
        assert_eq!(r.status(), 404);
        assert!(w.app.store.user_by_id(id).await.unwrap().unwrap().must_change_password);
        // An admin cannot demote themself.
        let me = w.app.store.user_by_name("admin").await.unwrap().unwrap().id;
        let r = c
            .post(w.app.url(&format!("/users/{me}/edit")))
            .header("cookie", &s.cookie)
            .form(&[("_csrf", s.csrf.as_str()), ("role", "leader")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422);
    }
}
