-- Keys: data keys (per account, per person) and system secrets, each wrapped
-- by the key-encryption key whose version kek_id names. Nothing here is in
-- clear: wrapped is Tink ciphertext. A destroyed data key keeps its row as a
-- tombstone (wrapped NULL, destroyed_at set) so it is never made again.
-- Times are microseconds since the Unix epoch; 0 means "not set".

-- +goose Up
CREATE TABLE data_keys (
    scope        TEXT NOT NULL,
    owner_id     TEXT NOT NULL,
    kek_id       TEXT NOT NULL,
    wrapped      BLOB,
    created_at   INTEGER NOT NULL,
    destroyed_at INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (scope, owner_id)
);

CREATE TABLE system_secrets (
    name       TEXT PRIMARY KEY,
    kek_id     TEXT NOT NULL,
    wrapped    BLOB NOT NULL,
    created_at INTEGER NOT NULL
);

-- +goose Down
DROP TABLE system_secrets;
DROP TABLE data_keys;
