-- +goose Up
-- Chunks of redacted document text and their embeddings (store.Chunks),
-- the grounding of Client Health Reports. A document's chunks are replaced
-- as a whole. Offsets are Unicode code points into the redacted text; the
-- vector is dims little-endian float32s, the same bytes as on SQLite, so
-- the exact search works on every server.
--
-- When the pgvector extension is available, Open adds an "embedding
-- vector" column and HNSW indexes per dimension (see the postgres
-- package); they are not here because a migration must not fail on a
-- server without pgvector.
CREATE TABLE chunks (
    tenant       text    NOT NULL,
    document     text    NOT NULL,
    seq          integer NOT NULL,
    patient      text    NOT NULL,
    start_offset integer NOT NULL,
    end_offset   integer NOT NULL,
    text         text    NOT NULL,
    model        text    NOT NULL,
    dims         integer NOT NULL CHECK (dims > 0),
    vector       bytea   NOT NULL CHECK (length(vector) = 4 * dims),
    PRIMARY KEY (tenant, document, seq)
);
-- Keep vectors in the row, uncompressed where possible: the exact search
-- reads every vector of a patient, and a TOASTed one costs a lookup in
-- the TOAST table each (floats do not compress anyway). MAIN still lets a
-- very long vector (3,072 dimensions) move out of line rather than fail;
-- the text, read only for the top K, goes first.
ALTER TABLE chunks ALTER COLUMN vector SET STORAGE MAIN;
-- NearestChunks and PatientChunks.
CREATE INDEX chunks_patient ON chunks (tenant, patient, model);

-- +goose Down
DROP TABLE chunks;
