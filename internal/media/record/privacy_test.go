package record_test

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/privacy"
	"github.com/vigil-cloud/vigil/internal/store"
	"github.com/vigil-cloud/vigil/internal/vigiltest"
)

func countRows(t *testing.T, e *vigiltest.Env, q string, args ...any) int {
	t.Helper()
	var n int
	err := e.App.DB.Read(context.Background(), func(tx *store.Tx) error { return tx.QueryRow(context.Background(), q, args...).Scan(&n) })
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// An access request for recordings brings the index, the event marks and
// each recorded stretch as an MP4 that plays; nothing of another
// customer's camera. A deletion request erases the recordings, their blobs
// too, and leaves the other customer's alone.
// proves: R1
func TestRecordingsInRequests(t *testing.T) {
	ann := newCam(t, vigiltest.Start(t), "ann@example.com")
	e := ann.e
	bob := newCam(t, e, "bob@example.com")
	start := e.Clock.Now().Add(-time.Hour).Truncate(time.Second)
	ann.record(t, ann.stream("a1", start), 3)
	ann.record(t, ann.stream("a0", start.Add(-3*time.Hour)), 2) // outside the requests' range
	bob.record(t, bob.stream("b1", start), 3)
	ann.owner.WithMFA()
	dpo := e.StaffMember("dpo@vigil.test", access.StaffDPO)

	var req privacy.Request
	ann.owner.Must(http.StatusCreated, "POST", "/api/v1/me/privacy-requests", map[string]any{"kind": "access", "region": "eu",
		"scope": map[string]any{"categories": []string{"media.segment"}, "from": start.Add(-time.Hour), "to": start.Add(time.Hour)}}).Decode(t, &req)
	dpo.Must(http.StatusAccepted, "POST", "/api/v1/staff/privacy-requests/"+req.ID+"/grant", nil)
	e.Mail.Wait(t, "ann@example.com", "Our answer")
	files := vigiltest.Unzip(t, ann.owner.Must(http.StatusOK, "GET", "/api/v1/me/privacy-requests/"+req.ID+"/package", nil).Body)
	var mp4s [][]byte
	for name, b := range files {
		if strings.Contains(name, bob.device) || bytes.Contains(b, []byte(bob.device)) {
			t.Errorf("the package holds Bob's camera in %s", name)
		}
		if strings.HasPrefix(name, "media/media.segment/") && strings.HasSuffix(name, ".mp4") {
			mp4s = append(mp4s, b)
		}
	}
	if idx := string(files["data/media.segment.json"]); strings.Count(idx, ann.device) != 3 {
		t.Fatalf("the index in the package:\n%s\nfiles: %v", idx, names(files))
	}
	if len(mp4s) != 1 {
		t.Fatalf("%d recordings in the package, want 1; files: %v", len(mp4s), names(files))
	}
	if _, err := os.Stat("/usr/bin/ffprobe"); err == nil || os.Getenv("VIGIL_TEST_FFMPEG") != "" {
		probe := ffprobeTool(t)
		file := filepath.Join(t.TempDir(), "r.mp4")
		os.WriteFile(file, mp4s[0], 0o600)
		if k := ffprobe(t, probe, file).kinds(); !strings.Contains(k, "video:h264") || !strings.Contains(k, "audio:aac") {
			t.Fatalf("the packaged recording: %s", k)
		}
	}

	ann.owner.Login()
	ann.owner.Must(http.StatusCreated, "POST", "/api/v1/me/privacy-requests", map[string]any{"kind": "deletion", "region": "eu",
		"scope": map[string]any{"categories": []string{"media.segment"}, "from": start.Add(-time.Hour), "to": start.Add(time.Hour)}}).Decode(t, &req)
	dpo.Must(http.StatusOK, "POST", "/api/v1/staff/privacy-requests/"+req.ID+"/grant", nil)
	if n := countRows(t, e, "SELECT count(*) FROM rec_segments WHERE account_id = ?", ann.owner.AccountID); n != 2 {
		t.Errorf("Ann keeps %d segments after deletion, want the 2 outside its range", n)
	}
	if n := countRows(t, e, "SELECT count(*) FROM rec_segments WHERE account_id = ?", bob.owner.AccountID); n != 3 {
		t.Errorf("Bob has %d segments after Ann's deletion", n)
	}
	n := 0
	e.App.Blobs.List(context.Background(), ann.owner.AccountID, "rec/", func(string) error { n++; return nil })
	if n != 3 {
		t.Errorf("%d of Ann's recording blobs left, want the 2 segments outside the range and their session's init", n)
	}
}

func names(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
