package bus

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"
)

// LoadResult is what LoadMQTT measured.
type LoadResult struct {
	Messages int           // QoS 1 messages acknowledged by the broker
	Elapsed  time.Duration // from the first publish to the last PUBACK
	PerSec   float64
}

// LoadMQTT connects clients MQTT clients to addr (host:port) and has each
// publish msgs QoS 1 messages of 64 bytes on dev/<clientID>/up/load,
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
		topics[i] = "dev/" + id + "/up/load"
	}
	payload := make([]byte, 64)
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
	r := LoadResult{Messages: int(acked.Load()), Elapsed: time.Since(start)}
	r.PerSec = float64(r.Messages) / r.Elapsed.Seconds()
	if firstErr == nil && r.Messages != clients*msgs {
		firstErr = errors.New("not all messages acknowledged")
	}
	return r, firstErr
}
