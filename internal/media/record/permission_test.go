package record_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/vigil-cloud/vigil/internal/vigiltest"
)

// Stream tokens follow permission: a member's playback (playlist, init,
// segments) and download stop at the next request once they are removed
// from the account, or their role changes; the owner's go on. Whatever the
// range, a playback token lives ten minutes at most, and a range that
// ends in the future is refused.
// proves: P3, U-C
func TestPlaybackFollowsPermission(t *testing.T) {
	vigiltest.Each(t, func(t *testing.T, e *vigiltest.Env) {
		c := newCam(t, e, "perm@example.com")
		start := e.Clock.Now().Add(-time.Minute).Truncate(time.Second)
		c.record(t, c.stream("s1", start), 2)
		rng := map[string]any{"from": start, "to": start.Add(time.Minute)}
		play := func(who *vigiltest.Client) streamURLs {
			var s streamURLs
			who.Must(http.StatusCreated, "POST", c.path("playback"), rng).Decode(t, &s)
			return s
		}
		ok := func(path string) bool { s, _, _ := get(t, e, path); return s == http.StatusOK }

		removed := invite(t, e, c.owner, "removed@example.com", "member")
		demoted := invite(t, e, c.owner, "demoted@example.com", "admin")
		rp, dp, op := play(removed), play(demoted), play(c.owner)
		_, _, playlist := get(t, e, rp.HLS)
		seg := ""
		for _, l := range strings.Split(string(playlist), "\n") {
			if strings.HasPrefix(l, "seg/") {
				seg = strings.TrimSuffix(rp.HLS, "index.m3u8") + l
				break
			}
		}
		if seg == "" || !ok(rp.HLS) || !ok(seg) || !ok(rp.MP4) || !ok(dp.HLS) || !ok(op.HLS) {
			t.Fatalf("before any change: playlist %s", playlist)
		}

		c.owner.Must(http.StatusNoContent, "DELETE", "/api/v1/accounts/"+c.owner.AccountID+"/members/"+removed.UserID, nil)
		for name, path := range map[string]string{"playlist": rp.HLS, "segment": seg, "download": rp.MP4} {
			if s, _, _ := get(t, e, path); s != http.StatusUnauthorized {
				t.Errorf("removed member's %s: %d, want 401", name, s)
			}
		}
		c.owner.Must(http.StatusNoContent, "PATCH", "/api/v1/accounts/"+c.owner.AccountID+"/members/"+demoted.UserID, map[string]any{"role": "guest"})
		if ok(dp.HLS) {
			t.Error("the demoted member's token outlived the change of role")
		}
		if !ok(op.HLS) {
			t.Error("the owner's playback stopped with the others'")
		}
		// A new token under the new role works.
		if np := play(demoted); !ok(np.HLS) {
			t.Error("a playback token issued after the change is refused")
		}

		// Ten minutes at most, whatever the range; nothing in the future.
		long := map[string]any{"from": start.Add(-6 * time.Hour), "to": start.Add(time.Minute)}
		var lp streamURLs
		c.owner.Must(http.StatusCreated, "POST", c.path("playback"), long).Decode(t, &lp)
		if ttl := lp.ExpiresAt.Sub(e.Clock.Now()); ttl > 10*time.Minute {
			t.Errorf("a 6-hour range's token lives %s", ttl)
		}
		for _, kind := range []string{"playback", "exports"} {
			future := map[string]any{"from": start, "to": e.Clock.Now().Add(time.Hour)}
			if r := c.owner.Do("POST", c.path(kind), future); r.Status != http.StatusBadRequest {
				t.Errorf("%s of a range ending in the future: %d %s", kind, r.Status, r.Body)
			}
		}
	})
}

// Downloading is the Export action: a guest, whom /exports refuses, gets a
// playback without a download link, and the MP4 of the range stays closed
// to the guest's playback token; a member who may export downloads it.
// proves: P3, U-G
func TestGuestCannotDownloadRecording(t *testing.T) {
	vigiltest.Each(t, func(t *testing.T, e *vigiltest.Env) {
		c := newCam(t, e, "dl@example.com")
		start := e.Clock.Now().Add(-time.Minute).Truncate(time.Second)
		c.record(t, c.stream("s1", start), 2)
		rng := map[string]any{"from": start, "to": start.Add(time.Minute)}
		guest := invite(t, e, c.owner, "guest@example.com", "guest")
		if r := guest.Do("POST", c.path("exports"), rng); r.Status != http.StatusForbidden {
			t.Fatalf("guest export: %d", r.Status)
		}
		var gp streamURLs
		guest.Must(http.StatusCreated, "POST", c.path("playback"), rng).Decode(t, &gp)
		if gp.MP4 != "" {
			t.Errorf("the guest's playback offers a download: %s", gp.MP4)
		}
		if s, _, _ := get(t, e, gp.HLS); s != http.StatusOK {
			t.Fatalf("guest's playlist: %d", s)
		}
		if s, _, _ := get(t, e, strings.TrimSuffix(gp.HLS, "index.m3u8")+"recording.mp4"); s != http.StatusForbidden {
			t.Errorf("the guest downloads recording.mp4 with a playback token: %d, want 403", s)
		}
		member := invite(t, e, c.owner, "member@example.com", "member")
		var mp streamURLs
		member.Must(http.StatusCreated, "POST", c.path("playback"), rng).Decode(t, &mp)
		if s, _, body := get(t, e, mp.MP4); s != http.StatusOK || !strings.Contains(string(body[:min(len(body), 64)]), "ftyp") {
			t.Errorf("the member's download: %d", s)
		}
	})
}
