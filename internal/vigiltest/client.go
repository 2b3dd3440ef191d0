package vigiltest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/vigil-cloud/vigil/internal/account"
)

// Client is one browser or script talking to vigil.
type Client struct {
	e      *Env
	hc     *http.Client
	Bearer string // an API token, sent instead of the cookie when set
	// Basic, when set ("user:password"), is sent as HTTP Basic
	// authentication, as devices authenticate.
	Basic string

	// Filled by the sign-up helpers.
	UserID, AccountID, Email, Password string
	totpSecret                         string
}

// Client returns a client with an empty cookie jar.
func (e *Env) Client() *Client {
	jar, _ := cookiejar.New(nil)
	return &Client{e: e, hc: &http.Client{Jar: jar, Timeout: 30 * time.Second, Transport: e.transport}}
}

// Response is what vigil answered.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into a generic value.
func (r Response) JSON() map[string]any {
	var m map[string]any
	json.Unmarshal(r.Body, &m) //nolint:errcheck // tests check fields
	return m
}

// Decode decodes the body into v or fails the test.
func (r Response) Decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

// ErrorMessage returns the error message of a failed response.
func (r Response) ErrorMessage() string {
	var b struct {
		Error struct{ Code, Message string }
	}
	json.Unmarshal(r.Body, &b) //nolint:errcheck
	return b.Error.Message
}

// ErrorCode returns the error code of a failed response.
func (r Response) ErrorCode() string {
	var b struct {
		Error struct{ Code, Message string }
	}
	json.Unmarshal(r.Body, &b) //nolint:errcheck
	return b.Error.Code
}

// Do sends a request; body is JSON-encoded unless it is a string or []byte,
// which are sent as they are.
func (c *Client) Do(method, path string, body any) Response {
	c.e.T.Helper()
	var raw []byte
	switch b := body.(type) {
	case nil:
		return c.send(method, path, "", nil)
	case string:
		raw = []byte(b)
	case []byte:
		raw = b
	default:
		js, err := json.Marshal(b)
		if err != nil {
			c.e.T.Fatal(err)
		}
		raw = js
	}
	return c.send(method, path, "application/json", raw)
}

// DoType sends body as it is with the given content type.
func (c *Client) DoType(method, path, contentType string, body []byte) Response {
	c.e.T.Helper()
	return c.send(method, path, contentType, body)
}

func (c *Client) send(method, path, contentType string, body []byte) Response {
	c.e.T.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, c.e.URL+path, rd)
	if err != nil {
		c.e.T.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if c.Bearer != "" {
		req.Header.Set("Authorization", "Bearer "+c.Bearer)
	}
	if u, p, ok := strings.Cut(c.Basic, ":"); ok {
		req.SetBasicAuth(u, p)
	}
	res, err := c.hc.Do(req)
	if err != nil {
		c.e.T.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		c.e.T.Fatal(err)
	}
	return Response{Status: res.StatusCode, Header: res.Header, Body: data}
}

// Must sends a request and fails the test unless the status is want.
func (c *Client) Must(want int, method, path string, body any) Response {
	c.e.T.Helper()
	r := c.Do(method, path, body)
	if r.Status != want {
		c.e.T.Fatalf("%s %s: status %d, want %d: %s", method, path, r.Status, want, r.Body)
	}
	return r
}

// TOTP returns a fresh code for the client's authenticator, moving the
// fake clock past the step used last so codes are never replays.
func (c *Client) TOTP() string {
	c.e.T.Helper()
	c.e.Clock.Advance(31 * time.Second)
	code, err := account.TOTPCode(c.totpSecret, c.e.Clock.Now())
	if err != nil {
		c.e.T.Fatal(err)
	}
	return code
}

// EnrolTOTP sets up an authenticator for the signed-in (or pending) client.
func (c *Client) EnrolTOTP() Response {
	c.e.T.Helper()
	r := c.Must(http.StatusCreated, "POST", "/api/v1/me/mfa/totp", nil)
	var e account.TOTPEnrolment
	r.Decode(c.e.T, &e)
	c.totpSecret = e.Secret
	return c.Must(http.StatusOK, "POST", "/api/v1/me/mfa/totp/confirm", map[string]string{"code": c.TOTP()})
}

// On returns the client talking to e, a restarted vigil, with its cookies:
// sessions live in the database and outlast the restart.
func (c *Client) On(e *Env) *Client {
	n := *c
	hc := *c.hc
	hc.Transport = e.transport
	n.e, n.hc = e, &hc
	return &n
}

// TOTPSecret is the client's authenticator secret, for a browser that signs
// in as the same person.
func (c *Client) TOTPSecret() string { return c.totpSecret }

// Cookies returns the cookies the client holds for vigil, for a browser
// test to start signed in as this client.
func (c *Client) Cookies() []*http.Cookie {
	u, err := url.Parse(c.e.URL)
	if err != nil || c.hc.Jar == nil {
		return nil
	}
	return c.hc.Jar.Cookies(u)
}
