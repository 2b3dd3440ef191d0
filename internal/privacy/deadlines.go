package privacy

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Period is a legal time limit: whole calendar months plus days, counted
// from a moment ("one month" ends on the same day of the next month).
type Period struct {
	Months int
	Days   int
}

// After returns the end of the period that starts at t.
func (p Period) After(t time.Time) time.Time { return t.AddDate(0, p.Months, p.Days) }

// IsZero reports whether the period is empty.
func (p Period) IsZero() bool { return p.Months == 0 && p.Days == 0 }

func (p Period) String() string {
	var parts []string
	if p.Months != 0 {
		parts = append(parts, fmt.Sprintf("%dmo", p.Months))
	}
	if p.Days != 0 || len(parts) == 0 {
		parts = append(parts, fmt.Sprintf("%dd", p.Days))
	}
	return strings.Join(parts, "")
}

// Words says the period in a letter.
func (p Period) Words() string {
	var parts []string
	switch {
	case p.Months == 1:
		parts = append(parts, "one month")
	case p.Months > 1:
		parts = append(parts, fmt.Sprintf("%d months", p.Months))
	}
	if p.Days > 0 {
		parts = append(parts, fmt.Sprintf("%d days", p.Days))
	}
	return strings.Join(parts, " and ")
}

// ParsePeriod reads "1mo", "45d" or "2mo15d".
func ParsePeriod(s string) (Period, error) {
	var p Period
	rest := strings.TrimSpace(s)
	if rest == "" {
		return p, fmt.Errorf("empty period")
	}
	for rest != "" {
		i := 0
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		if i == 0 {
			return Period{}, fmt.Errorf("period %q: want a number then mo or d, e.g. 1mo or 45d", s)
		}
		n, err := strconv.Atoi(rest[:i])
		if err != nil || n > 3650 {
			return Period{}, fmt.Errorf("period %q: number out of range", s)
		}
		rest = rest[i:]
		switch {
		case strings.HasPrefix(rest, "mo"):
			p.Months += n
			rest = rest[2:]
		case strings.HasPrefix(rest, "d"):
			p.Days += n
			rest = rest[1:]
		default:
			return Period{}, fmt.Errorf("period %q: unit must be mo or d", s)
		}
	}
	return p, nil
}

// Deadline is one region's law on answering a request: the time to answer
// from submission, and how much one extension may add to it. The extension
// must be announced, with its reason, before the first deadline.
type Deadline struct {
	Respond Period
	Extend  Period
}

// Deadlines is the per-region table. Regions are lower case ("eu", "us-ca").
type Deadlines map[string]Deadline

// DefaultDeadlines is vigil's table: one month plus at most two more
// everywhere (the GDPR figures, and the statement's), and California's 45
// plus 45 days (CCPA). Configuration may add or replace rows.
func DefaultDeadlines() Deadlines {
	return Deadlines{
		DefaultRegion: {Respond: Period{Months: 1}, Extend: Period{Months: 2}},
		"us-ca":       {Respond: Period{Days: 45}, Extend: Period{Days: 45}},
	}
}

// For returns the rule of region, or the default row.
func (d Deadlines) For(region string) Deadline {
	if r, ok := d[strings.ToLower(region)]; ok {
		return r
	}
	return d[DefaultRegion]
}

// Override returns a copy of d with rows from spec, each "region=respond+extend"
// (for example "us-ca=45d+45d" or "default=1mo+2mo").
func (d Deadlines) Override(spec []string) (Deadlines, error) {
	out := make(Deadlines, len(d)+len(spec))
	for k, v := range d {
		out[k] = v
	}
	for _, row := range spec {
		region, periods, ok := strings.Cut(row, "=")
		respond, extend, ok2 := strings.Cut(periods, "+")
		if !ok || !ok2 || strings.TrimSpace(region) == "" {
			return nil, fmt.Errorf("deadline %q: want region=respond+extend, e.g. us-ca=45d+45d", row)
		}
		r, err := ParsePeriod(respond)
		if err != nil {
			return nil, err
		}
		e, err := ParsePeriod(extend)
		if err != nil {
			return nil, err
		}
		if r.IsZero() {
			return nil, fmt.Errorf("deadline %q: the time to respond cannot be zero", row)
		}
		out[strings.ToLower(strings.TrimSpace(region))] = Deadline{Respond: r, Extend: e}
	}
	if _, ok := out[DefaultRegion]; !ok {
		return nil, fmt.Errorf("deadline table has no %q row", DefaultRegion)
	}
	return out, nil
}

// DeadlineFor returns the rule the service applies to region.
func DeadlineFor(s *Requests, region string) Deadline { return s.opts.Deadlines.For(region) }
