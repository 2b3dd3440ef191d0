package alarm

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/device"
	"github.com/vigil-cloud/vigil/internal/errs"
)

// Rule says which alarms of an account (or one of its sites or devices)
// notify whom, when, how often, and who of them sees snapshots.
type Rule struct {
	ID        string        `json:"id"`
	AccountID string        `json:"account_id"`
	SiteID    string        `json:"site_id,omitempty"`   // only devices of this site
	DeviceID  string        `json:"device_id,omitempty"` // only this device
	Types     []string      `json:"types"`               // empty: every type
	Users     []string      `json:"users"`               // these members
	Roles     []access.Role `json:"roles"`               // and every member holding one of these roles
	Schedule  []Window      `json:"schedule"`            // empty: always
	TimeZone  string        `json:"time_zone"`           // of the schedule; UTC when empty
	// CooldownSeconds: at most one notification per device and type in
	// this window; 0 for none.
	CooldownSeconds int64 `json:"cooldown_seconds"`
	// SnapshotRole is the lowest role that receives the snapshot; "none"
	// keeps snapshots out of this rule's notifications.
	SnapshotRole string    `json:"snapshot_role"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// Window is a weekly time window: on the days listed (mon..sun), from
// Start to End ("HH:MM", End before Start runs past midnight into the next
// day).
type Window struct {
	Days  []string `json:"days"`
	Start string   `json:"start"`
	End   string   `json:"end"`
}

// QuietHours are a person's daily hours without alarm notifications.
type QuietHours struct {
	UserID   string `json:"user_id"`
	Start    string `json:"start"` // "HH:MM"
	End      string `json:"end"`
	TimeZone string `json:"time_zone"`
}

var dayNames = []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

// minutes parses "HH:MM" into minutes after midnight.
func minutes(s string) (int, error) {
	h, m, ok := strings.Cut(s, ":")
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if !ok || err1 != nil || err2 != nil || len(h) != 2 || len(m) != 2 || hh < 0 || hh > 24 || mm < 0 || mm > 59 || (hh == 24 && mm != 0) {
		return 0, fmt.Errorf("want a time as HH:MM, got %q", s)
	}
	return hh*60 + mm, nil
}

func hhmm(min int) string { return fmt.Sprintf("%02d:%02d", min/60, min%60) }

func location(tz string) (*time.Location, error) {
	if tz == "" {
		return time.UTC, nil
	}
	loc, err := time.LoadLocation(tz)
	if err != nil || tz == "Local" {
		return nil, fmt.Errorf("unknown time zone %q", tz)
	}
	return loc, nil
}

// Types an alarm may have, for rules.
func allTypes() []string {
	return append(slices.Clone(device.AlarmTypes), TypeOffline, TypeFaceMatch, TypeFaceUnknown)
}

// check validates a rule from input.
func (r *Rule) check() error {
	bad := func(format string, a ...any) error { return errs.E(errs.Invalid, format, a...) }
	for _, t := range r.Types {
		if !slices.Contains(allTypes(), t) {
			return bad("unknown alarm type %q (want one of %s)", t, strings.Join(allTypes(), ", "))
		}
	}
	if len(r.Users)+len(r.Roles) == 0 {
		return bad("a rule needs users or roles to notify")
	}
	if len(r.Users) > 100 || len(r.Types) > 20 || len(r.Schedule) > 50 {
		return bad("too many users, types or schedule windows")
	}
	for _, u := range r.Users {
		if u == "" || len(u) > 64 || strings.ContainsAny(u, ", \n") {
			return bad("user IDs must be identifiers")
		}
	}
	for _, role := range r.Roles {
		if !role.Valid() {
			return bad("unknown role %q", role)
		}
	}
	if _, err := location(r.TimeZone); err != nil {
		return bad("%v", err)
	}
	if r.TimeZone == "" {
		r.TimeZone = "UTC"
	}
	for _, w := range r.Schedule {
		if len(w.Days) == 0 {
			return bad("a schedule window needs days")
		}
		for _, d := range w.Days {
			if !slices.Contains(dayNames, d) {
				return bad("unknown day %q (want mon, tue, wed, thu, fri, sat or sun)", d)
			}
		}
		if _, err := minutes(w.Start); err != nil {
			return bad("schedule start: %v", err)
		}
		if _, err := minutes(w.End); err != nil {
			return bad("schedule end: %v", err)
		}
	}
	if r.CooldownSeconds < 0 || r.CooldownSeconds > 7*24*3600 {
		return bad("cooldown_seconds must be 0 to 604800")
	}
	switch r.SnapshotRole {
	case "":
		r.SnapshotRole = string(access.RoleGuest)
	case "none":
	default:
		if !access.Role(r.SnapshotRole).Valid() {
			return bad("snapshot_role must be guest, member, admin, owner or none")
		}
	}
	return nil
}

func (q *QuietHours) check() error {
	if _, err := minutes(q.Start); err != nil {
		return errs.E(errs.Invalid, "start: %v", err)
	}
	if _, err := minutes(q.End); err != nil {
		return errs.E(errs.Invalid, "end: %v", err)
	}
	if _, err := location(q.TimeZone); err != nil {
		return errs.E(errs.Invalid, "%v", err)
	}
	if q.TimeZone == "" {
		q.TimeZone = "UTC"
	}
	return nil
}

// inWindow reports whether local time t falls in the daily window
// [start, end), which runs past midnight when end <= start. day says
// whether the window may start on t's weekday (or, past midnight, the day
// before).
func inWindow(t time.Time, start, end int, day func(time.Weekday) bool) bool {
	m := t.Hour()*60 + t.Minute()
	if start < end {
		return m >= start && m < end && day(t.Weekday())
	}
	if start == end {
		return day(t.Weekday()) // the whole day
	}
	if m >= start {
		return day(t.Weekday())
	}
	return m < end && day((t.Weekday()+6)%7)
}

// active reports whether the rule's schedule covers instant t.
func (r Rule) active(t time.Time) bool {
	if len(r.Schedule) == 0 {
		return true
	}
	loc, err := location(r.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	lt := t.In(loc)
	for _, w := range r.Schedule {
		s, err1 := minutes(w.Start)
		e, err2 := minutes(w.End)
		if err1 != nil || err2 != nil {
			continue
		}
		if inWindow(lt, s, e, func(d time.Weekday) bool { return slices.Contains(w.Days, dayNames[d]) }) {
			return true
		}
	}
	return false
}

// quiet reports whether instant t falls in the quiet hours.
func (q QuietHours) quiet(t time.Time) bool {
	s, err1 := minutes(q.Start)
	e, err2 := minutes(q.End)
	if err1 != nil || err2 != nil || s == e {
		return false
	}
	loc, err := location(q.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	return inWindow(t.In(loc), s, e, func(time.Weekday) bool { return true })
}

// covers reports whether the rule applies to an alarm of a device in site.
func (r Rule) covers(a Alarm, site string) bool {
	return (r.DeviceID == "" || r.DeviceID == a.DeviceID) &&
		(r.SiteID == "" || r.SiteID == site) &&
		(len(r.Types) == 0 || slices.Contains(r.Types, a.Type))
}

// defaultRule applies to an account without rules: owners and admins hear
// of every alarm, with snapshots.
func defaultRule(accountID string) Rule {
	return Rule{ID: "default", AccountID: accountID, Roles: []access.Role{access.RoleOwner, access.RoleAdmin},
		TimeZone: "UTC", SnapshotRole: string(access.RoleGuest)}
}

// recipient is one person a notification goes to.
type recipient struct {
	snapshot bool
}

// decide chooses who is told of alarm a and which cooldowns it starts. It
// depends only on the alarm and the audience, never on the clock, so that
// a fan-out repeated after a crash decides the same.
func decide(a Alarm, au *Audience) (map[string]recipient, []Cooldown) {
	rules := au.Rules
	if len(rules) == 0 {
		rules = []Rule{defaultRule(a.AccountID)}
	}
	site := au.Sites[a.DeviceID]
	out := map[string]recipient{}
	var started []Cooldown
	for _, r := range rules {
		if !r.covers(a, site) || !r.active(a.ReceivedAt) {
			continue
		}
		if r.CooldownSeconds > 0 {
			k := cooldownKey{r.ID, a.DeviceID, a.Type}
			if last, ok := au.Cooldowns[k]; ok && a.ReceivedAt.Sub(last) < time.Duration(r.CooldownSeconds)*time.Second && !a.ReceivedAt.Before(last) {
				continue
			}
			started = append(started, Cooldown{RuleID: r.ID, DeviceID: a.DeviceID, Type: a.Type, At: a.ReceivedAt})
			if au.Cooldowns == nil {
				au.Cooldowns = map[cooldownKey]time.Time{}
			}
			au.Cooldowns[k] = a.ReceivedAt
		}
		for _, m := range au.Members {
			if m.SiteID != "" && m.SiteID != site {
				continue
			}
			if !slices.Contains(r.Users, m.UserID) && !slices.Contains(r.Roles, m.Role) {
				continue
			}
			if q, ok := au.Quiet[m.UserID]; ok && q.quiet(a.ReceivedAt) {
				continue
			}
			rc := out[m.UserID]
			if a.Snapshot && r.SnapshotRole != "none" && m.Role.AtLeast(access.Role(r.SnapshotRole)) {
				rc.snapshot = true
			}
			out[m.UserID] = rc
		}
	}
	return out, started
}
