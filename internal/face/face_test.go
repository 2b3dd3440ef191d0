package face_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"image"
	"image/jpeg"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigil-cloud/vigil/internal/account"
	"github.com/vigil-cloud/vigil/internal/alarm"
	"github.com/vigil-cloud/vigil/internal/face"
	"github.com/vigil-cloud/vigil/internal/face/engine"
	"github.com/vigil-cloud/vigil/internal/keys"
	"github.com/vigil-cloud/vigil/internal/store"
	"github.com/vigil-cloud/vigil/internal/vigiltest"
)

// Enrolment needs a consent record for the person and an active site
// (turned on by an admin who accepted the current protocol, with the
// customer's lawful basis); without one it is refused and nothing is kept.
// Then the same person on another photo, sent by the camera as a snapshot
// or as the snapshot of a `face` alarm, is recognised: "Paul at Front
// door" on the face timeline and a face_match alarm; someone else is not.
// proves: F2, F6
func TestEnrolWithConsentThenMatch(t *testing.T) {
	vigiltest.Each(t, func(t *testing.T, e *vigiltest.Env) {
		h := newHome(t, e, "owner@example.com")
		people := h.facePath() + "/people"
		enrolment := map[string]any{"label": "Paul", "lawful_basis": "consent", "photos": [][]byte{photo(t, "paul-rudd-1")}}

		// Off by default: nothing is processed, and the protocol gates turning it on.
		if r := h.upload(t, e, "ev-0", photo(t, "paul-rudd-2")); r.Processed || r.Reason != face.ReasonOff {
			t.Fatalf("a picture was processed where recognition is off: %+v", r)
		}
		if r := h.owner.Do("PUT", h.facePath(), map[string]string{"lawful_basis": "consent"}); r.Status != http.StatusForbidden || r.ErrorCode() != "consent_required" {
			t.Fatalf("turned on without accepting the protocol: %d %s", r.Status, r.Body)
		}
		acceptProtocol(t, h.owner)
		if r := h.owner.Do("PUT", h.facePath(), map[string]string{"lawful_basis": "because"}); r.Status != http.StatusBadRequest {
			t.Fatalf("turned on without a lawful basis: %d %s", r.Status, r.Body)
		}
		h.owner.Must(http.StatusCreated, "PUT", h.facePath(), map[string]string{"lawful_basis": "consent"})

		// No consent record, or one without evidence: refused.
		if r := h.owner.Do("POST", people, enrolment); r.Status != http.StatusForbidden || r.ErrorCode() != "consent_required" {
			t.Fatalf("enrolment without consent: %d %s", r.Status, r.Body)
		}
		noEvidence := consentRecord(e)
		delete(noEvidence, "evidence")
		enrolment["consent"] = noEvidence
		if r := h.owner.Do("POST", people, enrolment); r.Status != http.StatusForbidden || r.ErrorCode() != "consent_required" {
			t.Fatalf("enrolment without consent evidence: %d %s", r.Status, r.Body)
		}
		var ps struct{ People []face.Person }
		h.owner.Must(http.StatusOK, "GET", people, nil).Decode(t, &ps)
		if len(ps.People) != 0 {
			t.Fatalf("a refused enrolment left people: %+v", ps.People)
		}
		// A photo that is not a face, or not a JPEG: a clear 400.
		enrolment["consent"] = consentRecord(e)
		enrolment["photos"] = [][]byte{[]byte("not a jpeg")}
		if r := h.owner.Do("POST", people, enrolment); r.Status != http.StatusBadRequest {
			t.Fatalf("enrolment of a non-JPEG: %d %s", r.Status, r.Body)
		}

		p := h.enrol(t, e, "Paul", photo(t, "paul-rudd-1"))
		if p.Templates != 1 || p.Consent.GivenBy != "Paul Rudd" || p.Consent.Method != "written" || p.LawfulBasis != "consent" {
			t.Fatalf("enrolled: %+v", p)
		}
		h.owner.Must(http.StatusOK, "GET", people, nil).Decode(t, &ps)
		if len(ps.People) != 1 || ps.People[0].Label != "Paul" || bytes.Contains(h.owner.Do("GET", people, nil).Body, []byte("template_sealed")) {
			t.Fatalf("people: %+v", ps.People)
		}

		// "Tell me when an unknown face is seen": a rule on face_unknown.
		h.owner.Must(http.StatusCreated, "POST", "/api/v1/accounts/"+h.owner.AccountID+"/alarm-rules",
			map[string]any{"roles": []string{"owner"}, "types": []string{face.TypeUnknown, face.TypeMatch}})
		if r := h.upload(t, e, "ev-1", photo(t, "chris-pratt")); !r.Processed || r.Faces != 1 || r.Matches != 0 || r.Unknown != 1 {
			t.Fatalf("someone else: %+v", r)
		}
		var unknown struct{ Alarms []alarm.Alarm }
		h.owner.Must(http.StatusOK, "GET", "/api/v1/accounts/"+h.owner.AccountID+"/alarms?type="+face.TypeUnknown, nil).Decode(t, &unknown)
		if len(unknown.Alarms) != 1 {
			t.Fatalf("face_unknown alarms: %+v", unknown.Alarms)
		}
		if r := h.upload(t, e, "ev-2", photo(t, "paul-rudd-2")); !r.Processed || r.Matches != 1 {
			t.Fatalf("the enrolled person on another photo: %+v", r)
		}
		ms := h.matches(t)
		if len(ms) != 1 || ms[0].Text != "Paul at Front door" || ms[0].PersonID != p.ID || ms[0].EventID != "ev-2" {
			t.Fatalf("matches: %+v", ms)
		}
		// A camera with its own detector sends just the face.
		if r := h.uploadKind(t, e, "ev-2c", face.KindCrop, faceCrop(t, "paul-rudd-2")); !r.Processed || r.Matches != 1 {
			t.Fatalf("a crop of the enrolled person: %+v", r)
		}
		var as struct{ Alarms []alarm.Alarm }
		h.owner.Must(http.StatusOK, "GET", "/api/v1/accounts/"+h.owner.AccountID+"/alarms?type="+face.TypeMatch, nil).Decode(t, &as)
		if len(as.Alarms) != 2 || as.Alarms[0].DeviceID != h.cam.DeviceID {
			t.Fatalf("face_match alarms: %+v", as.Alarms)
		}

		// A `face` alarm's snapshot is matched too.
		e.Clock.Advance(time.Second)
		if err := h.faceAlarm(t, e, "ev-3"); err != nil {
			t.Fatalf("face alarm where recognition is on: %v", err)
		}
		req, _ := http.NewRequestWithContext(t.Context(), "PUT", e.URL+"/api/v1/devices/"+h.cam.DeviceID+"/alarms/ev-3/snapshot", bytes.NewReader(photo(t, "paul-rudd-2")))
		req.Header.Set("Content-Type", "image/jpeg")
		req.SetBasicAuth(h.cam.DeviceID, h.cam.Secret)
		res, err := http.DefaultClient.Do(req)
		if err != nil || res.StatusCode != http.StatusCreated {
			t.Fatalf("face alarm snapshot: %v %v", res.StatusCode, err)
		}
		res.Body.Close()
		if ms := h.matches(t); len(ms) != 3 || ms[0].EventID != "ev-3" {
			t.Fatalf("the face alarm's snapshot was not matched: %+v", ms)
		}
		// People whose role covers some sites see those sites' matches only.
		acct := "/api/v1/accounts/" + h.owner.AccountID
		var shed account.Site
		h.owner.Must(http.StatusCreated, "POST", acct+"/sites", map[string]string{"name": "Shed", "time_zone": "UTC"}).Decode(t, &shed)
		for _, c := range []struct {
			email, site string
			want        int
		}{{"hanna@example.com", h.site, 3}, {"ivo@example.com", shed.ID, 0}} {
			m := e.SignUp(c.email)
			h.owner.Must(http.StatusAccepted, "POST", acct+"/invitations", map[string]any{"email": m.Email, "role": "member", "sites": []string{c.site}})
			m.Must(http.StatusOK, "POST", "/api/v1/invitations/accept", map[string]string{"token": e.Mail.Wait(t, m.Email, "invited").Token(t)})
			var got struct{ Matches []face.Match }
			m.Must(http.StatusOK, "GET", acct+"/face/matches", nil).Decode(t, &got)
			if len(got.Matches) != c.want {
				t.Fatalf("a member of one site sees %d matches, want %d", len(got.Matches), c.want)
			}
		}

		// A material update of the protocol pauses recognition until the
		// person who turned it on accepts it (F6), and the app says why.
		e.Clock.Advance(time.Hour)
		dpo := e.StaffMember("dee@vigil.test", "dpo")
		dpo.Must(http.StatusCreated, "POST", "/api/v1/staff/notices", map[string]any{"kind": "face_protocol", "region": "default",
			"language": "en", "text": "# Face recognition protocol, second edition\n\nTemplates expire after six months.",
			"material": true, "summary": "Shorter retention"})
		if r := h.upload(t, e, "ev-4", photo(t, "paul-rudd-2")); r.Processed || r.Reason != face.ReasonProtocol {
			t.Fatalf("processed under a protocol version nobody accepted: %+v", r)
		}
		var st face.Status
		h.owner.Must(http.StatusOK, "GET", h.facePath(), nil).Decode(t, &st)
		if st.Active || st.Reason != face.ReasonProtocol || st.Notice == "" {
			t.Fatalf("status under an unaccepted protocol: %+v", st)
		}
	})
}

// encode is how a template is laid out before sealing (little-endian
// float32), to look for it in the clear.
func encode(e engine.Embedding) []byte {
	b := make([]byte, 4*len(e))
	for i, v := range e {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(v))
	}
	return b
}

// secrets are what must never be found in the clear: the template, the
// label and the consent evidence.
func secrets(t *testing.T) [][]byte {
	t.Helper()
	eng, err := engine.New(engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	m, err := eng.Decode(photo(t, "paul-rudd-1"))
	if err != nil {
		t.Fatal(err)
	}
	tpl := encode(eng.Describe(m, eng.Detect(m)[0]))
	return [][]byte{tpl[:32], tpl[256:288], []byte("Paul Rudd the actor"), []byte("signed consent form of Paul Rudd")}
}

// scanClear looks for each secret in every row of every table and, for
// SQLite, in every file of the data directory (database, WAL, blobs). The
// control is a value stored in the clear: the scan must find it, or it
// proves nothing.
func scanClear(t *testing.T, e *vigiltest.Env, control []byte, secrets [][]byte) {
	t.Helper()
	foundControl := 0
	ctx := context.Background()
	cols, err := e.App.DB.Columns(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tables := map[string]bool{}
	for _, c := range cols {
		tables[c.Table] = true
	}
	for table := range tables {
		err := e.App.DB.Read(ctx, func(tx *store.Tx) error {
			rows, err := tx.Query(ctx, `SELECT * FROM `+table)
			if err != nil {
				return err
			}
			defer rows.Close()
			names, _ := rows.Columns()
			for rows.Next() {
				vals := make([]any, len(names))
				ptrs := make([]any, len(names))
				for i := range vals {
					ptrs[i] = &vals[i]
				}
				if err := rows.Scan(ptrs...); err != nil {
					return err
				}
				for i, v := range vals {
					var b []byte
					switch x := v.(type) {
					case []byte:
						b = x
					case string:
						b = []byte(x)
					}
					if bytes.Contains(b, control) {
						foundControl++
					}
					for _, s := range secrets {
						if bytes.Contains(b, s) {
							t.Errorf("%s.%s holds face data in the clear", table, names[i])
						}
					}
				}
			}
			return rows.Err()
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	err = filepath.WalkDir(e.Config.DataDir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if bytes.Contains(b, control) {
			foundControl++
		}
		for _, s := range secrets {
			if bytes.Contains(b, s) {
				t.Errorf("%s holds face data in the clear", path)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if foundControl == 0 {
		t.Errorf("the scan did not find the control value %q: it would miss the secrets too", control)
	}
}

// Templates are sealed under the enrolled person's own key, never the
// account's: a plaintext scan of the database and the data directory finds
// no template, label or evidence. Withdrawal of consent destroys the key
// (the stored ciphertext no longer opens) and purges the rows, and the
// person is no longer recognised; so do turning the feature off, deleting
// the site, and the end of retention.
// proves: F4
func TestTemplatesSealedApartAndDestroyed(t *testing.T) {
	vigiltest.Each(t, func(t *testing.T, e *vigiltest.Env) {
		h := newHome(t, e, "owner@example.com")
		h.turnOn(t)
		p := h.enrol(t, e, "Paul Rudd the actor", photo(t, "paul-rudd-1"))
		secret := secrets(t)
		scanClear(t, e, []byte(p.ID), secret)

		sealed := sealedTemplates(t, e, p.ID)
		if len(sealed) != 1 {
			t.Fatalf("sealed templates: %d", len(sealed))
		}
		ctx := context.Background()
		for id, ct := range sealed {
			plain, err := e.App.Keys.OpenSubject(ctx, p.ID, ct, keys.FieldAD("face_templates.template_sealed", id))
			if err != nil {
				t.Fatalf("the template does not open under the person's key: %v", err)
			}
			// The scan looked for the very bytes that were sealed.
			if !bytes.HasPrefix(plain, secret[0]) {
				t.Fatal("the scanned-for template is not the stored one")
			}
			if _, err := e.App.Keys.OpenAccount(ctx, h.owner.AccountID, ct, keys.FieldAD("face_templates.template_sealed", id)); err == nil {
				t.Fatal("the template opens under the account key")
			}
		}

		// Withdrawal: the key goes, then the rows.
		h.owner.Must(http.StatusNoContent, "DELETE", "/api/v1/accounts/"+h.owner.AccountID+"/face/people/"+p.ID, nil)
		for id, ct := range sealed {
			if _, err := e.App.Keys.OpenSubject(ctx, p.ID, ct, keys.FieldAD("face_templates.template_sealed", id)); err == nil {
				t.Fatal("a withdrawn person's template still opens")
			}
		}
		if left := sealedTemplates(t, e, p.ID); len(left) != 0 {
			t.Fatalf("templates left after withdrawal: %d", len(left))
		}
		if r := h.upload(t, e, "ev-1", photo(t, "paul-rudd-2")); !r.Processed || r.Matches != 0 {
			t.Fatalf("a withdrawn person is still recognised: %+v", r)
		}
		if r := h.owner.Do("DELETE", "/api/v1/accounts/"+h.owner.AccountID+"/face/people/"+p.ID, nil); r.Status != http.StatusNotFound {
			t.Fatalf("second removal: %d", r.Status)
		}

		// Turned off: every person's key goes.
		p2 := h.enrol(t, e, "Paul again", photo(t, "paul-rudd-1"))
		sealed = sealedTemplates(t, e, p2.ID)
		h.owner.Must(http.StatusNoContent, "DELETE", h.facePath(), nil)
		for id, ct := range sealed {
			if _, err := e.App.Keys.OpenSubject(ctx, p2.ID, ct, keys.FieldAD("face_templates.template_sealed", id)); err == nil {
				t.Fatal("a template still opens after the feature was turned off")
			}
		}
		if left := sealedTemplates(t, e, p2.ID); len(left) != 0 {
			t.Fatal("templates left after the feature was turned off")
		}
		var st face.Status
		h.owner.Must(http.StatusOK, "GET", h.facePath(), nil).Decode(t, &st)
		if st.Enabled || st.Reason != face.ReasonOff {
			t.Fatalf("status after turning off: %+v", st)
		}

		// The site deleted: the job that follows erases its people.
		site2 := newHome(t, e, "second@example.com")
		site2.turnOn(t)
		p4 := site2.enrol(t, e, "Paul elsewhere", photo(t, "paul-rudd-1"))
		sealed4 := sealedTemplates(t, e, p4.ID)
		site2.owner.Must(http.StatusOK, "PATCH", "/api/v1/accounts/"+site2.owner.AccountID+"/devices/"+site2.cam.DeviceID, map[string]any{"site_id": ""})
		site2.owner.Must(http.StatusNoContent, "DELETE", "/api/v1/accounts/"+site2.owner.AccountID+"/sites/"+site2.site, nil)
		if err := e.App.Face.ApplyRegionRules(ctx); err != nil {
			t.Fatal(err)
		}
		for id, ct := range sealed4 {
			if _, err := e.App.Keys.OpenSubject(ctx, p4.ID, ct, keys.FieldAD("face_templates.template_sealed", id)); err == nil {
				t.Fatal("a deleted site's template still opens")
			}
		}

		// End of retention (365 days from enrolment): the retention sweep
		// purges the person and destroys the key.
		h.owner.Must(http.StatusCreated, "PUT", h.facePath(), map[string]string{"lawful_basis": "consent"})
		p3 := h.enrol(t, e, "Paul once more", photo(t, "paul-rudd-1"))
		sealed = sealedTemplates(t, e, p3.ID)
		e.Clock.Advance(364 * 24 * time.Hour)
		if _, err := e.App.Retention.Sweep(ctx); err != nil {
			t.Fatal(err)
		}
		if len(sealedTemplates(t, e, p3.ID)) != 1 {
			t.Fatal("purged before its retention ended")
		}
		e.Clock.Advance(2 * 24 * time.Hour)
		if _, err := e.App.Retention.Sweep(ctx); err != nil {
			t.Fatal(err)
		}
		if len(sealedTemplates(t, e, p3.ID)) != 0 {
			t.Fatal("not purged at the end of retention")
		}
		for id, ct := range sealed {
			if _, err := e.App.Keys.OpenSubject(ctx, p3.ID, ct, keys.FieldAD("face_templates.template_sealed", id)); err == nil {
				t.Fatal("a template still opens after its retention ended")
			}
		}
	})
}

// The operator stops face recognition in a region: the next picture is not
// processed and a `face` alarm is no longer stored, the app says why, and
// the region's rule (erase 30 days later) is carried out by a job whose
// state survives a restart, with proof (when, how many people).
// proves: F5
func TestRegionalKillSwitch(t *testing.T) {
	vigiltest.Each(t, func(t *testing.T, e *vigiltest.Env) {
		h := newHome(t, e, "owner@example.com")
		// Before anyone turns it on, a camera's `face` alarm is not stored.
		if err := h.faceAlarm(t, e, "ev-off"); err == nil {
			t.Fatal("a face alarm was stored although nobody turned face recognition on")
		}
		h.turnOn(t)
		p := h.enrol(t, e, "Paul", photo(t, "paul-rudd-1"))
		sealed := sealedTemplates(t, e, p.ID)
		if r := h.upload(t, e, "ev-1", photo(t, "paul-rudd-2")); r.Matches != 1 {
			t.Fatalf("before the stop: %+v", r)
		}

		support := e.StaffMember("sam@vigil.test", "support_l2")
		stop := map[string]any{"reason": "A new law forbids biometric recognition in homes.", "delete_after_days": 30}
		if r := support.Do("PUT", "/api/v1/staff/face/regions/EU/stop", stop); r.Status != http.StatusForbidden {
			t.Fatalf("support stopped a region: %d %s", r.Status, r.Body)
		}
		dpo := e.StaffMember("dee@vigil.test", "dpo")
		if r := dpo.Do("PUT", "/api/v1/staff/face/regions/Atlantis/stop", stop); r.Status != http.StatusBadRequest {
			t.Fatalf("unknown region: %d", r.Status)
		}
		dpo.Must(http.StatusCreated, "PUT", "/api/v1/staff/face/regions/EU/stop", stop)

		if r := h.upload(t, e, "ev-2", photo(t, "paul-rudd-2")); r.Processed || r.Reason != face.ReasonRegionStopped {
			t.Fatalf("the next picture after the stop: %+v", r)
		}
		if err := h.faceAlarm(t, e, "ev-3"); err == nil {
			t.Fatal("a face alarm was stored after the region was stopped")
		}
		var st face.Status
		h.owner.Must(http.StatusOK, "GET", h.facePath(), nil).Decode(t, &st)
		if st.Active || st.Reason != face.ReasonRegionStopped || !strings.Contains(st.Notice, "A new law forbids") {
			t.Fatalf("the app does not say why: %+v", st)
		}
		if r := h.owner.Do("PUT", h.facePath(), map[string]string{"lawful_basis": "consent"}); r.Status != http.StatusForbidden && r.Status != http.StatusConflict {
			t.Fatalf("turned on in a stopped region: %d", r.Status)
		}
		// The rule: nothing before 30 days; after, across a restart, erased.
		e.Clock.Advance(29 * 24 * time.Hour)
		if err := e.App.Face.ApplyRegionRules(t.Context()); err != nil {
			t.Fatal(err)
		}
		if len(sealedTemplates(t, e, p.ID)) != 1 {
			t.Fatal("erased before the region's rule said")
		}
		e = e.Restart(vigiltest.Online)
		e.Clock.Advance(2 * 24 * time.Hour)
		if err := e.App.Face.ApplyRegionRules(t.Context()); err != nil {
			t.Fatal(err)
		}
		if len(sealedTemplates(t, e, p.ID)) != 0 {
			t.Fatal("the region's rule was not carried out after a restart")
		}
		for id, ct := range sealed {
			if _, err := e.App.Keys.OpenSubject(t.Context(), p.ID, ct, keys.FieldAD("face_templates.template_sealed", id)); err == nil {
				t.Fatal("a template collected under the stopped feature still opens")
			}
		}
		var reg struct {
			Stopped bool
			Stop    face.RegionStop
		}
		owner := h.owner.On(e)
		owner.Login() // a month later: the session ended
		owner.Must(http.StatusOK, "GET", "/api/v1/face/regions/EU", nil).Decode(t, &reg)
		if !reg.Stopped || reg.Stop.DoneAt.IsZero() || reg.Stop.ErasedPeople != 1 {
			t.Fatalf("no proof of the rule: %+v", reg)
		}
	})
}

// Vendor staff see a site's enrolled people only under a live grant that
// names face.template; a grant for other data does not open them. Each
// use is logged beside the grant, and no answer carries a template.
// proves: F3, F4
func TestStaffNeedAFaceGrant(t *testing.T) {
	vigiltest.Each(t, func(t *testing.T, e *vigiltest.Env) {
		h := newHome(t, e, "owner@example.com")
		h.turnOn(t)
		h.enrol(t, e, "Paul", photo(t, "paul-rudd-1"))
		support := e.StaffMember("sam@vigil.test", "support_l2")
		path := "/api/v1/staff/accounts/" + h.owner.AccountID + "/sites/" + h.site + "/face/people"
		grant := func(cats ...string) {
			h.owner.Must(http.StatusCreated, "POST", "/api/v1/accounts/"+h.owner.AccountID+"/grants", map[string]any{
				"staff_id": support.UserID, "categories": cats, "until": e.Clock.Now().Add(24 * time.Hour),
				"ticket": "T-1", "reason": "recognition misses my brother"})
		}
		// Without a grant covering them, staff meet them as any foreign
		// object: 404.
		if r := support.Do("GET", path, nil); r.Status != http.StatusNotFound {
			t.Fatalf("no grant: %d %s", r.Status, r.Body)
		}
		grant("media.snapshot", "device.info", "alarm.event")
		if r := support.Do("GET", path, nil); r.Status != http.StatusNotFound {
			t.Fatalf("an ordinary grant opened face data: %d %s", r.Status, r.Body)
		}
		grant("face.template")
		r := support.Must(http.StatusOK, "GET", path, nil)
		if !bytes.Contains(r.Body, []byte(`"templates":1`)) || bytes.Contains(r.Body, []byte("sealed")) {
			t.Fatalf("staff view: %s", r.Body)
		}
		var gs struct {
			Grants []struct {
				Categories []string
				Uses       []struct{ Category string }
			}
		}
		h.owner.Must(http.StatusOK, "GET", "/api/v1/accounts/"+h.owner.AccountID+"/grants", nil).Decode(t, &gs)
		used := false
		for _, g := range gs.Grants {
			if slices.Contains(g.Categories, "face.template") && len(g.Uses) > 0 && g.Uses[0].Category == "face.template" {
				used = true
			}
		}
		if !used {
			t.Fatalf("the use of the face grant is not shown to the customer: %+v", gs.Grants)
		}
	})
}

// faceCrop cuts the detected face out of a photo, as a camera's own
// detector would, and encodes it as JPEG.
func faceCrop(t *testing.T, name string) []byte {
	t.Helper()
	eng, err := engine.New(engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	m, err := eng.Decode(photo(t, name))
	if err != nil {
		t.Fatal(err)
	}
	b := eng.Detect(m)[0].Box.Intersect(image.Rect(0, 0, m.W, m.H))
	c := engine.NewRGB(b.Dx(), b.Dy())
	for y := 0; y < b.Dy(); y++ {
		copy(c.Pix[3*y*c.W:3*(y+1)*c.W], m.Pix[3*((b.Min.Y+y)*m.W+b.Min.X):3*((b.Min.Y+y)*m.W+b.Max.X)])
	}
	var out bytes.Buffer
	if err := jpeg.Encode(&out, c.Image(), &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// The face uplink answers bad input with a clear 4xx and keeps nothing.
func TestFaceUplinkRefusesBadInput(t *testing.T) {
	e := vigiltest.Start(t)
	h := newHome(t, e, "owner@example.com")
	h.turnOn(t)
	put := func(path, user, secret string, body []byte) int {
		t.Helper()
		req, _ := http.NewRequestWithContext(t.Context(), "PUT", e.URL+path, bytes.NewReader(body))
		req.Header.Set("Content-Type", "image/jpeg")
		if user != "" {
			req.SetBasicAuth(user, secret)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	base := "/api/v1/devices/" + h.cam.DeviceID + "/faces/ev-1"
	for _, c := range []struct {
		name, path, user, secret string
		body                     []byte
		want                     int
	}{
		{"no credential", base, "", "", photo(t, "paul-rudd-1"), http.StatusUnauthorized},
		{"wrong secret", base, h.cam.DeviceID, "vdk_wrong", photo(t, "paul-rudd-1"), http.StatusUnauthorized},
		{"another device's path", "/api/v1/devices/dev_aaaaaaaaaaaaaaaaaaaaaaaaaa/faces/ev-1", h.cam.DeviceID, h.cam.Secret, photo(t, "paul-rudd-1"), http.StatusForbidden},
		{"not a JPEG", base, h.cam.DeviceID, h.cam.Secret, []byte("GIF89a"), http.StatusBadRequest},
		{"truncated JPEG", base, h.cam.DeviceID, h.cam.Secret, photo(t, "paul-rudd-1")[:500], http.StatusBadRequest},
		{"unknown kind", base + "?kind=video", h.cam.DeviceID, h.cam.Secret, photo(t, "paul-rudd-1"), http.StatusBadRequest},
		{"too large", base, h.cam.DeviceID, h.cam.Secret, bytes.Repeat([]byte{0xFF}, 3<<20), http.StatusRequestEntityTooLarge},
	} {
		if got := put(c.path, c.user, c.secret, c.body); got != c.want {
			t.Errorf("%s: %d, want %d", c.name, got, c.want)
		}
	}
	if ms := h.matches(t); len(ms) != 0 {
		t.Fatalf("bad input left matches: %+v", ms)
	}
	// An enrolment photo without a face, or with two people, is refused.
	for _, pic := range [][]byte{faceless(t), twoPeople(t)} {
		r := h.owner.Do("POST", h.facePath()+"/people", map[string]any{"label": "x", "lawful_basis": "consent",
			"photos": [][]byte{pic}, "consent": consentRecord(e)})
		if r.Status != http.StatusBadRequest {
			t.Errorf("enrolment photo without exactly one face: %d %s", r.Status, r.Body)
		}
	}
}

func faceless(t *testing.T) []byte {
	t.Helper()
	m := engine.NewRGB(320, 240)
	for i := range m.Pix {
		m.Pix[i] = uint8(i * 7)
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, m.Image(), nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func twoPeople(t *testing.T) []byte {
	t.Helper()
	eng, err := engine.New(engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	a, _ := eng.Decode(photo(t, "paul-rudd-1"))
	c, _ := eng.Decode(photo(t, "chris-pratt"))
	out := engine.NewRGB(a.W+c.W, max(a.H, c.H))
	for y := 0; y < a.H; y++ {
		copy(out.Pix[3*y*out.W:], a.Pix[3*y*a.W:3*(y+1)*a.W])
	}
	for y := 0; y < c.H; y++ {
		copy(out.Pix[3*(y*out.W+a.W):], c.Pix[3*y*c.W:3*(y+1)*c.W])
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, out.Image(), nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
