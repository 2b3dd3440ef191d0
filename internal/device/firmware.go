package device

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"golang.org/x/mod/semver"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/id"
)

// vendor checks that p may manage the vendor's catalogues: models, the
// manufacture registry and releases. They hold no personal data; the
// operator administrator keeps them.
func vendor(p access.Principal) error {
	if p.Kind != access.KindStaff || !p.MFA || p.StaffRole != access.StaffOperatorAdmin {
		return errs.E(errs.Forbidden, "only the operator administrator manages models, devices and releases")
	}
	return nil
}

// PutModel adds or changes a hardware model and its settings schema.
func (s *Service) PutModel(ctx context.Context, p access.Principal, m Model) (Model, error) {
	if err := vendor(p); err != nil {
		return Model{}, err
	}
	if !modelRE.MatchString(m.Model) {
		return Model{}, errs.E(errs.Invalid, "model must be 2 to 40 lowercase letters, digits or dashes")
	}
	switch {
	case m.Kind == Camera && m.Channels == 0:
	case m.Kind == NVR && m.Channels >= 1 && m.Channels <= 256:
	default:
		return Model{}, errs.E(errs.Invalid, "kind must be camera (no channels) or nvr (1 to 256 channels)")
	}
	if _, err := compileSchema(m.ConfigSchema, m.Kind); err != nil {
		return Model{}, err
	}
	if err := s.store.PutModel(ctx, m); err != nil {
		return Model{}, err
	}
	s.log.Info("device model saved", "model", m.Model, "by", p.ID)
	return s.store.Model(ctx, m.Model)
}

// EnsureModels adds the default models that are missing.
func (s *Service) EnsureModels(ctx context.Context) error {
	for _, m := range DefaultModels() {
		if _, err := s.store.Model(ctx, m.Model); errs.Is(err, errs.NotFound) {
			if err := s.store.PutModel(ctx, m); err != nil {
				return err
			}
		} else if err != nil {
			return err
		}
	}
	return nil
}

// Models lists the model catalogue.
func (s *Service) Models(ctx context.Context) ([]Model, error) { return s.store.Models(ctx) }

// Manufactured is one device to enter in the registry.
type Manufactured struct {
	Serial    string `json:"serial"`
	Model     string `json:"model"`
	ClaimCode string `json:"claim_code"`
	// FactorySecret, when the factory wrote one into the device, is what
	// the device proves itself with when it pairs (besides its claim
	// code). Kept only as a keyed fingerprint.
	FactorySecret string `json:"factory_secret,omitempty"`
}

// Registered is a registered device.
type Registered struct {
	ID     string `json:"id"`
	Serial string `json:"serial"`
}

// maxRegister bounds one registration request.
const maxRegister = 10000

// Register enters manufactured devices, all or none. The claim code is kept
// only as a keyed fingerprint.
func (s *Service) Register(ctx context.Context, p access.Principal, in []Manufactured) ([]Registered, error) {
	if err := vendor(p); err != nil {
		return nil, err
	}
	return s.RegisterManufactured(ctx, p.ID, in)
}

// RegisterManufactured enters manufactured devices for the vendor's own
// tools (the factory import on the server, the simulator); by names who
// did it in the log.
func (s *Service) RegisterManufactured(ctx context.Context, by string, in []Manufactured) ([]Registered, error) {
	if len(in) == 0 || len(in) > maxRegister {
		return nil, errs.E(errs.Invalid, "register 1 to %d devices at a time", maxRegister)
	}
	regs := make([]Registration, 0, len(in))
	out := make([]Registered, 0, len(in))
	seen := map[string]bool{}
	for i, m := range in {
		if !serialRE.MatchString(m.Serial) || !modelRE.MatchString(m.Model) || !claimCodeRE.MatchString(m.ClaimCode) {
			return nil, errs.E(errs.Invalid, "device %d: serial (4-40 letters, digits, dashes), model and claim_code (8-32 letters or digits) are required", i+1)
		}
		if m.FactorySecret != "" && !factorySecretRE.MatchString(m.FactorySecret) {
			return nil, errs.E(errs.Invalid, "device %d: factory_secret must be 16 to 128 printable ASCII characters", i+1)
		}
		if seen[m.Serial] {
			return nil, errs.E(errs.Invalid, "device %d: serial %s appears twice", i+1, m.Serial)
		}
		seen[m.Serial] = true
		idx, err := s.claimIndex(ctx, m.ClaimCode)
		if err != nil {
			return nil, err
		}
		var factory []byte
		if m.FactorySecret != "" {
			if factory, err = s.factoryIndex(ctx, m.FactorySecret); err != nil {
				return nil, err
			}
		}
		id := id.New("dev")
		regs = append(regs, Registration{ID: id, Serial: m.Serial, Model: m.Model, ClaimIndex: idx, FactoryIndex: factory})
		out = append(out, Registered{ID: id, Serial: m.Serial})
	}
	if err := s.store.Register(ctx, regs); err != nil {
		return nil, err
	}
	s.log.Info("devices registered", "count", len(regs), "by", by)
	return out, nil
}

// ParseCSV reads a manufacture list: a header line naming serial, model and
// claim_code, and optionally factory_secret (in any order), then one device
// per line.
func ParseCSV(r io.Reader) ([]Manufactured, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	head, err := cr.Read()
	if err != nil {
		return nil, errs.E(errs.Invalid, "CSV needs a header line: serial,model,claim_code")
	}
	col := map[string]int{}
	for i, h := range head {
		col[strings.ToLower(strings.TrimSpace(h))] = i
	}
	for _, need := range []string{"serial", "model", "claim_code"} {
		if _, ok := col[need]; !ok {
			return nil, errs.E(errs.Invalid, "CSV header lacks %s", need)
		}
	}
	var out []Manufactured
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, errs.E(errs.Invalid, "CSV line %d: %v", line, err)
		}
		if len(rec) != len(head) {
			return nil, errs.E(errs.Invalid, "CSV line %d has %d fields, the header %d", line, len(rec), len(head))
		}
		if len(out) == maxRegister {
			return nil, errs.E(errs.TooLarge, "at most %d devices per import", maxRegister)
		}
		get := func(k string) string { return strings.TrimSpace(rec[col[k]]) }
		m := Manufactured{Serial: get("serial"), Model: get("model"), ClaimCode: get("claim_code")}
		if _, ok := col["factory_secret"]; ok {
			m.FactorySecret = get("factory_secret")
		}
		out = append(out, m)
	}
}

var (
	factorySecretRE = regexp.MustCompile(`^[!-~]{16,128}$`)
	sha256RE        = regexp.MustCompile(`^[0-9a-f]{64}$`)
	// platformRE names an app platform.
	platformRE = regexp.MustCompile(`^(ios|android|web|desktop)$`)
)

// canonical turns "1.2.3" into the semver "v1.2.3", or "" when invalid.
func canonical(v string) string {
	if !strings.HasPrefix(v, "v") {
		v = "v" + v
	}
	if !semver.IsValid(v) {
		return ""
	}
	return v
}

// PublishRelease adds a firmware release and offers it to the devices its
// rollout reaches.
func (s *Service) PublishRelease(ctx context.Context, p access.Principal, r Release) (Release, error) {
	if err := vendor(p); err != nil {
		return Release{}, err
	}
	if _, err := s.store.Model(ctx, r.Model); err != nil {
		return Release{}, err
	}
	r.SHA256 = strings.ToLower(r.SHA256)
	u, uerr := url.Parse(r.URL)
	sig, serr := base64.StdEncoding.DecodeString(r.Signature)
	switch {
	case canonical(r.Version) == "":
		return Release{}, errs.E(errs.Invalid, "version must be a semantic version such as 2.1.0")
	case !sha256RE.MatchString(r.SHA256):
		return Release{}, errs.E(errs.Invalid, "sha256 must be 64 lowercase hex digits")
	case serr != nil || len(sig) < 32 || len(sig) > 1024:
		return Release{}, errs.E(errs.Invalid, "signature must be the base64 of the vendor's signature of the image")
	case uerr != nil || u.Scheme != "https" || u.Host == "":
		return Release{}, errs.E(errs.Invalid, "url must be an https:// address of the image")
	case len(r.Notes) > 4000:
		return Release{}, errs.E(errs.Invalid, "notes must be at most 4000 characters")
	case r.RolloutPercent < 0 || r.RolloutPercent > 100:
		return Release{}, errs.E(errs.Invalid, "rollout_percent must be 0 to 100")
	}
	r.ID = id.New("fw")
	r.PublishedAt = s.clk.Now()
	if err := s.store.PutRelease(ctx, r); err != nil {
		return Release{}, err
	}
	s.log.Info("firmware release published", "model", r.Model, "version", r.Version, "rollout", r.RolloutPercent, "by", p.ID)
	s.announce(ctx, r.Model)
	s.releaseOffered(ctx, r)
	return r, nil
}

// SetRollout widens or narrows a release's staged rollout.
func (s *Service) SetRollout(ctx context.Context, p access.Principal, id string, percent int) (Release, error) {
	if err := vendor(p); err != nil {
		return Release{}, err
	}
	if percent < 0 || percent > 100 {
		return Release{}, errs.E(errs.Invalid, "rollout_percent must be 0 to 100")
	}
	r, err := s.store.SetRollout(ctx, id, percent)
	if err != nil {
		return Release{}, err
	}
	s.log.Info("firmware rollout changed", "release", id, "rollout", percent, "by", p.ID)
	s.announce(ctx, r.Model)
	s.releaseOffered(ctx, r)
	return r, nil
}

// Releases lists a model's releases, newest first.
func (s *Service) Releases(ctx context.Context, p access.Principal, model string) ([]Release, error) {
	if err := vendor(p); err != nil {
		return nil, err
	}
	return s.store.Releases(ctx, model)
}

// bucket places a device in the rollout of a release: the same device and
// release always land in the same of 100 buckets, spread evenly.
func bucket(deviceID, releaseID string) int {
	h := sha256.Sum256([]byte(releaseID + "/" + deviceID))
	return int(binary.BigEndian.Uint64(h[:8]) % 100)
}

// Offer tells a device, and its owner, that newer firmware is available.
type Offer struct {
	ReleaseID string `json:"release_id"`
	Version   string `json:"version"`
	Notes     string `json:"notes"`
	URL       string `json:"url,omitempty"`
	SHA256    string `json:"sha256,omitempty"`
	Signature string `json:"signature,omitempty"`
	// Install: the owner asked for the update to be installed now, not
	// at the device's next quiet moment.
	Install bool `json:"install,omitempty"`
}

// catalogue holds the release lists of the models read so far, so that a
// listing or an announcement reads each model's releases once.
type catalogue map[string][]Release

func (s *Service) releases(ctx context.Context, cat catalogue, model string) ([]Release, error) {
	if rels, ok := cat[model]; ok {
		return rels, nil
	}
	rels, err := s.store.Releases(ctx, model)
	if err == nil {
		cat[model] = rels
	}
	return rels, err
}

// offerFor returns the newest release the rollout has reached for the
// device that is newer than what it runs.
func (s *Service) offerFor(ctx context.Context, r Row, cat catalogue) (Offer, bool) {
	if r.AccountID == "" {
		return Offer{}, false
	}
	rels, err := s.releases(ctx, cat, r.Model)
	if err != nil {
		s.log.Warn("firmware catalogue unreadable", "err", err)
		return Offer{}, false
	}
	cur := canonical(r.Info.FirmwareVersion)
	for _, rel := range rels { // newest first
		v := canonical(rel.Version)
		if cur != "" && semver.Compare(v, cur) <= 0 {
			continue
		}
		if bucket(r.ID, rel.ID) < rel.RolloutPercent {
			return Offer{ReleaseID: rel.ID, Version: rel.Version, Notes: rel.Notes, URL: rel.URL, SHA256: rel.SHA256, Signature: rel.Signature}, true
		}
	}
	return Offer{}, false
}

func (s *Service) offerFirmware(ctx context.Context, dev Row, cat catalogue) {
	if o, ok := s.offerFor(ctx, dev, cat); ok {
		b, _ := json.Marshal(o)
		s.send(ctx, dev.ID, "firmware/offer", b)
	}
}

// announce offers a model's newest reachable release to its claimed
// devices; those offline ask when they come back (firmware/get).
func (s *Service) announce(ctx context.Context, model string) {
	rows, err := s.store.OnlineDevicesOfModel(ctx, model)
	if err != nil {
		s.log.Warn("firmware not announced", "model", model, "err", err)
		return
	}
	cat := catalogue{}
	for _, row := range rows {
		s.offerFirmware(ctx, row, cat)
	}
}

// Updates lists the account's devices with an update available.
func (s *Service) Updates(ctx context.Context, p access.Principal, accountID string) ([]Device, error) {
	all, err := s.Devices(ctx, p, accountID)
	if err != nil {
		return nil, err
	}
	var out []Device
	for _, d := range all {
		if d.UpdateAvailable != nil {
			out = append(out, d)
		}
	}
	return out, nil
}

// PutAppRelease sets the latest and the minimum supported app version of a
// platform.
func (s *Service) PutAppRelease(ctx context.Context, p access.Principal, r AppRelease) (AppRelease, error) {
	if err := vendor(p); err != nil {
		return AppRelease{}, err
	}
	lat, min := canonical(r.Latest), canonical(r.Minimum)
	switch {
	case !platformRE.MatchString(r.Platform):
		return AppRelease{}, errs.E(errs.Invalid, "platform must be ios, android, web or desktop")
	case lat == "" || min == "":
		return AppRelease{}, errs.E(errs.Invalid, "latest and minimum must be semantic versions such as 3.2.0")
	case semver.Compare(min, lat) > 0:
		return AppRelease{}, errs.E(errs.Invalid, "minimum may not be newer than latest")
	case len(r.Notes) > 4000:
		return AppRelease{}, errs.E(errs.Invalid, "notes must be at most 4000 characters")
	}
	r.UpdatedAt = s.clk.Now()
	if err := s.store.PutAppRelease(ctx, r); err != nil {
		return AppRelease{}, err
	}
	return r, nil
}

// AppReleases lists every platform's latest and minimum supported app
// version (operator administrator).
func (s *Service) AppReleases(ctx context.Context, p access.Principal) ([]AppRelease, error) {
	if err := vendor(p); err != nil {
		return nil, err
	}
	rs, err := s.store.AppReleases(ctx)
	if rs == nil {
		rs = []AppRelease{}
	}
	return rs, err
}

// VersionCheck tells an app whether it must or may update.
type VersionCheck struct {
	Platform string `json:"platform"`
	Current  string `json:"current"`
	Latest   string `json:"latest"`
	Minimum  string `json:"minimum"`
	// Update is "required" below the minimum, "available" below the
	// latest, and "none" otherwise.
	Update string `json:"update"`
	Notes  string `json:"notes,omitempty"`
}

// CheckAppVersion answers the app-version check.
func (s *Service) CheckAppVersion(ctx context.Context, platform, version string) (VersionCheck, error) {
	cur := canonical(version)
	if !platformRE.MatchString(platform) || cur == "" {
		return VersionCheck{}, errs.E(errs.Invalid, "platform (ios, android, web, desktop) and version (such as 3.1.0) are required")
	}
	r, err := s.store.AppRelease(ctx, platform)
	if errs.Is(err, errs.NotFound) {
		return VersionCheck{Platform: platform, Current: version, Latest: version, Minimum: version, Update: "none"}, nil
	}
	if err != nil {
		return VersionCheck{}, err
	}
	out := VersionCheck{Platform: platform, Current: version, Latest: r.Latest, Minimum: r.Minimum, Update: "none"}
	switch {
	case semver.Compare(cur, canonical(r.Minimum)) < 0:
		out.Update, out.Notes = "required", r.Notes
	case semver.Compare(cur, canonical(r.Latest)) < 0:
		out.Update, out.Notes = "available", r.Notes
	}
	return out, nil
}

// SortReleases orders releases newest version first.
func SortReleases(rels []Release) {
	slices.SortFunc(rels, func(a, b Release) int { return semver.Compare(canonical(b.Version), canonical(a.Version)) })
}

// UpdateNow is an owner's or administrator's request that the device
// install the firmware offered to it now: the offer is sent again with
// Install set. Refused (errs.Conflict, saying why) when the device is
// offline or reported lost, or nothing newer is offered to it.
func (s *Service) UpdateNow(ctx context.Context, p access.Principal, accountID, id string) (Offer, error) {
	d, err := s.check(ctx, p, access.Update, res(datamap.DeviceInfo, accountID, id), datamap.PurposeUpdates)
	if err != nil {
		return Offer{}, err
	}
	r, err := s.store.Device(ctx, d, accountID, id)
	if err != nil {
		return Offer{}, err
	}
	switch {
	case !r.LostAt.IsZero():
		return Offer{}, errs.E(errs.Conflict, "the device is reported lost: vigil sends it nothing")
	case !r.Online:
		return Offer{}, errs.E(errs.Conflict, "the device is offline: it is offered the update when it connects again")
	}
	o, ok := s.offerFor(ctx, r, catalogue{})
	if !ok {
		return Offer{}, errs.E(errs.Conflict, "the device already runs the newest firmware offered to it")
	}
	o.Install = true
	b, _ := json.Marshal(o)
	s.send(ctx, r.ID, "firmware/offer", b)
	return o, nil
}
