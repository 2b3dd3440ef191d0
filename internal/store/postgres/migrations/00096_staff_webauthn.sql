-- Staff security keys and passkeys (issue 13): a staff member's registered
-- WebAuthn credentials (public keys, credential IDs, sign counters), sealed
-- under their own key as one list; and the challenge of a registration or
-- sign-in ceremony in flight (sealed, with its expiry inside), one at a
-- time per member.

-- +goose Up
ALTER TABLE staff ADD COLUMN webauthn_sealed BYTEA;
ALTER TABLE staff ADD COLUMN webauthn_ceremony_sealed BYTEA;

-- +goose Down
ALTER TABLE staff DROP COLUMN webauthn_ceremony_sealed;
ALTER TABLE staff DROP COLUMN webauthn_sealed;
