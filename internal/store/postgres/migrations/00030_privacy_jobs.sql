-- Privacy centre, background work. privacy_jobs holds the work a decision
-- started and the HTTP call did not wait for: building the package of a
-- granted access or portability request. A worker claims a job for a while
-- (lease_until); a job whose worker died is claimed again once its lease has
-- run out, so a crash or a restart loses nothing. privacy_processor_notices
-- is the outbox of deletion notices owed to processors that received a
-- person's data: each waits until a sender delivers it (sent_at). Neither
-- holds personal data beyond random identifiers. Times are microseconds since
-- the Unix epoch; 0 means "not set".

-- +goose Up
CREATE TABLE privacy_jobs (
    id          TEXT PRIMARY KEY,
    kind        TEXT NOT NULL,
    request_id  TEXT NOT NULL UNIQUE REFERENCES privacy_requests(id) ON DELETE CASCADE,
    granted_by  TEXT NOT NULL,
    state       TEXT NOT NULL,
    attempts    BIGINT NOT NULL DEFAULT 0,
    run_at      BIGINT NOT NULL,
    lease_until BIGINT NOT NULL DEFAULT 0,
    last_error  TEXT NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL,
    finished_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX privacy_jobs_due ON privacy_jobs(state, run_at);

CREATE TABLE privacy_processor_notices (
    id           TEXT PRIMARY KEY,
    processor_id TEXT NOT NULL,
    request_id   TEXT NOT NULL,
    subject_id   TEXT NOT NULL,
    categories   TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    sent_at      BIGINT NOT NULL DEFAULT 0,
    attempts     BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX privacy_processor_notices_pending ON privacy_processor_notices(sent_at, created_at);

-- +goose Down
DROP TABLE privacy_processor_notices;
DROP TABLE privacy_jobs;
