-- The index on (target, last_seen) goes (PostgreSQL). An import finds a covered target's
-- stale findings through the unique key (owner_key, target, fingerprint) instead: one index
-- fewer to maintain per new finding, and none to move per finding a re-scan sees again
-- (last_seen changes). Keep in step with ../sqlite/0006_drop_findings_target.sql.
DROP INDEX IF EXISTS findings_target;
