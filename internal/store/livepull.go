package store

import (
	"context"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/media/live"
)

// LivePullStore keeps the RTSP addresses of LAN cameras that vigil pulls.
type LivePullStore struct{ db *DB }

// NewLivePullStore returns the pull source store on db.
func NewLivePullStore(db *DB) *LivePullStore { return &LivePullStore{db: db} }

var _ live.SourceStore = (*LivePullStore)(nil)

func pullRes(accountID, deviceID string) access.Resource {
	return access.Resource{Category: datamap.DeviceStreamSource, AccountID: accountID, ID: deviceID}
}

// SetPull stores (or replaces) a device channel's source.
func (s *LivePullStore) SetPull(ctx context.Context, d access.Decision, r live.SourceRow) error {
	if err := d.Require(access.Update, pullRes(r.AccountID, r.DeviceID)); err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO live_pull_sources (device_id, channel, account_id, url_sealed, set_by, updated_at)
			VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (device_id, channel) DO UPDATE SET account_id = excluded.account_id, url_sealed = excluded.url_sealed,
				set_by = excluded.set_by, updated_at = excluded.updated_at`,
			r.DeviceID, r.Channel, r.AccountID, r.URLSealed, r.SetBy, Micros(r.UpdatedAt))
		return err
	})
}

// DeletePull forgets a device channel's source.
func (s *LivePullStore) DeletePull(ctx context.Context, d access.Decision, accountID, deviceID string, channel int) error {
	if err := d.Require(access.Delete, pullRes(accountID, deviceID)); err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *Tx) error {
		res, err := tx.Exec(ctx, `DELETE FROM live_pull_sources WHERE account_id = ? AND device_id = ? AND channel = ?`, accountID, deviceID, channel)
		if err != nil {
			return err
		}
		return MustAffect(res, "pull source")
	})
}

// DeletePullsOf forgets every source of a device in the account (it was
// released) and returns the channels it had.
func (s *LivePullStore) DeletePullsOf(ctx context.Context, d access.Decision, accountID, deviceID string) ([]int, error) {
	if err := d.Require(access.Delete, pullRes(accountID, deviceID)); err != nil {
		return nil, err
	}
	var chans []int
	err := s.db.Write(ctx, func(tx *Tx) error {
		var err error
		chans, err = txAll(ctx, tx, "pull sources", func(sc scanner) (ch int, err error) { return ch, sc.Scan(&ch) },
			`SELECT channel FROM live_pull_sources WHERE account_id = ? AND device_id = ?`, accountID, deviceID)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `DELETE FROM live_pull_sources WHERE account_id = ? AND device_id = ?`, accountID, deviceID)
		return err
	})
	return chans, err
}

// Pulls lists every source whose device still belongs to its account.
func (s *LivePullStore) Pulls(ctx context.Context, d access.Decision) ([]live.SourceRow, error) {
	if err := d.Require(access.List, access.Resource{Category: datamap.DeviceStreamSource}); err != nil {
		return nil, err
	}
	return queryAll(ctx, s.db, "pull sources", func(sc scanner) (live.SourceRow, error) {
		var r live.SourceRow
		var at, claimed int64
		err := sc.Scan(&r.DeviceID, &r.Channel, &r.AccountID, &r.URLSealed, &r.SetBy, &at, &claimed)
		r.UpdatedAt, r.ClaimedAt = FromMicros(at), FromMicros(claimed)
		return r, err
	}, `SELECT p.device_id, p.channel, p.account_id, p.url_sealed, p.set_by, p.updated_at, d.claimed_at FROM live_pull_sources p
		JOIN devices d ON d.id = p.device_id AND d.account_id = p.account_id ORDER BY p.device_id, p.channel`)
}
