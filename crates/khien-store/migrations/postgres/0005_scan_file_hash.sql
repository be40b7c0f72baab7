-- The report file's hash is BLAKE3 from now on (stored as "blake3:<hex>"), which the import
-- computes three times faster than SHA-256 on its busiest thread. The column is renamed to
-- say what it holds; hashes of earlier imports keep their SHA-256 hex and no longer match,
-- so re-importing one of those files once more is processed as a normal import (it changes
-- nothing, since findings are deduplicated by fingerprint).
ALTER TABLE scans RENAME COLUMN sha256 TO file_hash;
