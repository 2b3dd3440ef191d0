-- Audit log: an append-only, hash-chained record of every access decision
-- about personal data, with an RFC 6962 Merkle tree (tlog stored hashes) and
-- signed checkpoints. Rows are never updated or deleted by vigil.
-- data is the entry's canonical encoding without its sealed personal fields;
-- the Merkle leaf is data followed by the length-prefixed personal_sealed.
-- Sequence numbers start at 1; entry seq is record seq-1 of the tree.

-- +goose Up
CREATE TABLE audit_entries (
    seq             INTEGER PRIMARY KEY,
    account_id      TEXT NOT NULL,
    data            BLOB NOT NULL,
    personal_sealed BLOB NOT NULL,
    prev_hash       BLOB NOT NULL,
    hash            BLOB NOT NULL
);
CREATE INDEX audit_entries_account ON audit_entries(account_id, seq);

-- Stored hashes of the Merkle tree, by tlog stored-hash index.
CREATE TABLE audit_hashes (
    idx  INTEGER PRIMARY KEY,
    hash BLOB NOT NULL
);

-- The one head row: the committed size and its signed checkpoint. Every
-- batch updates it first, which serialises writers on every node.
CREATE TABLE audit_head (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    size       INTEGER NOT NULL,
    checkpoint TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);
INSERT INTO audit_head (id, size, checkpoint, updated_at) VALUES (1, 0, '', 0);

-- Older signed checkpoints, kept about once a second, so that verification
-- can hold earlier tree sizes against what was signed then.
CREATE TABLE audit_checkpoints (
    size       INTEGER PRIMARY KEY,
    checkpoint TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

-- +goose Down
DROP TABLE audit_checkpoints;
DROP TABLE audit_head;
DROP TABLE audit_hashes;
DROP TABLE audit_entries;
