package httpapi

import (
	"io"
	"net/http"

	"github.com/vigil-cloud/vigil/internal/account"
	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/vuln"
)

// followUpHeader carries a report's follow-up code (never in the URL,
// which proxies and browsers keep).
const followUpHeader = "X-Follow-Up-Code"

// securityTxt serves /.well-known/security.txt (RFC 9116).
func (s *Server) securityTxt(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "max-age=3600")
	_, err := io.WriteString(w, s.Vuln.SecurityTxt())
	return err
}

func (s *Server) submitVulnReport(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	var in vuln.Submission
	if err := decodeLimit(w, r, &in, s.Vuln.MaxBody()); err != nil {
		return err
	}
	rc, err := s.Vuln.Submit(r.Context(), a.Principal, in)
	if errs.Is(err, errs.RateLimited) {
		w.Header().Set("Retry-After", "3600")
	}
	return reply(w, http.StatusCreated, rc, err)
}

func (s *Server) followVulnReport(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	id, err := pathID(r, "reportID")
	if err != nil {
		return err
	}
	p, err := s.Vuln.Follow(r.Context(), a.Principal, id, r.Header.Get(followUpHeader))
	return reply(w, http.StatusOK, p, err)
}

func (s *Server) publicAdvisories(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	q := r.URL.Query()
	as, err := s.Vuln.Published(r.Context(), vuln.Filter{Model: q.Get("model"), Firmware: q.Get("firmware"), Release: q.Get("release")})
	return reply(w, http.StatusOK, map[string]any{"advisories": as}, err)
}

func (s *Server) publicAdvisory(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	adv, err := s.Vuln.PublishedOne(r.Context(), r.PathValue("slug"))
	return reply(w, http.StatusOK, adv, err)
}

func (s *Server) publicFirmwareRelease(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	id, err := pathID(r, "releaseID")
	if err != nil {
		return err
	}
	rel, err := s.Vuln.FirmwareRelease(r.Context(), id)
	return reply(w, http.StatusOK, rel, err)
}

func (s *Server) vulnQueue(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	rs, err := s.Vuln.Queue(r.Context(), a.Principal)
	return reply(w, http.StatusOK, map[string]any{"reports": rs}, err)
}

func (s *Server) vulnReport(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	id, err := pathID(r, "reportID")
	if err != nil {
		return err
	}
	rep, err := s.Vuln.Report(r.Context(), a.Principal, id)
	return reply(w, http.StatusOK, rep, err)
}

func (s *Server) vulnAttachment(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	ids, err := mustPathIDs(r, "reportID", "attachmentID")
	if err != nil {
		return err
	}
	att, rc, err := s.Vuln.Attachment(r.Context(), a.Principal, ids[0], ids[1])
	if err != nil {
		return err
	}
	defer rc.Close()
	// Served as a download, never rendered by the console's origin.
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", "attachment")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Vigil-Content-Type", att.ContentType)
	io.Copy(w, rc) //nolint:errcheck // the status is sent; a broken copy shows as a short file
	return nil
}

func (s *Server) triageVulnReport(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	var in vuln.Triage
	id, err := pathID(r, "reportID")
	if err != nil {
		return err
	}
	if err := decodeLimit(w, r, &in, 256<<10); err != nil {
		return err
	}
	rep, err := s.Vuln.Decide(r.Context(), a.Principal, id, in)
	return reply(w, http.StatusOK, rep, err)
}

func (s *Server) staffAdvisories(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	as, err := s.Vuln.StaffAdvisories(r.Context(), a.Principal)
	return reply(w, http.StatusOK, map[string]any{"advisories": as}, err)
}

func (s *Server) draftAdvisory(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	var in vuln.AdvisoryInput
	if err := decodeLimit(w, r, &in, 256<<10); err != nil {
		return err
	}
	adv, err := s.Vuln.Draft(r.Context(), a.Principal, "", in, "")
	return reply(w, http.StatusCreated, adv, err)
}

func (s *Server) updateAdvisory(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	var in vuln.AdvisoryInput
	id, err := pathID(r, "advisoryID")
	if err != nil {
		return err
	}
	if err := decodeLimit(w, r, &in, 256<<10); err != nil {
		return err
	}
	adv, err := s.Vuln.Draft(r.Context(), a.Principal, id, in, "")
	return reply(w, http.StatusOK, adv, err)
}

func (s *Server) publishAdvisory(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	id, err := pathID(r, "advisoryID")
	if err != nil {
		return err
	}
	adv, err := s.Vuln.Publish(r.Context(), a.Principal, id)
	if errs.Is(err, errs.NotFound) {
		return errs.E(errs.NotFound, "advisory not found")
	}
	return reply(w, http.StatusOK, adv, err)
}
