package notify

import (
	"context"
	"encoding/json"
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
