package store

import (
	"context"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/device"
	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/face"
)

// FaceStore keeps face recognition's sites, enrolled people, sealed
// templates, matches and regional stops.
type FaceStore struct{ db *DB }

// NewFaceStore returns the face store over db.
func NewFaceStore(db *DB) *FaceStore { return &FaceStore{db: db} }

var _ face.Store = (*FaceStore)(nil)

func faceRes(cat datamap.CategoryID, accountID, siteID, id string) access.Resource {
	return access.Resource{Category: cat, AccountID: accountID, SiteID: siteID, ID: id}
}

// SiteOf returns the account's site where recognition is on.
func (s *FaceStore) SiteOf(ctx context.Context, accountID, siteID string) (face.Site, bool, error) {
	var out face.Site
	known := false
	err := s.db.Read(ctx, func(tx *Tx) error {
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM sites WHERE id = ? AND account_id = ?`, siteID, accountID).Scan(&n); err != nil {
			return tx.Err(err, "site")
		}
		if known = n == 1; !known {
			return errs.E(errs.NotFound, "site not found")
		}
		var at int64
		err := tx.QueryRow(ctx, `SELECT account_id, site_id, enabled_by, enabled_at, lawful_basis FROM face_sites WHERE account_id = ? AND site_id = ?`,
			accountID, siteID).Scan(&out.AccountID, &out.SiteID, &out.EnabledBy, &at, &out.LawfulBasis)
		out.EnabledAt = FromMicros(at)
		return tx.Err(err, "face recognition site")
	})
	return out, known, err
}

// EnableSite records that recognition is on for a site.
func (s *FaceStore) EnableSite(ctx context.Context, d access.Decision, st face.Site) error {
	if err := d.Require(access.Create, faceRes(datamap.FaceTemplate, st.AccountID, st.SiteID, "")); err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO face_sites (account_id, site_id, enabled_by, enabled_at, lawful_basis) VALUES (?, ?, ?, ?, ?)`,
			st.AccountID, st.SiteID, st.EnabledBy, Micros(st.EnabledAt), st.LawfulBasis)
		return tx.Err(err, "face recognition site")
	})
}

// DisableSite turns recognition off and deletes the site's face data.
func (s *FaceStore) DisableSite(ctx context.Context, d access.Decision, accountID, siteID string) ([]string, error) {
	if err := d.Require(access.Delete, faceRes(datamap.FaceTemplate, accountID, siteID, "")); err != nil {
		return nil, err
	}
	var people []string
	err := s.db.Write(ctx, func(tx *Tx) error {
		res, err := tx.Exec(ctx, `DELETE FROM face_sites WHERE account_id = ? AND site_id = ?`, accountID, siteID)
		if err != nil {
			return tx.Err(err, "face recognition site")
		}
		if err := MustAffect(res, "face recognition site"); err != nil {
			return err
		}
		people, err = deletePeople(ctx, tx, `account_id = ? AND site_id = ?`, accountID, siteID)
		return err
	})
	return people, err
}

// deletePeople deletes the people matching cond, with their templates and
// matches, and returns their IDs.
func deletePeople(ctx context.Context, tx *Tx, cond string, args ...any) ([]string, error) {
	ids, err := txIDs(ctx, tx, "face people", `SELECT id FROM face_people WHERE `+cond+` ORDER BY id`, args...)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		for _, q := range []string{`DELETE FROM face_matches WHERE person_id = ?`, `DELETE FROM face_templates WHERE person_id = ?`,
			`DELETE FROM face_people WHERE id = ?`} {
			if _, err := tx.Exec(ctx, q, id); err != nil {
				return nil, tx.Err(err, "face person")
			}
		}
	}
	return ids, nil
}

// CreatePerson stores a person and their templates in one transaction.
func (s *FaceStore) CreatePerson(ctx context.Context, d access.Decision, p face.PersonRow, ts []face.TemplateRow) error {
	if err := d.Require(access.Create, faceRes(datamap.FaceTemplate, p.AccountID, p.SiteID, "")); err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO face_people (id, account_id, site_id, label_sealed, consent_sealed, evidence_sealed, consent_method,
			consented_at, lawful_basis, created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			p.ID, p.AccountID, p.SiteID, p.LabelSealed, p.ConsentSealed, p.EvidenceSealed, p.ConsentMethod, Micros(p.ConsentedAt),
			p.LawfulBasis, p.CreatedBy, Micros(p.CreatedAt), Micros(p.ExpiresAt))
		if err != nil {
			return tx.Err(err, "face person")
		}
		for _, t := range ts {
			if _, err := tx.Exec(ctx, `INSERT INTO face_templates (id, person_id, account_id, site_id, template_sealed, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
				t.ID, t.PersonID, t.AccountID, t.SiteID, t.Sealed, Micros(t.CreatedAt)); err != nil {
				return tx.Err(err, "face template")
			}
		}
		return nil
	})
}

const personColumns = `p.id, p.account_id, p.site_id, p.label_sealed, p.consent_sealed, p.evidence_sealed, p.consent_method, p.consented_at,
	p.lawful_basis, p.created_by, p.created_at, p.expires_at, (SELECT COUNT(*) FROM face_templates t WHERE t.person_id = p.id)`

func scanPerson(sc scanner) (face.PersonRow, error) {
	var p face.PersonRow
	var consented, created, expires int64
	err := sc.Scan(&p.ID, &p.AccountID, &p.SiteID, &p.LabelSealed, &p.ConsentSealed, &p.EvidenceSealed, &p.ConsentMethod, &consented,
		&p.LawfulBasis, &p.CreatedBy, &created, &expires, &p.Templates)
	p.ConsentedAt, p.CreatedAt, p.ExpiresAt = FromMicros(consented), FromMicros(created), FromMicros(expires)
	return p, err
}

// People lists a site's enrolled people.
func (s *FaceStore) People(ctx context.Context, d access.Decision, accountID, siteID string) ([]face.PersonRow, error) {
	if err := d.Require(access.List, faceRes(datamap.FaceTemplate, accountID, siteID, "")); err != nil {
		return nil, err
	}
	return queryAll(ctx, s.db, "face people", scanPerson, `SELECT `+personColumns+` FROM face_people p
		WHERE p.account_id = ? AND p.site_id = ? ORDER BY p.created_at, p.id`, accountID, siteID)
}

// Person returns one enrolled person of the account.
func (s *FaceStore) Person(ctx context.Context, d access.Decision, accountID, id string) (face.PersonRow, error) {
	if err := requireAny(d, []access.Resource{faceRes(datamap.FaceTemplate, accountID, "", id)}, access.Read, access.Delete); err != nil {
		return face.PersonRow{}, err
	}
	var out face.PersonRow
	err := s.db.Read(ctx, func(tx *Tx) error {
		var err error
		out, err = scanPerson(tx.QueryRow(ctx, `SELECT `+personColumns+` FROM face_people p WHERE p.account_id = ? AND p.id = ?`, accountID, id))
		return tx.Err(err, "face person")
	})
	return out, err
}

// DeletePerson deletes a person with their templates and matches.
func (s *FaceStore) DeletePerson(ctx context.Context, d access.Decision, accountID, id string) error {
	if err := d.Require(access.Delete, faceRes(datamap.FaceTemplate, accountID, "", id)); err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *Tx) error {
		ids, err := deletePeople(ctx, tx, `account_id = ? AND id = ?`, accountID, id)
		if err == nil && len(ids) == 0 {
			err = errs.E(errs.NotFound, "face person not found")
		}
		return err
	})
}

// AccountRegion returns an account's region.
func (s *FaceStore) AccountRegion(ctx context.Context, accountID string) (string, error) {
	var r string
	err := s.db.Read(ctx, func(tx *Tx) error {
		return tx.Err(tx.QueryRow(ctx, `SELECT region FROM accounts WHERE id = ?`, accountID).Scan(&r), "account")
	})
	return r, err
}

// DeviceSite returns the account, site, region and sealed name of a
// claimed device.
func (s *FaceStore) DeviceSite(ctx context.Context, deviceID string) (face.DeviceRef, error) {
	var r face.DeviceRef
	err := s.db.Read(ctx, func(tx *Tx) error {
		err := tx.QueryRow(ctx, `SELECT d.account_id, d.site_id, a.region, d.name_sealed FROM devices d JOIN accounts a ON a.id = d.account_id
			WHERE d.id = ?`, deviceID).Scan(&r.AccountID, &r.SiteID, &r.Region, &r.NameSealed)
		return tx.Err(err, "device")
	})
	return r, err
}

// AlarmType returns the type of a device's alarm.
func (s *FaceStore) AlarmType(ctx context.Context, deviceID, eventID string) (string, error) {
	var typ string
	err := s.db.Read(ctx, func(tx *Tx) error {
		return tx.Err(tx.QueryRow(ctx, `SELECT type FROM alarms WHERE device_id = ? AND event_id = ?`, deviceID, eventID).Scan(&typ), "alarm")
	})
	return typ, err
}

// Templates returns a site's sealed templates.
func (s *FaceStore) Templates(ctx context.Context, d access.Decision, accountID, siteID string) ([]face.TemplateRow, error) {
	if err := d.Require(access.Read, faceRes(datamap.FaceTemplate, accountID, siteID, "")); err != nil {
		return nil, err
	}
	return queryAll(ctx, s.db, "face templates", func(sc scanner) (t face.TemplateRow, err error) {
		var at int64
		err = sc.Scan(&t.ID, &t.PersonID, &t.AccountID, &t.SiteID, &t.Sealed, &at)
		t.CreatedAt = FromMicros(at)
		return t, err
	}, `SELECT id, person_id, account_id, site_id, template_sealed, created_at FROM face_templates WHERE account_id = ? AND site_id = ? ORDER BY id`,
		accountID, siteID)
}

// RecordMatch stores a match and its alarm together.
func (s *FaceStore) RecordMatch(ctx context.Context, d access.Decision, m face.Match, a device.Alarm) (bool, error) {
	if err := d.Require(access.Create, faceRes(datamap.FaceMatch, m.AccountID, m.SiteID, "")); err != nil {
		return false, err
	}
	var stored bool
	err := s.db.Write(ctx, func(tx *Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO face_matches (id, account_id, site_id, device_id, event_id, person_id, score, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			m.ID, m.AccountID, m.SiteID, m.DeviceID, m.EventID, m.PersonID, m.Score, Micros(m.At)); err != nil {
			return tx.Err(err, "face match")
		}
		var err error
		stored, err = (&ingestTx{ctx: ctx, tx: tx}).AddAlarm(a)
		return err
	})
	return stored, err
}

// RaiseAlarm stores an alarm once per device and event ID.
func (s *FaceStore) RaiseAlarm(ctx context.Context, a device.Alarm) (bool, error) {
	var stored bool
	err := s.db.Write(ctx, func(tx *Tx) error {
		var err error
		stored, err = (&ingestTx{ctx: ctx, tx: tx}).AddAlarm(a)
		return err
	})
	return stored, err
}

const matchColumns = `m.id, m.account_id, m.site_id, m.device_id, m.event_id, m.person_id, m.score, m.at, p.label_sealed, d.name_sealed`
const matchFrom = ` FROM face_matches m LEFT JOIN face_people p ON p.id = m.person_id LEFT JOIN devices d ON d.id = m.device_id`

func scanMatch(sc scanner) (face.Match, error) {
	var m face.Match
	var at int64
	err := sc.Scan(&m.ID, &m.AccountID, &m.SiteID, &m.DeviceID, &m.EventID, &m.PersonID, &m.Score, &at, &m.LabelSealed, &m.CameraSealed)
	m.At = FromMicros(at)
	return m, err
}

// Matches lists an account's matches, newest first.
func (s *FaceStore) Matches(ctx context.Context, d access.Decision, accountID string, limit int) ([]face.Match, error) {
	// A decision on one site lists that site's matches.
	site := d.Resource().SiteID
	if err := d.Require(access.List, faceRes(datamap.FaceMatch, accountID, site, "")); err != nil {
		return nil, err
	}
	return queryAll(ctx, s.db, "face matches", scanMatch, `SELECT `+matchColumns+matchFrom+` WHERE m.account_id = ? AND (? = '' OR m.site_id = ?)
		ORDER BY m.at DESC, m.id LIMIT ?`, accountID, site, site, limit)
}

const stopColumns = `region, reason, stopped_at, stopped_by, delete_after_days, due_at, done_at, erased_people`

func scanStop(sc scanner) (face.RegionStop, error) {
	var st face.RegionStop
	var at, due, done int64
	err := sc.Scan(&st.Region, &st.Reason, &at, &st.StoppedBy, &st.DeleteAfterDays, &due, &done, &st.ErasedPeople)
	st.StoppedAt, st.DueAt, st.DoneAt = FromMicros(at), FromMicros(due), FromMicros(done)
	return st, err
}

// RegionStop returns a region's stop.
func (s *FaceStore) RegionStop(ctx context.Context, region string) (face.RegionStop, error) {
	var out face.RegionStop
	err := s.db.Read(ctx, func(tx *Tx) error {
		var err error
		out, err = scanStop(tx.QueryRow(ctx, `SELECT `+stopColumns+` FROM face_region_stops WHERE region = ?`, region))
		return tx.Err(err, "region stop")
	})
	return out, err
}

// StopRegion records a stop; a region already stopped is a conflict.
func (s *FaceStore) StopRegion(ctx context.Context, st face.RegionStop) error {
	return s.db.Write(ctx, func(tx *Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO face_region_stops (`+stopColumns+`) VALUES (?, ?, ?, ?, ?, ?, 0, 0)`,
			st.Region, st.Reason, Micros(st.StoppedAt), st.StoppedBy, st.DeleteAfterDays, Micros(st.DueAt))
		return tx.Err(err, "region stop")
	})
}

// ResumeRegion lifts a stop.
func (s *FaceStore) ResumeRegion(ctx context.Context, region string) error {
	return s.db.Write(ctx, func(tx *Tx) error {
		res, err := tx.Exec(ctx, `DELETE FROM face_region_stops WHERE region = ?`, region)
		if err != nil {
			return tx.Err(err, "region stop")
		}
		return MustAffect(res, "region stop")
	})
}

// DueStops lists the stops whose rule is due and not yet carried out.
func (s *FaceStore) DueStops(ctx context.Context, now time.Time) ([]face.RegionStop, error) {
	return queryAll(ctx, s.db, "region stops", scanStop, `SELECT `+stopColumns+` FROM face_region_stops WHERE done_at = 0 AND due_at <= ? ORDER BY region`,
		Micros(now))
}

// ErasePeopleInRegion deletes the face data of every account in region.
func (s *FaceStore) ErasePeopleInRegion(ctx context.Context, d access.Decision, region string) ([]string, error) {
	if err := d.Require(access.Delete, faceRes(datamap.FaceTemplate, "", "", "")); err != nil {
		return nil, err
	}
	var people []string
	err := s.db.Write(ctx, func(tx *Tx) error {
		const inRegion = `account_id IN (SELECT id FROM accounts WHERE region = ?)`
		var err error
		if people, err = deletePeople(ctx, tx, inRegion, region); err != nil {
			return err
		}
		for _, q := range []string{`DELETE FROM face_matches WHERE ` + inRegion, `DELETE FROM face_sites WHERE ` + inRegion} {
			if _, err := tx.Exec(ctx, q, region); err != nil {
				return tx.Err(err, "face data")
			}
		}
		return nil
	})
	return people, err
}

// FinishStop records that a stop's rule was carried out, as proof.
func (s *FaceStore) FinishStop(ctx context.Context, region string, erased int64) error {
	return s.db.Write(ctx, func(tx *Tx) error {
		// A stop lifted meanwhile, or finished by another node, is left as it is.
		_, err := tx.Exec(ctx, `UPDATE face_region_stops SET done_at = ?, erased_people = ? WHERE region = ? AND done_at = 0`,
			Micros(tx.Now), erased, region)
		return tx.Err(err, "region stop")
	})
}

// EraseOrphans deletes the face data of deleted sites.
func (s *FaceStore) EraseOrphans(ctx context.Context, d access.Decision) ([]string, error) {
	if err := d.Require(access.Delete, faceRes(datamap.FaceTemplate, "", "", "")); err != nil {
		return nil, err
	}
	var people []string
	err := s.db.Write(ctx, func(tx *Tx) error {
		const gone = `NOT EXISTS (SELECT 1 FROM sites WHERE sites.id = site_id)`
		var err error
		if people, err = deletePeople(ctx, tx, gone); err != nil {
			return err
		}
		for _, q := range []string{`DELETE FROM face_matches WHERE ` + gone, `DELETE FROM face_sites WHERE ` + gone} {
			if _, err := tx.Exec(ctx, q); err != nil {
				return tx.Err(err, "face data")
			}
		}
		return nil
	})
	return people, err
}
