package record_test

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigil-cloud/vigil/internal/media"
	"github.com/vigil-cloud/vigil/internal/vigiltest"
)

// A camera's segments are recorded, listed in the timeline as one range,
// and played back through the HLS VOD playlist a stream token opens, with
// picture and sound, as ffprobe reads them; the owner's access log shows
// who watched. The export of the range is one MP4 download that ffprobe
// decodes.
// proves: C4
// proves: U-C
// proves: U-G
func TestRecordPlayExport(t *testing.T) {
	probe := ffprobeTool(t)
	vigiltest.Each(t, func(t *testing.T, e *vigiltest.Env) {
		c := newCam(t, e, "rec@example.com")
		start := e.Clock.Now().Add(-time.Minute).Truncate(time.Second)
		c.record(t, c.stream("s1", start), 6)

		tl := c.timeline(t, start.Add(-time.Hour), start.Add(time.Hour))
		if len(tl.Ranges) != 1 || !tl.Ranges[0].Start.Equal(start) || tl.Ranges[0].End.Sub(start) < 12*time.Second || !tl.Ranges[0].HasAudio {
			t.Fatalf("timeline: %+v", tl)
		}

		var pb streamURLs
		c.owner.Must(http.StatusCreated, "POST", c.path("playback"), map[string]any{"from": start, "to": start.Add(time.Minute)}).Decode(t, &pb)
		if !strings.HasPrefix(pb.HLS, "/media/vod/") || !pb.ExpiresAt.After(e.Clock.Now()) {
			t.Fatalf("playback: %+v", pb)
		}
		status, _, body := get(t, e, pb.HLS)
		pl := string(body)
		if status != http.StatusOK || !strings.Contains(pl, "#EXT-X-PLAYLIST-TYPE:VOD") || !strings.Contains(pl, "#EXT-X-ENDLIST") ||
			strings.Count(pl, "#EXT-X-MAP") != 1 || strings.Count(pl, "#EXTINF") != 6 {
			t.Fatalf("playlist %d:\n%s", status, pl)
		}
		p := ffprobe(t, probe, e.URL+pb.HLS)
		if k := p.kinds(); !strings.Contains(k, "video:h264") || !strings.Contains(k, "audio:aac") {
			t.Fatalf("ffprobe of the VOD playlist found %s", k)
		}

		// The owner sees that they watched.
		var log struct {
			Entries []struct {
				ActorID    string `json:"actor_id"`
				Action     string `json:"action"`
				Category   string `json:"category"`
				Decision   string `json:"decision"`
				ResourceID string `json:"resource_id"`
			}
		}
		c.owner.Must(http.StatusOK, "GET", "/api/v1/accounts/"+c.owner.AccountID+"/access-log?limit=500", nil).Decode(t, &log)
		watched := false
		for _, en := range log.Entries {
			if en.ActorID == c.owner.UserID && en.Category == "media.segment" && en.Action == "read" && en.ResourceID == c.device && en.Decision == "allow" {
				watched = true
			}
		}
		if !watched {
			t.Fatalf("the access log does not show the playback: %+v", log.Entries)
		}

		// Export: one MP4 download.
		var ex streamURLs
		c.owner.Must(http.StatusCreated, "POST", c.path("exports"), map[string]any{"from": start, "to": start.Add(time.Minute)}).Decode(t, &ex)
		status, h, mp4 := get(t, e, ex.MP4)
		if status != http.StatusOK || !strings.HasPrefix(h.Get("Content-Disposition"), "attachment; filename=") || h.Get("Content-Type") != "video/mp4" {
			t.Fatalf("export %d %v", status, h)
		}
		file := filepath.Join(t.TempDir(), "export.mp4")
		if err := os.WriteFile(file, mp4, 0o600); err != nil {
			t.Fatal(err)
		}
		p = ffprobe(t, probe, file)
		if k := p.kinds(); !strings.Contains(k, "video:h264") || !strings.Contains(k, "audio:aac") || p.duration() < 11 || p.duration() > 13 {
			t.Fatalf("ffprobe of the export: %s, %gs", k, p.duration())
		}
	})
}

// Two sessions (the camera reconnected) and a gap make separate ranges; the
// playlist has an EXT-X-MAP per session and a discontinuity between them;
// the MP4 export continues its decode times across them.
func TestSessionsAndGaps(t *testing.T) {
	probe := ffprobeTool(t)
	e := vigiltest.Start(t)
	c := newCam(t, e, "sessions@example.com")
	start := e.Clock.Now().Add(-time.Hour).Truncate(time.Second)
	s1 := c.stream("s1", start)
	c.record(t, s1, 3)
	s2 := c.stream("s2", s1.Next.Add(30*time.Second))
	c.record(t, s2, 4)
	if m := string(e.Client().Must(http.StatusOK, "GET", "/metrics", nil).Body); !strings.Contains(m, "vigil_recording_segments_total 7\n") {
		t.Errorf("metrics do not count the 7 segments")
	}
	tl := c.timeline(t, start, start.Add(time.Hour))
	if len(tl.Ranges) != 2 || !tl.Ranges[0].Start.Equal(start) || !tl.Ranges[1].Start.Equal(s1.Next.Add(30*time.Second).Truncate(time.Microsecond)) {
		t.Fatalf("ranges: %+v", tl.Ranges)
	}
	// A window that cuts through the first range lists it.
	if tl := c.timeline(t, start.Add(3*time.Second), start.Add(4*time.Second)); len(tl.Ranges) != 1 {
		t.Fatalf("window: %+v", tl.Ranges)
	}
	// Day and month, in a time zone; another channel has its own timeline.
	for q, want := range map[string]int{
		"day=" + start.Format("2006-01-02"): 2, "month=" + start.Format("2006-01"): 2,
		"day=" + start.AddDate(0, 0, 1).Format("2006-01-02"): 0, "day=" + start.Format("2006-01-02") + "&tz=Pacific/Kiritimati": 2,
	} {
		var got timeline
		c.owner.Must(http.StatusOK, "GET", c.path("timeline?"+q), nil).Decode(t, &got)
		if len(got.Ranges) != want {
			t.Errorf("timeline?%s: %d ranges, want %d", q, len(got.Ranges), want)
		}
	}
	var ch1 timeline
	c.owner.Must(http.StatusOK, "GET", strings.Replace(c.path("timeline?month="+start.Format("2006-01")), "/channels/0/", "/channels/1/", 1), nil).Decode(t, &ch1)
	if len(ch1.Ranges) != 0 {
		t.Errorf("channel 1 lists channel 0's ranges: %+v", ch1.Ranges)
	}
	for _, q := range []string{"day=yesterday", "month=2026", "from=2026-03-01T00:00:00Z", "day=2026-03-02&tz=Mars/Olympus", "from=2026-01-01T00:00:00Z&to=2026-12-01T00:00:00Z"} {
		if r := c.owner.Do("GET", c.path("timeline?"+q), nil); r.Status != http.StatusBadRequest {
			t.Errorf("timeline?%s: %d, want 400", q, r.Status)
		}
	}
	var pb streamURLs
	c.owner.Must(http.StatusCreated, "POST", c.path("playback"), map[string]any{"from": start, "to": start.Add(time.Hour)}).Decode(t, &pb)
	_, _, body := get(t, e, pb.HLS)
	pl := string(body)
	if strings.Count(pl, "#EXT-X-MAP") != 2 || strings.Count(pl, "#EXT-X-DISCONTINUITY") != 1 || strings.Count(pl, "#EXTINF") != 7 {
		t.Fatalf("playlist:\n%s", pl)
	}
	if k := ffprobe(t, probe, e.URL+pb.HLS).kinds(); !strings.Contains(k, "video:h264") || !strings.Contains(k, "audio:aac") {
		t.Fatalf("ffprobe: %s", k)
	}
	var ex streamURLs
	c.owner.Must(http.StatusCreated, "POST", c.path("exports"), map[string]any{"from": start, "to": start.Add(time.Hour)}).Decode(t, &ex)
	_, _, mp4 := get(t, e, ex.MP4)
	file := filepath.Join(t.TempDir(), "export.mp4")
	os.WriteFile(file, mp4, 0o600)
	if p := ffprobe(t, probe, file); p.duration() < 13 || p.duration() > 15.5 {
		t.Fatalf("export of 7 segments lasts %gs", p.duration())
	}
}

// Stream URLs open with a genuine, unexpired token of the right scope
// only; another account's device is not found.
// proves: U-C
func TestStreamTokens(t *testing.T) {
	vigiltest.Each(t, func(t *testing.T, e *vigiltest.Env) {
		c := newCam(t, e, "tok@example.com")
		start := e.Clock.Now().Add(-time.Minute).Truncate(time.Second)
		c.record(t, c.stream("s1", start), 2)
		var pb, ex streamURLs
		c.owner.Must(http.StatusCreated, "POST", c.path("playback"), map[string]any{"from": start, "to": start.Add(time.Minute)}).Decode(t, &pb)
		c.owner.Must(http.StatusCreated, "POST", c.path("exports"), map[string]any{"from": start, "to": start.Add(time.Minute)}).Decode(t, &ex)
		tok := strings.Split(pb.HLS, "/")[3]
		if s, _, _ := get(t, e, pb.HLS); s != http.StatusOK {
			t.Fatalf("genuine token: %d", s)
		}
		altered := []byte(tok)
		altered[len(altered)/3] ^= 'A' ^ 'B'
		for name, path := range map[string]string{
			"no token":           "/media/vod//index.m3u8",
			"garbage":            "/media/vod/nonsense/index.m3u8",
			"altered":            "/media/vod/" + url.PathEscape(string(altered)) + "/index.m3u8",
			"export as vod":      "/media/vod/" + strings.Split(ex.MP4, "/")[3] + "/index.m3u8",
			"playback as export": "/media/export/" + tok + "/" + strings.Split(ex.MP4, "/")[4],
		} {
			if s, _, _ := get(t, e, path); s != http.StatusUnauthorized {
				t.Errorf("%s: %d, want 401", name, s)
			}
		}
		// Only the grant's segments: a segment ID outside it is not found.
		if s, _, _ := get(t, e, "/media/vod/"+tok+"/seg/999999.m4s"); s != http.StatusNotFound {
			t.Errorf("segment outside the grant: %d", s)
		}

		// Another account: its owner cannot list, play or export this camera.
		other := e.SignUp("other@example.com")
		for _, p := range []string{
			"/api/v1/accounts/" + c.owner.AccountID + "/devices/" + c.device + "/channels/0/timeline?day=2026-03-02",
			"/api/v1/accounts/" + other.AccountID + "/devices/" + c.device + "/channels/0/timeline?day=2026-03-02",
		} {
			if r := other.Do("GET", p, nil); r.Status != http.StatusNotFound {
				t.Errorf("other account GET %s: %d, want 404", p, r.Status)
			}
		}
		if r := other.Do("POST", "/api/v1/accounts/"+other.AccountID+"/devices/"+c.device+"/channels/0/playback",
			map[string]any{"from": start, "to": start.Add(time.Minute)}); r.Status != http.StatusNotFound {
			t.Errorf("other account playback: %d, want 404", r.Status)
		}

		// Expired: the clock moves past the token's life.
		e.Clock.Advance(time.Until(pb.ExpiresAt) + time.Hour)
		e.Clock.Set(pb.ExpiresAt.Add(time.Second))
		if s, _, _ := get(t, e, pb.HLS); s != http.StatusUnauthorized {
			t.Errorf("expired token: %d, want 401", s)
		}
		if s, _, _ := get(t, e, ex.MP4); s != http.StatusUnauthorized {
			t.Errorf("expired export token: %d, want 401", s)
		}
	})
}

// Guests watch but may not export or change recording settings; members
// export; admins set the mode.
// proves: U-G
func TestRolesOnRecordings(t *testing.T) {
	e := vigiltest.Start(t)
	c := newCam(t, e, "roles@example.com")
	start := e.Clock.Now().Add(-time.Minute).Truncate(time.Second)
	c.record(t, c.stream("s1", start), 2)
	guest := invite(t, e, c.owner, "guest@example.com", "guest")
	rng := map[string]any{"from": start, "to": start.Add(time.Minute)}
	guest.Must(http.StatusOK, "GET", c.path("timeline?day=2026-03-02"), nil)
	guest.Must(http.StatusCreated, "POST", c.path("playback"), rng)
	if r := guest.Do("POST", c.path("exports"), rng); r.Status != http.StatusForbidden {
		t.Errorf("guest export: %d, want 403", r.Status)
	}
	if r := guest.Do("PUT", c.path("recording"), map[string]any{"mode": "off"}); r.Status != http.StatusForbidden {
		t.Errorf("guest sets mode: %d, want 403", r.Status)
	}
	member := invite(t, e, c.owner, "member@example.com", "member")
	member.Must(http.StatusCreated, "POST", c.path("exports"), rng)
	c.owner.Must(http.StatusOK, "PUT", c.path("recording"), map[string]any{"mode": "events"})
	var eff struct{ Mode string }
	member.Must(http.StatusOK, "GET", c.path("recording"), nil).Decode(t, &eff)
	if eff.Mode != "events" {
		t.Fatalf("mode after change: %q", eff.Mode)
	}
	if r := c.owner.Do("PUT", c.path("recording"), map[string]any{"mode": "sometimes"}); r.Status != http.StatusBadRequest {
		t.Errorf("bad mode: %d", r.Status)
	}
}

// A person invited to one site of the account sees the recordings of that
// site's cameras only: another site's camera is not found to them.
// proves: U-C
func TestSiteShareSeesItsSiteOnly(t *testing.T) {
	e := vigiltest.Start(t)
	owner := e.SignUp("sites@example.com")
	acct := "/api/v1/accounts/" + owner.AccountID
	var shop, home struct{ ID string }
	owner.Must(http.StatusCreated, "POST", acct+"/sites", map[string]string{"name": "Shop", "time_zone": "UTC"}).Decode(t, &shop)
	owner.Must(http.StatusCreated, "POST", acct+"/sites", map[string]string{"name": "Home", "time_zone": "UTC"}).Decode(t, &home)
	made := e.Operator().Manufacture("vc-100", 2)
	owner.Must(http.StatusCreated, "POST", acct+"/devices/claim", map[string]any{"serial": made[0].Serial, "claim_code": made[0].ClaimCode, "name": "till", "site_id": shop.ID})
	owner.Must(http.StatusCreated, "POST", acct+"/devices/claim", map[string]any{"serial": made[1].Serial, "claim_code": made[1].ClaimCode, "name": "bedroom", "site_id": home.ID})
	clerk := e.SignUp("clerk@example.com")
	owner.Must(http.StatusAccepted, "POST", acct+"/invitations", map[string]string{"email": clerk.Email, "role": "guest", "site_id": shop.ID})
	clerk.Must(http.StatusOK, "POST", "/api/v1/invitations/accept", map[string]string{"token": e.Mail.Wait(t, clerk.Email, "invited").Token(t)})
	clerk.Must(http.StatusOK, "GET", acct+"/devices/"+made[0].ID+"/channels/0/timeline?day=2026-03-02", nil)
	for _, p := range []string{"/channels/0/timeline?day=2026-03-02", "/channels/0/playback"} {
		method := "GET"
		var body any
		if strings.HasSuffix(p, "playback") {
			method, body = "POST", map[string]any{"from": "2026-03-02T00:00:00Z", "to": "2026-03-02T01:00:00Z"}
		}
		if r := clerk.Do(method, acct+"/devices/"+made[1].ID+p, body); r.Status != http.StatusNotFound {
			t.Errorf("shop guest %s on the home camera: %d, want 404", p, r.Status)
		}
	}
}

// Segments the index cannot hold are refused before anything is written.
func TestBadSegmentsRefused(t *testing.T) {
	e := vigiltest.Start(t)
	c := newCam(t, e, "bad@example.com")
	good := c.stream("s", e.Clock.Now().Add(-time.Hour)).Segment()
	for name, mut := range map[string]func(*media.Segment){
		"no account":   func(s *media.Segment) { s.AccountID = "" },
		"slash device": func(s *media.Segment) { s.DeviceID = "../x" },
		"dot device":   func(s *media.Segment) { s.DeviceID = ".x" },
		"no fragments": func(s *media.Segment) { s.Fragments = nil },
		"no init":      func(s *media.Segment) { s.Init = nil },
		"negative":     func(s *media.Segment) { s.Channel = -1 },
		"no duration":  func(s *media.Segment) { s.Duration = 0 },
		"huge session": func(s *media.Segment) { s.Session = strings.Repeat("x", 300) },
		"no start":     func(s *media.Segment) { s.Start = time.Time{} },
	} {
		s := good
		mut(&s)
		if err := e.App.Recorder.Segment(context.Background(), s); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if n := countRows(t, e, "SELECT count(*) FROM rec_segments"); n != 0 {
		t.Fatalf("%d rows written for refused segments", n)
	}
}
