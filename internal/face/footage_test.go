package face_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/device"
	"github.com/vigil-cloud/vigil/internal/face"
	"github.com/vigil-cloud/vigil/internal/face/engine"
	"github.com/vigil-cloud/vigil/internal/keys"
	"github.com/vigil-cloud/vigil/internal/privacy"
	"github.com/vigil-cloud/vigil/internal/privacy/fulfil"
	"github.com/vigil-cloud/vigil/internal/store"
	"github.com/vigil-cloud/vigil/internal/vigiltest"
)

// snapshotEvent stores an alarm of the camera with its snapshot, as a
// camera does: the alarm on ingest, then the picture on its uplink.
func (h home) snapshotEvent(t *testing.T, e *vigiltest.Env, eventID string, pic []byte) {
	t.Helper()
	b, _ := json.Marshal(map[string]any{"id": eventID, "type": "person", "snapshot": true})
	if err := e.App.Devices.Ingest(t.Context(), []device.Uplink{{DeviceID: h.cam.DeviceID, Topic: "alarm", Payload: b, Received: e.Clock.Now()}})[0]; err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequestWithContext(t.Context(), "PUT", e.URL+"/api/v1/devices/"+h.cam.DeviceID+"/alarms/"+eventID+"/snapshot", bytes.NewReader(pic))
	req.Header.Set("Content-Type", "image/jpeg")
	req.SetBasicAuth(h.cam.DeviceID, h.cam.Secret)
	res, err := http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != http.StatusCreated {
		t.Fatalf("snapshot %s: %v %v", eventID, res, err)
	}
	res.Body.Close()
}

// tokenDo calls a public request route with the request's access token.
func tokenDo(t *testing.T, e *vigiltest.Env, method, path, token, contentType string, body []byte) vigiltest.Response {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), method, e.URL+path, bytes.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("X-Request-Token", token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return vigiltest.Response{Status: res.StatusCode, Body: b}
}

// filmedRequest files and confirms a public access request for the
// snapshots of one camera over the last hours, and uploads an identity
// document; it returns the request and its access token.
func filmedRequest(t *testing.T, e *vigiltest.Env, email, deviceID string) (string, string) {
	t.Helper()
	c := e.Client()
	c.Must(http.StatusAccepted, "POST", "/api/v1/privacy/requests", map[string]any{"kind": "access", "region": "eu",
		"scope": map[string]any{"categories": []string{"media.snapshot"}, "devices": []string{deviceID},
			"from": e.Clock.Now().Add(-3 * time.Hour), "to": e.Clock.Now().Add(time.Hour)},
		"email": email, "name": "Pat Filmed", "relation": "self"})
	tok := e.Mail.Wait(t, email, "Confirm your request").Token(t)
	var conf struct {
		Request privacy.Request
		Token   string `json:"request_token"`
	}
	c.Must(http.StatusOK, "POST", "/api/v1/privacy/requests/confirm", map[string]string{"token": tok}).Decode(t, &conf)
	if r := tokenDo(t, e, "PUT", "/api/v1/privacy/requests/"+conf.Request.ID+"/documents/identity", conf.Token, "application/pdf",
		[]byte("%PDF-1.7 identity card")); r.Status != http.StatusCreated {
		t.Fatalf("identity document: %d %s", r.Status, r.Body)
	}
	return conf.Request.ID, conf.Token
}

// searchTemplate reads a request's sealed search template, raw.
func searchTemplate(t *testing.T, e *vigiltest.Env, requestID string) []byte {
	t.Helper()
	var b []byte
	err := e.App.DB.Read(context.Background(), func(tx *store.Tx) error {
		return tx.QueryRow(context.Background(), `SELECT template_sealed FROM face_searches WHERE request_id = ?`, requestID).Scan(&b)
	})
	if err != nil {
		return nil
	}
	return b
}

func countRows(t *testing.T, e *vigiltest.Env, table string) int {
	t.Helper()
	var n int
	err := e.App.DB.Read(context.Background(), func(tx *store.Tx) error {
		return tx.QueryRow(context.Background(), `SELECT COUNT(*) FROM `+table).Scan(&n)
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// Find footage of me. Someone filmed by a customer's camera (no account)
// asks, with a selfie of themselves (paul-rudd-2) and their consent to
// this one search, for the events where they appear. Without consent the
// selfie is refused and nothing is kept. The search waits for the
// officer's verification of their identity; it then finds the event with
// them among seven other people and not the events with only someone else,
// though the owner never turned face recognition on; nobody is enrolled
// and no face event is made. The officer forwards the hit, the camera
// owner (who never learns who asked) releases it, and the package holds
// that snapshot with every other face blurred. The template is sealed
// (a plaintext scan finds it nowhere) under the request's key, and once
// the request closes its rows are gone and the key destroyed.
// proves: R1, R3, F4, R7
func TestFindFootageOfMe(t *testing.T) {
	vigiltest.Each(t, func(t *testing.T, e *vigiltest.Env) {
		eng, err := engine.New(engine.Options{})
		if err != nil {
			t.Fatal(err)
		}
		h := newHome(t, e, "owner@example.com")
		crowd := scene(t, eng)
		h.snapshotEvent(t, e, "ev-crowd", crowd)                   // A (Paul Rudd) among seven others
		h.snapshotEvent(t, e, "ev-other", photo(t, "chris-pratt")) // B only
		h.snapshotEvent(t, e, "ev-third", photo(t, "flickr-26"))   // C only

		id, tok := filmedRequest(t, e, "pat@example.com", h.cam.DeviceID)
		path := "/api/v1/privacy/requests/" + id + "/face-search"
		var consent struct {
			Text string `json:"text"`
			Hash string `json:"consent_hash"`
		}
		e.Client().Must(http.StatusOK, "GET", "/api/v1/privacy/footage-consent", nil).Decode(t, &consent)
		if consent.Hash != privacy.FootageConsentHash || !strings.Contains(consent.Text, "this request only") {
			t.Fatalf("consent wording: %+v", consent)
		}
		selfie := photo(t, "paul-rudd-2")
		ask := func(body map[string]any) vigiltest.Response {
			b, _ := json.Marshal(body)
			return tokenDo(t, e, "PUT", path, tok, "application/json", b)
		}
		// No consent, or consent to another wording: refused, nothing kept.
		for _, body := range []map[string]any{
			{"selfie": selfie},
			{"consent": false, "consent_hash": consent.Hash, "selfie": selfie},
			{"consent": true, "consent_hash": "0000", "selfie": selfie},
		} {
			if r := ask(body); r.Status != http.StatusForbidden || !strings.Contains(string(r.Body), "consent") {
				t.Fatalf("a search without consent: %d %s", r.Status, r.Body)
			}
		}
		if searchTemplate(t, e, id) != nil {
			t.Fatal("a template was kept without consent")
		}
		if _, err := e.App.Blobs.Open(t.Context(), fulfil.SelfieKeyOwner(id), "selfie.jpg"); err == nil {
			t.Fatal("a selfie was kept without consent")
		}
		if r := ask(map[string]any{"consent": true, "consent_hash": consent.Hash, "selfie": photo(t, "chris-pratt")}); r.Status != http.StatusNoContent {
			t.Fatalf("a replaced selfie: %d %s", r.Status, r.Body)
		}
		if r := ask(map[string]any{"consent": true, "consent_hash": consent.Hash, "selfie": []byte("not a picture")}); r.Status != http.StatusBadRequest {
			t.Fatalf("a selfie that is no picture: %d %s", r.Status, r.Body)
		}
		if r := ask(map[string]any{"consent": true, "consent_hash": consent.Hash, "selfie": selfie}); r.Status != http.StatusNoContent {
			t.Fatalf("the search with consent: %d %s", r.Status, r.Body)
		}
		if r := tokenDo(t, e, "PUT", path, "dt_wrong", "application/json", []byte(`{"consent":true}`)); r.Status != http.StatusForbidden && r.Status != http.StatusNotFound {
			t.Fatalf("a wrong token: %d", r.Status)
		}

		// The template is sealed under the request's key alone: the scan
		// finds it nowhere in clear.
		sealed := searchTemplate(t, e, id)
		ad := keys.FieldAD("face_searches.template_sealed", id)
		plain, err := e.App.Keys.OpenAccount(t.Context(), fulfil.SelfieKeyOwner(id), sealed, ad)
		if err != nil || len(plain) != 4*len(engine.Embedding{}) {
			t.Fatalf("the search template does not open under the request's key: %v", err)
		}
		scanClear(t, e, []byte(id), [][]byte{plain[:32], plain[256:288]})

		dpo := e.StaffMember("dpo@vigil.test", access.StaffDPO)
		base := "/api/v1/staff/privacy-requests/" + id
		if r := dpo.Do("POST", base+"/face-search/run", nil); r.Status != http.StatusConflict {
			t.Fatalf("a search before identity verification: %d %s", r.Status, r.Body)
		}
		dpo.Must(http.StatusOK, "POST", base+"/verify", map[string]any{"accept": true})
		var fs fulfil.FootageSearch
		dpo.Must(http.StatusOK, "POST", base+"/face-search/run", nil).Decode(t, &fs)
		if fs.Snapshots != 3 {
			t.Fatalf("snapshots searched: %d", fs.Snapshots)
		}
		if len(fs.Hits) != 1 || fs.Hits[0].EventID != "ev-crowd" || fs.Hits[0].State != fulfil.HitFound {
			t.Fatalf("hits: %+v", fs.Hits)
		}
		// The owner's face recognition was never on: nobody is enrolled,
		// no face event made.
		if n := countRows(t, e, "face_people") + countRows(t, e, "face_matches") + countRows(t, e, "face_sites"); n != 0 {
			t.Fatalf("the search left face recognition data: %d rows", n)
		}

		asks := func() []face.FootageAsk {
			var out struct{ Requests []face.FootageAsk }
			r := h.owner.Must(http.StatusOK, "GET", "/api/v1/accounts/"+h.owner.AccountID+"/footage-requests", nil)
			for _, secret := range []string{"pat@example.com", "Pat Filmed", id} {
				if strings.Contains(string(r.Body), secret) {
					t.Errorf("the camera owner learns who asked (%q)", secret)
				}
			}
			r.Decode(t, &out)
			return out.Requests
		}
		if a := asks(); len(a) != 0 {
			t.Fatalf("the owner is asked before the officer forwarded: %+v", a)
		}
		if r := dpo.Do("POST", base+"/face-search/forward", map[string]any{"hit_ids": []string{"fsh_nope"}}); r.Status != http.StatusBadRequest {
			t.Fatalf("forwarding an unknown hit: %d", r.Status)
		}
		dpo.Must(http.StatusOK, "POST", base+"/face-search/forward", map[string]any{"hit_ids": []string{fs.Hits[0].ID}})
		if r := dpo.Do("POST", base+"/face-search/run", nil); r.Status != http.StatusConflict {
			t.Fatalf("a new run after the owners were asked: %d", r.Status)
		}
		if r := ask(map[string]any{"consent": true, "consent_hash": consent.Hash, "selfie": photo(t, "chris-pratt")}); r.Status != http.StatusConflict {
			t.Fatalf("a new selfie after the search ran: %d %s", r.Status, r.Body)
		}
		// The owner is told, in words, naming no one.
		var inbox struct {
			Messages []struct{ Title, Body, URL string }
		}
		h.owner.Must(http.StatusOK, "GET", "/api/v1/me/inbox", nil).Decode(t, &inbox)
		told := false
		for _, m := range inbox.Messages {
			if strings.Contains(m.Title, "filmed by your cameras") && m.URL == "#/face" && !strings.Contains(m.Body, "Pat") {
				told = true
			}
		}
		if !told {
			t.Errorf("the camera owner was not told: %+v", inbox.Messages)
		}
		a := asks()
		if len(a) != 1 || a[0].Camera != "Front door" || a[0].State != fulfil.HitAsked {
			t.Fatalf("what the owner is asked: %+v", a)
		}
		hit := "/api/v1/accounts/" + h.owner.AccountID + "/footage-requests/" + a[0].ID
		if r := h.owner.Do("PUT", hit, map[string]any{"release": false}); r.Status != http.StatusBadRequest {
			t.Fatalf("keeping back without a reason: %d", r.Status)
		}
		other := newHome(t, e, "other@example.com")
		if r := other.owner.Do("PUT", "/api/v1/accounts/"+other.owner.AccountID+"/footage-requests/"+a[0].ID, map[string]any{"release": true}); r.Status != http.StatusNotFound {
			t.Fatalf("another account decides: %d", r.Status)
		}
		h.owner.Must(http.StatusNoContent, "PUT", hit, map[string]any{"release": true})

		dpo.Must(http.StatusAccepted, "POST", base+"/grant", nil)
		e.Mail.Wait(t, "pat@example.com", "Our answer")
		r := tokenDo(t, e, "GET", "/api/v1/privacy/requests/"+id+"/package", tok, "", nil)
		if r.Status != http.StatusOK {
			t.Fatalf("package: %d %s", r.Status, r.Body)
		}
		files := vigiltest.Unzip(t, r.Body)
		orig, _ := eng.Decode(crowd)
		n := 0
		for name, body := range files {
			if !strings.HasPrefix(name, "media/media.snapshot/") {
				continue
			}
			n++
			got, err := eng.Decode(body)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			onlyRequester(t, eng, orig, got, name)
		}
		if n != 1 {
			t.Fatalf("snapshots in the package: %d (%v)", n, keysOf(files))
		}

		// Closed: the search's rows are gone and its key destroyed.
		if searchTemplate(t, e, id) != nil || countRows(t, e, "face_search_hits") != 0 {
			t.Fatal("the search outlived its request")
		}
		if _, err := e.App.Keys.OpenAccount(t.Context(), fulfil.SelfieKeyOwner(id), sealed, ad); err == nil {
			t.Fatal("the search template still opens after the request closed")
		}
		scanClear(t, e, []byte(id), [][]byte{plain[:32], plain[256:288]})
	})
}

func keysOf(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// The camera owner decides: an event kept back needs a reason, the
// package then holds no picture and the letter gives the owner's reason; a
// member of the household (not an admin) neither sees nor decides the
// asks. When the operator stops face recognition in the camera's region,
// the search does not look at its pictures at all, and the letter says
// why.
// proves: F5
func TestFootageSearchOwnerKeepsBackAndRegionStop(t *testing.T) {
	vigiltest.Each(t, func(t *testing.T, e *vigiltest.Env) {
		h := newHome(t, e, "owner@example.com")
		h.snapshotEvent(t, e, "ev-paul", photo(t, "paul-rudd-1"))
		dpo := e.StaffMember("dpo@vigil.test", access.StaffDPO)
		start := func(email string) string {
			id, tok := filmedRequest(t, e, email, h.cam.DeviceID)
			b, _ := json.Marshal(map[string]any{"consent": true, "consent_hash": privacy.FootageConsentHash, "selfie": photo(t, "paul-rudd-2")})
			if r := tokenDo(t, e, "PUT", "/api/v1/privacy/requests/"+id+"/face-search", tok, "application/json", b); r.Status != http.StatusNoContent {
				t.Fatalf("search: %d %s", r.Status, r.Body)
			}
			dpo.Must(http.StatusOK, "POST", "/api/v1/staff/privacy-requests/"+id+"/verify", map[string]any{"accept": true})
			return id
		}
		id := start("pat@example.com")
		var fs fulfil.FootageSearch
		dpo.Must(http.StatusOK, "POST", "/api/v1/staff/privacy-requests/"+id+"/face-search/run", nil).Decode(t, &fs)
		if len(fs.Hits) != 1 {
			t.Fatalf("hits: %+v", fs)
		}
		dpo.Must(http.StatusOK, "POST", "/api/v1/staff/privacy-requests/"+id+"/face-search/forward", map[string]any{"hit_ids": []string{fs.Hits[0].ID}})

		// A member of the household is not asked and cannot decide.
		member := e.SignUp("member@example.com")
		h.owner.Must(http.StatusAccepted, "POST", "/api/v1/accounts/"+h.owner.AccountID+"/invitations", map[string]any{"email": member.Email, "role": "member"})
		member.Must(http.StatusOK, "POST", "/api/v1/invitations/accept", map[string]string{"token": e.Mail.Wait(t, member.Email, "invited").Token(t)})
		member.Login() // the new membership is in the next session
		if r := member.Do("GET", "/api/v1/accounts/"+h.owner.AccountID+"/footage-requests", nil); r.Status != http.StatusForbidden {
			t.Fatalf("a member lists the asks: %d %s", r.Status, r.Body)
		}

		var asks struct{ Requests []face.FootageAsk }
		h.owner.Must(http.StatusOK, "GET", "/api/v1/accounts/"+h.owner.AccountID+"/footage-requests", nil).Decode(t, &asks)
		h.owner.Must(http.StatusNoContent, "PUT", "/api/v1/accounts/"+h.owner.AccountID+"/footage-requests/"+asks.Requests[0].ID,
			map[string]any{"release": false, "reason": "The police asked us to keep this event for an investigation."})
		dpo.Must(http.StatusAccepted, "POST", "/api/v1/staff/privacy-requests/"+id+"/grant", nil)
		letter := e.Mail.Wait(t, "pat@example.com", "Our answer")
		for _, want := range []string{"you consented to a search with your selfie", privacy.FootageConsentHash[:16], "found you in 1", "released 0", "kept these back", "The police asked us"} {
			if !strings.Contains(letter.Body, want) {
				t.Errorf("the letter lacks %q:\n%s", want, letter.Body)
			}
		}

		// The region stopped: the camera is skipped, nothing is looked at.
		op := e.StaffMember("ops@vigil.test", access.StaffOperatorAdmin)
		op.Must(http.StatusCreated, "PUT", "/api/v1/staff/face/regions/EU/stop", map[string]any{"reason": "Suspended by a court", "delete_after_days": 30})
		id2 := start("sam@example.com")
		dpo.Must(http.StatusOK, "POST", "/api/v1/staff/privacy-requests/"+id2+"/face-search/run", nil).Decode(t, &fs)
		if fs.Snapshots != 0 || len(fs.Hits) != 0 || len(fs.Skipped) != 1 || !strings.Contains(fs.Skipped[0], "stopped") {
			t.Fatalf("a search in a stopped region: %+v", fs)
		}
	})
}

// A search whose request stays open past the category's retention (120
// days from the consent) is purged by the retention sweep: its rows go and
// its key is destroyed, so the sealed template no longer opens.
// proves: F4
func TestFootageSearchPurgedAtRetention(t *testing.T) {
	vigiltest.Each(t, func(t *testing.T, e *vigiltest.Env) {
		h := newHome(t, e, "owner@example.com")
		id, tok := filmedRequest(t, e, "pat@example.com", h.cam.DeviceID)
		b, _ := json.Marshal(map[string]any{"consent": true, "consent_hash": privacy.FootageConsentHash, "selfie": photo(t, "paul-rudd-2")})
		if r := tokenDo(t, e, "PUT", "/api/v1/privacy/requests/"+id+"/face-search", tok, "application/json", b); r.Status != http.StatusNoContent {
			t.Fatalf("search: %d %s", r.Status, r.Body)
		}
		sealed := searchTemplate(t, e, id)
		ad := keys.FieldAD("face_searches.template_sealed", id)
		e.Clock.Advance(119 * 24 * time.Hour)
		if _, err := e.App.Retention.Sweep(t.Context()); err != nil {
			t.Fatal(err)
		}
		if searchTemplate(t, e, id) == nil {
			t.Fatal("purged before its retention ended")
		}
		e.Clock.Advance(2 * 24 * time.Hour)
		if _, err := e.App.Retention.Sweep(t.Context()); err != nil {
			t.Fatal(err)
		}
		if searchTemplate(t, e, id) != nil {
			t.Fatal("not purged at the end of its retention")
		}
		if _, err := e.App.Keys.OpenAccount(t.Context(), fulfil.SelfieKeyOwner(id), sealed, ad); err == nil {
			t.Fatal("the template still opens after its retention ended")
		}
	})
}
