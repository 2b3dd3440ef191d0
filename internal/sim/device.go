// Package sim simulates cameras and NVRs: each connects to vigil's MQTT
// listener with its own credential, reports info, events and heartbeats,
// applies the settings vigil pushes to its shadows, and takes firmware
// offers. Tests use it as a real device; `vigil sim` uses it for load, with
// the MQTT load generator (mqttload.go) and the alarm load sink (loadsink.go).
package sim

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"
)

// Config says how a simulated device behaves.
type Config struct {
	// URL is the MQTT address from the device credential (mqtt:// or mqtts://).
	URL string
	// DeviceID and Secret are the device credential.
	DeviceID, Secret string
	// Channels is the number of NVR channels (0 for a camera).
	Channels int
	// Firmware is the version the device runs.
	Firmware string
	// Apply makes the device apply pushed settings and report them.
	Apply bool
	// Upgrade makes the device install firmware it is offered.
	Upgrade bool
	// TLS is used for mqtts:// URLs.
	TLS *tls.Config
}

// Shadow is the settings state vigil pushed for one channel.
type Shadow struct {
	Version int64                      `json:"version"`
	Desired map[string]json.RawMessage `json:"desired"`
	Delta   map[string]json.RawMessage `json:"delta"`
}

// Offer is a firmware offer vigil pushed.
type Offer struct {
	ReleaseID string `json:"release_id"`
	Version   string `json:"version"`
	SHA256    string `json:"sha256"`
	Install   bool   `json:"install"`
}

// Device is one simulated camera or NVR.
type Device struct {
	cfg    Config
	client mqtt.Client

	mu       sync.Mutex
	firmware string
	shadows  map[int]Shadow
	offers   []Offer
	notify   chan struct{}
}

// brokerURL turns the credential's mqtt(s):// URL into paho's form.
func brokerURL(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "", fmt.Errorf("sim: bad MQTT URL %q", raw)
	}
	switch u.Scheme {
	case "mqtt", "tcp":
		return "tcp://" + u.Host, nil
	case "mqtts", "ssl", "tls":
		return "ssl://" + u.Host, nil
	}
	return "", fmt.Errorf("sim: MQTT URL %q: want mqtt:// or mqtts://", raw)
}

// Options returns the paho options of a device: its credential as user
// name and password, its ID as client ID, a clean session, and a last will
// that tells vigil it went offline. A device needs no persistent session:
// what it missed while offline (settings, firmware offers) it asks for when
// it connects, so the broker keeps no per-device state.
func (c Config) Options() (*mqtt.ClientOptions, error) {
	broker, err := brokerURL(c.URL)
	if err != nil {
		return nil, err
	}
	will, _ := json.Marshal(map[string]bool{"online": false})
	o := mqtt.NewClientOptions().AddBroker(broker).SetClientID(c.DeviceID).
		SetUsername(c.DeviceID).SetPassword(c.Secret).SetCleanSession(true).
		SetAutoReconnect(false).SetConnectRetry(false).SetConnectTimeout(10*time.Second).
		SetOrderMatters(false).SetBinaryWill(c.topic("up/state"), will, 1, false)
	if c.TLS != nil {
		o.SetTLSConfig(c.TLS)
	}
	return o, nil
}

func (c Config) topic(rest string) string { return "dev/" + c.DeviceID + "/" + rest }

// Connect connects the device, subscribes to its downlink, says it is
// online and asks for its settings and for firmware.
func Connect(ctx context.Context, cfg Config) (*Device, error) {
	d := &Device{cfg: cfg, firmware: cfg.Firmware, shadows: map[int]Shadow{}, notify: make(chan struct{}, 1)}
	o, err := cfg.Options()
	if err != nil {
		return nil, err
	}
	d.client = mqtt.NewClient(o)
	if err := wait(ctx, d.client.Connect()); err != nil {
		return nil, fmt.Errorf("sim: device %s: connect: %w", cfg.DeviceID, err)
	}
	// QoS 0: a QoS 1 subscription costs the broker a JetStream consumer
	// per device, and nothing is lost that the device does not ask for
	// again on its next connection.
	if err := wait(ctx, d.client.Subscribe(cfg.topic("down/#"), 0, d.onDown)); err != nil {
		d.client.Disconnect(0)
		return nil, fmt.Errorf("sim: device %s: subscribe: %w", cfg.DeviceID, err)
	}
	if err := d.hello(ctx); err != nil {
		d.client.Disconnect(0)
		return nil, err
	}
	return d, nil
}

func (d *Device) hello(ctx context.Context) error {
	if err := d.Publish(ctx, "state", map[string]bool{"online": true}); err != nil {
		return err
	}
	for ch := 0; ch <= d.cfg.Channels; ch++ {
		if err := d.Publish(ctx, channelTopic(ch, "shadow/get"), struct{}{}); err != nil {
			return err
		}
	}
	return d.Publish(ctx, "firmware/get", struct{}{})
}

func wait(ctx context.Context, t mqtt.Token) error {
	select {
	case <-t.Done():
		return t.Error()
	case <-ctx.Done():
		return ctx.Err()
	}
}

func channelTopic(ch int, kind string) string {
	if ch == 0 {
		return kind
	}
	return "ch/" + strconv.Itoa(ch) + "/" + kind
}

// ID returns the device ID.
func (d *Device) ID() string { return d.cfg.DeviceID }

// Connected reports whether the MQTT connection is up.
func (d *Device) Connected() bool { return d.client.IsConnectionOpen() }

// Publish sends v as JSON on dev/<id>/up/<topic> at QoS 1 and waits for
// the broker's acknowledgement.
func (d *Device) Publish(ctx context.Context, topic string, v any) error {
	b, ok := v.([]byte)
	if !ok {
		var err error
		if b, err = json.Marshal(v); err != nil {
			return err
		}
	}
	return d.PublishRaw(ctx, d.cfg.topic("up/"+topic), b)
}

// PublishRaw sends payload on any topic at QoS 1, for tests of what vigil
// refuses.
func (d *Device) PublishRaw(ctx context.Context, topic string, payload []byte) error {
	if err := wait(ctx, d.client.Publish(topic, 1, false, payload)); err != nil {
		return fmt.Errorf("sim: device %s: publish %s: %w", d.cfg.DeviceID, topic, err)
	}
	return nil
}

// Subscribe subscribes to any topic, for tests of what vigil refuses. It
// returns the granted QoS (0x80 when refused).
func (d *Device) Subscribe(ctx context.Context, topic string, fn func(topic string, payload []byte)) (byte, error) {
	t := d.client.Subscribe(topic, 1, func(_ mqtt.Client, m mqtt.Message) { fn(m.Topic(), m.Payload()) })
	if err := wait(ctx, t); err != nil {
		return 0, err
	}
	st, _ := t.(*mqtt.SubscribeToken)
	if st == nil {
		return 0, nil
	}
	return st.Result()[topic], nil
}

func (d *Device) onDown(_ mqtt.Client, m mqtt.Message) {
	rest := strings.TrimPrefix(m.Topic(), d.cfg.topic("down/"))
	ch := 0
	if r, ok := strings.CutPrefix(rest, "ch/"); ok {
		n, kind, _ := strings.Cut(r, "/")
		ch, _ = strconv.Atoi(n)
		rest = kind
	}
	switch rest {
	case "shadow/desired":
		var sh Shadow
		if json.Unmarshal(m.Payload(), &sh) != nil {
			return
		}
		d.mu.Lock()
		if cur, ok := d.shadows[ch]; !ok || sh.Version >= cur.Version {
			d.shadows[ch] = sh
		}
		d.mu.Unlock()
		if d.cfg.Apply && len(sh.Delta) > 0 {
			go d.Publish(context.Background(), channelTopic(ch, "shadow/reported"), map[string]any{"reported": sh.Desired}) //nolint:errcheck // reported again on the next push
		}
	case "firmware/offer":
		var o Offer
		if json.Unmarshal(m.Payload(), &o) != nil {
			return
		}
		d.mu.Lock()
		d.offers = append(d.offers, o)
		d.mu.Unlock()
		if d.cfg.Upgrade {
			go d.upgrade(o)
		}
	}
	select {
	case d.notify <- struct{}{}:
	default:
	}
}

func (d *Device) upgrade(o Offer) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	d.mu.Lock()
	d.firmware = o.Version
	d.mu.Unlock()
	if d.Publish(ctx, "event", map[string]string{"kind": "upgrade", "code": "ok", "version": o.Version}) == nil {
		d.Publish(ctx, "info", map[string]string{"firmware_version": o.Version}) //nolint:errcheck // reported again later
	}
}

// Shadow returns the last settings vigil pushed for a channel.
func (d *Device) Shadow(ch int) (Shadow, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	s, ok := d.shadows[ch]
	return s, ok
}

// Offers returns the firmware offers received.
func (d *Device) Offers() []Offer {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]Offer(nil), d.offers...)
}

// Firmware returns the version the device runs.
func (d *Device) Firmware() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.firmware
}

// WaitFor waits until cond holds, checking after each downlink message
// and every 100 ms, or ctx ends.
func (d *Device) WaitFor(ctx context.Context, cond func(*Device) bool) error {
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for !cond(d) {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-d.notify:
		case <-t.C:
		}
	}
	return nil
}

// Close disconnects cleanly (the last will is not sent) after saying the
// device goes offline.
func (d *Device) Close() {
	if d.client.IsConnectionOpen() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		d.Publish(ctx, "state", map[string]bool{"online": false}) //nolint:errcheck // best effort
		cancel()
	}
	d.client.Disconnect(250)
}

// Drop disconnects at once without saying the device goes offline.
func (d *Device) Drop() { d.client.Disconnect(0) }
