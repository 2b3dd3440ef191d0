package httpapi_test

import (
	"strings"
	"testing"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/vigiltest"
)

// A member is reminded 30 and 7 days before their privacy training ends,
// each reminder once, and the operator administrators are told.
// proves: P5
func TestStaffTrainingReminders(t *testing.T) {
	vigiltest.Each(t, func(t *testing.T, e *vigiltest.Env) {
		op := e.Operator()
		op.Staff("trainee@vigil.test", access.StaffSupportL1, e.Clock.Now().Add(40*24*time.Hour))
		mails := func() int {
			n := 0
			for _, m := range e.Mail.Messages() {
				if m.To == "trainee@vigil.test" && strings.Contains(m.Subject, "privacy training ends") {
					n++
				}
			}
			return n
		}
		remind := func() int { return e.App.Accounts.RemindTraining(t.Context()) }
		if n := remind(); n != 0 {
			t.Fatalf("40 days ahead: %d reminders", n)
		}
		e.Clock.Advance(11 * 24 * time.Hour) // 29 days left
		if n := remind(); n != 1 {
			t.Fatalf("29 days ahead: %d reminders", n)
		}
		if n := remind(); n != 0 {
			t.Fatalf("the same reminder again: %d", n)
		}
		e.Clock.Advance(23 * 24 * time.Hour) // 6 days left
		if n := remind(); n != 1 {
			t.Fatalf("6 days ahead: %d reminders", n)
		}
		e.Mail.Wait(t, "trainee@vigil.test", "privacy training ends")
		for range 100 {
			if mails() == 2 {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if got := mails(); got != 2 {
			t.Fatalf("the trainee got %d reminders, want 2", got)
		}
		if !strings.Contains(e.Mail.Wait(t, op.Email, "Privacy training of").Body, "ends on") {
			t.Fatal("the operator was not told")
		}
		e.Clock.Advance(7 * 24 * time.Hour) // lapsed: nothing more
		if n := remind(); n != 0 {
			t.Fatalf("after the end: %d reminders", n)
		}
	})
}
