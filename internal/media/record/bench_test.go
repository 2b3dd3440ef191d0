package record_test

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/media"
	"github.com/vigil-cloud/vigil/internal/store"
	"github.com/vigil-cloud/vigil/internal/vigiltest"
)

// fillMonth writes 30 days of 2-s segments of one camera channel into the
// index (1,296,000 rows), one publishing session a day with its range, and
// ten event marks a day, as the recorder leaves them.
func fillMonth(b *testing.B, e *vigiltest.Env, acct, dev string, from time.Time) {
	ctx := context.Background()
	const perDay = 43200
	const batch = 500
	for day := range 30 {
		d0 := from.Add(time.Duration(day) * 24 * time.Hour)
		var initID int64
		err := e.App.DB.Write(ctx, func(tx *store.Tx) error {
			if err := tx.QueryRow(ctx, `INSERT INTO rec_inits (account_id, device_id, channel, session, bytes, state, writer, created_at)
				VALUES (?, ?, 0, ?, 1000, 1, 'bench', ?) RETURNING id`, acct, dev, d0.Format("20060102"), store.Micros(d0)).Scan(&initID); err != nil {
				return err
			}
			for i := 0; i < perDay; i += batch {
				q := `INSERT INTO rec_segments (account_id, device_id, channel, init_id, seq, start_us, end_us, bytes, has_audio, codecs, marked, state, writer, created_at) VALUES ` +
					strings.TrimSuffix(strings.Repeat("(?, ?, 0, ?, ?, ?, ?, 500000, 1, 'avc1.64001f,mp4a.40.2', 0, 1, 'bench', ?), ", batch), ", ")
				args := make([]any, 0, batch*7)
				for j := i; j < i+batch; j++ {
					s := d0.Add(time.Duration(j) * 2 * time.Second)
					args = append(args, acct, dev, initID, j, store.Micros(s), store.Micros(s.Add(2*time.Second)), store.Micros(s))
				}
				if _, err := tx.Exec(ctx, q, args...); err != nil {
					return err
				}
			}
			if _, err := tx.Exec(ctx, `INSERT INTO rec_ranges (account_id, device_id, channel, init_id, start_us, end_us, last_seq, has_audio)
				VALUES (?, ?, 0, ?, ?, ?, ?, 1)`, acct, dev, initID, store.Micros(d0), store.Micros(d0.Add(perDay*2*time.Second)), perDay-1); err != nil {
				return err
			}
			for m := range 10 {
				if _, err := tx.Exec(ctx, `INSERT INTO rec_marks (account_id, device_id, channel, at_us, kind, ref) VALUES (?, ?, 0, ?, 'motion', ?)`,
					acct, dev, store.Micros(d0.Add(time.Duration(m)*2*time.Hour+17*time.Minute)), "alm"); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTimeline lists 30 days (then one day) of one camera recorded in
// 2-s segments, 1.3 million of them, through the service: the gate's
// decision (with its audit entry) and the ranges and marks (goal < 50 ms).
func BenchmarkTimeline(b *testing.B) {
	e := vigiltest.Start(b)
	c := newCam(b, e, "bench@example.com")
	from := e.Clock.Now().Add(-30 * 24 * time.Hour).Truncate(24 * time.Hour)
	fillMonth(b, e, c.owner.AccountID, c.device, from)
	p := principal(b, e, c)
	ctx := context.Background()
	for _, bc := range []struct {
		name     string
		from, to time.Time
		ranges   int
	}{
		{"30days", from, from.Add(30 * 24 * time.Hour), 30},
		{"day", from.Add(10 * 24 * time.Hour), from.Add(11 * 24 * time.Hour), 1},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				tl, err := e.App.Recordings.Timeline(ctx, p, c.owner.AccountID, c.device, 0, bc.from, bc.to)
				if err != nil {
					b.Fatal(err)
				}
				if len(tl.Ranges) != bc.ranges {
					b.Fatalf("%d ranges, want %d", len(tl.Ranges), bc.ranges)
				}
			}
		})
	}
}

// principal is the owner as authentication makes them.
func principal(b *testing.B, e *vigiltest.Env, c *cam) access.Principal {
	return access.Principal{Kind: access.KindUser, ID: c.owner.UserID,
		Memberships: []access.Membership{{AccountID: c.owner.AccountID, Role: access.RoleOwner}}}
}

// BenchmarkTimelineHTTP is the same listing through the API, as the app
// asks for it: session check, gate, JSON.
func BenchmarkTimelineHTTP(b *testing.B) {
	e := vigiltest.Start(b)
	c := newCam(b, e, "benchhttp@example.com")
	from := e.Clock.Now().Add(-30 * 24 * time.Hour).Truncate(24 * time.Hour)
	fillMonth(b, e, c.owner.AccountID, c.device, from)
	path := c.path("timeline?from=" + from.Format(time.RFC3339) + "&to=" + from.Add(30*24*time.Hour).Format(time.RFC3339))
	for b.Loop() {
		c.owner.Must(http.StatusOK, "GET", path, nil)
	}
}

// BenchmarkRecordSegment is the recorder's cost per 2-s segment: the
// session init once, then for each segment an intent row, the sealed blob
// (synced to disk) and the stored mark with its range and usage.
func BenchmarkRecordSegment(b *testing.B) {
	e := vigiltest.Start(b)
	c := newCam(b, e, "benchrec@example.com")
	s := c.stream("bench", e.Clock.Now().Add(-time.Hour))
	segs := make([]media.Segment, 64)
	for i := range segs {
		segs[i] = s.Segment()
	}
	var bytes int64
	i := 0
	for b.Loop() {
		seg := segs[i%len(segs)]
		seg.Seq, seg.Start = uint64(i), seg.Start.Add(time.Duration(i/len(segs))*128*time.Second)
		if err := e.App.Recorder.Segment(context.Background(), seg); err != nil {
			b.Fatal(err)
		}
		bytes += int64(seg.Fragments.Len())
		i++
	}
	b.SetBytes(bytes / int64(max(i, 1)))
}

// BenchmarkRecordParallel records 32 streams at once, as the asynchronous
// sink does: what the store and the disk take per segment when streams
// overlap.
func BenchmarkRecordParallel(b *testing.B) {
	e := vigiltest.Start(b)
	c := newCam(b, e, "benchpar@example.com")
	base := c.stream("bench", e.Clock.Now().Add(-time.Hour))
	segs := make([]media.Segment, 5)
	for i := range segs {
		segs[i] = base.Segment()
	}
	var n atomic.Int64
	b.SetParallelism(16)
	b.RunParallel(func(pb *testing.PB) {
		ch := int(n.Add(1))
		i := 0
		for pb.Next() {
			seg := segs[i%len(segs)]
			seg.Channel, seg.Seq = ch, uint64(i)
			seg.Start = seg.Start.Add(time.Duration(i/len(segs)) * 10 * time.Second)
			if err := e.App.Recorder.Segment(context.Background(), seg); err != nil {
				b.Error(err)
				return
			}
			i++
		}
	})
}
