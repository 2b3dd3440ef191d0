package access_test

import (
	"context"
	"sync"
	"testing"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/vigiltest"
)

// countingRecorder writes to the real audit log and counts the entries.
type countingRecorder struct {
	recorder
	mu   sync.Mutex
	recs []access.Record
}

func (c *countingRecorder) Record(ctx context.Context, r access.Record) (int64, error) {
	c.mu.Lock()
	c.recs = append(c.recs, r)
	c.mu.Unlock()
	return c.recorder.Record(ctx, r)
}

// Under a batch, a system job's repeated decision is made and logged once,
// with the same audit entry behind every copy, even when asked for at
// once from many goroutines; a different account, person or purpose is a
// decision (and an entry) of its own; a person's decision is logged every
// time; without a batch nothing is shared.
// proves: P3
func TestBatchLogsEachSystemDecisionOnce(t *testing.T) {
	e := vigiltest.Start(t)
	rec := &countingRecorder{recorder: recorder{e.App}}
	gate := access.New(e.App.Registry, rec, e.Clock, nil, access.DefaultPolicy(e.App.Registry))
	job := access.System("notify")
	msgs := func(account string) access.Resource {
		return access.Resource{Category: datamap.NotifyMessage, AccountID: account}
	}
	prefs := func(user string) access.Resource {
		return access.Resource{Category: datamap.NotifyPrefs, SubjectID: user}
	}
	ctx := access.Batch(context.Background())
	var wg sync.WaitGroup
	seqs := make([]int64, 20)
	for i := range seqs {
		wg.Go(func() {
			d, err := gate.Check(ctx, job, access.Read, msgs(acct), datamap.PurposeAlarms)
			if err != nil {
				t.Error(err)
			}
			seqs[i] = d.AuditSeq()
		})
	}
	wg.Wait()
	for _, s := range seqs {
		if s != seqs[0] || s == 0 {
			t.Fatalf("decisions under one batch have audit entries %v, want one", seqs)
		}
	}
	for _, c := range []struct {
		r       access.Resource
		purpose datamap.Purpose
	}{
		{msgs("acc_bbbbbbbbbbbbbbbbbbbbbbbbbb"), datamap.PurposeAlarms},
		{prefs("usr_one"), datamap.PurposeAlarms},
		{prefs("usr_two"), datamap.PurposeAlarms},
		{prefs("usr_two"), datamap.PurposeAlarms}, // the same again: shared
		{msgs(acct), datamap.PurposeService},
	} {
		if _, err := gate.Check(ctx, job, access.Read, c.r, c.purpose); err != nil {
			t.Fatal(err)
		}
	}
	if got := len(rec.recs); got != 5 {
		t.Errorf("%d entries logged under the batch, want 5 (one per account, person and purpose)", got)
	}
	// Without a batch each decision is logged.
	for range 2 {
		if _, err := gate.Check(context.Background(), job, access.Read, msgs(acct), datamap.PurposeAlarms); err != nil {
			t.Fatal(err)
		}
	}
	if got := len(rec.recs); got != 7 {
		t.Errorf("%d entries after two decisions outside a batch, want 7", got)
	}
	// A person's decisions are never shared, batch or not.
	p := access.Principal{Kind: access.KindUser, ID: "usr_person", IP: "192.0.2.9"}
	for range 2 {
		if _, err := gate.Check(ctx, p, access.Read, access.Resource{Category: datamap.AccountProfile, SubjectID: p.ID}, datamap.PurposeService); err != nil {
			t.Fatal(err)
		}
	}
	if got := len(rec.recs); got != 9 {
		t.Errorf("%d entries after a person's two decisions in a batch, want 9", got)
	}
}
