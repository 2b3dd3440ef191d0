-- What each retention sweep did: per category, the owners whose data had
-- expired, what was purged, what a legal hold kept, and the audit entries
-- of the purges (report, JSON). No personal data: counts, category names
-- and audit sequence numbers. Times are microseconds since the Unix epoch.

-- +goose Up
CREATE TABLE privacy_retention_runs (
    id          TEXT PRIMARY KEY,
    trigger     TEXT NOT NULL,
    dry_run     INTEGER NOT NULL,
    started_at  BIGINT NOT NULL,
    finished_at BIGINT NOT NULL,
    report      TEXT NOT NULL
);
CREATE INDEX privacy_retention_runs_started ON privacy_retention_runs(started_at);

-- +goose Down
DROP TABLE privacy_retention_runs;
