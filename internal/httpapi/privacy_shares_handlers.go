package httpapi

import (
	"net/http"

	"github.com/vigil-cloud/vigil/internal/account"
	"github.com/vigil-cloud/vigil/internal/device"
	"github.com/vigil-cloud/vigil/internal/privacy"
)

func (s *Server) createShare(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	var in privacy.ShareInput
	id, err := pathIDAndBody(w, r, "accountID", &in)
	if err != nil {
		return err
	}
	sh, err := s.Privacy.CreateShare(r.Context(), a.Principal, id, in)
	return reply(w, http.StatusCreated, sh, err)
}

func (s *Server) listShares(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	id, err := pathID(r, "accountID")
	if err != nil {
		return err
	}
	shs, err := s.Privacy.AccountShares(r.Context(), a.Principal, id)
	return reply(w, http.StatusOK, map[string]any{"shares": shs}, err)
}

func (s *Server) revokeShare(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	ids, err := mustPathIDs(r, "accountID", "shareID")
	if err != nil {
		return err
	}
	return noContent(w, s.Privacy.RevokeShare(r.Context(), a.Principal, ids[0], ids[1]))
}

func (s *Server) acceptShare(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	var in struct {
		Token string `json:"token"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	sh, err := s.Privacy.AcceptShare(r.Context(), a.Principal, in.Token)
	return reply(w, http.StatusOK, sh, err)
}

// sharedCamera is a share made to the caller with the cameras it opens
// now, each read through the gate (so the owner sees the look).
type sharedCamera struct {
	privacy.CameraShare
	Cameras []device.Device `json:"cameras"`
}

// sharedWithMe lists what was shared with the caller, a person or an
// integration: each share, its rights and window, and its cameras.
func (s *Server) sharedWithMe(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	shs, err := s.Privacy.SharedWithMe(r.Context(), a.Principal)
	if err != nil {
		return err
	}
	out := make([]sharedCamera, 0, len(shs))
	for _, sh := range shs {
		sc := sharedCamera{CameraShare: sh, Cameras: []device.Device{}}
		ids, err := s.Privacy.SharedDevices(r.Context(), sh)
		if err != nil {
			return err
		}
		for _, id := range ids {
			d, err := s.Devices.Device(r.Context(), a.Principal, sh.AccountID, id)
			if err == nil {
				sc.Cameras = append(sc.Cameras, d)
			}
		}
		out = append(out, sc)
	}
	return reply(w, http.StatusOK, map[string]any{"shares": out}, nil)
}
