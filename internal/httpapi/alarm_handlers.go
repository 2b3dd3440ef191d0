package httpapi

import (
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/vigil-cloud/vigil/internal/account"
	"github.com/vigil-cloud/vigil/internal/alarm"
	"github.com/vigil-cloud/vigil/internal/errs"
)

// uploadSnapshot takes a JPEG from a device, authenticated by HTTP Basic
// with its device ID and secret.
func (s *Server) uploadSnapshot(w http.ResponseWriter, r *http.Request, _ *account.Auth) error {
	deviceID, err := pathID(r, "deviceID")
	if err != nil {
		return err
	}
	eventID := r.PathValue("eventID") // the device's own identifier, checked by the service
	user, secret, ok := r.BasicAuth()
	if !ok {
		w.Header().Set("WWW-Authenticate", `Basic realm="vigil devices"`)
		return errs.E(errs.Unauthenticated, "sign in with the device credential (HTTP Basic)")
	}
	if ct := r.Header.Get("Content-Type"); ct != "" && ct != "image/jpeg" {
		return errs.E(errs.Invalid, "a snapshot must be sent as image/jpeg")
	}
	created, err := s.Alarms.UploadSnapshot(r.Context(), user, secret, deviceID, eventID, r.Body)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	writeJSON(w, status, map[string]any{"event_id": eventID, "stored": created})
	return nil
}

func accountAndAlarm(r *http.Request) (string, string, error) {
	ids, err := mustPathIDs(r, "accountID", "alarmID")
	if err != nil {
		return "", "", err
	}
	return ids[0], ids[1], nil
}

func queryTime(r *http.Request, name string) (time.Time, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, errs.E(errs.Invalid, "%s must be an RFC 3339 time", name)
	}
	return t, nil
}

func (s *Server) listAlarms(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	accountID, err := pathID(r, "accountID")
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := alarm.Filter{DeviceID: q.Get("device"), Type: q.Get("type"), Before: q.Get("before")}
	if f.From, err = queryTime(r, "from"); err != nil {
		return err
	}
	if f.To, err = queryTime(r, "to"); err != nil {
		return err
	}
	if v := q.Get("limit"); v != "" {
		if f.Limit, err = strconv.Atoi(v); err != nil || f.Limit < 1 || f.Limit > 200 {
			return errs.E(errs.Invalid, "limit must be 1 to 200")
		}
	}
	as, err := s.Alarms.Alarms(r.Context(), a.Principal, accountID, f)
	return reply(w, http.StatusOK, map[string]any{"alarms": as}, err)
}

func (s *Server) getAlarm(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	accountID, id, err := accountAndAlarm(r)
	if err != nil {
		return err
	}
	al, err := s.Alarms.Alarm(r.Context(), a.Principal, accountID, id)
	return reply(w, http.StatusOK, al, err)
}

func (s *Server) ackAlarm(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	accountID, id, err := accountAndAlarm(r)
	if err != nil {
		return err
	}
	al, err := s.Alarms.Ack(r.Context(), a.Principal, accountID, id)
	return reply(w, http.StatusOK, al, err)
}

func (s *Server) alarmSnapshot(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	accountID, id, err := accountAndAlarm(r)
	if err != nil {
		return err
	}
	rc, size, err := s.Alarms.OpenSnapshot(r.Context(), a.Principal, accountID, id)
	if err != nil {
		return err
	}
	defer rc.Close()
	w.Header().Set("Content-Type", "image/jpeg")
	w.Header().Set("Content-Length", strconv.FormatInt(size, 10))
	w.Header().Set("Cache-Control", "private, no-store")
	w.WriteHeader(http.StatusOK)
	if _, err := io.Copy(w, rc); err != nil {
		s.Log.Warn("snapshot not sent in full", "alarm", id, "err", err)
	}
	return nil
}

func (s *Server) listAlarmRules(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	accountID, err := pathID(r, "accountID")
	if err != nil {
		return err
	}
	rules, err := s.Alarms.Rules(r.Context(), a.Principal, accountID)
	return reply(w, http.StatusOK, map[string]any{"rules": rules}, err)
}

func (s *Server) createAlarmRule(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	var in alarm.Rule
	accountID, err := pathIDAndBody(w, r, "accountID", &in)
	if err != nil {
		return err
	}
	in.ID = ""
	rule, err := s.Alarms.PutRule(r.Context(), a.Principal, accountID, in)
	return reply(w, http.StatusCreated, rule, err)
}

func (s *Server) updateAlarmRule(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	var in alarm.Rule
	accountID, err := pathIDAndBody(w, r, "accountID", &in)
	if err != nil {
		return err
	}
	if in.ID, err = pathID(r, "ruleID"); err != nil {
		return err
	}
	rule, err := s.Alarms.PutRule(r.Context(), a.Principal, accountID, in)
	return reply(w, http.StatusOK, rule, err)
}

func (s *Server) deleteAlarmRule(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	ids, err := mustPathIDs(r, "accountID", "ruleID")
	if err != nil {
		return err
	}
	return noContent(w, s.Alarms.DeleteRule(r.Context(), a.Principal, ids[0], ids[1]))
}

func (s *Server) getQuietHours(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	accountID, err := pathID(r, "accountID")
	if err != nil {
		return err
	}
	q, err := s.Alarms.QuietHours(r.Context(), a.Principal, accountID)
	return reply(w, http.StatusOK, q, err)
}

func (s *Server) setQuietHours(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	var in alarm.QuietHours
	accountID, err := pathIDAndBody(w, r, "accountID", &in)
	if err != nil {
		return err
	}
	q, err := s.Alarms.SetQuietHours(r.Context(), a.Principal, accountID, in)
	return reply(w, http.StatusOK, q, err)
}

func (s *Server) clearQuietHours(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	accountID, err := pathID(r, "accountID")
	if err != nil {
		return err
	}
	return noContent(w, s.Alarms.ClearQuietHours(r.Context(), a.Principal, accountID))
}
