package bustest

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/vigil-cloud/vigil/internal/modroot"
	"github.com/vigil-cloud/vigil/internal/waittest"
)

// Cluster is a NATS cluster with JetStream of real nats-server processes
// (the version vigil embeds, built from the module cache), for tests that
// kill one.
type Cluster struct {
	t     testing.TB
	URL   string // every server's client URL, comma-separated, for bus.url
	Names []string
	procs []*exec.Cmd
	// waited[i] is closed once server i has exited and been reaped.
	waited []chan struct{}
	// LeafURL (every server's leaf node URL, for bus.leaf_url) and Domain
	// (its JetStream domain, for bus.domain) are set by StartHub.
	LeafURL, Domain string
}

var (
	buildOnce sync.Once
	binary    string
	buildErr  error
)

// natsServer builds the nats-server command once per test binary.
func natsServer(t testing.TB) string {
	buildOnce.Do(func() {
		root := modroot.Dir()
		dir, err := os.MkdirTemp("", "vigil-nats-server")
		if err != nil {
			buildErr = err
			return
		}
		binary = filepath.Join(dir, "nats-server")
		cmd := exec.Command("go", "build", "-o", binary, "github.com/nats-io/nats-server/v2")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("build nats-server: %v: %s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binary
}

// StartCluster starts n servers on loopback ports and waits until
// JetStream has a meta leader. They are killed when the test ends.
func StartCluster(t testing.TB, n int) *Cluster {
	t.Helper()
	return start(t, n, "")
}

// StartHub is StartCluster with a JetStream domain and a leaf node port on
// every server, for vigil nodes in leaf mode.
func StartHub(t testing.TB, n int) *Cluster {
	t.Helper()
	return start(t, n, "vigilhub")
}

func start(t testing.TB, n int, domain string) *Cluster {
	// The ports are picked free and then released, so another test may
	// take one before nats-server binds it; a server that cannot bind
	// exits. Such a start is retried on fresh ports; anything else (or a
	// third collision) fails with what the servers printed.
	for attempt := 1; ; attempt++ {
		c, err := tryStart(t, n, domain)
		if err == nil {
			return c
		}
		if attempt == 3 || !errors.Is(err, errExited) {
			t.Fatalf("NATS cluster not ready: %v", err)
		}
		t.Logf("NATS cluster start %d failed, retrying on fresh ports: %v", attempt, err)
	}
}

var errExited = errors.New("a nats-server exited")

func tryStart(t testing.TB, n int, domain string) (*Cluster, error) {
	bin := natsServer(t)
	client, route, leaf := make([]string, n), make([]string, n), make([]string, n)
	for i := range n {
		client[i], route[i], leaf[i] = freeAddr(t), freeAddr(t), freeAddr(t)
	}
	c := &Cluster{t: t, Domain: domain}
	var urls, routes, leafs []string
	for i := range n {
		urls = append(urls, "nats://"+client[i])
		routes = append(routes, "nats://"+route[i])
		leafs = append(leafs, "nats-leaf://"+leaf[i])
	}
	c.URL = strings.Join(urls, ",")
	if domain != "" {
		c.LeafURL = strings.Join(leafs, ",")
	}
	var logs []*waittest.Buffer
	exited := make(chan int, n)
	for i := range n {
		name := fmt.Sprintf("vigil-test-%d", i)
		conf := fmt.Sprintf("server_name: %s\nlisten: %q\njetstream { store_dir: %q }\ncluster { name: vigil-test, listen: %q, routes: [%s] }\n",
			name, client[i], t.TempDir(), route[i], strings.Join(routes, ", "))
		if domain != "" {
			conf = fmt.Sprintf("server_name: %s\nlisten: %q\njetstream { store_dir: %q, domain: %s }\ncluster { name: vigil-test, listen: %q, routes: [%s] }\nleafnodes { listen: %q }\n",
				name, client[i], t.TempDir(), domain, route[i], strings.Join(routes, ", "), leaf[i])
		}
		if n == 1 { // a lone server: no cluster block (a cluster of one never elects)
			conf = strings.Join(slices.DeleteFunc(strings.Split(conf, "\n"), func(l string) bool { return strings.HasPrefix(l, "cluster ") }), "\n")
		}
		file := filepath.Join(t.TempDir(), name+".conf")
		if err := os.WriteFile(file, []byte(conf), 0o600); err != nil {
			t.Fatal(err)
		}
		out := &waittest.Buffer{}
		cmd := exec.Command(bin, "-c", file)
		cmd.Stdout, cmd.Stderr = out, out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		logs = append(logs, out)
		c.procs = append(c.procs, cmd)
		done := make(chan struct{})
		c.waited = append(c.waited, done)
		c.Names = append(c.Names, name)
		go func() {
			cmd.Wait() //nolint:errcheck // the exit is reported through exited
			close(done)
			exited <- i
		}()
	}
	t.Cleanup(func() {
		for i := range c.procs {
			c.Kill(i)
		}
	})
	deadline := time.Now().Add(60 * time.Second)
	for {
		err := c.ready()
		if err == nil {
			return c, nil
		}
		select {
		case i := <-exited:
			c.killAll()
			return nil, fmt.Errorf("%w: %s: %s", errExited, c.Names[i], tail(logs[i].String()))
		default:
		}
		if time.Now().After(deadline) {
			c.killAll()
			var b strings.Builder
			for i, l := range logs {
				fmt.Fprintf(&b, "\n%s: %s", c.Names[i], tail(l.String()))
			}
			return nil, fmt.Errorf("%v%s", err, b.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func (c *Cluster) killAll() {
	for i := range c.procs {
		c.Kill(i)
	}
}

// tail is the end of a server's output, enough to show why it failed.
func tail(s string) string {
	const max = 2000
	if len(s) > max {
		s = "..." + s[len(s)-max:]
	}
	return s
}

// ready checks that the cluster answers JetStream requests with a leader.
func (c *Cluster) ready() error {
	nc, err := nats.Connect(c.URL, nats.Timeout(time.Second))
	if err != nil {
		return err
	}
	defer nc.Close()
	m, err := nc.Request("$JS.API.INFO", nil, 2*time.Second)
	if err != nil {
		return err
	}
	if strings.Contains(string(m.Data), `"error"`) {
		return fmt.Errorf("%s", m.Data)
	}
	return nil
}

// Kill ends server i with SIGKILL and waits until it is gone.
func (c *Cluster) Kill(i int) {
	c.procs[i].Process.Signal(syscall.SIGKILL) //nolint:errcheck // already gone is fine
	<-c.waited[i]
}

func freeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}
