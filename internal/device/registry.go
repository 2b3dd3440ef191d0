package device

import (
	"context"
	"fmt"
	"time"

	"golang.org/x/mod/semver"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/errs"
)

// The operator console's view of the manufacture registry: an import
// checked row by row before anything is stored, a search by serial, and
// how far each firmware release has got. None of it names a customer.

// RowCheck is the verdict on one line of a manufacture list.
type RowCheck struct {
	Line   int    `json:"line"` // 2 is the first line after the header
	Serial string `json:"serial"`
	Model  string `json:"model"`
	Error  string `json:"error,omitempty"`
}

const alreadyRegistered = "serial is already registered"

// Conflict reports whether the row's only fault is a serial registered
// before (the list clashes with the registry rather than being malformed).
func (c RowCheck) Conflict() bool { return c.Error == alreadyRegistered }

// CheckImport checks every device of a manufacture list (format, a serial
// twice in the list or already registered, an unknown model) and reports
// each row, stopping at none. Nothing is stored.
func (s *Service) CheckImport(ctx context.Context, p access.Principal, in []Manufactured) ([]RowCheck, error) {
	if err := vendor(p); err != nil {
		return nil, err
	}
	if len(in) == 0 || len(in) > maxRegister {
		return nil, errs.E(errs.Invalid, "a list holds 1 to %d devices", maxRegister)
	}
	serials := make([]string, 0, len(in))
	for _, m := range in {
		serials = append(serials, m.Serial)
	}
	known, err := s.store.RegisteredSerials(ctx, serials)
	if err != nil {
		return nil, err
	}
	models := map[string]bool{}
	seen := map[string]int{}
	out := make([]RowCheck, len(in))
	for i, m := range in {
		c := RowCheck{Line: i + 2, Serial: m.Serial, Model: m.Model}
		if _, ok := models[m.Model]; !ok && modelRE.MatchString(m.Model) {
			_, err := s.store.Model(ctx, m.Model)
			if err != nil && !errs.Is(err, errs.NotFound) {
				return nil, err
			}
			models[m.Model] = err == nil
		}
		switch {
		case !serialRE.MatchString(m.Serial):
			c.Error = "serial must be 4 to 40 letters, digits or dashes"
		case !modelRE.MatchString(m.Model):
			c.Error = "model must be lowercase letters, digits or dashes"
		case !models[m.Model]:
			c.Error = fmt.Sprintf("unknown model %q: add it first", m.Model)
		case !claimCodeRE.MatchString(m.ClaimCode):
			c.Error = "claim_code must be 8 to 32 letters or digits"
		case m.FactorySecret != "" && !factorySecretRE.MatchString(m.FactorySecret):
			c.Error = "factory_secret must be 16 to 128 printable ASCII characters"
		case seen[m.Serial] > 0:
			c.Error = fmt.Sprintf("serial also on line %d", seen[m.Serial])
		case known[m.Serial]:
			c.Error = alreadyRegistered
		}
		if _, dup := seen[m.Serial]; !dup {
			seen[m.Serial] = c.Line
		}
		out[i] = c
	}
	return out, nil
}

// RegistryEntry is a registered device as the vendor sees it: its
// manufacture facts and state, not whose it is.
type RegistryEntry struct {
	ID              string    `json:"id"`
	Serial          string    `json:"serial"`
	Model           string    `json:"model"`
	Claimed         bool      `json:"claimed"`
	Lost            bool      `json:"lost"`
	Online          bool      `json:"online"`
	FirmwareVersion string    `json:"firmware_version"`
	LastSeenAt      time.Time `json:"last_seen_at,omitzero"`
}

// FindBySerial lists up to 50 registered devices whose serial starts with
// prefix.
func (s *Service) FindBySerial(ctx context.Context, p access.Principal, prefix string) ([]RegistryEntry, error) {
	if err := vendor(p); err != nil {
		return nil, err
	}
	if len(prefix) < 2 || len(prefix) > 40 {
		return nil, errs.E(errs.Invalid, "type at least 2 characters of the serial")
	}
	rows, err := s.store.DevicesBySerial(ctx, prefix, 50)
	if err != nil {
		return nil, err
	}
	out := make([]RegistryEntry, 0, len(rows))
	for _, r := range rows {
		out = append(out, RegistryEntry{ID: r.ID, Serial: r.Serial, Model: r.Model, Claimed: r.AccountID != "", Lost: !r.LostAt.IsZero(),
			Online: r.Online, FirmwareVersion: r.Info.FirmwareVersion, LastSeenAt: r.LastSeenAt})
	}
	return out, nil
}

// ReleaseStatus is a release with how far its rollout got among the
// model's claimed devices: offered (the rollout reaches them and they run
// something older), updated (they run it), failed (they reported a failed
// upgrade to it).
type ReleaseStatus struct {
	Release
	Offered int `json:"offered"`
	Updated int `json:"updated"`
	Failed  int `json:"failed"`
}

// ReleaseProgress lists a model's releases, newest first, with their
// counts.
func (s *Service) ReleaseProgress(ctx context.Context, p access.Principal, model string) ([]ReleaseStatus, error) {
	rels, err := s.Releases(ctx, p, model)
	if err != nil {
		return nil, err
	}
	running, failed, err := s.store.RolloutFacts(ctx, model)
	if err != nil {
		return nil, err
	}
	out := make([]ReleaseStatus, 0, len(rels))
	for _, rel := range rels {
		st := ReleaseStatus{Release: rel}
		v := canonical(rel.Version)
		for version, n := range failed {
			if canonical(version) == v {
				st.Failed += n
			}
		}
		for id, fw := range running {
			cur := canonical(fw)
			switch {
			case cur == v:
				st.Updated++
			case (cur == "" || semver.Compare(cur, v) < 0) && bucket(id, rel.ID) < rel.RolloutPercent:
				st.Offered++
			}
		}
		out = append(out, st)
	}
	return out, nil
}
