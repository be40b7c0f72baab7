-- Findings keyed for fast imports (PostgreSQL). Keep in step with ../sqlite/0004: the unique
-- key becomes (owner, target, fingerprint), equivalent since the fingerprint includes the
-- target, but clustered by host instead of random; the vuln_id index goes; the target index
-- gains last_seen. The foreign keys of findings go (see ../sqlite/0004 for why).
ALTER TABLE findings DROP CONSTRAINT findings_fingerprint_owner_key_key;
ALTER TABLE findings ADD CONSTRAINT findings_owner_target_fingerprint_key UNIQUE (owner_key, target, fingerprint);
DROP INDEX findings_vuln;
DROP INDEX findings_target;
CREATE INDEX findings_target ON findings(target, last_seen);
ALTER TABLE findings DROP CONSTRAINT findings_system_id_fkey;
ALTER TABLE findings DROP CONSTRAINT findings_agency_id_fkey;
ALTER TABLE findings DROP CONSTRAINT findings_vuln_id_fkey;
