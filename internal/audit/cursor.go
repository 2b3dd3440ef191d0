package audit

import "context"

// streamBatch is how many items a cursor hands over at a time: enough that
// channel operations vanish beside the work per item.
const streamBatch = 1024

// cursor pulls the items of a streaming scan that runs in a goroutine of
// its own, so that reading the database and checking hashes use two cores.
type cursor[T any] struct {
	ch  chan []T
	buf []T
	err error // the scan's error; set before ch is closed
}

// startCursor runs scan, which calls emit for each item, until it ends or
// ctx is cancelled.
func startCursor[T any](ctx context.Context, scan func(emit func(T) error) error) *cursor[T] {
	c := &cursor[T]{ch: make(chan []T, 4)}
	send := func(batch []T) error {
		select {
		case c.ch <- batch:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	go func() {
		batch := make([]T, 0, streamBatch)
		err := scan(func(x T) error {
			if batch = append(batch, x); len(batch) < streamBatch {
				return nil
			}
			err := send(batch)
			batch = make([]T, 0, streamBatch)
			return err
		})
		if err == nil && len(batch) > 0 {
			err = send(batch)
		}
		c.err = err
		close(c.ch)
	}()
	return c
}

// next returns the next item, or false at the end of the scan or when it
// failed (see err).
func (c *cursor[T]) next() (T, bool) {
	for len(c.buf) == 0 {
		b, ok := <-c.ch
		if !ok {
			var zero T
			return zero, false
		}
		c.buf = b
	}
	x := c.buf[0]
	c.buf = c.buf[1:]
	return x, true
}

// stop waits for the scan to end; cancel its context first.
func (c *cursor[T]) stop() {
	for range c.ch {
	}
}
