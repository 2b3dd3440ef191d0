package incident

import (
	"bytes"
	"context"
	"fmt"
	"html/template"
	"slices"
	"strings"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/privacy"
)

// ReportField is one field of a regulator report, keyed as the law names it.
type ReportField struct {
	Key   string `json:"key"`
	Label string `json:"label"`
	Value string `json:"value"`
}

// ReportDoc is a regulator report as generated (I5).
type ReportDoc struct {
	IncidentID  string        `json:"incident_id"`
	Regime      string        `json:"regime"`
	Law         string        `json:"law"`
	Authority   string        `json:"authority"`
	Region      string        `json:"region"`
	Controller  string        `json:"controller"`
	AwareAt     time.Time     `json:"aware_at"`
	DueAt       time.Time     `json:"due_at"`
	GeneratedAt time.Time     `json:"generated_at"`
	Late        bool          `json:"late"`
	Fields      []ReportField `json:"fields"`
}

var fieldLabels = map[string]string{
	FieldNature:       "Nature of the breach",
	FieldCategories:   "Categories of personal data and of people concerned",
	FieldPeople:       "Approximate number of people concerned",
	FieldRecords:      "Approximate number of records concerned",
	FieldContact:      "Contact point (data protection officer)",
	FieldConsequences: "Likely consequences",
	FieldMeasures:     "Measures taken or proposed",
	FieldCause:        "Cause of the incident",
	FieldAdvice:       "Measures people can take to reduce harm",
	FieldDelay:        "Reasons for the delay",
	FieldTimes:        "When it happened, was discovered and was contained",
}

func (s *Service) fieldValue(inc Incident, r Report, key string, delay string) string {
	en := NoticeText{}
	if inc.Notice != nil {
		en = inc.Notice.textFor("en")
	}
	switch key {
	case FieldNature:
		ti, _ := typeInfo(inc.Type)
		return fmt.Sprintf("%s (%s), graded %s. %s %s", ti.Title, ti.Standard, inc.Severity, inc.Title+".", inc.Summary)
	case FieldCategories:
		var names []string
		for _, c := range inc.Criteria.Categories {
			if cat, ok := s.reg.Category(c); ok {
				names = append(names, cat.Title+" ("+string(c)+")")
			}
		}
		if len(names) == 0 {
			names = []string{"none identified yet"}
		}
		return strings.Join(names, "; ") + ". People concerned: customers and members of customer accounts of vigil's camera service."
	case FieldPeople:
		return fmt.Sprintf("%d people in %d accounts of this region (%d people in all)", r.People, len(r.Accounts), inc.Criteria.PeopleAffected)
	case FieldRecords:
		n := 0
		if inc.Scope != nil {
			n = inc.Criteria.PeopleAffected
		}
		return fmt.Sprintf("records of %d accounts; per-person detail held in the incident file (%d people)", len(r.Accounts), n)
	case FieldContact:
		if inc.Notice != nil && inc.Notice.Contacts != "" {
			return inc.Notice.Contacts
		}
		return s.opts.Contact
	case FieldConsequences:
		return orPending(en.Impact)
	case FieldMeasures:
		return orPending(en.Measures)
	case FieldCause:
		return orPending(inc.Summary)
	case FieldAdvice:
		return orPending(en.Advice)
	case FieldDelay:
		if delay == "" {
			return "not late"
		}
		return delay
	case FieldTimes:
		v := "Discovered " + inc.AwareAt.Format(time.RFC3339)
		if inc.Scope != nil {
			v += fmt.Sprintf("; window of misuse %s to %s", inc.Scope.From.Format(time.RFC3339), inc.Scope.To.Format(time.RFC3339))
		}
		for _, st := range inc.Stages {
			if st.ID == StageStopLoss && !st.DoneAt.IsZero() {
				v += "; contained " + st.DoneAt.Format(time.RFC3339)
			}
		}
		return v
	}
	return ""
}

func orPending(v string) string {
	if strings.TrimSpace(v) == "" {
		return "to follow (information given in phases)"
	}
	return v
}

// GenerateReport builds the report for one regime from the incident, and
// records when it was first generated. The reasons for a delay go in the
// report once its clock ran out.
func (s *Service) GenerateReport(ctx context.Context, p access.Principal, incID, regimeID, delay string) (ReportDoc, error) {
	rg, ok := s.regime(regimeID)
	if !ok {
		return ReportDoc{}, errs.E(errs.NotFound, "no regulator regime %q", regimeID)
	}
	delay = strings.TrimSpace(delay)
	if err := checkText("delay_reason", delay, 0, 2000); err != nil {
		return ReportDoc{}, err
	}
	var doc ReportDoc
	_, err := s.update(ctx, p, incID, func(inc *Incident, now time.Time) ([]Event, error) {
		i := slices.IndexFunc(inc.Reports, func(r Report) bool { return r.Regime == regimeID })
		if i < 0 {
			return nil, errs.E(errs.NotFound, "no %s report for this incident: no affected people in its regions", rg.Law)
		}
		r := &inc.Reports[i]
		// "Immediately" leaves no window to count; a report a day after
		// awareness is late by any reading.
		late := !rg.Immediately && now.After(r.DueAt) || rg.Immediately && now.After(r.DueAt.Add(24*time.Hour))
		if delay == "" {
			delay = r.DelayReason
		}
		if late && delay == "" && slices.Contains(rg.Fields, FieldDelay) {
			return nil, errs.E(errs.Invalid, "the %s report is late: give the reasons for the delay", rg.Law)
		}
		r.DelayReason = delay
		var evs []Event
		if r.GeneratedAt.IsZero() {
			r.GeneratedAt = now
			evs = append(evs, Event{At: now, By: p.ID, Kind: "report_generated", Note: rg.Law + " report generated"})
		}
		doc = ReportDoc{IncidentID: inc.ID, Regime: rg.ID, Law: rg.Law, Authority: rg.Authority, Region: r.Region,
			Controller: "vigil (the camera cloud operator)", AwareAt: inc.AwareAt, DueAt: r.DueAt, GeneratedAt: now, Late: late}
		for _, k := range rg.Fields {
			doc.Fields = append(doc.Fields, ReportField{Key: k, Label: fieldLabels[k], Value: s.fieldValue(*inc, *r, k, delay)})
		}
		return evs, nil
	})
	return doc, err
}

var reportHTML = template.Must(template.New("report").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Law}} report: {{.IncidentID}}</title>
<link rel="stylesheet" href="/console/report.css"></head>
<body><main>
<h1>Personal data breach report under {{.Law}}</h1>
<table>
<tr><th scope="row">To</th><td>{{.Authority}} (region {{.Region}})</td></tr>
<tr><th scope="row">From</th><td>{{.Controller}}</td></tr>
<tr><th scope="row">Incident</th><td>{{.IncidentID}}</td></tr>
<tr><th scope="row">Aware since</th><td>{{.AwareAt.Format "2006-01-02 15:04 MST"}}</td></tr>
<tr><th scope="row">Due by</th><td>{{.DueAt.Format "2006-01-02 15:04 MST"}}{{if .Late}} (late){{end}}</td></tr>
<tr><th scope="row">Generated</th><td>{{.GeneratedAt.Format "2006-01-02 15:04 MST"}}</td></tr>
</table>
{{range .Fields}}<section><h2>{{.Label}}</h2><p>{{.Value}}</p></section>
{{end}}</main></body></html>
`))

// HTML renders the report as a printable document.
func (d ReportDoc) HTML() ([]byte, error) {
	var b bytes.Buffer
	if err := reportHTML.Execute(&b, d); err != nil {
		return nil, errs.Wrap(err, errs.Internal, "render report")
	}
	return b.Bytes(), nil
}

// SentInput records that a report went to the regulator.
type SentInput struct {
	Reference   string `json:"reference"` // the authority's case number or the submission receipt
	DelayReason string `json:"delay_reason"`
}

// MarkSent records that the report was sent, in the disclosure ledger of
// every account it concerns (what went to the authority: counts and
// categories of the account's data, under the incident's reference).
func (s *Service) MarkSent(ctx context.Context, p access.Principal, incID, regimeID string, in SentInput) (Incident, error) {
	rg, ok := s.regime(regimeID)
	if !ok {
		return Incident{}, errs.E(errs.NotFound, "no regulator regime %q", regimeID)
	}
	in.Reference, in.DelayReason = strings.TrimSpace(in.Reference), strings.TrimSpace(in.DelayReason)
	if err := checkText("reference", in.Reference, 1, 200); err != nil {
		return Incident{}, err
	}
	if err := checkText("delay_reason", in.DelayReason, 0, 2000); err != nil {
		return Incident{}, err
	}
	inc, err := s.Get(ctx, p, incID)
	if err != nil {
		return Incident{}, err
	}
	i := slices.IndexFunc(inc.Reports, func(r Report) bool { return r.Regime == regimeID })
	switch {
	case i < 0:
		return Incident{}, errs.E(errs.NotFound, "no %s report for this incident", rg.Law)
	case inc.Reports[i].GeneratedAt.IsZero():
		return Incident{}, errs.E(errs.Conflict, "generate the report before recording it as sent")
	case !inc.Reports[i].SentAt.IsZero():
		return Incident{}, errs.E(errs.Conflict, "the report was already recorded as sent")
	}
	now := s.clk.Now()
	if now.After(inc.Reports[i].DueAt) && in.DelayReason == "" && inc.Reports[i].DelayReason == "" && slices.Contains(rg.Fields, FieldDelay) {
		return Incident{}, errs.E(errs.Invalid, "the %s report is late: give the reasons for the delay", rg.Law)
	}
	var ids []string
	for _, acct := range inc.Reports[i].Accounts {
		dsc, err := s.ledger.RecordLegal(ctx, p, acct, privacy.LegalInput{Authority: rg.Authority + " (" + rg.Law + ")",
			Reference: in.Reference + " / " + inc.ID, Scope: "personal data breach report: counts and categories of the account's data reached",
			Categories: slices.DeleteFunc(slices.Clone(inc.Criteria.Categories), func(c datamap.CategoryID) bool { _, ok := s.reg.Category(c); return !ok }),
			Resources:  []string{inc.ID}})
		if err != nil {
			return Incident{}, err
		}
		ids = append(ids, dsc.ID)
	}
	return s.update(ctx, p, incID, func(inc *Incident, now time.Time) ([]Event, error) {
		r := &inc.Reports[i]
		if !r.SentAt.IsZero() {
			return nil, errs.E(errs.Conflict, "the report was already recorded as sent")
		}
		r.SentAt, r.SentBy, r.Reference, r.Disclosures = now, p.ID, in.Reference, append(r.Disclosures, ids...)
		if in.DelayReason != "" {
			r.DelayReason = in.DelayReason
		}
		return []Event{{At: now, By: p.ID, Kind: "report_sent",
			Note: fmt.Sprintf("%s report sent to %s (%d ledger entries)", rg.Law, rg.Authority, len(ids))}}, nil
	})
}
