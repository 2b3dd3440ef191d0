package vigiltest

import (
	"net/http"
	"strings"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/account"
	"github.com/vigil-cloud/vigil/internal/privacy"
)

// DefaultPassword is what the helpers sign people up with.
const DefaultPassword = "a long test passphrase"

// SignUp creates a customer account for email, confirms the address from
// the e-mail, and returns a client signed in as its owner.
func (e *Env) SignUp(email string) *Client {
	e.T.Helper()
	c := e.Client()
	c.Email, c.Password = email, DefaultPassword
	c.Must(http.StatusAccepted, "POST", "/api/v1/auth/signup", map[string]any{
		"email": email, "password": DefaultPassword, "name": "Owner " + strings.Split(email, "@")[0],
		"account_name": "Home of " + email, "region": "EU", "time_zone": "Europe/Paris", "language": "en",
		"accepted": e.Shown(),
	})
	token := e.Mail.Wait(e.T, email, "Confirm your e-mail").Token(e.T)
	c.Must(http.StatusOK, "POST", "/api/v1/auth/verify-email", map[string]string{"token": token})
	c.Login()
	var me account.User
	c.Must(http.StatusOK, "GET", "/api/v1/me", nil).Decode(e.T, &me)
	c.UserID = me.ID
	var as struct{ Accounts []account.Account }
	c.Must(http.StatusOK, "GET", "/api/v1/me/accounts", nil).Decode(e.T, &as)
	if len(as.Accounts) > 0 {
		c.AccountID = as.Accounts[0].ID
	}
	return c
}

// Shown returns what the sign-up form shows someone in region EU, as the
// helpers sign people up: the current privacy statement and terms in
// English, with their text hashes.
func (e *Env) Shown() []account.ShownNotice { return e.ShownIn("EU") }

// ShownIn returns what the sign-up form shows someone in region: the
// region's own texts where it has them, else the default ones, in English.
func (e *Env) ShownIn(region string) []account.ShownNotice {
	e.T.Helper()
	ns, err := e.App.Privacy.PublishedNotices(e.T.Context())
	if err != nil {
		e.T.Fatalf("notices: %v", err)
	}
	var out []account.ShownNotice
	for _, k := range []privacy.Kind{privacy.PrivacyStatement, privacy.Terms} {
		var pick *privacy.Notice
		for i, n := range ns {
			if n.Kind == k && n.Language == "en" && (n.Region == region || (n.Region == privacy.DefaultRegion && pick == nil)) {
				pick = &ns[i]
			}
		}
		if pick != nil {
			out = append(out, account.ShownNotice{NoticeID: pick.ID, TextHash: pick.TextHash})
		}
	}
	return out
}

// Login signs the client in with its e-mail and password, completing the
// second factor when one is enrolled.
func (c *Client) Login() {
	c.e.T.Helper()
	r := c.Must(http.StatusOK, "POST", "/api/v1/auth/login", map[string]string{"email": c.Email, "password": c.Password})
	if r.JSON()["mfa_required"] == true {
		c.Must(http.StatusOK, "POST", "/api/v1/auth/mfa", map[string]string{"code": c.TOTP()})
	}
}

// Operator returns a signed-in operator administrator with a second factor,
// bootstrapping vigil's first administrator on first use.
func (e *Env) Operator() *Client {
	e.T.Helper()
	if e.operator != nil {
		return e.operator
	}
	c := e.Client()
	c.Email, c.Password = "operator@vigil.test", DefaultPassword
	token, err := e.App.Accounts.IssueBootstrap(e.T.Context())
	if err != nil {
		e.T.Fatalf("bootstrap: %v", err)
	}
	c.Must(http.StatusCreated, "POST", "/api/v1/staff/bootstrap", map[string]any{
		"token": token, "email": c.Email, "name": "Operator", "password": c.Password,
		"training_valid_until": e.Clock.Now().AddDate(1, 0, 0),
	})
	c.StaffLogin()
	c.UserID = c.staffID()
	e.operator = c
	return c
}

// SecondOperator returns a second signed-in operator administrator, made
// from the console like the first (four eyes need two): the one who
// approves what the first asks.
func (e *Env) SecondOperator() *Client {
	e.T.Helper()
	if e.operator2 != nil {
		return e.operator2
	}
	e.Operator()
	c := e.Client()
	c.Email, c.Password = "operator2@vigil.test", DefaultPassword
	token, err := e.App.Accounts.IssueBootstrap(e.T.Context())
	if err != nil {
		e.T.Fatalf("second operator: %v", err)
	}
	c.Must(http.StatusCreated, "POST", "/api/v1/staff/bootstrap", map[string]any{
		"token": token, "email": c.Email, "name": "Second operator", "password": c.Password,
		"training_valid_until": e.Clock.Now().AddDate(1, 0, 0),
	})
	c.StaffLogin()
	c.UserID = c.staffID()
	e.operator2 = c
	return c
}

// StaffLogin signs a staff client in, enrolling its authenticator on first
// sign-in and passing the second factor after that.
func (c *Client) StaffLogin() {
	c.e.T.Helper()
	r := c.Must(http.StatusOK, "POST", "/api/v1/staff/auth/login", map[string]string{"email": c.Email, "password": c.Password})
	if r.JSON()["enrolment_required"] == true {
		c.EnrolTOTP()
		return
	}
	c.Must(http.StatusOK, "POST", "/api/v1/auth/mfa", map[string]string{"code": c.TOTP()})
}

// Staff has the operator create a staff member with role and training
// date, and returns them activated but not signed in. A privileged role
// (security, DPO, operator admin) is approved by the second operator.
func (c *Client) Staff(email string, role access.StaffRole, trainingUntil time.Time) *Client {
	c.e.T.Helper()
	var st account.Staff
	in := map[string]any{"email": email, "name": "Staff " + email, "role": role, "training_valid_until": trainingUntil}
	if account.Privileged(role) {
		var res struct {
			Pending account.RoleChange `json:"pending_role_change"`
		}
		c.Must(http.StatusAccepted, "POST", "/api/v1/staff/members", in).Decode(c.e.T, &res)
		approver := c.e.SecondOperator()
		if approver == c {
			approver = c.e.Operator()
		}
		approver.Must(http.StatusOK, "POST", "/api/v1/staff/role-changes/"+res.Pending.ID+"/approve", nil)
		st.ID = res.Pending.StaffID
	} else {
		c.Must(http.StatusCreated, "POST", "/api/v1/staff/members", in).Decode(c.e.T, &st)
	}
	token := c.e.Mail.Wait(c.e.T, email, "staff account").Token(c.e.T)
	s := c.e.Client()
	s.Email, s.Password, s.UserID = email, DefaultPassword, st.ID
	s.Must(http.StatusOK, "POST", "/api/v1/staff/activate", map[string]string{"token": token, "password": DefaultPassword})
	return s
}

// Login2FA signs a staff client in again with password and code.
func (c *Client) Login2FA() {
	c.e.T.Helper()
	c.Must(http.StatusOK, "POST", "/api/v1/staff/auth/login", map[string]string{"email": c.Email, "password": c.Password})
	c.Must(http.StatusOK, "POST", "/api/v1/auth/mfa", map[string]string{"code": c.TOTP()})
}

// StaffMember returns a signed-in staff member of role with a second
// factor and a year of training, bootstrapping the operator on first use.
func (e *Env) StaffMember(email string, role access.StaffRole) *Client {
	e.T.Helper()
	s := e.Operator().Staff(email, role, e.Clock.Now().AddDate(1, 0, 0))
	s.StaffLogin()
	return s
}

// WithMFA enrols a second factor for a customer and signs in again with
// it, as a fresh sign-in for a data-subject request needs.
func (c *Client) WithMFA() {
	c.e.T.Helper()
	c.EnrolTOTP()
	c.Login()
}

// staffID reads the signed-in staff member's own ID.
func (c *Client) staffID() string {
	c.e.T.Helper()
	var st account.Staff
	c.Must(http.StatusOK, "GET", "/api/v1/staff/me", nil).Decode(c.e.T, &st)
	return st.ID
}
