package notify

import (
	"context"
	"crypto/subtle"
	"encoding/base64"
	"net/url"
	"slices"
	"strings"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/errs"
)

// unsubscribeDomain separates unsubscribe signatures from every other use
// of the keyring's blind-index MAC.
const unsubscribeDomain = "notify-unsubscribe"

var b64 = base64.RawURLEncoding

// UnsubscribeToken returns the signed token that turns channel off for kind
// for a person: the payload in clear (IDs only) and a keyed MAC over it.
func (s *Service) UnsubscribeToken(ctx context.Context, userID string, kind Kind, ch Channel) (string, error) {
	payload := userID + "|" + string(kind) + "|" + string(ch)
	mac, err := s.keys.BlindIndex(ctx, unsubscribeDomain, []byte(payload))
	if err != nil {
		return "", err
	}
	return b64.EncodeToString([]byte(payload)) + "." + b64.EncodeToString(mac), nil
}

func (s *Service) unsubscribeLink(ctx context.Context, userID string, kind Kind, ch Channel) (string, error) {
	tok, err := s.UnsubscribeToken(ctx, userID, kind, ch)
	if err != nil {
		return "", err
	}
	return strings.TrimRight(s.opts.PublicURL, "/") + "/api/v1/unsubscribe?token=" + url.QueryEscape(tok), nil
}

var errBadToken = errs.E(errs.Invalid, "this unsubscribe link is not valid")

// Unsubscribe turns a channel off for a kind of message for the person a
// signed token names (RFC 8058 one-click). A token altered in any way is
// refused. It returns the kind and channel turned off.
func (s *Service) Unsubscribe(ctx context.Context, token string) (Kind, Channel, error) {
	p, sig, ok := strings.Cut(token, ".")
	if !ok || len(token) > 512 {
		return "", "", errBadToken
	}
	payload, err1 := b64.DecodeString(p)
	got, err2 := b64.DecodeString(sig)
	if err1 != nil || err2 != nil {
		return "", "", errBadToken
	}
	want, err := s.keys.BlindIndex(ctx, unsubscribeDomain, payload)
	if err != nil {
		return "", "", err
	}
	if subtle.ConstantTimeCompare(got, want) != 1 {
		return "", "", errBadToken
	}
	parts := strings.Split(string(payload), "|")
	if len(parts) != 3 || !Kind(parts[1]).Valid() || !slices.Contains(Channels(), Channel(parts[2])) {
		return "", "", errBadToken
	}
	userID, kind, ch := parts[0], Kind(parts[1]), Channel(parts[2])
	// The signed link stands for the person: the change is theirs, recorded
	// as such.
	d, err := s.check(ctx, worker, access.Read, prefsRes(userID), purposeOf(kind))
	if err != nil {
		return "", "", err
	}
	stored, err := s.store.Prefs(ctx, d, userID)
	if err != nil {
		return "", "", err
	}
	cur, ok := stored[kind]
	if !ok {
		cur = DefaultChannels(kind)
	}
	next := slices.DeleteFunc(slices.Clone(cur), func(c Channel) bool { return c == ch })
	ud, err := s.check(ctx, worker, access.Update, prefsRes(userID), purposeOf(kind))
	if err != nil {
		return "", "", err
	}
	if err := s.store.SetPrefs(ctx, ud, userID, kind, next); err != nil {
		return "", "", err
	}
	return kind, ch, nil
}
