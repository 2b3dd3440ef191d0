-- Transactional mail as the processor check saw it (E1): when, which
-- processor, the subject (vigil's own words), whether it was sent, carried
-- by the fallback or held, and why. No address and no body.

-- +goose Up
CREATE TABLE privacy_mail_log (
    id           TEXT PRIMARY KEY,
    at           BIGINT NOT NULL,
    processor_id TEXT NOT NULL,
    subject      TEXT NOT NULL,
    status       TEXT NOT NULL,
    reason       TEXT NOT NULL
);
CREATE INDEX privacy_mail_log_at ON privacy_mail_log(at);

-- +goose Down
DROP TABLE privacy_mail_log;
