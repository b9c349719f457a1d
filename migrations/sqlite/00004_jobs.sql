-- +goose Up
-- The durable job queue (store.Jobs). One plain table, the same on
-- PostgreSQL, so both backends share one contract; the single write
-- connection serialises claims. Times are Unix milliseconds; lease_until
-- is 0 before the first attempt. Rows stay after they end (completed, dead).
CREATE TABLE jobs (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant       TEXT    NOT NULL,
    kind         TEXT    NOT NULL,
    key          TEXT    NOT NULL, -- '' for none
    payload      BLOB    NOT NULL,
    state        TEXT    NOT NULL CHECK (state IN ('available', 'running', 'completed', 'dead')),
    attempt      INTEGER NOT NULL,
    max_attempts INTEGER NOT NULL CHECK (max_attempts > 0),
    run_at       INTEGER NOT NULL,
    worker       TEXT    NOT NULL, -- '' before the first attempt
    lease_until  INTEGER NOT NULL,
    last_error   TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
-- At most one live job per key.
CREATE UNIQUE INDEX jobs_live_key ON jobs (tenant, kind, key)
    WHERE key <> '' AND state IN ('available', 'running');
-- ClaimJobs walks live jobs in run_at order. Partial, so that the ended
-- jobs that pile up cost claims nothing.
CREATE INDEX jobs_due ON jobs (run_at, id) WHERE state IN ('available', 'running');
-- ListJobs.
CREATE INDEX jobs_tenant ON jobs (tenant, id);

-- +goose Down
DROP TABLE jobs;
