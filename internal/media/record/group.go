package record

import (
	"context"
	"sync"
)

// maxGroup bounds the steps of one group commit, so one transaction stays
// short whatever the backlog.
const maxGroup = 256

// groupCommit gathers the index steps of every stream into shared
// transactions (group commit). No goroutine waits for a timer: the first
// caller while none commits leads, and commits its step alone; callers
// arriving meanwhile queue, and the first of them leads the next commit
// with all the others queued by then. Under light load each step commits
// at once; when storage is slow, one commit (one fsync on SQLite) carries
// many streams' steps. Each caller returns only once its own step is
// committed (or refused), so the order row, blob, stored mark holds.
type groupCommit struct {
	st     Store
	writer string
	m      *metrics

	mu      sync.Mutex
	pending []*groupStep
	busy    bool // a leader is committing
}

type groupStep struct {
	IndexStep
	// wake says the step is taken (false) or that its caller leads the
	// next commit (true).
	wake chan bool
}

// do takes one step, with whichever others are waiting.
func (g *groupCommit) do(ctx context.Context, st IndexStep) IndexStep {
	me := &groupStep{IndexStep: st, wake: make(chan bool, 1)}
	g.mu.Lock()
	g.pending = append(g.pending, me)
	if g.busy {
		g.mu.Unlock()
		if lead := <-me.wake; !lead {
			return me.IndexStep
		}
		g.mu.Lock()
	}
	// Lead: commit what is queued, me included, then hand over to the
	// first step queued since, if any.
	g.busy = true
	n := min(len(g.pending), maxGroup)
	batch := g.pending[:n:n]
	g.pending = g.pending[n:]
	g.mu.Unlock()

	g.commit(ctx, batch)

	g.mu.Lock()
	if len(g.pending) > 0 {
		g.pending[0].wake <- true
	} else {
		g.busy = false
	}
	g.mu.Unlock()
	for _, s := range batch {
		if s != me {
			s.wake <- false
		}
	}
	return me.IndexStep
}

// commit takes the batch's steps in one transaction. When that fails as a
// whole, each step is taken alone, so one step's failure is its own.
func (g *groupCommit) commit(ctx context.Context, batch []*groupStep) {
	// The leader's context must not cut short the others' steps.
	ctx = context.WithoutCancel(ctx)
	steps := make([]IndexStep, len(batch))
	for i, s := range batch {
		steps[i] = s.IndexStep
	}
	g.m.commits.Inc()
	g.m.steps.Add(float64(len(steps)))
	err := g.st.IndexSegments(ctx, steps, g.writer)
	if err == nil {
		for i, s := range batch {
			s.IndexStep = steps[i]
		}
		return
	}
	if len(batch) == 1 {
		batch[0].Err = err
		return
	}
	for _, s := range batch {
		one := []IndexStep{s.IndexStep}
		g.m.commits.Inc()
		if err := g.st.IndexSegments(ctx, one, g.writer); err != nil {
			one[0].Err = err
		}
		s.IndexStep = one[0]
	}
}
