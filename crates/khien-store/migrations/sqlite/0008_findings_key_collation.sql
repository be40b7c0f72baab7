-- Nothing to change on SQLite: its text columns already compare byte by byte (BINARY). The
-- PostgreSQL migration of the same number gives the key columns of findings the same
-- byte-wise collation ("C"). Kept so that both backends number their migrations alike.
SELECT 1;
