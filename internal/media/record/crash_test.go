package record_test

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/vigil-cloud/vigil/internal/blob"
	"github.com/vigil-cloud/vigil/internal/clock"
	"github.com/vigil-cloud/vigil/internal/keys"
	"github.com/vigil-cloud/vigil/internal/media/record"
	"github.com/vigil-cloud/vigil/internal/media/record/recordtest"
	"github.com/vigil-cloud/vigil/internal/store"
	"github.com/vigil-cloud/vigil/internal/store/postgres"
	"github.com/vigil-cloud/vigil/internal/store/sqlite"
	"github.com/vigil-cloud/vigil/internal/store/storetest"
	"github.com/vigil-cloud/vigil/internal/waittest"
)

const (
	childDir     = "VIGIL_RECORD_CHILD_DIR"
	childPG      = "VIGIL_RECORD_CHILD_PG"
	crashAccount = "acc_crashtest"
	crashStreams = 10
	// childRecording is what the child prints once it records.
	childRecording = "RECORD CHILD RECORDING"
)

// crashParts opens what a recording vigil uses: the database, the key
// file and the blob directory under dir (PostgreSQL at pg when set).
func crashParts(ctx context.Context, dir, pg string) (*store.DB, *blob.Dir, *blob.Sealed, error) {
	var db *store.DB
	var err error
	if pg != "" {
		db, err = postgres.Open(ctx, pg, clock.Real{})
	} else {
		db, err = sqlite.Open(ctx, filepath.Join(dir, "vigil.db"), clock.Real{})
	}
	if err != nil {
		return nil, nil, nil, err
	}
	kek, _, err := keys.LoadOrCreateKeyFile(filepath.Join(dir, "kek.json"))
	if err != nil {
		return nil, nil, nil, err
	}
	raw, err := blob.NewDir(filepath.Join(dir, "blobs"))
	if err != nil {
		return nil, nil, nil, err
	}
	return db, raw, blob.NewSealed(raw, keys.NewKeyring(kek, store.NewKeyStore(db), clock.Real{})), nil
}

// TestRecordChild is the child of TestKillDuringRecording: it records ten
// streams until it is killed.
func TestRecordChild(t *testing.T) {
	dir := os.Getenv(childDir)
	if dir == "" {
		t.Skip("run by TestKillDuringRecording")
	}
	ctx := context.Background()
	db, _, sealed, err := crashParts(ctx, dir, os.Getenv(childPG))
	if err != nil {
		t.Fatal(err)
	}
	rec := record.NewRecorder(store.NewRecordingStore(db), sealed, nil, clock.Real{}, slog.New(slog.DiscardHandler), record.Config{})
	if _, err := rec.Recover(ctx); err != nil {
		t.Fatal(err)
	}
	if err := claimCrashDevices(ctx, db); err != nil {
		t.Fatal(err)
	}
	fmt.Println(childRecording)
	clip, err := recordtest.Load()
	if err != nil {
		t.Fatal(err)
	}
	var b [4]byte
	rand.Read(b[:])
	session := hex.EncodeToString(b[:])
	var wg sync.WaitGroup
	for i := range crashStreams {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := &recordtest.Stream{Clip: clip, AccountID: crashAccount, DeviceID: fmt.Sprintf("dev_crash%02d", i), Session: session,
				Next: time.Now().Add(-time.Hour)}
			for {
				if err := rec.Segment(ctx, s.Segment()); err != nil {
					fmt.Fprintln(os.Stderr, "record:", err)
					os.Exit(3)
				}
			}
		}()
	}
	wg.Wait()
}

// claimCrashDevices enters the child's cameras as claimed into its account:
// the recorder stores segments of claimed devices only.
func claimCrashDevices(ctx context.Context, db *store.DB) error {
	return db.Write(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO device_models (model, kind, channels, config_schema, created_at) VALUES ('crash-cam', 'camera', 0, '{}', 0)
			ON CONFLICT (model) DO NOTHING`); err != nil {
			return err
		}
		for i := range crashStreams {
			id := fmt.Sprintf("dev_crash%02d", i)
			if _, err := tx.Exec(ctx, `INSERT INTO devices (id, serial, model, claim_index, registered_at, account_id, claimed_at)
				VALUES (?, ?, 'crash-cam', ?, 0, ?, 1) ON CONFLICT (id) DO NOTHING`, id, "SN-"+id, []byte(id), crashAccount); err != nil {
				return err
			}
		}
		return nil
	})
}

// kill -9 of a process recording ten streams, again and again: after
// restart (Recover) every index row has its blob, which decrypts whole,
// and every blob has its row; the usage counters match the rows.
// proves: C4
func TestKillDuringRecording(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { killLoop(t, "") })
	t.Run("postgres", func(t *testing.T) { killLoop(t, storetest.PostgresSchemaURL(t)) })
}

func killLoop(t *testing.T, pg string) {
	if testing.Short() {
		t.Skip("kill -9 loop skipped in -short mode")
	}
	dir := t.TempDir()
	// Each round kills the child a random moment after it stored a
	// segment of this round, however slowly it starts (the race detector,
	// a loaded machine): every round kills it mid-recording.
	var watch *store.DB
	defer func() {
		if watch != nil {
			watch.Close()
		}
	}()
	stored := func() (n int64) {
		err := watch.Read(context.Background(), func(tx *store.Tx) error {
			return tx.QueryRow(context.Background(), `SELECT COUNT(*) FROM rec_segments WHERE state = ?`, record.StateStored).Scan(&n)
		})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	var before int64
	for round := range 5 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestRecordChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), childDir+"="+dir, childPG+"="+pg)
		cmd.Stderr = os.Stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		ready := make(chan bool, 1)
		go func() {
			sc := bufio.NewScanner(out)
			ok := false
			for sc.Scan() {
				if !ok && sc.Text() == childRecording {
					ok = true
					ready <- true
				}
			}
			if !ok {
				ready <- false
			}
		}()
		select {
		case ok := <-ready:
			if !ok {
				cmd.Wait()
				t.Fatalf("round %d: the child ended before recording", round)
			}
		case <-time.After(2 * time.Minute):
			cmd.Process.Kill()
			t.Fatalf("round %d: the child did not start recording", round)
		}
		if watch == nil {
			if watch, _, _, err = crashParts(context.Background(), dir, pg); err != nil {
				t.Fatal(err)
			}
		}
		waittest.Within(t, "a segment stored in this round", 2*time.Minute, func() bool { return stored() > before })
		n, _ := rand.Int(rand.Reader, big.NewInt(700))
		time.Sleep(time.Duration(n.Int64()) * time.Millisecond)
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		err = cmd.Wait()
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
			t.Fatalf("round %d: the child ended by itself: %v", round, err)
		}
		before = stored()
	}
	ctx := context.Background()
	db, raw, sealed, err := crashParts(ctx, dir, pg)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rec := record.NewRecorder(store.NewRecordingStore(db), sealed, nil, clock.Real{}, slog.New(slog.DiscardHandler), record.Config{})
	resolved, err := rec.Recover(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	var unfinished, segments, segBytes, usage int64
	err = db.Read(ctx, func(tx *store.Tx) error {
		for _, q := range []string{`SELECT 1, id, device_id, channel, state, bytes FROM rec_inits`, `SELECT 0, id, device_id, channel, state, bytes FROM rec_segments`} {
			rows, err := tx.Query(ctx, q)
			if err != nil {
				return err
			}
			for rows.Next() {
				var isInit, id, state, bytes int64
				var dev string
				var ch int
				if err := rows.Scan(&isInit, &id, &dev, &ch, &state, &bytes); err != nil {
					return err
				}
				if state != record.StateStored {
					unfinished++
				}
				if isInit == 1 {
					want["acct/"+crashAccount+"/"+record.InitKey(dev, ch, id)] = true
				} else {
					want["acct/"+crashAccount+"/"+record.SegmentKey(dev, ch, id)] = true
					segments++
					segBytes += bytes
				}
			}
			rows.Close()
		}
		return tx.QueryRow(ctx, `SELECT COALESCE(SUM(bytes), 0) FROM rec_usage WHERE account_id = ?`, crashAccount).Scan(&usage)
	})
	if err != nil {
		t.Fatal(err)
	}
	if unfinished != 0 {
		t.Fatalf("%d rows left unfinished after recovery", unfinished)
	}
	if segments < crashStreams {
		t.Fatalf("only %d segments recorded in 5 rounds", segments)
	}
	got := map[string]bool{}
	if err := raw.List(ctx, "acct/", func(k string) error { got[k] = true; return nil }); err != nil {
		t.Fatal(err)
	}
	for k := range want {
		if !got[k] {
			t.Errorf("index row without its blob: %s", k)
		}
	}
	for k := range got {
		if !want[k] {
			t.Errorf("blob without its index row: %s", k)
		}
	}
	for k := range got {
		rel := k[len("acct/"+crashAccount+"/"):]
		rc, err := sealed.Open(ctx, crashAccount, rel)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(io.Discard, rc); err != nil {
			t.Errorf("blob %s does not decrypt whole: %v", k, err)
		}
		rc.Close()
	}
	if usage != segBytes {
		t.Errorf("usage counts %d bytes, the segments hold %d", usage, segBytes)
	}
	t.Logf("5 kills: %d segments and %d blobs agree; recovery resolved %d unfinished rows", segments, len(got), resolved)
}
