package app

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/vigil-cloud/vigil/internal/bus"
	"github.com/vigil-cloud/vigil/internal/device"
	"github.com/vigil-cloud/vigil/internal/httpapi"
	"github.com/vigil-cloud/vigil/internal/media"
	"github.com/vigil-cloud/vigil/internal/media/live"
	"github.com/vigil-cloud/vigil/internal/store"
)

// livePublishers lets the RTSP server check device credentials.
type livePublishers struct{ a *App }

func (l livePublishers) AuthenticatePublisher(ctx context.Context, deviceID, secret string) (live.Publisher, error) {
	id, err := l.a.Devices.Authenticate(ctx, deviceID, secret)
	if err != nil {
		return live.Publisher{}, err
	}
	p := live.Publisher{AccountID: id.AccountID, DeviceID: id.DeviceID, ClaimedAt: id.ClaimedAt}
	if id.Kind == device.NVR {
		p.Channels = id.Channels
	}
	return p, nil
}

// openLive starts the live video path: devices publish RTSP(S), viewers
// watch LL-HLS and WebRTC with stream tokens. sink takes the segments (the
// recorder); nil records nothing.
func (a *App) openLive(sink media.Sink) error {
	tlsConf, err := a.tlsConfig()
	if err != nil {
		return err
	}
	v := a.Config.Video
	a.Live = live.New(live.Options{
		RTSPListen:     v.RTSPListen,
		TLS:            tlsConf,
		SegmentTarget:  v.SegmentTarget,
		Sink:           sink,
		Auth:           livePublishers{a},
		Tokens:         a.StreamTokens,
		ViewerIdle:     v.ViewerIdle,
		WebRTCUDP:      v.WebRTCUDP,
		WebRTCPublicIP: v.WebRTCPublicIP,
		Locator:        a.liveLocator(),
		Clock:          a.Clock,
		Log:            a.Log,
		Metrics:        a.Metrics,
	})
	if err := a.Live.Start(); err != nil {
		a.Live = nil
		return fmt.Errorf("live video: %w", err)
	}
	if err := a.Bus.ServeLocate(a.nodeURL(), func(key string) bool {
		k, ok := parseStreamKey(key)
		return ok && a.Live.Holds(k)
	}); err != nil {
		return fmt.Errorf("live video: answer where streams are: %w", err)
	}
	pulls := live.NewSources(a.Live, store.NewLivePullStore(a.DB), a.Keys, a.Gate, a.Clock)
	// A released device is no longer the account's to pull and record;
	// its stored addresses go too (even where pulling is off now).
	a.Devices.OnRelease(func(ctx context.Context, accountID, deviceID string) {
		if err := pulls.Released(ctx, accountID, deviceID); err != nil {
			a.Log.Warn("camera pull of a released device not stopped", "device", deviceID, "err", err)
		}
	})
	if v.PullEnabled {
		a.LiveSources = pulls
		if err := a.LiveSources.Start(context.Background()); err != nil {
			return fmt.Errorf("camera pulls: %w", err)
		}
	}
	return nil
}

// stopPull stops pulling a channel whose stream address the privacy centre
// erased or purged; offline nothing pulls.
func (a *App) stopPull(k live.Key) {
	if a.Live != nil {
		a.Live.StopPull(k)
	}
}

// RTSPURL is what devices are told to publish to.
func (a *App) RTSPURL() string {
	if u := a.Config.Video.RTSPPublicURL; u != "" || a.Live == nil {
		return u
	}
	scheme := "rtsp"
	if a.Config.TLS.Enabled() {
		scheme = "rtsps"
	}
	return scheme + "://" + a.Live.RTSPAddr().String()
}

func (a *App) closeLive() {
	if a.Live != nil {
		a.Live.Close()
		a.Live = nil
	}
}

// liveAPI is what the API needs of the live video path; nil offline.
func liveAPI(a *App) *httpapi.Live {
	if a.Live == nil {
		return nil
	}
	return &httpapi.Live{Service: a.Live, Tokens: a.StreamTokens, TokenTTL: a.Config.Video.TokenTTL, Sources: a.LiveSources}
}

// Any node serves any viewer: a node asked for a stream published to
// another finds it over the external bus and relays the request there.

// liveLocator is the bus's Locate for the live service; nil alone.
func (a *App) liveLocator() live.Locator {
	if a.Config.Bus.URL == "" {
		return nil
	}
	return busLocator{a.Bus}
}

type busLocator struct{ b *bus.Bus }

func (l busLocator) Locate(ctx context.Context, k live.Key) (string, bool) {
	return l.b.Locate(ctx, streamKey(k))
}

// streamKey and parseStreamKey name a stream on the bus.
func streamKey(k live.Key) string {
	return k.AccountID + "/" + k.DeviceID + "/" + strconv.Itoa(k.Channel)
}

func parseStreamKey(s string) (live.Key, bool) {
	parts := strings.Split(s, "/")
	if len(parts) != 3 {
		return live.Key{}, false
	}
	ch, err := strconv.Atoi(parts[2])
	if err != nil {
		return live.Key{}, false
	}
	return live.Key{AccountID: parts[0], DeviceID: parts[1], Channel: ch}, true
}

// nodeURL is where other nodes reach this node's HTTP listener.
func (a *App) nodeURL() string {
	if a.Config.NodeURL != "" {
		return a.Config.NodeURL
	}
	scheme := "http"
	if a.Config.TLS.Enabled() {
		scheme = "https"
	}
	return scheme + "://" + a.Config.Listen
}
