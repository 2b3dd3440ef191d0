package httpapi

import (
	"net/http"

	"github.com/vigil-cloud/vigil/internal/account"
	"github.com/vigil-cloud/vigil/internal/face"
	"github.com/vigil-cloud/vigil/internal/privacy"
)

// Find footage of me: a filmed person's selfie search, the officer's run
// and forwarding, the camera owner's decision.

// maxFindMeBody bounds the selfie (2 MiB) base64 in JSON.
const maxFindMeBody = 3 << 20

func (s *Server) footageConsent(w http.ResponseWriter, _ *http.Request, _ *account.Auth) error {
	return reply(w, http.StatusOK, map[string]string{"text": privacy.FootageConsentText, "consent_hash": privacy.FootageConsentHash}, nil)
}

func (s *Server) askFootageSearch(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	id, err := pathID(r, "requestID")
	if err != nil {
		return err
	}
	var in privacy.FindMe
	if err := decodeLimit(w, r, &in, maxFindMeBody); err != nil {
		return err
	}
	return noContent(w, s.Requests.AskFootageSearch(r.Context(), a.Principal, id, r.Header.Get(requestTokenHeader), in))
}

func (s *Server) footageSearch(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	id, err := pathID(r, "requestID")
	if err != nil {
		return err
	}
	fs, err := s.Requests.FootageSearchOf(r.Context(), a.Principal, id)
	return reply(w, http.StatusOK, fs, err)
}

func (s *Server) runFootageSearch(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	id, err := pathID(r, "requestID")
	if err != nil {
		return err
	}
	fs, err := s.Requests.RunFootageSearch(r.Context(), a.Principal, id)
	return reply(w, http.StatusOK, fs, err)
}

func (s *Server) forwardFootage(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	id, err := pathID(r, "requestID")
	if err != nil {
		return err
	}
	var in struct {
		HitIDs []string `json:"hit_ids"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	fs, err := s.Requests.ForwardFootage(r.Context(), a.Principal, id, in.HitIDs)
	return reply(w, http.StatusOK, fs, err)
}

func (s *Server) footageAsks(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	acct, err := pathID(r, "accountID")
	if err != nil {
		return err
	}
	asks, err := s.Face.FootageAsks(r.Context(), a.Principal, acct)
	return reply(w, http.StatusOK, map[string]any{"requests": asks}, err)
}

func (s *Server) decideFootage(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	ids, err := mustPathIDs(r, "accountID", "hitID")
	if err != nil {
		return err
	}
	var in face.FootageDecision
	if err := decode(w, r, &in); err != nil {
		return err
	}
	return noContent(w, s.Face.DecideFootage(r.Context(), a.Principal, ids[0], ids[1], in))
}
