package alarm

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/clock"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/media"
	"github.com/vigil-cloud/vigil/internal/notify"
)

// Run fans out pending alarms and raises offline alarms until ctx ends.
// Pending alarms left by a crash are taken up at once: fan-out is resumed
// from the database, never from memory. Alarms stored here wake it; while
// passes find nothing it looks less often, up to idlePoll apart (another
// node's alarms are that node's to fan out; this is the safety net), and
// offline alarms are looked for every offlineEvery.
func (s *Service) Run(ctx context.Context) {
	offlineEvery := max(s.opts.Poll, min(15*time.Second, s.opts.OfflineAfter/4))
	var lastOffline, lastPass time.Time
	poll := s.opts.Poll
	resumed := false
	for {
		if !resumed && s.notifierOf() != nil {
			resumed = true
			s.renotifyReleases(ctx)
		}
		// Under load, what arrives within passGap of the last pass goes
		// with the next: fewer, larger passes, each one decision per
		// account and person it touches and one commit.
		if wait := passGap - time.Since(lastPass); wait > 0 {
			clock.Pause(ctx, wait)
			if ctx.Err() != nil {
				return
			}
		}
		lastPass = time.Now()
		found, failed := 0, false
		for {
			n, err := s.FanOut(ctx)
			if err != nil {
				if ctx.Err() != nil {
					return
				}
				s.metrics.failed.Inc()
				s.log.Warn("alarm fan-out failed; retrying", "err", err)
				failed = true
				break
			}
			found += n
			if n < s.opts.Batch {
				break
			}
		}
		if found > 0 || failed {
			poll = s.opts.Poll
		} else {
			poll = min(2*poll, max(idlePoll, s.opts.Poll))
		}
		if now := time.Now(); now.Sub(lastOffline) >= offlineEvery {
			lastOffline = now
			if _, err := s.RaiseOffline(ctx); err != nil && ctx.Err() == nil {
				s.log.Warn("offline alarms not raised", "err", err)
			}
		}
		t := time.NewTimer(min(poll, offlineEvery-time.Since(lastOffline))) // pacing, not a deadline: wall clock
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-s.wake:
			poll = s.opts.Poll
		case <-clock.Moved(s.clk):
			lastOffline = time.Time{} // judge who is offline by the new time at once
		case <-t.C:
		}
		t.Stop()
	}
}

// idlePoll is the longest an idle fan-out goes without looking.
const idlePoll = 30 * time.Second

// passGap is the least time between two fan-out passes.
const passGap = 20 * time.Millisecond

// RaiseOffline stores an offline alarm for each device offline longer than
// Options.OfflineAfter (within the last day) and returns how many.
func (s *Service) RaiseOffline(ctx context.Context) (int, error) {
	now := s.clk.Now()
	as, err := s.store.RaiseOffline(ctx, now.Add(-24*time.Hour), now.Add(-s.opts.OfflineAfter))
	if len(as) > 0 {
		s.metrics.accepted.Add(float64(len(as)))
		s.poke()
	}
	return len(as), err
}

// FanOut hands one batch of pending alarms to the notifier and returns how
// many it handled. An alarm is marked done only after the notifier took it,
// so a crash in between repeats it, under the same message ID.
//
// Who is told is decided alarm by alarm, in order (cooldowns depend on the
// alarms before); the notifier and the recorder are then called for the
// whole batch at once, so their writes share commits instead of paying a
// synced commit each.
func (s *Service) FanOut(ctx context.Context) (int, error) {
	n := s.notifierOf()
	if n == nil {
		return 0, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	// The pass's alarms share the notifier's decisions: one audit entry
	// per account and person the pass touches, not one per alarm.
	ctx = access.Batch(ctx)
	pending, err := s.store.Pending(ctx, s.opts.Batch)
	if err != nil || len(pending) == 0 {
		return 0, err
	}
	type job struct {
		a       Alarm
		to      map[string]recipient
		started []Cooldown
		err     error
	}
	audiences := map[string]*Audience{}
	names := map[string]map[string]string{}
	jobs := make([]job, len(pending))
	for i, a := range pending {
		au, ok := audiences[a.AccountID]
		if !ok {
			v, err := s.store.Audience(ctx, a.AccountID)
			if err != nil {
				return 0, fmt.Errorf("alarm audience: %w", err)
			}
			au = &v
			audiences[a.AccountID] = au
		}
		to, started := decide(a, au)
		jobs[i] = job{a: a, to: to, started: started}
		// The names of an account's devices are read only when someone
		// of it is told.
		if _, read := names[a.AccountID]; len(to) > 0 && !read {
			names[a.AccountID] = s.namesOf(ctx, a.AccountID, datamap.PurposeAlarms)
		}
	}
	batched := s.markAll(ctx, pending)
	var wg sync.WaitGroup
	sem := make(chan struct{}, fanOutParallel)
	for i := range jobs {
		j := &jobs[i]
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			if !batched {
				s.mark(ctx, j.a)
			}
			if len(j.to) > 0 {
				j.err = s.enqueue(ctx, n, j.a, names[j.a.AccountID][j.a.DeviceID], j.to)
			}
		})
	}
	wg.Wait()
	states := make(map[string]string, len(jobs))
	var cooldowns []Cooldown
	var failed error
	for _, j := range jobs {
		if j.err != nil && failed == nil {
			failed = j.err
		}
	}
	for _, j := range jobs {
		switch {
		case j.err != nil:
			continue
		case failed != nil && len(j.to) == 0:
			// Decided quiet next to an alarm the notifier did not take:
			// decide it again next pass, with the cooldowns recorded.
			continue
		case len(j.to) == 0:
			states[j.a.ID] = StateQuiet
		default:
			states[j.a.ID] = StateNotified
		}
		cooldowns = append(cooldowns, j.started...)
	}
	if err := s.finish(ctx, states, cooldowns); err != nil {
		return 0, err
	}
	if failed != nil {
		// What is done stays done; the rest waits for the next pass.
		return len(states), fmt.Errorf("notifier: %w", failed)
	}
	return len(pending), nil
}

// fanOutParallel bounds the notifier and recorder calls of one fan-out
// pass in flight at once.
const fanOutParallel = 64

func (s *Service) finish(ctx context.Context, states map[string]string, cooldowns []Cooldown) error {
	if len(states) == 0 {
		return nil
	}
	if err := s.store.FinishFanOut(ctx, states, cooldowns); err != nil {
		return err
	}
	for _, st := range states {
		if st == StateNotified {
			s.metrics.notified.Inc()
		} else {
			s.metrics.quiet.Inc()
		}
	}
	return nil
}

// markAll tells the recorder of a pass's alarms in one write, when it can
// take them at once, and reports whether it could.
func (s *Service) markAll(ctx context.Context, as []Alarm) bool {
	b := s.marker.Load()
	if b == nil || b.Marker == nil {
		return true
	}
	bm, ok := b.Marker.(media.BatchMarker)
	if !ok {
		return false
	}
	ms := make([]media.Mark, 0, len(as))
	for _, a := range as {
		if a.Type != TypeOffline {
			ms = append(ms, media.Mark{AccountID: a.AccountID, DeviceID: a.DeviceID, Channel: a.Channel, At: a.At, Kind: a.Type, Ref: a.ID})
		}
	}
	if len(ms) == 0 {
		return true
	}
	if err := bm.MarkAll(ctx, ms); err != nil {
		s.log.Warn("alarms not marked on the recording", "alarms", len(ms), "err", err)
	}
	return true
}

// mark tells the recorder of the alarm, so recordings around it are kept.
func (s *Service) mark(ctx context.Context, a Alarm) {
	b := s.marker.Load()
	if b == nil || b.Marker == nil || a.Type == TypeOffline {
		return
	}
	err := b.Mark(ctx, media.Mark{AccountID: a.AccountID, DeviceID: a.DeviceID, Channel: a.Channel, At: a.At, Kind: a.Type, Ref: a.ID})
	if err != nil {
		s.log.Warn("alarm not marked on the recording", "alarm", a.ID, "err", err)
	}
}

// Message is the notice of alarm a from the device its owner named
// device ("" when it has no name), without a snapshot. It never shows the
// device's ID: people know their cameras by name.
func (s *Service) Message(a Alarm, device string) notify.Message {
	what := alarmTitles[a.Type]
	if what == "" {
		what = "Alarm"
	}
	where := "your camera"
	if device != "" {
		where = device
	}
	if a.Channel > 0 {
		where += fmt.Sprintf(", channel %d", a.Channel)
	}
	title := what + ": " + where
	body := what + " at " + where + "."
	if a.Type == TypeOffline {
		body = where + " is offline: vigil has not heard from it and cannot record or alert until it is back."
	}
	return notify.Message{ID: a.ID, AccountID: a.AccountID, Kind: notify.KindAlarm, Time: a.At, Title: title, Body: body,
		URL: s.opts.PublicURL + "/#/alarms/" + a.AccountID + "/" + a.ID, DeviceID: a.DeviceID, Channel: a.Channel, AlarmType: a.Type}
}

var alarmTitles = map[string]string{
	"motion": "Motion detected", "person": "Person detected", "vehicle": "Vehicle detected", "face": "Face detected",
	"tamper": "Camera tampered with", "line_crossing": "Line crossed", "doorbell": "Doorbell", TypeOffline: "Device offline",
	TypeFaceMatch: "Known face recognised", TypeFaceUnknown: "Unknown face",
}

// enqueue hands the notice to the notifier: those allowed to see the
// snapshot get it, the others the same message (same ID) without.
func (s *Service) enqueue(ctx context.Context, n Notifier, a Alarm, device string, to map[string]recipient) error {
	var with, without []string
	for u, r := range to {
		if r.snapshot {
			with = append(with, u)
		} else {
			without = append(without, u)
		}
	}
	slices.Sort(with)
	slices.Sort(without)
	msg := s.Message(a, device)
	if len(without) > 0 {
		if err := n.Enqueue(ctx, msg, without); err != nil {
			return err
		}
	}
	if len(with) > 0 {
		msg.SnapshotID = a.ID // the snapshot is fetched through its alarm
		if err := n.Enqueue(ctx, msg, with); err != nil {
			return err
		}
	}
	s.metrics.latency.Observe(s.clk.Now().Sub(a.ReceivedAt).Seconds())
	return nil
}
