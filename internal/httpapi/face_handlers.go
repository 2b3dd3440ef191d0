package httpapi

import (
	"net/http"
	"strconv"

	"github.com/vigil-cloud/vigil/internal/account"
	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/face"
)

// maxEnrolBody bounds an enrolment: up to face.MaxPhotos photos of 2 MiB
// and a 1 MiB evidence document, base64 in JSON.
const maxEnrolBody = 20 << 20

func accountAndSite(r *http.Request) (string, string, error) {
	ids, err := mustPathIDs(r, "accountID", "siteID")
	if err != nil {
		return "", "", err
	}
	return ids[0], ids[1], nil
}

// faceStatus says whether face recognition runs at a site, and why not
// (the web app shows notice).
func (s *Server) faceStatus(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	acct, site, err := accountAndSite(r)
	if err != nil {
		return err
	}
	st, err := s.Face.SiteStatus(r.Context(), a.Principal, acct, site)
	return reply(w, http.StatusOK, st, err)
}

func (s *Server) enableFace(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	acct, site, err := accountAndSite(r)
	if err != nil {
		return err
	}
	var in struct {
		LawfulBasis string `json:"lawful_basis"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	st, err := s.Face.EnableSite(r.Context(), a.Principal, acct, site, in.LawfulBasis)
	return reply(w, http.StatusCreated, st, err)
}

func (s *Server) disableFace(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	acct, site, err := accountAndSite(r)
	if err != nil {
		return err
	}
	return noContent(w, s.Face.DisableSite(r.Context(), a.Principal, acct, site))
}

func (s *Server) enrolFace(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	acct, site, err := accountAndSite(r)
	if err != nil {
		return err
	}
	var in face.EnrolInput
	if err := decodeLimit(w, r, &in, maxEnrolBody); err != nil {
		return err
	}
	p, err := s.Face.Enrol(r.Context(), a.Principal, acct, site, in)
	return reply(w, http.StatusCreated, p, err)
}

func (s *Server) facePeople(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	acct, site, err := accountAndSite(r)
	if err != nil {
		return err
	}
	ps, err := s.Face.People(r.Context(), a.Principal, acct, site)
	return reply(w, http.StatusOK, map[string]any{"people": ps}, err)
}

// removeFacePerson deletes an enrolled person: their consent was withdrawn
// or the customer deletes them; either way their key is destroyed.
func (s *Server) removeFacePerson(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	ids, err := mustPathIDs(r, "accountID", "personID")
	if err != nil {
		return err
	}
	return noContent(w, s.Face.Remove(r.Context(), a.Principal, ids[0], ids[1]))
}

func (s *Server) faceMatches(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	acct, err := pathID(r, "accountID")
	if err != nil {
		return err
	}
	limit := 50
	if v := r.URL.Query().Get("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 || limit > 200 {
			return errs.E(errs.Invalid, "limit must be 1 to 200")
		}
	}
	ms, err := s.Face.Matches(r.Context(), a.Principal, acct, limit)
	return reply(w, http.StatusOK, map[string]any{"matches": ms}, err)
}

// uploadFace is the face uplink: a camera sends a snapshot or a crop of a
// face, authenticated by HTTP Basic with its device ID and secret.
func (s *Server) uploadFace(w http.ResponseWriter, r *http.Request, _ *account.Auth) error {
	deviceID, err := pathID(r, "deviceID")
	if err != nil {
		return err
	}
	user, secret, ok := r.BasicAuth()
	if !ok {
		w.Header().Set("WWW-Authenticate", `Basic realm="vigil devices"`)
		return errs.E(errs.Unauthenticated, "sign in with the device credential (HTTP Basic)")
	}
	if ct := r.Header.Get("Content-Type"); ct != "" && ct != "image/jpeg" {
		return errs.E(errs.Invalid, "a picture must be sent as image/jpeg")
	}
	kind := r.URL.Query().Get("kind")
	if kind == "" {
		kind = face.KindSnapshot
	}
	res, err := s.Face.Upload(r.Context(), user, secret, deviceID, r.PathValue("eventID"), kind, r.Body)
	return reply(w, http.StatusOK, res, err)
}

func (s *Server) faceRegion(w http.ResponseWriter, r *http.Request, _ *account.Auth) error {
	region := r.PathValue("region")
	st, err := s.Face.RegionStopOf(r.Context(), region)
	if errs.Is(err, errs.NotFound) {
		return reply(w, http.StatusOK, map[string]any{"region": region, "stopped": false}, nil)
	}
	return reply(w, http.StatusOK, map[string]any{"region": region, "stopped": true, "stop": st}, err)
}

func (s *Server) stopFaceRegion(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	var in face.StopInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	st, err := s.Face.StopRegion(r.Context(), a.Principal, r.PathValue("region"), account.Regions, in)
	return reply(w, http.StatusCreated, st, err)
}

func (s *Server) resumeFaceRegion(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	return noContent(w, s.Face.ResumeRegion(r.Context(), a.Principal, r.PathValue("region")))
}
