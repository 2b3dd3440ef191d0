// Package pushtest runs npm web-push-testing, a real local Web Push service,
// for tests and benchmarks: it hands out subscriptions, checks VAPID,
// decrypts each push (RFC 8291) and keeps the plaintext to read back.
package pushtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigil-cloud/vigil/internal/modroot"
)

// Service is a running web-push-testing.
type Service struct {
	URL string
}

// Start runs web-push-testing from e2e/node_modules on a free port until
// the test ends. It skips when node or the package is missing,
// unless VIGIL_TEST_WEBPUSH says CI must have them.
func Start(t testing.TB) *Service {
	t.Helper()
	missing := func(why string) {
		if os.Getenv("VIGIL_TEST_WEBPUSH") != "" {
			t.Fatalf("VIGIL_TEST_WEBPUSH is set but %s", why)
		}
		t.Skipf("Web Push test skipped: %s (run `npm ci` in e2e/ and set VIGIL_TEST_WEBPUSH=1 to require it)", why)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		missing("node is not installed")
	}
	script := filepath.Join(modroot.Dir(), "e2e", "node_modules", "web-push-testing", "src", "bin", "server.js")
	if _, err := os.Stat(script); err != nil {
		missing("e2e/node_modules/web-push-testing is not installed")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cmd := exec.Command(node, script, strconv.Itoa(port))
	cmd.Dir = t.TempDir()
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill() //nolint:errcheck // it may have exited
		cmd.Wait()         //nolint:errcheck
	})
	ps := &Service{URL: fmt.Sprintf("http://localhost:%d", port)}
	deadline := time.Now().Add(15 * time.Second)
	for {
		res, err := http.Post(ps.URL+"/status", "application/json", nil)
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return ps
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("web-push-testing did not start: %v\n%s", err, out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (ps *Service) post(t testing.TB, path string, in, out any) int {
	t.Helper()
	b, _ := json.Marshal(in)
	res, err := http.Post(ps.URL+path, "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if out != nil {
		json.NewDecoder(res.Body).Decode(out) //nolint:errcheck // checked by the caller
	}
	return res.StatusCode
}

// Subscription is what the push service gives a browser.
type Subscription struct {
	Endpoint string `json:"endpoint"`
	Keys     struct {
		P256dh string `json:"p256dh"`
		Auth   string `json:"auth"`
	} `json:"keys"`
	ClientHash string `json:"clientHash"`
}

// Subscribe makes a subscription for vigil's VAPID key, as a browser's
// PushManager.subscribe does.
func (ps *Service) Subscribe(t testing.TB, vapidPublic string) Subscription {
	t.Helper()
	var out struct{ Data Subscription }
	if st := ps.post(t, "/subscribe", map[string]string{"userVisibleOnly": "true", "applicationServerKey": vapidPublic}, &out); st != http.StatusOK {
		t.Fatalf("subscribe: %d", st)
	}
	return out.Data
}

// Messages returns the decrypted payloads the subscription received.
func (ps *Service) Messages(t testing.TB, clientHash string) []string {
	t.Helper()
	var out struct {
		Data struct{ Messages []string }
	}
	if st := ps.post(t, "/get-notifications", map[string]string{"clientHash": clientHash}, &out); st != http.StatusOK {
		t.Fatalf("get-notifications: %d", st)
	}
	return out.Data.Messages
}

// Expire makes the push service answer 410 for the subscription, as when a
// browser unsubscribes.
func (ps *Service) Expire(t testing.TB, clientHash string) {
	t.Helper()
	if st := ps.post(t, "/expire-subscription/"+clientHash, map[string]string{}, nil); st != http.StatusOK {
		t.Fatalf("expire: %d", st)
	}
}

// Front is a proxy in front of the push service that notes when the
// service accepted (201) each push, in order: the push service keeps
// payloads in the order it decrypted them and answers in that order, so
// the k-th payload Messages returns is the k-th acceptance.
type Front struct {
	URL      string
	mu       sync.Mutex
	accepted []time.Time
	held     chan struct{} // while not nil, pushes wait for it to close
	arrived  int           // pushes that reached the front
}

// Front starts a Front for ps until the test ends.
func (ps *Service) Front(t testing.TB) *Front {
	t.Helper()
	target, err := url.Parse(ps.URL)
	if err != nil {
		t.Fatal(err)
	}
	f := &Front{}
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.ModifyResponse = func(r *http.Response) error {
		if r.StatusCode == http.StatusCreated {
			f.mu.Lock()
			f.accepted = append(f.accepted, time.Now())
			f.mu.Unlock()
		}
		return nil
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.arrived++
		held := f.held
		f.mu.Unlock()
		if held != nil {
			<-held
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(func() { f.Release(); srv.Close() })
	f.URL = srv.URL
	return f
}

// Hold makes pushes wait at the front until Release: a push service that
// is slow to answer.
func (f *Front) Hold() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.held == nil {
		f.held = make(chan struct{})
	}
}

// Release lets held pushes through, and those that follow.
func (f *Front) Release() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.held != nil {
		close(f.held)
		f.held = nil
	}
}

// Arrived counts the pushes that reached the front, held or not.
func (f *Front) Arrived() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.arrived
}

// Accepted returns when each push was accepted, in order.
func (f *Front) Accepted() []time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.accepted)
}

// Rates reads the rates (per second) a benchmark runs at from the
// comma-separated environment variable name, or returns def.
func Rates(t testing.TB, name string, def ...int) []int {
	env := os.Getenv(name)
	if env == "" {
		return def
	}
	var rates []int
	for _, f := range strings.Split(env, ",") {
		r, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || r <= 0 {
			t.Fatalf("%s: %q is not a rate", name, f)
		}
		rates = append(rates, r)
	}
	return rates
}

// Percentiles sorts lat and returns its p50, p99 and maximum in
// milliseconds.
func Percentiles(lat []time.Duration) (p50, p99, maximum float64) {
	slices.Sort(lat)
	at := func(q float64) float64 { return float64(lat[int(q*float64(len(lat)-1))]) / float64(time.Millisecond) }
	return at(0.5), at(0.99), at(1)
}
