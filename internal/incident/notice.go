package incident

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/notify"
)

// NoticeText is the notice in one language, with the content the
// statement requires (I3): what happened, the likely impact, the measures
// taken or planned, advice to people, and their remedies.
type NoticeText struct {
	Language     string `json:"language"`
	Title        string `json:"title"`
	WhatHappened string `json:"what_happened"`
	Impact       string `json:"impact"`
	Measures     string `json:"measures"`
	Advice       string `json:"advice"`
	Remedies     string `json:"remedies"`
}

// Notice is what people are told, in every language written.
type Notice struct {
	Texts     []NoticeText `json:"texts"`
	Contacts  string       `json:"contacts"`
	UpdatedAt time.Time    `json:"updated_at"`
	SentAt    time.Time    `json:"sent_at"`
}

// NoticeInput writes the notice.
type NoticeInput struct {
	Texts    []NoticeText `json:"texts"`
	Contacts string       `json:"contacts"`
}

// labels are vigil's own headings of a notice, per language; a text in a
// language without labels uses the English ones.
var labels = map[string][6]string{
	"en": {"What happened", "What it may mean for you", "What we did and will do", "What you can do", "Your remedies", "Contact"},
	"de": {"Was geschehen ist", "Was es für Sie bedeuten kann", "Was wir getan haben und tun werden", "Was Sie tun können", "Ihre Rechtsbehelfe", "Kontakt"},
	"fr": {"Ce qui s'est passé", "Ce que cela peut signifier pour vous", "Ce que nous avons fait et ferons", "Ce que vous pouvez faire", "Vos recours", "Contact"},
}

func baseLang(tag string) string {
	tag = strings.ToLower(strings.TrimSpace(tag))
	if i := strings.IndexAny(tag, "-_"); i > 0 {
		tag = tag[:i]
	}
	return tag
}

func checkNotice(in *NoticeInput) error {
	if len(in.Texts) == 0 || len(in.Texts) > 20 {
		return errs.E(errs.Invalid, "give the notice in 1 to 20 languages, English among them")
	}
	seen := map[string]bool{}
	for i := range in.Texts {
		t := &in.Texts[i]
		t.Language = baseLang(t.Language)
		if len(t.Language) < 2 || len(t.Language) > 3 || strings.Trim(t.Language, "abcdefghijklmnopqrstuvwxyz") != "" {
			return errs.E(errs.Invalid, "texts[%d].language must be a language code such as en or de", i)
		}
		if seen[t.Language] {
			return errs.E(errs.Invalid, "two texts in %s", t.Language)
		}
		seen[t.Language] = true
		for _, f := range []struct {
			name string
			v    *string
			min  int
		}{{"title", &t.Title, 3}, {"what_happened", &t.WhatHappened, 10}, {"impact", &t.Impact, 10},
			{"measures", &t.Measures, 10}, {"advice", &t.Advice, 10}, {"remedies", &t.Remedies, 10}} {
			*f.v = strings.TrimSpace(*f.v)
			if err := checkText(fmt.Sprintf("texts[%d].%s", i, f.name), *f.v, f.min, 1500); err != nil {
				return err
			}
		}
	}
	if !seen["en"] {
		return errs.E(errs.Invalid, "the notice needs an English text (the fallback for every other language)")
	}
	in.Contacts = strings.TrimSpace(in.Contacts)
	return checkText("contacts", in.Contacts, 5, 500)
}

// SetNotice writes the notice texts.
func (s *Service) SetNotice(ctx context.Context, p access.Principal, incID string, in NoticeInput) (Incident, error) {
	if err := checkNotice(&in); err != nil {
		return Incident{}, err
	}
	return s.update(ctx, p, incID, func(inc *Incident, now time.Time) ([]Event, error) {
		n := Notice{Texts: in.Texts, Contacts: in.Contacts, UpdatedAt: now}
		if inc.Notice != nil {
			n.SentAt = inc.Notice.SentAt
		}
		inc.Notice = &n
		langs := make([]string, 0, len(in.Texts))
		for _, t := range in.Texts {
			langs = append(langs, t.Language)
		}
		return []Event{{At: now, By: p.ID, Kind: "notice", Note: "notice written in " + strings.Join(langs, ", ")}}, nil
	})
}

// textFor picks the text in the person's language, or English.
func (n Notice) textFor(lang string) NoticeText {
	lang = baseLang(lang)
	for _, t := range n.Texts {
		if t.Language == lang {
			return t
		}
	}
	for _, t := range n.Texts {
		if t.Language == "en" {
			return t
		}
	}
	return n.Texts[0]
}

// Body renders a text with vigil's headings in its language.
func (n Notice) Body(t NoticeText) string {
	l, ok := labels[t.Language]
	if !ok {
		l = labels["en"]
	}
	var b strings.Builder
	for i, v := range []string{t.WhatHappened, t.Impact, t.Measures, t.Advice, t.Remedies, n.Contacts} {
		if i > 0 {
			b.WriteString("\n\n")
		}
		b.WriteString(l[i] + ": " + v)
	}
	return b.String()
}

// NoticeStatus says how far telling people went, and whether a public
// notice is due (I4).
type NoticeStatus struct {
	People         int    `json:"people"`
	WithContact    int    `json:"with_contact"`
	WithoutContact int    `json:"without_contact"`
	Noticed        int    `json:"noticed"`
	Limit          int    `json:"individual_limit"`
	PublicRequired bool   `json:"public_required"`
	Reason         string `json:"reason,omitempty"`
	Published      bool   `json:"published"`
	PublicURL      string `json:"public_url,omitempty"`
}

func (s *Service) status(inc Incident, rows []Affected) NoticeStatus {
	st := NoticeStatus{People: len(rows), Limit: s.opts.IndividualLimit, Published: !inc.PublishedAt.IsZero()}
	for _, a := range rows {
		if a.Contact && len(a.Accounts) > 0 {
			st.WithContact++
		} else {
			st.WithoutContact++
		}
		if a.MessageID != "" {
			st.Noticed++
		}
	}
	switch {
	case st.People > st.Limit:
		st.PublicRequired, st.Reason = true, fmt.Sprintf("%d people: over the limit of %d for telling each one", st.People, st.Limit)
	case st.WithoutContact > 0:
		st.PublicRequired, st.Reason = true, fmt.Sprintf("%d people have no verified e-mail, phone or push subscription", st.WithoutContact)
	}
	if st.Published {
		st.PublicURL = PublicPath(inc.Slug)
	}
	return st
}

// PublicPath is the stable address of an incident's public notice in the
// web app.
func PublicPath(slug string) string { return "/#/security/incidents/" + slug }

// Status returns the notice status of an incident.
func (s *Service) Status(ctx context.Context, p access.Principal, incID string) (NoticeStatus, error) {
	inc, err := s.Get(ctx, p, incID)
	if err != nil {
		return NoticeStatus{}, err
	}
	d, err := s.check(ctx, p, access.List, affectedRes(incID))
	if err != nil {
		return NoticeStatus{}, err
	}
	rows, err := s.store.Affected(ctx, d, incID)
	return s.status(inc, rows), err
}

// Notify tells every affected person not told yet, through the outbox on
// the channels incident notices take (in-app, e-mail, SMS, Web Push), in
// their language where the notice has it. Each person is told once,
// through the first account they were affected in; the message ID is the
// incident's and the language's, so a second call sends nothing twice.
func (s *Service) Notify(ctx context.Context, p access.Principal, incID string) (NoticeStatus, error) {
	inc, err := s.Get(ctx, p, incID)
	if err != nil {
		return NoticeStatus{}, err
	}
	if inc.Notice == nil {
		return NoticeStatus{}, errs.E(errs.Conflict, "write the notice first")
	}
	d, err := s.check(ctx, p, access.Update, affectedRes(incID))
	if err != nil {
		return NoticeStatus{}, err
	}
	rows, err := s.store.Affected(ctx, d, incID)
	if err != nil {
		return NoticeStatus{}, err
	}
	if len(rows) == 0 {
		return NoticeStatus{}, errs.E(errs.Conflict, "compute the affected people first")
	}
	if len(rows) > s.opts.IndividualLimit {
		return s.status(inc, rows), errs.E(errs.Conflict, "%d people are over the limit of %d for telling each one: publish a public notice", len(rows), s.opts.IndividualLimit)
	}
	type group struct{ account, lang string }
	groups := map[group][]int{}
	for i, a := range rows {
		if a.MessageID != "" || len(a.Accounts) == 0 {
			continue
		}
		t := inc.Notice.textFor(a.Language)
		g := group{a.Accounts[0].ID, t.Language}
		groups[g] = append(groups[g], i)
	}
	keys := make([]group, 0, len(groups))
	for g := range groups {
		keys = append(keys, g)
	}
	slices.SortFunc(keys, func(a, b group) int { return strings.Compare(a.account+a.lang, b.account+b.lang) })
	now := s.clk.Now().UTC().Truncate(time.Microsecond)
	var marked []Affected
	for _, g := range keys {
		t := inc.Notice.textFor(g.lang)
		msgID := "incident-" + inc.ID + "-" + g.lang
		var users []string
		for _, i := range groups[g] {
			users = append(users, rows[i].UserID)
		}
		msg := notify.Message{ID: msgID, AccountID: g.account, Kind: notify.KindIncident, Time: now, Title: t.Title, Body: inc.Notice.Body(t)}
		if !inc.PublishedAt.IsZero() {
			msg.URL = PublicPath(inc.Slug)
		}
		if err := s.outbox.Enqueue(ctx, msg, users); err != nil {
			return NoticeStatus{}, err
		}
		for _, i := range groups[g] {
			rows[i].NoticeAccount, rows[i].MessageID, rows[i].Language, rows[i].NoticedAt = g.account, msgID, g.lang, now
			marked = append(marked, rows[i])
		}
	}
	if err := s.store.MarkNoticed(ctx, d, incID, marked); err != nil {
		return NoticeStatus{}, err
	}
	inc, err = s.update(ctx, p, incID, func(inc *Incident, now time.Time) ([]Event, error) {
		inc.Notice.SentAt = now
		return []Event{{At: now, By: p.ID, Kind: "notified", Note: fmt.Sprintf("notice queued for %d people", len(marked))}}, nil
	})
	if err != nil {
		return NoticeStatus{}, err
	}
	return s.status(inc, rows), nil
}

// PublicNotice is an incident's notice for everyone, at a stable address
// (I4). It holds no personal data.
type PublicNotice struct {
	Slug       string `json:"slug"`
	IncidentID string `json:"-"`
	Title      string `json:"title"`
	Summary    string `json:"summary"`
	// The English text at the top level; Texts has every language.
	WhatHappened string       `json:"what_happened"`
	Impact       string       `json:"impact"`
	Measures     string       `json:"measures"`
	Advice       string       `json:"advice"`
	Remedies     string       `json:"remedies"`
	Texts        []NoticeText `json:"texts"`
	Contacts     string       `json:"contacts"`
	PublishedAt  time.Time    `json:"published_at"`
	UpdatedAt    time.Time    `json:"updated_at"`
	URL          string       `json:"url"`
}

func summaryOf(s string) string {
	if i := strings.Index(s, ". "); i > 0 && i < 280 {
		return s[:i+1]
	}
	r := []rune(s)
	if len(r) > 280 {
		return string(r[:279]) + "…"
	}
	return s
}

// Publish publishes (or updates) the incident's public notice from its
// notice texts.
func (s *Service) Publish(ctx context.Context, p access.Principal, incID string) (PublicNotice, error) {
	var n PublicNotice
	inc, err := s.update(ctx, p, incID, func(inc *Incident, now time.Time) ([]Event, error) {
		if inc.Notice == nil {
			return nil, errs.E(errs.Conflict, "write the notice first")
		}
		en := inc.Notice.textFor("en")
		n = PublicNotice{Slug: inc.Slug, IncidentID: inc.ID, Title: en.Title, Summary: summaryOf(en.WhatHappened),
			WhatHappened: en.WhatHappened, Impact: en.Impact, Measures: en.Measures, Advice: en.Advice, Remedies: en.Remedies,
			Texts: inc.Notice.Texts, Contacts: inc.Notice.Contacts, PublishedAt: inc.PublishedAt, UpdatedAt: now, URL: PublicPath(inc.Slug)}
		kind := "public_updated"
		if inc.PublishedAt.IsZero() {
			inc.PublishedAt, n.PublishedAt, kind = now, now, "published"
		}
		return []Event{{At: now, By: p.ID, Kind: kind, Note: "public notice at " + n.URL}}, nil
	})
	if err != nil {
		return PublicNotice{}, err
	}
	d, err := s.check(ctx, p, access.Update, one(inc.ID))
	if err != nil {
		return PublicNotice{}, err
	}
	return n, s.store.PutPublic(ctx, d, n)
}

// PublicSummary is one line of the public list.
type PublicSummary struct {
	Slug        string    `json:"slug"`
	Title       string    `json:"title"`
	PublishedAt time.Time `json:"published_at"`
	Summary     string    `json:"summary"`
	URL         string    `json:"url"`
}

// PublicList lists the public notices, newest first; anyone may read it.
func (s *Service) PublicList(ctx context.Context) ([]PublicSummary, error) {
	ns, err := s.store.PublicNotices(ctx)
	out := make([]PublicSummary, 0, len(ns))
	for _, n := range ns {
		out = append(out, PublicSummary{Slug: n.Slug, Title: n.Title, PublishedAt: n.PublishedAt, Summary: n.Summary, URL: n.URL})
	}
	return out, err
}

// Public returns one public notice; anyone may read it.
func (s *Service) Public(ctx context.Context, slug string) (PublicNotice, error) {
	if len(slug) == 0 || len(slug) > 100 || strings.Trim(slug, "abcdefghijklmnopqrstuvwxyz0123456789-") != "" {
		return PublicNotice{}, errs.E(errs.NotFound, "no such notice")
	}
	return s.store.PublicNotice(ctx, slug)
}
