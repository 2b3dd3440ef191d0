-- Transfers that expose nobody. privacy_transfer_members keeps each
-- member's answer to a transfer of their account (agreed, refused, or ''
-- while they have not answered): their own records travel only once they
-- agreed. privacy_transfer_imports keeps which packages this vigil
-- imported, so a package imports once. privacy_transfer_closures keeps,
-- after the owner confirmed the import elsewhere, when the source account
-- was frozen and when it closes, or why it is kept (sealed under the
-- account's key). accounts.frozen_at: a frozen account is read-only.
-- Times are microseconds since the Unix epoch; 0 means "not set".

-- +goose Up
CREATE TABLE privacy_transfer_members (
    transfer_id TEXT NOT NULL,
    account_id  TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    user_id     TEXT NOT NULL,
    answer      TEXT NOT NULL DEFAULT '',
    asked_at    BIGINT NOT NULL,
    answered_at BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (transfer_id, user_id)
);
CREATE INDEX privacy_transfer_members_user ON privacy_transfer_members(user_id);

CREATE TABLE privacy_transfer_imports (
    transfer_id TEXT PRIMARY KEY,
    account_id  TEXT NOT NULL,
    imported_by TEXT NOT NULL,
    imported_at BIGINT NOT NULL
);

CREATE TABLE privacy_transfer_closures (
    transfer_id        TEXT PRIMARY KEY,
    account_id         TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    confirmed_by       TEXT NOT NULL,
    frozen_at          BIGINT NOT NULL,
    closes_at          BIGINT NOT NULL DEFAULT 0,
    keep_reason_sealed BYTEA,
    closed_at          BIGINT NOT NULL DEFAULT 0
);

ALTER TABLE accounts ADD COLUMN frozen_at BIGINT NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE accounts DROP COLUMN frozen_at;
DROP TABLE privacy_transfer_closures;
DROP TABLE privacy_transfer_imports;
DROP TABLE privacy_transfer_members;
