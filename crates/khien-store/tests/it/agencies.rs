//! Agency tree: create, scope, search without diacritics, pagination, move with history.

use crate::on_each_backend;
use khien_core::{AgencyInput, Problem, Scope};
use khien_store::agencies::AgencyFilter;
use khien_store::audit::AuditFilter;
use khien_store::{Page, StoreError};
use khien_testkit::{admin, agency};

on_each_backend! {
    async fn tree_scope_and_search(s) {
        let p = agency(s, "UBND", "Ủy ban nhân dân tỉnh", "province", "").await;
        let syt = agency(s, "SYT", "Sở Y tế", "department", "UBND").await;
        let bv = agency(s, "SYT.BV", "Bệnh viện Đa khoa tỉnh", "unit", "SYT").await;
        let stc = agency(s, "STC", "Sở Tài chính", "department", "UBND").await;
        assert_eq!(p.path, format!("/{}/", p.id));
        assert_eq!(bv.path, format!("/{}/{}/{}/", p.id, syt.id, bv.id));
        assert_eq!(bv.depth, 2);

        let scope = Scope::Subtrees(vec![syt.path.clone()]);
        let seen = s.agencies_list(&scope, &AgencyFilter::default(), Page::default()).await.unwrap();
        let codes: Vec<_> = seen.items.iter().map(|a| a.code.as_str()).collect();
        assert_eq!(codes, ["SYT", "SYT.BV"]);
        assert!(s.agency_get(&scope, stc.id).await.unwrap().is_none());
        assert!(s.agency_get(&scope, p.id).await.unwrap().is_none());
        assert!(s.agency_by_code(&scope, "STC").await.unwrap().is_none());
        // Ancestors outside the scope stay hidden.
        assert!(s.agency_ancestors(&scope, &bv).await.unwrap().iter().all(|a| a.id == syt.id));

        for q in ["So Y te", "sở y tế", "SO Y", "syt"] {
            let f = AgencyFilter { q: Some(q.into()), ..Default::default() };
            let r = s.agencies_list(&Scope::All, &f, Page::default()).await.unwrap();
            assert_eq!(r.items.first().map(|a| a.code.as_str()), Some("SYT"), "query {q}");
        }
        // LIKE metacharacters are literal.
        let f = AgencyFilter { q: Some("%".into()), ..Default::default() };
        assert_eq!(s.agencies_list(&Scope::All, &f, Page::default()).await.unwrap().total, 0);
        // Search is scoped too.
        let f = AgencyFilter { q: Some("Tai chinh".into()), ..Default::default() };
        assert_eq!(s.agencies_list(&scope, &f, Page::default()).await.unwrap().total, 0);

        let (kids, total) = s.agency_children(&Scope::All, p.id, 0, 100).await.unwrap();
        assert_eq!((kids.len(), total), (2, 2));
        // Pages of children: kind then name, the total unchanged.
        let (first, total) = s.agency_children(&Scope::All, p.id, 0, 1).await.unwrap();
        let (second, _) = s.agency_children(&Scope::All, p.id, 1, 1).await.unwrap();
        assert_eq!(total, 2);
        assert_eq!((first[0].code.as_str(), second[0].code.as_str()), ("STC", "SYT"));
        let (scoped, total) = s.agency_children(&scope, p.id, 0, 100).await.unwrap();
        assert_eq!(total, 1, "only SYT itself among the province's children lies in SYT's scope");
        assert_eq!(scoped[0].code, "SYT");
        let syt_node = kids.iter().find(|k| k.code == "SYT").unwrap();
        assert_eq!(syt_node.children, 1);
    }

    async fn pagination_walks_every_item_once(s) {
        agency(s, "ROOT", "Gốc", "province", "").await;
        for i in 0..25 {
            agency(s, &format!("A{i:02}"), &format!("Đơn vị {i}"), "unit", "ROOT").await;
        }
        let mut after = None;
        let mut seen = Vec::new();
        loop {
            let page = s.agencies_list(&Scope::All, &AgencyFilter::default(), Page::new(after, Some(10))).await.unwrap();
            assert_eq!(page.total, 26);
            seen.extend(page.items.iter().map(|a| a.id));
            match page.next {
                Some(n) => after = Some(n.parse().unwrap()),
                None => break,
            }
        }
        let mut dedup = seen.clone();
        dedup.dedup();
        assert_eq!(seen.len(), 26);
        assert_eq!(dedup.len(), 26);
        assert_eq!(Page::new(None, Some(5000)).limit, 1000);
    }

    async fn move_keeps_identity_and_history(s) {
        agency(s, "UBND", "Tỉnh", "province", "").await;
        let h = agency(s, "H1", "Huyện Một", "district", "UBND").await;
        let x = agency(s, "X1", "Xã Một", "commune", "H1").await;
        let t = agency(s, "X1.T", "Trạm y tế xã Một", "unit", "X1").await;
        // Districts were abolished: move the commune under the province.
        let moved = s
            .agency_update(&admin(), x.id, AgencyInput { code: "X1".into(), name: "Xã Một".into(), kind: "commune".into(), parent_code: "UBND".into(), ..Default::default() })
            .await
            .unwrap();
        assert_eq!(moved.id, x.id);
        assert_eq!(moved.depth, 1);
        let t2 = s.agency_get(&Scope::All, t.id).await.unwrap().unwrap();
        assert_eq!(t2.path, format!("{}{}/", moved.path, t.id));
        assert_eq!(t2.depth, 2);
        let h_scope = Scope::Subtrees(vec![h.path.clone()]);
        assert!(s.agency_get(&h_scope, t.id).await.unwrap().is_none());
        let hist = s
            .audit_list(&AuditFilter { entity: Some("agency".into()), entity_id: Some(x.id.to_string()), actor: None }, Page::default())
            .await
            .unwrap();
        let actions: Vec<_> = hist.items.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(actions, ["move", "create"]);
        // Cannot move under its own sub-unit.
        let err = s
            .agency_update(&admin(), x.id, AgencyInput { code: "X1".into(), name: "Xã Một".into(), kind: "commune".into(), parent_code: "X1.T".into(), ..Default::default() })
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Invalid(ref e) if e[0].problem == Problem::Cycle), "{err:?}");
    }

    async fn bad_agency_input_writes_nothing(s) {
        agency(s, "UBND", "Tỉnh", "province", "").await;
        let before = s.audit_verify().await.unwrap().checked;
        for input in [
            AgencyInput { code: "bad code".into(), name: "X".into(), kind: "unit".into(), parent_code: "UBND".into(), ..Default::default() },
            AgencyInput { code: "OK".into(), name: "X".into(), kind: "unit".into(), parent_code: "NOPE".into(), ..Default::default() },
            AgencyInput { code: "UBND".into(), name: "X".into(), kind: "unit".into(), parent_code: "".into(), ..Default::default() },
        ] {
            assert!(matches!(s.agency_create(&admin(), input).await, Err(StoreError::Invalid(_))));
        }
        assert_eq!(s.agencies_list(&Scope::All, &AgencyFilter::default(), Page::default()).await.unwrap().total, 1);
        assert_eq!(s.audit_verify().await.unwrap().checked, before);
        // Officers may not manage agencies.
        let mut officer = admin();
        officer.role = khien_core::Role::Officer;
        let r = s.agency_create(&officer, AgencyInput { code: "Z".into(), name: "Z".into(), kind: "unit".into(), parent_code: "UBND".into(), ..Default::default() }).await;
        assert!(matches!(r, Err(StoreError::Forbidden)));
    }

    async fn metacharacters_round_trip(s) {
        let name = "Sở '; DROP TABLE agencies; -- <script>alert(1)</script> \"x\" 100%_";
        let a = agency(s, "EVIL", name, "province", "").await;
        assert_eq!(s.agency_get(&Scope::All, a.id).await.unwrap().unwrap().name, name);
        let f = AgencyFilter { q: Some("DROP TABLE".into()), ..Default::default() };
        assert_eq!(s.agencies_list(&Scope::All, &f, Page::default()).await.unwrap().total, 1);
    }
}
