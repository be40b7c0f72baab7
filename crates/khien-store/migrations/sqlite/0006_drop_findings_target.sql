-- The index on (target, last_seen) goes (SQLite). An import judged a target's stale findings
-- with it; it now reads the target's findings from the unique key (owner_key, target,
-- fingerprint), whose entries already hold the row id and fingerprint, and looks at a row
-- only when the scan did not report its fingerprint. Keeping the index cost every import a
-- fifth b-tree to insert into (about a tenth of SQLite's work per new finding) and every
-- re-scan an index entry moved per finding seen again (last_seen changes). Keep in step
-- with ../postgres/0006_drop_findings_target.sql.
DROP INDEX IF EXISTS findings_target;
