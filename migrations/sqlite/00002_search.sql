-- +goose Up
-- Search indexes: one table per search parameter type, holding rows of
-- current versions only (fhir/store/index.go). grp ties together the rows
-- of one composite item (0 otherwise). Rows are derived data: kiln reindex
-- rebuilds them from the stored resources, which is also what fills them
-- for resources written before this migration.
--
-- The tables are clustered on their lookup key (WITHOUT ROWID), so a row
-- costs two B-tree inserts (the table and the per-resource index that
-- deletes and sorts use), not three.
DROP TABLE search_token;

CREATE TABLE search_string (
    tenant TEXT NOT NULL, type TEXT NOT NULL, id TEXT NOT NULL, param TEXT NOT NULL, grp INTEGER NOT NULL,
    value  TEXT NOT NULL, -- normalised (lower case, no accents)
    exact  TEXT NOT NULL,
    PRIMARY KEY (tenant, type, param, value, id, grp, exact)
) WITHOUT ROWID;
CREATE INDEX search_string_resource ON search_string (tenant, type, id, param);

CREATE TABLE search_token (
    tenant TEXT NOT NULL, type TEXT NOT NULL, id TEXT NOT NULL, param TEXT NOT NULL, grp INTEGER NOT NULL,
    system TEXT NOT NULL,
    code   TEXT NOT NULL,
    text   TEXT NOT NULL, -- normalised display or text, for :text
    PRIMARY KEY (tenant, type, param, code, system, id, grp, text)
) WITHOUT ROWID;
CREATE INDEX search_token_resource ON search_token (tenant, type, id, param);

CREATE TABLE search_date (
    tenant TEXT NOT NULL, type TEXT NOT NULL, id TEXT NOT NULL, param TEXT NOT NULL, grp INTEGER NOT NULL,
    lo     INTEGER NOT NULL, -- Unix ms, inclusive
    hi     INTEGER NOT NULL,
    PRIMARY KEY (tenant, type, param, lo, hi, id, grp)
) WITHOUT ROWID;
CREATE INDEX search_date_resource ON search_date (tenant, type, id, param);

CREATE TABLE search_number (
    tenant TEXT NOT NULL, type TEXT NOT NULL, id TEXT NOT NULL, param TEXT NOT NULL, grp INTEGER NOT NULL,
    value  REAL NOT NULL,
    PRIMARY KEY (tenant, type, param, value, id, grp)
) WITHOUT ROWID;
CREATE INDEX search_number_resource ON search_number (tenant, type, id, param);

CREATE TABLE search_quantity (
    tenant TEXT NOT NULL, type TEXT NOT NULL, id TEXT NOT NULL, param TEXT NOT NULL, grp INTEGER NOT NULL,
    system TEXT NOT NULL,
    code   TEXT NOT NULL,
    value  REAL NOT NULL,
    PRIMARY KEY (tenant, type, param, code, value, system, id, grp)
) WITHOUT ROWID;
CREATE INDEX search_quantity_resource ON search_quantity (tenant, type, id, param);

CREATE TABLE search_reference (
    tenant TEXT NOT NULL, type TEXT NOT NULL, id TEXT NOT NULL, param TEXT NOT NULL, grp INTEGER NOT NULL,
    target_type TEXT NOT NULL, -- '' for references that are not to this server (url)
    target_id   TEXT NOT NULL,
    url         TEXT NOT NULL,
    PRIMARY KEY (tenant, type, param, target_id, target_type, url, id, grp)
) WITHOUT ROWID;
CREATE INDEX search_reference_resource ON search_reference (tenant, type, id, param);

CREATE TABLE search_uri (
    tenant TEXT NOT NULL, type TEXT NOT NULL, id TEXT NOT NULL, param TEXT NOT NULL, grp INTEGER NOT NULL,
    value  TEXT NOT NULL,
    PRIMARY KEY (tenant, type, param, value, id, grp)
) WITHOUT ROWID;
CREATE INDEX search_uri_resource ON search_uri (tenant, type, id, param);

-- Full text (_text, _content): an FTS5 table whose rowid is the docid of
-- the resource in search_text_doc. A resource keeps its docid for good
-- (an explicit INTEGER PRIMARY KEY, which VACUUM does not renumber).
CREATE TABLE search_text_doc (
    docid  INTEGER PRIMARY KEY,
    tenant TEXT NOT NULL, type TEXT NOT NULL, id TEXT NOT NULL,
    UNIQUE (tenant, type, id)
);
CREATE VIRTUAL TABLE search_text USING fts5(narrative, content, tokenize = 'unicode61 remove_diacritics 2');

-- Settings of the store as a whole, such as the index version the rows
-- above were built with.
CREATE TABLE store_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- +goose Down
DROP TABLE store_meta;
DROP TABLE search_text;
DROP TABLE search_text_doc;
DROP TABLE search_uri;
DROP TABLE search_reference;
DROP TABLE search_quantity;
DROP TABLE search_number;
DROP TABLE search_date;
DROP TABLE search_token;
DROP TABLE search_string;
CREATE TABLE search_token (
    tenant TEXT NOT NULL,
    type   TEXT NOT NULL,
    id     TEXT NOT NULL,
    param  TEXT NOT NULL,
    system TEXT NOT NULL,
    code   TEXT NOT NULL
);
CREATE INDEX search_token_resource ON search_token (tenant, type, id);
