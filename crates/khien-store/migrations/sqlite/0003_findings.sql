-- Vulnerability management (SQLite). Keep in step with ../postgres/0003_findings.sql.

-- What a scanner says about a vulnerability, shared by all its instances: one row per
-- distinct content (digest over scanner, rule, title, texts, scores), so a 500k-finding scan
-- of a few thousand plugins stores each description once.
CREATE TABLE vulns (
    id            INTEGER PRIMARY KEY,
    digest        TEXT NOT NULL UNIQUE,
    scanner       TEXT NOT NULL,
    rule_id       TEXT NOT NULL,
    title         TEXT NOT NULL,
    title_folded  TEXT NOT NULL,
    severity_rank INTEGER NOT NULL,
    cvss_score    REAL,
    cvss_vector   TEXT NOT NULL,
    cves          TEXT NOT NULL,
    cwes          TEXT NOT NULL,
    description   TEXT NOT NULL,
    solution      TEXT NOT NULL,
    refs          TEXT NOT NULL,
    epss          REAL,
    kev           BOOLEAN NOT NULL DEFAULT FALSE,
    created_at    INTEGER NOT NULL
);
CREATE INDEX vulns_rule ON vulns(scanner, rule_id);

CREATE TABLE scans (
    id              INTEGER PRIMARY KEY,
    format          TEXT NOT NULL,
    file_name       TEXT NOT NULL,
    sha256          TEXT NOT NULL,
    system_id       INTEGER REFERENCES systems(id) ON DELETE SET NULL,
    agency_id       INTEGER REFERENCES agencies(id),
    mode            TEXT NOT NULL,
    actor           TEXT NOT NULL,
    imported_at     INTEGER NOT NULL,
    scan_time       INTEGER NOT NULL,
    parsed          INTEGER NOT NULL,
    new_count       INTEGER NOT NULL,
    updated_count   INTEGER NOT NULL,
    reopened_count  INTEGER NOT NULL,
    fixed_count     INTEGER NOT NULL,
    unchanged_count INTEGER NOT NULL,
    unassigned_count INTEGER NOT NULL
);
CREATE INDEX scans_sha ON scans(sha256);
CREATE INDEX scans_system ON scans(system_id);

-- One vulnerability on one target of one owner: a system, or the unassigned list of an
-- agency (agency_id) or of the province (agency_id NULL). owner_key is 's<system id>' or
-- 'u<agency id or 0>' so that (fingerprint, owner_key) is unique on both backends.
CREATE TABLE findings (
    id             INTEGER PRIMARY KEY,
    owner_key      TEXT NOT NULL,
    system_id      INTEGER REFERENCES systems(id) ON DELETE CASCADE,
    agency_id      INTEGER REFERENCES agencies(id),
    fingerprint    TEXT NOT NULL,
    vuln_id        INTEGER NOT NULL REFERENCES vulns(id),
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
    UNIQUE (fingerprint, owner_key)
);
CREATE INDEX findings_system ON findings(system_id, status, severity_rank);
CREATE INDEX findings_agency ON findings(agency_id) WHERE system_id IS NULL;
CREATE INDEX findings_status_due ON findings(status, due_at);
CREATE INDEX findings_target ON findings(target);
CREATE INDEX findings_vuln ON findings(vuln_id);

-- The history of a finding: status changes (manual and by scans), comments, assignment.
CREATE TABLE finding_events (
    id          INTEGER PRIMARY KEY,
    finding_id  INTEGER NOT NULL REFERENCES findings(id) ON DELETE CASCADE,
    at          INTEGER NOT NULL,
    actor       TEXT NOT NULL,
    kind        TEXT NOT NULL,
    from_status TEXT NOT NULL DEFAULT '',
    to_status   TEXT NOT NULL DEFAULT '',
    note        TEXT NOT NULL DEFAULT '',
    scan_id     INTEGER
);
CREATE INDEX finding_events_finding ON finding_events(finding_id, id);

-- CISA Known Exploited Vulnerabilities and FIRST EPSS scores, loaded from operator files.
CREATE TABLE kev (
    cve        TEXT PRIMARY KEY,
    vendor     TEXT NOT NULL,
    product    TEXT NOT NULL,
    name       TEXT NOT NULL,
    date_added TEXT NOT NULL,
    due_date   TEXT NOT NULL,
    ransomware BOOLEAN NOT NULL
);
CREATE TABLE epss (
    cve        TEXT PRIMARY KEY,
    score      REAL NOT NULL,
    percentile REAL NOT NULL
);

-- Province settings (deadline days per severity, ...), one value per key.
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
