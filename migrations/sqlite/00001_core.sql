-- +goose Up
-- Times are Unix milliseconds (UTC); booleans are 0/1.
CREATE TABLE tenants (
    name       TEXT PRIMARY KEY,
    created_at INTEGER NOT NULL
);

-- Every version of every resource, immutable. seq orders all writes and is
-- the stable cursor of history paging.
CREATE TABLE resource_versions (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant       TEXT        NOT NULL,
    type         TEXT        NOT NULL,
    id           TEXT        NOT NULL,
    version      INTEGER     NOT NULL,
    last_updated INTEGER     NOT NULL,
    method       TEXT        NOT NULL,
    deleted      INTEGER     NOT NULL,
    body         BLOB,
    UNIQUE (tenant, type, id, version)
);
CREATE INDEX resource_versions_tenant_seq ON resource_versions (tenant, seq);
CREATE INDEX resource_versions_type_seq ON resource_versions (tenant, type, seq);

-- The current version of each resource: a pointer into resource_versions.
CREATE TABLE resources (
    tenant       TEXT        NOT NULL,
    type         TEXT        NOT NULL,
    id           TEXT        NOT NULL,
    version      INTEGER     NOT NULL,
    last_updated INTEGER     NOT NULL,
    deleted      INTEGER     NOT NULL,
    PRIMARY KEY (tenant, type, id)
);

-- Token index rows of current versions (identifier for now; the search
-- issue adds every token parameter).
CREATE TABLE search_token (
    tenant TEXT NOT NULL,
    type   TEXT NOT NULL,
    id     TEXT NOT NULL,
    param  TEXT NOT NULL,
    system TEXT NOT NULL,
    code   TEXT NOT NULL
);
CREATE INDEX search_token_lookup ON search_token (tenant, type, param, code, system);
CREATE INDEX search_token_resource ON search_token (tenant, type, id);

-- +goose Down
DROP TABLE search_token;
DROP TABLE resources;
DROP TABLE resource_versions;
DROP TABLE tenants;
