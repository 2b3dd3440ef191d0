package httpapi

import (
	"net/http"
	"strconv"

	"github.com/vigil-cloud/vigil/internal/access"
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
	// The stream ends with the session, and when the watcher no longer
	// has a role in the account.
	return streamEvents(w, r, "watching grant uses", uses, func(u privacy.GrantUse) sseEvent {
		return sseEvent{Name: "use", ID: strconv.FormatInt(u.Seq, 10), Data: u}
	}, s.stillSignedIn(r, func(p access.Principal) bool { return p.MemberOf(id) }))
}

// Grant requests: support asks an account for a grant on a ticket; the
// account's owner or an admin approves it (possibly narrower or shorter)
// or declines it.

func (s *Server) requestGrant(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	var in privacy.GrantRequestInput
	id, err := pathIDAndBody(w, r, "accountID", &in)
	if err != nil {
		return err
	}
	g, err := s.Privacy.RequestGrant(r.Context(), a.Principal, id, in)
	return reply(w, http.StatusCreated, g, err)
}

func (s *Server) myGrantRequests(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	rs, err := s.Privacy.MyGrantRequests(r.Context(), a.Principal)
	return reply(w, http.StatusOK, map[string]any{"requests": rs}, err)
}

func (s *Server) listGrantRequests(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	id, err := pathID(r, "accountID")
	if err != nil {
		return err
	}
	rs, err := s.Privacy.GrantRequests(r.Context(), a.Principal, id)
	return reply(w, http.StatusOK, map[string]any{"requests": rs}, err)
}

func (s *Server) approveGrantRequest(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	ids, err := mustPathIDs(r, "accountID", "requestID")
	if err != nil {
		return err
	}
	var in privacy.GrantApproval // an empty body approves what was asked
	if r.ContentLength != 0 {
		if err := decode(w, r, &in); err != nil {
			return err
		}
	}
	g, err := s.Privacy.ApproveGrantRequest(r.Context(), a.Principal, ids[0], ids[1], in)
	return reply(w, http.StatusCreated, g, err)
}

func (s *Server) declineGrantRequest(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	ids, err := mustPathIDs(r, "accountID", "requestID")
	if err != nil {
		return err
	}
	return noContent(w, s.Privacy.DeclineGrantRequest(r.Context(), a.Principal, ids[0], ids[1]))
}
