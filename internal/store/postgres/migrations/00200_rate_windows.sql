-- Rate limits shared by every node (issue 16): per limit, a keyed
-- fingerprint of the client network or address (never in clear), a fixed
-- window and its count; windows older than one period are deleted.

-- +goose Up
CREATE TABLE rate_windows (
    scope     TEXT NOT NULL,
    key_index BYTEA NOT NULL,
    window_at BIGINT NOT NULL,
    n         BIGINT NOT NULL,
    PRIMARY KEY (scope, key_index, window_at)
);
CREATE INDEX rate_windows_at ON rate_windows(window_at);

-- +goose Down
DROP TABLE rate_windows;
