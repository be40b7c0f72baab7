//! Imports: all rows or nothing, every bad row reported, idempotent re-import.

use crate::on_each_backend;
use khien_core::{AgencyInput, Scope, SystemInput};
use khien_store::Page;
use khien_store::agencies::AgencyFilter;
use khien_store::import::{ImportOutcome, SystemRow};
use khien_testkit::admin;

fn a(code: &str, name: &str, kind: &str, parent: &str) -> AgencyInput {
    AgencyInput {
        code: code.into(),
        name: name.into(),
        kind: kind.into(),
        parent_code: parent.into(),
        ..Default::default()
    }
}

on_each_backend! {
    async fn import_is_all_or_nothing_and_idempotent(s) {
        let good = vec![
            (2, a("UBND", "Ủy ban nhân dân tỉnh", "province", "")),
            (3, a("SYT", "Sở Y tế", "department", "UBND")),
            (4, a("SYT.BV", "Bệnh viện", "unit", "SYT")),
        ];
        let mut bad = good.clone();
        bad.push((5, a("bad code", "", "x", "UBND")));
        bad.push((6, a("OK2", "Tên", "unit", "MISSING")));
        let ImportOutcome::Rejected(errs) = s.import_agencies(&admin(), bad, &|_| {}).await.unwrap() else { panic!("must reject") };
        let rows: Vec<_> = errs.iter().map(|e| (e.row, e.field.as_str())).collect();
        assert!(rows.contains(&(5, "code")) && rows.contains(&(5, "name")) && rows.contains(&(5, "kind")), "{rows:?}");
        assert_eq!(s.agencies_list(&Scope::All, &AgencyFilter::default(), Page::default()).await.unwrap().total, 0);
        assert_eq!(s.audit_verify().await.unwrap().checked, 0);

        let ImportOutcome::Done(sum) = s.import_agencies(&admin(), good.clone(), &|_| {}).await.unwrap() else { panic!() };
        assert_eq!((sum.created, sum.updated, sum.unchanged), (3, 0, 0));
        let ImportOutcome::Done(sum) = s.import_agencies(&admin(), good.clone(), &|_| {}).await.unwrap() else { panic!() };
        assert_eq!((sum.created, sum.updated, sum.unchanged), (0, 0, 3));
        let audit_after = s.audit_verify().await.unwrap().checked;
        let mut changed = good.clone();
        changed[2].1.name = "Bệnh viện Đa khoa".into();
        let ImportOutcome::Done(sum) = s.import_agencies(&admin(), changed, &|_| {}).await.unwrap() else { panic!() };
        assert_eq!((sum.created, sum.updated, sum.unchanged), (0, 1, 2));
        assert_eq!(s.audit_verify().await.unwrap().checked, audit_after + 1);

        let sys = |code: &str, assets: &[&str]| SystemRow {
            row: 2,
            input: SystemInput { code: code.into(), name: format!("Hệ thống {code}"), owner_code: "SYT".into(), category: "internal".into(), ..Default::default() },
            assets: assets.iter().map(|x| x.to_string()).collect(),
        };
        let ImportOutcome::Done(sum) = s.import_systems(&admin(), vec![sys("HIS", &["10.0.0.1", "his.vn"])], &|_| {}).await.unwrap() else { panic!() };
        assert_eq!(sum.created, 1);
        let ImportOutcome::Done(sum) = s.import_systems(&admin(), vec![sys("HIS", &["10.0.0.1", "his.vn"])], &|_| {}).await.unwrap() else { panic!() };
        assert_eq!((sum.created, sum.updated, sum.unchanged), (0, 0, 1));
        let ImportOutcome::Rejected(errs) = s.import_systems(&admin(), vec![sys("LIS", &["10.0.0.1"]), sys("PACS", &["not/an asset"])], &|_| {}).await.unwrap() else { panic!() };
        assert_eq!(errs[0].field, "assets");
        let total = s.systems_list(&Scope::All, &Default::default(), Page::default()).await.unwrap().total;
        assert_eq!(total, 1, "a rejected file writes nothing");
    }
}
