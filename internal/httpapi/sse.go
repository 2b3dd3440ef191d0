package httpapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// sseEvent is one server-sent event: its name, its ID and what goes in its
// data line as JSON.
type sseEvent struct {
	Name, ID string
	Data     any
}

// streamEvents answers with a stream of server-sent events: hello as the
// opening comment, then each event of events, until the client leaves or
// events closes. Keep-alive comments stop proxies from closing an idle
// stream; they are transport, not decisions, so they run on the wall clock.
func streamEvents[T any](w http.ResponseWriter, r *http.Request, hello string, events <-chan T, event func(T) sseEvent) error {
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
	for {
		select {
		case <-r.Context().Done():
			return nil
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
