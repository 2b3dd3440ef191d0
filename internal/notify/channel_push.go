package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	webpush "github.com/SherClockHolmes/webpush-go"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/errs"
)

// pushChannel is Web Push to each browser the person subscribed; on by
// default for alarms and security notices.
type pushChannel struct{}

func (pushChannel) name() Channel         { return ChannelPush }
func (pushChannel) chosen() bool          { return true }
func (pushChannel) byDefault(k Kind) bool { return k == KindAlarm || k == KindIncident }

func (pushChannel) targets(ctx context.Context, s *Service, t target) ([]DeliveryRow, error) {
	subs, err := s.store.PushSubs(ctx, t.prefs, t.userID)
	if err != nil {
		return nil, err
	}
	var out []DeliveryRow
	for _, sub := range subs {
		out = append(out, t.delivery(ChannelPush, sub.ID))
	}
	return out, nil
}

func (pushChannel) send(ctx context.Context, s *Service, r DeliveryRow, m Message) error {
	return s.sendPush(ctx, r, m)
}

// pushPayload is what a browser's service worker receives, decrypted.
type pushPayload struct {
	ID    string    `json:"id"`
	Kind  Kind      `json:"kind"`
	Time  time.Time `json:"time"`
	Title string    `json:"title"`
	Body  string    `json:"body,omitempty"`
	URL   string    `json:"url,omitempty"`
	// More names the other messages a push of several carries (alarms
	// due to one browser together), oldest first; ID is the newest.
	More []string `json:"more,omitempty"`
}

// payloadOf is the push of ms, the messages due to one browser, oldest
// first: one message as it is, several as one notification listing them.
func (s *Service) payloadOf(ms []Message) pushPayload {
	// A push record holds at most 4 KiB once encrypted (RFC 8291): the text
	// is cut short, the app shows it whole.
	last := ms[len(ms)-1]
	if len(ms) == 1 {
		return pushPayload{ID: last.ID, Kind: last.Kind, Time: last.Time, Title: last.Title, Body: cut(last.Body, 1500), URL: last.URL}
	}
	p := pushPayload{ID: last.ID, Kind: last.Kind, Time: last.Time, Title: fmt.Sprintf("%d alarms", len(ms)),
		URL: strings.TrimRight(s.opts.PublicURL, "/") + "/#/events"}
	titles := make([]string, 0, len(ms))
	for i := len(ms) - 1; i >= 0; i-- {
		titles = append(titles, ms[i].Title)
	}
	for _, m := range ms[:len(ms)-1] {
		p.More = append(p.More, m.ID)
	}
	p.Body = cut(strings.Join(titles, "\n"), 1500)
	return p
}

// sendPush sends ms, the messages of deliveries to r's browser, in one
// push.
func (s *Service) sendPush(ctx context.Context, r DeliveryRow, ms ...Message) error {
	m := ms[len(ms)-1]
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
	payload, _ := json.Marshal(s.payloadOf(ms))
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
