-- +goose Up
-- Kiln's own configuration beside the FHIR data: access policies, clients,
-- API keys, signing keys, used token ids (store.Records). expires is Unix
-- milliseconds, 0 for never.
CREATE TABLE records (
    tenant  TEXT   NOT NULL,
    kind    TEXT   NOT NULL,
    key     TEXT   NOT NULL,
    value   BYTEA NOT NULL,
    expires BIGINT NOT NULL,
    PRIMARY KEY (tenant, kind, key)
);

-- +goose Down
DROP TABLE records;
