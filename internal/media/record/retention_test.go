package record_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/vigil-cloud/vigil/internal/media"
	"github.com/vigil-cloud/vigil/internal/media/record"
	"github.com/vigil-cloud/vigil/internal/vigiltest"
)

type purgeLog struct {
	Purges []struct {
		DeviceID string `json:"device_id"`
		Reason   string
		Segments int64
		AuditSeq int64 `json:"audit_seq"`
	}
}

func (c *cam) purges(t *testing.T) map[string]int64 {
	t.Helper()
	var pl purgeLog
	c.owner.Must(http.StatusOK, "GET", "/api/v1/accounts/"+c.owner.AccountID+"/recording-purges", nil).Decode(t, &pl)
	out := map[string]int64{}
	for _, p := range pl.Purges {
		if p.AuditSeq == 0 {
			t.Errorf("purge without its audit entry: %+v", p)
		}
		out[p.DeviceID+"/"+p.Reason] += p.Segments
	}
	return out
}

func sweep(t *testing.T, e *vigiltest.Env) record.Sweep {
	t.Helper()
	s, err := e.App.RecordingRetention.Sweep(context.Background())
	if err != nil {
		t.Fatalf("sweep: %v", err)
	}
	return s
}

// Recordings are purged once older than their retention (30 days, or less
// where the account set less); event-marked ones are kept for the event
// retention (90 days); a device's quota purges the oldest first; a released
// device's recordings go. Every purge is in the purge log and in the
// account's access log as the system's decision; the timeline follows.
// proves: P1
func TestRetention(t *testing.T) {
	vigiltest.Each(t, func(t *testing.T, e *vigiltest.Env) {
		ctx := context.Background()
		c := newCam(t, e, "ret@example.com")
		now := e.Clock.Now().Truncate(time.Second)
		day := 24 * time.Hour
		a := c.stream("a", now.Add(-40*day)) // marked below
		c.record(t, a, 5)
		if err := e.App.Recorder.Mark(ctx, media.Mark{AccountID: c.owner.AccountID, DeviceID: c.device, At: now.Add(-40*day + 4*time.Second), Kind: "motion", Ref: "alm_1"}); err != nil {
			t.Fatal(err)
		}
		c.record(t, c.stream("b", now.Add(-35*day)), 5)
		c.record(t, c.stream("c", now.Add(-1*day)), 5)

		sweep(t, e)
		tl := c.timeline(t, now.Add(-60*day), now)
		if len(tl.Ranges) != 2 || !tl.Ranges[0].Start.Equal(now.Add(-40*day)) || !tl.Ranges[1].Start.Equal(now.Add(-day)) {
			t.Fatalf("after the age sweep: %+v", tl.Ranges)
		}
		if len(tl.Marks) != 1 || tl.Marks[0].Kind != "motion" {
			t.Fatalf("marks: %+v", tl.Marks)
		}
		if got := c.purges(t); got[c.device+"/age"] != 5 {
			t.Fatalf("purge log: %v", got)
		}
		var log struct {
			Entries []struct {
				ActorKind string `json:"actor_kind"`
				ActorID   string `json:"actor_id"`
				Action    string `json:"action"`
				Category  string `json:"category"`
			}
		}
		c.owner.Must(http.StatusOK, "GET", "/api/v1/accounts/"+c.owner.AccountID+"/access-log?limit=500", nil).Decode(t, &log)
		systemPurge := false
		for _, en := range log.Entries {
			systemPurge = systemPurge || (en.ActorKind == "system" && en.ActorID == record.JobRetention && en.Action == "delete" && en.Category == "media.segment")
		}
		if !systemPurge {
			t.Fatalf("the access log lacks the retention's purge: %+v", log.Entries)
		}

		// 60 days on, the marked recording (100 days old) is past the event
		// retention and the recent one (61 days) past the retention.
		e.Clock.Advance(60 * day)
		c.owner.Login()
		sweep(t, e)
		if tl := c.timeline(t, now.Add(-45*day), now.Add(10*day)); len(tl.Ranges) != 0 {
			t.Fatalf("after 60 days: %+v", tl.Ranges)
		}
		if got := c.purges(t); got[c.device+"/event_age"] != 5 || got[c.device+"/age"] != 10 {
			t.Fatalf("purge log: %v", got)
		}

		// The account keeps 7 days only.
		now = e.Clock.Now().Truncate(time.Second)
		c.owner.Must(http.StatusOK, "PUT", "/api/v1/accounts/"+c.owner.AccountID+"/recording", map[string]any{"retention_days": 7})
		c.record(t, c.stream("d", now.Add(-8*day)), 3)
		c.record(t, c.stream("e", now.Add(-6*day)), 3)
		sweep(t, e)
		if tl := c.timeline(t, now.Add(-10*day), now); len(tl.Ranges) != 1 || !tl.Ranges[0].Start.Equal(now.Add(-6*day)) {
			t.Fatalf("after the account's 7 days: %+v", tl.Ranges)
		}

		// A quota of about four segments: the oldest go first, and the
		// range shrinks from its start.
		f := c.stream("f", now.Add(-time.Hour))
		c.record(t, f, 10)
		seg := int64(len(c.clip.Fragments[1]))
		c.owner.Must(http.StatusOK, "PUT", "/api/v1/accounts/"+c.owner.AccountID+"/devices/"+c.device+"/recording", map[string]any{"quota_bytes": 4*seg + seg/2})
		sweep(t, e)
		tl = c.timeline(t, now.Add(-10*day), now)
		if len(tl.Ranges) != 1 || tl.Ranges[0].Start.Before(now.Add(-time.Hour+10*time.Second)) || tl.Ranges[0].End.Before(now.Add(-time.Hour+19*time.Second)) {
			t.Fatalf("after the quota: %+v", tl.Ranges)
		}
		if got := c.purges(t); got[c.device+"/quota"] < 8 {
			t.Fatalf("purge log: %v", got)
		}

		// Releasing the device purges what it recorded.
		c.owner.Must(http.StatusNoContent, "DELETE", "/api/v1/accounts/"+c.owner.AccountID+"/devices/"+c.device, nil)
		sweep(t, e)
		if got := c.purges(t); got[c.device+"/device_release"] == 0 {
			t.Fatalf("purge log after release: %v", got)
		}
		n := 0
		e.App.Blobs.List(ctx, c.owner.AccountID, "rec/", func(string) error { n++; return nil })
		if n != 0 {
			t.Fatalf("%d recording blobs left after the release", n)
		}
	})
}

// In events mode only what surrounds a mark is kept: the pre-roll held in
// memory and the post-roll after it, all marked.
// proves: C4
func TestEventsMode(t *testing.T) {
	e := vigiltest.Start(t)
	c := newCam(t, e, "evt@example.com")
	c.owner.Must(http.StatusOK, "PUT", c.path("recording"), map[string]any{"mode": "events"})
	start := e.Clock.Now().Add(-time.Hour).Truncate(time.Second)
	s := c.stream("s", start)
	c.record(t, s, 15) // 30 s, nothing kept yet
	if tl := c.timeline(t, start, start.Add(time.Hour)); len(tl.Ranges) != 0 {
		t.Fatalf("events mode kept segments without an event: %+v", tl.Ranges)
	}
	at := s.Next
	if err := e.App.Recorder.Mark(context.Background(), media.Mark{AccountID: c.owner.AccountID, DeviceID: c.device, At: at, Kind: "person", Ref: "alm_2"}); err != nil {
		t.Fatal(err)
	}
	c.record(t, s, 15) // 30 s more
	// A mark that arrives a few seconds after the video it marks still gets
	// its pre-roll.
	c.record(t, s, 20) // 40 s: the post-roll ends, nothing more is kept
	before := s.Next
	c.record(t, s, 2)
	if err := e.App.Recorder.Mark(context.Background(), media.Mark{AccountID: c.owner.AccountID, DeviceID: c.device, At: before, Kind: "person", Ref: "alm_3"}); err != nil {
		t.Fatal(err)
	}
	c.record(t, s, 12)
	tl := c.timeline(t, start, before.Add(-12*time.Second))
	if len(tl.Ranges) != 1 || len(tl.Marks) != 1 {
		t.Fatalf("timeline: %+v", tl)
	}
	r := tl.Ranges[0]
	if r.Start.Before(at.Add(-12*time.Second)) || r.Start.After(at.Add(-8*time.Second)) || r.End.Before(at.Add(20*time.Second)) || r.End.After(at.Add(23*time.Second)) {
		t.Fatalf("kept %s..%s around a mark at %s", r.Start, r.End, at)
	}
	late := c.timeline(t, before.Add(-12*time.Second), before.Add(time.Hour))
	if len(late.Ranges) != 1 || late.Ranges[0].Start.After(before.Add(-8*time.Second)) || late.Ranges[0].Start.Before(before.Add(-12*time.Second)) {
		t.Fatalf("a mark 4 s late lost its pre-roll: %+v", late.Ranges)
	}
	// Off: nothing more.
	n := countRows(t, e, "SELECT count(*) FROM rec_segments WHERE device_id = ?", c.device)
	c.owner.Must(http.StatusOK, "PUT", c.path("recording"), map[string]any{"mode": "off"})
	c.record(t, s, 5)
	if err := e.App.Recorder.Mark(context.Background(), media.Mark{AccountID: c.owner.AccountID, DeviceID: c.device, At: s.Next, Kind: "person", Ref: "alm_4"}); err != nil {
		t.Fatal(err)
	}
	c.record(t, s, 5)
	if m := countRows(t, e, "SELECT count(*) FROM rec_segments WHERE device_id = ?", c.device); m != n {
		t.Fatalf("off mode recorded %d segments", m-n)
	}
}

// The privacy centre's own retention sweep purges recordings past the data
// map's period as well.
// proves: P1
func TestPrivacySweepPurgesRecordings(t *testing.T) {
	e := vigiltest.Start(t)
	c := newCam(t, e, "sweep@example.com")
	now := e.Clock.Now().Truncate(time.Second)
	c.record(t, c.stream("old", now.Add(-31*24*time.Hour)), 3)
	c.record(t, c.stream("new", now.Add(-time.Hour)), 3)
	s, err := e.App.Retention.Sweep(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if s.Purged["media.segment"] != 3 {
		t.Fatalf("privacy sweep purged %v", s.Purged)
	}
	if tl := c.timeline(t, now.Add(-40*24*time.Hour), now); len(tl.Ranges) != 1 || !tl.Ranges[0].Start.Equal(now.Add(-time.Hour)) {
		t.Fatalf("timeline: %+v", tl.Ranges)
	}
}

// An account's quota spans its devices: the oldest segments go first,
// whichever camera filmed them.
// proves: P1
func TestAccountQuota(t *testing.T) {
	e := vigiltest.Start(t)
	a := newCam(t, e, "quota@example.com")
	made := e.Operator().Manufacture("vc-100", 1)
	a.owner.Claim(made[0], "Back door")
	b := &cam{e: e, owner: a.owner, device: made[0].ID, clip: a.clip}
	now := e.Clock.Now().Truncate(time.Second)
	a.record(t, a.stream("a", now.Add(-2*time.Hour)), 5)
	b.record(t, b.stream("b", now.Add(-time.Hour)), 5)
	total := int64(countRows(t, e, "SELECT SUM(bytes) FROM rec_segments WHERE account_id = ?", a.owner.AccountID))
	first3 := int64(countRows(t, e, `SELECT SUM(bytes) FROM (SELECT bytes FROM rec_segments WHERE device_id = ? ORDER BY start_us LIMIT 3) x`, a.device))
	// Over by a little less than the first three segments of the older
	// camera: those three go.
	a.owner.Must(http.StatusOK, "PUT", "/api/v1/accounts/"+a.owner.AccountID+"/recording", map[string]any{"quota_bytes": total - first3 + 100})
	sweep(t, e)
	if tl := a.timeline(t, now.Add(-3*time.Hour), now); len(tl.Ranges) != 1 || !tl.Ranges[0].Start.After(now.Add(-2*time.Hour+6*time.Second)) ||
		tl.Ranges[0].Start.After(now.Add(-2*time.Hour+7*time.Second)) {
		t.Fatalf("the older camera keeps %+v", tl.Ranges)
	}
	if tl := b.timeline(t, now.Add(-3*time.Hour), now); len(tl.Ranges) != 1 || !tl.Ranges[0].Start.Equal(now.Add(-time.Hour)) {
		t.Fatalf("the newer camera lost recordings: %+v", tl.Ranges)
	}
	got := a.purges(t)
	if got[a.device+"/quota"] != 3 || got[b.device+"/quota"] != 0 {
		t.Fatalf("purge log: %v", got)
	}
}
