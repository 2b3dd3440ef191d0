package app_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/vigil-cloud/vigil/internal/audit"
	"github.com/vigil-cloud/vigil/internal/blob/blobtest"
	"github.com/vigil-cloud/vigil/internal/bus/bustest"
	"github.com/vigil-cloud/vigil/internal/config"
	"github.com/vigil-cloud/vigil/internal/device"
	"github.com/vigil-cloud/vigil/internal/sim"
	"github.com/vigil-cloud/vigil/internal/store"
	"github.com/vigil-cloud/vigil/internal/store/storetest"
	"github.com/vigil-cloud/vigil/internal/vigiltest"
)

// Two vigil nodes on one database (PostgreSQL when VIGIL_TEST_POSTGRES is
// set), one bucket (S3 when VIGIL_TEST_S3 is set) and a 3-server NATS
// cluster (the uplink
// stream kept on all three) while 20 cameras publish events and alarms at
// QoS 1: the
// NATS server leading the uplink stream is killed with SIGKILL, later a
// vigil node is killed with SIGKILL and started again on its disk. Every
// event a camera got a PUBACK for is stored, once (the index on the
// device's event ID would refuse a second copy), within 60 s. Before, the
// restarted node's forwarder settled what the killed run had in flight
// (held back while the cluster elected a new leader) by acknowledging
// newer messages: 1 to 20 events were lost each run.
func TestClusterLosesNoAcknowledgedEvent(t *testing.T) {
	if testing.Short() {
		t.Skip("kills NATS servers and vigil nodes")
	}
	loseNothing(t, bustest.StartCluster(t, 3), true)
}

// The same in leaf mode (bus.leaf_url), where the killed vigil node never
// comes back: what it acknowledged was stored on the cluster before the
// PUBACK, and the other node ingests it. In forward mode the same kill
// stranded up to half of a fast burst on the dead node's disk.
func TestLeafModeNodeThatNeverReturnsStrandsNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("kills NATS servers and vigil nodes")
	}
	loseNothing(t, bustest.StartHub(t, 3), false)
}

func loseNothing(t *testing.T, nc *bustest.Cluster, restart bool) {
	prefix := fmt.Sprintf("tc%d", time.Now().UnixNano()%1e9)
	opts := []vigiltest.Option{func(c *config.Config) {
		c.Bus.URL, c.Bus.Prefix, c.Bus.LeafURL, c.Bus.Domain = nc.URL, prefix, nc.LeafURL, nc.Domain
	}}
	if storetest.PostgresURL() != "" {
		pg := storetest.PostgresSchemaURL(t)
		opts = append(opts, func(c *config.Config) { c.Database = config.Database{Driver: "postgres", URL: pg} })
	}
	if blobtest.S3URL() != "" { // the shared bucket, as in production
		b := blobtest.S3Bucket(t)
		opts = append(opts, func(c *config.Config) {
			c.Blob = config.Blob{Driver: "s3", S3: config.S3{Endpoint: b.Endpoint, Bucket: b.Bucket, Region: b.Region,
				AccessKey: b.AccessKey, SecretKey: b.SecretKey, Insecure: !b.TLS}}
		})
	}
	e := vigiltest.Start(t, opts...)
	owner := e.SignUp("cluster@example.com")
	var creds []device.Credential
	for i, m := range e.Operator().Manufacture("vc-100", 20) {
		creds = append(creds, owner.Claim(m, fmt.Sprintf("Camera %d", i)))
	}
	e.App.Close()

	mqtt := []string{vigiltest.FreeAddr(t), vigiltest.FreeAddr(t)}
	cfgs := make([]config.Config, 2)
	nodes := make([]*childNode, 2)
	for i := range cfgs {
		c := e.Config
		c.DataDir, c.Listen, c.Bus.MQTTListen = t.TempDir(), "127.0.0.1:0", mqtt[i]
		c.Video.RTSPListen, c.Video.WebRTCUDP = "127.0.0.1:0", ""
		cfgs[i] = c
		nodes[i] = startNode(t, c)
	}
	uplink := uplinkStream(nc, prefix)
	if r := streamInfo(t, nc, uplink).Config.Replicas; r != 3 {
		t.Fatalf("the uplink stream has %d replicas, want 3", r)
	}

	var mu sync.Mutex
	acked := map[string]string{} // event ID -> device
	ctx, stop := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	for i, cred := range creds {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cam, err := sim.Connect(ctx, sim.Config{URL: "mqtt://" + mqtt[i%2], DeviceID: cred.DeviceID, Secret: cred.Secret, Firmware: "1.0.0"})
			if err != nil {
				t.Errorf("camera %d: %v", i, err)
				return
			}
			defer cam.Close()
			for n := 0; ctx.Err() == nil; n++ {
				id := fmt.Sprintf("ev-%d-%d", i, n)
				pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
				now := time.Now().UTC().Format(time.RFC3339)
				var err error
				if n%4 == 3 { // every fourth an alarm
					id = fmt.Sprintf("al-%d-%d", i, n)
					err = cam.Publish(pctx, "alarm", map[string]any{"id": id, "type": "motion", "time": now})
				} else {
					err = cam.Publish(pctx, "event", map[string]any{"id": id, "kind": "error", "code": "E1", "at": now})
				}
				cancel()
				if err == nil {
					mu.Lock()
					acked[id] = cred.DeviceID
					mu.Unlock()
				}
				time.Sleep(20 * time.Millisecond)
			}
		}()
	}
	time.Sleep(3 * time.Second)
	leader := ""
	if c := streamInfo(t, nc, uplink).Cluster; c != nil {
		leader = c.Leader
	}
	for i, name := range nc.Names {
		if name == leader {
			nc.Kill(i)
			t.Logf("killed NATS server %s, the uplink stream's leader", name)
		}
	}
	time.Sleep(4 * time.Second)
	nodes[0].kill()
	if restart {
		t.Log("killed vigil node 1; it starts again on its disk in 2 s")
		time.Sleep(2 * time.Second)
		nodes[0] = startNode(t, cfgs[0])
	} else {
		t.Log("killed vigil node 1 for good")
	}
	time.Sleep(3 * time.Second)
	stop()
	wg.Wait()

	mu.Lock()
	want := len(acked)
	mu.Unlock()
	if want < 500 {
		t.Fatalf("only %d events acknowledged: the test proves little", want)
	}
	db := openDB(t, e.Config.Database)
	stored := func() map[string]bool {
		got := map[string]bool{}
		err := db.Read(t.Context(), func(tx *store.Tx) error {
			rows, err := tx.Query(t.Context(), `SELECT event_id FROM device_events WHERE event_id LIKE 'ev-%'
				UNION ALL SELECT event_id FROM alarms WHERE event_id LIKE 'al-%'`)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var id string
				if err := rows.Scan(&id); err != nil {
					return err
				}
				if got[id] {
					t.Errorf("%s stored twice", id)
				}
				got[id] = true
			}
			return rows.Err()
		})
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	start := time.Now()
	var missing []string
	for deadline := start.Add(60 * time.Second); ; {
		got := stored()
		missing = missing[:0]
		for id := range acked {
			if !got[id] {
				missing = append(missing, id)
			}
		}
		if len(missing) == 0 {
			break
		}
		if time.Now().After(deadline) {
			byCam := map[string]int{}
			for _, id := range missing {
				byCam[strings.Join(strings.Split(id, "-")[:2], "-")]++
			}
			si := streamInfo(t, nc, uplink)
			t.Logf("uplink stream: %d messages, first %d last %d, deleted %d", si.State.Msgs, si.State.FirstSeq, si.State.LastSeq, si.State.NumDeleted)
			if len(missing) > 10 {
				missing = missing[:10]
			}
			t.Fatalf("%d of %d acknowledged events not stored after 60 s; by camera (even: node 1, odd: node 2): %v; e.g. %v", len(missing), want, byCam, missing)
		}
		time.Sleep(500 * time.Millisecond)
	}
	t.Logf("%d events and alarms acknowledged, all stored once, the last %s after the cameras stopped", want, time.Since(start).Round(100*time.Millisecond))
	for _, n := range nodes {
		n.stop()
	}
	// Both nodes appended to the access log, one of them killed midway: it
	// still verifies.
	after := e.Restart(vigiltest.Offline)
	if report, err := audit.Verify(t.Context(), store.NewAuditStore(after.App.DB), after.App.Verifier); err != nil {
		t.Fatalf("audit log after the kills: %v (%+v)", err, report)
	}
}

type childNode struct{ kill, stop func() }

// startNode runs vigil on c in a child process until the test ends.
func startNode(t testing.TB, c config.Config) *childNode {
	cmd := vigiltest.StartChild(t, "TestNodeChild", c)
	done := false
	n := &childNode{}
	n.kill = func() {
		if !done {
			done = true
			cmd.Process.Kill()
			cmd.Wait()
		}
	}
	n.stop = func() {
		if !done {
			done = true
			cmd.Process.Signal(syscall.SIGTERM)
			cmd.Wait()
		}
	}
	t.Cleanup(n.stop)
	return n
}

// uplinkStream names the stream device uplink is stored in on nc: the
// MQTT layer's own in leaf mode, the forwarders' target otherwise.
func uplinkStream(nc *bustest.Cluster, prefix string) string {
	if nc.Domain != "" {
		return "$MQTT_msgs"
	}
	return strings.ToUpper(prefix) + "_UPLINK"
}

func streamInfo(t *testing.T, c *bustest.Cluster, name string) *jetstream.StreamInfo {
	t.Helper()
	nc, err := nats.Connect(c.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	s, err := js.Stream(t.Context(), name)
	if err != nil {
		t.Fatal(err)
	}
	return s.CachedInfo()
}
