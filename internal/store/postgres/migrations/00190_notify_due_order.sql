-- The outbox claims due deliveries in (next_at, id) order: with id in the
-- index a claim reads only the rows it takes, instead of sorting every
-- delivery enqueued in the same commit (issue 17).

-- +goose Up
CREATE INDEX notify_deliveries_due_order ON notify_deliveries(status, next_at, id);
DROP INDEX notify_deliveries_due;

-- +goose Down
CREATE INDEX notify_deliveries_due ON notify_deliveries(status, next_at);
DROP INDEX notify_deliveries_due_order;
