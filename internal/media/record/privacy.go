package record

import (
	"context"
	"io"
	"slices"
	"strconv"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/media"
	"github.com/vigil-cloud/vigil/internal/privacy/fulfil"
)

// JobErasure is the system principal that erases recordings for a
// data-subject request.
const JobErasure = "recording-erasure"

// RegisterPrivacy gives the privacy centre the exporter and eraser of
// recordings: the index and event marks as JSON, each recorded stretch as
// an MP4 file in the package, and erasure of the owned accounts'
// recordings (the account key's destruction shreds whatever is left).
//
// The privacy centre's retention sweep purges recordings too, through
// ret: it honours legal holds like every category, and purges each account
// per its own settings (never beyond the data map's period).
func (s *Service) RegisterPrivacy(r *fulfil.Registry, ret *Retention) error {
	h := privacyHandler{s}
	return r.Register(datamap.MediaSegment, fulfil.Handlers{Export: h, Erase: h, Purge: purger{ret}})
}

// purger plugs recording retention into the privacy centre's sweep.
type purger struct{ r *Retention }

// Expired lists the accounts with recordings ended before cutoff.
func (p purger) Expired(ctx context.Context, cutoff time.Time) ([]string, error) {
	accts, err := p.r.rec.st.Accounts(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, a := range accts {
		vs, err := p.r.rec.st.Victims(ctx, a, "", VictimFilter{EndBefore: cutoff}, 1)
		if err != nil {
			return nil, err
		}
		if len(vs) > 0 {
			out = append(out, a)
		}
	}
	return out, nil
}

// Purge applies the account's recording retention and quotas now.
func (p purger) Purge(ctx context.Context, _ access.Decision, owner string, _ time.Time) (int64, error) {
	purged := map[string]int64{}
	err := p.r.sweepAccount(ctx, owner, purged)
	var n int64
	for _, k := range purged {
		n += k
	}
	return n, err
}

type privacyHandler struct{ s *Service }

var _ fulfil.MediaExporter = privacyHandler{}

// Export writes the index of the recordings and the event marks of the
// accounts the subject owns.
func (h privacyHandler) Export(ctx context.Context, d access.Decision, subj fulfil.Subject, sc fulfil.Scope, emit func(fulfil.Record) error) error {
	for _, acct := range subj.OwnedAccounts() {
		err := h.s.st.ExportSegments(ctx, d, subj.ID, acct, sc.Devices, sc.From, sc.To, func(r SegmentRow) error {
			return emit(fulfil.Record{ID: "seg-" + itoa(r.ID), Data: r})
		})
		if err != nil {
			return err
		}
		err = h.s.st.ExportMarks(ctx, d, subj.ID, acct, sc.Devices, sc.From, sc.To, func(dev string, ch int, m MarkRow) error {
			return emit(fulfil.Record{ID: "mark-" + dev + "-" + strconv.Itoa(ch) + "-" + m.At.Format(time.RFC3339Nano),
				Data: map[string]any{"device_id": dev, "channel": ch, "mark": m}})
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// stretch is a run of one session's consecutive segments.
type stretch struct {
	acct, dev string
	ch        int
	init      int64
	from, to  time.Time
	lastSeq   uint64
}

// ExportMedia writes each recorded stretch (one session, no gap) as an MP4.
func (h privacyHandler) ExportMedia(ctx context.Context, d access.Decision, subj fulfil.Subject, sc fulfil.Scope, put func(string, io.Reader) error) error {
	for _, acct := range subj.OwnedAccounts() {
		var runs []stretch
		err := h.s.st.ExportSegments(ctx, d, subj.ID, acct, sc.Devices, sc.From, sc.To, func(r SegmentRow) error {
			if n := len(runs); n > 0 {
				last := &runs[n-1]
				if last.dev == r.DeviceID && last.ch == r.Channel && last.init == r.InitID && last.lastSeq+1 == r.Seq &&
					r.Start.Sub(last.to).Abs() <= gapTolerance {
					last.to, last.lastSeq = r.End, r.Seq
					return nil
				}
			}
			runs = append(runs, stretch{acct: acct, dev: r.DeviceID, ch: r.Channel, init: r.InitID, from: r.Start, to: r.End, lastSeq: r.Seq})
			return nil
		})
		if err != nil {
			return err
		}
		for _, run := range runs {
			g := media.Grant{AccountID: run.acct, DeviceID: run.dev, Channel: run.ch, From: run.from, To: run.to}
			name := ExportName(run.dev, run.ch, run.from)
			if subj.Redact != nil && !subj.Redact.CanRedactVideo() {
				// Other people cannot be blurred here: withheld, not shown (R7).
				subj.Withheld(datamap.MediaSegment, name, fulfil.WithheldReason)
				continue
			}
			pr, pw := io.Pipe()
			go func() { pw.CloseWithError(h.s.writeMP4(ctx, g, pw, nil)) }()
			src := io.Reader(pr)
			if subj.Redact != nil {
				// Decoded, blurred frame by frame and re-encoded by ffmpeg
				// through pipes: no frame reaches the disk in the clear.
				rr, rw := io.Pipe()
				go func() { rw.CloseWithError(subj.Redact.RedactVideo(ctx, pr, rw)) }()
				src = rr
				defer rr.CloseWithError(io.ErrClosedPipe)
			}
			err := put(name, src)
			pr.CloseWithError(io.ErrClosedPipe)
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// Erase deletes the recordings of the accounts the subject owns (of the
// scope's devices when it names some), each device's purge a decision of
// the system in the account's access log and an entry of its purge log;
// only what started in the scope's time range when it gives one.
func (h privacyHandler) Erase(ctx context.Context, _ access.Decision, subj fulfil.Subject, sc fulfil.Scope) (fulfil.Erased, error) {
	var out fulfil.Erased
	for _, acct := range subj.OwnedAccounts() {
		usage, err := h.s.st.Usage(ctx, acct)
		if err != nil {
			return out, err
		}
		for _, u := range usage {
			if len(sc.Devices) > 0 && !slices.Contains(sc.Devices, u.DeviceID) {
				continue
			}
			n, err := h.s.rec.PurgeRange(ctx, access.System(JobErasure), acct, u.DeviceID, ReasonErasure, sc.From, sc.To)
			out.Rows += n
			out.Blobs += int(n)
			if err != nil {
				return out, err
			}
		}
	}
	return out, nil
}
