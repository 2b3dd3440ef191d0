package live

import (
	"context"
	"net/http"
	"net/http/httputil"
	"net/url"
)

// Locator finds the vigil node that holds a stream, so that a viewer who
// reached another node is served all the same (the device bus asks every
// node; see bus.Locate).
type Locator interface {
	// Locate returns the base URL other nodes reach the holder's HTTP
	// listener at, or false when no node holds k.
	Locate(ctx context.Context, k Key) (nodeURL string, ok bool)
}

// relayedHeader marks a viewer request another node relayed here: this
// node answers it itself, so a request never goes round in circles.
const relayedHeader = "X-Vigil-Relayed"

// Holds reports whether k's stream is published to this node.
func (s *Service) Holds(k Key) bool { return s.hub.Stream(k) != nil }

// Streaming reports whether k's stream is published to any node: this one,
// or one the locator finds.
func (s *Service) Streaming(ctx context.Context, k Key) bool {
	if s.Holds(k) {
		return true
	}
	if s.opts.Locator == nil {
		return false
	}
	_, ok := s.opts.Locator.Locate(ctx, k)
	return ok
}

// relay hands a viewer's request for a stream this node does not hold to
// the node that does, and its answer back: playlists, parts and WHEP
// signalling pass through this node, WebRTC media flows from the holder's
// UDP port. The holder checks the token again. It reports false when the
// request is not relayed (held here, already relayed, or held nowhere).
func (s *Service) relay(w http.ResponseWriter, r *http.Request, k Key) bool {
	if s.opts.Locator == nil || r.Header.Get(relayedHeader) != "" || s.Holds(k) {
		return false
	}
	raw, ok := s.opts.Locator.Locate(r.Context(), k)
	if !ok {
		return false
	}
	target, err := url.Parse(raw)
	if err != nil || target.Host == "" {
		s.opts.Log.Warn("live: holder of a stream gave an unusable URL")
		return false
	}
	s.metrics.relayed.Inc()
	proxy := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(target)
			pr.Out.Header.Set(relayedHeader, "1")
		},
		ErrorHandler: func(w http.ResponseWriter, _ *http.Request, err error) {
			s.opts.Log.Warn("live: relay to the node holding the stream", "err", err)
			http.Error(w, `{"error":"unavailable","message":"the node holding this camera's stream did not answer"}`, http.StatusBadGateway)
		},
	}
	proxy.ServeHTTP(w, r)
	return true
}
