package cli

import (
	"bufio"
	"cmp"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/vigil-cloud/vigil/internal/app"
	"github.com/vigil-cloud/vigil/internal/config"
	"github.com/vigil-cloud/vigil/internal/device"
	"github.com/vigil-cloud/vigil/internal/sim"
)

const simUsage = `usage: vigil sim --token vt_... [--url http://127.0.0.1:8080] [--data DIR | --config FILE] [flags]

Registers simulated cameras (and NVRs) in the manufacture registry of the
vigil whose data directory or configuration you name, claims them into the
account of the API token's user (as that user, through the access gate),
connects them over MQTT and has them report heartbeats, events and info. It prints the messages the
broker acknowledged per second, and the messages vigil stored per second.

With --alarms R the devices instead publish R alarms per second between
them, each carrying its send time, and the command reports the alarms vigil
accepted (PUBACK) and, with --receiver, the alarm -> notification latency
p50/p99 measured where the notifications arrive: start vigil with
alarm.load_sink_url (VIGIL_ALARM_LOAD_SINK) set to the receiver's URL, or
register the receiver as the account's webhook.
`

type simFlags struct {
	url, token, mqtt             string
	devices, nvrEvery, inflight  int
	connectRate                  int
	rate                         float64
	duration                     time.Duration
	insecure, compareBare, apply bool
	// Video: cameras publishing the embedded clip over RTSP.
	streams, measurePID int
	printRTSP           bool
	rtsp                string
	alarms              float64
	receiver            string
}

func simCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("sim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, simUsage); fs.PrintDefaults() }
	var cf configFlags
	cf.register(fs, false)
	var f simFlags
	fs.StringVar(&f.url, "url", "http://127.0.0.1:8080", "vigil's address")
	fs.StringVar(&f.mqtt, "mqtt", "", "MQTT address devices connect to (default: from the configuration)")
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
	fs.IntVar(&f.streams, "streams", 0, "video: this many cameras publish a 2 Mbit/s H.264+AAC clip over RTSP in a loop (instead of MQTT messages)")
	fs.StringVar(&f.rtsp, "rtsp", "", "video: vigil's RTSP address (default: from the configuration)")
	fs.IntVar(&f.measurePID, "measure-pid", 0, "video: report the CPU and memory of this process (vigil serve) while the streams run")
	fs.BoolVar(&f.printRTSP, "print-rtsp", false, "video: enrol the cameras and print each one's RTSP publish URL (with its credential) instead of publishing, for other publishers such as ffmpeg")
	fs.Float64Var(&f.alarms, "alarms", 0, "publish this many alarms per second across the devices instead of the usual messages")
	fs.StringVar(&f.receiver, "receiver", "", "with --alarms: listen here (host:port) for notifications and measure alarm -> notification latency")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if f.streams > 0 {
		f.devices, f.nvrEvery = f.streams, 0
	}
	if f.token == "" || f.devices < 1 {
		fs.Usage()
		return errors.New("--token and --devices are required")
	}
	cfg, err := cf.load()
	if err != nil {
		return err
	}
	members, err := simEnrol(ctx, cfg, f, stderr)
	if err != nil {
		return err
	}
	if f.streams > 0 && f.printRTSP {
		return printRTSP(cfg, f, members, stdout)
	}
	if f.streams > 0 {
		return simVideo(ctx, cfg, f, members, stdout)
	}
	fmt.Fprintf(stdout, "registered and claimed %d devices; MQTT at %s\n", len(members), members[0].URL)
	api := &simAPI{base: strings.TrimRight(f.url, "/"), hc: &http.Client{Timeout: 30 * time.Second}}
	if f.insecure {
		api.hc.Transport = &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}} //nolint:gosec // asked for by --insecure
	}
	var tlsConf *tls.Config
	if f.insecure {
		tlsConf = &tls.Config{InsecureSkipVerify: true} //nolint:gosec // asked for by --insecure
	}
	if f.alarms > 0 {
		return simAlarms(ctx, members, f, tlsConf, stdout)
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

// simEnrol enters the simulated devices in the manufacture registry, as
// the vendor's factory import would, and claims them into the account of
// the token's user, as that user (through the access gate, like the API).
// It works on the data directory or configuration of the running vigil,
// so that a large fleet is not held back by the per-address limit on
// claims.
func simEnrol(ctx context.Context, cfg config.Config, f simFlags, stderr io.Writer) ([]sim.Member, error) {
	a, err := app.New(ctx, cfg, app.Options{Log: newLogger(cfg, stderr), KEKEnv: os.Getenv("VIGIL_KEK"), Offline: true})
	if err != nil {
		return nil, err
	}
	defer a.Close()
	auth, err := a.Accounts.Authenticate(ctx, f.token, "127.0.0.1", "vigil sim")
	if err != nil {
		return nil, fmt.Errorf("--token: %w", err)
	}
	accts, err := a.Accounts.MyAccounts(ctx, auth.Principal)
	if err != nil {
		return nil, err
	}
	if len(accts) == 0 {
		return nil, errors.New("the token's user has no account")
	}
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
	mqttURL := cmp.Or(f.mqtt, cfg.Bus.MQTTPublicURL)
	if mqttURL == "" {
		scheme := "mqtt"
		if cfg.TLS.Enabled() {
			scheme = "mqtts"
		}
		mqttURL = scheme + "://" + cfg.Bus.MQTTListen
	}
	members := make([]sim.Member, len(in))
	for i, m := range in {
		d, cred, err := a.Devices.Claim(ctx, auth.Principal, accts[0].ID, device.ClaimInput{Serial: m.Serial, ClaimCode: m.ClaimCode, Name: "sim " + strconv.Itoa(i)})
		if err != nil {
			return nil, fmt.Errorf("claim %s: %w", m.Serial, err)
		}
		members[i] = sim.Member{DeviceID: cred.DeviceID, Secret: cred.Secret, URL: mqttURL, Channels: d.Channels}
	}
	return members, nil
}

type simAPI struct {
	base string
	hc   *http.Client
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
	edge, err := sim.LoadMQTT(ctx, addr, n, inflight, msgs, func(i int) (string, string, string) {
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
	bareAddr, stop, err := sim.StartBare(dir)
	if err != nil {
		return err
	}
	defer stop()
	bare, err := sim.LoadMQTT(ctx, bareAddr, n, inflight, msgs, func(i int) (string, string, string) {
		return members[i].DeviceID, "", ""
	})
	if err != nil {
		return fmt.Errorf("bare broker: %w", err)
	}
	fmt.Fprintf(w, "flat out, %d clients x %d in flight, QoS 1: vigil (auth + ACL + capture) %.0f msg/s, bare broker %.0f msg/s, ratio %.2f\n",
		n, inflight, edge.PerSec, bare.PerSec, edge.PerSec/bare.PerSec)
	return nil
}

// simAlarms runs the alarm load and prints its report.
func simAlarms(ctx context.Context, members []sim.Member, f simFlags, tlsConf *tls.Config, w io.Writer) error {
	c := sim.AlarmConfig{Members: members, Rate: f.alarms, Duration: f.duration, TLS: tlsConf, Tag: randomTag()}
	if f.receiver != "" {
		r, err := sim.Listen(f.receiver)
		if err != nil {
			return fmt.Errorf("--receiver: %w", err)
		}
		defer r.Close()
		c.Receiver = r
		fmt.Fprintf(w, "receiving notifications at %s\n", r.URL())
	}
	rep, err := sim.RunAlarms(ctx, c)
	if err != nil {
		return err
	}
	fmt.Fprintln(w, rep)
	return nil
}

func randomTag() string {
	b := make([]byte, 4)
	rand.Read(b) //nolint:errcheck // crypto/rand does not fail
	return strings.ToUpper(hex.EncodeToString(b))
}
