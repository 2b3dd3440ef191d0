package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/account"
	"github.com/vigil-cloud/vigil/internal/vigiltest"
)

// Each staff role signs in to the console and tries every page: it sees
// in its navigation and can open exactly its role's pages; every other
// page says it is not for the role, and that page's data is refused by
// the API too. A member without a second factor reaches no page and no
// data; a member whose privacy training lapsed sees no page with personal
// data and gets none.
// proves: P3, P5
func TestConsoleRolesInChromium(t *testing.T) {
	node, chromium, script := vigiltest.Browser(t, "console-roles.mjs")
	e := vigiltest.Start(t)
	year := e.Clock.Now().AddDate(1, 0, 0)
	type person struct {
		Name     string `json:"name"`
		Role     string `json:"role"`
		Email    string `json:"email"`
		Password string `json:"password"`
		Secret   string `json:"secret"`
		Expect   string `json:"expect"` // "role", "no_factor" or "lapsed"
	}
	var people []person
	add := func(c *vigiltest.Client, role access.StaffRole, expect string) {
		people = append(people, person{Name: string(role) + "-" + expect, Role: string(role), Email: c.Email, Password: c.Password, Secret: c.TOTPSecret(), Expect: expect})
	}
	op := e.Operator()
	add(op, access.StaffOperatorAdmin, "role")
	for _, r := range []access.StaffRole{access.StaffSupportL1, access.StaffSupportL2, access.StaffSecurity, access.StaffDPO} {
		add(e.StaffMember(string(r)+"@vigil.test", r), r, "role")
	}
	// Activated, never enrolled: a password only.
	add(op.Staff("nofactor@vigil.test", access.StaffSupportL2, year), access.StaffSupportL2, "no_factor")
	// Training ends tomorrow; the clock then moves two days on.
	lapsing := op.Staff("lapsing@vigil.test", access.StaffDPO, e.Clock.Now().Add(24*time.Hour))
	lapsing.StaffLogin()
	add(lapsing, access.StaffDPO, "lapsed")
	e.Clock.Advance(48 * time.Hour)
	list, _ := json.Marshal(people)

	helper := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/totp":
			e.Clock.Advance(31 * time.Second)
			code, err := account.TOTPCode(r.URL.Query().Get("secret"), e.Clock.Now())
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			fmt.Fprint(w, code)
		default:
			http.NotFound(w, r)
		}
	}))
	defer helper.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, script)
	cmd.Dir = filepath.Dir(script)
	cmd.Env = append(os.Environ(), "VIGIL_URL="+e.URL, "HELPER_URL="+helper.URL, "CHROMIUM="+chromium, "PEOPLE="+string(list),
		"SHOTS="+os.Getenv("VIGIL_SCREENSHOTS"))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("console roles failed: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "console roles passed") {
		t.Fatalf("unexpected output: %s", out)
	}
	t.Logf("%s", out)
}
