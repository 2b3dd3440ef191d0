package httpapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/vigil-cloud/vigil/internal/account"
	"github.com/vigil-cloud/vigil/internal/privacy"
)

func (s *Server) listGrants(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	id, err := pathID(r, "accountID")
	if err != nil {
		return err
	}
	gs, err := s.Privacy.Grants(r.Context(), a.Principal, id)
	return reply(w, http.StatusOK, map[string]any{"grants": gs}, err)
}

func (s *Server) createGrant(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	var in privacy.GrantInput
	id, err := pathIDAndBody(w, r, "accountID", &in)
	if err != nil {
		return err
	}
	g, err := s.Privacy.CreateGrant(r.Context(), a.Principal, id, in)
	return reply(w, http.StatusCreated, g, err)
}

func (s *Server) revokeGrant(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	ids, err := mustPathIDs(r, "accountID", "grantID")
	if err != nil {
		return err
	}
	return noContent(w, s.Privacy.RevokeGrant(r.Context(), a.Principal, ids[0], ids[1]))
}

func (s *Server) staffGrants(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	gs, err := s.Privacy.MyGrants(r.Context(), a.Principal)
	return reply(w, http.StatusOK, map[string]any{"grants": gs}, err)
}

// streamGrantUses shows the account's owners each use of their grants as it
// happens, as server-sent events; Grants lists them all afterwards.
func (s *Server) streamGrantUses(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	id, err := pathID(r, "accountID")
	if err != nil {
		return err
	}
	uses, stop, err := s.Privacy.WatchGrantUses(r.Context(), a.Principal, id)
	if err != nil {
		return err
	}
	defer stop()
	rc := http.NewResponseController(w)
	rc.SetWriteDeadline(time.Time{}) //nolint:errcheck // a stream outlives the server's write timeout
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, ": watching grant uses\n\n")
	if err := rc.Flush(); err != nil {
		return nil
	}
	// Keep-alive comments stop proxies from closing an idle stream; this
	// is transport, not a decision, so it runs on the wall clock.
	alive := time.NewTicker(25 * time.Second)
	defer alive.Stop()
	for {
		select {
		case <-r.Context().Done():
			return nil
		case <-alive.C:
			fmt.Fprint(w, ": keep-alive\n\n")
		case u := <-uses:
			b, _ := json.Marshal(u)
			fmt.Fprintf(w, "event: use\nid: %d\ndata: %s\n\n", u.Seq, b)
		}
		if err := rc.Flush(); err != nil {
			return nil
		}
	}
}
