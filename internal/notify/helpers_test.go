package notify_test

import (
	"context"
	"encoding/base64"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"testing"
	"time"

	"github.com/vigil-cloud/vigil/internal/config"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/notify"
	"github.com/vigil-cloud/vigil/internal/notify/smsfake"
	"github.com/vigil-cloud/vigil/internal/privacy"
	"github.com/vigil-cloud/vigil/internal/store"
	"github.com/vigil-cloud/vigil/internal/vigiltest"
)

// smsProcessor is the SMS provider's ID in the registry of processors.
const smsProcessor = "prc_smsprovideraaaaaaaaaaaaaaa"

const (
	smsSID   = "AC_test_account"
	smsToken = "sms-secret-token"
)

// peers are the real local peers of the channels.
type peers struct {
	sms    *smsfake.Provider
	smsURL string
}

func startPeers(t *testing.T) *peers {
	p := smsfake.New(smsSID, smsToken)
	srv := httptest.NewServer(p)
	t.Cleanup(srv.Close)
	return &peers{sms: p, smsURL: srv.URL}
}

// option configures vigil for the peers: SMS through the fake provider,
// loopback webhooks and push services allowed.
func (p *peers) option(c *config.Config) {
	c.Notify.AllowLoopback = true
	c.Notify.SMS = config.SMS{BaseURL: p.smsURL, AccountSID: smsSID, AuthToken: smsToken, From: "+15550001111",
		Processor: smsProcessor, Timeout: 5 * time.Second}
}

var codeRE = regexp.MustCompile(`\b[0-9]{6}\b`)

// verifyPhone sets c's SMS number and sends back the code the provider
// received, as the person does (the SMS provider is registered for phone
// numbers first); the provider's inbox is emptied afterwards.
func (p *peers) verifyPhone(t *testing.T, e *vigiltest.Env, c *vigiltest.Client, phone string) {
	t.Helper()
	registerProcessor(t, e, smsProcessor, datamap.NotifyPrefs, datamap.NotifyMessage)
	p.sms.Reset()
	c.Must(http.StatusNoContent, "PUT", "/api/v1/me/phone", map[string]string{"phone": phone})
	msgs := p.sms.Wait(1, 10*time.Second)
	if len(msgs) == 0 {
		t.Fatal("no verification code arrived")
	}
	code := codeRE.FindString(msgs[len(msgs)-1].Body)
	c.Must(http.StatusNoContent, "POST", "/api/v1/me/phone/verify", map[string]string{"code": code})
	p.sms.Reset()
}

// registerProcessor enters the SMS provider in the registry of processors
// with the categories it may receive, in force around now.
func registerProcessor(t *testing.T, e *vigiltest.Env, id string, cats ...datamap.CategoryID) {
	t.Helper()
	now := e.Clock.Now()
	err := store.NewPrivacyStore(e.App.DB).PutProcessor(context.Background(), privacy.ProcessorRow{ID: id, Name: "Fake SMS Ltd",
		Service: "SMS delivery", Categories: cats, AgreementSignedAt: now.AddDate(-1, 0, 0), AgreementExpiresAt: now.AddDate(1, 0, 0),
		AssessedAt: now.AddDate(0, -1, 0), AssessmentExpiresAt: now.AddDate(1, 0, 0)})
	if err != nil {
		t.Fatal(err)
	}
}

// service builds a notification service on e's database with its own
// options, for tests that drive the worker by hand (e must be offline, so
// that the app's own worker does not race it).
func service(e *vigiltest.Env, o notify.Options) *notify.Service {
	o.PublicURL = e.Config.PublicURL
	o.SMS = e.Config.Notify.SMS
	o.AllowLoopback = true
	if o.Jitter == nil {
		o.Jitter = func() float64 { return 0.5 }
	}
	return notify.New(store.NewNotifyStore(e.App.DB), e.App.Keys, e.App.Gate, e.App.Privacy, e.Mail.Sender(), e.Clock,
		slog.New(slog.NewTextHandler(io.Discard, nil)), o)
}

// drain runs the worker until nothing is due now.
func drain(t *testing.T, s *notify.Service) int {
	t.Helper()
	total := 0
	for {
		n, err := s.ProcessDue(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return total
		}
		total += n
	}
}

// receiver is a webhook endpoint that verifies vigil's signature.
type receiver struct {
	secret  []byte
	now     func() time.Time
	status  int // what to answer a valid call; 0: 204
	got     chan notify.WebhookPayload
	refused chan string
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	if err := notify.Verify(r.secret, req.Header.Get(notify.SignatureHeader), body, r.now(), 5*time.Minute); err != nil {
		r.refused <- err.Error()
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	if r.status != 0 {
		w.WriteHeader(r.status)
		return
	}
	var p notify.WebhookPayload
	if err := jsonUnmarshal(body, &p); err != nil {
		http.Error(w, "bad body", http.StatusBadRequest)
		return
	}
	r.got <- p
	w.WriteHeader(http.StatusNoContent)
}

func base64Std(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
