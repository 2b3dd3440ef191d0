-- Entrustment grants: an account's owner or admin lets vendor staff (one
-- member, or everyone holding one role) see some categories of the account's
-- data, on some devices or sites or the whole account, for a bounded time and
-- a support ticket. Each use of a grant is kept beside it, pointing at the
-- audit entry that records it. categories and resources are comma-separated
-- identifiers; resources '' means the whole account. The ticket and reason
-- are sealed under the account's key. Times are microseconds since the Unix
-- epoch; 0 means "not set".

-- +goose Up
CREATE TABLE privacy_grants (
    id            TEXT PRIMARY KEY,
    account_id    TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    staff_id      TEXT NOT NULL DEFAULT '',
    staff_role    TEXT NOT NULL DEFAULT '',
    categories    TEXT NOT NULL,
    resources     TEXT NOT NULL DEFAULT '',
    starts_at     BIGINT NOT NULL,
    ends_at       BIGINT NOT NULL,
    ticket_sealed BYTEA NOT NULL,
    reason_sealed BYTEA NOT NULL,
    granted_by    TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    revoked_at    BIGINT NOT NULL DEFAULT 0,
    revoked_by    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX privacy_grants_account ON privacy_grants(account_id, created_at);
CREATE INDEX privacy_grants_staff ON privacy_grants(staff_id);

CREATE TABLE privacy_grant_uses (
    grant_id    TEXT NOT NULL REFERENCES privacy_grants(id) ON DELETE CASCADE,
    seq         BIGINT NOT NULL,
    account_id  TEXT NOT NULL,
    staff_id    TEXT NOT NULL,
    used_at     BIGINT NOT NULL,
    action      TEXT NOT NULL,
    category    TEXT NOT NULL,
    resource_id TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (grant_id, seq)
);
CREATE INDEX privacy_grant_uses_account ON privacy_grant_uses(account_id, seq);

-- +goose Down
DROP TABLE privacy_grant_uses;
DROP TABLE privacy_grants;
