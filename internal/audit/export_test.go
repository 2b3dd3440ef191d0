package audit

import "context"

// Queued tells tests how many accepted entries wait for the appender.
func (l *Log) Queued() int { return len(l.reqs) }

// AppendBatch commits entries in one batch through the appender's own
// path, without Run: benchmarks use it to build large logs quickly.
func (l *Log) AppendBatch(ctx context.Context, entries []Entry) error {
	batch := make([]*request, len(entries))
	for i, e := range entries {
		r, err := l.prepare(ctx, e)
		if err != nil {
			return err
		}
		batch[i] = r
	}
	_, err := l.write(ctx, batch)
	return err
}
