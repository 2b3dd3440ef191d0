-- Grant requests: a staff member asks an account for an entrustment grant
-- for a support ticket (which data, for how long, why); the account's owner
-- or an admin approves it, possibly narrower or shorter (which makes the
-- grant), or declines it. A request opens nothing by itself. categories is
-- comma-separated; seconds is the longest the grant may run; the ticket and
-- reason are sealed under the account's key. status is pending, approved
-- or declined. Times are microseconds since the Unix epoch; 0
-- means "not set".

-- +goose Up
CREATE TABLE privacy_grant_requests (
    id            TEXT PRIMARY KEY,
    account_id    TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    staff_id      TEXT NOT NULL,
    categories    TEXT NOT NULL,
    seconds       BIGINT NOT NULL,
    ticket_sealed BYTEA NOT NULL,
    reason_sealed BYTEA NOT NULL,
    requested_at  BIGINT NOT NULL,
    status        TEXT NOT NULL DEFAULT 'pending',
    decided_at    BIGINT NOT NULL DEFAULT 0,
    decided_by    TEXT NOT NULL DEFAULT '',
    grant_id      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX privacy_grant_requests_account ON privacy_grant_requests(account_id, requested_at);
CREATE INDEX privacy_grant_requests_staff ON privacy_grant_requests(staff_id, requested_at);

-- +goose Down
DROP TABLE privacy_grant_requests;
