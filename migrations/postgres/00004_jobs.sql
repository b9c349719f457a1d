-- +goose Up
-- The durable job queue (store.Jobs). One plain table, the same on SQLite,
-- so both backends share one contract; workers claim rows with
-- FOR UPDATE SKIP LOCKED. Rows stay after they end (completed, dead).
CREATE TABLE jobs (
    id           bigserial   PRIMARY KEY,
    tenant       text        NOT NULL,
    kind         text        NOT NULL,
    key          text        NOT NULL, -- '' for none
    payload      bytea       NOT NULL,
    state        text        NOT NULL CHECK (state IN ('available', 'running', 'completed', 'dead')),
    attempt      integer     NOT NULL,
    max_attempts integer     NOT NULL CHECK (max_attempts > 0),
    run_at       timestamptz NOT NULL,
    worker       text        NOT NULL, -- '' before the first attempt
    lease_until  timestamptz,          -- NULL before the first attempt
    last_error   text        NOT NULL,
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL
);
-- At most one live job per key; EnqueueJob relies on it under concurrency.
CREATE UNIQUE INDEX jobs_live_key ON jobs (tenant, kind, key)
    WHERE key <> '' AND state IN ('available', 'running');
-- ClaimJobs walks live jobs in run_at order. Partial, so that the ended
-- jobs that pile up cost claims nothing.
CREATE INDEX jobs_due ON jobs (run_at, id) WHERE state IN ('available', 'running');
-- ListJobs.
CREATE INDEX jobs_tenant ON jobs (tenant, id);

-- +goose Down
DROP TABLE jobs;
