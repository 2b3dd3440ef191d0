package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/device"
	"github.com/vigil-cloud/vigil/internal/privacy"
	"github.com/vigil-cloud/vigil/internal/privacy/fulfil"
	"github.com/vigil-cloud/vigil/internal/store"
	"github.com/vigil-cloud/vigil/internal/vigiltest"
)

func facePhoto(t *testing.T, name string) (string, []byte) {
	t.Helper()
	p := filepath.Join(vigiltest.ModuleRoot(), "internal", "face", "engine", "testdata", "photos", name+".jpg")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return p, b
}

// devicePut sends a picture on a camera's uplink with its credential.
func devicePut(t *testing.T, e *vigiltest.Env, cred device.Credential, path string, pic []byte, want int) {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), "PUT", e.URL+path, bytes.NewReader(pic))
	req.Header.Set("Content-Type", "image/jpeg")
	req.SetBasicAuth(cred.DeviceID, cred.Secret)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != want {
		t.Fatalf("PUT %s: %d %s", path, res.StatusCode, b)
	}
}

func withToken(t *testing.T, e *vigiltest.Env, method, path, token, contentType string, body []byte) int {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), method, e.URL+path, bytes.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("X-Request-Token", token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

// publicRequest files, confirms and documents a filmed person's request
// for the snapshots of a camera; it returns its ID and access token.
func publicRequest(t *testing.T, e *vigiltest.Env, email, deviceID string) (string, string) {
	t.Helper()
	c := e.Client()
	c.Must(http.StatusAccepted, "POST", "/api/v1/privacy/requests", map[string]any{"kind": "access", "region": "eu",
		"scope": map[string]any{"categories": []string{"media.snapshot"}, "devices": []string{deviceID},
			"from": e.Clock.Now().Add(-3 * time.Hour), "to": e.Clock.Now().Add(time.Hour)},
		"email": email, "name": "Pat", "relation": "self"})
	tok := e.Mail.Wait(t, email, "Confirm your request").Token(t)
	var conf struct {
		Request privacy.Request
		Token   string `json:"request_token"`
	}
	c.Must(http.StatusOK, "POST", "/api/v1/privacy/requests/confirm", map[string]string{"token": tok}).Decode(t, &conf)
	if code := withToken(t, e, "PUT", "/api/v1/privacy/requests/"+conf.Request.ID+"/documents/identity", conf.Token, "application/pdf", []byte("%PDF-1.7 id")); code != http.StatusCreated {
		t.Fatalf("identity document: %d", code)
	}
	return conf.Request.ID, conf.Token
}

// The face recognition page in Chromium at 1280×800 and 390×844: a site
// where it is on lists Paul (enrolled with his consent record) and the
// recognition "Paul at Front door"; a person is enrolled through the form
// with the consent evidence and a photo, withdrawn (after a confirmation)
// and enrolled again; the unknown-face rule is added;
// the owner releases an event a filmed person asked for; another site
// offers to turn it on under the protocol. After the operator stops face
// recognition in the region, the page shows the notice. A filmed person
// following their request is offered the selfie search with its wording,
// sends nothing without ticking consent, and then sends the selfie. Each
// view: no sideways scrolling, no console error, no serious or critical
// axe-core violation, a screenshot in e2e/screenshots/.
// proves: F2, F5
func TestFacePagesInChromium(t *testing.T) {
	node, chromium, script := vigiltest.Browser(t, "face.mjs")
	e := vigiltest.Start(t)
	owner := e.SignUp("faces@example.com")
	siteIDs := map[string]string{}
	for _, name := range []string{"Home", "Shop"} {
		var s struct{ ID string }
		owner.Must(http.StatusCreated, "POST", "/api/v1/accounts/"+owner.AccountID+"/sites", map[string]any{"name": name, "time_zone": "UTC"}).Decode(t, &s)
		siteIDs[name] = s.ID
	}
	door := owner.Claim(e.Operator().Manufacture("vc-100", 1)[0], "Front door")
	owner.Must(http.StatusOK, "PATCH", "/api/v1/accounts/"+owner.AccountID+"/devices/"+door.DeviceID, map[string]any{"site_id": siteIDs["Home"]})

	// Face recognition on at Home, under the protocol; Paul enrolled.
	var ns struct{ Notices []privacy.MyNotice }
	owner.Must(http.StatusOK, "GET", "/api/v1/me/notices", nil).Decode(t, &ns)
	for _, n := range ns.Notices {
		if n.Kind == privacy.FaceProtocol {
			owner.Must(http.StatusCreated, "POST", "/api/v1/me/notices/"+n.ID+"/accept", map[string]string{"text_hash": n.TextHash})
		}
	}
	owner.Must(http.StatusCreated, "PUT", "/api/v1/me/consents/"+privacy.FaceRecognition, nil)
	facePath := "/api/v1/accounts/" + owner.AccountID + "/sites/" + siteIDs["Home"] + "/face"
	owner.Must(http.StatusCreated, "PUT", facePath, map[string]string{"lawful_basis": "consent"})
	_, paul1 := facePhoto(t, "paul-rudd-1")
	owner.Must(http.StatusCreated, "POST", facePath+"/people", map[string]any{"label": "Paul", "lawful_basis": "consent", "photos": [][]byte{paul1},
		"consent": map[string]any{"given_by": "Paul Rudd", "method": "written", "given_at": e.Clock.Now().Add(-time.Hour),
			"evidence": []byte("%PDF-1.4 signed form"), "evidence_type": "application/pdf"}})
	_, paul2 := facePhoto(t, "paul-rudd-2")
	devicePut(t, e, door, "/api/v1/devices/"+door.DeviceID+"/faces/ev-face-1?kind=snapshot", paul2, http.StatusOK)

	// A filmed person asked for footage of them; the officer forwarded
	// the event found.
	b, _ := json.Marshal(map[string]any{"id": "ev-crowd", "type": "person", "snapshot": true})
	if err := e.App.Devices.Ingest(t.Context(), []device.Uplink{{DeviceID: door.DeviceID, Topic: "alarm", Payload: b, Received: e.Clock.Now()}})[0]; err != nil {
		t.Fatal(err)
	}
	devicePut(t, e, door, "/api/v1/devices/"+door.DeviceID+"/alarms/ev-crowd/snapshot", paul2, http.StatusCreated)
	reqID, reqTok := publicRequest(t, e, "pat@example.com", door.DeviceID)
	body, _ := json.Marshal(map[string]any{"consent": true, "consent_hash": privacy.FootageConsentHash, "selfie": paul1})
	if code := withToken(t, e, "PUT", "/api/v1/privacy/requests/"+reqID+"/face-search", reqTok, "application/json", body); code != http.StatusNoContent {
		t.Fatalf("face search: %d", code)
	}
	dpo := e.StaffMember("dpo@vigil.test", access.StaffDPO)
	dpo.Must(http.StatusOK, "POST", "/api/v1/staff/privacy-requests/"+reqID+"/verify", map[string]any{"accept": true})
	var fs fulfil.FootageSearch
	dpo.Must(http.StatusOK, "POST", "/api/v1/staff/privacy-requests/"+reqID+"/face-search/run", nil).Decode(t, &fs)
	if len(fs.Hits) != 1 {
		t.Fatalf("hits: %+v", fs)
	}
	dpo.Must(http.StatusOK, "POST", "/api/v1/staff/privacy-requests/"+reqID+"/face-search/forward", map[string]any{"hit_ids": []string{fs.Hits[0].ID}})

	// Another filmed person follows their request in the browser.
	req2, tok2 := publicRequest(t, e, "sam@example.com", door.DeviceID)
	selfiePath, _ := facePhoto(t, "paul-rudd-2")
	chrisPath, _ := facePhoto(t, "chris-pratt")
	dir := t.TempDir()
	evidence := filepath.Join(dir, "consent.pdf")
	if err := os.WriteFile(evidence, []byte("%PDF-1.4 consent form signed by Chris"), 0o600); err != nil {
		t.Fatal(err)
	}

	shots := os.Getenv("VIGIL_SCREENSHOTS")
	if shots == "" {
		shots = filepath.Join(filepath.Dir(script), "screenshots")
	}
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	var dpoCookies []string
	for _, c := range dpo.Cookies() {
		dpoCookies = append(dpoCookies, c.Name+"="+c.Value)
	}
	run := func(phase string) string {
		ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, node, script)
		cmd.Dir = filepath.Dir(script)
		cmd.Env = append(os.Environ(), "VIGIL_URL="+e.URL, "CHROMIUM="+chromium, "SHOTS="+shots, "PHASE="+phase,
			"EMAIL="+owner.Email, "PASSWORD="+owner.Password, "ACCOUNT_ID="+owner.AccountID, "HOME_ID="+siteIDs["Home"], "SHOP_ID="+siteIDs["Shop"],
			"REQ_ID="+req2, "REQ_TOKEN="+tok2, "DPO_COOKIES="+strings.Join(dpoCookies, ";"), "SEARCH_ID="+reqID, "SELFIE="+selfiePath, "PHOTO="+chrisPath, "EVIDENCE="+evidence,
			"GIVEN_AT="+e.Clock.Now().Add(-24*time.Hour).Format("2006-01-02"), "DOOR_ID="+door.DeviceID, "DAY="+e.Clock.Now().Local().Format("2006-01-02"))
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("browser flow (%s) failed: %v\n%s", phase, err, out)
		}
		if !strings.Contains(string(out), "face pages passed") {
			t.Fatalf("unexpected output: %s", out)
		}
		return string(out)
	}
	t.Log(run("on"))

	// What the browser did, as the server saw it.
	var people struct {
		People []struct{ Label string }
	}
	owner.Must(http.StatusOK, "GET", facePath+"/people", nil).Decode(t, &people)
	if len(people.People) != 2 {
		t.Errorf("enrolled through the page: %+v", people)
	}
	dpo.Must(http.StatusOK, "GET", "/api/v1/staff/privacy-requests/"+reqID+"/face-search", nil).Decode(t, &fs)
	if fs.Hits[0].State != fulfil.HitReleased {
		t.Errorf("the owner's release in the page: %+v", fs.Hits[0])
	}
	var n int
	if err := e.App.DB.Read(t.Context(), func(tx *store.Tx) error {
		return tx.QueryRow(t.Context(), `SELECT COUNT(*) FROM face_searches WHERE request_id = ?`, req2).Scan(&n)
	}); err != nil || n != 1 {
		t.Errorf("the selfie search sent from the follow page: %d %v", n, err)
	}

	// The operator stops face recognition in the region: the page says so.
	op := e.StaffMember("ops@vigil.test", access.StaffDPO)
	op.Must(http.StatusCreated, "PUT", "/api/v1/staff/face/regions/EU/stop", map[string]any{"reason": "A court suspended face recognition here.", "delete_after_days": 30})
	t.Log(run("stopped"))
}
