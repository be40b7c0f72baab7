//! The audit chain: every change is recorded, and altering or deleting a row is detected.

use crate::on_each_backend;
use khien_store::Page;
use khien_store::audit::AuditFilter;
use khien_store::sql::Sql;
use khien_testkit::{agency, system};

on_each_backend! {
    async fn chain_detects_tampering(s) {
        agency(s, "P", "Tỉnh", "province", "").await;
        let sys = system(s, "S1", "P", &[]).await;
        s.asset_add(&khien_testkit::admin(), sys.id, None, "10.0.0.1", "").await.unwrap();
        let r = s.audit_verify().await.unwrap();
        assert_eq!(r.checked, 3);
        assert!(r.first_break.is_none());
        let list = s.audit_list(&AuditFilter::default(), Page::default()).await.unwrap();
        assert_eq!(list.items[0].entity, "asset");
        assert!(list.items[2].after_json.contains("\"code\":\"P\""));

        // Alter the content of entry 2.
        s.execute(Sql::new("UPDATE audit_log SET after_json = '{}' WHERE seq = 2")).await.unwrap();
        let r = s.audit_verify().await.unwrap();
        assert_eq!(r.first_break.as_ref().map(|b| b.seq), Some(2), "{r:?}");
    }

    async fn chain_detects_deleted_rows(s) {
        agency(s, "P", "Tỉnh", "province", "").await;
        agency(s, "Q", "Tỉnh 2", "province", "").await;
        agency(s, "R", "Tỉnh 3", "province", "").await;
        s.execute(Sql::new("DELETE FROM audit_log WHERE seq = 2")).await.unwrap();
        assert_eq!(s.audit_verify().await.unwrap().first_break.map(|b| b.seq), Some(3));
    }

    async fn chain_detects_truncation(s) {
        agency(s, "P", "Tỉnh", "province", "").await;
        agency(s, "Q", "Tỉnh 2", "province", "").await;
        s.execute(Sql::new("DELETE FROM audit_log WHERE seq = 2")).await.unwrap();
        let r = s.audit_verify().await.unwrap();
        assert!(r.first_break.is_some(), "removing the newest entry must show");
    }
}
