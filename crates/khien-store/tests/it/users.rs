//! Accounts: argon2id login, lock-out, scopes, sessions, API tokens.

use crate::on_each_backend;
use khien_core::{Role, Scope};
use khien_store::StoreError;
use khien_store::users::{MAX_FAILED_LOGINS, NewUser};
use khien_testkit::{admin, agency, user};

on_each_backend! {
    async fn login_lockout_and_scope(s) {
        agency(s, "P", "Tỉnh", "province", "").await;
        let a = agency(s, "A", "Sở A", "department", "P").await;
        let u = user(s, "canbo.a", "officer", &["A"], "mat-khau-dai-1").await;
        let hash: (String,) = s.one(khien_store::sql::Sql::new("SELECT password_hash FROM users WHERE id = $1").arg(u.id)).await.unwrap();
        assert!(hash.0.starts_with("$argon2id$"), "{}", hash.0);
        assert_eq!(s.user_login("CANBO.A", "mat-khau-dai-1").await.unwrap().id, u.id);
        for _ in 0..MAX_FAILED_LOGINS - 1 {
            assert!(matches!(s.user_login("canbo.a", "wrong").await, Err(StoreError::BadCredentials)));
        }
        assert!(matches!(s.user_login("canbo.a", "wrong").await, Err(StoreError::Locked { .. })));
        // Even the right password is refused while locked.
        assert!(matches!(s.user_login("canbo.a", "mat-khau-dai-1").await, Err(StoreError::Locked { .. })));
        assert!(matches!(s.user_login("nobody", "x").await, Err(StoreError::BadCredentials)));

        let p = s.principal_for(u.id, None).await.unwrap().unwrap();
        assert_eq!(p.role, Role::Officer);
        assert_eq!(p.scope, Scope::Subtrees(vec![a.path.clone()]));
        let lead = user(s, "lanhdao", "leader", &[], "mat-khau-dai-2").await;
        assert_eq!(s.principal_for(lead.id, None).await.unwrap().unwrap().scope, Scope::All);
        // Officers need an agency; weak passwords are refused.
        let r = s.user_create(&admin(), NewUser { username: "x".into(), role: "officer".into(), password: "mat-khau-dai-3".into(), ..Default::default() }).await;
        assert!(matches!(r, Err(StoreError::Invalid(ref e)) if e.iter().any(|f| f.field == "agency")), "{r:?}");
        let r = s.user_create(&admin(), NewUser { username: "y".into(), role: "leader".into(), password: "short".into(), ..Default::default() }).await;
        assert!(matches!(r, Err(StoreError::Invalid(ref e)) if e.iter().any(|f| f.field == "password")));
        let r = s.user_create(&admin(), NewUser { username: "lanhdao".into(), role: "leader".into(), password: "mat-khau-dai-4".into(), ..Default::default() }).await;
        assert!(matches!(r, Err(StoreError::Invalid(ref e)) if e.iter().any(|f| f.field == "username")));
        // Officers of A see only A's accounts.
        let seen = s.users_list(&p.scope, None, khien_store::Page::default()).await.unwrap();
        assert_eq!(seen.items.iter().map(|u| u.user.username.as_str()).collect::<Vec<_>>(), ["canbo.a"]);
    }

    async fn sessions_and_tokens(s) {
        let u = user(s, "soc", "analyst", &[], "mat-khau-dai-1").await;
        let (cookie, csrf) = s.session_create(u.id).await.unwrap();
        let sess = s.session_get(&cookie).await.unwrap().unwrap();
        assert_eq!((sess.user_id, sess.csrf.as_str()), (u.id, csrf.as_str()));
        assert!(s.session_get("forged").await.unwrap().is_none());
        // Changing the password ends sessions.
        let p = s.principal_for(u.id, None).await.unwrap().unwrap();
        let r = s.user_set_password(&p, u.id, Some("wrong"), "mat-khau-moi-123").await;
        assert!(matches!(r, Err(StoreError::Invalid(_))));
        s.user_set_password(&p, u.id, Some("mat-khau-dai-1"), "mat-khau-moi-123").await.unwrap();
        assert!(s.session_get(&cookie).await.unwrap().is_none());
        assert!(s.user_login("soc", "mat-khau-moi-123").await.is_ok());

        let (tok, secret) = s.token_create(&p, "soc", "siem").await.unwrap();
        assert!(secret.starts_with("khien_"));
        let stored: (String,) = s.one(khien_store::sql::Sql::new("SELECT token_hash FROM api_tokens WHERE id = $1").arg(tok.id)).await.unwrap();
        assert_ne!(stored.0, secret);
        assert_eq!(s.principal_for_token(&secret).await.unwrap().unwrap().user_id, u.id);
        s.token_revoke(&p, tok.id).await.unwrap();
        assert!(s.principal_for_token(&secret).await.unwrap().is_none());
        // Another non-admin cannot create tokens for someone else.
        let other = user(s, "other", "leader", &[], "mat-khau-dai-9").await;
        let op = s.principal_for(other.id, None).await.unwrap().unwrap();
        assert!(matches!(s.token_create(&op, "soc", "x").await, Err(StoreError::Forbidden)));
        // Disabled users lose their principal.
        s.user_set_disabled(&admin(), u.id, true).await.unwrap();
        assert!(s.principal_for(u.id, None).await.unwrap().is_none());
        assert!(matches!(s.user_login("soc", "mat-khau-moi-123").await, Err(StoreError::BadCredentials)));
    }
}
