package httpapi

import (
	"net/http"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/account"
	"github.com/vigil-cloud/vigil/internal/clock"
	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/netaddr"
	"github.com/vigil-cloud/vigil/internal/ratelimit"
)

// limits slow down guessing and message bombing. Credential routes get so
// many attempts a minute per client network (an IPv4 address, an IPv6
// /64), whichever accounts they try; sign-in failures per address typed
// are slowed by the account service. Routes that make vigil send mail or
// SMS get so many an hour per client network and per account (the signed-
// in person, and the account of the path); the account service also caps
// the mail each recipient gets.
type limits struct {
	attempts ratelimit.Allower
	msgAddr  ratelimit.Allower
	msgAcct  ratelimit.Allower
}

func newLimits(clk clock.Clock, f ratelimit.Factory, attemptsPerMinute, messagesPerHour, messagesPerAddress int) *limits {
	return &limits{
		attempts: f.New(clk, "credential-attempts", attemptsPerMinute, time.Minute),
		msgAddr:  f.New(clk, "messages-network", messagesPerAddress, time.Hour),
		msgAcct:  f.New(clk, "messages-account", messagesPerHour, time.Hour),
	}
}

// messageRoutes are the routes that make vigil send mail or SMS to
// someone: invitations, resets, confirmations, codes, transfers, receipts,
// redeliveries, and the operator administrators' four-eyes notices.
var messageRoutes = map[string]bool{
	"POST /api/v1/auth/signup":                                        true,
	"POST /api/v1/auth/password-reset":                                true,
	"POST /api/v1/accounts/{accountID}/invitations":                   true,
	"POST /api/v1/accounts/{accountID}/transfers":                     true,
	"POST /api/v1/transfers/import":                                   true,
	"POST /api/v1/privacy/requests":                                   true,
	"POST /api/v1/me/privacy-requests":                                true,
	"PUT /api/v1/me/phone":                                            true,
	"POST /api/v1/accounts/{accountID}/deliveries/{deliveryID}/retry": true,
	"POST /api/v1/staff/members":                                      true,
	"PATCH /api/v1/staff/members/{staffID}":                           true,
	"POST /api/v1/staff/role-changes/{changeID}/approve":              true,
	"POST /api/v1/staff/role-changes/{changeID}/reject":               true,
}

var errTooManyMessages = errs.E(errs.RateLimited, "too many messages asked for in the last hour; wait a while before asking again")

// messagesFromAddress spends one message of the client's network.
func (l *limits) messagesFromAddress(w http.ResponseWriter, r *http.Request, rt route, ip string) error {
	if !messageRoutes[rt.method+" "+rt.path] || l.msgAddr.Allow(r.Context(), netaddr.LimitKey(ip)) {
		return nil
	}
	w.Header().Set("Retry-After", "3600")
	return errTooManyMessages
}

// messagesOfAccount spends one message of the signed-in person and of the
// account the path names.
func (l *limits) messagesOfAccount(w http.ResponseWriter, r *http.Request, rt route, a *account.Auth) error {
	if !messageRoutes[rt.method+" "+rt.path] || a == nil || a.Principal.Kind == access.KindAnonymous {
		return nil
	}
	ok := l.msgAcct.Allow(r.Context(), "person:"+a.Principal.ID)
	if acct := r.PathValue("accountID"); acct != "" {
		ok = l.msgAcct.Allow(r.Context(), "account:"+acct) && ok
	}
	if ok {
		return nil
	}
	w.Header().Set("Retry-After", "3600")
	return errTooManyMessages
}

// MessageRoutes lists the routes that send mail or SMS ("METHOD /path"),
// for the test that holds the list against the routes.
func MessageRoutes() []string {
	out := make([]string, 0, len(messageRoutes))
	for r := range messageRoutes {
		out = append(out, r)
	}
	return out
}
