package notify

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/errs"
)

// smsChannel texts the person's phone number through the configured
// provider; on by default for security notices only.
type smsChannel struct{}

func (smsChannel) name() Channel         { return ChannelSMS }
func (smsChannel) chosen() bool          { return true }
func (smsChannel) byDefault(k Kind) bool { return k == KindIncident }

func (smsChannel) targets(ctx context.Context, s *Service, t target) ([]DeliveryRow, error) {
	if !s.opts.SMS.Enabled() {
		return nil, nil
	}
	if _, err := s.store.Phone(ctx, t.prefs, t.userID); errs.Is(err, errs.NotFound) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	return []DeliveryRow{t.delivery(ChannelSMS, "")}, nil
}

func (smsChannel) send(ctx context.Context, s *Service, r DeliveryRow, m Message) error {
	return s.sendSMS(ctx, r, m)
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
