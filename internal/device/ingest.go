package device

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/id"
	"github.com/vigil-cloud/vigil/internal/netaddr"
)

// Uplink is one message a device published under its own topic tree.
type Uplink struct {
	DeviceID string
	// Topic is the part after dev/<deviceID>/up/, e.g. "info" or
	// "ch/2/shadow/reported".
	Topic    string
	Payload  []byte
	Received time.Time
	// Node is the vigil node whose listener the device is connected to;
	// when that node dies, the others mark the device offline.
	Node string
}

// maxPayload bounds every uplink message; error reports may be larger.
const (
	maxPayload       = 16 << 10
	maxReportPayload = 64 << 10
)

// value checks one field of a message and returns its stored form.
type value func(json.RawMessage) (any, error)

// spec says which fields a topic accepts, each checked by a value
// function. Every accepted field must be a field of the topic's category
// in the data map: New refuses to start otherwise.
type spec struct {
	category datamap.CategoryID
	fields   map[string]value
	max      int
}

func (sp spec) declaredIn(reg *datamap.Registry) error {
	c, ok := reg.Category(sp.category)
	if !ok {
		return fmt.Errorf("category %s is not declared", sp.category)
	}
	for f := range sp.fields {
		if _, ok := c.Field(f); !ok {
			return fmt.Errorf("field %q is not declared in %s", f, sp.category)
		}
	}
	return nil
}

func text(max int) value {
	return func(raw json.RawMessage) (any, error) {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, fmt.Errorf("want a string")
		}
		if utf8.RuneCountInString(s) > max || strings.ContainsAny(s, "\x00\r\n") {
			return nil, fmt.Errorf("want at most %d characters on one line", max)
		}
		return s, nil
	}
}

func oneOf(options ...string) value {
	return func(raw json.RawMessage) (any, error) {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil || !slices.Contains(options, s) {
			return nil, fmt.Errorf("want one of %s", strings.Join(options, ", "))
		}
		return s, nil
	}
}

func boolean(raw json.RawMessage) (any, error) {
	var b bool
	if err := json.Unmarshal(raw, &b); err != nil {
		return nil, fmt.Errorf("want true or false")
	}
	return b, nil
}

func timestamp(raw json.RawMessage) (any, error) {
	var t time.Time
	if err := json.Unmarshal(raw, &t); err != nil {
		return nil, fmt.Errorf("want an RFC 3339 time")
	}
	return t, nil
}

func object(raw json.RawMessage) (any, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		return nil, fmt.Errorf("want an object")
	}
	return m, nil
}

// The uplink topics and what each may carry. Topics under ch/<n>/ concern
// an NVR's channel n and accept the same fields.
var uplinkSpecs = map[string]spec{
	"info": {category: datamap.DeviceInfo, max: maxPayload, fields: map[string]value{
		"name": text(64), "serial": text(40), "model": text(40),
		"firmware_version": text(32), "app_version": text(32), "software_id": text(64),
		"region": text(16), "language": text(16), "time_zone": text(64), "font": text(32),
	}},
	"event": {category: datamap.DeviceEvent, max: maxPayload, fields: map[string]value{
		"id": text(64), "kind": oneOf("error", "crash", "restart", "upgrade"), "code": text(64), "version": text(32), "at": timestamp,
	}},
	"heartbeat":       {category: datamap.DeviceInfo, max: maxPayload, fields: map[string]value{}},
	"state":           {category: datamap.DeviceInfo, max: maxPayload, fields: map[string]value{"online": boolean}},
	"shadow/reported": {category: datamap.DeviceConfig, max: maxPayload, fields: map[string]value{"reported": object}},
	"shadow/get":      {category: datamap.DeviceConfig, max: maxPayload, fields: map[string]value{}},
	"firmware/get":    {category: datamap.DeviceInfo, max: maxPayload, fields: map[string]value{}},
	"report": {category: datamap.DeviceErrorReport, max: maxReportPayload, fields: map[string]value{
		"kind": oneOf("crash", "error"), "body": text(maxReportPayload),
	}},
	"alarm": alarmSpec,
}

// channelTopics are the topics an NVR may send for one channel.
var channelTopics = []string{"event", "shadow/reported", "shadow/get", "alarm"}

// parseTopic splits "ch/<n>/<kind>" into the channel and the kind.
func parseTopic(topic string) (kind string, channel int, err error) {
	if rest, ok := strings.CutPrefix(topic, "ch/"); ok {
		n, kind, _ := strings.Cut(rest, "/")
		ch, err := strconv.Atoi(n)
		if err != nil || ch < 1 || ch > 256 || n != strconv.Itoa(ch) || !slices.Contains(channelTopics, kind) {
			return "", 0, errs.E(errs.Invalid, "unknown topic")
		}
		return kind, ch, nil
	}
	if _, ok := uplinkSpecs[topic]; !ok {
		return "", 0, errs.E(errs.Invalid, "unknown topic")
	}
	return topic, 0, nil
}

// decoded is a message after minimisation.
type decoded struct {
	kind    string
	channel int
	fields  map[string]any
	dropped []string
}

// decode parses and minimises one message: fields the topic's spec does not
// name are dropped (and reported), and a malformed, oversized or invalid
// message is an errs.Invalid or errs.TooLarge error.
func decode(topic string, payload []byte) (decoded, error) {
	kind, ch, err := parseTopic(topic)
	if err != nil {
		return decoded{}, err
	}
	sp := uplinkSpecs[kind]
	if len(payload) > sp.max {
		return decoded{}, errs.E(errs.TooLarge, "message larger than %d bytes", sp.max)
	}
	var raw map[string]json.RawMessage
	if len(bytes.TrimSpace(payload)) == 0 {
		raw = map[string]json.RawMessage{}
	} else if err := json.Unmarshal(payload, &raw); err != nil || raw == nil {
		return decoded{}, errs.E(errs.Invalid, "payload is not a JSON object")
	}
	out := decoded{kind: kind, channel: ch, fields: map[string]any{}}
	for name, v := range raw {
		check, ok := sp.fields[name]
		if !ok {
			out.dropped = append(out.dropped, name)
			continue
		}
		if isNull(v) {
			continue
		}
		val, err := check(v)
		if err != nil {
			return decoded{}, errs.E(errs.Invalid, "field %s: %v", name, err)
		}
		out.fields[name] = val
	}
	slices.Sort(out.dropped)
	return out, nil
}

// result of one message, for metrics.
const (
	resultStored      = "stored"
	resultMalformed   = "rejected_malformed"
	resultTooLarge    = "rejected_too_large"
	resultUnknown     = "rejected_unknown_device"
	resultNotOptedIn  = "refused_not_opted_in"
	resultBadChannel  = "rejected_bad_channel"
	resultWrongDevice = "rejected_identity_mismatch"
)

// after is work to do once the batch is committed: messages to devices.
type after func(ctx context.Context)

// Ingest stores a batch of device messages in one transaction and returns
// one error per message: nil when it was stored, an errs.Invalid,
// errs.TooLarge or errs.Forbidden error when it was rejected (the bus must
// not redeliver it), or the transaction's error for every message when the
// batch could not be committed (the bus redelivers).
func (s *Service) Ingest(ctx context.Context, batch []Uplink) []error {
	results := make([]error, len(batch))
	labels := make([][2]string, len(batch))
	var todo []after
	var alarms []Alarm
	err := s.store.Ingest(ctx, func(tx IngestTx) error {
		todo, alarms = todo[:0], alarms[:0]
		for i, m := range batch {
			kind, result, err := s.ingestOne(ctx, tx, m, &todo, &alarms)
			if err != nil && !rejected(err) {
				return err
			}
			results[i], labels[i] = err, [2]string{kind, result}
		}
		return nil
	})
	if err != nil {
		for i := range results {
			results[i] = err
		}
		return results
	}
	for _, l := range labels {
		s.metrics.messages.WithLabelValues(l[0], l[1]).Inc()
	}
	if len(alarms) > 0 && s.alarms != nil {
		s.alarms.Accepted(ctx, alarms)
	}
	if len(todo) > 0 {
		// Replies to devices do not hold up the next batch; each carries
		// its version, so a device can tell an older one.
		work := slices.Clone(todo)
		s.replies.Go(func() {
			for _, f := range work {
				f(context.WithoutCancel(ctx))
			}
		})
	}
	return results
}

// rejected reports whether err rejects one message, as opposed to failing
// the batch.
func rejected(err error) bool {
	switch errs.CodeOf(err) {
	case errs.Invalid, errs.TooLarge, errs.Forbidden, errs.NotFound:
		return true
	}
	return false
}

func resultOf(err error) string {
	if errs.CodeOf(err) == errs.TooLarge {
		return resultTooLarge
	}
	return resultMalformed
}

func (s *Service) ingestOne(ctx context.Context, tx IngestTx, m Uplink, todo *[]after, alarms *[]Alarm) (kind, result string, err error) {
	dev, err := tx.Device(m.DeviceID)
	if err != nil {
		if errs.Is(err, errs.NotFound) {
			return "unknown", resultUnknown, err
		}
		return "unknown", "", err
	}
	if dev.AccountID == "" {
		// A released device has no owner to collect data for.
		return "unknown", resultUnknown, errs.E(errs.NotFound, "device is not claimed")
	}
	d, err := decode(m.Topic, m.Payload)
	if err != nil {
		kind, _, _ := parseTopic(m.Topic)
		if kind == "" {
			kind = "unknown"
		}
		return kind, resultOf(err), s.reject(tx, dev.ID, err)
	}
	if d.channel > dev.Channels {
		return d.kind, resultBadChannel, s.reject(tx, dev.ID, errs.E(errs.Invalid, "channel %d does not exist on this device", d.channel))
	}
	if n := len(d.dropped); n > 0 {
		s.metrics.dropped.WithLabelValues(string(uplinkSpecs[d.kind].category)).Add(float64(n))
	}
	dropped := len(d.dropped)
	switch d.kind {
	case "info":
		err = s.ingestInfo(ctx, tx, dev, d)
	case "event":
		err = s.ingestEvent(tx, dev, d, m.Received)
	case "heartbeat", "state":
		online := true
		if v, ok := d.fields["online"].(bool); ok {
			online = v
		}
		var was bool
		if was, err = tx.Seen(dev.ID, online, m.Node); err == nil && online && !was {
			// Back online: hand it what it missed.
			*todo = append(*todo, func(ctx context.Context) { s.catchUp(ctx, dev) })
		}
	case "shadow/reported":
		var extra int
		extra, err = s.ingestReported(ctx, tx, dev, d)
		dropped += extra
	case "shadow/get":
		*todo = append(*todo, func(ctx context.Context) { s.pushShadow(ctx, dev.AccountID, dev.ID, d.channel, false) })
	case "firmware/get":
		*todo = append(*todo, func(ctx context.Context) { s.offerFirmware(ctx, dev, catalogue{}) })
	case "alarm":
		if typ, _ := d.fields["type"].(string); typ == "face" {
			// Face data is collected only where face recognition is on
			// (F1, F5): elsewhere the alarm is refused, not stored.
			on, ferr := s.collectsFaces(ctx, dev.ID)
			if ferr != nil {
				return d.kind, "", ferr
			}
			if !on {
				return d.kind, resultNotOptedIn, s.reject(tx, dev.ID, errs.E(errs.Forbidden, "face recognition is not on for this device's site"))
			}
		}
		err = s.ingestAlarm(tx, dev, d, m.Received, alarms)
	case "report":
		if !dev.ErrorDetails {
			return d.kind, resultNotOptedIn, s.reject(tx, dev.ID, errs.E(errs.Forbidden, "the owner has not turned on sending error details"))
		}
		err = s.ingestReport(ctx, tx, dev, d, m.Received)
	}
	if err != nil {
		if rejected(err) {
			return d.kind, resultMalformed, s.reject(tx, dev.ID, err)
		}
		return d.kind, "", err
	}
	if dropped > 0 {
		if err := tx.Count(dev.ID, dropped, 0); err != nil {
			return d.kind, "", err
		}
	}
	return d.kind, resultStored, nil
}

// reject counts a rejected message on the device and returns why, unless
// counting failed.
func (s *Service) reject(tx IngestTx, deviceID string, why error) error {
	if err := tx.Count(deviceID, 0, 1); err != nil {
		return err
	}
	return why
}

func (s *Service) ingestInfo(ctx context.Context, tx IngestTx, dev Row, d decoded) error {
	if v, ok := d.fields["serial"]; ok && v != dev.Serial {
		return errs.E(errs.Invalid, "serial does not match the device's registration")
	}
	if v, ok := d.fields["model"]; ok && v != dev.Model {
		return errs.E(errs.Invalid, "model does not match the device's registration")
	}
	fields := map[string]string{}
	for _, f := range infoFields {
		if v, ok := d.fields[f].(string); ok {
			fields[f] = v
		}
	}
	var name []byte
	if v, ok := d.fields["name"].(string); ok && strings.TrimSpace(v) != "" {
		var err error
		if name, err = s.seal(ctx, dev.AccountID, "devices.name_sealed", dev.ID, []byte(strings.TrimSpace(v))); err != nil {
			return err
		}
	}
	return tx.ApplyInfo(dev.ID, fields, name)
}

// infoFields are the Info fields a device reports, by JSON name.
var infoFields = []string{"firmware_version", "app_version", "software_id", "region", "language", "time_zone", "font"}

func (s *Service) ingestEvent(tx IngestTx, dev Row, d decoded, received time.Time) error {
	kind, ok := d.fields["kind"].(string)
	if !ok {
		return errs.E(errs.Invalid, "field kind is required")
	}
	at, _ := d.fields["at"].(time.Time)
	if at.IsZero() || at.After(received.Add(24*time.Hour)) || at.Before(received.AddDate(-1, 0, 0)) {
		at = received // a device clock far off is not trusted
	}
	code, _ := d.fields["code"].(string)
	version, _ := d.fields["version"].(string)
	id, _ := d.fields["id"].(string)
	return tx.AddEvent(dev.AccountID, EventRow{DeviceID: dev.ID, EventID: id, Channel: d.channel, Kind: kind, Code: code, Version: version, At: at, ReceivedAt: received})
}

func (s *Service) ingestReport(ctx context.Context, tx IngestTx, dev Row, d decoded, received time.Time) error {
	kind, _ := d.fields["kind"].(string)
	body, _ := d.fields["body"].(string)
	if kind == "" || body == "" {
		return errs.E(errs.Invalid, "kind and body are required")
	}
	id := id.New("err")
	sealed, err := s.seal(ctx, dev.AccountID, "error_reports.body_sealed", id, []byte(body))
	if err != nil {
		return err
	}
	return tx.AddReport(ReportRow{ID: id, AccountID: dev.AccountID, DeviceID: dev.ID, Kind: kind, BodySealed: sealed, ReceivedAt: received})
}

// Connected records the address a device connected from, sealed under its
// account's key, with the network prefix kept apart for when the full
// address is erased.
func (s *Service) Connected(ctx context.Context, id Identity, remoteIP string) error {
	addr, err := netip.ParseAddr(remoteIP)
	if err != nil || id.AccountID == "" {
		return nil
	}
	full := addr.Unmap().String()
	prefix := netaddr.Prefix(full)
	return s.store.RecordIP(ctx, id.AccountID, id.DeviceID, prefix,
		func(sealed []byte) bool {
			return string(s.open(ctx, id.AccountID, "device_ips.ip_sealed", id.DeviceID, sealed)) == full
		},
		func() ([]byte, error) {
			return s.seal(ctx, id.AccountID, "device_ips.ip_sealed", id.DeviceID, []byte(full))
		})
}

// isNull reports whether a decoded JSON value was null (which decodes to a
// nil RawMessage inside a map).
func isNull(v json.RawMessage) bool { return v == nil || string(v) == "null" }
