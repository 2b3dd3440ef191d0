// Package smsfake is a local SMS provider that speaks the wire protocol of
// Twilio's Messages API, the one part of notification delivery that cannot
// run here: POST {base}/2010-04-01/Accounts/{AccountSid}/Messages.json with
// the form fields To, From and Body, HTTP Basic authentication (account SID,
// auth token), and a JSON answer with sid and status. It keeps what it
// receives so tests and demos can read it, and can be told to fail.
package smsfake

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Message is one SMS the provider accepted.
type Message struct {
	SID  string
	To   string
	From string
	Body string
	At   time.Time
}

// Provider is the fake provider; it is an http.Handler.
type Provider struct {
	AccountSID string
	AuthToken  string

	mu    sync.Mutex
	msgs  []Message
	fail  int // answer the next fail requests with 500
	calls int
	cond  *sync.Cond
}

// New returns a provider that accepts the given credentials.
func New(accountSID, authToken string) *Provider {
	p := &Provider{AccountSID: accountSID, AuthToken: authToken}
	p.cond = sync.NewCond(&p.mu)
	return p
}

// FailNext makes the next n requests fail with 500.
func (p *Provider) FailNext(n int) {
	p.mu.Lock()
	p.fail = n
	p.mu.Unlock()
}

// Messages returns what was accepted so far.
func (p *Provider) Messages() []Message {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Message(nil), p.msgs...)
}

// Calls returns how many requests reached the messages endpoint.
func (p *Provider) Calls() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.calls
}

// Reset forgets the messages accepted so far.
func (p *Provider) Reset() {
	p.mu.Lock()
	p.msgs = nil
	p.mu.Unlock()
}

// Wait returns once at least n messages were accepted or timeout passed,
// with what was accepted.
func (p *Provider) Wait(n int, timeout time.Duration) []Message {
	deadline := time.Now().Add(timeout)
	p.mu.Lock()
	defer p.mu.Unlock()
	for len(p.msgs) < n && time.Now().Before(deadline) {
		go func() { time.Sleep(20 * time.Millisecond); p.cond.Broadcast() }()
		p.cond.Wait()
	}
	return append([]Message(nil), p.msgs...)
}

type apiError struct {
	Code     int    `json:"code"`
	Message  string `json:"message"`
	MoreInfo string `json:"more_info"`
	Status   int    `json:"status"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v) //nolint:errcheck // the client went away
}

func fail(w http.ResponseWriter, status, code int, msg string) {
	writeJSON(w, status, apiError{Code: code, Message: msg, MoreInfo: "https://www.twilio.com/docs/errors/" + itoa(code), Status: status})
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// ServeHTTP answers the Messages API.
func (p *Provider) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	prefix := "/2010-04-01/Accounts/"
	rest, ok := strings.CutPrefix(r.URL.Path, prefix)
	sid, tail, _ := strings.Cut(rest, "/")
	if !ok || tail != "Messages.json" {
		fail(w, http.StatusNotFound, 20404, "The requested resource was not found")
		return
	}
	if r.Method != http.MethodPost {
		fail(w, http.StatusMethodNotAllowed, 20004, "Method not allowed")
		return
	}
	user, pass, ok := r.BasicAuth()
	if !ok || subtle.ConstantTimeCompare([]byte(user), []byte(p.AccountSID)) != 1 ||
		subtle.ConstantTimeCompare([]byte(pass), []byte(p.AuthToken)) != 1 || sid != p.AccountSID {
		w.Header().Set("WWW-Authenticate", `Basic realm="Twilio API"`)
		fail(w, http.StatusUnauthorized, 20003, "Authenticate")
		return
	}
	p.mu.Lock()
	p.calls++
	if p.fail > 0 {
		p.fail--
		p.mu.Unlock()
		fail(w, http.StatusInternalServerError, 20500, "Internal Server Error")
		return
	}
	p.mu.Unlock()
	if err := r.ParseForm(); err != nil {
		fail(w, http.StatusBadRequest, 21100, "Could not parse the request")
		return
	}
	to, from, body := r.PostForm.Get("To"), r.PostForm.Get("From"), r.PostForm.Get("Body")
	switch {
	case to == "":
		fail(w, http.StatusBadRequest, 21604, "A 'To' phone number is required.")
		return
	case from == "":
		fail(w, http.StatusBadRequest, 21603, "A 'From' phone number is required.")
		return
	case body == "":
		fail(w, http.StatusBadRequest, 21602, "Message body is required.")
		return
	case len(body) > 1600:
		fail(w, http.StatusBadRequest, 21617, "The concatenated message body exceeds the 1600 character limit.")
		return
	}
	var b [16]byte
	rand.Read(b[:]) //nolint:errcheck // never fails
	m := Message{SID: "SM" + hex.EncodeToString(b[:]), To: to, From: from, Body: body, At: time.Now().UTC()}
	p.mu.Lock()
	p.msgs = append(p.msgs, m)
	p.mu.Unlock()
	p.cond.Broadcast()
	now := m.At.Format(time.RFC1123Z)
	writeJSON(w, http.StatusCreated, map[string]any{
		"sid": m.SID, "account_sid": p.AccountSID, "to": to, "from": from, "body": body, "status": "queued",
		"num_segments": "1", "direction": "outbound-api", "date_created": now, "date_updated": now, "api_version": "2010-04-01",
		"uri": prefix + p.AccountSID + "/Messages/" + m.SID + ".json",
	})
}
