package media_test

import (
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/vigil-cloud/vigil/internal/clock"
	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/keys"
	"github.com/vigil-cloud/vigil/internal/media"
	"github.com/vigil-cloud/vigil/internal/revoke"
	"github.com/vigil-cloud/vigil/internal/store"
	"github.com/vigil-cloud/vigil/internal/store/storetest"
)

func newTokens(t *testing.T, clk *clock.Fake) (*media.Tokens, *revoke.Epochs) {
	t.Helper()
	kek, err := keys.NewLocalKEK()
	if err != nil {
		t.Fatal(err)
	}
	db := storetest.OpenSQLite(t, clk)
	revs := revoke.New(store.NewRevocationStore(db), clk, slog.New(slog.DiscardHandler), 0)
	return media.NewTokens(keys.NewKeyring(kek, store.NewKeyStore(db), clk), clk, revs), revs
}

func TestStreamTokens(t *testing.T) {
	clk := clock.NewFake(time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC))
	tokens, _ := newTokens(t, clk)
	g := media.Grant{Scope: media.ScopeLive, ViewerID: "u1", AccountID: "a1", DeviceID: "d1", Channel: 2, Expires: clk.Now().Add(5 * time.Minute)}
	tok, err := tokens.Issue(t.Context(), g)
	if err != nil {
		t.Fatal(err)
	}
	got, err := tokens.Verify(t.Context(), tok)
	if err != nil || got.DeviceID != "d1" || got.Channel != 2 || got.ViewerID != "u1" || !got.Expires.Equal(g.Expires) {
		t.Fatalf("Verify = %+v, %v", got, err)
	}

	payload, tag, _ := strings.Cut(tok, ".")
	other, err := tokens.Issue(t.Context(), media.Grant{Scope: media.ScopeLive, ViewerID: "u1", AccountID: "a1", DeviceID: "d2", Expires: g.Expires})
	if err != nil {
		t.Fatal(err)
	}
	otherPayload, _, _ := strings.Cut(other, ".")
	for name, bad := range map[string]string{
		"empty":           "",
		"no tag":          payload,
		"swapped payload": otherPayload + "." + tag,
		"flipped tag":     payload + "." + strings.Map(func(r rune) rune { return r ^ 1 }, tag),
		"garbage":         "%%%.%%%",
		"huge":            strings.Repeat("a", 5000) + "." + tag,
	} {
		if _, err := tokens.Verify(t.Context(), bad); !errs.Is(err, errs.Unauthenticated) {
			t.Errorf("%s token: err = %v, want unauthenticated", name, err)
		}
	}

	clk.Advance(5 * time.Minute)
	if _, err := tokens.Verify(t.Context(), tok); !errs.Is(err, errs.Unauthenticated) {
		t.Errorf("expired token: err = %v, want unauthenticated", err)
	}
	if _, err := tokens.Issue(t.Context(), g); !errs.Is(err, errs.Invalid) {
		t.Errorf("issuing an expired grant: err = %v, want invalid", err)
	}
}

// A signature is compared on its canonical spelling: the same bytes
// written with the unused low bits of the last base64 character set are
// another token, and refused (before, the decoder ignored those bits).
// proves: P6
func TestStreamTokenCanonicalSignature(t *testing.T) {
	clk := clock.NewFake(time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC))
	tokens, _ := newTokens(t, clk)
	tok, err := tokens.Issue(t.Context(), media.Grant{Scope: media.ScopeLive, ViewerID: "u1", AccountID: "a1", DeviceID: "d1", Expires: clk.Now().Add(time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	respell := func(s string) string {
		last := strings.IndexByte(alphabet, s[len(s)-1])
		return s[:len(s)-1] + string(alphabet[last^1])
	}
	payload, tag, _ := strings.Cut(tok, ".")
	if len(tag)%4 == 0 {
		t.Fatalf("the signature's encoding has no spare bits (%d characters)", len(tag))
	}
	bad := map[string]string{"signature respelled": payload + "." + respell(tag)}
	if len(payload)%4 != 0 {
		bad["payload respelled"] = respell(payload) + "." + tag
	}
	for name, bad := range bad {
		if _, err := tokens.Verify(t.Context(), bad); !errs.Is(err, errs.Unauthenticated) {
			t.Errorf("%s: err = %v, want the token refused", name, err)
		}
	}
	if _, err := tokens.Verify(t.Context(), tok); err != nil {
		t.Fatalf("the genuine token: %v", err)
	}
}

// A stream token holds only while every trust it was issued under holds:
// the viewer's place in the account (or the grant that entrusted a staff
// member), the viewer's credentials, and the device. Withdrawing one ends
// the tokens that depend on it, and only those.
// proves: P3
func TestStreamTokensFollowRevocation(t *testing.T) {
	clk := clock.NewFake(time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC))
	tokens, revs := newTokens(t, clk)
	ctx := t.Context()
	issue := func(g media.Grant) string {
		t.Helper()
		g.Scope, g.AccountID, g.Expires = media.ScopeLive, "a1", clk.Now().Add(time.Minute)
		tok, err := tokens.Issue(ctx, g)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	member := issue(media.Grant{ViewerID: "u1", DeviceID: "d1"})
	other := issue(media.Grant{ViewerID: "u2", DeviceID: "d1"})
	staff := issue(media.Grant{ViewerID: "s1", DeviceID: "d1", Via: "grt_1"})
	cam2 := issue(media.Grant{ViewerID: "u1", DeviceID: "d2"})
	holds := func(tok string) bool { _, err := tokens.Verify(ctx, tok); return err == nil }
	for _, step := range []struct {
		revoke revoke.Key
		ended  []string
		still  []string
	}{
		{revoke.Via("grt_1"), []string{staff}, []string{member, other, cam2}},
		{revoke.Member("a1", "u1"), []string{member, cam2}, []string{other}},
		{revoke.Device("d1"), []string{other}, nil},
	} {
		if err := revs.Revoke(ctx, step.revoke); err != nil {
			t.Fatal(err)
		}
		for _, tok := range step.ended {
			if holds(tok) {
				t.Errorf("after revoking %s a token issued before still holds", step.revoke)
			}
		}
		for _, tok := range step.still {
			if !holds(tok) {
				t.Errorf("revoking %s ended an unrelated token", step.revoke)
			}
		}
	}
	if !holds(issue(media.Grant{ViewerID: "u1", DeviceID: "d1"})) {
		t.Error("a token issued after the revocations is refused")
	}
}

// BenchmarkVerify is the cost of checking a stream token on one media
// request (an LL-HLS part): the MAC, and the revocation stamp against the
// epochs cached in memory (no database read once warm).
func BenchmarkVerify(b *testing.B) {
	clk := clock.NewFake(time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC))
	kek, err := keys.NewLocalKEK()
	if err != nil {
		b.Fatal(err)
	}
	db := storetest.OpenSQLite(b, clk)
	kr := keys.NewKeyring(kek, store.NewKeyStore(db), clk)
	for _, c := range []struct {
		name string
		revs media.Revocations
	}{
		{"mac-only", nil},
		{"mac+revocations", revoke.New(store.NewRevocationStore(db), clk, slog.New(slog.DiscardHandler), time.Hour)},
	} {
		b.Run(c.name, func(b *testing.B) {
			tokens := media.NewTokens(kr, clk, c.revs)
			tok, err := tokens.Issue(b.Context(), media.Grant{Scope: media.ScopeLive, ViewerID: "usr_1", AccountID: "acc_1", DeviceID: "dev_1", Expires: clk.Now().Add(time.Minute)})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := tokens.Verify(b.Context(), tok); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
