package httpapi

import (
	"encoding/json"
	"net/http"

	"github.com/vigil-cloud/vigil/internal/account"
)

// Staff second factors: passkeys and security keys (WebAuthn), beside the
// authenticator-app routes under /me/mfa/totp. The ceremony's challenge is
// kept on the server, sealed, and answered once.

type keyResponse struct {
	// Credential is the browser's PublicKeyCredential, as JSON
	// (credential.toJSON()).
	Credential json.RawMessage `json:"credential"`
}

// staffFactors lists the caller's enrolled factors and the operator's
// policy for their role.
func (s *Server) staffFactors(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	f, err := s.Accounts.Factors(r.Context(), *a)
	return reply(w, http.StatusOK, f, err)
}

// beginKeyRegistration returns the options for navigator.credentials.create.
func (s *Server) beginKeyRegistration(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	var in struct {
		Code string `json:"code,omitempty"` // the authenticator app's, when moving from it to a key
	}
	if r.ContentLength != 0 {
		if err := decode(w, r, &in); err != nil {
			return err
		}
	}
	opts, err := s.Accounts.BeginKeyRegistration(r.Context(), *a, in.Code)
	return reply(w, http.StatusOK, opts, err)
}

// finishKeyRegistration stores the new key; on a first sign-in it opens
// the full session.
func (s *Server) finishKeyRegistration(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	var in keyResponse
	if err := decode(w, r, &in); err != nil {
		return err
	}
	sess, err := s.Accounts.FinishKeyRegistration(r.Context(), *a, in.Credential)
	if err != nil {
		return err
	}
	if sess != nil {
		return s.signedIn(w, *sess)
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "security key added"})
	return nil
}

// beginKeySignIn returns the options for navigator.credentials.get.
func (s *Server) beginKeySignIn(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	opts, err := s.Accounts.BeginKeySignIn(r.Context(), *a)
	return reply(w, http.StatusOK, opts, err)
}

// finishKeySignIn checks the key's signature and opens the full session.
func (s *Server) finishKeySignIn(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	var in keyResponse
	if err := decode(w, r, &in); err != nil {
		return err
	}
	sess, err := s.Accounts.FinishKeySignIn(r.Context(), *a, in.Credential)
	if err != nil {
		return err
	}
	return s.signedIn(w, sess)
}
