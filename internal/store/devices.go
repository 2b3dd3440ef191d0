package store

import (
	"context"
	"crypto/hmac"
	"strings"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/device"
	"github.com/vigil-cloud/vigil/internal/errs"
)

// DeviceStore keeps the device link: models, the manufacture registry,
// claims, ingest, shadows and release catalogues.
type DeviceStore struct{ db *DB }

// NewDeviceStore returns the device store on db.
func NewDeviceStore(db *DB) *DeviceStore { return &DeviceStore{db: db} }

var _ device.Store = (*DeviceStore)(nil)

func deviceRes(cat datamap.CategoryID, accountID, id string) access.Resource {
	return access.Resource{Category: cat, AccountID: accountID, ID: id}
}

// forUpdate locks the rows a read selects until the transaction ends; SQLite
// needs no clause, its write transactions are exclusive.
func forUpdate(tx *Tx) string {
	if tx.Dialect() == Postgres {
		return " FOR UPDATE"
	}
	return ""
}

// PutModel adds or replaces a model.
func (s *DeviceStore) PutModel(ctx context.Context, m device.Model) error {
	return s.db.Write(ctx, func(tx *Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO device_models (model, kind, channels, config_schema, created_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (model) DO UPDATE SET kind = excluded.kind, channels = excluded.channels, config_schema = excluded.config_schema`,
			m.Model, string(m.Kind), m.Channels, m.ConfigSchema, Micros(tx.Now))
		return err
	})
}

func scanModel(sc scanner) (device.Model, error) {
	var m device.Model
	var kind string
	var created int64
	err := sc.Scan(&m.Model, &kind, &m.Channels, &m.ConfigSchema, &created)
	m.Kind, m.CreatedAt = device.Kind(kind), FromMicros(created)
	return m, err
}

// Model returns one model.
func (s *DeviceStore) Model(ctx context.Context, model string) (device.Model, error) {
	var m device.Model
	err := s.db.Read(ctx, func(tx *Tx) error {
		var err error
		m, err = scanModel(tx.QueryRow(ctx, `SELECT model, kind, channels, config_schema, created_at FROM device_models WHERE model = ?`, model))
		return tx.Err(err, "model")
	})
	return m, err
}

// Models lists the models.
func (s *DeviceStore) Models(ctx context.Context) ([]device.Model, error) {
	return queryAll(ctx, s.db, "models", scanModel, `SELECT model, kind, channels, config_schema, created_at FROM device_models ORDER BY model`)
}

// Register enters manufactured devices in one transaction.
func (s *DeviceStore) Register(ctx context.Context, regs []device.Registration) error {
	return s.db.Write(ctx, func(tx *Tx) error {
		for _, r := range regs {
			var n int
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM device_models WHERE model = ?`, r.Model).Scan(&n); err != nil {
				return tx.Err(err, "model")
			}
			if n == 0 {
				return errs.E(errs.Invalid, "unknown model %q; add it first", r.Model)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO devices (id, serial, model, claim_index, factory_index, registered_at) VALUES (?, ?, ?, ?, ?, ?)`,
				r.ID, r.Serial, r.Model, r.ClaimIndex, r.FactoryIndex, Micros(tx.Now)); err != nil {
				if errs.Is(tx.Err(err, "device"), errs.Conflict) {
					return errs.E(errs.Conflict, "serial %s is already registered", r.Serial)
				}
				return err
			}
		}
		return nil
	})
}

const deviceColumns = `d.id, d.serial, d.model, m.kind, m.channels, d.account_id, d.site_id, d.claimed_at, d.lost_at,
	d.name_sealed, d.error_details, d.cred_issued_at, d.firmware_version, d.app_version, d.software_id, d.region,
	d.language, d.time_zone, d.font, d.info_at, d.online, d.last_seen_at, d.dropped_fields, d.rejected_messages`

const deviceFrom = ` FROM devices d JOIN device_models m ON m.model = d.model`

func scanDevice(sc scanner) (device.Row, error) {
	var r device.Row
	var kind string
	var claimed, lost, issued, infoAt, seen, errDetails, online int64
	err := sc.Scan(&r.ID, &r.Serial, &r.Model, &kind, &r.Channels, &r.AccountID, &r.SiteID, &claimed, &lost,
		&r.NameSealed, &errDetails, &issued, &r.Info.FirmwareVersion, &r.Info.AppVersion, &r.Info.SoftwareID, &r.Info.Region,
		&r.Info.Language, &r.Info.TimeZone, &r.Info.Font, &infoAt, &online, &seen, &r.DroppedFields, &r.RejectedMessages)
	r.Kind = device.Kind(kind)
	r.ClaimedAt, r.LostAt, r.CredIssuedAt = FromMicros(claimed), FromMicros(lost), FromMicros(issued)
	r.InfoAt, r.LastSeenAt = FromMicros(infoAt), FromMicros(seen)
	r.ErrorDetails, r.Online = errDetails != 0, online != 0
	return r, err
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// siteCheck refuses a site that is not the account's.
func siteCheck(ctx context.Context, tx *Tx, accountID, siteID string) error {
	if siteID == "" {
		return nil
	}
	var n int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM sites WHERE account_id = ? AND id = ?`, accountID, siteID).Scan(&n); err != nil {
		return tx.Err(err, "site")
	}
	if n == 0 {
		return errs.E(errs.Invalid, "site_id is not a site of this account")
	}
	return nil
}

// claim binds the locked device row to an account.
func claim(ctx context.Context, tx *Tx, r device.Row, c device.Claim) error {
	if r.AccountID != "" {
		if !r.LostAt.IsZero() {
			return errs.E(errs.Conflict, "this device was reported lost or stolen; its owner must release it first")
		}
		return errs.E(errs.Conflict, "this device already belongs to an account; its owner must release it first")
	}
	if err := siteCheck(ctx, tx, c.AccountID, c.SiteID); err != nil {
		return err
	}
	name, err := c.Name(c.AccountID, r)
	if err != nil {
		return err
	}
	res, err := tx.Exec(ctx, `UPDATE devices SET account_id = ?, site_id = ?, claimed_at = ?, name_sealed = ?, cred_hash = ?, cred_issued_at = ?,
		lost_at = 0, error_details = 0, online = 0 WHERE id = ? AND account_id = ''`,
		c.AccountID, c.SiteID, Micros(tx.Now), name, c.CredHash, Micros(tx.Now), r.ID)
	if err != nil {
		return err
	}
	return MustAffect(res, "device")
}

func lockBySerial(ctx context.Context, tx *Tx, serial string) (device.Row, []byte, error) {
	r, p, err := lockForProof(ctx, tx, serial)
	return r, p.ClaimIndex, err
}

// lockForProof locks the device with serial and returns the fingerprints
// it can be proved with.
func lockForProof(ctx context.Context, tx *Tx, serial string) (device.Row, device.Proof, error) {
	var p device.Proof
	var r device.Row
	err := tx.QueryRow(ctx, `SELECT claim_index, factory_index FROM devices WHERE serial = ?`+forUpdate(tx), serial).Scan(&p.ClaimIndex, &p.FactoryIndex)
	if err != nil {
		return r, p, tx.Err(err, "device")
	}
	r, err = scanDevice(tx.QueryRow(ctx, `SELECT `+deviceColumns+deviceFrom+` WHERE d.serial = ?`, serial))
	return r, p, tx.Err(err, "device")
}

// proves reports whether what a device presented matches what the
// registry keeps for it; no secret at all proves nothing.
func proves(got, want device.Proof) bool {
	claim := len(got.ClaimIndex) > 0 && hmac.Equal(got.ClaimIndex, want.ClaimIndex)
	factory := len(got.FactoryIndex) > 0 && len(want.FactoryIndex) > 0 && hmac.Equal(got.FactoryIndex, want.FactoryIndex)
	return claim || factory
}

var errNoDeviceProof = errs.E(errs.Unauthenticated, "no device with that serial number and secret")

var errNoSuchClaim = errs.E(errs.NotFound, "no device with that serial number and claim code")

// ClaimDevice binds the device with serial and claim fingerprint.
func (s *DeviceStore) ClaimDevice(ctx context.Context, d access.Decision, serial string, claimIndex []byte, c device.Claim) (string, error) {
	if err := d.Require(access.Create, deviceRes(datamap.DeviceInfo, c.AccountID, "")); err != nil {
		return "", err
	}
	var id string
	err := s.db.Write(ctx, func(tx *Tx) error {
		r, idx, err := lockBySerial(ctx, tx, serial)
		if errs.Is(err, errs.NotFound) || (err == nil && !equalBytes(idx, claimIndex)) {
			return errNoSuchClaim
		}
		if err != nil {
			return err
		}
		id = r.ID
		return claim(ctx, tx, r, c)
	})
	return id, err
}

func equalBytes(a, b []byte) bool { return string(a) == string(b) }

// CreatePairing stores a pairing token.
func (s *DeviceStore) CreatePairing(ctx context.Context, d access.Decision, p device.Pairing) error {
	if err := d.Require(access.Create, deviceRes(datamap.DeviceInfo, p.AccountID, "")); err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *Tx) error {
		if err := siteCheck(ctx, tx, p.AccountID, p.SiteID); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO device_pairings (token_hash, account_id, site_id, created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)`,
			p.TokenHash, p.AccountID, p.SiteID, p.CreatedBy, Micros(tx.Now), Micros(p.ExpiresAt))
		return err
	})
}

var errNoPairing = errs.E(errs.Unauthenticated, "pairing token unknown, used or expired; ask the app for a new one")

// Pairing returns an unspent, unexpired pairing token.
func (s *DeviceStore) Pairing(ctx context.Context, tokenHash []byte) (device.Pairing, error) {
	var p device.Pairing
	err := s.db.Read(ctx, func(tx *Tx) error {
		var exp int64
		err := tx.QueryRow(ctx, `SELECT account_id, site_id, created_by, expires_at FROM device_pairings
			WHERE token_hash = ? AND used_at = 0 AND expires_at > ?`, tokenHash, Micros(tx.Now)).Scan(&p.AccountID, &p.SiteID, &p.CreatedBy, &exp)
		if err != nil {
			if errs.Is(tx.Err(err, "pairing"), errs.NotFound) {
				return errNoPairing
			}
			return tx.Err(err, "pairing")
		}
		p.TokenHash, p.ExpiresAt = tokenHash, FromMicros(exp)
		return nil
	})
	return p, err
}

// Pair spends the token and claims the device in one transaction, if the
// device proved itself; otherwise the token stays unspent.
func (s *DeviceStore) Pair(ctx context.Context, d access.Decision, serial string, tokenHash []byte, proof device.Proof, c device.Claim) (string, error) {
	if err := d.Require(access.Create, deviceRes(datamap.DeviceInfo, c.AccountID, "")); err != nil {
		return "", err
	}
	var id string
	err := s.db.Write(ctx, func(tx *Tx) error {
		res, err := tx.Exec(ctx, `UPDATE device_pairings SET used_at = ? WHERE token_hash = ? AND account_id = ? AND used_at = 0 AND expires_at > ?`,
			Micros(tx.Now), tokenHash, c.AccountID, Micros(tx.Now))
		if err != nil {
			return err
		}
		if MustAffect(res, "pairing") != nil {
			return errNoPairing
		}
		r, want, err := lockForProof(ctx, tx, serial)
		if errs.Is(err, errs.NotFound) || (err == nil && !proves(proof, want)) {
			return errNoDeviceProof
		}
		if err != nil {
			return err
		}
		id = r.ID
		return claim(ctx, tx, r, c)
	})
	return id, err
}

// Device returns one device of an account.
// The decision may be for the device's site (a person of one site): it must
// cover the site the device is in, checked before the row is returned.
func (s *DeviceStore) Device(ctx context.Context, d access.Decision, accountID, id string) (device.Row, error) {
	var r device.Row
	err := s.db.Read(ctx, func(tx *Tx) error {
		var err error
		r, err = scanDevice(tx.QueryRow(ctx, `SELECT `+deviceColumns+deviceFrom+` WHERE d.account_id = ? AND d.id = ?`, accountID, id))
		return tx.Err(err, "device")
	})
	if err != nil {
		return device.Row{}, err
	}
	res := deviceRes(datamap.DeviceInfo, accountID, id)
	res.SiteID = r.SiteID
	// A decision to create or change the device covers reading back what
	// it wrote: one request, one decision.
	if err := requireAny(d, []access.Resource{res}, access.Read, access.Update, access.Create); err != nil {
		return device.Row{}, err
	}
	return r, nil
}

// DeviceSite returns the site a device of the account is in ("" for none):
// what a gate decision about the device must name for people of one site.
func (s *DeviceStore) DeviceSite(ctx context.Context, accountID, id string) (string, error) {
	var site string
	err := s.db.Read(ctx, func(tx *Tx) error {
		return tx.Err(tx.QueryRow(ctx, `SELECT site_id FROM devices WHERE account_id = ? AND id = ?`, accountID, id).Scan(&site), "device")
	})
	return site, err
}

// Devices lists an account's devices.
func (s *DeviceStore) Devices(ctx context.Context, d access.Decision, accountID string) ([]device.Row, error) {
	// A decision on one site lists that site's devices only.
	r := deviceRes(datamap.DeviceInfo, accountID, "")
	r.SiteID = d.Resource().SiteID
	if err := d.Require(access.List, r); err != nil {
		return nil, err
	}
	if r.SiteID != "" {
		return queryAll(ctx, s.db, "devices", scanDevice, `SELECT `+deviceColumns+deviceFrom+` WHERE d.account_id = ? AND d.site_id = ? ORDER BY d.claimed_at, d.id`, accountID, r.SiteID)
	}
	return queryAll(ctx, s.db, "devices", scanDevice, `SELECT `+deviceColumns+deviceFrom+` WHERE d.account_id = ? ORDER BY d.claimed_at, d.id`, accountID)
}

func (s *DeviceStore) updateOwned(ctx context.Context, q string, args ...any) error {
	return s.db.Write(ctx, func(tx *Tx) error {
		res, err := tx.Exec(ctx, q, args...)
		if err != nil {
			return err
		}
		return MustAffect(res, "device")
	})
}

// UpdateDevice sets a device's name and site.
func (s *DeviceStore) UpdateDevice(ctx context.Context, d access.Decision, accountID, id string, nameSealed []byte, siteID string) error {
	if err := d.Require(access.Update, deviceRes(datamap.DeviceInfo, accountID, id)); err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *Tx) error {
		if err := siteCheck(ctx, tx, accountID, siteID); err != nil {
			return err
		}
		res, err := tx.Exec(ctx, `UPDATE devices SET name_sealed = ?, site_id = ? WHERE account_id = ? AND id = ?`, nameSealed, siteID, accountID, id)
		if err != nil {
			return err
		}
		return MustAffect(res, "device")
	})
}

// SetErrorDetails turns the sending of a device's error details on or off.
func (s *DeviceStore) SetErrorDetails(ctx context.Context, d access.Decision, accountID, id string, on bool) error {
	if err := d.Require(access.Update, deviceRes(datamap.DeviceErrorReport, accountID, id)); err != nil {
		return err
	}
	return s.updateOwned(ctx, `UPDATE devices SET error_details = ? WHERE account_id = ? AND id = ?`, b2i(on), accountID, id)
}

// Release unbinds a device and erases what it reported in the account.
func (s *DeviceStore) Release(ctx context.Context, d access.Decision, accountID, id string) error {
	if err := d.Require(access.Delete, deviceRes(datamap.DeviceInfo, accountID, id)); err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *Tx) error {
		_, err := releaseDevice(ctx, tx, accountID, id)
		return err
	})
}

// SetLost marks a device lost and withdraws its credential.
func (s *DeviceStore) SetLost(ctx context.Context, d access.Decision, accountID, id string) error {
	if err := d.Require(access.Update, deviceRes(datamap.DeviceInfo, accountID, id)); err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *Tx) error {
		res, err := tx.Exec(ctx, `UPDATE devices SET lost_at = ?, cred_hash = NULL, cred_issued_at = 0, online = 0 WHERE account_id = ? AND id = ?`,
			Micros(tx.Now), accountID, id)
		if err != nil {
			return err
		}
		return MustAffect(res, "device")
	})
}

// SetCredential replaces (or, with nil, withdraws) a device's credential.
func (s *DeviceStore) SetCredential(ctx context.Context, d access.Decision, accountID, id string, credHash []byte) error {
	action := access.Create
	if credHash == nil {
		action = access.Delete
	}
	if err := d.Require(action, deviceRes(datamap.DeviceCredential, accountID, id)); err != nil {
		return err
	}
	var issued int64
	if credHash != nil {
		issued = Micros(s.db.Clock().Now())
	}
	return s.db.Write(ctx, func(tx *Tx) error {
		var lost int64
		if err := tx.QueryRow(ctx, `SELECT lost_at FROM devices WHERE account_id = ? AND id = ?`, accountID, id).Scan(&lost); err != nil {
			return tx.Err(err, "device")
		}
		if lost != 0 && credHash != nil {
			return errs.E(errs.Conflict, "this device is reported lost; release it before giving it a new credential")
		}
		_, err := tx.Exec(ctx, `UPDATE devices SET cred_hash = ?, cred_issued_at = ?, online = 0 WHERE account_id = ? AND id = ?`,
			credHash, issued, accountID, id)
		return err
	})
}

// Authenticate finds the claimed, not lost device whose credential hashes
// to credHash.
func (s *DeviceStore) Authenticate(ctx context.Context, credHash []byte) (device.Identity, error) {
	var id device.Identity
	err := s.db.Read(ctx, func(tx *Tx) error {
		var kind string
		var claimed int64
		err := tx.QueryRow(ctx, `SELECT d.id, d.account_id, m.kind, m.channels, d.claimed_at`+deviceFrom+`
			WHERE d.cred_hash = ? AND d.account_id != '' AND d.lost_at = 0`, credHash).Scan(&id.DeviceID, &id.AccountID, &kind, &id.Channels, &claimed)
		id.Kind, id.ClaimedAt = device.Kind(kind), FromMicros(claimed)
		return tx.Err(err, "device credential")
	})
	return id, err
}

// Ingest runs fn in one write transaction.
func (s *DeviceStore) Ingest(ctx context.Context, fn func(device.IngestTx) error) error {
	return s.db.Write(ctx, func(tx *Tx) error {
		return fn(&ingestTx{ctx: ctx, tx: tx, rows: map[string]device.Row{}})
	})
}

type ingestTx struct {
	ctx  context.Context
	tx   *Tx
	rows map[string]device.Row
}

func (t *ingestTx) Device(id string) (device.Row, error) {
	if r, ok := t.rows[id]; ok {
		return r, nil
	}
	r, err := scanDevice(t.tx.QueryRow(t.ctx, `SELECT `+deviceColumns+deviceFrom+` WHERE d.id = ?`, id))
	if err != nil {
		return r, t.tx.Err(err, "device")
	}
	t.rows[id] = r
	return r, nil
}

// infoColumns maps Info's JSON names to their columns.
var infoColumns = map[string]string{
	"firmware_version": "firmware_version", "app_version": "app_version", "software_id": "software_id",
	"region": "region", "language": "language", "time_zone": "time_zone", "font": "font",
}

func (t *ingestTx) ApplyInfo(id string, fields map[string]string, nameSealed []byte) error {
	sets := []string{"info_at = ?", "last_seen_at = ?"}
	args := []any{Micros(t.tx.Now), Micros(t.tx.Now)}
	for k, v := range fields {
		col, ok := infoColumns[k]
		if !ok {
			return errs.E(errs.Internal, "info field %q has no column", k)
		}
		sets = append(sets, col+" = ?")
		args = append(args, v)
	}
	if nameSealed != nil {
		sets = append(sets, "name_sealed = ?")
		args = append(args, nameSealed)
	}
	_, err := t.tx.Exec(t.ctx, `UPDATE devices SET `+strings.Join(sets, ", ")+` WHERE id = ?`, append(args, id)...)
	delete(t.rows, id)
	return err
}

func (t *ingestTx) AddEvent(accountID string, e device.EventRow) error {
	_, err := t.tx.Exec(t.ctx, `INSERT INTO device_events (account_id, device_id, event_id, channel, kind, code, version, occurred_at, received_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (device_id, event_id) WHERE event_id != '' DO NOTHING`,
		accountID, e.DeviceID, e.EventID, e.Channel, e.Kind, e.Code, e.Version, Micros(e.At), Micros(e.ReceivedAt))
	return err
}

func (t *ingestTx) Seen(id string, online bool, node string) (bool, error) {
	r, err := t.Device(id)
	if err != nil {
		return false, err
	}
	if _, err := t.tx.Exec(t.ctx, `UPDATE devices SET online = ?, last_seen_at = ?, node_id = CASE WHEN ? = '' THEN node_id ELSE ? END WHERE id = ?`,
		b2i(online), Micros(t.tx.Now), node, node, id); err != nil {
		return false, err
	}
	was := r.Online
	r.Online, r.LastSeenAt = online, t.tx.Now
	t.rows[id] = r
	return was, nil
}

func (t *ingestTx) Count(id string, dropped, rejected int) error {
	_, err := t.tx.Exec(t.ctx, `UPDATE devices SET dropped_fields = dropped_fields + ?, rejected_messages = rejected_messages + ? WHERE id = ?`,
		dropped, rejected, id)
	return err
}

func insertReport(ctx context.Context, tx *Tx, r device.ReportRow) error {
	_, err := tx.Exec(ctx, `INSERT INTO error_reports (id, account_id, device_id, user_id, kind, body_sealed, received_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		r.ID, r.AccountID, r.DeviceID, r.UserID, r.Kind, r.BodySealed, Micros(r.ReceivedAt))
	return err
}

func (t *ingestTx) AddReport(r device.ReportRow) error { return insertReport(t.ctx, t.tx, r) }

const shadowColumns = `account_id, device_id, channel, version, desired_sealed, reported_sealed, desired_at, reported_at`

func scanShadow(sc scanner) (device.ShadowRow, error) {
	var r device.ShadowRow
	var dAt, rAt int64
	err := sc.Scan(&r.AccountID, &r.DeviceID, &r.Channel, &r.Version, &r.DesiredSealed, &r.ReportedSealed, &dAt, &rAt)
	r.DesiredAt, r.ReportedAt = FromMicros(dAt), FromMicros(rAt)
	return r, err
}

func (t *ingestTx) Shadow(deviceID string, channel int) (device.ShadowRow, bool, error) {
	r, err := scanShadow(t.tx.QueryRow(t.ctx, `SELECT `+shadowColumns+` FROM device_shadows WHERE device_id = ? AND channel = ?`+forUpdate(t.tx), deviceID, channel))
	if err != nil {
		err = t.tx.Err(err, "shadow")
		if errs.Is(err, errs.NotFound) {
			return device.ShadowRow{DeviceID: deviceID, Channel: channel}, false, nil
		}
		return r, false, err
	}
	return r, true, nil
}

func (t *ingestTx) PutReported(r device.ShadowRow) error {
	desired := r.DesiredSealed
	if desired == nil {
		desired = []byte{}
	}
	_, err := t.tx.Exec(t.ctx, `INSERT INTO device_shadows (`+shadowColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (device_id, channel) DO UPDATE SET reported_sealed = excluded.reported_sealed, reported_at = excluded.reported_at`,
		r.AccountID, r.DeviceID, r.Channel, r.Version, desired, r.ReportedSealed, Micros(r.DesiredAt), Micros(t.tx.Now))
	return err
}

// RecordIP notes the address a device connected from: the last row is
// extended when it is the same address, otherwise a row is added.
func (s *DeviceStore) RecordIP(ctx context.Context, accountID, deviceID, prefix string, same func([]byte) bool, seal func() ([]byte, error)) error {
	return s.db.Write(ctx, func(tx *Tx) error {
		var id int64
		var sealed []byte
		err := tx.QueryRow(ctx, `SELECT id, ip_sealed FROM device_ips WHERE account_id = ? AND device_id = ? ORDER BY id DESC LIMIT 1`,
			accountID, deviceID).Scan(&id, &sealed)
		if err = tx.Err(err, "address"); err != nil && !errs.Is(err, errs.NotFound) {
			return err
		}
		if err == nil && sealed != nil && same(sealed) {
			_, err := tx.Exec(ctx, `UPDATE device_ips SET last_seen_at = ? WHERE id = ?`, Micros(tx.Now), id)
			return err
		}
		b, err := seal()
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO device_ips (account_id, device_id, ip_sealed, ip_prefix, first_seen_at, last_seen_at) VALUES (?, ?, ?, ?, ?, ?)`,
			accountID, deviceID, b, prefix, Micros(tx.Now), Micros(tx.Now))
		return err
	})
}

// AddReport stores an error report from the app.
func (s *DeviceStore) AddReport(ctx context.Context, d access.Decision, r device.ReportRow) error {
	if err := d.Require(access.Create, deviceRes(datamap.DeviceErrorReport, r.AccountID, "")); err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *Tx) error { return insertReport(ctx, tx, r) })
}

func scanEvent(sc scanner) (device.EventRow, error) {
	var e device.EventRow
	var at, rec int64
	err := sc.Scan(&e.ID, &e.DeviceID, &e.EventID, &e.Channel, &e.Kind, &e.Code, &e.Version, &at, &rec)
	e.At, e.ReceivedAt = FromMicros(at), FromMicros(rec)
	return e, err
}

// Events lists a device's events, newest first.
func (s *DeviceStore) Events(ctx context.Context, d access.Decision, accountID, deviceID string, before int64, limit int) ([]device.EventRow, error) {
	if err := d.Require(access.List, deviceRes(datamap.DeviceEvent, accountID, deviceID)); err != nil {
		return nil, err
	}
	if before <= 0 {
		before = 1 << 62
	}
	return queryAll(ctx, s.db, "events", scanEvent, `SELECT id, device_id, event_id, channel, kind, code, version, occurred_at, received_at
		FROM device_events WHERE account_id = ? AND device_id = ? AND id < ? ORDER BY id DESC LIMIT ?`, accountID, deviceID, before, limit)
}

// IPs lists the addresses a device connected from, newest first.
func (s *DeviceStore) IPs(ctx context.Context, d access.Decision, accountID, deviceID string) ([]device.IPRow, error) {
	if err := d.Require(access.List, deviceRes(datamap.NetIP, accountID, deviceID)); err != nil {
		return nil, err
	}
	return queryAll(ctx, s.db, "addresses", func(sc scanner) (device.IPRow, error) {
		var r device.IPRow
		var first, last int64
		err := sc.Scan(&r.ID, &r.IPSealed, &r.Prefix, &first, &last)
		r.FirstSeenAt, r.LastSeenAt = FromMicros(first), FromMicros(last)
		return r, err
	}, `SELECT id, ip_sealed, ip_prefix, first_seen_at, last_seen_at FROM device_ips WHERE account_id = ? AND device_id = ? ORDER BY id DESC`, accountID, deviceID)
}

// Reports lists an account's error reports, newest first.
func (s *DeviceStore) Reports(ctx context.Context, d access.Decision, accountID string, limit int) ([]device.ReportRow, error) {
	if err := d.Require(access.List, deviceRes(datamap.DeviceErrorReport, accountID, "")); err != nil {
		return nil, err
	}
	return queryAll(ctx, s.db, "error reports", func(sc scanner) (device.ReportRow, error) {
		var r device.ReportRow
		var at int64
		err := sc.Scan(&r.ID, &r.AccountID, &r.DeviceID, &r.UserID, &r.Kind, &r.BodySealed, &at)
		r.ReceivedAt = FromMicros(at)
		return r, err
	}, `SELECT id, account_id, device_id, user_id, kind, body_sealed, received_at FROM error_reports WHERE account_id = ? ORDER BY received_at DESC, id LIMIT ?`, accountID, limit)
}

// Shadow returns a shadow of a device of the account (an empty one at
// version 0 when none was set) with the device's model, whose schema the
// settings follow, under a decision to read or change the device's
// configuration; errs.NotFound for a device not in the account.
func (s *DeviceStore) Shadow(ctx context.Context, d access.Decision, accountID, deviceID string, channel int) (device.ShadowRow, device.Model, error) {
	if err := requireAny(d, []access.Resource{deviceRes(datamap.DeviceConfig, accountID, deviceID)}, access.Read, access.Update); err != nil {
		return device.ShadowRow{}, device.Model{}, err
	}
	var r device.ShadowRow
	var m device.Model
	err := s.db.Read(ctx, func(tx *Tx) error {
		var kind string
		err := tx.QueryRow(ctx, `SELECT m.model, m.kind, m.channels`+deviceFrom+` WHERE d.account_id = ? AND d.id = ?`, accountID, deviceID).
			Scan(&m.Model, &kind, &m.Channels)
		if err := tx.Err(err, "device"); err != nil {
			return err
		}
		m.Kind = device.Kind(kind)
		r, err = txShadow(ctx, tx, accountID, deviceID, channel)
		return err
	})
	return r, m, err
}

// DeviceShadow returns a shadow for the device's own link (no decision:
// the device acts for itself); an unset one has version 0.
func (s *DeviceStore) DeviceShadow(ctx context.Context, accountID, deviceID string, channel int) (device.ShadowRow, error) {
	var r device.ShadowRow
	err := s.db.Read(ctx, func(tx *Tx) error {
		var err error
		r, err = txShadow(ctx, tx, accountID, deviceID, channel)
		return err
	})
	return r, err
}

func txShadow(ctx context.Context, tx *Tx, accountID, deviceID string, channel int) (device.ShadowRow, error) {
	r, err := scanShadow(tx.QueryRow(ctx, `SELECT `+shadowColumns+` FROM device_shadows WHERE account_id = ? AND device_id = ? AND channel = ?`,
		accountID, deviceID, channel))
	if err = tx.Err(err, "shadow"); errs.Is(err, errs.NotFound) {
		return device.ShadowRow{AccountID: accountID, DeviceID: deviceID, Channel: channel}, nil
	}
	return r, err
}

// PutDesired stores a new desired state if the shadow is at version expect.
func (s *DeviceStore) PutDesired(ctx context.Context, d access.Decision, r device.ShadowRow, expect int64) (int64, error) {
	if err := d.Require(access.Update, deviceRes(datamap.DeviceConfig, r.AccountID, r.DeviceID)); err != nil {
		return 0, err
	}
	conflict := errs.E(errs.Conflict, "the settings changed since version %d; reload and try again", expect)
	err := s.db.Write(ctx, func(tx *Tx) error {
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM devices WHERE account_id = ? AND id = ?`, r.AccountID, r.DeviceID).Scan(&n); err != nil || n == 0 {
			return errs.E(errs.NotFound, "device not found")
		}
		if expect == 0 {
			res, err := tx.Exec(ctx, `INSERT INTO device_shadows (`+shadowColumns+`) VALUES (?, ?, ?, 1, ?, ?, ?, 0)
				ON CONFLICT (device_id, channel) DO UPDATE SET version = 1, desired_sealed = excluded.desired_sealed, desired_at = excluded.desired_at
				WHERE device_shadows.version = 0`,
				r.AccountID, r.DeviceID, r.Channel, r.DesiredSealed, []byte{}, Micros(tx.Now))
			if err != nil {
				return err
			}
			if MustAffect(res, "shadow") != nil {
				return conflict
			}
		} else {
			res, err := tx.Exec(ctx, `UPDATE device_shadows SET version = version + 1, desired_sealed = ?, desired_at = ?
				WHERE account_id = ? AND device_id = ? AND channel = ? AND version = ?`,
				r.DesiredSealed, Micros(tx.Now), r.AccountID, r.DeviceID, r.Channel, expect)
			if err != nil {
				return err
			}
			if MustAffect(res, "shadow") != nil {
				return conflict
			}
		}
		return nil
	})
	return expect + 1, err
}

// UpdateReported applies fn to a shadow's reported state under a row lock.
func (s *DeviceStore) UpdateReported(ctx context.Context, accountID, deviceID string, channel int, fn func(device.ShadowRow) ([]byte, error)) error {
	return s.Ingest(ctx, func(itx device.IngestTx) error {
		row, _, err := itx.Shadow(deviceID, channel)
		if err != nil {
			return err
		}
		row.AccountID = accountID
		if row.ReportedSealed, err = fn(row); err != nil {
			return err
		}
		return itx.PutReported(row)
	})
}

func scanRelease(sc scanner) (device.Release, error) {
	var r device.Release
	var at int64
	err := sc.Scan(&r.ID, &r.Model, &r.Version, &r.Notes, &r.SHA256, &r.Signature, &r.URL, &r.RolloutPercent, &at)
	r.PublishedAt = FromMicros(at)
	return r, err
}

const releaseColumns = `id, model, version, notes, sha256, signature, url, rollout_percent, published_at`

// PutRelease adds a firmware release.
func (s *DeviceStore) PutRelease(ctx context.Context, r device.Release) error {
	return s.db.Write(ctx, func(tx *Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO firmware_releases (`+releaseColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			r.ID, r.Model, r.Version, r.Notes, r.SHA256, r.Signature, r.URL, r.RolloutPercent, Micros(r.PublishedAt))
		if errs.Is(tx.Err(err, "release"), errs.Conflict) {
			return errs.E(errs.Conflict, "version %s of %s is already published", r.Version, r.Model)
		}
		return err
	})
}

// SetRollout changes a release's rollout percentage.
func (s *DeviceStore) SetRollout(ctx context.Context, id string, percent int) (device.Release, error) {
	var r device.Release
	err := s.db.Write(ctx, func(tx *Tx) error {
		res, err := tx.Exec(ctx, `UPDATE firmware_releases SET rollout_percent = ? WHERE id = ?`, percent, id)
		if err != nil {
			return err
		}
		if err := MustAffect(res, "release"); err != nil {
			return err
		}
		r, err = scanRelease(tx.QueryRow(ctx, `SELECT `+releaseColumns+` FROM firmware_releases WHERE id = ?`, id))
		return tx.Err(err, "release")
	})
	return r, err
}

// Releases lists a model's releases, newest first.
func (s *DeviceStore) Releases(ctx context.Context, model string) ([]device.Release, error) {
	rels, err := queryAll(ctx, s.db, "releases", scanRelease, `SELECT `+releaseColumns+` FROM firmware_releases WHERE model = ?`, model)
	if err != nil {
		return nil, err
	}
	device.SortReleases(rels)
	return rels, nil
}

// OnlineDevicesOfModel lists the connected claimed devices of a model.
func (s *DeviceStore) OnlineDevicesOfModel(ctx context.Context, model string) ([]device.Row, error) {
	return queryAll(ctx, s.db, "devices", scanDevice, `SELECT `+deviceColumns+deviceFrom+`
		WHERE d.model = ? AND d.account_id != '' AND d.online = 1 ORDER BY d.id`, model)
}

// PutAppRelease sets a platform's app versions.
func (s *DeviceStore) PutAppRelease(ctx context.Context, r device.AppRelease) error {
	return s.db.Write(ctx, func(tx *Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO app_releases (platform, latest, minimum, notes, updated_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (platform) DO UPDATE SET latest = excluded.latest, minimum = excluded.minimum, notes = excluded.notes, updated_at = excluded.updated_at`,
			r.Platform, r.Latest, r.Minimum, r.Notes, Micros(r.UpdatedAt))
		return err
	})
}

// AppRelease returns a platform's app versions.
func (s *DeviceStore) AppRelease(ctx context.Context, platform string) (device.AppRelease, error) {
	var r device.AppRelease
	err := s.db.Read(ctx, func(tx *Tx) error {
		var at int64
		err := tx.QueryRow(ctx, `SELECT platform, latest, minimum, notes, updated_at FROM app_releases WHERE platform = ?`, platform).
			Scan(&r.Platform, &r.Latest, &r.Minimum, &r.Notes, &at)
		r.UpdatedAt = FromMicros(at)
		return tx.Err(err, "app release")
	})
	return r, err
}

// AppReleases lists every platform's app versions, by platform.
func (s *DeviceStore) AppReleases(ctx context.Context) ([]device.AppRelease, error) {
	return queryAll(ctx, s.db, "app releases", func(sc scanner) (r device.AppRelease, err error) {
		var at int64
		err = sc.Scan(&r.Platform, &r.Latest, &r.Minimum, &r.Notes, &at)
		r.UpdatedAt = FromMicros(at)
		return r, err
	}, `SELECT platform, latest, minimum, notes, updated_at FROM app_releases ORDER BY platform`)
}

// PrefErrorDetails says whether a user's app may send error details.
func (s *DeviceStore) PrefErrorDetails(ctx context.Context, userID string) (bool, error) {
	var on int
	err := s.db.Read(ctx, func(tx *Tx) error {
		err := tx.Err(tx.QueryRow(ctx, `SELECT error_details FROM user_prefs WHERE user_id = ?`, userID).Scan(&on), "preferences")
		if errs.Is(err, errs.NotFound) {
			return nil
		}
		return err
	})
	return on != 0, err
}

// SetPrefErrorDetails sets whether a user's app may send error details.
func (s *DeviceStore) SetPrefErrorDetails(ctx context.Context, d access.Decision, userID string, on bool) error {
	if err := d.Require(access.Update, access.Resource{Category: datamap.DeviceErrorReport, SubjectID: userID}); err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO user_prefs (user_id, error_details) VALUES (?, ?)
			ON CONFLICT (user_id) DO UPDATE SET error_details = excluded.error_details`, userID, b2i(on))
		return err
	})
}

// RegisteredSerials returns which of serials are in the registry.
func (s *DeviceStore) RegisteredSerials(ctx context.Context, serials []string) (map[string]bool, error) {
	out := map[string]bool{}
	err := s.db.Read(ctx, func(tx *Tx) error {
		for start := 0; start < len(serials); start += 500 {
			chunk := serials[start:min(start+500, len(serials))]
			args := make([]any, len(chunk))
			for i, v := range chunk {
				args[i] = v
			}
			rows, err := tx.Query(ctx, `SELECT serial FROM devices WHERE serial IN (?`+strings.Repeat(", ?", len(chunk)-1)+`)`, args...)
			if err != nil {
				return err
			}
			for rows.Next() {
				var sn string
				if err := rows.Scan(&sn); err != nil {
					rows.Close()
					return err
				}
				out[sn] = true
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}

// DevicesBySerial lists registry rows whose serial starts with prefix.
func (s *DeviceStore) DevicesBySerial(ctx context.Context, prefix string, limit int) ([]device.Row, error) {
	return queryAll(ctx, s.db, "devices", scanDevice, `SELECT `+deviceColumns+deviceFrom+`
		WHERE d.serial >= ? AND d.serial < ? ORDER BY d.serial LIMIT ?`, prefix, prefix+"\U0010FFFF", limit)
}

// RolloutFacts returns the firmware each claimed device of a model runs
// (by device ID) and, per version, how many devices reported a failed
// upgrade to it.
func (s *DeviceStore) RolloutFacts(ctx context.Context, model string) (map[string]string, map[string]int, error) {
	running, failed := map[string]string{}, map[string]int{}
	err := s.db.Read(ctx, func(tx *Tx) error {
		rows, err := tx.Query(ctx, `SELECT id, firmware_version FROM devices WHERE model = ? AND account_id != ''`, model)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id, v string
			if err := rows.Scan(&id, &v); err != nil {
				rows.Close()
				return err
			}
			running[id] = v
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		rows, err = tx.Query(ctx, `SELECT e.version, COUNT(DISTINCT e.device_id) FROM device_events e JOIN devices d ON d.id = e.device_id
			WHERE d.model = ? AND e.kind = 'upgrade' AND e.code NOT IN ('', 'ok') GROUP BY e.version`, model)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var v string
			var n int
			if err := rows.Scan(&v, &n); err != nil {
				return err
			}
			failed[v] = n
		}
		return rows.Err()
	})
	return running, failed, err
}
