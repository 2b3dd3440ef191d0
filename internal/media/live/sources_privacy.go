package live

import (
	"context"
	"net/url"
	"strconv"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/privacy/fulfil"
)

// SourceFilter narrows what a data-subject request touches in one
// account: some devices, all when empty.
type SourceFilter struct {
	AccountID string
	Devices   []string
}

// SourcePrivacyStore reads and erases pull sources for the privacy centre.
// Every method requires the gate's decision for device.stream_source and
// the subject (or, for a purge, the account) it is about.
type SourcePrivacyStore interface {
	ExportPulls(ctx context.Context, d access.Decision, subjectID string, f SourceFilter, emit func(SourceRow) error) error
	// ErasePulls deletes the sources in the filter and returns the
	// channels they fed.
	ErasePulls(ctx context.Context, d access.Decision, subjectID string, f SourceFilter) ([]Key, error)
	// ExpiredPulls lists the accounts, gone or closed before cutoff, that
	// still hold sources; PurgePulls deletes them.
	ExpiredPulls(ctx context.Context, cutoff time.Time) ([]string, error)
	PurgePulls(ctx context.Context, d access.Decision, accountID string, cutoff time.Time) ([]Key, error)
}

// RegisterPrivacy gives the privacy centre the export, erasure and
// retention of camera stream addresses (device.stream_source), whether or
// not pulling is on. stop, when not nil, stops pulling a channel whose
// address went.
func RegisterPrivacy(r *fulfil.Registry, st SourcePrivacyStore, k Sealer, stop func(Key)) error {
	return r.Register(datamap.DeviceStreamSource, fulfil.Handlers{Export: sourceHandler{st, k, stop}, Erase: sourceHandler{st, k, stop},
		Purge: sourceHandler{st, k, stop}})
}

// sourceHandler handles device.stream_source. Addresses belong to an
// account: a person gets those of the accounts they own.
type sourceHandler struct {
	st   SourcePrivacyStore
	keys Sealer
	stop func(Key)
}

// sourceExport is a stream address as exported. A password in it is a
// camera credential and is not exported; the address says one is held.
type sourceExport struct {
	DeviceID     string    `json:"device_id"`
	Channel      int       `json:"channel"`
	URL          string    `json:"url"`
	PasswordHeld bool      `json:"password_held,omitempty"`
	SetBy        string    `json:"set_by"`
	UpdatedAt    time.Time `json:"updated_at"`
}

func (h sourceHandler) Export(ctx context.Context, d access.Decision, subj fulfil.Subject, sc fulfil.Scope, emit func(fulfil.Record) error) error {
	for _, acct := range subj.OwnedAccounts() {
		err := h.st.ExportPulls(ctx, d, subj.ID, SourceFilter{AccountID: acct, Devices: sc.Devices}, func(r SourceRow) error {
			out := sourceExport{DeviceID: r.DeviceID, Channel: r.Channel, URL: "[erased]", SetBy: r.SetBy, UpdatedAt: r.UpdatedAt}
			if b, err := h.keys.OpenAccount(ctx, r.AccountID, r.URLSealed, sourceAD(r.DeviceID, r.Channel)); err == nil {
				out.URL, out.PasswordHeld = withoutPassword(string(b))
			}
			return emit(fulfil.Record{ID: "source/" + r.DeviceID + "/" + strconv.Itoa(r.Channel), Data: out})
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// withoutPassword drops the password from an address, keeping the user
// name, and says whether there was one.
func withoutPassword(raw string) (string, bool) {
	u, err := url.Parse(raw)
	if err != nil {
		return "[unreadable]", false
	}
	if u.User == nil {
		return raw, false
	}
	_, had := u.User.Password()
	u.User = url.User(u.User.Username())
	return u.String(), had
}

func (h sourceHandler) Erase(ctx context.Context, d access.Decision, subj fulfil.Subject, sc fulfil.Scope) (fulfil.Erased, error) {
	var out fulfil.Erased
	for _, acct := range subj.OwnedAccounts() {
		gone, err := h.st.ErasePulls(ctx, d, subj.ID, SourceFilter{AccountID: acct, Devices: sc.Devices})
		h.stopAll(gone)
		if err != nil {
			return out, err
		}
		out.Rows += int64(len(gone))
	}
	return out, nil
}

func (h sourceHandler) Expired(ctx context.Context, cutoff time.Time) ([]string, error) {
	return h.st.ExpiredPulls(ctx, cutoff)
}

func (h sourceHandler) Purge(ctx context.Context, d access.Decision, owner string, cutoff time.Time) (int64, error) {
	gone, err := h.st.PurgePulls(ctx, d, owner, cutoff)
	h.stopAll(gone)
	return int64(len(gone)), err
}

func (h sourceHandler) stopAll(keys []Key) {
	if h.stop == nil {
		return
	}
	for _, k := range keys {
		h.stop(k)
	}
}
