package audit

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/vigil-cloud/vigil/internal/clock"
	"github.com/vigil-cloud/vigil/internal/errs"
)

// Options tune a Log. Zero values take the defaults.
type Options struct {
	// MaxBatch is the most entries one transaction commits (default 512).
	MaxBatch int
	// Queue is how many accepted entries may wait for the appender
	// (default 8 × MaxBatch).
	Queue int
	// HistoryInterval and HistoryEvery say how often a checkpoint is also
	// kept in the history: after this much time (default 1s) or this many
	// entries (default 100,000), whichever comes first.
	HistoryInterval time.Duration
	HistoryEvery    int64
	// Logger receives commit failures; it never gets entry contents.
	Logger *slog.Logger
}

func (o Options) withDefaults() Options {
	if o.MaxBatch <= 0 {
		o.MaxBatch = 512
	}
	if o.Queue <= 0 {
		o.Queue = 8 * o.MaxBatch
	}
	if o.HistoryInterval <= 0 {
		o.HistoryInterval = time.Second
	}
	if o.HistoryEvery <= 0 {
		o.HistoryEvery = 100_000
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}

// Log appends entries through one appender goroutine (Run) that commits
// them in groups, so durability costs one fsync per batch, not per entry.
type Log struct {
	store  Store
	sealer Sealer
	signer note.Signer
	clock  clock.Clock
	opts   Options

	reqs chan *request

	// mu guards closed; sending counts Appends between their check of
	// closed and their send, so shutdown knows when the queue is final.
	mu      sync.RWMutex
	closed  bool
	sending sync.WaitGroup

	started  atomic.Bool
	quit     chan struct{}
	quitOnce sync.Once
	done     chan struct{}

	// The appender's own state, touched only by Run.
	tree        frontier
	loaded      bool
	historyAt   time.Time
	historySize int64
}

type request struct {
	entry  Entry // Personal is nil: sealed holds it
	sealed []byte
	result chan result
}

type result struct {
	seq int64
	err error
}

// New returns a log over store that seals personal fields with sealer and
// signs checkpoints with signer. Call Run to start appending.
func New(store Store, sealer Sealer, signer note.Signer, clk clock.Clock, opts Options) *Log {
	opts = opts.withDefaults()
	return &Log{
		store: store, sealer: sealer, signer: signer, clock: clk, opts: opts,
		reqs: make(chan *request, opts.Queue),
		quit: make(chan struct{}),
		done: make(chan struct{}),
	}
}

// Append logs e and returns its Seq once it is durably committed. It seals
// e.Personal under e.SubjectID's key first. It fails with errs.Invalid for
// a malformed entry and errs.Unavailable once the log is closed; when ctx
// ends after the entry was accepted, the entry may still be committed.
func (l *Log) Append(ctx context.Context, e Entry) (int64, error) {
	r, err := l.prepare(ctx, e)
	if err != nil {
		return 0, err
	}
	if err := l.enqueue(ctx, r); err != nil {
		return 0, err
	}
	select {
	case res := <-r.result:
		return res.seq, res.err
	case <-ctx.Done():
		return 0, errs.Wrap(ctx.Err(), errs.Unavailable, "audit: stopped waiting for the commit; the entry may still be written")
	}
}

// prepare checks e and seals its personal fields, in the caller's goroutine
// so that sealing runs in parallel and the appender only hashes and writes.
func (l *Log) prepare(ctx context.Context, e Entry) (*request, error) {
	if e.Time.IsZero() {
		e.Time = l.clock.Now()
	}
	// The encoding keeps microseconds; so must the entry callers see again.
	e.Time = e.Time.UTC().Truncate(time.Microsecond)
	e.Seq = 0
	if err := e.validate(); err != nil {
		return nil, err
	}
	sealed, err := sealPersonal(ctx, l.sealer, &e)
	if err != nil {
		return nil, err
	}
	e.Personal = nil
	return &request{entry: e, sealed: sealed, result: make(chan result, 1)}, nil
}

func (l *Log) enqueue(ctx context.Context, r *request) error {
	l.mu.RLock()
	if l.closed {
		l.mu.RUnlock()
		return errClosed()
	}
	l.sending.Add(1)
	l.mu.RUnlock()
	defer l.sending.Done()
	select {
	case l.reqs <- r:
		return nil
	case <-ctx.Done():
		return errs.Wrap(ctx.Err(), errs.Unavailable, "audit: append cancelled")
	}
}

func errClosed() error { return errs.E(errs.Unavailable, "audit log is closed") }

// Run is the appender. It commits accepted entries until ctx ends or Close
// is called, then commits what was accepted and returns. It may run once;
// after Close it returns at once.
func (l *Log) Run(ctx context.Context) error {
	if !l.started.CompareAndSwap(false, true) {
		select {
		case <-l.quit:
			return nil
		default:
			return errs.E(errs.Internal, "audit: Run called twice")
		}
	}
	defer close(l.done)
	// A batch in flight is finished even when shutdown begins meanwhile:
	// its callers were promised a durable answer.
	wctx := context.WithoutCancel(ctx)
	for {
		select {
		case r := <-l.reqs:
			l.commit(wctx, l.gather(r))
			continue
		case <-ctx.Done():
		case <-l.quit:
		}
		l.drain(func(b []*request) { l.commit(wctx, b) })
		return nil
	}
}

// Close stops the log: entries accepted so far are committed (or failed if
// Run never started), later Appends fail. It waits for Run to return.
func (l *Log) Close() {
	l.quitOnce.Do(func() { close(l.quit) })
	if l.started.CompareAndSwap(false, true) {
		l.drain(func(b []*request) {
			for _, r := range b {
				r.result <- result{err: errClosed()}
			}
		})
		close(l.done)
		return
	}
	<-l.done
}

// drain stops accepting entries and hands every queued one to handle.
func (l *Log) drain(handle func([]*request)) {
	l.mu.Lock()
	l.closed = true
	l.mu.Unlock()
	// No Append can start sending now; once those sending have sent or
	// given up, the queue holds all there is.
	senders := make(chan struct{})
	go func() { l.sending.Wait(); close(senders) }()
	for {
		select {
		case r := <-l.reqs:
			handle(l.gather(r))
		case <-senders:
			for len(l.reqs) > 0 {
				handle(l.gather(<-l.reqs))
			}
			return
		}
	}
}

// gather takes first and whatever else is queued, up to MaxBatch.
func (l *Log) gather(first *request) []*request {
	batch := []*request{first}
	for len(batch) < l.opts.MaxBatch {
		select {
		case r := <-l.reqs:
			batch = append(batch, r)
		default:
			return batch
		}
	}
	return batch
}
