-- Camera shares. A share is a disclosure (privacy_disclosures, kind
-- 'share': its devices or sites, its end and its revocation); this table
-- holds whom it opens to and what: a person, once they accept the
-- invitation mailed to them, or an integration holding a token; live view
-- and/or recordings, and a window of recordings. secret_hash is the SHA-256
-- of the pending invitation's token or of the integration's token (never
-- the token). privacy_share_uses keeps each access a share allowed, beside
-- it, for the owner and the recipient. Times are microseconds since the
-- Unix epoch; 0 means "not set".

-- +goose Up
CREATE TABLE privacy_shares (
    id              TEXT PRIMARY KEY REFERENCES privacy_disclosures(id) ON DELETE CASCADE,
    account_id      TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    recipient_kind  TEXT NOT NULL,
    recipient_id    TEXT NOT NULL DEFAULT '',
    secret_hash     TEXT NOT NULL DEFAULT '',
    live            INTEGER NOT NULL,
    recordings      INTEGER NOT NULL,
    recordings_from BIGINT NOT NULL DEFAULT 0,
    recordings_to   BIGINT NOT NULL DEFAULT 0,
    accepted_at     BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX privacy_shares_recipient ON privacy_shares(recipient_id);
CREATE INDEX privacy_shares_secret ON privacy_shares(secret_hash);

CREATE TABLE privacy_share_uses (
    share_id     TEXT NOT NULL REFERENCES privacy_shares(id) ON DELETE CASCADE,
    seq          BIGINT NOT NULL,
    account_id   TEXT NOT NULL,
    recipient_id TEXT NOT NULL,
    used_at      BIGINT NOT NULL,
    action       TEXT NOT NULL,
    category     TEXT NOT NULL,
    resource_id  TEXT NOT NULL,
    PRIMARY KEY (share_id, seq)
);

-- +goose Down
DROP TABLE privacy_share_uses;
DROP TABLE privacy_shares;
