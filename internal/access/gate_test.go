package access_test

import (
	"context"
	"testing"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/audit"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/vigiltest"
)

// grants stands in for the privacy centre's entrustment grants, so the
// gate's part can be tested alone: a struct of function fields, checked at
// compile time.
type grants struct {
	staffGrant func(ctx context.Context, q access.GrantQuery) (string, error)
	grantUsed  func(ctx context.Context, grantID string, seq int64, r access.Record) error
}

var _ access.Grants = grants{}

func (g grants) StaffGrant(ctx context.Context, q access.GrantQuery) (string, error) {
	return g.staffGrant(ctx, q)
}

func (g grants) GrantUsed(ctx context.Context, grantID string, seq int64, r access.Record) error {
	return g.grantUsed(ctx, grantID, seq, r)
}

const acct = "acc_aaaaaaaaaaaaaaaaaaaaaaaaaa"

func staff(role access.StaffRole, mfa bool, training time.Time) access.Principal {
	return access.Principal{Kind: access.KindStaff, ID: "stf_" + string(role), StaffRole: role, MFA: mfa, TrainingValidUntil: training, IP: "192.0.2.7"}
}

// Vendor staff have no standing access to a customer account: support sees
// nothing, not even the profile, and no one sees media, snapshots or face
// templates, without the customer's grant; only the DPO's duties open a
// profile without one. No personal data at all without a second factor or
// with lapsed privacy training. Every decision is in the access log, and
// each use of a grant is handed back to the grant source.
// proves: P5, F3
func TestStaffNeedGrantSecondFactorAndTraining(t *testing.T) {
	e := vigiltest.Start(t)
	now := e.Clock.Now()
	valid, lapsed := now.Add(30*24*time.Hour), now.Add(-time.Second)
	granted := map[datamap.CategoryID]bool{}
	var used []int64
	gate := access.New(e.App.Registry, recorder{e.App}, e.Clock, grants{
		staffGrant: func(_ context.Context, q access.GrantQuery) (string, error) {
			if !q.At.Equal(e.Clock.Now()) || q.AccountID != acct || q.Action != access.Read || q.StaffID == "" {
				t.Errorf("grant asked for %+v", q)
			}
			if granted[q.Category] {
				return "grt_test", nil
			}
			return "", nil
		},
		grantUsed: func(_ context.Context, id string, seq int64, r access.Record) error {
			if id != "grt_test" || r.ActorKind != "staff" || r.Decision != "allow" {
				t.Errorf("use of %s recorded as %+v", id, r)
			}
			used = append(used, seq)
			return nil
		},
	}, access.DefaultPolicy(e.App.Registry))
	noGrants := access.New(e.App.Registry, recorder{e.App}, e.Clock, nil, access.DefaultPolicy(e.App.Registry))

	cases := []struct {
		name     string
		gate     *access.Gate
		who      access.Principal
		category datamap.CategoryID
		purpose  datamap.Purpose
		want     errs.Code // "" means allowed
	}{
		{"support reads a profile without a grant", gate, staff(access.StaffSupportL1, true, valid), datamap.AccountProfile, datamap.PurposeService, errs.NotFound},
		{"security reads a profile without a grant", gate, staff(access.StaffSecurity, true, valid), datamap.AccountProfile, datamap.PurposeService, errs.NotFound},
		{"the DPO reads a profile to answer a request", gate, staff(access.StaffDPO, true, valid), datamap.AccountProfile, datamap.PurposeService, ""},
		{"no second factor", gate, staff(access.StaffSupportL1, false, valid), datamap.AccountProfile, datamap.PurposeService, errs.MFARequired},
		{"training lapsed", gate, staff(access.StaffDPO, true, lapsed), datamap.AccountProfile, datamap.PurposeService, errs.Forbidden},
		{"training lapses at its date", gate, staff(access.StaffDPO, true, now), datamap.AccountProfile, datamap.PurposeService, errs.Forbidden},
		{"video without grant", gate, staff(access.StaffSupportL2, true, valid), datamap.MediaSegment, datamap.PurposeAlarms, errs.NotFound},
		{"snapshot without grant", gate, staff(access.StaffDPO, true, valid), datamap.MediaSnapshot, datamap.PurposeAlarms, errs.NotFound},
		{"face template without grant", gate, staff(access.StaffSecurity, true, valid), datamap.FaceTemplate, datamap.PurposeConsented, errs.NotFound},
		{"video with no grant source at all", noGrants, staff(access.StaffDPO, true, valid), datamap.MediaSegment, datamap.PurposeAlarms, errs.NotFound},
		{"credentials never", gate, staff(access.StaffDPO, true, valid), datamap.AccountCredentials, datamap.PurposeService, errs.Forbidden},
		{"operator admin sees no customer data", gate, staff(access.StaffOperatorAdmin, true, valid), datamap.AccountProfile, datamap.PurposeService, errs.Forbidden},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.gate.Check(t.Context(), tc.who, access.Read, access.Resource{Category: tc.category, AccountID: acct}, tc.purpose)
			if got := errs.CodeOf(err); got != tc.want {
				t.Fatalf("got %q (%v), want %q", got, err, tc.want)
			}
		})
	}

	granted[datamap.MediaSegment] = true
	d, err := gate.Check(t.Context(), staff(access.StaffSupportL1, true, valid), access.Read, access.Resource{Category: datamap.MediaSegment, AccountID: acct}, datamap.PurposeAlarms)
	if err != nil {
		t.Fatalf("with the customer's grant: %v", err)
	}
	if err := d.Require(access.Read, access.Resource{Category: datamap.MediaSnapshot, AccountID: acct}); err == nil {
		t.Fatal("a grant for video opened snapshots")
	}
	if _, err := gate.Check(t.Context(), staff(access.StaffSupportL1, true, lapsed), access.Read, access.Resource{Category: datamap.MediaSegment, AccountID: acct}, datamap.PurposeAlarms); err == nil {
		t.Fatal("a grant let staff with lapsed training in")
	}
	if len(used) != 1 || used[0] != d.AuditSeq() {
		t.Fatalf("grant uses %v, want the allowed access %d", used, d.AuditSeq())
	}

	// Each decision above, allowed or denied, is in the account's access log.
	page, err := e.App.Audit.ListAccount(t.Context(), acct, "", 0, 500)
	if err != nil {
		t.Fatal(err)
	}
	allow, deny := 0, 0
	for _, it := range page.Items {
		switch it.Entry.Decision {
		case audit.Allow:
			allow++
		case audit.Deny:
			deny++
			if it.Entry.Reason == "" {
				t.Errorf("denied entry %d has no reason", it.Entry.Seq)
			}
		}
		if it.Entry.ActorKind != audit.ActorStaff || it.Entry.Purpose == "" {
			t.Errorf("entry %d: actor %s purpose %q", it.Entry.Seq, it.Entry.ActorKind, it.Entry.Purpose)
		}
	}
	if allow != 2 || deny != len(cases)-1+1 {
		t.Fatalf("access log has %d allowed and %d denied entries, want 2 and %d", allow, deny, len(cases))
	}
}

// A purpose the data map does not declare for a category is refused, for
// every principal: other uses need consent and their own declaration.
// proves: U-I
func TestUndeclaredPurposeRefused(t *testing.T) {
	e := vigiltest.Start(t)
	owner := access.Principal{Kind: access.KindUser, ID: "usr_owner", Memberships: []access.Membership{{AccountID: acct, Role: access.RoleOwner}}}
	cases := []struct {
		category datamap.CategoryID
		purpose  datamap.Purpose
		allowed  bool
	}{
		{datamap.AccountProfile, datamap.PurposeService, true},
		{datamap.AccountProfile, datamap.PurposeConsented, false},
		{datamap.AccountSession, datamap.PurposeAnalytics, false},
		{datamap.AccountProfile, datamap.PurposeTroubleshooting, false},
		{datamap.FaceTemplate, datamap.PurposeConsented, true},
		{datamap.FaceTemplate, datamap.PurposeService, false},
		{datamap.FaceTemplate, datamap.PurposeAnalytics, false},
		{datamap.MediaSegment, datamap.PurposeAnalytics, false},
		{datamap.AuditTrail, datamap.PurposeRemoteConfig, false},
	}
	for _, tc := range cases {
		_, err := e.App.Gate.Check(t.Context(), owner, access.Read, access.Resource{Category: tc.category, AccountID: acct}, tc.purpose)
		if (err == nil) != tc.allowed {
			t.Errorf("%s for %s: err %v, allowed want %v", tc.category, tc.purpose, err, tc.allowed)
		}
	}
	if _, err := e.App.Gate.Check(t.Context(), owner, access.Read, access.Resource{Category: "undeclared.thing", AccountID: acct}, datamap.PurposeService); !errs.Is(err, errs.Forbidden) {
		t.Errorf("undeclared category: %v", err)
	}
	page, err := e.App.Audit.ListAccount(t.Context(), acct, "", 0, 500)
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Items) != len(cases)+1 {
		t.Fatalf("%d entries, want %d", len(page.Items), len(cases)+1)
	}
	for i, it := range page.Items[:len(cases)] {
		if it.Entry.Purpose != cases[i].purpose {
			t.Errorf("entry %d names purpose %q, want %q", it.Entry.Seq, it.Entry.Purpose, cases[i].purpose)
		}
	}
}

func TestCustomerRoles(t *testing.T) {
	e := vigiltest.Start(t)
	site := "site_bbbbbbbbbbbbbbbbbbbbbbbbbb"
	user := func(ms ...access.Membership) access.Principal {
		return access.Principal{Kind: access.KindUser, ID: "usr_x", Memberships: ms}
	}
	guest := user(access.Membership{AccountID: acct, Role: access.RoleGuest})
	admin := user(access.Membership{AccountID: acct, Role: access.RoleAdmin})
	siteAdmin := user(access.Membership{AccountID: acct, SiteID: site, Role: access.RoleAdmin})
	cases := []struct {
		name   string
		who    access.Principal
		action access.Action
		site   string
		want   errs.Code
	}{
		{"guest reads", guest, access.Read, "", ""},
		{"guest cannot change", guest, access.Update, "", errs.Forbidden},
		{"admin changes", admin, access.Update, "", ""},
		{"admin cannot delete", admin, access.Delete, "", errs.Forbidden},
		{"site admin changes their site", siteAdmin, access.Update, site, ""},
		{"site admin has no account-wide role", siteAdmin, access.Update, "", errs.NotFound},
		{"site admin has no role in another site", siteAdmin, access.Read, "site_cccccccccccccccccccccccccc", errs.NotFound},
		{"stranger", user(), access.Read, "", errs.NotFound},
		{"anonymous", access.Anonymous("192.0.2.1", "x"), access.Read, "", errs.Unauthenticated},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.App.Gate.Check(t.Context(), tc.who, tc.action, access.Resource{Category: datamap.AccountProfile, AccountID: acct, SiteID: tc.site}, datamap.PurposeService)
			if got := errs.CodeOf(err); got != tc.want {
				t.Fatalf("got %q (%v), want %q", got, err, tc.want)
			}
		})
	}
}

func TestDecisionCoversOnlyWhatWasChecked(t *testing.T) {
	e := vigiltest.Start(t)
	owner := access.Principal{Kind: access.KindUser, ID: "usr_o", Memberships: []access.Membership{{AccountID: acct, Role: access.RoleOwner}}}
	res := access.Resource{Category: datamap.AccountProfile, AccountID: acct, ID: "site_1"}
	d, err := e.App.Gate.Check(t.Context(), owner, access.Read, res, datamap.PurposeService)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Require(access.Read, res); err != nil {
		t.Fatalf("the checked access: %v", err)
	}
	for name, r := range map[string]access.Resource{
		"another account":  {Category: datamap.AccountProfile, AccountID: "acc_other", ID: "site_1"},
		"another object":   {Category: datamap.AccountProfile, AccountID: acct, ID: "site_2"},
		"another category": {Category: datamap.AccountSession, AccountID: acct, ID: "site_1"},
	} {
		if err := d.Require(access.Read, r); !errs.Is(err, errs.Forbidden) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if err := d.Require(access.Update, res); !errs.Is(err, errs.Forbidden) {
		t.Errorf("another action: %v", err)
	}
	siteA := access.Resource{Category: datamap.AccountProfile, AccountID: acct, SiteID: "site_a"}
	ds, err := e.App.Gate.Check(t.Context(), owner, access.Read, siteA, datamap.PurposeService)
	if err != nil {
		t.Fatal(err)
	}
	if err := ds.Require(access.Read, access.Resource{Category: datamap.AccountProfile, AccountID: acct, SiteID: "site_b"}); !errs.Is(err, errs.Forbidden) {
		t.Errorf("a decision for one site opened another: %v", err)
	}
	var zero access.Decision
	if err := zero.Require(access.Read, res); !errs.Is(err, errs.Forbidden) {
		t.Errorf("zero decision: %v", err)
	}
}
