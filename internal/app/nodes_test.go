package app_test

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vigil-cloud/vigil/internal/app"
	"github.com/vigil-cloud/vigil/internal/bus"
	"github.com/vigil-cloud/vigil/internal/clock"
	"github.com/vigil-cloud/vigil/internal/config"
	"github.com/vigil-cloud/vigil/internal/media/live"
	"github.com/vigil-cloud/vigil/internal/notify"
	"github.com/vigil-cloud/vigil/internal/privacy"
	"github.com/vigil-cloud/vigil/internal/sim"
	"github.com/vigil-cloud/vigil/internal/store"
	"github.com/vigil-cloud/vigil/internal/store/postgres"
	"github.com/vigil-cloud/vigil/internal/store/sqlite"
	"github.com/vigil-cloud/vigil/internal/vigiltest"
	"github.com/vigil-cloud/vigil/internal/waittest"
)

// TestNodeChild is a vigil node run by TestDeadNodesDevicesGoOffline in a
// child process; it skips in a normal run.
func TestNodeChild(t *testing.T) {
	if !vigiltest.ServeAsChild(t) {
		t.Skip("runs only as a child of TestDeadNodesDevicesGoOffline")
	}
}

// Two nodes share a database and the external bus; a camera is connected
// to node 1, which is killed with SIGKILL (so no last will is sent). Node 2
// marks the camera offline within bus.node_timeout and raises its offline
// alarm alarm.offline_after later. Alone on the embedded bus, the node
// that comes back after the kill does the same for the cameras that do not
// reconnect. Before, the camera stayed online for ever and no alarm came.
func TestDeadNodesDevicesGoOffline(t *testing.T) {
	if testing.Short() {
		t.Skip("kills a vigil node")
	}
	vigiltest.EachBus(t, func(t *testing.T, e *vigiltest.Env) {
		external := e.Config.Bus.URL != ""
		owner := e.SignUp("two-nodes@example.com")
		cred := owner.Claim(e.Operator().Manufacture("vc-100", 1)[0], "Porch")
		e.App.Close()

		node := func(mqtt string) config.Config {
			c := e.Config
			c.DataDir = t.TempDir() // its own node ID and bus store; database, blobs and key file shared
			c.Listen, c.Bus.MQTTListen = "127.0.0.1:0", mqtt
			c.Video.RTSPListen, c.Video.WebRTCUDP = "127.0.0.1:0", ""
			c.Bus.NodeTimeout = 3 * time.Second
			c.Alarm.OfflineAfter, c.Alarm.Poll = 2*time.Second, 100*time.Millisecond
			return c
		}
		cfg1 := node(hostPort(t, cred.MQTTURL))
		node1 := vigiltest.StartChild(t, "TestNodeChild", cfg1)
		if external {
			node2 := vigiltest.StartChild(t, "TestNodeChild", node("127.0.0.1:0"))
			t.Cleanup(func() { node2.Process.Signal(syscall.SIGTERM); node2.Wait() })
		}

		cam, err := sim.Connect(t.Context(), sim.Config{URL: cred.MQTTURL, DeviceID: cred.DeviceID, Secret: cred.Secret, Firmware: "1.0.0"})
		if err != nil {
			t.Fatal(err)
		}
		defer cam.Close()
		db := openDB(t, e.Config.Database)
		online := func() (on bool, offlineAlarms int) {
			err := db.Read(t.Context(), func(tx *store.Tx) error {
				if err := tx.QueryRow(t.Context(), `SELECT online FROM devices WHERE id = ?`, cred.DeviceID).Scan(&on); err != nil {
					return err
				}
				return tx.QueryRow(t.Context(), `SELECT COUNT(*) FROM alarms WHERE device_id = ? AND type = 'offline'`, cred.DeviceID).Scan(&offlineAlarms)
			})
			if err != nil {
				t.Fatal(err)
			}
			return on, offlineAlarms
		}
		waittest.Within(t, "the camera online through node 1", 20*time.Second, func() bool { on, _ := online(); return on })

		node1.Process.Kill()
		node1.Wait()
		died := time.Now()
		if !external {
			cam.Close() // it does not come back
			node1 = vigiltest.StartChild(t, "TestNodeChild", cfg1)
			t.Cleanup(func() { node1.Process.Signal(syscall.SIGTERM); node1.Wait() })
		}
		waittest.Within(t, "the camera of the dead node offline", 20*time.Second, func() bool { on, _ := online(); return !on })
		t.Logf("node killed -> its camera offline: %s (bus.node_timeout 3s)", time.Since(died).Round(100*time.Millisecond))
		waittest.Within(t, "an offline alarm for the camera", 20*time.Second, func() bool { _, n := online(); return n == 1 })
		t.Logf("node killed -> offline alarm: %s (alarm.offline_after 2s)", time.Since(died).Round(100*time.Millisecond))
	})
}

// hostPort is the host:port of a URL such as mqtt://127.0.0.1:1883.
func hostPort(t *testing.T, raw string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		t.Fatalf("not a URL with a host: %q", raw)
	}
	return u.Host
}

func openDB(t testing.TB, c config.Database) *store.DB {
	t.Helper()
	var db *store.DB
	var err error
	if c.Driver == "postgres" {
		db, err = postgres.Open(context.Background(), c.URL, clock.Real{})
	} else {
		db, err = sqlite.Open(context.Background(), c.URL, clock.Real{})
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// Behind a load balancer a person's live feed and an owner's grant-use
// stream may be open on another node than the one that delivers the
// message or records the use: both reach them live. Before, each node
// carried only its own, and a person saw about half of the alarms live.
func TestFeedsReachEveryNode(t *testing.T) {
	vigiltest.EachBus(t, func(t *testing.T, e *vigiltest.Env) {
		if e.Config.Bus.URL == "" {
			t.Skip("one node alone: nothing to relay")
		}
		c := e.Config
		c.DataDir = t.TempDir()
		node2, err := app.New(t.Context(), c, app.Options{Clock: e.Clock})
		if err != nil {
			t.Fatal(err)
		}
		defer node2.Close()

		items, stop := node2.Notify.Feed().Subscribe("usr_watcher")
		defer stop()
		uses, stopUses := node2.Privacy.GrantUses().Subscribe("acc_watched")
		defer stopUses()
		e.App.Notify.Feed().Publish("usr_watcher", notify.FeedItem{ID: "msg_1", Title: "Porch: person"})
		e.App.Privacy.GrantUses().Publish("acc_watched", privacy.GrantUse{GrantID: "grt_1", AccountID: "acc_watched"})
		select {
		case it := <-items:
			if it.ID != "msg_1" || it.Title != "Porch: person" {
				t.Errorf("feed item %+v", it)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("the in-app message did not reach the feed open on node 2")
		}
		select {
		case u := <-uses:
			if u.GrantID != "grt_1" {
				t.Errorf("grant use %+v", u)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("the grant use did not reach the stream open on node 2")
		}
		select {
		case it := <-items:
			t.Errorf("delivered twice: %+v", it)
		case <-time.After(200 * time.Millisecond):
		}
	})
}

// A camera publishes to node 2; its owner, whose request reached node 1,
// watches it: node 1 finds the stream's node over the bus and relays the
// playlist and media. When the camera stops, neither node has it; when it
// reconnects to node 1, the viewer's same address plays again. Before,
// node 1 answered 404.
func TestLiveOnAnyNode(t *testing.T) {
	vigiltest.EachBus(t, func(t *testing.T, e *vigiltest.Env) {
		if e.Config.Bus.URL == "" {
			t.Skip("one node alone: nothing to relay")
		}
		owner := e.SignUp("any-node@example.com")
		cred := owner.Claim(e.Operator().Manufacture("vc-100", 1)[0], "Gate")

		addr := vigiltest.FreeAddr(t)
		c := e.Config
		c.DataDir, c.Listen, c.NodeURL = t.TempDir(), addr, "http://"+addr
		node2, err := app.New(t.Context(), c, app.Options{Clock: e.Clock})
		if err != nil {
			t.Fatal(err)
		}
		defer node2.Close()
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(t.Context())
		served := make(chan error, 1)
		go func() { served <- node2.Serve(ctx, ln) }()
		defer func() { cancel(); <-served }()

		pub, stopPub := context.WithCancel(t.Context())
		published := make(chan struct{})
		go func() {
			defer close(published)
			sim.RunVideo(pub, sim.VideoConfig{Members: []sim.Member{{DeviceID: cred.DeviceID, Secret: cred.Secret}},
				RTSPURL: "rtsp://" + node2.Live.RTSPAddr().String(), Duration: time.Minute})
		}()
		defer func() { stopPub(); <-published }()
		key := live.Key{AccountID: owner.AccountID, DeviceID: cred.DeviceID, Channel: 0}
		waittest.Within(t, "the camera live on node 2", 15*time.Second, func() bool { return node2.Live.Holds(key) })
		if e.App.Live.Holds(key) {
			t.Fatal("node 1 holds the stream too: the test proves nothing")
		}

		var urls struct {
			HLS       string
			Streaming bool
		}
		owner.Must(http.StatusOK, "POST", "/api/v1/accounts/"+owner.AccountID+"/devices/"+cred.DeviceID+"/channels/0/live", nil).Decode(t, &urls)
		if !urls.Streaming {
			t.Error("node 1 says the camera is not streaming, though node 2 holds its stream")
		}
		anon := e.Client()
		var playlist string
		waittest.Within(t, "the playlist through node 1", 15*time.Second, func() bool {
			r := anon.Do("GET", urls.HLS, nil)
			playlist = string(r.Body)
			return r.Status == http.StatusOK && strings.Contains(playlist, "#EXTM3U")
		})
		// The multivariant playlist names the video playlist, which names
		// the init segment: each fetched through node 1.
		base := strings.TrimSuffix(urls.HLS, "index.m3u8")
		variant := ""
		for line := range strings.SplitSeq(playlist, "\n") {
			if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") && variant == "" {
				variant = line
			}
		}
		var media string
		waittest.Within(t, "the video playlist through node 1", 15*time.Second, func() bool {
			r := anon.Do("GET", base+variant, nil)
			media = string(r.Body)
			return r.Status == http.StatusOK && strings.Contains(media, "#EXT-X-MAP")
		})
		init := ""
		for line := range strings.SplitSeq(media, "\n") {
			if _, rest, ok := strings.Cut(line, `#EXT-X-MAP:URI="`); ok {
				init, _, _ = strings.Cut(rest, `"`)
			}
		}
		if r := anon.Do("GET", base+init, nil); r.Status != http.StatusOK || len(r.Body) < 100 {
			t.Errorf("init segment %q through node 1: %d, %d bytes", init, r.Status, len(r.Body))
		}
		if got := counter(t, e.App, "vigil_live_relayed_total"); got < 3 {
			t.Errorf("vigil_live_relayed_total on node 1 = %v, want at least 3", got)
		}

		stopPub()
		<-published
		waittest.Within(t, "the camera gone from node 2", 15*time.Second, func() bool { return !node2.Live.Holds(key) })
		if r := anon.Do("GET", urls.HLS, nil); r.Status != http.StatusNotFound {
			t.Errorf("a stream nobody holds: %d %s", r.Status, r.Body)
		}

		// The camera reconnects to node 1 (its node went away): the viewer's
		// same address keeps playing, now from node 1's own stream.
		again, stopAgain := context.WithCancel(t.Context())
		republished := make(chan struct{})
		go func() {
			defer close(republished)
			sim.RunVideo(again, sim.VideoConfig{Members: []sim.Member{{DeviceID: cred.DeviceID, Secret: cred.Secret}},
				RTSPURL: "rtsp://" + e.App.Live.RTSPAddr().String(), Duration: time.Minute})
		}()
		defer func() { stopAgain(); <-republished }()
		waittest.Within(t, "the same playlist address playing from node 1's own stream", 20*time.Second, func() bool {
			r := anon.Do("GET", urls.HLS, nil)
			return r.Status == http.StatusOK && strings.Contains(string(r.Body), "#EXTM3U") && e.App.Live.Holds(key)
		})
	})
}

// counter sums a counter of the app's metrics.
func counter(t *testing.T, a *app.App, name string) float64 {
	t.Helper()
	mfs, err := a.Metrics.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	for _, mf := range mfs {
		if mf.GetName() == name {
			for _, m := range mf.GetMetric() {
				sum += m.GetCounter().GetValue()
			}
		}
	}
	return sum
}

// A node starting on a shared database leaves alone the segment another
// live node is writing (before, its recovery deleted it and the writer's
// segment was lost); once that node is declared dead, the survivor
// resolves it.
func TestRecoveryLeavesOtherNodesWrites(t *testing.T) {
	vigiltest.Each(t, func(t *testing.T, e *vigiltest.Env) {
		nodeA, err := bus.NodeID(filepath.Join(e.Config.DataDir, "bus"))
		if err != nil {
			t.Fatal(err)
		}
		db := e.App.DB
		inFlight := func() (n int) {
			err := db.Read(t.Context(), func(tx *store.Tx) error {
				return tx.QueryRow(t.Context(), `SELECT COUNT(*) FROM rec_segments WHERE writer = ? AND state = 0`, nodeA).Scan(&n)
			})
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		// Node A is writing a segment: its row is in, its blob not yet.
		err = e.App.DB.Write(t.Context(), func(tx *store.Tx) error {
			_, err := tx.Exec(t.Context(), `INSERT INTO rec_segments (account_id, device_id, channel, init_id, seq, start_us, end_us,
				bytes, has_audio, codecs, marked, state, writer, created_at) VALUES ('acc_x', 'dev_x', 0, 1, 1, 0, 2000000, 10, 0, 'avc1', 0, 0, ?, 0)`, nodeA)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}

		c := e.Config
		c.DataDir = t.TempDir()
		c.Bus.NodeTimeout = 3 * time.Second
		nodeB, err := app.New(t.Context(), c, app.Options{Clock: e.Clock})
		if err != nil {
			t.Fatal(err)
		}
		defer nodeB.Close()
		if n := inFlight(); n != 1 {
			t.Fatalf("node B's start resolved node A's write in flight (%d left)", n)
		}

		db = nodeB.DB
		e.App.Close() // node A stops beating
		e.Clock.Advance(4 * time.Second)
		waittest.Within(t, "node B to resolve dead node A's write", 10*time.Second, func() bool { return inFlight() == 0 })
	})
}

// Rate limits count across nodes: with 4 credential attempts a minute per
// client network, attempts spread over two nodes are refused from the
// fifth, whichever node gets it. Before, each node counted its own and a
// client got a quota per node.
func TestRateLimitsSharedAcrossNodes(t *testing.T) {
	vigiltest.EachBus(t, func(t *testing.T, e *vigiltest.Env) {
		if e.Config.Bus.URL == "" {
			t.Skip("one node alone: nothing to share")
		}
		nodes := []*vigiltest.Env{e, e.Node()}
		login := map[string]string{"email": "nobody@example.com", "password": "not-the-password-1"}
		for i := range 4 {
			r := nodes[i%2].Client().Do("POST", "/api/v1/auth/login", login)
			if r.Status == http.StatusTooManyRequests {
				t.Fatalf("attempt %d refused as too many", i+1)
			}
		}
		for i, n := range nodes {
			if r := n.Client().Do("POST", "/api/v1/auth/login", login); r.Status != http.StatusTooManyRequests {
				t.Errorf("attempt %d on node %d: %d %s, want 429", 5+i, i+1, r.Status, r.Body)
			}
		}
	}, func(c *config.Config) { c.Auth.AttemptsPerMinute = 4 })
}
