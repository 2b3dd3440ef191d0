package live_test

import (
	"context"
	"io"
	"math/rand/v2"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vigil-cloud/vigil/internal/blob"
	"github.com/vigil-cloud/vigil/internal/clock"
	"github.com/vigil-cloud/vigil/internal/config"
	"github.com/vigil-cloud/vigil/internal/keys"
	"github.com/vigil-cloud/vigil/internal/media/record"
	"github.com/vigil-cloud/vigil/internal/sim"
	"github.com/vigil-cloud/vigil/internal/store"
	"github.com/vigil-cloud/vigil/internal/store/sqlite"
	"github.com/vigil-cloud/vigil/internal/vigiltest"
)

// TestVigilChild is vigil itself, run by TestKill9WhileTenStreamsRecord in
// a child process that is killed with SIGKILL; it skips in a normal run.
func TestVigilChild(t *testing.T) {
	if !vigiltest.ServeAsChild(t) {
		t.Skip("runs only as the child of TestKill9WhileTenStreamsRecord")
	}
}

// vigil itself is killed with SIGKILL again and again while ten cameras
// publish over RTSP and it records them; after each restart on the same
// data directory, every index row has its blob, whole and decrypting, and
// every blob of the recordings has its row.
// proves: C4
func TestKill9WhileTenStreamsRecord(t *testing.T) {
	if testing.Short() {
		t.Skip("kills and restarts vigil several times")
	}
	rtsp := vigiltest.FreeAddr(t)
	e := vigiltest.Start(t, func(c *config.Config) { c.Video.RTSPListen = rtsp })
	owner := e.SignUp("kill9@example.com")
	var members []sim.Member
	for i, m := range e.Operator().Manufacture("vc-100", 10) {
		cred := owner.Claim(m, "Camera "+string(rune('A'+i)))
		members = append(members, sim.Member{DeviceID: cred.DeviceID, Secret: cred.Secret})
	}
	cfg := e.Config
	e.App.Close()

	for round := range 4 {
		child := vigiltest.StartChild(t, "TestVigilChild", cfg)
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan sim.VideoReport, 1)
		go func() {
			rep, _ := sim.RunVideo(ctx, sim.VideoConfig{Members: members, RTSPURL: "rtsp://" + rtsp, Duration: time.Minute})
			done <- rep
		}()
		// Long enough for a few 2 s segments per camera, then a kill at a
		// random moment of a segment.
		time.Sleep(time.Duration(4500+rand.IntN(2500)) * time.Millisecond)
		if err := child.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		_ = child.Wait()
		cancel()
		rep := <-done
		t.Logf("round %d: %s", round, rep)
	}
	// A last start resolves what the kills left; stop it cleanly.
	child := vigiltest.StartChild(t, "TestVigilChild", cfg)
	_ = child.Process.Signal(syscall.SIGTERM)
	_ = child.Wait()

	ctx := context.Background()
	db, err := sqlite.Open(ctx, cfg.Database.URL, clock.Real{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	kek, _, err := keys.LoadOrCreateKeyFile(cfg.Keys.KEKFile)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := blob.NewDir(cfg.Blob.Dir)
	if err != nil {
		t.Fatal(err)
	}
	sealed := blob.NewSealed(raw, keys.NewKeyring(kek, store.NewKeyStore(db), clock.Real{}))

	type row struct{ account, key string }
	rows := map[string]row{}
	var unfinished, segments int
	err = db.Read(ctx, func(tx *store.Tx) error {
		for _, q := range []string{`SELECT 1, id, account_id, device_id, channel, state FROM rec_inits`, `SELECT 0, id, account_id, device_id, channel, state FROM rec_segments`} {
			rs, err := tx.Query(ctx, q)
			if err != nil {
				return err
			}
			for rs.Next() {
				var isInit, id, state int64
				var acct, dev string
				var ch int
				if err := rs.Scan(&isInit, &id, &acct, &dev, &ch, &state); err != nil {
					rs.Close()
					return err
				}
				if state != record.StateStored {
					unfinished++
				}
				k := record.SegmentKey(dev, ch, id)
				if isInit == 1 {
					k = record.InitKey(dev, ch, id)
				} else {
					segments++
				}
				rows["acct/"+acct+"/"+k] = row{acct, k}
			}
			rs.Close()
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if unfinished != 0 {
		t.Errorf("%d index rows left unfinished after restart", unfinished)
	}
	if segments < 2*len(members) {
		t.Fatalf("only %d segments recorded over 4 rounds of 10 cameras: the test proves little", segments)
	}
	blobs := map[string]bool{}
	if err := raw.List(ctx, "acct/", func(k string) error {
		if strings.Contains(k, "/rec/") { // acct/<account>/rec/...: recordings only
			blobs[k] = true
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for k, r := range rows {
		if !blobs[k] {
			t.Errorf("index row without its blob: %s", k)
			continue
		}
		rc, err := sealed.Open(ctx, r.account, r.key)
		if err == nil {
			_, err = io.Copy(io.Discard, rc)
			rc.Close()
		}
		if err != nil {
			t.Errorf("blob %s does not decrypt whole: %v", k, err)
		}
	}
	for k := range blobs {
		if _, ok := rows[k]; !ok {
			t.Errorf("blob without its index row: %s", k)
		}
	}
	t.Logf("%d segments and %d inits agree with %d blobs after 4 kills", segments, len(rows)-segments, len(blobs))
}
