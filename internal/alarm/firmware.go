package alarm

import (
	"context"
	"slices"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/device"
	"github.com/vigil-cloud/vigil/internal/notify"
)

// ReleaseOffered tells the owners of every claimed device a firmware
// release reaches (U-B), one notice per device and release: the notice's
// ID is derived from both, so publishing and then widening the rollout
// tells nobody twice.
func (s *Service) ReleaseOffered(ctx context.Context, r device.Release) {
	n := s.notifierOf()
	if n == nil {
		return
	}
	devs, err := s.store.DevicesOfModel(ctx, r.Model)
	if err != nil {
		s.log.Warn("firmware notices not sent", "release", r.ID, "err", err)
		return
	}
	owners := map[string][]string{}
	names := map[string]map[string]string{}
	for _, d := range devs {
		if !r.Reaches(d.ID, d.Firmware) {
			continue
		}
		to, ok := owners[d.AccountID]
		if !ok {
			au, err := s.store.Audience(ctx, d.AccountID)
			if err != nil {
				s.log.Warn("firmware notices not sent", "release", r.ID, "err", err)
				return
			}
			for _, m := range au.Members {
				if m.Role == access.RoleOwner && !slices.Contains(to, m.UserID) {
					to = append(to, m.UserID)
				}
			}
			owners[d.AccountID] = to
			if len(to) > 0 {
				names[d.AccountID] = s.namesOf(ctx, d.AccountID, datamap.PurposeUpdates)
			}
		}
		if len(to) == 0 {
			continue
		}
		msg := FirmwareMessage(r, d, names[d.AccountID][d.ID], s.opts.PublicURL)
		if err := n.Enqueue(ctx, msg, to); err != nil {
			s.log.Warn("firmware notice not queued", "release", r.ID, "device", d.ID, "err", err)
		}
	}
}

// renotifyReleases tells owners again of the releases of the past week,
// at start-up: a crash between publishing a release (or widening it) and
// queueing its notices loses nothing, and the notices' stable IDs keep
// anyone from being told twice.
func (s *Service) renotifyReleases(ctx context.Context) {
	if s.notifierOf() == nil {
		return
	}
	rels, err := s.store.ReleasesSince(ctx, s.clk.Now().Add(-7*24*time.Hour))
	if err != nil {
		s.log.Warn("firmware notices not resumed", "err", err)
		return
	}
	for _, r := range rels {
		s.ReleaseOffered(ctx, r)
	}
}

// FirmwareMessage is the notice that release r is offered to device d,
// which its owner named name ("" when unnamed: the notice names the model).
func FirmwareMessage(r device.Release, d DeviceRef, name, publicURL string) notify.Message {
	which := "your " + r.Model
	if name != "" {
		which = name + " (" + r.Model + ")"
	}
	return notify.Message{ID: "fw_" + r.ID + "_" + d.ID, AccountID: d.AccountID, Kind: notify.KindFirmware, Time: r.PublishedAt,
		Title: "Firmware " + r.Version + " is available", Body: "A firmware update to " + r.Version + " is available for " + which + ".",
		URL: publicURL + "/#/devices", DeviceID: d.ID}
}

// Released erases a released device's alarms and snapshots.
func (s *Service) Released(ctx context.Context, accountID, deviceID string) {
	snaps, err := s.store.EraseDevice(ctx, accountID, deviceID)
	if err != nil {
		s.log.Error("released device's alarms not erased", "device", deviceID, "err", err)
		return
	}
	for _, sn := range snaps {
		if err := s.blobs.Delete(ctx, accountID, sn.blobKey()); err != nil {
			s.log.Warn("snapshot blob not deleted", "snapshot", sn.ID, "err", err)
		}
	}
}
