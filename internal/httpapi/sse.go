package httpapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
)

// sseEvent is one server-sent event: its name, its ID and what goes in its
// data line as JSON.
type sseEvent struct {
	Name, ID string
	Data     any
}

// recheckEvery is how often an open stream checks that the credential it
// was opened with still signs in.
const recheckEvery = 2 * time.Second

// streamEvents answers with a stream of server-sent events: hello as the
// opening comment, then each event of events, until the client leaves,
// events closes, or live reports that the session (or API token) the
// stream was opened with has ended, been ended, or no longer has its
// right to the stream. Keep-alive comments stop proxies from closing an
// idle stream; they, and the cadence of the checks, are transport, not
// decisions, so they run on the wall clock (the checks themselves judge
// expiry by vigil's clock).
func streamEvents[T any](w http.ResponseWriter, r *http.Request, hello string, events <-chan T, event func(T) sseEvent, live func() bool) error {
	rc := http.NewResponseController(w)
	rc.SetWriteDeadline(time.Time{}) //nolint:errcheck // a stream outlives the server's write timeout
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	fmt.Fprintf(w, ": %s\n\n", hello)
	if err := rc.Flush(); err != nil {
		return nil
	}
	alive := time.NewTicker(25 * time.Second)
	defer alive.Stop()
	recheck := time.NewTicker(recheckEvery)
	defer recheck.Stop()
	for {
		select {
		case <-r.Context().Done():
			return nil
		case <-recheck.C:
			if !live() {
				fmt.Fprint(w, "event: end\ndata: {\"reason\":\"signed out\"}\n\n")
				rc.Flush() //nolint:errcheck // the stream ends either way
				return nil
			}
			continue
		case <-alive.C:
			fmt.Fprint(w, ": keep-alive\n\n")
		case v, ok := <-events:
			if !ok {
				return nil
			}
			e := event(v)
			b, _ := json.Marshal(e.Data)
			fmt.Fprintf(w, "event: %s\nid: %s\ndata: %s\n\n", e.Name, e.ID, b)
		}
		if err := rc.Flush(); err != nil {
			return nil
		}
	}
}

// stillSignedIn returns what a stream asks as it goes: whether the session
// cookie or bearer token of r still signs in, and allowed(principal) still
// holds for who it signs in now.
func (s *Server) stillSignedIn(r *http.Request, allowed func(access.Principal) bool) func() bool {
	token := bearer(r)
	if token == "" {
		if c, err := r.Cookie(s.cookieName()); err == nil {
			token = c.Value
		}
	}
	ip, ua := clientIP(r), r.UserAgent()
	return func() bool {
		a, err := s.Accounts.Authenticate(r.Context(), token, ip, ua)
		return err == nil && !a.PendingMFA && (allowed == nil || allowed(a.Principal))
	}
}
