-- Notifications: each person's channel choices, phone number and Web Push
-- subscriptions (sealed under their key), each account's signed webhooks
-- (sealed under the account's key), and the durable outbox: one message row
-- (content sealed under the account's key) and one delivery row per
-- (message, person, channel endpoint), unique so a repeated enqueue adds
-- nothing. Times are microseconds since the Unix epoch; 0 means "not set".

-- +goose Up
CREATE TABLE notify_prefs (
    user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind       TEXT NOT NULL,
    channels   TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, kind)
);

CREATE TABLE notify_phones (
    user_id      TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    phone_sealed BYTEA NOT NULL,
    updated_at   BIGINT NOT NULL
);

CREATE TABLE notify_push_subs (
    id             TEXT PRIMARY KEY,
    user_id        TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    endpoint_index BYTEA NOT NULL,
    sub_sealed     BYTEA NOT NULL,
    created_at     BIGINT NOT NULL,
    UNIQUE (user_id, endpoint_index)
);

CREATE TABLE notify_webhooks (
    id            TEXT PRIMARY KEY,
    account_id    TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    kinds         TEXT NOT NULL,
    url_sealed    BYTEA NOT NULL,
    secret_sealed BYTEA NOT NULL,
    created_by    TEXT NOT NULL,
    created_at    BIGINT NOT NULL
);
CREATE INDEX notify_webhooks_account ON notify_webhooks(account_id);

CREATE TABLE notify_messages (
    account_id     TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    id             TEXT NOT NULL,
    kind           TEXT NOT NULL,
    content_sealed BYTEA NOT NULL,
    created_at     BIGINT NOT NULL,
    PRIMARY KEY (account_id, id)
);

CREATE TABLE notify_deliveries (
    id          TEXT PRIMARY KEY,
    account_id  TEXT NOT NULL,
    message_id  TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    channel     TEXT NOT NULL,
    endpoint_id TEXT NOT NULL,
    status      TEXT NOT NULL,
    attempts    BIGINT NOT NULL DEFAULT 0,
    next_at     BIGINT NOT NULL,
    lease_until BIGINT NOT NULL DEFAULT 0,
    last_error  TEXT NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL,
    done_at     BIGINT NOT NULL DEFAULT 0,
    UNIQUE (account_id, message_id, user_id, channel, endpoint_id),
    FOREIGN KEY (account_id, message_id) REFERENCES notify_messages(account_id, id) ON DELETE CASCADE
);
CREATE INDEX notify_deliveries_due ON notify_deliveries(status, next_at);
CREATE INDEX notify_deliveries_user ON notify_deliveries(user_id, created_at);
CREATE INDEX notify_deliveries_account ON notify_deliveries(account_id, created_at);

-- +goose Down
DROP TABLE notify_deliveries;
DROP TABLE notify_messages;
DROP TABLE notify_webhooks;
DROP TABLE notify_push_subs;
DROP TABLE notify_phones;
DROP TABLE notify_prefs;
