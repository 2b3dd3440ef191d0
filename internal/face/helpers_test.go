package face_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/vigil-cloud/vigil/internal/account"
	"github.com/vigil-cloud/vigil/internal/device"
	"github.com/vigil-cloud/vigil/internal/face"
	"github.com/vigil-cloud/vigil/internal/privacy"
	"github.com/vigil-cloud/vigil/internal/store"
	"github.com/vigil-cloud/vigil/internal/vigiltest"
)

// photo reads one of the licensed test portraits the engine ships
// (engine/testdata/photos/ATTRIBUTION.md).
func photo(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("engine", "testdata", "photos", name+".jpg"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// home is a customer with a site, a camera in it, and its credential.
type home struct {
	owner *vigiltest.Client
	site  string
	cam   device.Credential
}

func newHome(t *testing.T, e *vigiltest.Env, email string) home {
	t.Helper()
	owner := e.SignUp(email)
	var site account.Site
	owner.Must(http.StatusCreated, "POST", "/api/v1/accounts/"+owner.AccountID+"/sites", map[string]string{"name": "Home", "time_zone": "Europe/Paris"}).Decode(t, &site)
	made := e.Operator().Manufacture("vc-100", 1)
	cred := owner.Claim(made[0], "Front door")
	owner.Must(http.StatusOK, "PATCH", "/api/v1/accounts/"+owner.AccountID+"/devices/"+cred.DeviceID, map[string]any{"site_id": site.ID})
	return home{owner: owner, site: site.ID, cam: cred}
}

func (h home) facePath() string {
	return "/api/v1/accounts/" + h.owner.AccountID + "/sites/" + h.site + "/face"
}

// acceptProtocol has the owner accept the current face recognition
// protocol and agree to the purpose (F1).
func acceptProtocol(t *testing.T, c *vigiltest.Client) {
	t.Helper()
	var ns struct{ Notices []privacy.MyNotice }
	c.Must(http.StatusOK, "GET", "/api/v1/me/notices", nil).Decode(t, &ns)
	for _, n := range ns.Notices {
		if n.Kind == privacy.FaceProtocol {
			c.Must(http.StatusCreated, "POST", "/api/v1/me/notices/"+n.ID+"/accept", map[string]string{"text_hash": n.TextHash})
		}
	}
	c.Must(http.StatusCreated, "PUT", "/api/v1/me/consents/"+privacy.FaceRecognition, nil)
}

// turnOn accepts the protocol and turns recognition on for the site.
func (h home) turnOn(t *testing.T) {
	t.Helper()
	acceptProtocol(t, h.owner)
	var st face.Status
	h.owner.Must(http.StatusCreated, "PUT", h.facePath(), map[string]string{"lawful_basis": "consent"}).Decode(t, &st)
	if !st.Active {
		t.Fatalf("recognition not active after turning it on: %+v", st)
	}
}

func consentRecord(e *vigiltest.Env) map[string]any {
	return map[string]any{"given_by": "Paul Rudd", "method": "written", "given_at": e.Clock.Now().Add(-time.Hour),
		"evidence": []byte("%PDF-1.4 signed consent form of Paul Rudd"), "evidence_type": "application/pdf"}
}

// enrol enrols label from photos with a consent record.
func (h home) enrol(t *testing.T, e *vigiltest.Env, label string, photos ...[]byte) face.Person {
	t.Helper()
	var p face.Person
	h.owner.Must(http.StatusCreated, "POST", h.facePath()+"/people", map[string]any{"label": label, "lawful_basis": "consent",
		"photos": photos, "consent": consentRecord(e)}).Decode(t, &p)
	return p
}

// upload sends a picture on the camera's face uplink.
func (h home) upload(t *testing.T, e *vigiltest.Env, eventID string, pic []byte) face.Result {
	t.Helper()
	return h.uploadKind(t, e, eventID, face.KindSnapshot, pic)
}

// uploadKind sends a snapshot or a crop on the face uplink.
func (h home) uploadKind(t *testing.T, e *vigiltest.Env, eventID, kind string, pic []byte) face.Result {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), "PUT", e.URL+"/api/v1/devices/"+h.cam.DeviceID+"/faces/"+eventID+"?kind="+kind, bytes.NewReader(pic))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "image/jpeg")
	req.SetBasicAuth(h.cam.DeviceID, h.cam.Secret)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("face upload: %d %s", res.StatusCode, body)
	}
	r := vigiltest.Response{Status: res.StatusCode, Body: body}
	var out face.Result
	r.Decode(t, &out)
	return out
}

func (h home) matches(t *testing.T) []face.Match {
	t.Helper()
	var ms struct{ Matches []face.Match }
	h.owner.Must(http.StatusOK, "GET", "/api/v1/accounts/"+h.owner.AccountID+"/face/matches", nil).Decode(t, &ms)
	return ms.Matches
}

// faceAlarm sends a `face` alarm through device ingest, as MQTT does, and
// returns the ingest's verdict.
func (h home) faceAlarm(t *testing.T, e *vigiltest.Env, eventID string) error {
	t.Helper()
	return e.App.Devices.Ingest(t.Context(), []device.Uplink{{DeviceID: h.cam.DeviceID, Topic: "alarm",
		Payload: []byte(`{"id":"` + eventID + `","type":"face","snapshot":true}`), Received: e.Clock.Now()}})[0]
}

// sealedTemplates reads the stored sealed templates of a person, raw.
func sealedTemplates(t *testing.T, e *vigiltest.Env, personID string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := e.App.DB.Read(context.Background(), func(tx *store.Tx) error {
		rows, err := tx.Query(context.Background(), `SELECT id, template_sealed FROM face_templates WHERE person_id = ?`, personID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id string
			var b []byte
			if err := rows.Scan(&id, &b); err != nil {
				return err
			}
			out[id] = b
		}
		return rows.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
