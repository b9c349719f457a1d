-- +goose Up
-- Chunks of redacted document text and their embeddings (store.Chunks),
-- the grounding of Client Health Reports. A document's chunks are replaced
-- as a whole. Offsets are Unicode code points into the redacted text; the
-- vector is dims little-endian float32s. NearestChunks compares every
-- vector of one patient and model exactly, in Go.
--
-- A rowid table, not WITHOUT ROWID: rows are kilobytes (a 384-dimension
-- vector alone is 1.5 KiB), which a WITHOUT ROWID b-tree would spill to
-- overflow pages. The vector comes before the text so that reading it
-- never walks a long text's overflow chain.
CREATE TABLE chunks (
    tenant       TEXT    NOT NULL,
    document     TEXT    NOT NULL,
    seq          INTEGER NOT NULL,
    patient      TEXT    NOT NULL,
    model        TEXT    NOT NULL,
    dims         INTEGER NOT NULL CHECK (dims > 0),
    start_offset INTEGER NOT NULL,
    end_offset   INTEGER NOT NULL,
    vector       BLOB    NOT NULL CHECK (length(vector) = 4 * dims),
    text         TEXT    NOT NULL,
    PRIMARY KEY (tenant, document, seq)
);
-- NearestChunks and PatientChunks.
CREATE INDEX chunks_patient ON chunks (tenant, patient, model);

-- +goose Down
DROP TABLE chunks;
