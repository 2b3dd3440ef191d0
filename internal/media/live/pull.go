package live

import (
	"context"
	"sync"
	"time"

	"github.com/bluenviron/gortsplib/v5"
	"github.com/bluenviron/gortsplib/v5/pkg/base"
	"github.com/bluenviron/gortsplib/v5/pkg/description"
)

// pullers pull RTSP from cameras on a LAN into the hub, one per device
// channel, reconnecting with backoff.
type pullers struct {
	svc     *Service
	mu      sync.Mutex
	running map[Key]*puller
}

type puller struct {
	cancel context.CancelFunc
	done   chan struct{}
}

func newPullers(svc *Service) *pullers { return &pullers{svc: svc, running: map[Key]*puller{}} }

// Pull starts (or restarts with a new URL) pulling rawURL into k, whose
// device was claimed into k's account at claimedAt.
func (s *Service) Pull(k Key, claimedAt time.Time, rawURL string) {
	s.pulls.stop(k)
	ctx, cancel := context.WithCancel(context.Background())
	p := &puller{cancel: cancel, done: make(chan struct{})}
	s.pulls.mu.Lock()
	s.pulls.running[k] = p
	s.pulls.mu.Unlock()
	go func() {
		defer close(p.done)
		s.pulls.run(ctx, k, claimedAt, rawURL)
	}()
}

// StopPull stops pulling k.
func (s *Service) StopPull(k Key) { s.pulls.stop(k) }

func (ps *pullers) stop(k Key) {
	ps.mu.Lock()
	p := ps.running[k]
	delete(ps.running, k)
	ps.mu.Unlock()
	if p != nil {
		p.cancel()
		<-p.done
	}
}

func (ps *pullers) closeAll() {
	ps.mu.Lock()
	keys := make([]Key, 0, len(ps.running))
	for k := range ps.running {
		keys = append(keys, k)
	}
	ps.mu.Unlock()
	for _, k := range keys {
		ps.stop(k)
	}
}

func (ps *pullers) run(ctx context.Context, k Key, claimedAt time.Time, rawURL string) {
	backoff := time.Second
	for ctx.Err() == nil {
		start := time.Now()
		err := ps.once(ctx, k, claimedAt, rawURL)
		if ctx.Err() != nil {
			return
		}
		// The error may quote the URL, which may hold a password: log its
		// kind only.
		ps.svc.opts.Log.Warn("camera pull stopped", "device", k.DeviceID, "channel", k.Channel, "after", time.Since(start).Round(time.Second), "err_type", errType(err))
		ps.svc.metrics.dropped.WithLabelValues("pull").Inc()
		if time.Since(start) > time.Minute {
			backoff = time.Second
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 30*time.Second)
	}
}

func errType(err error) string {
	if err == nil {
		return "closed"
	}
	return "error"
}

func (ps *pullers) once(ctx context.Context, k Key, claimedAt time.Time, rawURL string) error {
	u, err := base.ParseURL(rawURL)
	if err != nil {
		return err
	}
	tcp := gortsplib.ProtocolTCP
	c := &gortsplib.Client{Scheme: u.Scheme, Host: u.Host, Protocol: &tcp, ReadTimeout: 10 * time.Second, WriteTimeout: 10 * time.Second}
	if err := c.Start(); err != nil {
		return err
	}
	defer c.Close()
	stopOnCancel := context.AfterFunc(ctx, c.Close)
	defer stopOnCancel()
	desc, _, err := c.Describe(u)
	if err != nil {
		return err
	}
	in, err := newIngest(desc)
	if err != nil {
		return err
	}
	var medias []*description.Media
	for _, m := range []*description.Media{in.vmedia, in.amedia} {
		if m != nil {
			medias = append(medias, m)
		}
	}
	if err := c.SetupAll(desc.BaseURL, medias); err != nil {
		return err
	}
	st := ps.svc.hub.publish(k, claimedAt, in.video, in.audio, c.Close)
	defer ps.svc.hub.unpublish(st)
	in.feed(c, st)
	if _, err := c.Play(nil); err != nil {
		return err
	}
	return c.Wait()
}
