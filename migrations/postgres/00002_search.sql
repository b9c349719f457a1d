-- +goose Up
-- Search indexes: one table per search parameter type, holding rows of
-- current versions only (fhir/store/index.go). grp ties together the rows
-- of one composite item (0 otherwise). The per-resource indexes (used to
-- delete a resource's rows, to sort and to follow includes) carry the
-- value columns, so sorting and _include read them without the table. Rows are derived data: kiln reindex
-- rebuilds them from the stored resources, which is also what fills them
-- for resources written before this migration.
DROP TABLE search_token;

-- Byte order ("C") for every key column, as SQLite compares them: the
-- default order of search results and _sort=_id agree on both backends
-- whatever the database's collation, and joins between resources, versions
-- and index rows compare columns of one collation, which the planner needs
-- to use the indexes.
ALTER TABLE resources ALTER COLUMN tenant TYPE text COLLATE "C", ALTER COLUMN type TYPE text COLLATE "C", ALTER COLUMN id TYPE text COLLATE "C";
ALTER TABLE resource_versions ALTER COLUMN tenant TYPE text COLLATE "C", ALTER COLUMN type TYPE text COLLATE "C", ALTER COLUMN id TYPE text COLLATE "C";
-- The planner needs statistics of the keys, not of the bodies; sampling
-- bodies would make every ANALYZE after a bulk load read megabytes of JSON.
ALTER TABLE resource_versions ALTER COLUMN body SET STATISTICS 0;

CREATE TABLE search_string (
    tenant text COLLATE "C" NOT NULL, type text COLLATE "C" NOT NULL, id text COLLATE "C" NOT NULL, param text COLLATE "C" NOT NULL, grp integer NOT NULL,
    value  text COLLATE "C" NOT NULL, -- normalised (lower case, no accents)
    exact  text COLLATE "C" NOT NULL
);
CREATE INDEX search_string_lookup ON search_string (tenant, type, param, value, id);
CREATE INDEX search_string_resource ON search_string (tenant, type, id, param) INCLUDE (value);

CREATE TABLE search_token (
    tenant text COLLATE "C" NOT NULL, type text COLLATE "C" NOT NULL, id text COLLATE "C" NOT NULL, param text COLLATE "C" NOT NULL, grp integer NOT NULL,
    system text COLLATE "C" NOT NULL,
    code   text COLLATE "C" NOT NULL,
    text   text COLLATE "C" NOT NULL -- normalised display or text, for :text
);
CREATE INDEX search_token_lookup ON search_token (tenant, type, param, code, system, id);
CREATE INDEX search_token_resource ON search_token (tenant, type, id, param) INCLUDE (code);

CREATE TABLE search_date (
    tenant text COLLATE "C" NOT NULL, type text COLLATE "C" NOT NULL, id text COLLATE "C" NOT NULL, param text COLLATE "C" NOT NULL, grp integer NOT NULL,
    lo     bigint NOT NULL, -- Unix ms, inclusive
    hi     bigint NOT NULL
);
CREATE INDEX search_date_lo ON search_date (tenant, type, param, lo, hi);
CREATE INDEX search_date_hi ON search_date (tenant, type, param, hi, lo);
CREATE INDEX search_date_resource ON search_date (tenant, type, id, param) INCLUDE (lo, hi);

CREATE TABLE search_number (
    tenant text COLLATE "C" NOT NULL, type text COLLATE "C" NOT NULL, id text COLLATE "C" NOT NULL, param text COLLATE "C" NOT NULL, grp integer NOT NULL,
    value  double precision NOT NULL
);
CREATE INDEX search_number_lookup ON search_number (tenant, type, param, value);
CREATE INDEX search_number_resource ON search_number (tenant, type, id, param) INCLUDE (value);

CREATE TABLE search_quantity (
    tenant text COLLATE "C" NOT NULL, type text COLLATE "C" NOT NULL, id text COLLATE "C" NOT NULL, param text COLLATE "C" NOT NULL, grp integer NOT NULL,
    system text COLLATE "C" NOT NULL,
    code   text COLLATE "C" NOT NULL,
    value  double precision NOT NULL
);
CREATE INDEX search_quantity_lookup ON search_quantity (tenant, type, param, code, value);
CREATE INDEX search_quantity_resource ON search_quantity (tenant, type, id, param) INCLUDE (value);

CREATE TABLE search_reference (
    tenant text COLLATE "C" NOT NULL, type text COLLATE "C" NOT NULL, id text COLLATE "C" NOT NULL, param text COLLATE "C" NOT NULL, grp integer NOT NULL,
    target_type text COLLATE "C" NOT NULL, -- '' for references that are not to this server (url)
    target_id   text COLLATE "C" NOT NULL,
    url         text COLLATE "C" NOT NULL
);
CREATE INDEX search_reference_lookup ON search_reference (tenant, type, param, target_id, target_type, id);
CREATE INDEX search_reference_resource ON search_reference (tenant, type, id, param) INCLUDE (target_type, target_id);

CREATE TABLE search_uri (
    tenant text COLLATE "C" NOT NULL, type text COLLATE "C" NOT NULL, id text COLLATE "C" NOT NULL, param text COLLATE "C" NOT NULL, grp integer NOT NULL,
    value  text COLLATE "C" NOT NULL
);
CREATE INDEX search_uri_lookup ON search_uri (tenant, type, param, value);
CREATE INDEX search_uri_resource ON search_uri (tenant, type, id, param) INCLUDE (value);

-- Full text (_text, _content): normalised text as one tsvector per
-- resource ('simple' configuration: Kiln normalises case and accents
-- itself, the same way for both backends). The narrative's words carry
-- weight A, so _text matches word:A and _content any word, from one GIN
-- index: a second index would make every write update two.
CREATE TABLE search_text (
    tenant text COLLATE "C" NOT NULL, type text COLLATE "C" NOT NULL, id text COLLATE "C" NOT NULL,
    doc tsvector NOT NULL,
    PRIMARY KEY (tenant, type, id)
);
CREATE INDEX search_text_doc ON search_text USING gin (doc);

-- Settings of the store as a whole, such as the index version the rows
-- above were built with.
CREATE TABLE store_meta (
    key   TEXT PRIMARY KEY,
    value text NOT NULL
);

-- +goose Down
ALTER TABLE resources ALTER COLUMN tenant TYPE text COLLATE "default", ALTER COLUMN type TYPE text COLLATE "default", ALTER COLUMN id TYPE text COLLATE "default";
ALTER TABLE resource_versions ALTER COLUMN tenant TYPE text COLLATE "default", ALTER COLUMN type TYPE text COLLATE "default", ALTER COLUMN id TYPE text COLLATE "default";
DROP TABLE store_meta;
DROP TABLE search_text;
DROP TABLE search_uri;
DROP TABLE search_reference;
DROP TABLE search_quantity;
DROP TABLE search_number;
DROP TABLE search_date;
DROP TABLE search_token;
DROP TABLE search_string;
CREATE TABLE search_token (
    tenant text NOT NULL,
    type   text NOT NULL,
    id     text NOT NULL,
    param  text NOT NULL,
    system text COLLATE "C" NOT NULL,
    code   text COLLATE "C" NOT NULL
);
CREATE INDEX search_token_lookup ON search_token (tenant, type, param, code, system);
CREATE INDEX search_token_resource ON search_token (tenant, type, id);
