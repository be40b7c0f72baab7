-- The key columns of findings compare byte by byte (collation "C"), as every text column does
-- on SQLite (BINARY), so both backends sort them alike. Owner keys, target keys, fingerprints
-- and statuses are identifiers, not prose: a locale's rules only made each comparison in
-- their indexes slower (a new finding's insert compares them some 20 times in the unique key
-- alone; a large import spent about a fifth of the server's time in text comparison).
-- Changing only the collation keeps the rows as they are but rebuilds the indexes on these
-- columns, holding the table locked meanwhile (seconds for a million findings), and drops
-- the planner's statistics of these columns: they are gathered again at once. Keep in step
-- with ../sqlite/0008_findings_key_collation.sql.
ALTER TABLE findings
    ALTER COLUMN owner_key TYPE TEXT COLLATE "C",
    ALTER COLUMN target TYPE TEXT COLLATE "C",
    ALTER COLUMN fingerprint TYPE TEXT COLLATE "C",
    ALTER COLUMN status TYPE TEXT COLLATE "C";
ANALYZE findings;
