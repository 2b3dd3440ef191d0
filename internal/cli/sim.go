package cli

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/vigil-cloud/vigil/internal/app"
	"github.com/vigil-cloud/vigil/internal/bus"
	"github.com/vigil-cloud/vigil/internal/config"
	"github.com/vigil-cloud/vigil/internal/device"
	"github.com/vigil-cloud/vigil/internal/sim"
)

const simUsage = `usage: vigil sim --token vt_... [--url http://127.0.0.1:8080] [--data DIR | --config FILE] [flags]

Registers simulated cameras (and NVRs) in the manufacture registry of the
vigil whose data directory or configuration you name, claims them into the
account of the API token's user over the API, connects them over MQTT and
has them report heartbeats, events and info. It prints the messages the
broker acknowledged per second, and the messages vigil stored per second.
`

type simFlags struct {
	url, token                   string
	devices, nvrEvery, inflight  int
	connectRate                  int
	rate                         float64
	duration                     time.Duration
	insecure, compareBare, apply bool
}

func simCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("sim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, simUsage); fs.PrintDefaults() }
	var cf configFlags
	cf.register(fs, false)
	var f simFlags
	fs.StringVar(&f.url, "url", "http://127.0.0.1:8080", "vigil's address")
	fs.StringVar(&f.token, "token", os.Getenv("VIGIL_SIM_TOKEN"), "API token of the customer user whose account gets the devices (or VIGIL_SIM_TOKEN)")
	fs.IntVar(&f.devices, "devices", 100, "simulated devices")
	fs.IntVar(&f.nvrEvery, "nvr-every", 10, "every n-th device is an 8-channel NVR (0: cameras only)")
	fs.Float64Var(&f.rate, "rate", 1, "messages per second per device; 0 sends as fast as the broker acknowledges")
	fs.IntVar(&f.inflight, "inflight", 1, "unacknowledged messages per device")
	fs.DurationVar(&f.duration, "duration", 30*time.Second, "how long devices publish")
	fs.IntVar(&f.connectRate, "connect-rate", 500, "new MQTT connections per second")
	fs.BoolVar(&f.apply, "apply", true, "devices apply pushed settings and install offered firmware")
	fs.BoolVar(&f.insecure, "insecure", false, "accept vigil's certificate without checking it (self-signed)")
	fs.BoolVar(&f.compareBare, "compare-bare", false, "also measure 100 devices flat out against vigil and against a bare broker")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if f.token == "" || f.devices < 1 {
		fs.Usage()
		return errors.New("--token and --devices are required")
	}
	cfg, err := cf.load()
	if err != nil {
		return err
	}
	made, err := simRegister(ctx, cfg, f, stderr)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "registered %d devices\n", len(made))
	api := &simAPI{base: strings.TrimRight(f.url, "/"), token: f.token, hc: &http.Client{Timeout: 30 * time.Second}}
	if f.insecure {
		api.hc.Transport = &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}} //nolint:gosec // asked for by --insecure
	}
	members, err := api.claimAll(ctx, made)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "claimed %d devices; MQTT at %s\n", len(members), members[0].URL)
	var tlsConf *tls.Config
	if f.insecure {
		tlsConf = &tls.Config{InsecureSkipVerify: true} //nolint:gosec // asked for by --insecure
	}
	before, err := api.ingested(ctx)
	if err != nil {
		return err
	}
	start := time.Now()
	rep, err := sim.RunFleet(ctx, sim.FleetConfig{Members: members, Rate: f.rate, InFlight: f.inflight, Duration: f.duration,
		ConnectRate: f.connectRate, Apply: f.apply, Upgrade: f.apply, TLS: tlsConf, Progress: stdout})
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, rep)
	stored, lastAt, err := api.waitIngest(ctx, before)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "vigil stored %d device messages (including connection hellos) in %s = %.0f msg/s end to end\n",
		stored, lastAt.Sub(start).Round(time.Millisecond), float64(stored)/lastAt.Sub(start).Seconds())
	if f.compareBare {
		return compareBare(ctx, members, tlsConf != nil, stdout)
	}
	return nil
}

// simRegister enters the simulated devices in the manufacture registry,
// as the vendor's factory import would.
func simRegister(ctx context.Context, cfg config.Config, f simFlags, stderr io.Writer) ([]device.Manufactured, error) {
	a, err := app.New(ctx, cfg, app.Options{Log: newLogger(cfg, stderr), KEKEnv: os.Getenv("VIGIL_KEK"), Offline: true})
	if err != nil {
		return nil, err
	}
	defer a.Close()
	tag := randomTag()
	in := make([]device.Manufactured, f.devices)
	for i := range in {
		model := "vc-100"
		if f.nvrEvery > 0 && i%f.nvrEvery == f.nvrEvery-1 {
			model = "vn-800"
		}
		in[i] = device.Manufactured{Serial: fmt.Sprintf("SIM-%s-%06d", tag, i), Model: model, ClaimCode: fmt.Sprintf("SIM%s%06d", tag, i)}
	}
	for lo := 0; lo < len(in); lo += 10000 {
		if _, err := a.Devices.RegisterManufactured(ctx, "vigil sim", in[lo:min(lo+10000, len(in))]); err != nil {
			return nil, err
		}
	}
	return in, nil
}

type simAPI struct {
	base, token string
	hc          *http.Client
}

func (a *simAPI) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, _ := json.Marshal(in)
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, a.base+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+a.token)
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := a.hc.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if res.StatusCode >= 300 {
		return fmt.Errorf("%s %s: %s: %s", method, path, res.Status, bytes.TrimSpace(b))
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}

func (a *simAPI) claimAll(ctx context.Context, made []device.Manufactured) ([]sim.Member, error) {
	var accts struct {
		Accounts []struct{ ID string } `json:"accounts"`
	}
	if err := a.do(ctx, "GET", "/api/v1/me/accounts", nil, &accts); err != nil {
		return nil, err
	}
	if len(accts.Accounts) == 0 {
		return nil, errors.New("the token's user has no account")
	}
	acct := accts.Accounts[0].ID
	members := make([]sim.Member, len(made))
	jobs := make(chan int)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				var res struct {
					Device     device.Device     `json:"device"`
					Credential device.Credential `json:"credential"`
				}
				err := a.do(ctx, "POST", "/api/v1/accounts/"+acct+"/devices/claim", device.ClaimInput{
					Serial: made[i].Serial, ClaimCode: made[i].ClaimCode, Name: "sim " + strconv.Itoa(i)}, &res)
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
				}
				mu.Unlock()
				members[i] = sim.Member{DeviceID: res.Credential.DeviceID, Secret: res.Credential.Secret,
					URL: res.Credential.MQTTURL, Channels: res.Device.Channels}
			}
		}()
	}
	for i := range made {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	return members, firstErr
}

// ingested reads vigil's count of device messages handled.
func (a *simAPI) ingested(ctx context.Context) (float64, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", a.base+"/metrics", nil)
	if err != nil {
		return 0, err
	}
	res, err := a.hc.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	var total float64
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "vigil_ingest_messages_total{") {
			continue
		}
		if v, err := strconv.ParseFloat(line[strings.LastIndexByte(line, ' ')+1:], 64); err == nil {
			total += v
		}
	}
	return total, sc.Err()
}

// waitIngest waits until vigil's ingest count stops growing and returns
// how many messages it handled since before, and when the last arrived.
func (a *simAPI) waitIngest(ctx context.Context, before float64) (int64, time.Time, error) {
	last, lastAt := before, time.Now()
	for time.Since(lastAt) < 3*time.Second {
		select {
		case <-ctx.Done():
			return 0, lastAt, ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
		n, err := a.ingested(ctx)
		if err != nil {
			return 0, lastAt, err
		}
		if n > last {
			last, lastAt = n, time.Now()
		}
	}
	return int64(last - before), lastAt, nil
}

// compareBare runs the same flat-out load against vigil's broker and
// against a bare one in this process.
func compareBare(ctx context.Context, members []sim.Member, useTLS bool, w io.Writer) error {
	if useTLS {
		return errors.New("--compare-bare measures plain MQTT; run it against a loopback vigil without TLS")
	}
	n := min(len(members), 100)
	const inflight, msgs = 10, 200
	addr := strings.TrimPrefix(members[0].URL, "mqtt://")
	edge, err := bus.LoadMQTT(ctx, addr, n, inflight, msgs, func(i int) (string, string, string) {
		return members[i].DeviceID, members[i].DeviceID, members[i].Secret
	})
	if err != nil {
		return fmt.Errorf("vigil broker: %w", err)
	}
	dir, err := os.MkdirTemp("", "vigil-bare-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	bareAddr, stop, err := bus.StartBare(dir)
	if err != nil {
		return err
	}
	defer stop()
	bare, err := bus.LoadMQTT(ctx, bareAddr, n, inflight, msgs, func(i int) (string, string, string) {
		return members[i].DeviceID, "", ""
	})
	if err != nil {
		return fmt.Errorf("bare broker: %w", err)
	}
	fmt.Fprintf(w, "flat out, %d clients x %d in flight, QoS 1: vigil (auth + ACL + capture) %.0f msg/s, bare broker %.0f msg/s, ratio %.2f\n",
		n, inflight, edge.PerSec, bare.PerSec, edge.PerSec/bare.PerSec)
	return nil
}

func randomTag() string {
	b := make([]byte, 4)
	rand.Read(b) //nolint:errcheck // crypto/rand does not fail
	return strings.ToUpper(hex.EncodeToString(b))
}
