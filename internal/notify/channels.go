package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	webpush "github.com/SherClockHolmes/webpush-go"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/account"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/privacy"
)

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }

func (s *Service) sendApp(r DeliveryRow, m Message) error {
	s.feed.Publish(r.UserID, feedItem(r.ID, m))
	return nil
}

// pushPayload is what a browser's service worker receives, decrypted.
type pushPayload struct {
	ID    string    `json:"id"`
	Kind  Kind      `json:"kind"`
	Time  time.Time `json:"time"`
	Title string    `json:"title"`
	Body  string    `json:"body,omitempty"`
	URL   string    `json:"url,omitempty"`
}

func (s *Service) sendPush(ctx context.Context, r DeliveryRow, m Message) error {
	d, err := s.check(ctx, worker, access.Read, prefsRes(r.UserID), purposeOf(r.Kind))
	if err != nil {
		return err
	}
	subs, err := s.store.PushSubs(ctx, d, r.UserID)
	if err != nil {
		return err
	}
	var row *PushSubRow
	for i := range subs {
		if subs[i].ID == r.EndpointID {
			row = &subs[i]
		}
	}
	if row == nil {
		return final(StatusGone, "the browser's push subscription was removed")
	}
	sub, err := s.openSub(ctx, *row)
	if err != nil {
		return final(StatusDead, "the push subscription can no longer be read")
	}
	vk, err := s.vapidKeys(ctx)
	if err != nil {
		return err
	}
	// A push record holds at most 4 KiB once encrypted (RFC 8291): the text
	// is cut short, the app shows it whole.
	payload, _ := json.Marshal(pushPayload{ID: m.ID, Kind: m.Kind, Time: m.Time, Title: m.Title, Body: cut(m.Body, 1500), URL: m.URL})
	urgency := webpush.UrgencyNormal
	if m.Kind == KindAlarm || m.Kind == KindIncident {
		urgency = webpush.UrgencyHigh
	}
	resp, err := webpush.SendNotificationWithContext(ctx, payload, &webpush.Subscription{Endpoint: sub.Endpoint,
		Keys: webpush.Keys{P256dh: sub.P256dh, Auth: sub.Auth}}, &webpush.Options{HTTPClient: s.opts.HTTPClient,
		Subscriber: s.vapidSubject(), VAPIDPublicKey: vk.Public, VAPIDPrivateKey: vk.Private, TTL: 24 * 3600, Urgency: urgency})
	if err != nil {
		return retryable("push service unreachable")
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) //nolint:errcheck // drained for reuse only
	switch c := resp.StatusCode; {
	case c >= 200 && c < 300:
		return nil
	case c == http.StatusNotFound || c == http.StatusGone:
		// The browser unsubscribed or the subscription expired: it will
		// never work again, so it goes.
		dd, err := s.check(ctx, worker, access.Delete, prefsRes(r.UserID), purposeOf(r.Kind))
		if err == nil {
			err = s.store.DeletePushSub(ctx, dd, r.UserID, r.EndpointID)
		}
		if err != nil && !errs.Is(err, errs.NotFound) {
			s.log.Error("expired push subscription not removed", "subscription", r.EndpointID, "err", err)
		}
		return final(StatusGone, "push subscription expired (status %d); removed", c)
	default:
		return retryable("push service answered %d", c)
	}
}

// cut shortens s to at most n bytes on a rune boundary, marking the cut.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

func (s *Service) vapidSubject() string {
	if strings.HasPrefix(s.opts.PublicURL, "https://") {
		return s.opts.PublicURL
	}
	return "vigil@localhost"
}

func (s *Service) sendEmail(ctx context.Context, r DeliveryRow, m Message) error {
	d, err := s.check(ctx, worker, access.Read, access.Resource{Category: datamap.AccountProfile, SubjectID: r.UserID}, purposeOf(r.Kind))
	if err != nil {
		return err
	}
	sealed, _, err := s.store.UserEmail(ctx, d, r.UserID)
	if errs.Is(err, errs.NotFound) {
		return final(StatusSkipped, "the person no longer exists")
	} else if err != nil {
		return err
	}
	addr, err := s.openSubject(ctx, r.UserID, "users.email_sealed", r.UserID, sealed)
	if errs.Is(err, errs.Gone) {
		return final(StatusSkipped, "the person's address was erased")
	} else if err != nil {
		return err
	}
	text := m.Body
	if link := s.appLink(m.URL); link != "" {
		text += "\n\nOpen in vigil: " + link
	}
	// A snapshot goes by e-mail only as a link into the app, and only when
	// the mail provider may receive snapshot links.
	cats := []datamap.CategoryID{datamap.AccountProfile, datamap.NotifyMessage}
	if m.SnapshotID != "" && s.opts.EmailProcessor != "" && s.ledger != nil {
		if p, ok := s.ledger.(interface {
			MayDisclose(ctx context.Context, processorID string, category datamap.CategoryID, at time.Time) error
		}); ok && p.MayDisclose(ctx, s.opts.EmailProcessor, datamap.MediaSnapshot, s.clk.Now()) == nil {
			text += "\nSnapshot: " + s.appLink("/#/snapshots/"+url.PathEscape(m.SnapshotID))
			cats = append(cats, datamap.MediaSnapshot)
		}
	}
	unsub, err := s.unsubscribeLink(ctx, r.UserID, m.Kind, ChannelEmail)
	if err != nil {
		return err
	}
	text += "\n\nStop these e-mails: " + unsub + "\n"
	if s.opts.EmailProcessor != "" {
		if err := s.disclose(ctx, r, s.opts.EmailProcessor, cats, string(m.Kind)+" e-mail"); err != nil {
			return err
		}
	}
	mail := account.Mail{To: string(addr), Subject: "[vigil] " + m.Title, Text: text, Headers: map[string]string{
		"List-Unsubscribe":      "<" + unsub + ">",
		"List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
		"X-Vigil-Message-Id":    m.ID,
	}}
	if err := s.mailer.Send(ctx, mail); err != nil {
		return retryable("mail server did not take the message")
	}
	return nil
}

// disclose records in the ledger what goes to a processor; a refusal
// (agreement lapsed, category not allowed) means nothing is sent.
func (s *Service) disclose(ctx context.Context, r DeliveryRow, processorID string, cats []datamap.CategoryID, details string) error {
	if s.ledger == nil {
		return final(StatusDead, "no disclosure ledger: nothing goes to a processor")
	}
	_, err := s.ledger.RecordProcessorDisclosure(ctx, worker, privacy.ProcessorDisclosure{AccountID: r.AccountID, SubjectID: r.UserID,
		ProcessorID: processorID, Categories: cats, Details: details + " " + r.MessageID})
	if errs.Is(err, errs.Forbidden) {
		return final(StatusDead, "the provider may not receive this: %s", errs.MessageOf(err))
	}
	return err
}

func (s *Service) appLink(path string) string {
	if path == "" {
		return ""
	}
	if strings.HasPrefix(path, "https://") || strings.HasPrefix(path, "http://") {
		return path
	}
	return strings.TrimRight(s.opts.PublicURL, "/") + "/" + strings.TrimLeft(path, "/")
}

// smsText is all an SMS carries: the title, the alarm type and time, and a
// link into the app. Never a snapshot or a link to one.
func smsText(m Message) string {
	t := m.Title
	if m.AlarmType != "" {
		t += " (" + m.AlarmType + ")"
	}
	if !m.Time.IsZero() {
		t += " at " + m.Time.UTC().Format("15:04 UTC")
	}
	return t
}

func (s *Service) sendSMS(ctx context.Context, r DeliveryRow, m Message) error {
	if !s.opts.SMS.Enabled() {
		return final(StatusSkipped, "no SMS provider is configured")
	}
	d, err := s.check(ctx, worker, access.Read, prefsRes(r.UserID), purposeOf(r.Kind))
	if err != nil {
		return err
	}
	sealed, err := s.store.Phone(ctx, d, r.UserID)
	if errs.Is(err, errs.NotFound) {
		return final(StatusSkipped, "no phone number any more")
	} else if err != nil {
		return err
	}
	phone, err := s.openSubject(ctx, r.UserID, "notify_phones.phone_sealed", r.UserID, sealed)
	if err != nil {
		return final(StatusSkipped, "the phone number can no longer be read")
	}
	body := smsText(m)
	if link := s.appLink(m.URL); link != "" && !strings.Contains(link, "snapshot") {
		body += " " + link
	}
	if err := s.disclose(ctx, r, s.opts.SMS.Processor, []datamap.CategoryID{datamap.NotifyPrefs, datamap.NotifyMessage}, string(m.Kind)+" SMS"); err != nil {
		return err
	}
	return s.postSMS(ctx, string(phone), body)
}

// postSMS hands one SMS to the provider's HTTP API.
func (s *Service) postSMS(ctx context.Context, phone, body string) error {
	c := s.opts.SMS
	form := url.Values{"To": {phone}, "From": {c.From}, "Body": {body}}
	endpoint := strings.TrimRight(c.BaseURL, "/") + "/2010-04-01/Accounts/" + url.PathEscape(c.AccountSID) + "/Messages.json"
	ctx, cancel := context.WithTimeout(ctx, c.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return final(StatusDead, "SMS provider address is not valid")
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	req.SetBasicAuth(c.AccountSID, c.AuthToken)
	resp, err := s.sms.Do(req)
	if err != nil {
		return retryable("SMS provider unreachable")
	}
	defer resp.Body.Close()
	var out struct {
		SID    string `json:"sid"`
		Status string `json:"status"`
	}
	dec := json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&out)
	switch c := resp.StatusCode; {
	case c >= 200 && c < 300 && dec == nil && out.SID != "":
		return nil
	case c >= 200 && c < 300:
		return retryable("SMS provider answered without a message sid")
	case c == http.StatusBadRequest:
		return final(StatusDead, "SMS provider refused the message (status 400)")
	default:
		return retryable("SMS provider answered %d", c)
	}
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
