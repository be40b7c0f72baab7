//! Systems and assets: visibility (owner, operator, shared platform users), write rights,
//! validation, assets normalised and de-duplicated.

use crate::on_each_backend;
use khien_core::{AssetKind, Principal, Role, Scope, SystemInput};
use khien_store::systems::SystemFilter;
use khien_store::{Page, StoreError};
use khien_testkit::{admin, agency, system};

fn officer(path: &str) -> Principal {
    Principal { role: Role::Officer, scope: Scope::Subtrees(vec![path.to_string()]), ..admin() }
}

on_each_backend! {
    async fn visibility_and_write_rights(s) {
        agency(s, "P", "Tỉnh", "province", "").await;
        let a = agency(s, "A", "Sở A", "department", "P").await;
        let b = agency(s, "B", "Sở B", "department", "P").await;
        agency(s, "A1", "Đơn vị A1", "unit", "A").await;
        let sa = system(s, "SA", "A1", &[]).await;
        let sb = system(s, "SB", "B", &[]).await;
        let sh = system(s, "SH", "P", &["A"]).await;
        let oa = officer(&a.path);
        let listed = s.systems_list(&oa.scope, &SystemFilter::default(), Page::default()).await.unwrap();
        let mut codes: Vec<_> = listed.items.iter().map(|x| x.code.clone()).collect();
        codes.sort();
        assert_eq!(codes, ["SA", "SH"]);
        assert_eq!(listed.total, 2);
        assert!(s.system_get(&oa.scope, sb.id).await.unwrap().is_none());
        assert!(matches!(s.assets_list(&oa.scope, sb.id).await, Err(StoreError::NotFound)));
        assert!(matches!(s.system_users(&oa.scope, sb.id).await, Err(StoreError::NotFound)));
        // Shared platform: visible to its users, but not writable by them.
        assert!(s.system_get(&oa.scope, sh.id).await.unwrap().is_some());
        assert!(!s.system_writable(&oa.scope, sh.id).await.unwrap());
        assert!(s.system_writable(&oa.scope, sa.id).await.unwrap());
        let r = s.asset_add(&oa, sh.id, None, "10.9.9.9", "").await;
        assert!(matches!(r, Err(StoreError::Forbidden)), "{r:?}");
        let r = s.asset_add(&oa, sb.id, None, "10.9.9.9", "").await;
        assert!(matches!(r, Err(StoreError::NotFound)), "{r:?}");
        let mut upd = SystemInput { code: "SB".into(), name: "stolen".into(), owner_code: "A".into(), category: "internal".into(), ..Default::default() };
        assert!(matches!(s.system_update(&oa, sb.id, upd.clone()).await, Err(StoreError::NotFound)));
        // An officer cannot register a system for an agency outside the scope.
        upd.code = "NEW".into();
        upd.owner_code = "B".into();
        let r = s.system_create(&oa, upd.clone()).await;
        assert!(matches!(r, Err(StoreError::Invalid(ref e)) if e[0].field == "owner_code"), "{r:?}");
        upd.owner_code = "A1".into();
        upd.operator_code = "B".into();
        let created = s.system_create(&oa, upd).await.unwrap();
        assert_eq!(created.operator_code, "B");
        // Filter by agency subtree.
        let f = SystemFilter { agency: Some(b.id), ..Default::default() };
        assert_eq!(s.systems_list(&oa.scope, &f, Page::default()).await.unwrap().total, 0);
        let f = SystemFilter { agency: Some(a.id), ..Default::default() };
        assert_eq!(s.systems_list(&Scope::All, &f, Page::default()).await.unwrap().total, 2);
        let f = SystemFilter { q: Some("he thong sa".into()), ..Default::default() };
        assert_eq!(s.systems_list(&Scope::All, &f, Page::default()).await.unwrap().total, 1);
        // Leaders and inspectors read but do not write.
        let leader = Principal { role: Role::Leader, ..admin() };
        assert!(matches!(s.asset_add(&leader, sa.id, None, "10.0.0.1", "").await, Err(StoreError::Forbidden)));
    }

    async fn system_validation_and_duplicates(s) {
        agency(s, "P", "Tỉnh", "province", "").await;
        system(s, "S1", "P", &[]).await;
        let bad = SystemInput {
            code: "S1".into(),
            name: "".into(),
            owner_code: "NOPE".into(),
            category: "database".into(),
            contact_email: "x".into(),
            ..Default::default()
        };
        let Err(StoreError::Invalid(errs)) = s.system_create(&admin(), bad).await else { panic!("must be invalid") };
        let fields: Vec<_> = errs.iter().map(|e| e.field.as_str()).collect();
        assert!(fields.contains(&"name") && fields.contains(&"category") && fields.contains(&"contact_email"), "{fields:?}");
        let dup = SystemInput { code: "S1".into(), name: "x".into(), owner_code: "P".into(), category: "internal".into(), ..Default::default() };
        let Err(StoreError::Invalid(errs)) = s.system_create(&admin(), dup).await else { panic!("duplicate code") };
        assert_eq!(errs[0].field, "code");
        assert_eq!(s.systems_list(&Scope::All, &SystemFilter::default(), Page::default()).await.unwrap().total, 1);
    }

    async fn assets_are_normalised(s) {
        agency(s, "P", "Tỉnh", "province", "").await;
        let sys = system(s, "S1", "P", &[]).await;
        let a = s.asset_add(&admin(), sys.id, None, " 10.1.2.3/24 ", "LAN").await.unwrap();
        assert_eq!((a.kind.as_str(), a.value.as_str()), ("cidr", "10.1.2.0/24"));
        let h = s.asset_add(&admin(), sys.id, None, "Mail.HongLam.gov.vn.", "").await.unwrap();
        assert_eq!(h.value, "mail.honglam.gov.vn");
        let dup = s.asset_add(&admin(), sys.id, None, "mail.honglam.gov.vn", "").await;
        assert!(matches!(dup, Err(StoreError::Invalid(_))));
        let bad = s.asset_add(&admin(), sys.id, Some(AssetKind::Ip), "not an ip", "").await;
        assert!(matches!(bad, Err(StoreError::Invalid(_))));
        assert_eq!(s.assets_list(&Scope::All, sys.id).await.unwrap().len(), 2);
        s.asset_delete(&admin(), a.id).await.unwrap();
        assert_eq!(s.assets_list(&Scope::All, sys.id).await.unwrap().len(), 1);
    }
}
