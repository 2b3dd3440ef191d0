package sim

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"
	"github.com/nats-io/nats-server/v2/server"
)

// StartBare runs a plain nats-server with JetStream (synced like the edge)
// and an MQTT listener without authentication, under dir: the broker's
// own ceiling, to compare the edge with in load runs.
func StartBare(dir string) (addr string, stop func(), err error) {
	opts := &server.Options{
		ServerName: "bare", DontListen: true, NoSigs: true, JetStream: true, StoreDir: dir, SyncAlways: true,
		MQTT: server.MQTTOpts{Host: "127.0.0.1", Port: -1},
	}
	s, err := server.NewServer(opts)
	if err != nil {
		return "", nil, err
	}
	s.Start()
	if !s.ReadyForConnections(10 * time.Second) {
		s.Shutdown()
		return "", nil, errors.New("bare broker not ready")
	}
	return fmt.Sprintf("127.0.0.1:%d", opts.MQTT.Port), s.Shutdown, nil
}

// LoadResult is what LoadMQTT measured.
type LoadResult struct {
	Messages int           // QoS 1 messages acknowledged by the broker
	Start    time.Time     // the first publish, once every client connected
	Elapsed  time.Duration // from the first publish to the last PUBACK
	PerSec   float64
}

// LoadMQTT connects clients MQTT clients to addr (host:port) and has each
// publish msgs QoS 1 heartbeats (an empty JSON object) on
// dev/<clientID>/up/heartbeat,
// keeping inflight unacknowledged at a time. creds gives client i its
// client ID, username and password. It is the simulator's and the
// benchmarks' load generator.
func LoadMQTT(ctx context.Context, addr string, clients, inflight, msgs int, creds func(i int) (clientID, user, pass string)) (LoadResult, error) {
	cs := make([]mqtt.Client, clients)
	topics := make([]string, clients)
	defer func() {
		for _, c := range cs {
			if c != nil {
				c.Disconnect(0)
			}
		}
	}()
	for i := range cs {
		id, user, pass := creds(i)
		o := mqtt.NewClientOptions().AddBroker("tcp://" + addr).SetClientID(id).SetUsername(user).SetPassword(pass).
			SetCleanSession(true).SetAutoReconnect(false).SetMaxResumePubInFlight(inflight)
		cs[i] = mqtt.NewClient(o)
		if t := cs[i].Connect(); !t.WaitTimeout(10*time.Second) || t.Error() != nil {
			return LoadResult{}, fmt.Errorf("connect client %d: %v", i, t.Error())
		}
		topics[i] = "dev/" + id + "/up/heartbeat"
	}
	payload := []byte("{}")
	var acked atomic.Int64
	var firstErr error
	var errOnce sync.Once
	var wg sync.WaitGroup
	start := time.Now()
	for i, c := range cs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem := make(chan struct{}, inflight)
			var inner sync.WaitGroup
			for n := 0; n < msgs && ctx.Err() == nil; n++ {
				sem <- struct{}{}
				tok := c.Publish(topics[i], 1, false, payload)
				inner.Add(1)
				go func() {
					defer inner.Done()
					defer func() { <-sem }()
					if !tok.WaitTimeout(30*time.Second) || tok.Error() != nil {
						errOnce.Do(func() { firstErr = fmt.Errorf("publish: %v", tok.Error()) })
						return
					}
					acked.Add(1)
				}()
			}
			inner.Wait()
		}()
	}
	wg.Wait()
	r := LoadResult{Messages: int(acked.Load()), Start: start, Elapsed: time.Since(start)}
	r.PerSec = float64(r.Messages) / r.Elapsed.Seconds()
	if firstErr == nil && r.Messages != clients*msgs {
		firstErr = errors.New("not all messages acknowledged")
	}
	return r, firstErr
}
