//! Counts for the province overview, all scoped to the caller.

use crate::db::Store;
use crate::error::StoreResult;
use crate::sql::Sql;
use khien_core::Scope;
use serde::Serialize;

/// A label and a count.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Count {
    pub key: String,
    pub n: i64,
}

/// The overview's figures.
#[derive(Debug, Clone, Serialize)]
pub struct Overview {
    pub agencies: i64,
    pub agencies_by_kind: Vec<Count>,
    pub systems: i64,
    pub systems_by_category: Vec<Count>,
    pub systems_by_status: Vec<Count>,
    /// Owners with the most systems (name, count), top 10.
    pub systems_by_owner: Vec<Count>,
    pub shared_platforms: i64,
    pub assets: i64,
    /// Systems that have no asset yet (findings and events cannot be attached to them).
    pub systems_without_assets: i64,
    /// Systems without a contact person's e-mail or phone.
    pub systems_without_contact: i64,
    /// Accounts locked now after failed logins (province-wide callers only).
    pub locked_users: i64,
}

impl Store {
    pub async fn overview(&self, scope: &Scope) -> StoreResult<Overview> {
        let mut q = Sql::new("SELECT kind AS key, COUNT(*) AS n FROM agencies a WHERE ");
        q.scope("a.path", scope).push(" GROUP BY kind ORDER BY n DESC");
        let agencies_by_kind: Vec<Count> = self.all(q).await?;
        let agencies = agencies_by_kind.iter().map(|c| c.n).sum();

        // Every figure below counts visible systems; the visibility condition is driven by
        // indexes (see `Sql::system_visible`), so no join is needed until names are shown.
        let sys = |select: &str, tail: &str| {
            let mut q = Sql::new(select);
            q.push(" FROM systems s WHERE ");
            q.system_visible("s", scope).push(tail);
            q
        };
        let systems_by_category: Vec<Count> =
            self.all(sys("SELECT s.category AS key, COUNT(*) AS n", " GROUP BY s.category ORDER BY n DESC")).await?;
        let systems = systems_by_category.iter().map(|c| c.n).sum();
        let systems_by_status: Vec<Count> =
            self.all(sys("SELECT s.status AS key, COUNT(*) AS n", " GROUP BY s.status ORDER BY n DESC")).await?;
        let mut by_owner = Sql::new("SELECT o.name AS key, x.n AS n FROM (");
        let inner = sys(
            "SELECT s.owner_agency_id AS owner, COUNT(*) AS n",
            " GROUP BY s.owner_agency_id ORDER BY n DESC LIMIT 10",
        );
        by_owner.push(&inner.text);
        by_owner.args = inner.args;
        by_owner.push(") x JOIN agencies o ON o.id = x.owner ORDER BY x.n DESC, o.name");
        let systems_by_owner: Vec<Count> = self.all(by_owner).await?;
        let shared_platforms = self.scalar(sys("SELECT COUNT(*)", " AND s.shared = TRUE")).await?;
        let systems_without_assets = self
            .scalar(sys("SELECT COUNT(*)", " AND NOT EXISTS (SELECT 1 FROM assets x WHERE x.system_id = s.id)"))
            .await?;
        let systems_without_contact =
            self.scalar(sys("SELECT COUNT(*)", " AND s.contact_email = '' AND s.contact_phone = ''")).await?;
        let assets = if scope.is_all() {
            self.scalar(Sql::new("SELECT COUNT(*) FROM assets")).await?
        } else {
            let mut q = Sql::new("SELECT COUNT(*) FROM assets x WHERE x.system_id IN (");
            let inner = sys("SELECT s.id", "");
            q.push(&inner.text);
            q.args = inner.args;
            q.push(")");
            self.scalar(q).await?
        };
        let locked_users = if scope.is_all() {
            self.scalar(Sql::new("SELECT COUNT(*) FROM users WHERE locked_until > $1").arg(crate::now())).await?
        } else {
            0
        };
        Ok(Overview {
            agencies,
            agencies_by_kind,
            systems,
            systems_by_category,
            systems_by_status,
            systems_by_owner,
            shared_platforms,
            assets,
            systems_without_assets,
            systems_without_contact,
            locked_users,
        })
    }
}
