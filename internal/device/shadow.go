package device

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/errs"
)

//go:embed schemas/*.json
var schemaFiles embed.FS

// DefaultModels are the models vigil knows out of the box: a camera and an
// eight-channel NVR with the settings their firmware supports.
func DefaultModels() []Model {
	cam, _ := schemaFiles.ReadFile("schemas/camera.json")
	nvr, _ := schemaFiles.ReadFile("schemas/nvr.json")
	return []Model{
		{Model: "vc-100", Kind: Camera, ConfigSchema: string(cam)},
		{Model: "vn-800", Kind: NVR, Channels: 8, ConfigSchema: string(nvr)},
	}
}

// configSchema is a model's compiled settings schema: one for the device
// itself and, for NVRs, one for each channel.
type configSchema struct {
	device, channel     *jsonschema.Schema
	deviceKeys, chnKeys []string
}

func (c *configSchema) forChannel(ch int) (*jsonschema.Schema, []string) {
	if ch == 0 {
		return c.device, c.deviceKeys
	}
	return c.channel, c.chnKeys
}

// compileSchema checks a model's settings schema document: an object with a
// "device" JSON Schema and, for NVRs, a "channel" one.
func compileSchema(doc string, kind Kind) (*configSchema, error) {
	var parts map[string]json.RawMessage
	if err := json.Unmarshal([]byte(doc), &parts); err != nil {
		return nil, errs.E(errs.Invalid, "config_schema is not a JSON object")
	}
	for k := range parts {
		if k != "device" && k != "channel" {
			return nil, errs.E(errs.Invalid, "config_schema has only \"device\" and \"channel\" parts, not %q", k)
		}
	}
	if parts["device"] == nil || (kind == NVR) != (parts["channel"] != nil) {
		return nil, errs.E(errs.Invalid, "config_schema needs a \"device\" part, and a \"channel\" part for NVRs only")
	}
	out := &configSchema{}
	var err error
	if out.device, out.deviceKeys, err = compilePart("device", parts["device"]); err != nil {
		return nil, err
	}
	if parts["channel"] != nil {
		if out.channel, out.chnKeys, err = compilePart("channel", parts["channel"]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func compilePart(name string, raw json.RawMessage) (*jsonschema.Schema, []string, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return nil, nil, errs.E(errs.Invalid, "config_schema.%s is not JSON", name)
	}
	c := jsonschema.NewCompiler()
	url := "vigil:///" + name + ".json"
	if err := c.AddResource(url, doc); err != nil {
		return nil, nil, errs.E(errs.Invalid, "config_schema.%s: %v", name, err)
	}
	sch, err := c.Compile(url)
	if err != nil {
		return nil, nil, errs.E(errs.Invalid, "config_schema.%s is not a valid JSON Schema: %v", name, err)
	}
	var top struct {
		Properties map[string]json.RawMessage `json:"properties"`
	}
	if json.Unmarshal(raw, &top) != nil || len(top.Properties) == 0 {
		return nil, nil, errs.E(errs.Invalid, "config_schema.%s must list its settings under \"properties\"", name)
	}
	return sch, slices.Sorted(maps.Keys(top.Properties)), nil
}

// schemaCache keeps compiled schemas by model and schema text.
type schemaCache struct {
	mu sync.Mutex
	m  map[string]*configSchema
}

func newSchemaCache() *schemaCache { return &schemaCache{m: map[string]*configSchema{}} }

func (s *Service) schemaOf(ctx context.Context, model string) (*configSchema, error) {
	m, err := s.store.Model(ctx, model)
	if err != nil {
		return nil, err
	}
	key := m.Model + "\x00" + m.ConfigSchema
	s.schemas.mu.Lock()
	defer s.schemas.mu.Unlock()
	if c, ok := s.schemas.m[key]; ok {
		return c, nil
	}
	c, err := compileSchema(m.ConfigSchema, m.Kind)
	if err != nil {
		return nil, err
	}
	s.schemas.m[key] = c
	return c, nil
}

// Shadow is the settings state of a device or of one NVR channel: what the
// owner asked for, what the device reports, and what still differs.
type Shadow struct {
	DeviceID   string                     `json:"device_id"`
	Channel    int                        `json:"channel"`
	Version    int64                      `json:"version"`
	Desired    map[string]json.RawMessage `json:"desired"`
	Reported   map[string]json.RawMessage `json:"reported"`
	Delta      map[string]json.RawMessage `json:"delta"`
	DesiredAt  *time.Time                 `json:"desired_at,omitempty"`
	ReportedAt *time.Time                 `json:"reported_at,omitempty"`
	// Schema is the model's JSON Schema of these settings (the device's or
	// an NVR channel's part), so that an app can build its settings form.
	Schema json.RawMessage `json:"schema,omitempty"`
}

func (s *Service) shadowOf(ctx context.Context, r ShadowRow) Shadow {
	sh := Shadow{DeviceID: r.DeviceID, Channel: r.Channel, Version: r.Version,
		Desired:   s.openState(ctx, r.AccountID, "device_shadows.desired_sealed", r, r.DesiredSealed),
		Reported:  s.openState(ctx, r.AccountID, "device_shadows.reported_sealed", r, r.ReportedSealed),
		DesiredAt: optTime(r.DesiredAt), ReportedAt: optTime(r.ReportedAt)}
	sh.Delta = delta(sh.Desired, sh.Reported)
	return sh
}

func shadowRowID(deviceID string, channel int) string { return fmt.Sprintf("%s/%d", deviceID, channel) }

func (s *Service) openState(ctx context.Context, accountID, column string, r ShadowRow, sealed []byte) map[string]json.RawMessage {
	m := map[string]json.RawMessage{}
	if b := s.open(ctx, accountID, column, shadowRowID(r.DeviceID, r.Channel), sealed); b != nil {
		_ = json.Unmarshal(b, &m)
	}
	return m
}

func (s *Service) sealState(ctx context.Context, accountID, column, deviceID string, channel int, m map[string]json.RawMessage) ([]byte, error) {
	b, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	return s.seal(ctx, accountID, column, shadowRowID(deviceID, channel), b)
}

// delta lists the desired settings the device does not report yet.
func delta(desired, reported map[string]json.RawMessage) map[string]json.RawMessage {
	out := map[string]json.RawMessage{}
	for k, v := range desired {
		if r, ok := reported[k]; !ok || !sameJSON(v, r) {
			out[k] = v
		}
	}
	return out
}

// sameJSON compares two JSON values by meaning, not by spelling.
func sameJSON(a, b json.RawMessage) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	xa, _ := json.Marshal(x)
	ya, _ := json.Marshal(y)
	return bytes.Equal(xa, ya)
}

func checkChannel(m Model, ch int) error {
	if ch < 0 || ch > m.Channels {
		return errs.E(errs.Invalid, "channel must be 0 (the device) or 1 to %d", m.Channels)
	}
	return nil
}

// GetShadow returns the shadow of a device (channel 0) or NVR channel.
func (s *Service) GetShadow(ctx context.Context, p access.Principal, accountID, deviceID string, channel int) (Shadow, error) {
	d, err := s.check(ctx, p, access.Read, res(datamap.DeviceConfig, accountID, deviceID), datamap.PurposeRemoteConfig)
	if err != nil {
		return Shadow{}, err
	}
	row, m, err := s.store.Shadow(ctx, d, accountID, deviceID, channel)
	if err != nil {
		return Shadow{}, err
	}
	if err := checkChannel(m, channel); err != nil {
		return Shadow{}, err
	}
	sh := s.shadowOf(ctx, row)
	model, err := s.store.Model(ctx, m.Model)
	if err != nil {
		return Shadow{}, err
	}
	sh.Schema = schemaPart(model.ConfigSchema, channel)
	return sh, nil
}

// schemaPart is the part of a model's settings schema document that
// applies to channel: "device" for 0, "channel" for an NVR's channels.
func schemaPart(doc string, channel int) json.RawMessage {
	var parts map[string]json.RawMessage
	if json.Unmarshal([]byte(doc), &parts) != nil {
		return nil
	}
	if channel == 0 {
		return parts["device"]
	}
	return parts["channel"]
}

// DesiredChange changes some desired settings of a shadow that must still be
// at Version. A null value removes a setting.
type DesiredChange struct {
	Channel int                        `json:"channel"`
	Version *int64                     `json:"version"`
	Desired map[string]json.RawMessage `json:"desired"`
}

// UpdateDesired applies a change to the desired settings after validating
// the result against the model's schema, and pushes it to the device. A
// change made against an old version is refused (errs.Conflict).
func (s *Service) UpdateDesired(ctx context.Context, p access.Principal, accountID, deviceID string, ch DesiredChange) (Shadow, error) {
	if ch.Version == nil || len(ch.Desired) == 0 {
		return Shadow{}, errs.E(errs.Invalid, "version (the shadow version you changed) and desired (the settings to change) are required")
	}
	d, err := s.check(ctx, p, access.Update, res(datamap.DeviceConfig, accountID, deviceID), datamap.PurposeRemoteConfig)
	if err != nil {
		return Shadow{}, err
	}
	cur, m, err := s.store.Shadow(ctx, d, accountID, deviceID, ch.Channel)
	if err != nil {
		return Shadow{}, err
	}
	if err := checkChannel(m, ch.Channel); err != nil {
		return Shadow{}, err
	}
	schema, err := s.schemaOf(ctx, m.Model)
	if err != nil {
		return Shadow{}, err
	}
	if cur.Version != *ch.Version {
		return Shadow{}, errs.E(errs.Conflict, "the settings changed since version %d (now %d); reload and try again", *ch.Version, cur.Version)
	}
	desired := s.shadowOf(ctx, cur).Desired
	for k, v := range ch.Desired {
		if isNull(v) {
			delete(desired, k)
		} else {
			desired[k] = v
		}
	}
	if err := validate(schema, ch.Channel, desired); err != nil {
		return Shadow{}, err
	}
	sealed, err := s.sealState(ctx, accountID, "device_shadows.desired_sealed", deviceID, ch.Channel, desired)
	if err != nil {
		return Shadow{}, err
	}
	cur.DesiredSealed = sealed
	if _, err := s.store.PutDesired(ctx, d, cur, *ch.Version); err != nil {
		return Shadow{}, err
	}
	s.pushShadow(ctx, accountID, deviceID, ch.Channel, true)
	// Read back under the same decision: one request, one access.
	row, _, err := s.store.Shadow(ctx, d, accountID, deviceID, ch.Channel)
	if err != nil {
		return Shadow{}, err
	}
	return s.shadowOf(ctx, row), nil
}

func validate(schema *configSchema, channel int, desired map[string]json.RawMessage) error {
	sch, _ := schema.forChannel(channel)
	b, _ := json.Marshal(desired)
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		return errs.E(errs.Invalid, "desired settings are not valid JSON")
	}
	if err := sch.Validate(inst); err != nil {
		msg := err.Error()
		if ve, ok := err.(*jsonschema.ValidationError); ok {
			msg = strings.Join(leafErrors(ve), "; ")
		}
		return errs.E(errs.Invalid, "settings not accepted by this model: %s", msg)
	}
	return nil
}

var english = message.NewPrinter(language.English)

// leafErrors flattens a validation error to its causes, each with the
// setting it concerns.
func leafErrors(ve *jsonschema.ValidationError) []string {
	if len(ve.Causes) == 0 {
		loc := "/" + strings.Join(ve.InstanceLocation, "/")
		return []string{fmt.Sprintf("%s: %s", loc, ve.ErrorKind.LocalizedString(english))}
	}
	var out []string
	for _, c := range ve.Causes {
		out = append(out, leafErrors(c)...)
	}
	return out
}

// ingestReported merges what a device reports into its shadow, keeping only
// the settings its model's schema names; it returns how many it dropped.
func (s *Service) ingestReported(ctx context.Context, tx IngestTx, dev Row, d decoded) (int, error) {
	in, ok := d.fields["reported"].(map[string]json.RawMessage)
	if !ok {
		return 0, errs.E(errs.Invalid, "field reported is required")
	}
	schema, err := s.schemaOf(ctx, dev.Model)
	if err != nil {
		return 0, err
	}
	_, known := schema.forChannel(d.channel)
	row, _, err := tx.Shadow(dev.ID, d.channel)
	if err != nil {
		return 0, err
	}
	row.AccountID, row.DeviceID, row.Channel = dev.AccountID, dev.ID, d.channel
	reported := s.shadowOf(ctx, row).Reported
	dropped := 0
	for k, v := range in {
		switch {
		case !slices.Contains(known, k):
			dropped++
		case isNull(v):
			delete(reported, k)
		default:
			reported[k] = v
		}
	}
	if dropped > 0 {
		s.metrics.dropped.WithLabelValues(string(datamap.DeviceConfig)).Add(float64(dropped))
	}
	if row.ReportedSealed, err = s.sealState(ctx, dev.AccountID, "device_shadows.reported_sealed", dev.ID, d.channel, reported); err != nil {
		return 0, err
	}
	return dropped, tx.PutReported(row)
}

func shadowTopic(channel int, name string) string {
	if channel == 0 {
		return "shadow/" + name
	}
	return fmt.Sprintf("ch/%d/shadow/%s", channel, name)
}

// pushShadow sends a shadow's desired state and delta to the device; a
// shadow nobody ever set is not sent unless always.
func (s *Service) pushShadow(ctx context.Context, accountID, deviceID string, channel int, always bool) {
	row, err := s.store.DeviceShadow(ctx, accountID, deviceID, channel)
	if err != nil {
		s.log.Warn("shadow not pushed", "device", deviceID, "err", err)
		return
	}
	if row.Version == 0 && !always {
		return
	}
	sh := s.shadowOf(ctx, row)
	b, _ := json.Marshal(map[string]any{"version": sh.Version, "desired": sh.Desired, "delta": sh.Delta})
	s.send(ctx, deviceID, shadowTopic(channel, "desired"), b)
}

// catchUp sends a device that came back online every shadow with settings
// still to apply, and any firmware offer.
func (s *Service) catchUp(ctx context.Context, dev Row) {
	for ch := 0; ch <= dev.Channels; ch++ {
		row, err := s.store.DeviceShadow(ctx, dev.AccountID, dev.ID, ch)
		if err != nil || row.Version == 0 {
			continue
		}
		if sh := s.shadowOf(ctx, row); len(sh.Delta) > 0 {
			s.pushShadow(ctx, dev.AccountID, dev.ID, ch, true)
		}
	}
	s.offerFirmware(ctx, dev, catalogue{})
}
