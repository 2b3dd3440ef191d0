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

	"github.com/vigil-cloud/vigil/internal/bus/bustest"
	"github.com/vigil-cloud/vigil/internal/config"
	"github.com/vigil-cloud/vigil/internal/device"
	"github.com/vigil-cloud/vigil/internal/sim"
	"github.com/vigil-cloud/vigil/internal/store"
	"github.com/vigil-cloud/vigil/internal/store/storetest"
	"github.com/vigil-cloud/vigil/internal/vigiltest"
)

// Two vigil nodes on one database and a 3-server NATS cluster (the uplink
// stream kept on all three) while 20 cameras publish events at QoS 1: the
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
	nc := bustest.StartCluster(t, 3)
	prefix := fmt.Sprintf("tc%d", time.Now().UnixNano()%1e9)
	opts := []vigiltest.Option{func(c *config.Config) { c.Bus.URL, c.Bus.Prefix = nc.URL, prefix }}
	if storetest.PostgresURL() != "" {
		pg := storetest.PostgresSchemaURL(t)
		opts = append(opts, func(c *config.Config) { c.Database = config.Database{Driver: "postgres", URL: pg} })
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
	if r := streamReplicas(t, nc.URL, prefix); r != 3 {
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
				err := cam.Publish(pctx, "event", map[string]any{"id": id, "kind": "error", "code": "E1", "at": time.Now().UTC().Format(time.RFC3339)})
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
	leader := streamLeader(t, nc.URL, prefix)
	for i, name := range nc.Names {
		if name == leader {
			nc.Kill(i)
			t.Logf("killed NATS server %s, the uplink stream's leader", name)
		}
	}
	time.Sleep(4 * time.Second)
	nodes[0].kill()
	t.Log("killed vigil node 1; it starts again on its disk in 2 s")
	time.Sleep(2 * time.Second)
	nodes[0] = startNode(t, cfgs[0])
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
			rows, err := tx.Query(t.Context(), `SELECT event_id FROM device_events WHERE event_id LIKE 'ev-%'`)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var id string
				if err := rows.Scan(&id); err != nil {
					return err
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
			si := streamInfo(t, nc.URL, prefix)
			t.Logf("uplink stream: %d messages, first %d last %d, deleted %d", si.State.Msgs, si.State.FirstSeq, si.State.LastSeq, si.State.NumDeleted)
			if len(missing) > 10 {
				missing = missing[:10]
			}
			t.Fatalf("%d of %d acknowledged events not stored after 60 s; by camera (even: node 1, odd: node 2): %v; e.g. %v", len(missing), want, byCam, missing)
		}
		time.Sleep(500 * time.Millisecond)
	}
	t.Logf("%d events acknowledged, all stored once, the last %s after the cameras stopped", want, time.Since(start).Round(100*time.Millisecond))
	for _, n := range nodes {
		n.stop()
	}
}

type childNode struct{ kill, stop func() }

// startNode runs vigil on c in a child process until the test ends.
func startNode(t *testing.T, c config.Config) *childNode {
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

func streamInfo(t *testing.T, url, prefix string) *jetstream.StreamInfo {
	t.Helper()
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	s, err := js.Stream(t.Context(), strings.ToUpper(prefix)+"_UPLINK")
	if err != nil {
		t.Fatal(err)
	}
	return s.CachedInfo()
}

func streamReplicas(t *testing.T, url, prefix string) int {
	return streamInfo(t, url, prefix).Config.Replicas
}

func streamLeader(t *testing.T, url, prefix string) string {
	if c := streamInfo(t, url, prefix).Cluster; c != nil {
		return c.Leader
	}
	return ""
}
