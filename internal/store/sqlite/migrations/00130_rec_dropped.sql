-- Recording that fell behind (issue 17): when storage is slower than the
-- cameras the recorder drops whole queued segments, oldest first, and the
-- range recorded after them says how many were dropped just before it, so
-- the owner sees the gap on the timeline as storage's, not the camera's.

-- +goose Up
ALTER TABLE rec_ranges ADD COLUMN dropped_before INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE rec_ranges DROP COLUMN dropped_before;
