package app_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vigil-cloud/vigil/internal/bus/bustest"
	"github.com/vigil-cloud/vigil/internal/config"
	"github.com/vigil-cloud/vigil/internal/device"
	"github.com/vigil-cloud/vigil/internal/sim"
	"github.com/vigil-cloud/vigil/internal/store"
	"github.com/vigil-cloud/vigil/internal/store/storetest"
	"github.com/vigil-cloud/vigil/internal/vigiltest"
)

// BenchmarkClusterIngest measures device events acknowledged and stored
// per second through one vigil node and through two, in forward mode and
// in leaf mode, on a 3-server NATS cluster: 40 cameras, 4 events in flight
// each, for 10 s; "stored/s" counts until the last event is in the
// database. Run it once per case (PostgreSQL when VIGIL_TEST_POSTGRES is set):
//
//	go test ./internal/app -run '^$' -bench ClusterIngest -benchtime 1x
func BenchmarkClusterIngest(b *testing.B) {
	for _, mode := range []string{"forward", "leaf"} {
		for _, nodes := range []int{1, 2} {
			b.Run(fmt.Sprintf("%s/%dnodes", mode, nodes), func(b *testing.B) {
				for range b.N {
					clusterIngest(b, mode == "leaf", nodes)
				}
			})
		}
	}
}

func clusterIngest(b *testing.B, leaf bool, n int) {
	const cams, inflight, window = 40, 4, 10 * time.Second
	var hub *bustest.Cluster
	if leaf {
		hub = bustest.StartHub(b, 3)
	} else {
		hub = bustest.StartCluster(b, 3)
	}
	prefix := fmt.Sprintf("bi%d", time.Now().UnixNano()%1e9)
	opts := []vigiltest.Option{func(c *config.Config) {
		c.Bus.URL, c.Bus.Prefix, c.Bus.LeafURL, c.Bus.Domain = hub.URL, prefix, hub.LeafURL, hub.Domain
	}}
	if storetest.PostgresURL() != "" {
		pg := storetest.PostgresSchemaURL(b)
		opts = append(opts, func(c *config.Config) { c.Database = config.Database{Driver: "postgres", URL: pg} })
	}
	e := vigiltest.Start(b, opts...)
	owner := e.SignUp("ingest@example.com")
	var creds []device.Credential
	for i, m := range e.Operator().Manufacture("vc-100", cams) {
		creds = append(creds, owner.Claim(m, fmt.Sprintf("Camera %d", i)))
	}
	e.App.Close()
	mqtt := make([]string, n)
	for i := range n {
		c := e.Config
		mqtt[i] = vigiltest.FreeAddr(b)
		c.DataDir, c.Listen, c.Bus.MQTTListen = b.TempDir(), "127.0.0.1:0", mqtt[i]
		c.Video.RTSPListen, c.Video.WebRTCUDP = "127.0.0.1:0", ""
		node := startNode(b, c)
		b.Cleanup(node.stop)
	}
	db := openDB(b, e.Config.Database)
	stored := func() int {
		var got int
		err := db.Read(b.Context(), func(tx *store.Tx) error {
			return tx.QueryRow(b.Context(), `SELECT COUNT(*) FROM device_events WHERE event_id LIKE 'ev-%'`).Scan(&got)
		})
		if err != nil {
			b.Fatal(err)
		}
		return got
	}

	ctx, stop := context.WithCancel(b.Context())
	var acked atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for i, cred := range creds {
		cam, err := sim.Connect(ctx, sim.Config{URL: "mqtt://" + mqtt[i%n], DeviceID: cred.DeviceID, Secret: cred.Secret, Firmware: "1.0.0"})
		if err != nil {
			b.Fatal(err)
		}
		defer cam.Close()
		for w := range inflight {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for k := 0; ctx.Err() == nil; k++ {
					id := fmt.Sprintf("ev-%d-%d-%d", i, w, k)
					if cam.Publish(ctx, "event", map[string]any{"id": id, "kind": "error", "code": "E1"}) == nil {
						acked.Add(1)
					}
				}
			}()
		}
	}
	time.Sleep(window)
	stop()
	wg.Wait()
	sent := time.Since(start)
	want := int(acked.Load())
	for deadline := time.Now().Add(2 * time.Minute); stored() < want; {
		if time.Now().After(deadline) {
			b.Fatalf("%d of %d acknowledged events stored after 2 minutes", stored(), want)
		}
		time.Sleep(100 * time.Millisecond)
	}
	all := time.Since(start)
	b.ReportMetric(float64(want)/sent.Seconds(), "acked/s")
	b.ReportMetric(float64(want)/all.Seconds(), "stored/s")
	b.ReportMetric(0, "ns/op")
}
