package config

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) LookupEnv {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestDefaultsAreValid(t *testing.T) {
	c := Default()
	c.Resolve()
	if err := c.Validate(); err != nil {
		t.Fatalf("default config invalid: %v", err)
	}
	if c.Database.URL != "vigil-data/vigil.db" || c.PublicURL != "http://127.0.0.1:8080" {
		t.Fatalf("resolved defaults: db %q public %q", c.Database.URL, c.PublicURL)
	}
}

func TestLayering(t *testing.T) {
	doc := []byte("listen: 127.0.0.1:9000\nlog:\n  format: json\nauth:\n  lockout_after: 7\n")
	c, err := Parse(doc, env(map[string]string{"VIGIL_LISTEN": "127.0.0.1:9100", "VIGIL_LOCKOUT_FOR": "1h"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Listen != "127.0.0.1:9100" {
		t.Errorf("environment should override file: listen %q", c.Listen)
	}
	if c.Log.Format != "json" || c.Auth.LockoutAfter != 7 {
		t.Errorf("file values lost: %+v", c)
	}
	if c.Auth.LockoutFor != time.Hour {
		t.Errorf("lockout_for %s", c.Auth.LockoutFor)
	}
	if c.Auth.ArgonTime != 2 {
		t.Errorf("default lost: argon_time %d", c.Auth.ArgonTime)
	}
}

func TestClearErrors(t *testing.T) {
	cases := []struct {
		name string
		doc  string
		env  map[string]string
		want string
	}{
		{"unknown key", "lisen: x\n", nil, "field lisen not found"},
		{"bad env number", "", map[string]string{"VIGIL_LOCKOUT_AFTER": "many"}, "VIGIL_LOCKOUT_AFTER: want a whole number"},
		{"bad duration", "", map[string]string{"VIGIL_SESSION_TTL": "soon"}, "VIGIL_SESSION_TTL: want a duration"},
		{"public plain http", "listen: 0.0.0.0:8080\n", nil, "listen: plain HTTP is only allowed on a loopback address"},
		{"driver", "database:\n  driver: mysql\n", nil, "database.driver: want sqlite or postgres"},
		{"s3 incomplete", "blob:\n  driver: s3\n", nil, "blob.s3: endpoint, bucket"},
		{"weak argon", "auth:\n  argon_memory_kib: 1024\n", nil, "argon2id cost too low"},
		{"tls half", "tls:\n  cert_file: a.pem\n", nil, "cert_file and key_file go together"},
		{"log format", "log:\n  format: xml\n", nil, "log.format"},
		{"bus creds twice", "bus:\n  creds_file: a.creds\n  nkey_file: a.nk\n", nil, "bus.creds_file: give a credentials file or an nkey file"},
		{"bus replicas", "bus:\n  replicas: 7\n", nil, "bus.replicas: want 0 (automatic) to 5"},
	}
	for _, tc := range cases {
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

func TestSecretsNeverLogged(t *testing.T) {
	c := Default()
	c.Database = Database{Driver: "postgres", URL: "postgres://vigil:hunter2-db@db/vigil"}
	c.Blob.S3 = S3{AccessKey: "AKIA-marker", SecretKey: "s3-secret-marker"}
	c.Mail.Password = "smtp-secret-marker"
	c.Bus.URL = "nats://vigil:bus-secret-marker@nats-1:4222"
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("config", "config", c)
	if !strings.Contains(buf.String(), "nats://vigil:xxxxx@nats-1:4222") {
		t.Errorf("the bus URL should be logged with its password masked: %s", buf.String())
	}
	for _, secret := range []string{"hunter2-db", "AKIA-marker", "s3-secret-marker", "smtp-secret-marker", "bus-secret-marker"} {
		if strings.Contains(buf.String(), secret) {
			t.Errorf("log line reveals %q: %s", secret, buf.String())
		}
	}
	if !strings.Contains(buf.String(), "[redacted]") {
		t.Errorf("expected redaction marks: %s", buf.String())
	}
}

// A bad bus URL is refused without echoing the password it carries.
func TestBadBusURLErrorHidesPassword(t *testing.T) {
	c, err := Parse([]byte("bus:\n  url: http://vigil:bus-secret-marker@nats-1:4222\n"), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	c.Resolve()
	err = c.Validate()
	if err == nil || !strings.Contains(err.Error(), "bus.url") {
		t.Fatalf("got %v, want a bus.url error", err)
	}
	if strings.Contains(err.Error(), "bus-secret-marker") {
		t.Errorf("error reveals the password: %v", err)
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte("listen: 127.0.0.1:1\n"), "15m")
	f.Add([]byte("auth: {lockout_after: -1}\n"), "x")
	f.Add([]byte("\x00\xff: ["), "")
	f.Fuzz(func(t *testing.T, doc []byte, ttl string) {
		c, err := Parse(doc, env(map[string]string{"VIGIL_SESSION_TTL": ttl}))
		if err != nil {
			return
		}
		c.Resolve()
		_ = c.Validate() // must not panic, whatever the input
	})
}
