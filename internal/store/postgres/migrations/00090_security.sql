-- Security seams (issue 12): the revocation epochs that stream tokens and
-- live sessions are stamped with. Times are microseconds since the Unix
-- epoch.

-- +goose Up
CREATE TABLE revocations (
    name       TEXT PRIMARY KEY,
    epoch      BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- +goose Down
DROP TABLE revocations;
