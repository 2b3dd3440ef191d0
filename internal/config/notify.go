package config

import (
	"net/url"
	"time"
)

// Notify configures notification delivery: the outbox worker, the SMS
// provider (an HTTP API in the style of Twilio's Messages.json) and which
// registered processors the e-mail and SMS providers are.
type Notify struct {
	// Workers is how many deliveries are sent at once.
	Workers int `yaml:"workers" env:"VIGIL_NOTIFY_WORKERS"`
	// MaxAttempts is how often a delivery is tried before it goes to the
	// dead-letter list.
	MaxAttempts int `yaml:"max_attempts" env:"VIGIL_NOTIFY_MAX_ATTEMPTS"`
	// AllowLoopback lets webhooks and push subscriptions point at a
	// loopback http:// address (demos and tests); otherwise only https://.
	AllowLoopback bool `yaml:"allow_loopback" env:"VIGIL_NOTIFY_ALLOW_LOOPBACK"`
	// EmailProcessor is the ID, in the registry of processors, of the
	// company running the SMTP server; empty when the mail server is the
	// operator's own. With it set, every notification e-mail is checked
	// against and recorded in the disclosure ledger.
	EmailProcessor string `yaml:"email_processor" env:"VIGIL_NOTIFY_EMAIL_PROCESSOR"`
	SMS            SMS    `yaml:"sms"`
}

// SMS configures the SMS provider. Without a base URL, SMS is off.
type SMS struct {
	// BaseURL is the provider's API root, e.g. https://api.twilio.com.
	BaseURL    string `yaml:"base_url" env:"VIGIL_SMS_BASE_URL"`
	AccountSID string `yaml:"account_sid" env:"VIGIL_SMS_ACCOUNT_SID"`
	AuthToken  string `yaml:"auth_token" env:"VIGIL_SMS_AUTH_TOKEN" secret:"true"`
	From       string `yaml:"from" env:"VIGIL_SMS_FROM"`
	// Processor is the provider's ID in the registry of processors; no SMS
	// is sent unless it is registered and in force.
	Processor string        `yaml:"processor" env:"VIGIL_SMS_PROCESSOR"`
	Timeout   time.Duration `yaml:"timeout" env:"VIGIL_SMS_TIMEOUT"`
}

// Enabled reports whether an SMS provider is configured.
func (s SMS) Enabled() bool { return s.BaseURL != "" }

// DefaultNotify returns the notification defaults.
func DefaultNotify() Notify {
	return Notify{Workers: 64, MaxAttempts: 8, SMS: SMS{Timeout: 15 * time.Second}}
}

func (c Config) validateNotify(bad func(setting, format string, args ...any)) {
	n := c.Notify
	if n.Workers < 1 || n.Workers > 256 {
		bad("notify.workers", "want 1-256, got %d", n.Workers)
	}
	if n.MaxAttempts < 1 || n.MaxAttempts > 30 {
		bad("notify.max_attempts", "want 1-30, got %d", n.MaxAttempts)
	}
	s := n.SMS
	if !s.Enabled() {
		return
	}
	u, err := url.Parse(s.BaseURL)
	switch {
	case err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http"):
		bad("notify.sms.base_url", "want an https:// URL, got %q", s.BaseURL)
	case u.Scheme == "http" && !isLoopback(u.Hostname()):
		bad("notify.sms.base_url", "plain http is only allowed for a loopback provider")
	}
	if s.AccountSID == "" || s.AuthToken == "" || s.From == "" {
		bad("notify.sms", "account_sid, auth_token and from are required with base_url")
	}
	if s.Processor == "" {
		bad("notify.sms.processor", "the SMS provider must be named by its ID in the registry of processors")
	}
	if s.Timeout <= 0 {
		bad("notify.sms.timeout", "want a positive duration, got %s", s.Timeout)
	}
}
