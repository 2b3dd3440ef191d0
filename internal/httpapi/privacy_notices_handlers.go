package httpapi

import (
	"net/http"
	"regexp"
	"strings"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/account"
	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/privacy"
)

// noticeExempt lists what a person may still do while an updated privacy
// statement awaits their acceptance: sign in and out, read and accept it,
// everything about themselves (their rights: access, correction, consent,
// the ledger, security of their sign-in), and, in an account, see and
// withdraw what was entrusted or shared and read the access log.
// Data-subject request routes belong here too.
func noticeExempt(path string) bool {
	if path == "/api/v1/me" {
		return true
	}
	for _, prefix := range []string{"/api/v1/auth/", "/api/v1/me/", "/api/v1/notices", "/api/v1/processors"} {
		if strings.HasPrefix(path, prefix) {
			return true
		}
	}
	for _, part := range []string{"/grants", "/disclosures", "/shares", "/access-log", "/requests"} {
		if strings.Contains(path, part) {
			return true
		}
	}
	return false
}

// requireNotices stops a signed-in customer from using features while a
// material change of the privacy statement awaits their acceptance.
func (s *Server) requireNotices(r *http.Request, rt route, a *account.Auth) error {
	if a.Principal.Kind != access.KindUser || a.PendingMFA || noticeExempt(rt.path) {
		return nil
	}
	return s.Privacy.RequireCurrent(r.Context(), a.Principal.ID, privacy.PrivacyStatement)
}

// method says how a person acted: through the web app (a session cookie)
// or the API (a token).
func method(r *http.Request, a *account.Auth) string {
	if a.Token != "" && bearer(r) == "" {
		return privacy.MethodWeb
	}
	return privacy.MethodAPI
}

func (s *Server) publishedNotices(w http.ResponseWriter, r *http.Request, _ *account.Auth) error {
	ns, err := s.Privacy.PublishedNotices(r.Context())
	return reply(w, http.StatusOK, map[string]any{"notices": ns}, err)
}

func (s *Server) getNotice(w http.ResponseWriter, r *http.Request, _ *account.Auth) error {
	id, err := pathID(r, "noticeID")
	if err != nil {
		return err
	}
	n, err := s.Privacy.NoticeByID(r.Context(), id)
	return reply(w, http.StatusOK, n, err)
}

func (s *Server) publishNotice(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	var in privacy.NoticeInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	n, err := s.Privacy.Publish(r.Context(), a.Principal, in, account.Regions)
	return reply(w, http.StatusCreated, n, err)
}

func (s *Server) myNotices(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	ns, err := s.Privacy.MyNotices(r.Context(), a.Principal)
	return reply(w, http.StatusOK, map[string]any{"notices": ns}, err)
}

func (s *Server) acceptNotice(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	var in struct {
		TextHash string `json:"text_hash"`
	}
	id, err := pathID(r, "noticeID")
	if err != nil {
		return err
	}
	if r.ContentLength != 0 { // the hash is optional, and so is the body
		if err := decode(w, r, &in); err != nil {
			return err
		}
	}
	acc, err := s.Privacy.Accept(r.Context(), a.Principal, id, in.TextHash, method(r, a))
	return reply(w, http.StatusCreated, acc, err)
}

func (s *Server) myAcceptances(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	as, err := s.Privacy.Acceptances(r.Context(), a.Principal, a.Principal.ID)
	return reply(w, http.StatusOK, map[string]any{"acceptances": as}, err)
}

func (s *Server) myConsents(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	cs, err := s.Privacy.Consents(r.Context(), a.Principal, a.Principal.ID)
	return reply(w, http.StatusOK, map[string]any{"purposes": privacy.Purposes(), "consents": cs}, err)
}

var purposePattern = regexp.MustCompile(`^[a-z_]{1,40}$`)

func pathPurpose(r *http.Request) (string, error) {
	p := r.PathValue("purpose")
	if !purposePattern.MatchString(p) {
		return "", errs.E(errs.Invalid, "purpose is not valid")
	}
	return p, nil
}

func (s *Server) giveConsent(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	p, err := pathPurpose(r)
	if err != nil {
		return err
	}
	c, err := s.Privacy.GiveConsent(r.Context(), a.Principal, p, method(r, a))
	return reply(w, http.StatusCreated, c, err)
}

func (s *Server) withdrawConsent(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	p, err := pathPurpose(r)
	if err != nil {
		return err
	}
	return noContent(w, s.Privacy.WithdrawConsent(r.Context(), a.Principal, p))
}

// acceptanceCounts is how many people accepted each notice version.
func (s *Server) acceptanceCounts(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	c, err := s.Privacy.AcceptanceCounts(r.Context(), a.Principal)
	return reply(w, http.StatusOK, map[string]any{"accepted": c}, err)
}
