-- no-transaction
-- Findings keyed for fast imports (SQLite). The unique key becomes (owner, target,
-- fingerprint): equivalent, since the fingerprint includes the target, but a scan's findings
-- of one host now land next to each other in the index instead of at random places (the
-- fingerprint is a hash), which made large imports several times slower. The index on
-- vuln_id goes for the same reason (random order; only a KEV reload used it), and the target
-- index gains last_seen so that an import finds the stale findings of a target directly.
-- The table drops its foreign keys (system, agency, vulnerability): none of those rows is
-- ever deleted (systems are retired, not deleted), the importer writes only ids it read or
-- wrote in the same transaction, and the checks cost a lookup per row (on PostgreSQL a
-- trigger per key per row: half of a large import). Whoever adds a deletion of systems,
-- agencies or vulns must delete or move their findings in the same transaction.
-- SQLite cannot change a table's constraints in place: the table is rebuilt, with foreign
-- keys off so that dropping the old table does not cascade to finding_events.
PRAGMA foreign_keys = OFF;
BEGIN;
CREATE TABLE findings_new (
    id             INTEGER PRIMARY KEY,
    owner_key      TEXT NOT NULL,
    system_id      INTEGER,
    agency_id      INTEGER,
    fingerprint    TEXT NOT NULL,
    vuln_id        INTEGER NOT NULL,
    scanner        TEXT NOT NULL,
    severity_rank  INTEGER NOT NULL,
    target         TEXT NOT NULL,
    host           TEXT NOT NULL,
    ip             TEXT NOT NULL,
    port           INTEGER,
    protocol       TEXT NOT NULL,
    url            TEXT NOT NULL,
    location       TEXT NOT NULL,
    component      TEXT NOT NULL,
    fixed_version  TEXT NOT NULL,
    evidence       TEXT NOT NULL,
    content_hash   TEXT NOT NULL,
    suppressed     BOOLEAN NOT NULL DEFAULT FALSE,
    status         TEXT NOT NULL,
    regression     BOOLEAN NOT NULL DEFAULT FALSE,
    status_reason  TEXT NOT NULL DEFAULT '',
    status_by      TEXT NOT NULL DEFAULT '',
    status_at      INTEGER,
    accepted_until INTEGER,
    first_seen     INTEGER NOT NULL,
    last_seen      INTEGER NOT NULL,
    fixed_at       INTEGER,
    due_at         INTEGER,
    first_scan_id  INTEGER NOT NULL,
    last_scan_id   INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    UNIQUE (owner_key, target, fingerprint)
);
INSERT INTO findings_new (id, owner_key, system_id, agency_id, fingerprint, vuln_id, scanner, severity_rank, target, host, ip, port, protocol, url, location, component, fixed_version, evidence, content_hash, suppressed, status, regression, status_reason, status_by, status_at, accepted_until, first_seen, last_seen, fixed_at, due_at, first_scan_id, last_scan_id, updated_at)
    SELECT id, owner_key, system_id, agency_id, fingerprint, vuln_id, scanner, severity_rank, target, host, ip, port, protocol, url, location, component, fixed_version, evidence, content_hash, suppressed, status, regression, status_reason, status_by, status_at, accepted_until, first_seen, last_seen, fixed_at, due_at, first_scan_id, last_scan_id, updated_at FROM findings;
DROP TABLE findings;
ALTER TABLE findings_new RENAME TO findings;
CREATE INDEX findings_system ON findings(system_id, status, severity_rank);
CREATE INDEX findings_agency ON findings(agency_id) WHERE system_id IS NULL;
CREATE INDEX findings_status_due ON findings(status, due_at);
CREATE INDEX findings_target ON findings(target, last_seen);
COMMIT;
PRAGMA foreign_keys = ON;
