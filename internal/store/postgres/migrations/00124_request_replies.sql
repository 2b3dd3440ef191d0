-- What requesters write on their privacy requests: replies to letters and
-- appeals against denials. The text is sealed under the requester's key.

-- +goose Up
CREATE TABLE privacy_request_replies (
    id          TEXT PRIMARY KEY,
    request_id  TEXT NOT NULL REFERENCES privacy_requests(id) ON DELETE CASCADE,
    appeal      INTEGER NOT NULL,
    text_sealed BYTEA NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX privacy_request_replies_request ON privacy_request_replies(request_id, created_at);

-- +goose Down
DROP TABLE privacy_request_replies;
