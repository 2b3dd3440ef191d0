package device

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"regexp"
	"strings"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/id"
	"github.com/vigil-cloud/vigil/internal/names"
)

var (
	serialRE    = regexp.MustCompile(`^[A-Za-z0-9-]{4,40}$`)
	claimCodeRE = regexp.MustCompile(`^[A-Za-z0-9]{8,32}$`)
	modelRE     = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,39}$`)
	deviceIDRE  = regexp.MustCompile(`^dev_[a-z2-7]{26}$`)
)

// ValidID reports whether id has the shape of a device ID.
func ValidID(id string) bool { return deviceIDRE.MatchString(id) }

// Device is a device as its owner sees it.
type Device struct {
	ID                 string     `json:"id"`
	Serial             string     `json:"serial"`
	Model              string     `json:"model"`
	Kind               Kind       `json:"kind"`
	Channels           int        `json:"channels"`
	AccountID          string     `json:"account_id"`
	SiteID             string     `json:"site_id,omitempty"`
	Name               string     `json:"name"`
	ClaimedAt          time.Time  `json:"claimed_at"`
	LostAt             *time.Time `json:"lost_at,omitempty"`
	Online             bool       `json:"online"`
	LastSeenAt         *time.Time `json:"last_seen_at,omitempty"`
	Info               Info       `json:"info"`
	InfoAt             *time.Time `json:"info_at,omitempty"`
	ErrorDetails       bool       `json:"send_error_details"`
	CredentialIssuedAt *time.Time `json:"credential_issued_at,omitempty"`
	Ingest             Counters   `json:"ingest"`
	UpdateAvailable    *Offer     `json:"update_available,omitempty"`
}

// Counters say what minimisation did to a device's messages.
type Counters struct {
	DroppedFields    int64 `json:"dropped_fields"`
	RejectedMessages int64 `json:"rejected_messages"`
}

// Credential is a device's secret, shown once when it is issued.
type Credential struct {
	DeviceID string `json:"device_id"`
	Username string `json:"mqtt_username"`
	Secret   string `json:"mqtt_password"`
	MQTTURL  string `json:"mqtt_url,omitempty"`
}

func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// view is a device as its owner sees it, without the firmware offer.
func (s *Service) view(ctx context.Context, r Row) Device {
	d := Device{ID: r.ID, Serial: r.Serial, Model: r.Model, Kind: r.Kind, Channels: r.Channels,
		AccountID: r.AccountID, SiteID: r.SiteID, ClaimedAt: r.ClaimedAt, LostAt: optTime(r.LostAt),
		Online: r.Online, LastSeenAt: optTime(r.LastSeenAt), Info: r.Info, InfoAt: optTime(r.InfoAt),
		ErrorDetails: r.ErrorDetails, CredentialIssuedAt: optTime(r.CredIssuedAt),
		Ingest: Counters{DroppedFields: r.DroppedFields, RejectedMessages: r.RejectedMessages},
		Name:   string(s.open(ctx, r.AccountID, "devices.name_sealed", r.ID, r.NameSealed)),
	}
	return d
}

// viewWithOffer is view plus the firmware update the device may take;
// cat holds the release lists already read.
func (s *Service) viewWithOffer(ctx context.Context, r Row, cat catalogue) Device {
	d := s.view(ctx, r)
	if offer, ok := s.offerFor(ctx, r, cat); ok {
		d.UpdateAvailable = &offer
	}
	return d
}

// newSecret returns a fresh device secret and its hash.
func newSecret() (secret string, hash []byte) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	secret = "vdk_" + base64.RawURLEncoding.EncodeToString(b)
	return secret, hashSecret(secret)
}

func hashSecret(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

func (s *Service) credential(id, secret string) Credential {
	return Credential{DeviceID: id, Username: id, Secret: secret, MQTTURL: s.opts.MQTTURL}
}

func (s *Service) claimIndex(ctx context.Context, code string) ([]byte, error) {
	return s.keys.BlindIndex(ctx, "device-claim-code", []byte(strings.ToUpper(code)))
}

func (s *Service) factoryIndex(ctx context.Context, secret string) ([]byte, error) {
	return s.keys.BlindIndex(ctx, "device-factory-secret", []byte(secret))
}

// sealName seals a device's name once the claim knows the device; an empty
// name becomes the model and the end of the serial.
func (s *Service) sealName(ctx context.Context, name string) func(accountID string, r Row) ([]byte, error) {
	return func(accountID string, r Row) ([]byte, error) {
		n := name
		if n == "" {
			n = r.Model + " " + r.Serial[max(0, len(r.Serial)-4):]
		}
		return s.seal(ctx, accountID, "devices.name_sealed", r.ID, []byte(n))
	}
}

// checkName normalises a device's name (names.Clean).
func checkName(name string) (string, error) { return names.Clean("name", name, 1, 64) }

// ClaimInput claims a device with the serial and claim code on its label.
type ClaimInput struct {
	Serial    string `json:"serial"`
	ClaimCode string `json:"claim_code"`
	SiteID    string `json:"site_id"`
	Name      string `json:"name"`
}

// Claim binds a registered device to an account and issues its credential.
// A wrong serial or code gives the same answer as an unknown serial.
func (s *Service) Claim(ctx context.Context, p access.Principal, accountID string, in ClaimInput) (Device, Credential, error) {
	if !serialRE.MatchString(in.Serial) || !claimCodeRE.MatchString(in.ClaimCode) {
		return Device{}, Credential{}, errs.E(errs.Invalid, "serial and claim_code are as printed on the device label (letters and digits)")
	}
	name, err := checkName(in.Name)
	if err != nil {
		return Device{}, Credential{}, err
	}
	d, err := s.check(ctx, p, access.Create, res(datamap.DeviceInfo, accountID, ""), datamap.PurposeService)
	if err != nil {
		return Device{}, Credential{}, err
	}
	idx, err := s.claimIndex(ctx, in.ClaimCode)
	if err != nil {
		return Device{}, Credential{}, err
	}
	secret, hash := newSecret()
	id, err := s.store.ClaimDevice(ctx, d, in.Serial, idx, Claim{AccountID: accountID, SiteID: in.SiteID, CredHash: hash,
		Name: s.sealName(ctx, name)})
	if err != nil {
		return Device{}, Credential{}, err
	}
	// The decision to create the device covers reading it back.
	r, err := s.store.Device(ctx, d, accountID, id)
	if err != nil {
		return Device{}, Credential{}, err
	}
	return s.viewWithOffer(ctx, r, catalogue{}), s.credential(id, secret), nil
}

// PairingToken is a single-use token that lets a device claim itself into an
// account within a few minutes.
type PairingToken struct {
	Token     string    `json:"pairing_token"`
	ExpiresAt time.Time `json:"expires_at"`
}

// CreatePairing makes a pairing token for the account (and site).
func (s *Service) CreatePairing(ctx context.Context, p access.Principal, accountID, siteID string) (PairingToken, error) {
	d, err := s.check(ctx, p, access.Create, res(datamap.DeviceInfo, accountID, ""), datamap.PurposeService)
	if err != nil {
		return PairingToken{}, err
	}
	token := id.New("pair")
	exp := s.clk.Now().Add(s.opts.PairingTTL)
	err = s.store.CreatePairing(ctx, d, Pairing{TokenHash: hashSecret(token), AccountID: accountID, SiteID: siteID, CreatedBy: p.ID, ExpiresAt: exp})
	return PairingToken{Token: token, ExpiresAt: exp}, err
}

// PairInput is what a device sends to pair itself.
type PairInput struct {
	Serial       string `json:"serial"`
	PairingToken string `json:"pairing_token"`
	// Secret is the device's proof of possession, from the request's
	// authentication (Basic, user = serial): its factory secret or its
	// claim code. Never read from the body.
	Secret string `json:"-"`
}

var errNoDeviceProof = errs.E(errs.Unauthenticated, "the device must authenticate: HTTP Basic with its serial number and its factory secret (or claim code)")

// Pair is called by the device with the token its owner's app handed it,
// authenticated by what only the device holds (its factory secret or its
// claim code): a token alone, with a serial anyone can read, claims
// nothing. It claims the device into the token's account and returns its
// credential.
func (s *Service) Pair(ctx context.Context, in PairInput) (Credential, error) {
	if !serialRE.MatchString(in.Serial) || !strings.HasPrefix(in.PairingToken, "pair_") || len(in.PairingToken) > 64 {
		return Credential{}, errs.E(errs.Invalid, "serial and pairing_token are required")
	}
	if in.Secret == "" || len(in.Secret) > 128 {
		return Credential{}, errNoDeviceProof
	}
	var proof Proof
	var err error
	if claimCodeRE.MatchString(in.Secret) {
		if proof.ClaimIndex, err = s.claimIndex(ctx, in.Secret); err != nil {
			return Credential{}, err
		}
	}
	if factorySecretRE.MatchString(in.Secret) {
		if proof.FactoryIndex, err = s.factoryIndex(ctx, in.Secret); err != nil {
			return Credential{}, err
		}
	}
	if proof.ClaimIndex == nil && proof.FactoryIndex == nil {
		return Credential{}, errNoDeviceProof
	}
	tokenHash := hashSecret(in.PairingToken)
	pr, err := s.store.Pairing(ctx, tokenHash)
	if err != nil {
		return Credential{}, err
	}
	// The owner's decision was recorded when the token was made; this one
	// records the device joining the account.
	d, err := s.check(ctx, access.System("device-pairing"), access.Create, res(datamap.DeviceInfo, pr.AccountID, ""), datamap.PurposeService)
	if err != nil {
		return Credential{}, err
	}
	secret, hash := newSecret()
	id, err := s.store.Pair(ctx, d, in.Serial, tokenHash, proof, Claim{AccountID: pr.AccountID, SiteID: pr.SiteID, CredHash: hash, Name: s.sealName(ctx, "")})
	if err != nil {
		return Credential{}, err
	}
	accountID := pr.AccountID
	s.log.Info("device paired", "device", id, "account", accountID)
	return s.credential(id, secret), nil
}

// Device returns one device of an account.
func (s *Service) Device(ctx context.Context, p access.Principal, accountID, id string) (Device, error) {
	// The decision names the device's site, so people of that site see it.
	// An unknown device has none, and the gate denies (and records) it.
	where := res(datamap.DeviceInfo, accountID, id)
	where.SiteID, _ = s.store.DeviceSite(ctx, accountID, id)
	d, err := s.check(ctx, p, access.Read, where, datamap.PurposeService)
	if err != nil {
		return Device{}, err
	}
	r, err := s.store.Device(ctx, d, accountID, id)
	if err != nil {
		return Device{}, err
	}
	return s.viewWithOffer(ctx, r, catalogue{}), nil
}

// Devices lists an account's devices: all of them, or for people whose
// role is limited to some sites, those sites' devices (a decision per site).
func (s *Service) Devices(ctx context.Context, p access.Principal, accountID string) ([]Device, error) {
	out := []Device{}
	cat := catalogue{}
	for _, where := range p.ListScopes(res(datamap.DeviceInfo, accountID, "")) {
		d, err := s.check(ctx, p, access.List, where, datamap.PurposeService)
		if err != nil {
			return nil, err
		}
		rows, err := s.store.Devices(ctx, d, accountID)
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			out = append(out, s.viewWithOffer(ctx, r, cat))
		}
	}
	return out, nil
}

// DeviceChange corrects a device; nil fields stay.
type DeviceChange struct {
	Name             *string `json:"name"`
	SiteID           *string `json:"site_id"`
	SendErrorDetails *bool   `json:"send_error_details"`
}

// UpdateDevice renames a device, moves it to a site, or turns the sending of
// its error details on or off.
func (s *Service) UpdateDevice(ctx context.Context, p access.Principal, accountID, id string, ch DeviceChange) (Device, error) {
	// One decision per resource: the device's info when it is renamed or
	// moved (read back under it), its error reports when their sending is
	// switched, and a read of the device otherwise.
	var info access.Decision
	changed := ch.Name != nil || ch.SiteID != nil
	if changed {
		var err error
		if info, err = s.check(ctx, p, access.Update, res(datamap.DeviceInfo, accountID, id), datamap.PurposeService); err != nil {
			return Device{}, err
		}
		cur, err := s.store.Device(ctx, info, accountID, id)
		if err != nil {
			return Device{}, err
		}
		name := string(s.open(ctx, accountID, "devices.name_sealed", id, cur.NameSealed))
		if ch.Name != nil {
			if name, err = checkName(*ch.Name); err != nil {
				return Device{}, err
			}
		}
		site := cur.SiteID
		if ch.SiteID != nil {
			site = *ch.SiteID
		}
		sealed, err := s.seal(ctx, accountID, "devices.name_sealed", id, []byte(name))
		if err != nil {
			return Device{}, err
		}
		if err := s.store.UpdateDevice(ctx, info, accountID, id, sealed, site); err != nil {
			return Device{}, err
		}
	}
	if ch.SendErrorDetails != nil {
		d, err := s.check(ctx, p, access.Update, res(datamap.DeviceErrorReport, accountID, id), datamap.PurposeTroubleshooting)
		if err != nil {
			return Device{}, err
		}
		if err := s.store.SetErrorDetails(ctx, d, accountID, id, *ch.SendErrorDetails); err != nil {
			return Device{}, err
		}
	}
	if !changed {
		return s.Device(ctx, p, accountID, id)
	}
	r, err := s.store.Device(ctx, info, accountID, id)
	if err != nil {
		return Device{}, err
	}
	return s.viewWithOffer(ctx, r, catalogue{}), nil
}

// ReleaseDevice removes a device from the account and erases what it reported
// there: events, addresses, settings and error reports. Its credential stops
// working at once. It may then be claimed again with its label's code.
func (s *Service) ReleaseDevice(ctx context.Context, p access.Principal, accountID, id string) error {
	d, err := s.check(ctx, p, access.Delete, res(datamap.DeviceInfo, accountID, id), datamap.PurposeService)
	if err != nil {
		return err
	}
	if err := s.store.Release(ctx, d, accountID, id); err != nil {
		return err
	}
	s.withdrawn(ctx, id)
	s.released(ctx, accountID, id)
	return nil
}

// ReportLost marks a device lost or stolen: its credential stops working, it
// is disconnected, and no one can claim it until its owner releases it.
func (s *Service) ReportLost(ctx context.Context, p access.Principal, accountID, id string) (Device, error) {
	d, err := s.check(ctx, p, access.Update, res(datamap.DeviceInfo, accountID, id), datamap.PurposeAntiFraud)
	if err != nil {
		return Device{}, err
	}
	if err := s.store.SetLost(ctx, d, accountID, id); err != nil {
		return Device{}, err
	}
	s.withdrawn(ctx, id)
	// The decision to mark it lost covers reading it back.
	r, err := s.store.Device(ctx, d, accountID, id)
	if err != nil {
		return Device{}, err
	}
	return s.viewWithOffer(ctx, r, catalogue{}), nil
}

// RotateCredential issues a new secret; the old one stops working at once.
func (s *Service) RotateCredential(ctx context.Context, p access.Principal, accountID, id string) (Credential, error) {
	d, err := s.check(ctx, p, access.Create, res(datamap.DeviceCredential, accountID, id), datamap.PurposeService)
	if err != nil {
		return Credential{}, err
	}
	secret, hash := newSecret()
	if err := s.store.SetCredential(ctx, d, accountID, id, hash); err != nil {
		return Credential{}, err
	}
	s.withdrawn(ctx, id)
	return s.credential(id, secret), nil
}

// RevokeCredential withdraws the device's secret and disconnects it.
func (s *Service) RevokeCredential(ctx context.Context, p access.Principal, accountID, id string) error {
	d, err := s.check(ctx, p, access.Delete, res(datamap.DeviceCredential, accountID, id), datamap.PurposeAntiFraud)
	if err != nil {
		return err
	}
	if err := s.store.SetCredential(ctx, d, accountID, id, nil); err != nil {
		return err
	}
	s.withdrawn(ctx, id)
	return nil
}

// Authenticate checks a device's MQTT sign-in: the username is the device
// ID and the password its secret. Lost, released and revoked devices fail.
func (s *Service) Authenticate(ctx context.Context, username, password string) (Identity, error) {
	if !ValidID(username) || !strings.HasPrefix(password, "vdk_") || len(password) > 100 {
		s.metrics.authFail.Inc()
		return Identity{}, errs.E(errs.Unauthenticated, "device credential refused")
	}
	id, err := s.store.Authenticate(ctx, hashSecret(password))
	if err != nil && !errs.Is(err, errs.NotFound) {
		// The check could not be made (a timeout, the database away): not
		// a wrong credential, so the device is told to retry.
		return Identity{}, errs.Wrap(err, errs.Unavailable, "device credential check unavailable")
	}
	if err != nil || id.DeviceID != username {
		s.metrics.authFail.Inc()
		return Identity{}, errs.E(errs.Unauthenticated, "device credential refused")
	}
	return id, nil
}

// Names returns the names the owner gave an account's devices, by device
// ID, for vigil's own messages about them (alarm and firmware notices):
// one decision for the whole account, for purpose. A device without a
// name is absent.
func (s *Service) Names(ctx context.Context, p access.Principal, accountID string, purpose datamap.Purpose) (map[string]string, error) {
	d, err := s.check(ctx, p, access.List, res(datamap.DeviceInfo, accountID, ""), purpose)
	if err != nil {
		return nil, err
	}
	rows, err := s.store.Devices(ctx, d, accountID)
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(rows))
	for _, r := range rows {
		if name := string(s.open(ctx, r.AccountID, "devices.name_sealed", r.ID, r.NameSealed)); name != "" {
			out[r.ID] = name
		}
	}
	return out, nil
}
