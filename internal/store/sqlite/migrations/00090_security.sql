-- Security seams (issue 12): the revocation epochs that stream tokens and
-- live sessions are stamped with; the keyed fingerprint of a device's
-- factory secret, which a device proves itself with when it pairs. Times
-- are microseconds since the Unix epoch.

-- +goose Up
CREATE TABLE revocations (
    name       TEXT PRIMARY KEY,
    epoch      INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

ALTER TABLE devices ADD COLUMN factory_index BLOB;

-- +goose Down
ALTER TABLE devices DROP COLUMN factory_index;
DROP TABLE revocations;
