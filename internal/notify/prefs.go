package notify

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"net/netip"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/id"
	"github.com/vigil-cloud/vigil/internal/safedial"
)

// Preferences are how a person wants to be reached.
type Preferences struct {
	// Channels are the effective channels per kind: the person's choice,
	// or the default.
	Channels map[Kind][]Channel `json:"channels"`
	// Phone is the SMS number, masked; empty when none is set.
	Phone string `json:"phone,omitempty"`
	// PhoneVerified: the code sent to Phone came back; only then does it
	// receive SMS.
	PhoneVerified     bool               `json:"phone_verified"`
	PushSubscriptions []PushSubscription `json:"push_subscriptions"`
	SMSAvailable      bool               `json:"sms_available"`
}

// PushSubscription is a browser registered for Web Push; only the push
// service's host is shown.
type PushSubscription struct {
	ID        string    `json:"id"`
	Service   string    `json:"service"`
	CreatedAt time.Time `json:"created_at"`
}

// PushSubscriptionInput is what a browser's PushManager hands out
// (PushSubscription.toJSON()).
type PushSubscriptionInput struct {
	Endpoint       string          `json:"endpoint"`
	ExpirationTime json.RawMessage `json:"expirationTime,omitempty"`
	Keys           struct {
		P256dh string `json:"p256dh"`
		Auth   string `json:"auth"`
	} `json:"keys"`
}

// Preferences returns the caller's preferences.
func (s *Service) Preferences(ctx context.Context, p access.Principal) (Preferences, error) {
	d, err := s.check(ctx, p, access.Read, prefsRes(p.ID), purposeOf(KindNotice))
	if err != nil {
		return Preferences{}, err
	}
	return s.preferences(ctx, d, p.ID)
}

func (s *Service) preferences(ctx context.Context, d access.Decision, userID string) (Preferences, error) {
	stored, err := s.store.Prefs(ctx, d, userID)
	if err != nil {
		return Preferences{}, err
	}
	out := Preferences{Channels: map[Kind][]Channel{}, PushSubscriptions: []PushSubscription{}, SMSAvailable: s.opts.SMS.Enabled()}
	for _, k := range Kinds() {
		if cs, ok := stored[k]; ok {
			out.Channels[k] = cs
		} else {
			out.Channels[k] = DefaultChannels(k)
		}
	}
	if sealed, verified, err := s.store.PhoneStatus(ctx, d, userID); err == nil {
		if b, err := s.openSubject(ctx, userID, "notify_phones.phone_sealed", userID, sealed); err == nil {
			out.Phone, out.PhoneVerified = maskPhone(string(b)), verified
		}
	} else if !errs.Is(err, errs.NotFound) {
		return Preferences{}, err
	}
	subs, err := s.store.PushSubs(ctx, d, userID)
	if err != nil {
		return Preferences{}, err
	}
	for _, r := range subs {
		ps := PushSubscription{ID: r.ID, CreatedAt: r.CreatedAt}
		if sub, err := s.openSub(ctx, r); err == nil {
			if u, err := url.Parse(sub.Endpoint); err == nil {
				ps.Service = u.Hostname()
			}
		}
		out.PushSubscriptions = append(out.PushSubscriptions, ps)
	}
	return out, nil
}

func maskPhone(p string) string {
	if len(p) <= 5 {
		return "•••"
	}
	return p[:3] + strings.Repeat("•", len(p)-5) + p[len(p)-2:]
}

// SetChannels sets the caller's channels for one kind; an empty list turns
// the kind off everywhere.
func (s *Service) SetChannels(ctx context.Context, p access.Principal, kind Kind, channels []Channel) (Preferences, error) {
	if !kind.Valid() {
		return Preferences{}, errs.E(errs.Invalid, "unknown kind %q (want alarm, firmware, incident or notice)", kind)
	}
	var clean []Channel
	for _, c := range channels {
		if !slices.Contains(Channels(), c) {
			return Preferences{}, errs.E(errs.Invalid, "unknown channel %q (want one of %s)", c, channelList())
		}
		if !slices.Contains(clean, c) {
			clean = append(clean, c)
		}
	}
	d, err := s.check(ctx, p, access.Update, prefsRes(p.ID), purposeOf(KindNotice))
	if err != nil {
		return Preferences{}, err
	}
	if err := s.store.SetPrefs(ctx, d, p.ID, kind, clean); err != nil {
		return Preferences{}, err
	}
	// The decision to change the settings covers reading them back.
	return s.preferences(ctx, d, p.ID)
}

var phoneRE = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)

// SetPhone sets the caller's SMS number, in E.164 form (+ and digits),
// unverified: a one-time code goes to it by SMS, and nothing else does
// until the code comes back (VerifyPhone). So nobody can point vigil's
// messages at someone else's phone.
func (s *Service) SetPhone(ctx context.Context, p access.Principal, phone string) error {
	phone = strings.NewReplacer(" ", "", "-", "", "(", "", ")", "", ".", "").Replace(strings.TrimSpace(phone))
	if !phoneRE.MatchString(phone) {
		return errs.E(errs.Invalid, "phone must be an international number: + then 7 to 15 digits")
	}
	if !s.opts.SMS.Enabled() {
		return errs.E(errs.Unavailable, "SMS is not available on this server")
	}
	d, err := s.check(ctx, p, access.Update, prefsRes(p.ID), purposeOf(KindNotice))
	if err != nil {
		return err
	}
	sealed, err := s.sealSubject(ctx, p.ID, "notify_phones.phone_sealed", p.ID, []byte(phone))
	if err != nil {
		return err
	}
	code, idx, err := s.phoneCode(ctx, p.ID)
	if err != nil {
		return err
	}
	if err := s.store.SetPhone(ctx, d, p.ID, sealed, idx, s.clk.Now().Add(phoneCodeTTL)); err != nil {
		return err
	}
	// The ledger is kept per account: the disclosure is recorded in an
	// account the person belongs to (one they own, when they own one).
	acct := ""
	for _, m := range p.Memberships {
		if acct == "" || (m.Role == access.RoleOwner && m.SiteID == "") {
			acct = m.AccountID
		}
	}
	if err := s.disclose(ctx, DeliveryRow{AccountID: acct, UserID: p.ID, MessageID: "(verification code)"}, s.opts.SMS.Processor,
		[]datamap.CategoryID{datamap.NotifyPrefs}, "phone verification SMS"); err != nil {
		s.log.Warn("phone verification SMS not disclosed", "err", err)
		return errs.E(errs.Unavailable, "the SMS provider may not receive phone numbers now; try again later")
	}
	if err := s.postSMS(ctx, phone, "Your vigil code: "+code+" (valid 10 minutes). If you did not ask for it, ignore this message."); err != nil {
		return errs.E(errs.Unavailable, "the code could not be sent; try again later")
	}
	return nil
}

// phoneCodeTTL is how long a phone verification code is good for.
const phoneCodeTTL = 10 * time.Minute

// phoneCode returns a fresh six-digit code and its keyed fingerprint.
func (s *Service) phoneCode(ctx context.Context, userID string) (string, []byte, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		return "", nil, errs.Wrap(err, errs.Internal, "code")
	}
	code := fmt.Sprintf("%06d", n.Int64())
	idx, err := s.codeIndex(ctx, userID, code)
	return code, idx, err
}

func (s *Service) codeIndex(ctx context.Context, userID, code string) ([]byte, error) {
	return s.keys.BlindIndex(ctx, "phone-code", []byte(userID+":"+code))
}

// VerifyPhone checks the code sent to the caller's number; once it
// matches, the number receives SMS. Five wrong codes void the code.
func (s *Service) VerifyPhone(ctx context.Context, p access.Principal, code string) error {
	code = strings.TrimSpace(code)
	if len(code) != 6 || strings.Trim(code, "0123456789") != "" {
		return errs.E(errs.Invalid, "the code has six digits")
	}
	d, err := s.check(ctx, p, access.Update, prefsRes(p.ID), purposeOf(KindNotice))
	if err != nil {
		return err
	}
	idx, err := s.codeIndex(ctx, p.ID, code)
	if err != nil {
		return err
	}
	return s.store.VerifyPhone(ctx, d, p.ID, idx)
}

// DeletePhone removes the caller's SMS number.
func (s *Service) DeletePhone(ctx context.Context, p access.Principal) error {
	d, err := s.check(ctx, p, access.Delete, prefsRes(p.ID), purposeOf(KindNotice))
	if err != nil {
		return err
	}
	return s.store.DeletePhone(ctx, d, p.ID)
}

type pushSub struct {
	Endpoint string `json:"endpoint"`
	P256dh   string `json:"p256dh"`
	Auth     string `json:"auth"`
}

func decodeKey(field, v string, size int) error {
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(v, "="))
	if err != nil || len(b) != size {
		return errs.E(errs.Invalid, "keys.%s must be %d bytes in base64url", field, size)
	}
	return nil
}

// AddPushSubscription registers a browser of the caller for Web Push.
func (s *Service) AddPushSubscription(ctx context.Context, p access.Principal, in PushSubscriptionInput) (PushSubscription, error) {
	if err := s.checkEndpoint("endpoint", in.Endpoint); err != nil {
		return PushSubscription{}, err
	}
	if err := decodeKey("p256dh", in.Keys.P256dh, 65); err != nil {
		return PushSubscription{}, err
	}
	if err := decodeKey("auth", in.Keys.Auth, 16); err != nil {
		return PushSubscription{}, err
	}
	d, err := s.check(ctx, p, access.Create, prefsRes(p.ID), purposeOf(KindAlarm))
	if err != nil {
		return PushSubscription{}, err
	}
	idx, err := s.keys.BlindIndex(ctx, "notify-push-endpoint", []byte(in.Endpoint))
	if err != nil {
		return PushSubscription{}, err
	}
	row := PushSubRow{ID: id.New("psh"), UserID: p.ID, EndpointIndex: idx}
	b, _ := json.Marshal(pushSub{Endpoint: in.Endpoint, P256dh: in.Keys.P256dh, Auth: in.Keys.Auth})
	// Sealed under a row-independent AD: a refreshed subscription keeps the
	// ID of the one it replaces.
	if row.Sealed, err = s.sealSubject(ctx, p.ID, "notify_push_subs.sub_sealed", p.ID, b); err != nil {
		return PushSubscription{}, err
	}
	if row.ID, err = s.store.AddPushSub(ctx, d, row); err != nil {
		return PushSubscription{}, err
	}
	u, _ := url.Parse(in.Endpoint)
	return PushSubscription{ID: row.ID, Service: u.Hostname(), CreatedAt: s.clk.Now().UTC()}, nil
}

// DeletePushSubscription removes one of the caller's browsers.
func (s *Service) DeletePushSubscription(ctx context.Context, p access.Principal, id string) error {
	d, err := s.check(ctx, p, access.Delete, prefsRes(p.ID), purposeOf(KindAlarm))
	if err != nil {
		return err
	}
	return s.store.DeletePushSub(ctx, d, p.ID, id)
}

func (s *Service) openSub(ctx context.Context, r PushSubRow) (pushSub, error) {
	var sub pushSub
	b, err := s.openSubject(ctx, r.UserID, "notify_push_subs.sub_sealed", r.UserID, r.Sealed)
	if err != nil {
		return sub, err
	}
	if err := json.Unmarshal(b, &sub); err != nil {
		return sub, errs.Wrap(err, errs.Internal, "push subscription does not decode")
	}
	return sub, nil
}

// checkEndpoint allows only https:// addresses of public hosts, or, when
// configured for tests and demos, http:// on a loopback address: vigil must
// not become a way to reach its own network.
func (s *Service) checkEndpoint(field, raw string) error {
	if len(raw) > 2048 {
		return errs.E(errs.Invalid, "%s is longer than 2048 bytes", field)
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.User != nil || u.Fragment != "" {
		return errs.E(errs.Invalid, "%s must be an absolute https:// URL without credentials", field)
	}
	host := u.Hostname()
	loop := host == "localhost" || strings.HasSuffix(host, ".localhost")
	ip, ipErr := netip.ParseAddr(host)
	if ipErr == nil {
		loop = ip.Unmap().IsLoopback()
	}
	if loop && s.opts.AllowLoopback && (u.Scheme == "http" || u.Scheme == "https") {
		return nil
	}
	if u.Scheme != "https" {
		return errs.E(errs.Invalid, "%s must be an https:// URL", field)
	}
	// An address is refused now when it is one; a name is checked again
	// on every connection, on what it resolves to then (safedial).
	if loop || (ipErr == nil && !safedial.Allowed(ip, false)) {
		return errs.E(errs.Invalid, "%s must be a public address", field)
	}
	return nil
}
