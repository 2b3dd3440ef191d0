package httpapi

import "testing"

// Routes a person needs while an update awaits them stay open; features,
// including ones whose path merely starts like an exempt one, do not.
func TestNoticeExemptRoutes(t *testing.T) {
	for path, exempt := range map[string]bool{
		"/api/v1/me":                                 true,
		"/api/v1/me/notices/{noticeID}/accept":       true,
		"/api/v1/auth/logout":                        true,
		"/api/v1/notices/{noticeID}":                 true,
		"/api/v1/accounts/{accountID}/grants":        true,
		"/api/v1/accounts/{accountID}/access-log":    true,
		"/api/v1/accounts/{accountID}":               false,
		"/api/v1/accounts/{accountID}/sites":         false,
		"/api/v1/media/{segmentID}":                  false,
		"/api/v1/invitations/accept":                 false,
		"/api/v1/accounts/{accountID}/members/{uid}": false,
	} {
		if got := noticeExempt(path); got != exempt {
			t.Errorf("%s: exempt %v, want %v", path, got, exempt)
		}
	}
}
