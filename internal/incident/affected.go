package incident

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/audit"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/id"
	"github.com/vigil-cloud/vigil/internal/notify"
)

// Scope kinds: what the officer knows was compromised (I3).
const (
	ScopeStaff    = "staff_credential"  // a staff member's credential, between two times
	ScopeDevice   = "device_credential" // a device's credential, between two times
	ScopeAccounts = "accounts"          // a set of accounts
	ScopeCategory = "category"          // a data category
	ScopeRoute    = "route"             // an API route
)

// Scope says where to look in the access log.
type Scope struct {
	Kind       string             `json:"kind"`
	ActorID    string             `json:"actor_id,omitempty"`    // staff or device
	AccountIDs []string           `json:"account_ids,omitempty"` // accounts
	Category   datamap.CategoryID `json:"category,omitempty"`    // category
	// Route is "METHOD /api/v1/..." as in the API document: every access
	// the route made in the window, by anyone.
	Route string    `json:"route,omitempty"`
	From  time.Time `json:"from"`
	To    time.Time `json:"to"`
}

// AccountRef is an account through which a person was affected.
type AccountRef struct {
	ID     string `json:"id"`
	Region string `json:"region"`
}

// Touch is what of a person's (or their account's) data was reached.
type Touch struct {
	Category datamap.CategoryID `json:"category"`
	Title    string             `json:"title"`
	Actions  []string           `json:"actions"`
	Count    int                `json:"count"`
	First    time.Time          `json:"first"`
	Last     time.Time          `json:"last"`
}

// Affected is one person an incident affected.
type Affected struct {
	IncidentID    string       `json:"incident_id"`
	UserID        string       `json:"user_id"`
	Accounts      []AccountRef `json:"accounts"`
	Touched       []Touch      `json:"touched"`
	Contact       bool         `json:"contact"` // a verified e-mail, phone or push subscription
	Language      string       `json:"language"`
	NoticeAccount string       `json:"notice_account,omitempty"`
	MessageID     string       `json:"message_id,omitempty"`
	NoticedAt     time.Time    `json:"noticed_at"`
	CreatedAt     time.Time    `json:"created_at"`
	// Deliveries of the notice, read from the outbox.
	Deliveries []notify.Delivery `json:"deliveries,omitempty"`
}

// Person is a member of an account as the computation needs them.
type Person struct {
	UserID    string
	AccountID string
	Region    string
	Language  string
	Contact   bool
}

// SetRoutes names the API's routes ("METHOD /api/v1/..." as the route
// table writes them), so that a route scope can be checked before the log
// is read; set by the composition, which owns both.
func (s *Service) SetRoutes(routes []string) {
	s.routes = map[string]bool{}
	for _, r := range routes {
		s.routes[r] = true
	}
}

func (s *Service) checkScope(sc *Scope) error {
	sc.From, sc.To = sc.From.UTC(), sc.To.UTC()
	now := s.clk.Now()
	if sc.To.IsZero() {
		sc.To = now
	}
	if sc.From.IsZero() || !sc.From.Before(sc.To) {
		return errs.E(errs.Invalid, "give the window: from must be before to")
	}
	switch sc.Kind {
	case ScopeStaff:
		if !id.Valid(sc.ActorID) || !strings.HasPrefix(sc.ActorID, "stf_") {
			return errs.E(errs.Invalid, "actor_id must be a staff member's identifier")
		}
	case ScopeDevice:
		if !id.Valid(sc.ActorID) {
			return errs.E(errs.Invalid, "actor_id must be a device identifier")
		}
	case ScopeAccounts:
		if len(sc.AccountIDs) == 0 || len(sc.AccountIDs) > 10000 {
			return errs.E(errs.Invalid, "give 1 to 10000 account identifiers")
		}
		for _, a := range sc.AccountIDs {
			if !id.Valid(a) {
				return errs.E(errs.Invalid, "account_ids holds an invalid identifier")
			}
		}
	case ScopeCategory:
		if _, ok := s.reg.Category(sc.Category); !ok {
			return errs.E(errs.Invalid, "unknown data category %q", sc.Category)
		}
	case ScopeRoute:
		if !s.routes[sc.Route] {
			return errs.E(errs.Invalid, "unknown route %q (write it as METHOD /api/v1/...)", sc.Route)
		}
	default:
		return errs.E(errs.Invalid, "unknown scope kind %q (want staff_credential, device_credential, accounts, category or route)", sc.Kind)
	}
	return nil
}

// matcher returns whether an allowed entry of the log falls in the scope.
func (s *Service) matcher(sc Scope) func(e audit.Entry) bool {
	accounts := map[string]bool{}
	for _, a := range sc.AccountIDs {
		accounts[a] = true
	}
	return func(e audit.Entry) bool {
		if e.Decision != audit.Allow || e.AccountID == "" {
			return false
		}
		switch sc.Kind {
		case ScopeStaff:
			return e.ActorKind == audit.ActorStaff && e.ActorID == sc.ActorID
		case ScopeDevice:
			return e.ActorID == sc.ActorID || e.ResourceID == sc.ActorID
		case ScopeAccounts:
			return accounts[e.AccountID]
		case ScopeCategory:
			return e.Category == sc.Category
		case ScopeRoute:
			// Each entry written for an API request names its route.
			return e.Route == sc.Route
		}
		return false
	}
}

// owners collects, per owner of log entries (an account or a person),
// what was touched.
type owners map[string]map[datamap.CategoryID]*Touch

func (o owners) add(s *Service, e audit.Entry) {
	m := o[e.AccountID]
	if m == nil {
		m = map[datamap.CategoryID]*Touch{}
		o[e.AccountID] = m
	}
	t := m[e.Category]
	if t == nil {
		t = &Touch{Category: e.Category, First: e.Time}
		if c, ok := s.reg.Category(e.Category); ok {
			t.Title = c.Title
		}
		m[e.Category] = t
	}
	t.Count++
	t.Last = e.Time
	if !slices.Contains(t.Actions, string(e.Action)) {
		t.Actions = append(t.Actions, string(e.Action))
	}
}

func touches(m map[datamap.CategoryID]*Touch) []Touch {
	out := make([]Touch, 0, len(m))
	for _, t := range m {
		slices.Sort(t.Actions)
		out = append(out, *t)
	}
	slices.SortFunc(out, func(a, b Touch) int { return strings.Compare(string(a.Category), string(b.Category)) })
	return out
}

func mergeTouches(a, b []Touch) []Touch {
	m := map[datamap.CategoryID]*Touch{}
	for _, list := range [][]Touch{a, b} {
		for _, t := range list {
			if x, ok := m[t.Category]; ok {
				x.Count += t.Count
				x.First, x.Last = minTime(x.First, t.First), maxTime(x.Last, t.Last)
				for _, act := range t.Actions {
					if !slices.Contains(x.Actions, act) {
						x.Actions = append(x.Actions, act)
					}
				}
				continue
			}
			tt := t
			tt.Actions = slices.Clone(t.Actions)
			m[t.Category] = &tt
		}
	}
	return touches(m)
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// ComputeAffected finds the people and accounts the scope reached, from
// the access log and the data map (I3): every allowed access in the scope
// names the account (or the person, for data outside an account) whose
// data it was; an account's people are its members. The result replaces
// the incident's affected people, the grading criteria follow it, and the
// regulators' reports due for the regions reached are added.
func (s *Service) ComputeAffected(ctx context.Context, p access.Principal, incID string, sc Scope) ([]Affected, error) {
	if err := s.checkScope(&sc); err != nil {
		return nil, err
	}
	d, err := s.check(ctx, p, access.Create, affectedRes(incID))
	if err != nil {
		return nil, err
	}
	if _, err := s.check(ctx, p, access.List, access.Resource{Category: datamap.AuditTrail}); err != nil {
		return nil, err
	}
	match := s.matcher(sc)
	found := owners{}
	// Every scope is bounded by its window: the log is read from..to only.
	err = s.audit.ScanTime(ctx, sc.From, sc.To, func(e audit.Entry) error {
		if match(e) {
			found.add(s, e)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if sc.Kind == ScopeDevice {
		// A device's credential reaches what the device holds and sends:
		// its account is affected even where nobody read its data since.
		acct, err := s.store.DeviceAccount(ctx, d, sc.ActorID)
		if err != nil {
			return nil, err
		}
		if acct != "" && found[acct] == nil {
			found[acct] = map[datamap.CategoryID]*Touch{}
		}
	}
	if sc.Kind == ScopeAccounts {
		// Every account named is affected even where the log shows no
		// access in the window: the officer knows it was reached.
		for _, a := range sc.AccountIDs {
			if found[a] == nil {
				found[a] = map[datamap.CategoryID]*Touch{}
			}
		}
	}
	var accountIDs, personIDs []string
	for o := range found {
		if strings.HasPrefix(o, "acc_") {
			accountIDs = append(accountIDs, o)
		} else {
			personIDs = append(personIDs, o)
		}
	}
	slices.Sort(accountIDs)
	slices.Sort(personIDs)
	members, err := s.store.People(ctx, d, accountIDs)
	if err != nil {
		return nil, err
	}
	subjects, err := s.store.Subjects(ctx, d, personIDs)
	if err != nil {
		return nil, err
	}
	now := s.clk.Now().UTC().Truncate(time.Microsecond)
	byUser := map[string]*Affected{}
	var order []string
	for _, list := range [][]Person{members, subjects} {
		for _, m := range list {
			a := byUser[m.UserID]
			if a == nil {
				a = &Affected{IncidentID: incID, UserID: m.UserID, Contact: m.Contact, Language: m.Language, CreatedAt: now, Accounts: []AccountRef{}}
				byUser[m.UserID] = a
				order = append(order, m.UserID)
			}
			owner := m.UserID
			if m.AccountID != "" {
				owner = m.AccountID
				if !slices.ContainsFunc(a.Accounts, func(r AccountRef) bool { return r.ID == m.AccountID }) {
					a.Accounts = append(a.Accounts, AccountRef{ID: m.AccountID, Region: m.Region})
				}
			}
			a.Touched = mergeTouches(a.Touched, touches(found[owner]))
		}
	}
	slices.Sort(order)
	rows := make([]Affected, 0, len(order))
	cats := map[datamap.CategoryID]bool{}
	accounts := map[string]bool{}
	for _, u := range order {
		rows = append(rows, *byUser[u])
		for _, t := range byUser[u].Touched {
			cats[t.Category] = true
		}
		for _, r := range byUser[u].Accounts {
			accounts[r.ID] = true
		}
	}
	if err := s.store.ReplaceAffected(ctx, d, incID, rows); err != nil {
		return nil, err
	}
	_, err = s.update(ctx, p, incID, func(inc *Incident, now time.Time) ([]Event, error) {
		if inc.Status == StatusClosed {
			return nil, errs.E(errs.Conflict, "the incident is closed")
		}
		c := inc.Criteria
		c.PeopleAffected, c.Accounts = len(rows), len(accounts)
		for cat := range cats {
			c.Categories = append(c.Categories, cat)
		}
		if err := s.checkCriteria(&c); err != nil {
			return nil, err
		}
		scope := sc
		inc.Scope = &scope
		evs := []Event{{At: now, By: p.ID, Kind: "affected",
			Note: fmt.Sprintf("affected computed from the access log (%s): %d people in %d accounts", sc.Kind, len(rows), len(accounts))}}
		evs = append(evs, s.regrade(inc, c, now, p.ID)...)
		return append(evs, s.planReports(inc, rows, now, p.ID)...), nil
	})
	if err != nil {
		return nil, err
	}
	return rows, nil
}

// planReports adds a report for each regime the affected people's regions
// fall under, with its clock from awareness; reports already there keep
// their state and get the new counts.
func (s *Service) planReports(inc *Incident, rows []Affected, now time.Time, by string) []Event {
	type tally struct {
		accounts map[string]bool
		people   int
	}
	per := map[string]*tally{}
	for _, a := range rows {
		seen := map[string]bool{}
		for _, r := range a.Accounts {
			rg, ok := s.regimeFor(r.Region)
			if !ok {
				continue
			}
			t := per[rg.ID]
			if t == nil {
				t = &tally{accounts: map[string]bool{}}
				per[rg.ID] = t
			}
			t.accounts[r.ID] = true
			if !seen[rg.ID] {
				seen[rg.ID] = true
				t.people++
			}
		}
	}
	var evs []Event
	for _, rg := range s.regimes {
		t := per[rg.ID]
		if t == nil {
			continue
		}
		accts := make([]string, 0, len(t.accounts))
		for a := range t.accounts {
			accts = append(accts, a)
		}
		slices.Sort(accts)
		i := slices.IndexFunc(inc.Reports, func(r Report) bool { return r.Regime == rg.ID })
		if i < 0 {
			inc.Reports = append(inc.Reports, Report{Regime: rg.ID, Law: rg.Law, Authority: rg.Authority, Region: rg.Regions[0],
				Immediately: rg.Immediately, DueAt: inc.AwareAt.Add(rg.Window), Disclosures: []string{}})
			i = len(inc.Reports) - 1
			evs = append(evs, Event{At: now, By: by, Kind: "regulator_clock",
				Note: fmt.Sprintf("%s: report due by %s", rg.Law, inc.AwareAt.Add(rg.Window).Format(time.RFC3339))})
		}
		inc.Reports[i].Accounts, inc.Reports[i].People = accts, t.people
		inc.Reports[i].Required = t.people >= max(rg.Threshold, 1)
	}
	return evs
}

// AffectedPeople lists the incident's affected people with the deliveries
// of their notices.
func (s *Service) AffectedPeople(ctx context.Context, p access.Principal, incID string) ([]Affected, error) {
	d, err := s.check(ctx, p, access.List, affectedRes(incID))
	if err != nil {
		return nil, err
	}
	rows, err := s.store.Affected(ctx, d, incID)
	if err != nil {
		return nil, err
	}
	for i, a := range rows {
		if a.MessageID == "" {
			continue
		}
		ds, err := s.outbox.MessageDeliveries(ctx, a.NoticeAccount, a.MessageID)
		if err != nil {
			return nil, err
		}
		for _, dl := range ds {
			if dl.UserID == a.UserID {
				rows[i].Deliveries = append(rows[i].Deliveries, dl)
			}
		}
	}
	return rows, nil
}
