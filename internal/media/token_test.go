package media_test

import (
	"strings"
	"testing"
	"time"

	"github.com/vigil-cloud/vigil/internal/clock"
	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/keys"
	"github.com/vigil-cloud/vigil/internal/media"
	"github.com/vigil-cloud/vigil/internal/store"
	"github.com/vigil-cloud/vigil/internal/store/storetest"
)

func TestStreamTokens(t *testing.T) {
	clk := clock.NewFake(time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC))
	kek, err := keys.NewLocalKEK()
	if err != nil {
		t.Fatal(err)
	}
	tokens := media.NewTokens(keys.NewKeyring(kek, store.NewKeyStore(storetest.OpenSQLite(t, clk)), clk), clk)
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
