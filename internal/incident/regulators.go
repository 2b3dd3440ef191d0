package incident

import (
	"slices"
	"time"
)

// Regime is a law's duty to tell a regulator of a breach (I5): which
// regions it covers, the window from awareness, and the fields the report
// must carry, as the law names them.
type Regime struct {
	ID          string        `json:"id"`
	Law         string        `json:"law"`
	Authority   string        `json:"authority"`
	Regions     []string      `json:"regions"`
	Window      time.Duration `json:"-"`
	WindowHours float64       `json:"window_hours"`
	Immediately bool          `json:"immediately"` // the law says "immediately": the clock is already running out
	// Threshold: the duty arises only from this many people of the
	// region (0: from one).
	Threshold int      `json:"threshold"`
	Fields    []string `json:"fields"`
	Note      string   `json:"note"`
}

// Fields the laws name, used as the keys of the report.
const (
	FieldNature       = "nature"              // nature of the breach
	FieldCategories   = "categories"          // categories of data (and of people)
	FieldPeople       = "approx_people"       // approximate number of people
	FieldRecords      = "approx_records"      // approximate number of records
	FieldContact      = "contact"             // DPO or other contact point
	FieldConsequences = "likely_consequences" // likely consequences / possible harm
	FieldMeasures     = "measures"            // measures taken or proposed
	FieldCause        = "cause"               // cause of the incident
	FieldAdvice       = "individual_measures" // what people can do to reduce harm
	FieldDelay        = "delay_reasons"       // reasons for a late report
	FieldTimes        = "times"               // when it happened, was discovered, was contained
)

var declaredRegimes = []Regime{
	{ID: "gdpr-art33", Law: "GDPR Art. 33", Authority: "the competent (lead) supervisory authority", Regions: []string{"EU"},
		Window: 72 * time.Hour, Fields: []string{FieldNature, FieldCategories, FieldPeople, FieldRecords, FieldContact, FieldConsequences, FieldMeasures, FieldDelay, FieldTimes},
		Note: "72 hours from awareness; a later report gives the reasons for the delay; information may follow in phases (Art. 33(4))"},
	{ID: "uk-gdpr-art33", Law: "UK GDPR Art. 33", Authority: "the Information Commissioner's Office", Regions: []string{"UK"},
		Window: 72 * time.Hour, Fields: []string{FieldNature, FieldCategories, FieldPeople, FieldRecords, FieldContact, FieldConsequences, FieldMeasures, FieldDelay, FieldTimes},
		Note: "72 hours from awareness, with reasons for any delay"},
	{ID: "pipl-art57", Law: "PIPL Art. 57", Authority: "the departments fulfilling personal information protection duties", Regions: []string{"CN"},
		Immediately: true, Fields: []string{FieldCategories, FieldCause, FieldConsequences, FieldMeasures, FieldAdvice, FieldContact, FieldTimes},
		Note: "immediately on discovery: remedial measures are taken and the authority and the people are told"},
	{ID: "us-ca-1798.82", Law: "Cal. Civ. Code 1798.82", Authority: "the California Attorney General", Regions: []string{"US-CA"},
		Window: 30 * 24 * time.Hour, Threshold: 500, Fields: []string{FieldNature, FieldCategories, FieldPeople, FieldTimes, FieldMeasures, FieldAdvice, FieldContact},
		Note: "in the most expedient time possible and without unreasonable delay; the Attorney General receives a sample notice when more than 500 residents are told; window set in configuration"},
	{ID: "us-state", Law: "US state breach notification laws", Authority: "the state Attorney General", Regions: []string{"US"},
		Window: 30 * 24 * time.Hour, Fields: []string{FieldNature, FieldCategories, FieldPeople, FieldTimes, FieldMeasures, FieldAdvice, FieldContact},
		Note: "windows differ per state (commonly 30 to 60 days); the window is set in configuration"},
	{ID: "lgpd-art48", Law: "LGPD Art. 48 (ANPD Resolution 15/2024)", Authority: "the Autoridade Nacional de Proteção de Dados", Regions: []string{"BR"},
		Window: 3 * 24 * time.Hour, Fields: []string{FieldNature, FieldCategories, FieldPeople, FieldConsequences, FieldMeasures, FieldDelay, FieldContact, FieldTimes},
		Note: "three working days from awareness (counted here as 72 hours)"},
	{ID: "appi-art26", Law: "APPI Art. 26", Authority: "the Personal Information Protection Commission", Regions: []string{"JP"},
		Window: 5 * 24 * time.Hour, Fields: []string{FieldNature, FieldCategories, FieldPeople, FieldCause, FieldConsequences, FieldMeasures, FieldContact, FieldTimes},
		Note: "a preliminary report promptly (about 3 to 5 days), the final one within 30 days (60 for unauthorised access)"},
}

// regimes returns the declared regimes with windows overridden by
// configuration.
func regimes(windows map[string]time.Duration) []Regime {
	out := make([]Regime, len(declaredRegimes))
	for i, r := range declaredRegimes {
		r.Regions, r.Fields = slices.Clone(r.Regions), slices.Clone(r.Fields)
		if w, ok := windows[r.ID]; ok && w > 0 && !r.Immediately {
			r.Window = w
		}
		r.WindowHours = r.Window.Hours()
		out[i] = r
	}
	return out
}

// Regimes returns the regimes in force, with configured windows.
func (s *Service) Regimes() []Regime { return slices.Clone(s.regimes) }

func (s *Service) regimeFor(region string) (Regime, bool) {
	for _, r := range s.regimes {
		if slices.Contains(r.Regions, region) {
			return r, true
		}
	}
	return Regime{}, false
}

func (s *Service) regime(id string) (Regime, bool) {
	for _, r := range s.regimes {
		if r.ID == id {
			return r, true
		}
	}
	return Regime{}, false
}

// Report is one regulator's report of an incident, with its clock.
type Report struct {
	Regime      string    `json:"regime"`
	Law         string    `json:"law"`
	Authority   string    `json:"authority"`
	Region      string    `json:"region"`
	Accounts    []string  `json:"accounts"` // the region's affected accounts
	People      int       `json:"people"`
	Immediately bool      `json:"immediately"`
	DueAt       time.Time `json:"due_at"`
	GeneratedAt time.Time `json:"generated_at"`
	SentAt      time.Time `json:"sent_at"`
	SentBy      string    `json:"sent_by,omitempty"`
	Reference   string    `json:"reference,omitempty"` // the authority's case number
	DelayReason string    `json:"delay_reason,omitempty"`
	Disclosures []string  `json:"disclosures"` // ledger entries recording the sending
	// Reminded is the last reminder stage mailed to the incident room
	// ("24 hours left" ... "overdue"); see RemindDeadlines.
	Reminded string `json:"reminded,omitempty"`

	// Computed on reading.
	SecondsLeft int64 `json:"seconds_left"`
	Overdue     bool  `json:"overdue"`
	Required    bool  `json:"required"` // false below the regime's threshold
}

func (r *Report) clock(now time.Time) {
	end := now
	if !r.SentAt.IsZero() {
		end = r.SentAt
	}
	r.SecondsLeft = int64(r.DueAt.Sub(end) / time.Second)
	r.Overdue = r.SentAt.IsZero() && !now.Before(r.DueAt) || !r.SentAt.IsZero() && r.SentAt.After(r.DueAt)
}
