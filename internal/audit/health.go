package audit

import (
	"context"
	"encoding/binary"
	"slices"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/errs"
)

// The log's health for the operator console: its size and signed head,
// how many entries each of the last 24 hours added, and a full Verify on
// demand. Only the security officer, the DPO and operator administrators
// (with their second factor) look; nothing personal is shown.

// HourCount is the number of entries appended in one hour.
type HourCount struct {
	Hour    time.Time `json:"hour"`
	Entries int       `json:"entries"`
}

// Health is the log's state.
type Health struct {
	Entries    int64       `json:"entries"`
	Checkpoint string      `json:"checkpoint"`
	PerHour    []HourCount `json:"per_hour"` // the last 24 hours, oldest first
}

// healthWindow bounds how many of the newest entries the hourly counts read.
const healthWindow = 200000

func mayOversee(p access.Principal) error {
	if p.Kind != access.KindStaff || !p.MFA {
		return errs.E(errs.Forbidden, "only staff with a second factor oversee the audit log")
	}
	if !slices.Contains([]access.StaffRole{access.StaffSecurity, access.StaffDPO, access.StaffOperatorAdmin}, p.StaffRole) {
		return errs.E(errs.Forbidden, "staff role %s does not oversee the audit log", p.StaffRole)
	}
	return nil
}

// Health reports the head and the entries per hour of the day before now.
func (l *Log) Health(ctx context.Context, p access.Principal, now time.Time) (Health, error) {
	if err := mayOversee(p); err != nil {
		return Health{}, err
	}
	head, err := l.store.Head(ctx)
	if err != nil {
		return Health{}, err
	}
	h := Health{Entries: head.Size, Checkpoint: head.Checkpoint}
	end := now.UTC().Truncate(time.Hour).Add(time.Hour)
	start := end.Add(-24 * time.Hour)
	counts := make([]int, 24)
	if head.Size > 0 {
		from := max(1, head.Size-healthWindow+1)
		err = l.store.ScanRows(ctx, from, head.Size, func(r Row) error {
			if len(r.Data) < 17 {
				return nil
			}
			t := time.UnixMicro(int64(binary.BigEndian.Uint64(r.Data[9:17]))).UTC()
			if !t.Before(start) && t.Before(end) {
				counts[int(t.Sub(start)/time.Hour)]++
			}
			return nil
		})
		if err != nil {
			return Health{}, err
		}
	}
	for i, n := range counts {
		h.PerHour = append(h.PerHour, HourCount{Hour: start.Add(time.Duration(i) * time.Hour), Entries: n})
	}
	return h, nil
}

// VerifyNow runs Verify over the whole log for an overseer.
func (l *Log) VerifyNow(ctx context.Context, p access.Principal, verifier note.Verifier) (Report, error) {
	if err := mayOversee(p); err != nil {
		return Report{}, err
	}
	return Verify(ctx, l.store, verifier)
}
