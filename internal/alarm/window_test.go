package alarm

import (
	"testing"
	"time"
)

// Windows that run past midnight belong to the day they start on, in the
// rule's or the person's time zone.
func TestWindowsPastMidnight(t *testing.T) {
	r := Rule{TimeZone: "America/New_York", Schedule: []Window{{Days: []string{"fri"}, Start: "22:00", End: "06:00"}}}
	q := QuietHours{Start: "22:00", End: "07:00", TimeZone: "Asia/Tokyo"}
	ny, _ := time.LoadLocation("America/New_York")
	tokyo, _ := time.LoadLocation("Asia/Tokyo")
	for _, c := range []struct {
		at   time.Time
		want bool
	}{
		{time.Date(2026, 3, 6, 21, 59, 0, 0, ny), false}, // Friday before the window
		{time.Date(2026, 3, 6, 22, 0, 0, 0, ny), true},
		{time.Date(2026, 3, 7, 5, 59, 0, 0, ny), true}, // Saturday morning, Friday's window
		{time.Date(2026, 3, 7, 6, 0, 0, 0, ny), false},
		{time.Date(2026, 3, 7, 23, 0, 0, 0, ny), false}, // Saturday night: no window
		{time.Date(2026, 3, 6, 2, 0, 0, 0, ny), false},  // Friday morning belongs to Thursday
	} {
		if got := r.active(c.at.UTC()); got != c.want {
			t.Errorf("schedule at %s: %v, want %v", c.at, got, c.want)
		}
	}
	for _, c := range []struct {
		at   time.Time
		want bool
	}{
		{time.Date(2026, 3, 6, 21, 59, 0, 0, tokyo), false},
		{time.Date(2026, 3, 6, 23, 0, 0, 0, tokyo), true},
		{time.Date(2026, 3, 7, 6, 59, 0, 0, tokyo), true},
		{time.Date(2026, 3, 7, 7, 0, 0, 0, tokyo), false},
	} {
		if got := q.quiet(c.at.UTC()); got != c.want {
			t.Errorf("quiet hours at %s: %v, want %v", c.at, got, c.want)
		}
	}
}
