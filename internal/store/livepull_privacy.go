package store

import (
	"context"
	"strings"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/media/live"
)

var _ live.SourcePrivacyStore = (*LivePullStore)(nil)

func pullsWhere(f live.SourceFilter) (string, []any) {
	cond, args := "account_id = ?", []any{f.AccountID}
	if len(f.Devices) > 0 {
		cond += " AND device_id IN (" + strings.TrimSuffix(strings.Repeat("?, ", len(f.Devices)), ", ") + ")"
		for _, d := range f.Devices {
			args = append(args, d)
		}
	}
	return cond, args
}

func scanPull(sc scanner) (live.SourceRow, error) {
	var r live.SourceRow
	var at int64
	err := sc.Scan(&r.DeviceID, &r.Channel, &r.AccountID, &r.URLSealed, &r.SetBy, &at)
	r.UpdatedAt = FromMicros(at)
	return r, err
}

// ExportPulls streams the pull sources in the filter for the subject who
// owns the account.
func (s *LivePullStore) ExportPulls(ctx context.Context, d access.Decision, subjectID string, f live.SourceFilter, emit func(live.SourceRow) error) error {
	if err := d.Require(access.Export, access.Resource{Category: datamap.DeviceStreamSource, SubjectID: subjectID}); err != nil {
		return err
	}
	cond, args := pullsWhere(f)
	return scanEach(ctx, s.db, "pull sources", scanPull, emit, `SELECT device_id, channel, account_id, url_sealed, set_by, updated_at
		FROM live_pull_sources WHERE `+cond+` ORDER BY device_id, channel`, args...)
}

// ErasePulls deletes the pull sources in the filter and returns the
// channels they fed.
func (s *LivePullStore) ErasePulls(ctx context.Context, d access.Decision, subjectID string, f live.SourceFilter) ([]live.Key, error) {
	if err := d.Require(access.Delete, access.Resource{Category: datamap.DeviceStreamSource, SubjectID: subjectID}); err != nil {
		return nil, err
	}
	cond, args := pullsWhere(f)
	return s.deletePulls(ctx, cond, args...)
}

// ExpiredPulls lists the accounts, gone or closed before cutoff, that
// still hold pull sources.
func (s *LivePullStore) ExpiredPulls(ctx context.Context, cutoff time.Time) ([]string, error) {
	var out []string
	err := s.db.Read(ctx, func(tx *Tx) error {
		var err error
		out, err = txIDs(ctx, tx, "pull sources", `SELECT DISTINCT account_id FROM live_pull_sources WHERE `+closedAccount+` ORDER BY account_id`, Micros(cutoff))
		return err
	})
	return out, err
}

// PurgePulls deletes the pull sources of an account gone or closed before
// cutoff and returns the channels they fed.
func (s *LivePullStore) PurgePulls(ctx context.Context, d access.Decision, accountID string, cutoff time.Time) ([]live.Key, error) {
	if err := d.Require(access.Delete, access.Resource{Category: datamap.DeviceStreamSource, SubjectID: accountID}); err != nil {
		return nil, err
	}
	return s.deletePulls(ctx, `account_id = ? AND `+closedAccount, accountID, Micros(cutoff))
}

func (s *LivePullStore) deletePulls(ctx context.Context, cond string, args ...any) ([]live.Key, error) {
	var keys []live.Key
	err := s.db.Write(ctx, func(tx *Tx) error {
		var err error
		keys, err = txAll(ctx, tx, "pull sources", func(sc scanner) (k live.Key, err error) {
			return k, sc.Scan(&k.AccountID, &k.DeviceID, &k.Channel)
		}, `SELECT account_id, device_id, channel FROM live_pull_sources WHERE `+cond, args...)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `DELETE FROM live_pull_sources WHERE `+cond, args...)
		return err
	})
	return keys, err
}
