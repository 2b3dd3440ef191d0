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
// allowed (and audited) the view, so serving a stream checks the token alone.
type Grant struct {
	Scope     Scope     `json:"s"`
	ViewerID  string    `json:"v"` // the user (or staff member under a grant) who asked
	AccountID string    `json:"a"`
	DeviceID  string    `json:"d"`
	Channel   int       `json:"c"`
	From      time.Time `json:"f,omitzero"` // playback and export: the time range
	To        time.Time `json:"t,omitzero"`
	Expires   time.Time `json:"e"`
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
}

// NewTokens returns a token signer over kr, judging expiry by clk.
func NewTokens(kr *keys.Keyring, clk clock.Clock) *Tokens { return &Tokens{keys: kr, clock: clk} }

// Issue signs g. g.Expires must be in the future.
func (t *Tokens) Issue(ctx context.Context, g Grant) (string, error) {
	if g.ViewerID == "" || g.AccountID == "" || g.DeviceID == "" || g.Scope == "" {
		return "", errs.E(errs.Invalid, "stream token needs a viewer, an account, a device and a scope")
	}
	if !g.Expires.After(t.clock.Now()) {
		return "", errs.E(errs.Invalid, "stream token would be expired")
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

// Verify returns the grant of a genuine, unexpired token. Every failure is
// errs.Unauthenticated with the same message, so a caller learns nothing
// about why.
func (t *Tokens) Verify(ctx context.Context, token string) (Grant, error) {
	refused := errs.E(errs.Unauthenticated, "stream token missing, invalid or expired")
	if len(token) > maxToken {
		return Grant{}, refused
	}
	p, m, ok := strings.Cut(token, ".")
	if !ok {
		return Grant{}, refused
	}
	enc := base64.RawURLEncoding
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
	if !t.clock.Now().Before(g.Expires) {
		return Grant{}, refused
	}
	return g, nil
}
