-- Core: accounts (tenants), sites, users, memberships, sessions, tokens, vendor staff.
-- Personal fields are stored sealed (*_sealed) under the subject's or the
-- account's key; lookups use keyed MACs (*_index), never clear text.
-- Times are microseconds since the Unix epoch; 0 means "not set".

-- +goose Up
CREATE TABLE accounts (
    id          TEXT PRIMARY KEY,
    name_sealed BYTEA NOT NULL,
    region      TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    closed_at   BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE sites (
    id          TEXT PRIMARY KEY,
    account_id  TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    name_sealed BYTEA NOT NULL,
    time_zone   TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX sites_account ON sites(account_id);

CREATE TABLE users (
    id                  TEXT PRIMARY KEY,
    email_index         BYTEA NOT NULL UNIQUE,
    email_sealed        BYTEA NOT NULL,
    name_sealed         BYTEA NOT NULL,
    language            TEXT NOT NULL,
    time_zone           TEXT NOT NULL,
    password_hash       TEXT NOT NULL,
    email_verified_at   BIGINT NOT NULL DEFAULT 0,
    totp_sealed         BYTEA,
    totp_pending_sealed BYTEA,
    totp_last_step      BIGINT NOT NULL DEFAULT 0,
    failed_logins       BIGINT NOT NULL DEFAULT 0,
    locked_until        BIGINT NOT NULL DEFAULT 0,
    created_at          BIGINT NOT NULL,
    password_changed_at BIGINT NOT NULL
);

CREATE TABLE memberships (
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    site_id    TEXT NOT NULL DEFAULT '',
    role       TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (account_id, user_id, site_id)
);
CREATE INDEX memberships_user ON memberships(user_id);

CREATE TABLE staff (
    id                   TEXT PRIMARY KEY,
    email_index          BYTEA NOT NULL UNIQUE,
    email_sealed         BYTEA NOT NULL,
    name_sealed          BYTEA NOT NULL,
    role                 TEXT NOT NULL,
    password_hash        TEXT NOT NULL,
    totp_sealed          BYTEA,
    totp_pending_sealed  BYTEA,
    totp_last_step       BIGINT NOT NULL DEFAULT 0,
    training_valid_until BIGINT NOT NULL DEFAULT 0,
    failed_logins        BIGINT NOT NULL DEFAULT 0,
    locked_until         BIGINT NOT NULL DEFAULT 0,
    disabled_at          BIGINT NOT NULL DEFAULT 0,
    created_at           BIGINT NOT NULL
);

CREATE TABLE sessions (
    id_hash           BYTEA PRIMARY KEY,
    principal_kind    TEXT NOT NULL,
    principal_id      TEXT NOT NULL,
    mfa_passed        BOOLEAN NOT NULL DEFAULT FALSE,
    pending_mfa       BOOLEAN NOT NULL DEFAULT FALSE,
    ip_sealed         BYTEA NOT NULL,
    user_agent_sealed BYTEA NOT NULL,
    created_at        BIGINT NOT NULL,
    last_seen_at      BIGINT NOT NULL,
    expires_at        BIGINT NOT NULL
);
CREATE INDEX sessions_principal ON sessions(principal_kind, principal_id);
CREATE INDEX sessions_expires ON sessions(expires_at);

CREATE TABLE api_tokens (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    token_hash   BYTEA NOT NULL UNIQUE,
    label_sealed BYTEA NOT NULL,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    last_used_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX api_tokens_user ON api_tokens(user_id);

CREATE TABLE one_time_tokens (
    token_hash     BYTEA PRIMARY KEY,
    purpose        TEXT NOT NULL,
    subject_id     TEXT NOT NULL,
    payload_sealed BYTEA,
    created_at     BIGINT NOT NULL,
    expires_at     BIGINT NOT NULL,
    used_at        BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX one_time_tokens_subject ON one_time_tokens(purpose, subject_id);

-- +goose Down
DROP TABLE one_time_tokens;
DROP TABLE api_tokens;
DROP TABLE sessions;
DROP TABLE staff;
DROP TABLE memberships;
DROP TABLE users;
DROP TABLE sites;
DROP TABLE accounts;
