// Package mail delivers vigil's e-mail: over SMTP (go-mail) to a real mail
// server, or, on a single machine without one, into an outbox directory of
// .eml files readable only by vigil's user. It never logs a message body or
// a recipient: messages carry one-time links.
package mail

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/vigil-cloud/vigil/internal/clock"
	"github.com/vigil-cloud/vigil/internal/config"
)

// Mail is one message to one person. Links in it carry secrets: it is
// never logged.
type Mail struct {
	To      string
	Subject string
	Text    string
	// Headers are extra header fields (List-Unsubscribe, say); nil for none.
	Headers map[string]string
}

// Mailer delivers one message. Capabilities that write to people take a
// Mailer; the transports below implement it.
type Mailer interface {
	Send(ctx context.Context, m Mail) error
}

// New returns the transport the configuration asks for.
func New(c config.Mail, clk clock.Clock) (Mailer, error) {
	if c.SMTPHost == "" {
		if err := os.MkdirAll(c.OutboxDir, 0o700); err != nil {
			return nil, fmt.Errorf("mail outbox: %w", err)
		}
		return &Outbox{Dir: c.OutboxDir, From: c.From, Clock: clk}, nil
	}
	return &SMTP{conf: c}, nil
}

// SMTP sends through an SMTP server, with TLS unless the server is on the
// loopback interface and configured without.
type SMTP struct {
	conf config.Mail
	// TLSConfig overrides the TLS settings (tests trust their own CA).
	TLSConfig *tls.Config
}

// NewSMTP returns an SMTP sender.
func NewSMTP(c config.Mail) *SMTP { return &SMTP{conf: c} }

// Send delivers m.
func (s *SMTP) Send(ctx context.Context, m Mail) error {
	c := s.conf
	opts := []gomail.Option{gomail.WithPort(c.SMTPPort), gomail.WithTimeout(15 * time.Second)}
	switch c.TLS {
	case "tls":
		opts = append(opts, gomail.WithSSL())
	case "none":
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	}
	if s.TLSConfig != nil {
		opts = append(opts, gomail.WithTLSConfig(s.TLSConfig))
	}
	if c.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthPlain), gomail.WithUsername(c.Username), gomail.WithPassword(c.Password))
	}
	client, err := gomail.NewClient(c.SMTPHost, opts...)
	if err != nil {
		return fmt.Errorf("smtp client: %w", err)
	}
	msg, err := message(c.From, m)
	if err != nil {
		return err
	}
	if err := client.DialAndSendWithContext(ctx, msg); err != nil {
		return fmt.Errorf("smtp send via %s: %w", c.SMTPHost, err)
	}
	return nil
}

func message(from string, m Mail) (*gomail.Msg, error) {
	msg := gomail.NewMsg()
	if err := msg.From(from); err != nil {
		return nil, fmt.Errorf("mail from: %w", err)
	}
	if err := msg.To(m.To); err != nil {
		return nil, fmt.Errorf("mail recipient is not a valid address")
	}
	msg.Subject(m.Subject)
	for k, v := range m.Headers {
		msg.SetGenHeader(gomail.Header(k), v)
	}
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	return msg, nil
}

// Outbox writes each message as an .eml file (mode 0600) in Dir. It suits a
// single machine without a mail server: the operator forwards or reads them.
type Outbox struct {
	Dir   string
	From  string
	Clock clock.Clock
}

// Send writes m atomically into the outbox.
func (o *Outbox) Send(_ context.Context, m Mail) error {
	msg, err := message(o.From, m)
	if err != nil {
		return err
	}
	var rnd [6]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		return err
	}
	name := o.Clock.Now().Format("20060102T150405.000000Z") + "-" + hex.EncodeToString(rnd[:]) + ".eml"
	tmp, err := os.CreateTemp(o.Dir, ".mail-*")
	if err != nil {
		return fmt.Errorf("mail outbox: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := msg.WriteTo(tmp); err != nil {
		tmp.Close()
		return fmt.Errorf("mail outbox: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), filepath.Join(o.Dir, name))
}
