package config

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
)

// The SMS provider's token never reaches a log line.
func TestSMSTokenNeverLogged(t *testing.T) {
	c := Default()
	c.Notify.SMS = SMS{BaseURL: "https://api.sms.example", AccountSID: "AC123", AuthToken: "sms-token-marker", From: "+15550001111", Processor: "prc_x"}
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("config", "config", c)
	if strings.Contains(buf.String(), "sms-token-marker") || !strings.Contains(buf.String(), "AC123") {
		t.Fatalf("log line %s", buf.String())
	}
}

func TestNotifySettingsValidated(t *testing.T) {
	for _, tc := range []struct {
		name string
		doc  string
		env  map[string]string
		want string
	}{
		{"sms without credentials", "notify:\n  sms:\n    base_url: https://api.sms.example\n", nil, "account_sid, auth_token and from"},
		{"sms without processor", "", map[string]string{"VIGIL_SMS_BASE_URL": "https://api.sms.example", "VIGIL_SMS_ACCOUNT_SID": "AC1",
			"VIGIL_SMS_AUTH_TOKEN": "t", "VIGIL_SMS_FROM": "+1555"}, "notify.sms.processor"},
		{"sms over plain http", "notify:\n  sms:\n    base_url: http://sms.example\n", nil, "plain http"},
		{"workers", "notify:\n  workers: 0\n", nil, "notify.workers"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Parse([]byte(tc.doc), env(tc.env))
			if err == nil {
				c.Resolve()
				err = c.Validate()
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
}
