-- The disclosure ledger. privacy_processors is the registry of companies
-- working for the vendor (no personal data): what they do, their agreement
-- and assessment dates, and the data categories they may receive.
-- privacy_disclosures records every disclosure of an account's data: to a
-- processor, to a third party a user designated (a share, revocable), to an
-- authority on a legal request (with a date before which the people concerned
-- may not be told), or in a transfer. Names, references and details are
-- sealed under the account's key. categories and resources are
-- comma-separated identifiers. Times are microseconds since the Unix epoch;
-- 0 means "not set".

-- +goose Up
CREATE TABLE privacy_processors (
    id                    TEXT PRIMARY KEY,
    name                  TEXT NOT NULL UNIQUE,
    service               TEXT NOT NULL,
    categories            TEXT NOT NULL,
    agreement_signed_at   BIGINT NOT NULL,
    agreement_expires_at  BIGINT NOT NULL,
    assessed_at           BIGINT NOT NULL,
    assessment_expires_at BIGINT NOT NULL,
    created_at            BIGINT NOT NULL,
    updated_at            BIGINT NOT NULL
);

CREATE TABLE privacy_disclosures (
    id               TEXT PRIMARY KEY,
    account_id       TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    subject_id       TEXT NOT NULL DEFAULT '',
    kind             TEXT NOT NULL,
    processor_id     TEXT NOT NULL DEFAULT '',
    recipient_sealed BYTEA NOT NULL,
    reference_sealed BYTEA NOT NULL,
    details_sealed   BYTEA NOT NULL,
    categories       TEXT NOT NULL,
    resources        TEXT NOT NULL DEFAULT '',
    disclosed_at     BIGINT NOT NULL,
    expires_at       BIGINT NOT NULL DEFAULT 0,
    revoked_at       BIGINT NOT NULL DEFAULT 0,
    hold_until       BIGINT NOT NULL DEFAULT 0,
    recorded_by      TEXT NOT NULL,
    created_at       BIGINT NOT NULL
);
CREATE INDEX privacy_disclosures_account ON privacy_disclosures(account_id, disclosed_at);
CREATE INDEX privacy_disclosures_subject ON privacy_disclosures(subject_id, disclosed_at);

-- +goose Down
DROP TABLE privacy_disclosures;
DROP TABLE privacy_processors;
