package privacy_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/clock"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/mail"
	"github.com/vigil-cloud/vigil/internal/privacy"
	"github.com/vigil-cloud/vigil/internal/privacy/fulfil"
	"github.com/vigil-cloud/vigil/internal/store"
	"github.com/vigil-cloud/vigil/internal/vigiltest"
)

// sentMail is a message with the fake-clock time it left: the simulation
// must prove when notices went out, which an SMTP server cannot tell.
type sentMail struct {
	mail.Mail
	At time.Time
}

type mailbox struct {
	clk  clock.Clock
	mu   sync.Mutex
	sent []sentMail
}

func (m *mailbox) Send(_ context.Context, msg mail.Mail) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sent = append(m.sent, sentMail{msg, m.clk.Now()})
	return nil
}

func (m *mailbox) to(addr, subject string) []sentMail {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []sentMail
	for _, s := range m.sent {
		if s.To == addr && strings.Contains(s.Subject, subject) {
			out = append(out, s)
		}
	}
	return out
}

func TestParsePeriodAndTable(t *testing.T) {
	for in, want := range map[string]privacy.Period{"1mo": {Months: 1}, "45d": {Days: 45}, "2mo15d": {Months: 2, Days: 15}} {
		if got, err := privacy.ParsePeriod(in); err != nil || got != want {
			t.Errorf("ParsePeriod(%q) = %v, %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "1y", "mo", "45"} {
		if _, err := privacy.ParsePeriod(bad); err == nil {
			t.Errorf("ParsePeriod(%q) accepted", bad)
		}
	}
	tab, err := privacy.DefaultDeadlines().Override([]string{"br=15d+0d"})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 1, 31, 12, 0, 0, 0, time.UTC)
	for region, want := range map[string]time.Time{
		"eu": start.AddDate(0, 1, 0), "us-ca": start.AddDate(0, 0, 45), "br": start.AddDate(0, 0, 15),
	} {
		if got := tab.For(region).Respond.After(start); !got.Equal(want) {
			t.Errorf("%s: due %v, want %v", region, got, want)
		}
	}
	if _, err := privacy.DefaultDeadlines().Override([]string{"x=0d+1d"}); err == nil {
		t.Error("a zero deadline was accepted")
	}
}

// A simulated year of requests from people without an account: each day a
// few arrive (EU and California), are confirmed and reviewed; the officer
// works the queue earliest deadline first, extends some with a reason,
// refuses some, and some requesters ask again for unchanged data. No
// deadline is missed, every extension is announced to the requester before
// the first deadline, every refusal has an enumerated reason and a letter,
// repeats are answered by reference, and reminders precede deadlines.
// proves: R5, R6, R8
func TestSimulatedYear(t *testing.T) {
	perDay := 6
	if testing.Short() {
		perDay = 1
	}
	vigiltest.Each(t, func(t *testing.T, e *vigiltest.Env) {
		ctx := context.Background()
		box := &mailbox{clk: e.Clock}
		// This test's own request service answers; the app's job worker
		// must not take its jobs.
		e = e.Restart(vigiltest.Offline)
		ps := store.NewPrivacyStore(e.App.DB)
		s := privacy.NewRequests(privacy.Deps{Store: ps, Keys: e.App.Keys, Blobs: e.App.Blobs, Gate: e.App.Gate, DataMap: e.App.Registry,
			Fulfil: e.App.Fulfil, Profiles: e.App.Accounts, Holds: e.App.Retention, Mailer: box, Clock: e.Clock, Log: e.App.Log, Jobs: ps},
			privacy.RequestOptions{PublicURL: "http://vigil.test", DPOMailbox: "dpo@vigil.test", RemindBefore: 5 * 24 * time.Hour})
		officer := access.Principal{Kind: access.KindStaff, ID: "stf_simulatedofficer", StaffRole: access.StaffDPO, MFA: true,
			TrainingValidUntil: e.Clock.Now().AddDate(2, 0, 0)}
		anon := access.Anonymous("192.0.2.1", "sim")
		rng := rand.New(rand.NewPCG(1, 2))
		reasons := privacy.DenialReasons()

		type plan struct {
			email   string
			act     time.Time // when the officer acts
			extend  bool
			deny    privacy.DenialReason
			repeat  bool
			region  string
			granted bool
		}
		plans := map[string]*plan{}
		var mu sync.Mutex
		submit := func(n int, email, region string, p plan) {
			in := privacy.PublicSubmission{Submission: privacy.Submission{Kind: fulfil.KindAccess, Region: region,
				Scope: fulfil.Scope{Categories: []datamap.CategoryID{datamap.AccountProfile}}}, Email: email, Name: "Person " + fmt.Sprint(n), Relation: privacy.RelationSelf}
			if err := s.SubmitPublic(ctx, anon, in); err != nil {
				t.Errorf("submit: %v", err)
				return
			}
			msgs := box.to(email, "Confirm your request")
			link := msgs[len(msgs)-1].Text
			secret := link[strings.Index(link, "token=")+6:]
			secret = secret[:strings.IndexAny(secret, "\n ")]
			req, token, err := s.ConfirmEmail(ctx, anon, secret)
			if err != nil {
				t.Errorf("confirm: %v", err)
				return
			}
			if _, err := s.UploadDocument(ctx, anon, req.ID, token, privacy.DocIdentity, "application/pdf", strings.NewReader("%PDF passport")); err != nil {
				t.Errorf("upload: %v", err)
				return
			}
			if _, err := s.Verify(ctx, officer, req.ID, true, ""); err != nil {
				t.Errorf("verify: %v", err)
				return
			}
			p.email, p.region = email, region
			mu.Lock()
			plans[req.ID] = &p
			mu.Unlock()
		}
		start := e.Clock.Now()
		var granted []string
		total, repeats := 0, 0
		// The officer works the queue each day, earliest deadline first.
		work := func(now time.Time) {
			queue, err := s.Queue(ctx, officer, 0)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range queue {
				p := plans[r.ID]
				if p == nil {
					continue
				}
				switch {
				case p.extend && r.ExtendedDueAt.IsZero() && now.After(r.DueAt.Add(-10*24*time.Hour)):
					if _, err := s.Extend(ctx, officer, r.ID, "many recordings across several sites must be reviewed", privacy.DeadlineFor(s, r.Region).Extend.After(r.DueAt)); err != nil {
						t.Errorf("extend %s: %v", r.ID, err)
					}
				case !now.Before(p.act) && p.deny != "":
					if _, err := s.Deny(ctx, officer, r.ID, p.deny, "The details of our reasoning for this particular request are set out here."); err != nil {
						t.Errorf("deny: %v", err)
					}
				case !now.Before(p.act):
					if _, err := s.Grant(ctx, officer, r.ID); err != nil {
						t.Errorf("grant: %v", err)
					}
					if !p.repeat {
						granted = append(granted, r.ID)
					}
				}
			}
			// Packages are built in the background: the day's grants are
			// answered before the day ends.
			for {
				if _, err := s.WorkJobs(ctx); err != nil {
					t.Fatal(err)
				}
				if n, err := s.PendingJobs(ctx); err != nil {
					t.Fatal(err)
				} else if n == 0 {
					break
				}
				runtime.Gosched()
			}
		}
		for dayN := 0; dayN < 365; dayN++ {
			now := e.Clock.Now()
			var wg sync.WaitGroup
			for i := 0; i < perDay; i++ {
				n := total
				total++
				region := "eu"
				if rng.IntN(4) == 0 {
					region = "us-ca"
				}
				p := plan{act: now.Add(time.Duration(1+rng.IntN(27)) * 24 * time.Hour)}
				switch r := rng.IntN(10); {
				case r == 0:
					p.extend, p.act = true, now.Add(time.Duration(35+rng.IntN(40))*24*time.Hour)
				case r == 1:
					p.deny = reasons[rng.IntN(len(reasons))]
				}
				email := fmt.Sprintf("p%d@example.com", n)
				// Some people ask again for what they already received.
				if len(granted) > 0 && rng.IntN(10) == 0 {
					mu.Lock()
					email, region = plans[granted[rng.IntN(len(granted))]].email, "eu"
					mu.Unlock()
					p = plan{act: now.Add(2 * 24 * time.Hour), repeat: true}
					repeats++
				}
				wg.Go(func() { submit(n, email, region, p) })
			}
			wg.Wait()
			work(now)
			if _, err := s.Remind(ctx); err != nil {
				t.Fatal(err)
			}
			e.Clock.Advance(24 * time.Hour)
		}
		// Work off what is left after the year, the same way.
		for range 120 {
			work(e.Clock.Now())
			e.Clock.Advance(24 * time.Hour)
		}

		var stats = map[string]int{}
		for id, p := range plans {
			r, err := s.StaffRequest(ctx, officer, id)
			if err != nil {
				t.Fatal(err)
			}
			if r.Status != privacy.StatusClosed {
				t.Errorf("%s still %s", id, r.Status)
				continue
			}
			if r.DecidedAt.After(r.Deadline()) {
				t.Errorf("%s answered %v after its deadline %v", id, r.DecidedAt, r.Deadline())
			}
			if r.Letter == "" || len(box.to(p.email, "Our answer to your request "+id)) != 1 {
				t.Errorf("%s: no letter sent", id)
			}
			if !r.ExtendedDueAt.IsZero() {
				stats["extended"]++
				notes := box.to(p.email, "More time needed for your request "+id)
				if len(notes) != 1 || !notes[0].At.Before(r.DueAt) || !strings.Contains(notes[0].Text, r.ExtensionReason) {
					t.Errorf("%s: extension not announced with its reason before %v: %+v", id, r.DueAt, notes)
				}
				if r.ExtendedDueAt.After(privacy.DeadlineFor(s, r.Region).Extend.After(r.DueAt)) {
					t.Errorf("%s extended beyond the law", id)
				}
			}
			switch r.Outcome {
			case privacy.OutcomeDenied:
				stats["denied"]++
				if !r.DenialReason.Valid() || !slices.Contains(reasons, r.DenialReason) || !strings.Contains(r.Letter, r.DenialReason.Words()) ||
					strings.Contains(r.Letter, string(r.DenialReason)) {
					t.Errorf("%s denied without an enumerated reason in its letter", id)
				}
			case privacy.OutcomeReferred:
				stats["referred"]++
				if r.ReferenceID == "" || !strings.Contains(r.Letter, r.ReferenceID) {
					t.Errorf("%s referred without naming the earlier answer", id)
				}
			case privacy.OutcomeGranted:
				stats["granted"]++
			}
			if p.repeat && r.Outcome != privacy.OutcomeReferred {
				t.Errorf("repeat %s answered %s, want by reference", id, r.Outcome)
			}
		}
		reminded := box.to("dpo@vigil.test", "Reminder")
		reminders := len(reminded)
		for _, m := range reminded {
			id := strings.Fields(m.Subject)[3]
			r, err := s.StaffRequest(ctx, officer, id)
			if err != nil || !m.At.Before(r.Deadline()) {
				t.Errorf("reminder for %s at %v, deadline %v (%v)", id, m.At, r.Deadline(), err)
			}
		}
		t.Logf("%d requests over %v (%d repeats): %v; %d reminders", len(plans), e.Clock.Now().Sub(start).Round(24*time.Hour), repeats, stats, reminders)
		if len(plans) < 300 || stats["extended"] == 0 || stats["denied"] == 0 || stats["referred"] == 0 || reminders == 0 {
			t.Errorf("the simulation did not exercise every path: %v", stats)
		}
	})
}
