-- +goose Up
CREATE TABLE tenants (
    name       text PRIMARY KEY,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- Every version of every resource, immutable. seq orders all writes and is
-- the stable cursor of history paging.
CREATE TABLE resource_versions (
    seq          bigserial PRIMARY KEY,
    tenant       text        NOT NULL,
    type         text        NOT NULL,
    id           text        NOT NULL,
    version      bigint      NOT NULL,
    last_updated timestamptz NOT NULL,
    method       text        NOT NULL,
    deleted      boolean     NOT NULL,
    body         json,  -- json, not jsonb: keeps the client's bytes (key order, number text) exactly
    UNIQUE (tenant, type, id, version)
);
CREATE INDEX resource_versions_tenant_seq ON resource_versions (tenant, seq);
CREATE INDEX resource_versions_type_seq ON resource_versions (tenant, type, seq);

-- The current version of each resource: a pointer into resource_versions.
CREATE TABLE resources (
    tenant       text        NOT NULL,
    type         text        NOT NULL,
    id           text        NOT NULL,
    version      bigint      NOT NULL,
    last_updated timestamptz NOT NULL,
    deleted      boolean     NOT NULL,
    PRIMARY KEY (tenant, type, id)
);

-- Token index rows of current versions (identifier for now; the search
-- issue adds every token parameter).
CREATE TABLE search_token (
    tenant text NOT NULL,
    type   text NOT NULL,
    id     text NOT NULL,
    param  text NOT NULL,
    system text NOT NULL,
    code   text NOT NULL
);
CREATE INDEX search_token_lookup ON search_token (tenant, type, param, code, system);
CREATE INDEX search_token_resource ON search_token (tenant, type, id);

-- +goose Down
DROP TABLE search_token;
DROP TABLE resources;
DROP TABLE resource_versions;
DROP TABLE tenants;
