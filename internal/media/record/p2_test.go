package record_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/bluenviron/mediacommon/v2/pkg/formats/fmp4"
	"github.com/bluenviron/mediacommon/v2/pkg/formats/mp4/codecs"

	"github.com/vigil-cloud/vigil/internal/blob"
	"github.com/vigil-cloud/vigil/internal/blob/blobtest"
	"github.com/vigil-cloud/vigil/internal/media/record"
	"github.com/vigil-cloud/vigil/internal/media/record/recordtest"
	"github.com/vigil-cloud/vigil/internal/store"
	"github.com/vigil-cloud/vigil/internal/vigiltest"
)

// plaintextMarks are byte strings any recorded fMP4 of the clip holds in
// clear: box names, the stream's SPS and PPS, and Annex B start codes
// followed by the stream's NAL headers (SPS, PPS, IDR slice).
func plaintextMarks(t *testing.T, c *recordtest.Clip) map[string][]byte {
	t.Helper()
	var in fmp4.Init
	if err := in.Unmarshal(bytes.NewReader(c.Init)); err != nil {
		t.Fatal(err)
	}
	h, ok := in.Tracks[0].Codec.(*codecs.H264)
	if !ok {
		t.Fatalf("the clip's first track is %T", in.Tracks[0].Codec)
	}
	m := map[string][]byte{"ftyp": []byte("ftyp"), "moof": []byte("moof"), "mdat": []byte("mdat"), "moov": []byte("moov"),
		"sps": h.SPS, "pps": h.PPS}
	for _, nal := range []byte{h.SPS[0], h.PPS[0], 0x65} {
		m[fmt.Sprintf("start code + NAL %02x", nal)] = []byte{0, 0, 0, 1, nal}
		m[fmt.Sprintf("short start code + NAL %02x + profile", nal)] = append([]byte{0, 0, 1, nal}, h.SPS[1:3]...)
	}
	return m
}

func findMarks(marks map[string][]byte, b []byte) []string {
	var found []string
	for name, m := range marks {
		if bytes.Contains(b, m) {
			found = append(found, name)
		}
	}
	return found
}

// After recording, a byte scan of the whole blob store (the directory,
// and the S3 bucket when one is configured) finds no MP4 box name, no SPS
// or PPS of the recorded stream and no start code of its NAL units: video
// reaches the store only sealed under the account's key.
// proves: P2
func TestBlobStoreHoldsNoPlaintextVideo(t *testing.T) {
	e := vigiltest.Start(t)
	c := newCam(t, e, "p2@example.com")
	marks := plaintextMarks(t, c.clip)
	// The scan can fail: the clip itself holds every mark.
	clear := append(append([]byte{}, c.clip.Init...), c.clip.Fragments[0]...)
	if got := findMarks(marks, c.clip.Init); len(got) < 4 {
		t.Fatalf("the scan does not recognise plaintext: %v", got)
	}
	if len(findMarks(marks, clear)) == 0 {
		t.Fatal("no mark in plaintext")
	}
	start := e.Clock.Now().Add(-time.Minute)
	c.record(t, c.stream("s1", start), 10)

	t.Run("dir", func(t *testing.T) {
		n := 0
		err := filepath.WalkDir(e.Config.Blob.Dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			n++
			if found := findMarks(marks, b); len(found) > 0 {
				t.Errorf("%s holds plaintext video: %v", p, found)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if n < 11 {
			t.Fatalf("scanned %d files, want the init and 10 segments at least", n)
		}
	})
	t.Run("s3", func(t *testing.T) {
		raw := blobtest.OpenS3(t)
		rec := record.NewRecorder(store.NewRecordingStore(e.App.DB), blob.NewSealed(raw, e.App.Keys), e.App.Gate, e.Clock, e.App.Log, record.Config{})
		s := c.stream("s3", start.Add(time.Hour))
		for range 5 {
			if err := rec.Segment(context.Background(), s.Segment()); err != nil {
				t.Fatal(err)
			}
		}
		n := 0
		err := raw.List(context.Background(), "", func(k string) error {
			rc, err := raw.Open(context.Background(), k)
			if err != nil {
				return err
			}
			b, err := io.ReadAll(rc)
			rc.Close()
			if err != nil {
				return err
			}
			n++
			if found := findMarks(marks, b); len(found) > 0 {
				t.Errorf("S3 object %s holds plaintext video: %v", k, found)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if n < 6 {
			t.Fatalf("scanned %d objects, want 6", n)
		}
	})
}
