-- Security seams (issue 12): the revocation epochs that stream tokens and
-- live sessions are stamped with; the keyed fingerprint of a device's
-- factory secret, which a device proves itself with when it pairs; staff
-- role changes waiting for a second operator administrator (an invitation
-- keeps the invited person's e-mail, name and training date sealed under
-- their future key until it is decided); failed sign-ins counted per
-- (keyed fingerprint of the address typed, keyed fingerprint of the
-- client's network), the same for addresses with and without an account,
-- forgotten a day after the last failure; whether a phone number was
-- verified with a one-time code sent to it (the code kept only as a keyed
-- fingerprint, for ten minutes). Times are microseconds since
-- the Unix epoch; 0 means "not set".

-- +goose Up
CREATE TABLE revocations (
    name       TEXT PRIMARY KEY,
    epoch      BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

ALTER TABLE devices ADD COLUMN factory_index BYTEA;

CREATE TABLE staff_role_changes (
    id             TEXT PRIMARY KEY,
    kind           TEXT NOT NULL,
    staff_id       TEXT NOT NULL,
    from_role      TEXT NOT NULL DEFAULT '',
    role           TEXT NOT NULL,
    payload_sealed BYTEA,
    requested_by   TEXT NOT NULL,
    requested_at   BIGINT NOT NULL,
    status         TEXT NOT NULL DEFAULT 'pending',
    decided_by     TEXT NOT NULL DEFAULT '',
    decided_at     BIGINT NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX staff_role_changes_pending ON staff_role_changes(staff_id) WHERE status = 'pending';

CREATE TABLE signin_failures (
    email_index BYTEA NOT NULL,
    net_index   BYTEA NOT NULL,
    failures    BIGINT NOT NULL,
    last_at     BIGINT NOT NULL,
    delay_until BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (email_index, net_index)
);
CREATE INDEX signin_failures_last ON signin_failures(last_at);

ALTER TABLE notify_phones ADD COLUMN verified_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE notify_phones ADD COLUMN code_index BYTEA;
ALTER TABLE notify_phones ADD COLUMN code_expires_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE notify_phones ADD COLUMN code_attempts BIGINT NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE notify_phones DROP COLUMN code_attempts;
ALTER TABLE notify_phones DROP COLUMN code_expires_at;
ALTER TABLE notify_phones DROP COLUMN code_index;
ALTER TABLE notify_phones DROP COLUMN verified_at;
DROP TABLE signin_failures;
DROP TABLE staff_role_changes;
ALTER TABLE devices DROP COLUMN factory_index;
DROP TABLE revocations;
