//! API behaviour: authentication, list shape and pagination, JSON errors, body limits,
//! OpenAPI document, health and metrics.

use crate::{PW, on_each_backend};
use khien_testkit::client;
use serde_json::{Value, json};

on_each_backend! {
    async fn api_contract(w) {
        let c = client();
        let (_, tok) = w.app.store.token_create(&khien_testkit::admin(), "admin", "t").await.unwrap();
        let auth = format!("Bearer {tok}");
        // Unauthenticated and bad tokens: JSON 401.
        let r = c.get(w.app.url("/api/v1/agencies")).send().await.unwrap();
        assert_eq!(r.status(), 401);
        let v: Value = r.json().await.unwrap();
        assert!(v["error"]["message"].as_str().unwrap().contains("Bearer"));
        let r = c.get(w.app.url("/api/v1/agencies")).header("authorization", "Bearer khien_nope").send().await.unwrap();
        assert_eq!(r.status(), 401);

        // List shape and pagination.
        let mut cursor: Option<String> = None;
        let mut ids = Vec::new();
        loop {
            let mut url = w.app.url("/api/v1/agencies?limit=2");
            if let Some(cur) = &cursor {
                url.push_str(&format!("&cursor={cur}"));
            }
            let v: Value = c.get(url).header("authorization", &auth).send().await.unwrap().json().await.unwrap();
            assert_eq!(v["total"], 5);
            for a in v["items"].as_array().unwrap() {
                for key in ["id", "code", "name", "parent_id"] {
                    assert!(a.get(key).is_some(), "agency lacks {key}");
                }
                ids.push(a["id"].as_i64().unwrap());
            }
            match v["next"].as_str() {
                Some(n) => cursor = Some(n.to_string()),
                None => break,
            }
        }
        assert_eq!(ids.len(), 5);
        for bad in ["?limit=0", "?limit=1001", "?limit=x", "?cursor=abc"] {
            let r = c.get(w.app.url(&format!("/api/v1/agencies{bad}"))).header("authorization", &auth).send().await.unwrap();
            assert_eq!(r.status(), 400, "{bad}");
        }
        let v: Value = c.get(w.app.url(&format!("/api/v1/systems/{}", w.sys_a))).header("authorization", &auth).send().await.unwrap().json().await.unwrap();
        for key in ["id", "code", "name", "owner_agency_id", "operator_agency_id"] {
            assert!(v.get(key).is_some(), "system lacks {key}");
        }
        assert_eq!(v["assets"][0]["value"], "10.1.0.1");
        assert_eq!(c.get(w.app.url("/api/v1/systems/999999")).header("authorization", &auth).send().await.unwrap().status(), 404);
        assert_eq!(c.get(w.app.url("/api/v1/systems/abc")).header("authorization", &auth).send().await.unwrap().status(), 404);
        assert_eq!(c.get(w.app.url("/api/v1/nothing")).header("authorization", &auth).send().await.unwrap().status(), 404);

        // Children of an agency, page by page (the cursor is an offset).
        let p_id = w.app.store.agency_by_code(&khien_core::Scope::All, "P").await.unwrap().unwrap().id;
        let v: Value = c.get(w.app.url(&format!("/api/v1/agencies/{p_id}/children?limit=1"))).header("authorization", &auth).send().await.unwrap().json().await.unwrap();
        assert_eq!((v["total"].as_i64(), v["next"].as_str()), (Some(2), Some("1")));
        assert_eq!(v["items"][0]["code"], "A");
        let v: Value = c.get(w.app.url(&format!("/api/v1/agencies/{p_id}/children?limit=1&cursor=1"))).header("authorization", &auth).send().await.unwrap().json().await.unwrap();
        assert_eq!(v["items"][0]["code"], "B");
        assert!(v["next"].is_null());

        // Create with validation errors, then valid.
        let r = c.post(w.app.url("/api/v1/systems")).header("authorization", &auth).json(&json!({"code": "X 1", "name": "", "owner_code": "A", "category": "database"})).send().await.unwrap();
        assert_eq!(r.status(), 422);
        let v: Value = r.json().await.unwrap();
        let fields: Vec<_> = v["error"]["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap().to_string()).collect();
        assert!(fields.contains(&"code".to_string()) && fields.contains(&"category".to_string()), "{fields:?}");
        assert!(v["error"]["fields"][0]["message_vi"].is_string());
        let r = c.post(w.app.url("/api/v1/systems")).header("authorization", &auth).json(&json!({"code": "X1", "name": "<b>X</b>", "owner_code": "A", "category": "infrastructure", "shared": true, "user_codes": ["B", "A1"]})).send().await.unwrap();
        assert_eq!(r.status(), 201);
        let created: Value = r.json().await.unwrap();
        let r = c.post(w.app.url(&format!("/api/v1/systems/{}/assets", created["id"]))).header("authorization", &auth).json(&json!({"value": "HTTPS://Portal.Example.VN/"})).send().await.unwrap();
        assert_eq!(r.status(), 201);
        let a: Value = r.json().await.unwrap();
        assert_eq!(a["kind"], "url");
        assert_eq!(a["value"], "https://portal.example.vn/");

        // Malformed JSON, wrong content type, oversized body.
        let r = c.post(w.app.url("/api/v1/systems")).header("authorization", &auth).header("content-type", "application/json").body("{not json").send().await.unwrap();
        assert_eq!(r.status(), 400);
        assert!(r.json::<Value>().await.unwrap()["error"]["message"].as_str().unwrap().contains("JSON"));
        let r = c.post(w.app.url("/api/v1/systems")).header("authorization", &auth).body("code=x").send().await.unwrap();
        assert_eq!(r.status(), 415);
        let huge = json!({"code": "BIG", "name": "x".repeat(2 << 20), "owner_code": "A", "category": "internal"});
        let r = c.post(w.app.url("/api/v1/systems")).header("authorization", &auth).header("connection", "close").json(&huge).send().await.unwrap();
        assert_eq!(r.status(), 413);
        assert!(r.json::<Value>().await.unwrap()["error"]["message"].as_str().unwrap().contains("too large"));

        // Session-authenticated API writes need the CSRF header.
        let s = khien_testkit::login(&w.app, "admin", PW).await;
        let body = json!({"code": "Y1", "name": "Y", "owner_code": "A", "category": "internal"});
        let r = c.post(w.app.url("/api/v1/systems")).header("cookie", &s.cookie).json(&body).send().await.unwrap();
        assert_eq!(r.status(), 403);
        let r = c.post(w.app.url("/api/v1/systems")).header("cookie", &s.cookie).header("x-csrf-token", &s.csrf).json(&body).send().await.unwrap();
        assert_eq!(r.status(), 201);

        // Tokens: create via API, shown once, revocable.
        let r = c.post(w.app.url("/api/v1/tokens")).header("authorization", &auth).json(&json!({"username": "lanhdao", "name": "bi"})).send().await.unwrap();
        assert_eq!(r.status(), 201);
        let t: Value = r.json().await.unwrap();
        let lead = format!("Bearer {}", t["token"].as_str().unwrap());
        assert_eq!(c.get(w.app.url("/api/v1/systems")).header("authorization", &lead).send().await.unwrap().status(), 200);
        let r = c.delete(w.app.url(&format!("/api/v1/tokens/{}", t["id"]))).header("authorization", &auth).send().await.unwrap();
        assert_eq!(r.status(), 204);
        assert_eq!(c.get(w.app.url("/api/v1/systems")).header("authorization", &lead).send().await.unwrap().status(), 401);

        // Audit over the API.
        let v: Value = c.get(w.app.url("/api/v1/audit?limit=5")).header("authorization", &auth).send().await.unwrap().json().await.unwrap();
        assert_eq!(v["items"].as_array().unwrap().len(), 5);
    }

    async fn operations_endpoints(w) {
        let c = client();
        let r = c.get(w.app.url("/healthz")).send().await.unwrap();
        assert_eq!(r.status(), 200);
        let spec: Value = c.get(w.app.url("/api/openapi.json")).send().await.unwrap().json().await.unwrap();
        assert!(spec["openapi"].as_str().unwrap().starts_with("3."));
        assert!(spec["paths"]["/api/v1/systems/{id}"]["get"].is_object());
        let m = c.get(w.app.url("/metrics")).send().await.unwrap().text().await.unwrap();
        assert!(m.contains("khien_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"} 1"), "{m}");
        assert!(m.contains("# TYPE khien_http_requests_in_flight gauge"));
        let r = c.get(w.app.url("/login")).send().await.unwrap();
        assert_eq!(r.headers()["x-content-type-options"], "nosniff");
        assert!(r.headers()["content-security-policy"].to_str().unwrap().contains("default-src 'self'"));
        assert_eq!(r.headers()["x-frame-options"], "DENY");
    }
}
