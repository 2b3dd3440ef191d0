package httpapi_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/fxamacker/cbor/v2"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/vigiltest"
)

// softKey is a software security key speaking WebAuthn's wire format (a
// P-256 key, "none" attestation), as a browser hands a hardware key's
// answers to vigil. The browser tests use Chromium's virtual authenticator.
type softKey struct {
	origin, rpID string
	priv         *ecdsa.PrivateKey
	id           []byte
	count        uint32
}

func newSoftKey(t *testing.T, origin, rpID string) *softKey {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	id := make([]byte, 32)
	rand.Read(id)
	return &softKey{origin: origin, rpID: rpID, priv: priv, id: id}
}

var b64 = base64.RawURLEncoding

func (k *softKey) clientData(t *testing.T, typ string, options []byte) []byte {
	t.Helper()
	var o struct {
		PublicKey struct {
			Challenge string `json:"challenge"`
		} `json:"publicKey"`
	}
	if err := json.Unmarshal(options, &o); err != nil || o.PublicKey.Challenge == "" {
		t.Fatalf("options without a challenge: %s", options)
	}
	cd, _ := json.Marshal(map[string]any{"type": typ, "challenge": o.PublicKey.Challenge, "origin": k.origin, "crossOrigin": false})
	return cd
}

func (k *softKey) authData(flags byte, attested []byte) []byte {
	rp := sha256.Sum256([]byte(k.rpID))
	k.count++
	out := append(rp[:], flags)
	out = binary.BigEndian.AppendUint32(out, k.count)
	return append(out, attested...)
}

// create answers navigator.credentials.create.
func (k *softKey) create(t *testing.T, options []byte) map[string]any {
	t.Helper()
	enc, err := cbor.CTAP2EncOptions().EncMode()
	if err != nil {
		t.Fatal(err)
	}
	x, y := make([]byte, 32), make([]byte, 32)
	k.priv.PublicKey.X.FillBytes(x)
	k.priv.PublicKey.Y.FillBytes(y)
	cose, err := enc.Marshal(map[int]any{1: 2, 3: -7, -1: 1, -2: x, -3: y})
	if err != nil {
		t.Fatal(err)
	}
	attested := make([]byte, 16) // AAGUID: none
	attested = binary.BigEndian.AppendUint16(attested, uint16(len(k.id)))
	attested = append(append(attested, k.id...), cose...)
	ao, err := enc.Marshal(map[string]any{"fmt": "none", "attStmt": map[string]any{}, "authData": k.authData(0x45, attested)})
	if err != nil {
		t.Fatal(err)
	}
	return map[string]any{"id": b64.EncodeToString(k.id), "rawId": b64.EncodeToString(k.id), "type": "public-key",
		"response": map[string]any{"clientDataJSON": b64.EncodeToString(k.clientData(t, "webauthn.create", options)),
			"attestationObject": b64.EncodeToString(ao), "transports": []string{"usb"}}}
}

// get answers navigator.credentials.get.
func (k *softKey) get(t *testing.T, options []byte) map[string]any {
	t.Helper()
	cd := k.clientData(t, "webauthn.get", options)
	ad := k.authData(0x05, nil)
	h := sha256.Sum256(cd)
	digest := sha256.Sum256(append(append([]byte{}, ad...), h[:]...))
	sig, err := ecdsa.SignASN1(rand.Reader, k.priv, digest[:])
	if err != nil {
		t.Fatal(err)
	}
	return map[string]any{"id": b64.EncodeToString(k.id), "rawId": b64.EncodeToString(k.id), "type": "public-key",
		"response": map[string]any{"clientDataJSON": b64.EncodeToString(cd), "authenticatorData": b64.EncodeToString(ad),
			"signature": b64.EncodeToString(sig)}}
}

// vigil's test address is http://vigil.test: the relying party is that host.
const testOrigin, testRP = "http://vigil.test", "vigil.test"

// registerKey runs a registration ceremony for a signed-in or pending client.
func registerKey(t *testing.T, c *vigiltest.Client, k *softKey, body any) vigiltest.Response {
	t.Helper()
	opts := c.Must(http.StatusOK, "POST", "/api/v1/staff/auth/keys", body)
	return c.Do("POST", "/api/v1/staff/auth/keys/finish", map[string]any{"credential": k.create(t, opts.Body)})
}

func keySignIn(t *testing.T, c *vigiltest.Client, k *softKey) vigiltest.Response {
	t.Helper()
	opts := c.Must(http.StatusOK, "POST", "/api/v1/staff/auth/key-sign-in", nil)
	return c.Do("POST", "/api/v1/staff/auth/key-sign-in/finish", map[string]any{"credential": k.get(t, opts.Body)})
}

func bootstrapOperator(t *testing.T, e *vigiltest.Env, email string) *vigiltest.Client {
	t.Helper()
	token, err := e.App.Accounts.IssueBootstrap(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	c := e.Client()
	c.Email, c.Password = email, vigiltest.DefaultPassword
	c.Must(http.StatusCreated, "POST", "/api/v1/staff/bootstrap", map[string]any{
		"token": token, "email": c.Email, "name": "Key Operator", "password": c.Password,
		"training_valid_until": e.Clock.Now().AddDate(1, 0, 0)})
	return c
}

// The first operator administrator enrols a security key at first sign-in
// and completes every later sign-in with it; a challenge is answered once,
// a wrong key or a look-alike origin is refused, and a password alone
// (a pending session) cannot add a key to an account that has one.
// proves: P3, P6
func TestStaffSecurityKeys(t *testing.T) {
	vigiltest.Each(t, func(t *testing.T, e *vigiltest.Env) {
		op := bootstrapOperator(t, e, "keys@vigil.test")
		login := func() map[string]any {
			return op.Must(http.StatusOK, "POST", "/api/v1/staff/auth/login", map[string]string{"email": op.Email, "password": op.Password}).JSON()
		}
		if r := login(); r["enrolment_required"] != true || r["factors"] != nil {
			t.Fatalf("first sign-in: %v", r)
		}
		if r := op.Do("GET", "/api/v1/staff/me", nil); r.Status != http.StatusForbidden || r.ErrorCode() != "mfa_required" {
			t.Fatalf("staff route before a second factor: %d %s", r.Status, r.Body)
		}
		key := newSoftKey(t, testOrigin, testRP)

		// A key made for another site (a phishing page's origin) is refused.
		if r := registerKey(t, op, newSoftKey(t, "http://vigil.test.example", testRP), nil); r.Status != http.StatusUnauthorized {
			t.Fatalf("key from a look-alike origin: %d %s", r.Status, r.Body)
		}
		r := registerKey(t, op, key, nil)
		if r.Status != http.StatusOK || r.JSON()["mfa_required"] != false {
			t.Fatalf("register key: %d %s", r.Status, r.Body)
		}
		var me map[string]any
		op.Must(http.StatusOK, "GET", "/api/v1/staff/me", nil).Decode(t, &me)
		if f, _ := me["factors"].([]any); len(f) != 1 || f[0] != "security_key" {
			t.Fatalf("factors after registering: %v", me)
		}
		// A registration answer is worth one key: replaying it finds no challenge.
		if r := op.Do("POST", "/api/v1/staff/auth/keys/finish", map[string]any{"credential": key.create(t, []byte(`{"publicKey":{"challenge":"AAAA"}}`))}); r.Status != http.StatusBadRequest {
			t.Fatalf("replayed registration: %d %s", r.Status, r.Body)
		}

		op.Must(http.StatusNoContent, "POST", "/api/v1/auth/logout", nil)
		if r := login(); r["enrolment_required"] != false || !strings.Contains(string(mustJSON(r["factors"])), "security_key") {
			t.Fatalf("second sign-in: %v", r)
		}
		// A password alone cannot add another key, nor an authenticator app.
		if r := op.Do("POST", "/api/v1/staff/auth/keys", nil); r.Status != http.StatusForbidden || r.ErrorCode() != "mfa_required" {
			t.Fatalf("pending session adding a key: %d %s", r.Status, r.Body)
		}
		if r := op.Do("POST", "/api/v1/me/mfa/totp", nil); r.Status != http.StatusForbidden {
			t.Fatalf("pending session adding an authenticator: %d %s", r.Status, r.Body)
		}
		// Another key with the same credential ID signs wrongly.
		forged := newSoftKey(t, testOrigin, testRP)
		forged.id = key.id
		if r := keySignIn(t, op, forged); r.Status != http.StatusUnauthorized {
			t.Fatalf("forged key: %d %s", r.Status, r.Body)
		}
		if r := keySignIn(t, op, key); r.Status != http.StatusOK || r.JSON()["mfa_required"] != false {
			t.Fatalf("key sign-in: %d %s", r.Status, r.Body)
		}
		op.Must(http.StatusOK, "GET", "/api/v1/staff/members", nil)
		// Signed in, the member may add a second key (a spare).
		if r := registerKey(t, op, newSoftKey(t, testOrigin, testRP), nil); r.Status != http.StatusOK {
			t.Fatalf("spare key: %d %s", r.Status, r.Body)
		}
		var f map[string]any
		op.Must(http.StatusOK, "GET", "/api/v1/staff/auth/factors", nil).Decode(t, &f)
		if f["security_keys"] != 2.0 {
			t.Fatalf("factors: %v", f)
		}
		if m := e.Mail.Wait(t, op.Email, "security key was added"); m.To != op.Email {
			t.Fatalf("no mail about the new key")
		}
		// Garbage in the credential is a 400, not a crash.
		op.Must(http.StatusOK, "POST", "/api/v1/staff/auth/keys", nil)
		if r := op.Do("POST", "/api/v1/staff/auth/keys/finish", map[string]any{"credential": map[string]any{"id": 5}}); r.Status != http.StatusBadRequest {
			t.Fatalf("garbage credential: %d %s", r.Status, r.Body)
		}
	})
}

func mustJSON(v any) []byte { b, _ := json.Marshal(v); return b }

// Under the operator's policy, security officers, DPOs and operator
// administrators sign in with a key only: no authenticator-app codes, and
// one who had an app moves to a key by proving the app's code. Other roles
// keep the app. Staff sign in at their own route: the customer sign-in
// answers a staff member's right password exactly as an unknown address.
// proves: P3, P6
func TestStaffWebAuthnPolicy(t *testing.T) {
	e := vigiltest.Start(t)
	op := e.Operator() // enrolled an authenticator app before the policy
	support := op.Staff("support@vigil.test", access.StaffSupportL1, e.Clock.Now().AddDate(1, 0, 0))

	unknown := e.Client().Do("POST", "/api/v1/auth/login", map[string]string{"email": "nobody@vigil.test", "password": op.Password})
	asCustomer := e.Client().Do("POST", "/api/v1/auth/login", map[string]string{"email": op.Email, "password": op.Password})
	if asCustomer.Status != http.StatusUnauthorized || asCustomer.Status != unknown.Status || string(asCustomer.Body) != string(unknown.Body) {
		t.Fatalf("customer sign-in with staff credentials: %d %s; unknown address: %d %s", asCustomer.Status, asCustomer.Body, unknown.Status, unknown.Body)
	}

	e.Config.Auth.StaffWebAuthnRequired = true
	e2 := e.Restart(vigiltest.Online)
	op = op.On(e2)
	r := op.Must(http.StatusOK, "POST", "/api/v1/staff/auth/login", map[string]string{"email": op.Email, "password": op.Password}).JSON()
	if r["enrolment_required"] != true {
		t.Fatalf("operator with only an app under the policy: %v", r)
	}
	if r := op.Do("POST", "/api/v1/auth/mfa", map[string]string{"code": op.TOTP()}); r.Status != http.StatusForbidden || r.ErrorCode() != "mfa_required" {
		t.Fatalf("app code under the policy: %d %s", r.Status, r.Body)
	}
	// Moving to a key needs the app's code: a password alone is not enough.
	if r := op.Do("POST", "/api/v1/staff/auth/keys", map[string]string{"code": "000000"}); r.Status != http.StatusUnauthorized {
		t.Fatalf("key registration without the app's code: %d %s", r.Status, r.Body)
	}
	key := newSoftKey(t, testOrigin, testRP)
	if r := registerKey(t, op, key, map[string]string{"code": op.TOTP()}); r.Status != http.StatusOK {
		t.Fatalf("moving to a key: %d %s", r.Status, r.Body)
	}
	op.Must(http.StatusOK, "GET", "/api/v1/staff/members", nil)
	op.Must(http.StatusOK, "POST", "/api/v1/staff/auth/login", map[string]string{"email": op.Email, "password": op.Password})
	if r := keySignIn(t, op, key); r.Status != http.StatusOK {
		t.Fatalf("key sign-in under the policy: %d %s", r.Status, r.Body)
	}

	// Support keeps the authenticator app.
	support = support.On(e2)
	support.StaffLogin()
	support.Must(http.StatusOK, "GET", "/api/v1/staff/me", nil)

	// A new privileged member cannot choose the app.
	dpo := e2.Client()
	dpo.Email, dpo.Password = "dpo-first@vigil.test", vigiltest.DefaultPassword
	token, err := e2.App.Accounts.IssueBootstrap(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	dpo.Must(http.StatusCreated, "POST", "/api/v1/staff/bootstrap", map[string]any{"token": token, "email": dpo.Email, "name": "Second",
		"password": dpo.Password, "training_valid_until": e2.Clock.Now().AddDate(1, 0, 0)})
	dpo.Must(http.StatusOK, "POST", "/api/v1/staff/auth/login", map[string]string{"email": dpo.Email, "password": dpo.Password})
	if r := dpo.Do("POST", "/api/v1/me/mfa/totp", nil); r.Status != http.StatusForbidden || r.ErrorCode() != "mfa_required" {
		t.Fatalf("privileged member choosing the app: %d %s", r.Status, r.Body)
	}

	// Support keeps the authenticator app, offered as a QR code (a PNG).
	l2 := op.Staff("l2@vigil.test", access.StaffSupportL2, e2.Clock.Now().AddDate(1, 0, 0))
	l2.Must(http.StatusOK, "POST", "/api/v1/staff/auth/login", map[string]string{"email": l2.Email, "password": l2.Password})
	var enrol struct {
		QR string `json:"qr_png"`
	}
	l2.Must(http.StatusCreated, "POST", "/api/v1/me/mfa/totp", nil).Decode(t, &enrol)
	png, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(enrol.QR, "data:image/png;base64,"))
	if err != nil || !strings.HasPrefix(enrol.QR, "data:image/png;base64,") || string(png[1:4]) != "PNG" {
		t.Fatalf("QR code: %.60s", enrol.QR)
	}
}
