//! Tenancy: an officer of agency A, by session and by API token, cannot list, read, change or
//! delete anything of agency B through any API route or page. The API half walks the
//! OpenAPI operation list, so a new route without a case here fails the test.

use crate::{PW, on_each_backend};
use khien_testkit::{client, login};
use khien_web::api::openapi::OPERATIONS;
use serde_json::{Value, json};

async fn token(w: &crate::World, username: &str) -> String {
    let (_, secret) = w.app.store.token_create(&khien_testkit::admin(), username, "test").await.unwrap();
    secret
}

on_each_backend! {
    async fn officer_cannot_reach_another_agency_through_the_api(w) {
        let c = client();
        let tok = token(&w, "canbo.a").await;
        let auth = format!("Bearer {tok}");
        let secret_words = ["Bêta", "SYS-B", "10.2.0.1", "canbo.b", "bí mật"];
        let get = |path: String| {
            let c = c.clone();
            let auth = auth.clone();
            let url = w.app.url(&path);
            async move {
                let r = c.get(url).header("authorization", auth).send().await.unwrap();
                let status = r.status().as_u16();
                (status, r.text().await.unwrap())
            }
        };
        let send = |method: &str, path: String, body: Value| {
            let c = c.clone();
            let auth = auth.clone();
            let url = w.app.url(&path);
            let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
            async move {
                let r = c.request(m, url).header("authorization", auth).json(&body).send().await.unwrap();
                let status = r.status().as_u16();
                (status, r.text().await.unwrap())
            }
        };
        let mut covered = Vec::new();
        for (method, path) in OPERATIONS {
            covered.push((*method, *path));
            match (*method, *path) {
                ("get", "/api/v1/me") => {
                    let (st, body) = get("/api/v1/me".into()).await;
                    assert_eq!(st, 200);
                    assert!(body.contains("canbo.a"));
                }
                ("get", "/api/v1/agencies") => {
                    for q in ["", "?q=Beta", "?q=B", &format!("?parent_id={}", w.b), &format!("?under={}", w.b), "?limit=1000"] {
                        let (st, body) = get(format!("/api/v1/agencies{q}")).await;
                        assert_eq!(st, 200, "{q}");
                        let v: Value = serde_json::from_str(&body).unwrap();
                        for a in v["items"].as_array().unwrap() {
                            assert!(["A", "A1"].contains(&a["code"].as_str().unwrap()), "{q}: leaked {a}");
                        }
                        for s in secret_words {
                            assert!(!body.contains(s), "{q}: leaked {s}");
                        }
                    }
                }
                ("post", "/api/v1/agencies") => {
                    let (st, _) = send("POST", "/api/v1/agencies".into(), json!({"code": "X", "name": "X", "kind": "unit", "parent_code": "B"})).await;
                    assert_eq!(st, 403);
                }
                ("get", "/api/v1/agencies/{id}") => {
                    assert_eq!(get(format!("/api/v1/agencies/{}", w.b)).await.0, 404);
                    assert_eq!(get(format!("/api/v1/agencies/{}", w.b1)).await.0, 404);
                    assert_eq!(get(format!("/api/v1/agencies/{}", w.a1)).await.0, 200);
                }
                ("put", "/api/v1/agencies/{id}") => {
                    let (st, _) = send("PUT", format!("/api/v1/agencies/{}", w.b), json!({"code": "B", "name": "hacked", "kind": "department", "parent_code": "P"})).await;
                    assert!(st == 403 || st == 404, "{st}");
                }
                ("get", "/api/v1/agencies/{id}/children") => {
                    assert_eq!(get(format!("/api/v1/agencies/{}/children", w.b)).await.0, 404);
                    let (st, body) = get(format!("/api/v1/agencies/{}/children", w.a)).await;
                    assert_eq!(st, 200);
                    assert!(body.contains("A1"));
                }
                ("get", "/api/v1/systems") => {
                    for q in ["", "?q=SYS-B", &format!("?agency={}", w.b), "?category=internal", "?shared=true"] {
                        let (st, body) = get(format!("/api/v1/systems{q}")).await;
                        assert_eq!(st, 200);
                        for s in secret_words {
                            assert!(!body.contains(s), "{q}: leaked {s}");
                        }
                    }
                    let (_, body) = get("/api/v1/systems".into()).await;
                    let v: Value = serde_json::from_str(&body).unwrap();
                    assert_eq!(v["total"], 2, "own system and the shared platform");
                }
                ("post", "/api/v1/systems") => {
                    let (st, body) = send("POST", "/api/v1/systems".into(), json!({"code": "NEW-B", "name": "x", "owner_code": "B", "category": "internal"})).await;
                    assert_eq!(st, 422, "{body}");
                    assert!(w.app.store.systems_list(&khien_core::Scope::All, &Default::default(), Default::default()).await.unwrap().items.iter().all(|s| s.code != "NEW-B"));
                }
                ("get", "/api/v1/systems/{id}") => {
                    assert_eq!(get(format!("/api/v1/systems/{}", w.sys_b)).await.0, 404);
                    assert_eq!(get(format!("/api/v1/systems/{}", w.sys_a)).await.0, 200);
                    assert_eq!(get(format!("/api/v1/systems/{}", w.shared)).await.0, 200);
                }
                ("put", "/api/v1/systems/{id}") => {
                    let (st, _) = send("PUT", format!("/api/v1/systems/{}", w.sys_b), json!({"code": "SYS-B", "name": "hacked", "owner_code": "A", "category": "internal"})).await;
                    assert_eq!(st, 404);
                    let (st, _) = send("PUT", format!("/api/v1/systems/{}", w.shared), json!({"code": "SHARED", "name": "hacked", "owner_code": "P", "category": "internal"})).await;
                    assert_eq!(st, 403, "users of a shared platform cannot edit it");
                }
                ("get", "/api/v1/systems/{id}/assets") => {
                    assert_eq!(get(format!("/api/v1/systems/{}/assets", w.sys_b)).await.0, 404);
                }
                ("post", "/api/v1/systems/{id}/assets") => {
                    let (st, _) = send("POST", format!("/api/v1/systems/{}/assets", w.sys_b), json!({"value": "10.66.0.1"})).await;
                    assert_eq!(st, 404);
                }
                ("delete", "/api/v1/assets/{id}") => {
                    let (st, _) = send("DELETE", format!("/api/v1/assets/{}", w.asset_b), json!({})).await;
                    assert_eq!(st, 404);
                }
                ("get", "/api/v1/users") | ("get", "/api/v1/audit") => {
                    assert_eq!(get(path.to_string()).await.0, 403);
                }
                ("post", "/api/v1/users") => {
                    let (st, _) = send("POST", "/api/v1/users".into(), json!({"username": "evil", "role": "admin", "password": "mat-khau-dai-123"})).await;
                    assert_eq!(st, 403);
                }
                ("put", "/api/v1/users/{id}") => {
                    let me = w.app.store.user_by_name("canbo.a").await.unwrap().unwrap();
                    let (st, _) = send("PUT", format!("/api/v1/users/{}", me.id), json!({"role": "admin"})).await;
                    assert_eq!(st, 403, "an officer cannot raise their own role");
                    let (st, _) = send("PUT", format!("/api/v1/users/{}", me.id), json!({"role": "officer", "agencies": ["B"]})).await;
                    assert_eq!(st, 403, "nor move into another agency");
                    assert_eq!(w.app.store.user_agency_codes(me.id).await.unwrap(), ["A"]);
                }
                ("get", "/api/v1/tokens") => {
                    let (st, body) = get("/api/v1/tokens".into()).await;
                    assert_eq!(st, 200);
                    assert!(!body.contains("canbo.b"));
                }
                ("post", "/api/v1/tokens") => {
                    let (st, _) = send("POST", "/api/v1/tokens".into(), json!({"username": "canbo.b"})).await;
                    assert_eq!(st, 403);
                }
                ("delete", "/api/v1/tokens/{id}") => {
                    let (tb, _) = w.app.store.token_create(&khien_testkit::admin(), "canbo.b", "b").await.unwrap();
                    let (st, _) = send("DELETE", format!("/api/v1/tokens/{}", tb.id), json!({})).await;
                    assert_eq!(st, 404);
                }
                ("post", "/api/v1/scans") => {
                    let report = crate::nessus(&[("10.2.0.1", 77, "Quét lén", 4)]);
                    let post = |q: &str| {
                        c.post(w.app.url(&format!("/api/v1/scans{q}"))).header("authorization", auth.clone()).body(report.clone()).send()
                    };
                    let r = post("?system=SYS-B").await.unwrap();
                    assert_eq!(r.status(), 404, "no upload into another agency's system");
                    let r = post("?system=SHARED").await.unwrap();
                    assert_eq!(r.status(), 403, "users of a shared platform cannot upload into it");
                    // By assets: B's IP is not matched for A; it lands on A's own unassigned list.
                    let r = post("").await.unwrap();
                    assert_eq!(r.status(), 200);
                    let v: Value = r.json().await.unwrap();
                    assert_eq!((v["new"].as_u64(), v["unassigned"].as_u64()), (Some(1), Some(1)), "{v}");
                    let b = w.app.store.findings_list(&khien_core::Scope::All, &khien_store::findings::FindingFilter { system_id: Some(w.sys_b), ..Default::default() }, None, 10).await.unwrap();
                    assert_eq!(b.total, 1, "nothing added to B");
                }
                ("get", "/api/v1/findings") => {
                    for q in ["", "?system=SYS-B", &format!("?system={}", w.sys_b), "?q=Bêta", "?q=10.2", "?unassigned=1", &format!("?agency={}", w.b), "?status=all&limit=1000"] {
                        let (st, body) = get(format!("/api/v1/findings{q}")).await;
                        assert_eq!(st, 200, "{q}: {body}");
                        for s in ["bí mật", "vô chủ", "SYS-B", "10.99.0.9"] {
                            assert!(!body.contains(s), "{q}: leaked {s}");
                        }
                    }
                    let (_, body) = get("/api/v1/findings?system=SYS-A".into()).await;
                    assert!(body.contains("Lỗi Alpha"));
                }
                ("get", "/api/v1/findings/{id}") => {
                    assert_eq!(get(format!("/api/v1/findings/{}", w.finding_b)).await.0, 404);
                    assert_eq!(get(format!("/api/v1/findings/{}", w.finding_unassigned)).await.0, 404);
                    assert_eq!(get(format!("/api/v1/findings/{}", w.finding_a)).await.0, 200);
                }
                ("post", "/api/v1/findings/{id}/status") => {
                    let (st, _) = send("POST", format!("/api/v1/findings/{}/status", w.finding_b), json!({"status": "in_remediation"})).await;
                    assert_eq!(st, 404);
                    let (st, _) = send("POST", format!("/api/v1/findings/{}/status", w.finding_unassigned), json!({"status": "in_remediation"})).await;
                    assert_eq!(st, 404);
                }
                ("post", "/api/v1/findings/{id}/comments") => {
                    let (st, _) = send("POST", format!("/api/v1/findings/{}/comments", w.finding_b), json!({"text": "xâm nhập"})).await;
                    assert_eq!(st, 404);
                }
                ("post", "/api/v1/findings/{id}/assign") => {
                    let (st, _) = send("POST", format!("/api/v1/findings/{}/assign", w.finding_unassigned), json!({"system": "SYS-A"})).await;
                    assert_eq!(st, 404, "the province's unassigned list is not A's");
                    let (st, _) = send("POST", format!("/api/v1/findings/{}/assign", w.finding_b), json!({"system": "SYS-A"})).await;
                    assert_eq!(st, 404);
                }
                ("post", "/api/v1/findings/bulk") => {
                    let (st, body) = send("POST", "/api/v1/findings/bulk".into(), json!({"status": "in_remediation", "filter": {"system": "SYS-B"}})).await;
                    assert_eq!(st, 200, "{body}");
                    assert!(body.contains("\"changed\":0"), "{body}");
                }
                ("get", "/api/v1/settings/deadlines") => {
                    let (st, body) = get("/api/v1/settings/deadlines".into()).await;
                    assert_eq!(st, 200);
                    assert!(body.contains("\"critical\":15"), "{body}");
                }
                ("put", "/api/v1/settings/deadlines") => {
                    let (st, _) = send("PUT", "/api/v1/settings/deadlines".into(), json!({"critical": 365, "high": 365, "medium": 365, "low": 365})).await;
                    assert_eq!(st, 403, "only province admins set deadlines");
                }
                other => panic!("no tenancy case for {other:?}: add one"),
            }
        }
        assert_eq!(covered.len(), OPERATIONS.len());
        // Nothing of B changed.
        let b = w.app.store.agency_get(&khien_core::Scope::All, w.b).await.unwrap().unwrap();
        assert_eq!(b.name, "Sở Bêta bí mật");
        let sb = w.app.store.system_get(&khien_core::Scope::All, w.sys_b).await.unwrap().unwrap();
        assert_eq!(sb.name, "Hệ thống SYS-B");
        assert_eq!(w.app.store.assets_list(&khien_core::Scope::All, w.sys_b).await.unwrap().len(), 1);
        for id in [w.finding_b, w.finding_unassigned] {
            let d = w.app.store.finding_get(&khien_core::Scope::All, id).await.unwrap().unwrap();
            assert_eq!(d.row.status, "open");
            assert!(d.events.is_empty(), "no comment or change on {id}");
        }
    }

    async fn officer_cannot_reach_another_agency_through_pages(w) {
        let c = client();
        let s = login(&w.app, "canbo.a", PW).await;
        let get = |path: String| {
            let c = c.clone();
            let url = w.app.url(&path);
            let cookie = s.cookie.clone();
            async move {
                let r = c.get(url).header("cookie", cookie).send().await.unwrap();
                let st = r.status().as_u16();
                (st, r.text().await.unwrap())
            }
        };
        let post = |path: String, form: Vec<(&'static str, String)>| {
            let c = c.clone();
            let url = w.app.url(&path);
            let cookie = s.cookie.clone();
            async move {
                let r = c.post(url).header("cookie", cookie).form(&form).send().await.unwrap();
                let st = r.status().as_u16();
                (st, r.text().await.unwrap())
            }
        };
        let secret_words = ["Bêta", "SYS-B", "10.2.0.1", "canbo.b"];
        // Pages that list: nothing of B.
        for path in ["/", "/agencies", "/agencies?q=Beta", "/agencies?q=B", "/systems", "/systems?q=SYS", &format!("/systems?agency={}", w.b), &format!("/agencies/{}", w.a), &format!("/agencies?parent={}", w.a), "/account", "/systems/new"] {
            let (st, body) = get(path.to_string()).await;
            assert_eq!(st, 200, "{path}");
            for word in secret_words {
                assert!(!body.contains(word), "{path} leaked {word}");
            }
        }
        // Pages of B's records: not found.
        for path in [format!("/agencies/{}", w.b), format!("/agencies/{}", w.b1), format!("/agencies?parent={}", w.b), format!("/systems/{}", w.sys_b), format!("/systems/{}/edit", w.sys_b), format!("/agencies/{}/edit", w.b)] {
            let (st, body) = get(path.clone()).await;
            assert!(st == 404 || st == 403, "{path}: {st}");
            for word in secret_words {
                assert!(!body.contains(word), "{path} leaked {word}");
            }
        }
        // Vulnerability pages: nothing of B, nor the province's unassigned list.
        for path in ["/vulns", "/findings", "/findings?status=all", "/findings?system=SYS-B", "/findings?q=Bêta", "/findings?unassigned=1", "/scans/upload", "/findings/export/csv?status=all", "/findings/export/csv?system=SYS-B"] {
            let (st, body) = get(path.to_string()).await;
            assert_eq!(st, 200, "{path}");
            for word in ["bí mật", "vô chủ", "SYS-B", "10.99.0.9", "10.2.0.1"] {
                // The search box echoes what the officer typed; that is not a leak.
                if path.contains(word) {
                    continue;
                }
                assert!(!body.contains(word), "{path} leaked {word}");
            }
        }
        for id in [w.finding_b, w.finding_unassigned] {
            let (st, body) = get(format!("/findings/{id}")).await;
            assert_eq!(st, 404, "finding {id}");
            assert!(!body.contains("Bêta"));
        }
        // Admin-only pages: forbidden.
        for path in ["/users", "/users/new", "/users/1/edit", "/audit", "/import", "/agencies/new", "/settings"] {
            assert_eq!(get(path.to_string()).await.0, 403, "{path}");
        }
        // Changes to B's records: refused, nothing written.
        let csrf = s.csrf.clone();
        let form = |extra: Vec<(&'static str, &str)>| {
            let mut f = vec![("_csrf", csrf.clone())];
            f.extend(extra.into_iter().map(|(k, v)| (k, v.to_string())));
            f
        };
        let (st, _) = post(format!("/systems/{}", w.sys_b), form(vec![("code", "SYS-B"), ("name", "hacked"), ("owner_code", "A"), ("category", "internal"), ("status", "operating")])).await;
        assert_eq!(st, 404);
        let (st, _) = post(format!("/systems/{}/assets", w.sys_b), form(vec![("value", "10.66.0.1")])).await;
        assert_eq!(st, 404);
        let (st, _) = post(format!("/systems/{}/assets/{}/delete", w.sys_b, w.asset_b), form(vec![])).await;
        assert_eq!(st, 404);
        // Deleting B's asset through A's own system URL is refused too.
        let (st, _) = post(format!("/systems/{}/assets/{}/delete", w.sys_a, w.asset_b), form(vec![])).await;
        assert_eq!(st, 404);
        let (st, _) = post(format!("/agencies/{}", w.b), form(vec![("code", "B"), ("name", "hacked"), ("kind", "department"), ("parent_code", "P")])).await;
        assert_eq!(st, 403);
        let (st, body) = post("/systems".into(), form(vec![("code", "NEW-B"), ("name", "x"), ("owner_code", "B"), ("category", "internal"), ("status", "operating")])).await;
        assert_eq!(st, 422);
        assert!(body.contains("data-field=\"owner_code\""));
        let (st, _) = post("/users".into(), form(vec![("username", "evil"), ("role", "admin"), ("password", "mat-khau-dai-123")])).await;
        assert_eq!(st, 403);
        let (st, _) = post(format!("/users/{}/disable", 1), form(vec![])).await;
        assert_eq!(st, 403);
        for id in [w.finding_b, w.finding_unassigned] {
            let (st, _) = post(format!("/findings/{id}/status"), form(vec![("to", "in_remediation")])).await;
            assert_eq!(st, 404);
            let (st, _) = post(format!("/findings/{id}/comments"), form(vec![("text", "x")])).await;
            assert_eq!(st, 404);
            let (st, _) = post(format!("/findings/{id}/assign"), form(vec![("system", "SYS-A")])).await;
            assert_eq!(st, 404);
        }
        let (st, body) = post("/findings/bulk".into(), form(vec![("to", "in_remediation"), ("system", "SYS-B"), ("status", "active")])).await;
        assert_eq!(st, 200);
        assert!(body.contains("số lỗ hổng: 0"), "bulk on B changes nothing");
        for id in [w.finding_b, w.finding_unassigned] {
            let d = w.app.store.finding_get(&khien_core::Scope::All, id).await.unwrap().unwrap();
            assert!(d.row.status == "open" && d.events.is_empty(), "finding {id} untouched");
        }
        let store = &w.app.store;
        assert_eq!(store.system_get(&khien_core::Scope::All, w.sys_b).await.unwrap().unwrap().name, "Hệ thống SYS-B");
        assert_eq!(store.assets_list(&khien_core::Scope::All, w.sys_b).await.unwrap().len(), 1);
        assert_eq!(store.agency_get(&khien_core::Scope::All, w.b).await.unwrap().unwrap().name, "Sở Bêta bí mật");
        // Own data works.
        let (st, _) = post(format!("/systems/{}/assets", w.sys_a), form(vec![("value", "a1.example.vn")])).await;
        assert_eq!(st, 303);
        let _ = w.asset_a;
    }
}
