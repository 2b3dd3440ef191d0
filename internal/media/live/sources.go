package live

import (
	"context"
	"net/url"
	"strconv"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/clock"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/keys"
)

// SourceRow is a stored pull source: a LAN camera's RTSP URL (sealed)
// feeding a device channel.
type SourceRow struct {
	AccountID string
	DeviceID  string
	Channel   int
	URLSealed []byte
	SetBy     string
	UpdatedAt time.Time
	ClaimedAt time.Time // the device's claim into the account (read, not stored)
}

// SourceStore keeps pull sources.
type SourceStore interface {
	SetPull(ctx context.Context, d access.Decision, r SourceRow) error
	DeletePull(ctx context.Context, d access.Decision, accountID, deviceID string, channel int) error
	DeletePullsOf(ctx context.Context, d access.Decision, accountID, deviceID string) ([]int, error)
	Pulls(ctx context.Context, d access.Decision) ([]SourceRow, error)
}

// Sealer seals fields under an account's key (the keyring).
type Sealer interface {
	SealAccount(ctx context.Context, accountID string, plaintext, ad []byte) ([]byte, error)
	OpenAccount(ctx context.Context, accountID string, ciphertext, ad []byte) ([]byte, error)
}

// Sources lets owners have vigil pull a LAN camera's RTSP URL into one of
// their device channels. The URL may hold the camera's password: it is
// sealed under the account's key and never shown back.
type Sources struct {
	svc   *Service
	store SourceStore
	keys  Sealer
	gate  *access.Gate
	clk   clock.Clock
}

// NewSources returns the pull sources over store.
func NewSources(svc *Service, store SourceStore, k Sealer, gate *access.Gate, clk clock.Clock) *Sources {
	return &Sources{svc: svc, store: store, keys: k, gate: gate, clk: clk}
}

func sourceAD(deviceID string, channel int) []byte {
	return keys.FieldAD("live_pull_sources.url_sealed", deviceID+"/"+strconv.Itoa(channel))
}

// CheckPullURL accepts rtsp:// and rtsps:// URLs with a host.
func CheckPullURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "rtsp" && u.Scheme != "rtsps") || u.Hostname() == "" || len(raw) > 1024 {
		return errs.E(errs.Invalid, "want the camera's rtsp:// or rtsps:// address")
	}
	return nil
}

// Set stores the RTSP URL of a device channel and starts pulling it. The
// caller has checked that the device and channel are the account's, under
// its claim of claimedAt.
func (s *Sources) Set(ctx context.Context, p access.Principal, k Key, claimedAt time.Time, rawURL string) error {
	if err := CheckPullURL(rawURL); err != nil {
		return err
	}
	d, err := s.gate.Check(ctx, p, access.Update, access.Resource{Category: datamap.DeviceStreamSource, AccountID: k.AccountID, ID: k.DeviceID}, datamap.PurposeAlarms)
	if err != nil {
		return err
	}
	sealed, err := s.keys.SealAccount(ctx, k.AccountID, []byte(rawURL), sourceAD(k.DeviceID, k.Channel))
	if err != nil {
		return err
	}
	if err := s.store.SetPull(ctx, d, SourceRow{AccountID: k.AccountID, DeviceID: k.DeviceID, Channel: k.Channel, URLSealed: sealed, SetBy: p.ID, UpdatedAt: s.clk.Now()}); err != nil {
		return err
	}
	s.svc.Pull(k, claimedAt, rawURL)
	return nil
}

// Remove stops pulling a device channel and forgets its URL.
func (s *Sources) Remove(ctx context.Context, p access.Principal, k Key) error {
	d, err := s.gate.Check(ctx, p, access.Delete, access.Resource{Category: datamap.DeviceStreamSource, AccountID: k.AccountID, ID: k.DeviceID}, datamap.PurposeAlarms)
	if err != nil {
		return err
	}
	if err := s.store.DeletePull(ctx, d, k.AccountID, k.DeviceID, k.Channel); err != nil {
		return err
	}
	s.svc.StopPull(k)
	return nil
}

// Released stops pulling a device that left the account and forgets its
// addresses: a released camera is no longer the account's to record.
func (s *Sources) Released(ctx context.Context, accountID, deviceID string) error {
	d, err := s.gate.Check(ctx, access.System("live-pull"), access.Delete, access.Resource{Category: datamap.DeviceStreamSource, AccountID: accountID, ID: deviceID}, datamap.PurposeAlarms)
	if err != nil {
		return err
	}
	chans, err := s.store.DeletePullsOf(ctx, d, accountID, deviceID)
	for _, ch := range chans {
		s.svc.StopPull(Key{AccountID: accountID, DeviceID: deviceID, Channel: ch})
	}
	return err
}

// Start pulls every stored source (at start-up).
func (s *Sources) Start(ctx context.Context) error {
	d, err := s.gate.Check(ctx, access.System("live-pull"), access.List, access.Resource{Category: datamap.DeviceStreamSource}, datamap.PurposeAlarms)
	if err != nil {
		return err
	}
	rows, err := s.store.Pulls(ctx, d)
	if err != nil {
		return err
	}
	for _, r := range rows {
		u, err := s.keys.OpenAccount(ctx, r.AccountID, r.URLSealed, sourceAD(r.DeviceID, r.Channel))
		if err != nil {
			continue // the account's key is gone: the address is erased
		}
		s.svc.Pull(Key{AccountID: r.AccountID, DeviceID: r.DeviceID, Channel: r.Channel}, r.ClaimedAt, string(u))
	}
	return nil
}
