-- Staff security keys and passkeys (issue 13): a staff member's registered
-- WebAuthn credentials (public keys, credential IDs, sign counters), sealed
-- under their own key as one list; and the challenge of a registration or
-- sign-in ceremony in flight (sealed, with its expiry inside), one at a
-- time per member. And which privacy-training reminder a member was last
-- sent ("<training date in microseconds>:<days before>"), so that each is
-- sent once, and afresh when the training date changes.

-- +goose Up
ALTER TABLE staff ADD COLUMN webauthn_sealed BYTEA;
ALTER TABLE staff ADD COLUMN webauthn_ceremony_sealed BYTEA;

ALTER TABLE staff ADD COLUMN training_reminder TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE staff DROP COLUMN training_reminder;
ALTER TABLE staff DROP COLUMN webauthn_ceremony_sealed;
ALTER TABLE staff DROP COLUMN webauthn_sealed;
