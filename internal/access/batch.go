package access

import (
	"context"
	"sync"

	"github.com/vigil-cloud/vigil/internal/datamap"
)

// Batch returns a context under which a system job's decisions are made
// once each: Check for the same job, action, resource and purpose asks the
// gate and writes the audit log the first time, and later calls (concurrent
// ones wait) get the same decision. A job that handles many items at once
// (an outbox pass, an alarm fan-out) thus logs one entry per account or
// person it touches and purpose, not one per item. Use it for one pass
// only: the decision is as old as the pass.
//
// Only system principals share decisions: a person's or staff member's
// access is decided and logged each time, with their network details.
func Batch(ctx context.Context) context.Context {
	return context.WithValue(ctx, batchKey{}, &batch{made: map[batchEntryKey]*batchEntry{}})
}

type batchKey struct{}

type batch struct {
	mu   sync.Mutex
	made map[batchEntryKey]*batchEntry
}

type batchEntryKey struct {
	job     string
	action  Action
	r       Resource
	purpose datamap.Purpose
}

type batchEntry struct {
	once sync.Once
	d    Decision
	err  error
}

// shared returns the batch entry for a system decision under ctx, nil when
// the decision is not shared.
func shared(ctx context.Context, p Principal, action Action, r Resource, purpose datamap.Purpose) *batchEntry {
	if p.Kind != KindSystem {
		return nil
	}
	b, ok := ctx.Value(batchKey{}).(*batch)
	if !ok {
		return nil
	}
	k := batchEntryKey{job: p.ID, action: action, r: r, purpose: purpose}
	b.mu.Lock()
	defer b.mu.Unlock()
	e, ok := b.made[k]
	if !ok {
		e = &batchEntry{}
		b.made[k] = e
	}
	return e
}
