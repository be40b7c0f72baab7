-- A scan's replay key is now a digest of the report as the import reads it (per finding:
-- owner, fingerprint, vulnerability row, instance content, the report's own time), computed
-- on the database thread from keys it has anyway, instead of BLAKE3 over the file's bytes on
-- the parser thread (the import's busier one; a twelfth of its work). The column is renamed
-- to say what it holds. Earlier values ("blake3:<hex>") no longer match any new digest
-- ("findings-blake3:<hex>"), so re-importing one of those files once more is processed as a
-- normal import: it changes nothing, since findings are deduplicated by fingerprint.
-- Keep in step with ../postgres/0007_scan_report_digest.sql.
ALTER TABLE scans RENAME COLUMN file_hash TO report_digest;
