package media

import (
	"context"
	"crypto/hmac"
	"encoding/base64"
	"encoding/json"
	"strings"
	"time"

	"github.com/vigil-cloud/vigil/internal/clock"
	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/keys"
	"github.com/vigil-cloud/vigil/internal/revoke"
)

// Scope is what a stream token opens.
type Scope string

// Scopes.
const (
	ScopeLive     Scope = "live"
	ScopePlayback Scope = "playback"
	ScopeExport   Scope = "export"
)

// Grant is what a stream token carries: one viewer, one account's device
// channel, one scope, until Expires. It is issued only after the access gate
// allowed (and audited) the view. Serving a stream checks the token, and
// that none of the trusts it was issued under was withdrawn since (the
// viewer's place in the account, or the grant that entrusted them; the
// viewer's credentials; the device): a comparison with cached revocation
// epochs, not a query per request.
type Grant struct {
	Scope     Scope     `json:"s"`
	ViewerID  string    `json:"v"` // the user (or staff member under a grant) who asked
	AccountID string    `json:"a"`
	DeviceID  string    `json:"d"`
	Channel   int       `json:"c"`
	From      time.Time `json:"f,omitzero"` // playback and export: the time range
	To        time.Time `json:"t,omitzero"`
	Expires   time.Time `json:"e"`
	// Via is the grant or share that entrusted the viewer, when their own
	// role in the account did not ("" for members).
	Via string `json:"g,omitempty"`
	// Download lets a playback token fetch the range as one MP4 file: set
	// only when the viewer may export it.
	Download bool `json:"x,omitempty"`
	// Stamp is the sum of the revocation epochs of RevokeKeys when the
	// token was issued (set by Issue).
	Stamp revoke.Stamp `json:"p"`
}

// RevokeKeys are the trusts the grant was issued under: withdrawing any of
// them ends it.
func (g Grant) RevokeKeys() []revoke.Key {
	keys := []revoke.Key{revoke.Person(g.ViewerID), revoke.Device(g.DeviceID)}
	if g.Via != "" {
		return append(keys, revoke.Via(g.Via))
	}
	return append(keys, revoke.Member(g.AccountID, g.ViewerID))
}

// Revocations stamps capabilities with revocation epochs and checks them
// (revoke.Epochs).
type Revocations interface {
	Stamp(ctx context.Context, keys ...revoke.Key) (revoke.Stamp, error)
	Valid(ctx context.Context, st revoke.Stamp, keys ...revoke.Key) bool
}

// tokenDomain separates stream-token MACs from every other use of the
// keyring's MAC key.
const tokenDomain = "media-stream-token/v1"

// maxToken bounds what Verify decodes.
const maxToken = 2048

// Tokens signs and checks stream tokens with the keyring's HMAC key (Tink).
// A token is base64url(JSON grant) "." base64url(MAC); it contains no secret
// and is useless once expired or altered.
type Tokens struct {
	keys  *keys.Keyring
	clock clock.Clock
	revs  Revocations
}

// NewTokens returns a token signer over kr, judging expiry by clk and
// withdrawn trust by revs (nil checks the signature and expiry alone).
func NewTokens(kr *keys.Keyring, clk clock.Clock, revs Revocations) *Tokens {
	return &Tokens{keys: kr, clock: clk, revs: revs}
}

// Issue stamps g with the revocation epochs it is issued under and signs
// it. g.Expires must be in the future.
func (t *Tokens) Issue(ctx context.Context, g Grant) (string, error) {
	if g.ViewerID == "" || g.AccountID == "" || g.DeviceID == "" || g.Scope == "" {
		return "", errs.E(errs.Invalid, "stream token needs a viewer, an account, a device and a scope")
	}
	if !g.Expires.After(t.clock.Now()) {
		return "", errs.E(errs.Invalid, "stream token would be expired")
	}
	if t.revs != nil {
		st, err := t.revs.Stamp(ctx, g.RevokeKeys()...)
		if err != nil {
			return "", err
		}
		g.Stamp = st
	}
	payload, err := json.Marshal(g)
	if err != nil {
		return "", errs.Wrap(err, errs.Internal, "stream token")
	}
	tag, err := t.keys.BlindIndex(ctx, tokenDomain, payload)
	if err != nil {
		return "", err
	}
	enc := base64.RawURLEncoding
	return enc.EncodeToString(payload) + "." + enc.EncodeToString(tag), nil
}

// Verify returns the grant of a genuine, unexpired token whose trusts all
// still hold. Every failure is errs.Unauthenticated with the same message,
// so a caller learns nothing about why.
func (t *Tokens) Verify(ctx context.Context, token string) (Grant, error) {
	g, err := t.verify(ctx, token)
	if err != nil {
		return Grant{}, err
	}
	if !t.Holds(ctx, g) {
		return Grant{}, errRefused
	}
	return g, nil
}

var errRefused = errs.E(errs.Unauthenticated, "stream token missing, invalid or expired")

// Holds reports whether a verified grant is still good now: unexpired, and
// none of its trusts withdrawn. Long streams (a WebRTC viewer, an MP4
// download) ask it as they go.
func (t *Tokens) Holds(ctx context.Context, g Grant) bool {
	if !t.clock.Now().Before(g.Expires) {
		return false
	}
	return t.revs == nil || t.revs.Valid(ctx, g.Stamp, g.RevokeKeys()...)
}

func (t *Tokens) verify(ctx context.Context, token string) (Grant, error) {
	refused := errRefused
	if len(token) > maxToken {
		return Grant{}, refused
	}
	p, m, ok := strings.Cut(token, ".")
	if !ok {
		return Grant{}, refused
	}
	// Strict: a signature or payload with trailing bits set is another
	// string for the same bytes, and is refused (one token, one spelling).
	enc := base64.RawURLEncoding.Strict()
	payload, err1 := enc.DecodeString(p)
	tag, err2 := enc.DecodeString(m)
	if err1 != nil || err2 != nil {
		return Grant{}, refused
	}
	want, err := t.keys.BlindIndex(ctx, tokenDomain, payload)
	if err != nil {
		return Grant{}, err
	}
	if !hmac.Equal(tag, want) {
		return Grant{}, refused
	}
	var g Grant
	if err := json.Unmarshal(payload, &g); err != nil {
		return Grant{}, refused
	}
	return g, nil
}
