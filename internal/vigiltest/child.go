package vigiltest

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vigil-cloud/vigil/internal/app"
	"github.com/vigil-cloud/vigil/internal/config"
)

// childEnv carries a child vigil's configuration from StartChild to
// ServeAsChild.
const childEnv = "VIGIL_TEST_CHILD_CONFIG"

// childReady is what a child vigil prints once it serves.
const childReady = "VIGIL CHILD READY"

// ServeAsChild is the body of a test that is vigil itself in a child
// process started by StartChild (for kill -9 tests): it runs vigil on the
// configuration it was given until SIGTERM (or SIGKILL) and reports true.
// In a normal run it does nothing and reports false; the test then skips.
func ServeAsChild(t *testing.T) bool {
	raw := os.Getenv(childEnv)
	if raw == "" {
		return false
	}
	var cfg config.Config
	if err := json.Unmarshal([]byte(raw), &cfg); err != nil {
		t.Fatal(err)
	}
	// VIGIL_TEST_CHILD_LOG=1 shows the child's log, to debug a test.
	var logTo io.Writer = io.Discard
	if os.Getenv("VIGIL_TEST_CHILD_LOG") != "" {
		logTo = os.Stderr
	}
	a, err := app.New(context.Background(), cfg, app.Options{Log: slog.New(slog.NewTextHandler(logTo, nil))})
	if err != nil {
		fmt.Fprintln(os.Stderr, "vigil child:", err) // the parent may stop reading stdout first
		t.Fatal(err)
	}
	os.Stdout.WriteString(childReady + "\n")
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM)
	<-sig
	a.Close()
	return true
}

// StartChild runs the test named test of this test binary, which calls
// ServeAsChild, as vigil on cfg in a child process, and waits until it
// serves. The caller kills it (SIGKILL) or stops it (SIGTERM) and waits.
func StartChild(t testing.TB, test string, cfg config.Config) *exec.Cmd {
	t.Helper()
	raw, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^"+test+"$", "-test.count=1")
	cmd.Env = append(os.Environ(), childEnv+"="+string(raw))
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ready := make(chan bool, 1)
	var said strings.Builder // what the child printed before it served
	go func() {
		sc := bufio.NewScanner(out)
		ok := false
		for sc.Scan() {
			if !ok && strings.Contains(sc.Text(), childReady) {
				ok = true
				ready <- true
			} else if !ok {
				said.WriteString(sc.Text() + "\n")
			}
		}
		if !ok {
			ready <- false
		}
	}()
	select {
	case ok := <-ready:
		if !ok {
			_ = cmd.Wait()
			t.Fatalf("vigil exited before it served:\n%s", said.String())
		}
	case <-time.After(time.Minute):
		_ = cmd.Process.Kill()
		t.Fatal("vigil did not start within a minute")
	}
	return cmd
}

// FreeAddr returns a loopback address with a port free at the time, for a
// listener that must keep its address across restarts of a child vigil.
func FreeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}
