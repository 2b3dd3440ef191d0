package httpapi

import (
	"bytes"
	"fmt"
	"io"
	"mime"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/vigil-cloud/vigil/internal/account"
	"github.com/vigil-cloud/vigil/internal/device"
	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/id"
)

// accountAndDevice reads the account and device identifiers of a path.
func accountAndDevice(r *http.Request) (accountID, deviceID string, err error) {
	ids, err := mustPathIDs(r, "accountID", "deviceID")
	if err != nil {
		return "", "", err
	}
	return ids[0], ids[1], nil
}

func (s *Server) claimDevice(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	var in device.ClaimInput
	accountID, err := pathIDAndBody(w, r, "accountID", &in)
	if err != nil {
		return err
	}
	d, cred, err := s.Devices.Claim(r.Context(), a.Principal, accountID, in)
	return reply(w, http.StatusCreated, map[string]any{"device": d, "credential": cred}, err)
}

func (s *Server) createPairing(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	var in struct {
		SiteID string `json:"site_id"`
	}
	accountID, err := pathIDAndBody(w, r, "accountID", &in)
	if err != nil {
		return err
	}
	t, err := s.Devices.CreatePairing(r.Context(), a.Principal, accountID, in.SiteID)
	return reply(w, http.StatusCreated, t, err)
}

// pairDevice is called by a device, with the token its owner's app gave it,
// authenticated with HTTP Basic: its serial and its factory secret (or
// claim code).
func (s *Server) pairDevice(w http.ResponseWriter, r *http.Request, _ *account.Auth) error {
	var in device.PairInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if user, pass, ok := r.BasicAuth(); ok && user == in.Serial {
		in.Secret = pass
	}
	cred, err := s.Devices.Pair(r.Context(), in)
	return reply(w, http.StatusCreated, cred, err)
}

func (s *Server) listDevices(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	accountID, err := pathID(r, "accountID")
	if err != nil {
		return err
	}
	ds, err := s.Devices.Devices(r.Context(), a.Principal, accountID)
	return reply(w, http.StatusOK, map[string]any{"devices": ds}, err)
}

func (s *Server) getDevice(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	accountID, id, err := accountAndDevice(r)
	if err != nil {
		return err
	}
	d, err := s.Devices.Device(r.Context(), a.Principal, accountID, id)
	return reply(w, http.StatusOK, d, err)
}

func (s *Server) updateDevice(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	accountID, id, err := accountAndDevice(r)
	if err != nil {
		return err
	}
	var in device.DeviceChange
	if err := decode(w, r, &in); err != nil {
		return err
	}
	d, err := s.Devices.UpdateDevice(r.Context(), a.Principal, accountID, id, in)
	return reply(w, http.StatusOK, d, err)
}

func (s *Server) releaseDevice(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	accountID, id, err := accountAndDevice(r)
	if err != nil {
		return err
	}
	return noContent(w, s.Devices.ReleaseDevice(r.Context(), a.Principal, accountID, id))
}

func (s *Server) reportLost(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	accountID, id, err := accountAndDevice(r)
	if err != nil {
		return err
	}
	d, err := s.Devices.ReportLost(r.Context(), a.Principal, accountID, id)
	return reply(w, http.StatusOK, d, err)
}

// updateFirmwareNow asks the device to install its offered firmware now.
func (s *Server) updateFirmwareNow(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	accountID, id, err := accountAndDevice(r)
	if err != nil {
		return err
	}
	o, err := s.Devices.UpdateNow(r.Context(), a.Principal, accountID, id)
	return reply(w, http.StatusAccepted, o, err)
}

func (s *Server) rotateCredential(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	accountID, id, err := accountAndDevice(r)
	if err != nil {
		return err
	}
	c, err := s.Devices.RotateCredential(r.Context(), a.Principal, accountID, id)
	return reply(w, http.StatusCreated, c, err)
}

func (s *Server) revokeCredential(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	accountID, id, err := accountAndDevice(r)
	if err != nil {
		return err
	}
	return noContent(w, s.Devices.RevokeCredential(r.Context(), a.Principal, accountID, id))
}

// queryInt reads an optional non-negative integer query parameter.
func queryInt(r *http.Request, name string, def int64) (int64, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, errs.E(errs.Invalid, "%s must be a whole number of at least 0", name)
	}
	return n, nil
}

func (s *Server) deviceEvents(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	accountID, id, err := accountAndDevice(r)
	if err != nil {
		return err
	}
	before, err := queryInt(r, "before", 0)
	if err != nil {
		return err
	}
	limit, err := queryInt(r, "limit", 100)
	if err != nil {
		return err
	}
	es, err := s.Devices.Events(r.Context(), a.Principal, accountID, id, before, int(limit))
	return reply(w, http.StatusOK, map[string]any{"events": es}, err)
}

func (s *Server) deviceAddresses(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	accountID, id, err := accountAndDevice(r)
	if err != nil {
		return err
	}
	as, err := s.Devices.Addresses(r.Context(), a.Principal, accountID, id)
	return reply(w, http.StatusOK, map[string]any{"addresses": as}, err)
}

func (s *Server) getShadow(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	accountID, id, err := accountAndDevice(r)
	if err != nil {
		return err
	}
	ch, err := queryInt(r, "channel", 0)
	if err != nil {
		return err
	}
	sh, err := s.Devices.GetShadow(r.Context(), a.Principal, accountID, id, int(min(ch, 1<<16)))
	return reply(w, http.StatusOK, sh, err)
}

func (s *Server) updateShadow(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	accountID, id, err := accountAndDevice(r)
	if err != nil {
		return err
	}
	var in device.DesiredChange
	if err := decode(w, r, &in); err != nil {
		return err
	}
	sh, err := s.Devices.UpdateDesired(r.Context(), a.Principal, accountID, id, in)
	return reply(w, http.StatusOK, sh, err)
}

func (s *Server) errorReports(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	accountID, err := pathID(r, "accountID")
	if err != nil {
		return err
	}
	rs, err := s.Devices.Reports(r.Context(), a.Principal, accountID)
	return reply(w, http.StatusOK, map[string]any{"reports": rs}, err)
}

func (s *Server) deviceUpdates(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	accountID, err := pathID(r, "accountID")
	if err != nil {
		return err
	}
	ds, err := s.Devices.Updates(r.Context(), a.Principal, accountID)
	return reply(w, http.StatusOK, map[string]any{"devices": ds}, err)
}

func (s *Server) myPrefs(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	p, err := s.Devices.MyPrefs(r.Context(), a.Principal)
	return reply(w, http.StatusOK, p, err)
}

func (s *Server) setMyPrefs(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	var in device.Prefs
	if err := decode(w, r, &in); err != nil {
		return err
	}
	p, err := s.Devices.SetMyPrefs(r.Context(), a.Principal, in)
	return reply(w, http.StatusOK, p, err)
}

func (s *Server) appErrorReport(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	var in device.AppReport
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if !id.Valid(in.AccountID) {
		return errs.E(errs.Invalid, "account_id is not a valid identifier")
	}
	rep, err := s.Devices.SubmitAppReport(r.Context(), a.Principal, in)
	return reply(w, http.StatusCreated, rep, err)
}

func (s *Server) myActivity(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	es, err := s.Activity.Mine(r.Context(), a.Principal)
	return reply(w, http.StatusOK, map[string]any{"activity": es}, err)
}

func (s *Server) appVersion(w http.ResponseWriter, r *http.Request, _ *account.Auth) error {
	q := r.URL.Query()
	c, err := s.Devices.CheckAppVersion(r.Context(), q.Get("platform"), q.Get("version"))
	return reply(w, http.StatusOK, c, err)
}

var modelPath = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,39}$`)

func (s *Server) listModels(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	ms, err := s.Devices.Models(r.Context())
	return reply(w, http.StatusOK, map[string]any{"models": ms}, err)
}

func (s *Server) putModel(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	name := r.PathValue("model")
	if !modelPath.MatchString(name) {
		return errs.E(errs.Invalid, "model must be 2 to 40 lowercase letters, digits or dashes")
	}
	var in device.Model
	if err := decode(w, r, &in); err != nil {
		return err
	}
	in.Model = name
	m, err := s.Devices.PutModel(r.Context(), a.Principal, in)
	return reply(w, http.StatusOK, m, err)
}

// maxImport bounds a manufacture list upload.
const maxImport = 2 << 20

func (s *Server) registerDevices(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	var in struct {
		Devices []device.Manufactured `json:"devices"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	regs, err := s.Devices.Register(r.Context(), a.Principal, in.Devices)
	return reply(w, http.StatusCreated, map[string]any{"devices": regs}, err)
}

func (s *Server) importDevices(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "text/csv" {
		return errs.E(errs.Invalid, "send the manufacture list as text/csv")
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxImport))
	if err != nil {
		return errs.E(errs.TooLarge, "manufacture list is larger than %d bytes", maxImport)
	}
	list, err := device.ParseCSV(bytes.NewReader(body))
	if err != nil {
		return err
	}
	// Every row is checked first: the preview (dry_run) shows each row's
	// verdict, and an import with any bad row stores nothing.
	rows, err := s.Devices.CheckImport(r.Context(), a.Principal, list)
	if err != nil {
		return err
	}
	bad, clash, first := 0, 0, ""
	for _, c := range rows {
		if c.Error != "" {
			bad++
			if c.Conflict() {
				clash++
			}
			if first == "" {
				first = fmt.Sprintf("line %d: %s", c.Line, c.Error)
			}
		}
	}
	if r.URL.Query().Get("dry_run") == "true" {
		return reply(w, http.StatusOK, map[string]any{"rows": rows, "valid": len(rows) - bad, "invalid": bad}, nil)
	}
	if bad > 0 {
		code := errs.Invalid
		if clash == bad {
			code = errs.Conflict
		}
		return errs.E(code, "%s; %d of %d rows have errors and nothing was imported (preview the list with dry_run=true)", first, bad, len(rows))
	}
	regs, err := s.Devices.Register(r.Context(), a.Principal, list)
	return reply(w, http.StatusCreated, map[string]any{"devices": regs}, err)
}

// findDevices searches the manufacture registry by serial prefix.
func (s *Server) findDevices(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	found, err := s.Devices.FindBySerial(r.Context(), a.Principal, strings.TrimSpace(r.URL.Query().Get("serial")))
	return reply(w, http.StatusOK, map[string]any{"devices": found}, err)
}

func (s *Server) listReleases(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	model := r.URL.Query().Get("model")
	if !modelPath.MatchString(model) {
		return errs.E(errs.Invalid, "model query parameter is required")
	}
	rs, err := s.Devices.ReleaseProgress(r.Context(), a.Principal, model)
	return reply(w, http.StatusOK, map[string]any{"releases": rs}, err)
}

func (s *Server) publishRelease(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	var in device.Release
	if err := decode(w, r, &in); err != nil {
		return err
	}
	rel, err := s.Devices.PublishRelease(r.Context(), a.Principal, in)
	return reply(w, http.StatusCreated, rel, err)
}

func (s *Server) setRollout(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	var in struct {
		RolloutPercent *int `json:"rollout_percent"`
	}
	id, err := pathIDAndBody(w, r, "releaseID", &in)
	if err != nil {
		return err
	}
	if in.RolloutPercent == nil {
		return errs.E(errs.Invalid, "rollout_percent is required")
	}
	rel, err := s.Devices.SetRollout(r.Context(), a.Principal, id, *in.RolloutPercent)
	return reply(w, http.StatusOK, rel, err)
}

func (s *Server) appReleases(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	rs, err := s.Devices.AppReleases(r.Context(), a.Principal)
	return reply(w, http.StatusOK, map[string]any{"releases": rs}, err)
}

func (s *Server) putAppRelease(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	var in device.AppRelease
	if err := decode(w, r, &in); err != nil {
		return err
	}
	in.Platform = r.PathValue("platform")
	rel, err := s.Devices.PutAppRelease(r.Context(), a.Principal, in)
	return reply(w, http.StatusOK, rel, err)
}
