// Package mailtest runs a real SMTP server (emersion/go-smtp) in the test
// process, with STARTTLS on a certificate it makes, and keeps what it
// receives so tests can read the e-mails vigil sends.
package mailtest

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"io"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/vigil-cloud/vigil/internal/config"
	vmail "github.com/vigil-cloud/vigil/internal/mail"
	"github.com/vigil-cloud/vigil/internal/tlsutil"
)

// Message is one received e-mail.
type Message struct {
	From, To, Subject, Body string
	Header                  mail.Header
}

// Server is the running SMTP server.
type Server struct {
	addr  *net.TCPAddr
	roots *x509.CertPool

	mu   sync.Mutex
	msgs []Message
	cond *sync.Cond
}

// Start runs a server until the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	dir := t.TempDir()
	certFile, keyFile, err := tlsutil.SelfSigned(dir, "127.0.0.1", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	pem, err := os.ReadFile(certFile)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(pem)
	s := &Server{roots: roots}
	s.cond = sync.NewCond(&s.mu)
	srv := smtp.NewServer(backend{s})
	srv.Domain = "localhost"
	srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	srv.MaxMessageBytes = 1 << 20
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.addr = ln.Addr().(*net.TCPAddr)
	go srv.Serve(ln) //nolint:errcheck // ends with Close
	t.Cleanup(func() { srv.Close() })
	return s
}

// Config returns the mail settings that reach this server over STARTTLS.
func (s *Server) Config() config.Mail {
	return config.Mail{From: "vigil <no-reply@vigil.test>", SMTPHost: "127.0.0.1", SMTPPort: s.addr.Port, TLS: "starttls"}
}

// Sender returns vigil's SMTP sender set up to trust this server.
func (s *Server) Sender() *vmail.SMTP {
	snd := vmail.NewSMTP(s.Config())
	snd.TLSConfig = &tls.Config{RootCAs: s.roots, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}
	return snd
}

// Messages returns what arrived so far.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.msgs...)
}

// Wait returns the first message to to whose subject contains subject,
// waiting up to 10 seconds for it.
func (s *Server) Wait(t testing.TB, to, subject string) Message {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	s.mu.Lock()
	defer s.mu.Unlock()
	for {
		for _, m := range s.msgs {
			if strings.EqualFold(m.To, to) && strings.Contains(m.Subject, subject) {
				return m
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no e-mail to %s about %q arrived; got %d others", to, subject, len(s.msgs))
		}
		go func() { time.Sleep(50 * time.Millisecond); s.cond.Broadcast() }()
		s.cond.Wait()
	}
}

var tokenRE = regexp.MustCompile(`[?&]token=([A-Za-z0-9_\-]+)`)

// Token returns the one-time token of the link in a message.
func (m Message) Token(t testing.TB) string {
	t.Helper()
	found := tokenRE.FindStringSubmatch(m.Body)
	if found == nil {
		t.Fatalf("no token link in the e-mail %q", m.Subject)
	}
	return found[1]
}

type backend struct{ s *Server }

func (b backend) NewSession(*smtp.Conn) (smtp.Session, error) { return &session{s: b.s}, nil }

type session struct {
	s        *Server
	from, to string
}

func (x *session) Reset()                                      { x.from, x.to = "", "" }
func (x *session) Logout() error                               { return nil }
func (x *session) Mail(from string, _ *smtp.MailOptions) error { x.from = from; return nil }
func (x *session) Rcpt(to string, _ *smtp.RcptOptions) error   { x.to = to; return nil }

func (x *session) Data(r io.Reader) error {
	msg, err := mail.ReadMessage(r)
	if err != nil {
		return err
	}
	var body []byte
	if strings.EqualFold(msg.Header.Get("Content-Transfer-Encoding"), "quoted-printable") {
		body, err = io.ReadAll(quotedprintable.NewReader(msg.Body))
	} else {
		body, err = io.ReadAll(msg.Body)
	}
	if err != nil {
		return err
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		return err
	}
	x.s.mu.Lock()
	x.s.msgs = append(x.s.msgs, Message{From: x.from, To: x.to, Subject: subject, Body: string(bytes.TrimSpace(body)), Header: msg.Header})
	x.s.mu.Unlock()
	x.s.cond.Broadcast()
	return nil
}

// String describes the server for failure messages.
func (s *Server) String() string { return "smtp://127.0.0.1:" + strconv.Itoa(s.addr.Port) }
