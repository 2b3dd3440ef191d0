package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/errs"
)

// webhookChannel posts signed calls to the account's webhooks that take
// the kind of message; no person chooses it.
type webhookChannel struct{}

func (webhookChannel) name() Channel       { return ChannelWebhook }
func (webhookChannel) chosen() bool        { return false }
func (webhookChannel) byDefault(Kind) bool { return false }

// targets lists one delivery per webhook of the account that takes the
// kind.
func (webhookChannel) targets(ctx context.Context, s *Service, t target) ([]DeliveryRow, error) {
	d, err := s.check(ctx, worker, access.List, hookRes(t.accountID, ""), t.purpose)
	if err != nil {
		return nil, err
	}
	rows, err := s.store.Webhooks(ctx, d, t.accountID)
	if err != nil {
		return nil, err
	}
	var out []DeliveryRow
	for _, h := range rows {
		if slices.Contains(h.Kinds, t.kind) {
			out = append(out, t.delivery(ChannelWebhook, h.ID))
		}
	}
	return out, nil
}

func (webhookChannel) send(ctx context.Context, s *Service, r DeliveryRow, m Message) error {
	return s.sendWebhook(ctx, r, m)
}

// WebhookPayload is the JSON body of a webhook call.
type WebhookPayload struct {
	ID         string    `json:"id"` // the message ID: retries and duplicates carry the same
	Type       Kind      `json:"type"`
	AccountID  string    `json:"account_id"`
	Time       time.Time `json:"time"`
	Title      string    `json:"title"`
	Body       string    `json:"body,omitempty"`
	URL        string    `json:"url,omitempty"`
	DeviceID   string    `json:"device_id,omitempty"`
	Channel    int       `json:"channel,omitempty"`
	AlarmType  string    `json:"alarm_type,omitempty"`
	SnapshotID string    `json:"snapshot_id,omitempty"`
}

// SignatureHeader carries a webhook call's signature.
const SignatureHeader = "Vigil-Signature"

// Sign returns the Vigil-Signature header value for body sent at t:
// "t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" under secret>".
func Sign(secret []byte, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(ts + "."))
	mac.Write(body)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac.Sum(nil))
}

// Verify checks a Vigil-Signature header against body: the signature must
// match and its time be within tolerance of now. It is the receiver's side
// of the protocol (docs/webhooks.md), used by vigil's tests.
func Verify(secret []byte, header string, body []byte, now time.Time, tolerance time.Duration) error {
	var ts string
	var sigs []string
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			sigs = append(sigs, v)
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || len(sigs) == 0 {
		return errs.E(errs.Invalid, "malformed signature header")
	}
	if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
		return errs.E(errs.Invalid, "signature timestamp outside the tolerance")
	}
	want, _ := hex.DecodeString(strings.TrimPrefix(Sign(secret, time.Unix(sec, 0), body), "t="+ts+",v1="))
	for _, sig := range sigs {
		got, err := hex.DecodeString(sig)
		if err == nil && hmac.Equal(got, want) {
			return nil
		}
	}
	return errs.E(errs.Invalid, "signature does not match")
}

func (s *Service) sendWebhook(ctx context.Context, r DeliveryRow, m Message) error {
	d, err := s.check(ctx, worker, access.Read, hookRes(r.AccountID, r.EndpointID), purposeOf(r.Kind))
	if err != nil {
		return err
	}
	h, err := s.store.Webhook(ctx, d, r.AccountID, r.EndpointID)
	if errs.Is(err, errs.NotFound) {
		return final(StatusSkipped, "the webhook was deleted")
	} else if err != nil {
		return err
	}
	target, secret, err := s.openHook(ctx, h)
	if err != nil {
		return final(StatusDead, "the webhook can no longer be read")
	}
	body, _ := json.Marshal(WebhookPayload{ID: m.ID, Type: m.Kind, AccountID: m.AccountID, Time: m.Time, Title: m.Title, Body: m.Body,
		URL: s.appLink(m.URL), DeviceID: m.DeviceID, Channel: m.Channel, AlarmType: m.AlarmType, SnapshotID: m.SnapshotID})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return final(StatusDead, "the webhook address is not valid")
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "vigil-webhook/1")
	req.Header.Set("Vigil-Message-Id", m.ID)
	req.Header.Set(SignatureHeader, Sign(secret, s.clk.Now(), body))
	resp, err := s.opts.HTTPClient.Do(req)
	if err != nil {
		return retryable("webhook unreachable")
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) //nolint:errcheck // drained for reuse only
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	return retryable("webhook answered %d", resp.StatusCode)
}
