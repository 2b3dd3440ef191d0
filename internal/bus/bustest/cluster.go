package bustest

import (
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
)

// Cluster is a NATS cluster with JetStream of real nats-server processes
// (the version vigil embeds, built from the module cache), for tests that
// kill one.
type Cluster struct {
	t     testing.TB
	URL   string // every server's client URL, comma-separated, for bus.url
	Names []string
	procs []*exec.Cmd
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
		cmd := exec.Command(bin, "-c", file)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		c.procs = append(c.procs, cmd)
		c.Names = append(c.Names, name)
	}
	t.Cleanup(func() {
		for i := range c.procs {
			c.Kill(i)
		}
	})
	deadline := time.Now().Add(60 * time.Second)
	for {
		if err := c.ready(); err == nil {
			return c
		} else if time.Now().After(deadline) {
			t.Fatalf("NATS cluster not ready: %v", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
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

// Kill ends server i with SIGKILL.
func (c *Cluster) Kill(i int) {
	p := c.procs[i]
	if p.ProcessState != nil {
		return
	}
	p.Process.Signal(syscall.SIGKILL) //nolint:errcheck // already gone is fine
	p.Wait()                          //nolint:errcheck // killed
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
