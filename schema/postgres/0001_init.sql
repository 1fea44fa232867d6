-- Baseline: the table that records which migrations of schema/postgres have been applied.
-- Add tables in new files (0002_<what>.sql, ...): `python -m stack.schema apply` runs each new file once, in
-- order, inside a transaction. Never edit a file that has been applied: the runner refuses a changed checksum.
CREATE TABLE IF NOT EXISTS schema_migrations (
    version    text PRIMARY KEY,
    checksum   text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
);
