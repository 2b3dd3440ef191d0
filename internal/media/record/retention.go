package record

import (
	"context"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/clock"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/errs"
)

// JobRetention is the system principal that purges recordings.
const JobRetention = "recording-retention"

// purgeBatch is how many segments one purge step takes.
const purgeBatch = 500

// Sweep is what one retention pass purged, by reason.
type Sweep struct {
	Purged map[string]int64 `json:"purged"`
	Held   int              `json:"held"`
}

// Retention purges recordings past their retention, over their quota, or
// of devices the account no longer owns; each purge is a gate decision of
// the system (so it is in the account's access log) and an entry of the
// account's purge log.
type Retention struct {
	rec  *Recorder
	gate *access.Gate
	// Held reports whether an account is under a legal hold.
	Held func(ctx context.Context, accountID string) (bool, error)
}

// NewRetention returns the retention of rec's recordings.
func NewRetention(rec *Recorder, gate *access.Gate, held func(context.Context, string) (bool, error)) *Retention {
	return &Retention{rec: rec, gate: gate, Held: held}
}

// Sweep runs one pass now.
func (r *Retention) Sweep(ctx context.Context) (Sweep, error) {
	out := Sweep{Purged: map[string]int64{}}
	accts, err := r.rec.st.Accounts(ctx)
	if err != nil {
		return out, err
	}
	for _, a := range accts {
		if r.Held != nil {
			held, err := r.Held(ctx, a)
			if err != nil {
				return out, err
			}
			if held {
				out.Held++
				continue
			}
		}
		if err := r.sweepAccount(ctx, a, out.Purged); err != nil {
			return out, err
		}
	}
	return out, nil
}

// Run sweeps every interval until ctx ends.
func (r *Retention) Run(ctx context.Context, every time.Duration) {
	clock.Every(ctx, every, func(ctx context.Context) {
		if _, err := r.Sweep(ctx); err != nil && ctx.Err() == nil {
			r.rec.log.Error("recording retention sweep failed", "err", err)
		}
	})
}

func (r *Retention) sweepAccount(ctx context.Context, accountID string, purged map[string]int64) error {
	st := r.rec.st
	orphans, err := st.Orphans(ctx, accountID)
	if err != nil {
		return err
	}
	gone := map[string]bool{}
	for _, dev := range orphans {
		gone[dev] = true
		n, err := r.rec.PurgeAll(ctx, access.System(JobRetention), accountID, dev, ReasonReleased)
		purged[ReasonReleased] += n
		if err != nil {
			return err
		}
	}
	usage, err := st.Usage(ctx, accountID)
	if err != nil {
		return err
	}
	now := r.rec.clk.Now()
	acct, _, _, err := st.Settings(ctx, accountID, "", AllChannels)
	if err != nil {
		return err
	}
	var total int64
	no, yes := false, true
	for _, u := range usage {
		if gone[u.DeviceID] {
			continue
		}
		_, dev, _, err := st.Settings(ctx, accountID, u.DeviceID, AllChannels)
		if err != nil {
			return err
		}
		eff := r.rec.effective(acct, dev, Settings{})
		steps := []struct {
			reason string
			marked *bool
			before time.Time
		}{
			{ReasonAge, &no, now.Add(-eff.Retention)},
			{ReasonEventAge, &yes, now.Add(-eff.EventRetention)},
		}
		for _, s := range steps {
			n, b, err := r.purgeWhile(ctx, accountID, u.DeviceID, s.reason, s.marked, s.before, func(int64) bool { return true })
			purged[s.reason] += n
			u.Bytes -= b
			if err != nil {
				return err
			}
		}
		if dev.QuotaBytes > 0 && u.Bytes > dev.QuotaBytes {
			n, b, err := r.overQuota(ctx, accountID, u.DeviceID, u.Bytes-dev.QuotaBytes)
			purged[ReasonQuota] += n
			u.Bytes -= b
			if err != nil {
				return err
			}
		}
		total += u.Bytes
	}
	if acct.QuotaBytes > 0 && total > acct.QuotaBytes {
		n, _, err := r.overQuota(ctx, accountID, "", total-acct.QuotaBytes)
		purged[ReasonQuota] += n
		return err
	}
	return nil
}

// overQuota purges the oldest segments until excess bytes went: those not
// marked first, then marked ones.
func (r *Retention) overQuota(ctx context.Context, accountID, deviceID string, excess int64) (n, bytes int64, err error) {
	for _, marked := range []bool{false, true} {
		if bytes >= excess {
			break
		}
		m := marked
		k, b, err := r.purgeWhile(ctx, accountID, deviceID, ReasonQuota, &m, time.Time{}, func(done int64) bool { return bytes+done < excess })
		n, bytes = n+k, bytes+b
		if err != nil {
			return n, bytes, err
		}
	}
	return n, bytes, nil
}

// purgeWhile purges, batch by batch, the oldest matching segments of the
// device (or of the whole account when deviceID is ""), while more(bytes
// purged so far) holds.
func (r *Retention) purgeWhile(ctx context.Context, accountID, deviceID, reason string, marked *bool, before time.Time, more func(int64) bool) (n, bytes int64, err error) {
	for more(bytes) {
		vs, err := r.rec.st.Victims(ctx, accountID, deviceID, VictimFilter{Marked: marked, EndBefore: before}, purgeBatch)
		if err != nil || len(vs) == 0 {
			return n, bytes, err
		}
		cut := len(vs)
		var b int64
		for i, v := range vs {
			if !more(bytes + b) {
				cut = i
				break
			}
			b += v.Bytes
		}
		byDevice := map[string][]Victim{}
		if deviceID != "" {
			byDevice[deviceID] = vs[:cut]
		} else {
			for _, v := range vs[:cut] {
				byDevice[v.DeviceID] = append(byDevice[v.DeviceID], v)
			}
		}
		for dev, dvs := range byDevice {
			k, kb, err := r.rec.purge(ctx, access.System(JobRetention), accountID, dev, reason, dvs, false)
			n, bytes = n+k, bytes+kb
			if err != nil {
				return n, bytes, err
			}
		}
		if cut < len(vs) || len(vs) < purgeBatch {
			return n, bytes, nil
		}
	}
	return n, bytes, nil
}

// PurgeAll purges every recording of a device in the account (a released
// device, an erasure) as p.
func (r *Recorder) PurgeAll(ctx context.Context, p access.Principal, accountID, deviceID, reason string) (int64, error) {
	return r.PurgeRange(ctx, p, accountID, deviceID, reason, time.Time{}, time.Time{})
}

// PurgeRange purges the recordings of a device starting in [from, to) (open
// bounds admit everything) as p.
func (r *Recorder) PurgeRange(ctx context.Context, p access.Principal, accountID, deviceID, reason string, from, to time.Time) (int64, error) {
	var n int64
	for {
		vs, err := r.st.Victims(ctx, accountID, deviceID, VictimFilter{StartFrom: from, StartUntil: to}, purgeBatch)
		if err != nil {
			return n, err
		}
		k, _, err := r.purge(ctx, p, accountID, deviceID, reason, vs, true)
		n += k
		if err != nil || len(vs) < purgeBatch {
			return n, err
		}
	}
}

// purge deletes segments of one device: the gate records the system's
// decision in the account's access log, the rows leave the index (moved to
// StateDeleting, so a crash in between is resolved at start-up), then
// their blobs go, then the rows, with a purge log entry.
// With all (a release, an erasure), every init of the device left without
// segments goes too, and the recorder forgets the device's sessions (a
// session still publishing stores its init again); otherwise only such
// inits older than ten minutes, so a session being recorded keeps its own.
func (r *Recorder) purge(ctx context.Context, p access.Principal, accountID, deviceID, reason string, vs []Victim, all bool) (n, bytes int64, err error) {
	if len(vs) == 0 && !all {
		return 0, 0, nil
	}
	d, err := r.gateCheck(ctx, p, accountID, deviceID)
	if err != nil {
		return 0, 0, err
	}
	if err := r.st.StartPurge(ctx, d, accountID, deviceID, vs); err != nil {
		return 0, 0, err
	}
	entry := Purge{DeviceID: deviceID, Reason: reason}
	ids := make([]int64, 0, len(vs))
	for _, v := range vs {
		if err := r.blobs.Delete(ctx, accountID, SegmentKey(deviceID, v.Channel, v.ID)); err != nil && !errs.Is(err, errs.NotFound) {
			return n, bytes, err
		}
		ids = append(ids, v.ID)
		n, bytes = n+1, bytes+v.Bytes
		if entry.From.IsZero() || v.Start.Before(entry.From) {
			entry.From = v.Start
		}
		if v.End.After(entry.To) {
			entry.To = v.End
		}
	}
	entry.Segments, entry.Bytes = n, bytes
	before := r.clk.Now().Add(-10 * time.Minute)
	if all {
		before = r.clk.Now().Add(24 * time.Hour)
		defer r.forgetSessions(accountID, deviceID)
	}
	inits, err := r.st.FinishPurge(ctx, d, accountID, deviceID, ids, entry, before)
	if err != nil {
		return n, bytes, err
	}
	for _, in := range inits {
		if err := r.blobs.Delete(ctx, accountID, in.key()); err != nil && !errs.Is(err, errs.NotFound) {
			return n, bytes, err
		}
		if err := r.st.DeleteInit(ctx, in); err != nil {
			return n, bytes, err
		}
	}
	if n > 0 {
		r.m.purged.WithLabelValues(reason).Add(float64(n))
		r.log.Info("recordings purged", "account", accountID, "device", deviceID, "reason", reason, "segments", n)
	}
	return n, bytes, nil
}

// gateCheck asks the gate for p to delete a device's recordings.
func (r *Recorder) gateCheck(ctx context.Context, p access.Principal, accountID, deviceID string) (access.Decision, error) {
	if r.gate == nil {
		return access.Decision{}, errs.E(errs.Internal, "recorder has no access gate")
	}
	return r.gate.Check(ctx, p, access.Delete, access.Resource{Category: datamap.MediaSegment, AccountID: accountID, ID: deviceID}, datamap.PurposeAlarms)
}
