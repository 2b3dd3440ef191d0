package store

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/incident"
)

// IncidentStore keeps the incident register, the affected people and the
// public notices.
type IncidentStore struct{ db *DB }

// NewIncidentStore returns the incident store over db.
func NewIncidentStore(db *DB) *IncidentStore { return &IncidentStore{db: db} }

var _ incident.Store = (*IncidentStore)(nil)

func incidentRes(id string) access.Resource {
	return access.Resource{Category: datamap.IncidentRecord, ID: id}
}

func affectedRes(id string) access.Resource {
	return access.Resource{Category: datamap.IncidentAffected, ID: id}
}

func marks(n int) string { return strings.TrimSuffix(strings.Repeat("?, ", n), ", ") }

// CreateIncident stores a new incident.
func (s *IncidentStore) CreateIncident(ctx context.Context, d access.Decision, inc incident.Incident) error {
	if err := d.Require(access.Create, incidentRes("")); err != nil {
		return err
	}
	doc, err := json.Marshal(inc)
	if err != nil {
		return errs.Wrap(err, errs.Internal, "encode incident")
	}
	return s.db.Write(ctx, func(tx *Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO incidents (id, slug, status, severity, responsible, opened_at, closed_at, doc) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			inc.ID, inc.Slug, inc.Status, inc.Severity, inc.Responsible, Micros(inc.OpenedAt), Micros(inc.ClosedAt), string(doc))
		return tx.Err(err, "incident")
	})
}

func readIncident(ctx context.Context, tx *Tx, id string) (incident.Incident, error) {
	var doc string
	var inc incident.Incident
	if err := tx.QueryRow(ctx, `SELECT doc FROM incidents WHERE id = ?`, id).Scan(&doc); err != nil {
		return inc, tx.Err(err, "incident")
	}
	if err := json.Unmarshal([]byte(doc), &inc); err != nil {
		return inc, errs.Wrap(err, errs.Internal, "decode incident")
	}
	return inc, nil
}

// Incident returns one incident.
func (s *IncidentStore) Incident(ctx context.Context, d access.Decision, id string) (incident.Incident, error) {
	if err := d.Require(access.Read, incidentRes(id)); err != nil {
		return incident.Incident{}, err
	}
	var inc incident.Incident
	err := s.db.Read(ctx, func(tx *Tx) error {
		var err error
		inc, err = readIncident(ctx, tx, id)
		return err
	})
	return inc, err
}

// Incidents lists the register, newest first.
func (s *IncidentStore) Incidents(ctx context.Context, d access.Decision) ([]incident.Incident, error) {
	if err := d.Require(access.List, incidentRes("")); err != nil {
		return nil, err
	}
	return queryAll(ctx, s.db, "incidents", func(sc scanner) (incident.Incident, error) {
		var doc string
		var inc incident.Incident
		if err := sc.Scan(&doc); err != nil {
			return inc, err
		}
		return inc, json.Unmarshal([]byte(doc), &inc)
	}, `SELECT doc FROM incidents ORDER BY opened_at DESC, id`)
}

// UpdateIncident changes one incident in one transaction.
func (s *IncidentStore) UpdateIncident(ctx context.Context, d access.Decision, id string, fn func(*incident.Incident) error) (incident.Incident, error) {
	if err := d.Require(access.Update, incidentRes(id)); err != nil {
		return incident.Incident{}, err
	}
	var inc incident.Incident
	err := s.db.Write(ctx, func(tx *Tx) error {
		var err error
		if inc, err = readIncident(ctx, tx, id); err != nil {
			return err
		}
		if err := fn(&inc); err != nil {
			return err
		}
		doc, err := json.Marshal(inc)
		if err != nil {
			return errs.Wrap(err, errs.Internal, "encode incident")
		}
		_, err = tx.Exec(ctx, `UPDATE incidents SET status = ?, severity = ?, responsible = ?, closed_at = ?, doc = ? WHERE id = ?`,
			inc.Status, inc.Severity, inc.Responsible, Micros(inc.ClosedAt), string(doc), id)
		return tx.Err(err, "incident")
	})
	return inc, err
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// ReplaceAffected sets the incident's affected people; a person already
// told keeps the record of their notice.
func (s *IncidentStore) ReplaceAffected(ctx context.Context, d access.Decision, incidentID string, rows []incident.Affected) error {
	if err := d.Require(access.Create, affectedRes(incidentID)); err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM incident_affected WHERE incident_id = ? AND message_id = ''`, incidentID); err != nil {
			return tx.Err(err, "affected people")
		}
		for _, a := range rows {
			_, err := tx.Exec(ctx, `INSERT INTO incident_affected (incident_id, user_id, accounts, touched, contact, language, created_at)
				VALUES (?, ?, ?, ?, ?, ?, ?)
				ON CONFLICT (incident_id, user_id) DO UPDATE SET accounts = excluded.accounts, touched = excluded.touched, contact = excluded.contact`,
				incidentID, a.UserID, jsonText(a.Accounts), jsonText(a.Touched), boolInt(a.Contact), a.Language, Micros(tx.Now))
			if err != nil {
				return tx.Err(err, "affected person")
			}
		}
		return nil
	})
}

const affectedColumns = `incident_id, user_id, accounts, touched, contact, language, notice_account, message_id, noticed_at, created_at`

func scanAffected(sc scanner) (incident.Affected, error) {
	var a incident.Affected
	var accounts, touched string
	var contact int
	var noticed, created int64
	if err := sc.Scan(&a.IncidentID, &a.UserID, &accounts, &touched, &contact, &a.Language, &a.NoticeAccount, &a.MessageID, &noticed, &created); err != nil {
		return a, err
	}
	a.Contact, a.NoticedAt, a.CreatedAt = contact == 1, FromMicros(noticed), FromMicros(created)
	if err := json.Unmarshal([]byte(accounts), &a.Accounts); err != nil {
		return a, err
	}
	return a, json.Unmarshal([]byte(touched), &a.Touched)
}

// Affected lists an incident's affected people.
func (s *IncidentStore) Affected(ctx context.Context, d access.Decision, incidentID string) ([]incident.Affected, error) {
	if d.Require(access.List, affectedRes(incidentID)) != nil {
		if err := d.Require(access.Update, affectedRes(incidentID)); err != nil {
			return nil, err
		}
	}
	return queryAll(ctx, s.db, "affected people", scanAffected,
		`SELECT `+affectedColumns+` FROM incident_affected WHERE incident_id = ? ORDER BY user_id`, incidentID)
}

// MarkNoticed records the message that told each person.
func (s *IncidentStore) MarkNoticed(ctx context.Context, d access.Decision, incidentID string, rows []incident.Affected) error {
	if err := d.Require(access.Update, affectedRes(incidentID)); err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *Tx) error {
		for _, a := range rows {
			_, err := tx.Exec(ctx, `UPDATE incident_affected SET notice_account = ?, message_id = ?, language = ?, noticed_at = ? WHERE incident_id = ? AND user_id = ?`,
				a.NoticeAccount, a.MessageID, a.Language, Micros(a.NoticedAt), incidentID, a.UserID)
			if err != nil {
				return tx.Err(err, "affected person")
			}
		}
		return nil
	})
}

const personContact = `(u.email_verified_at > 0
	OR EXISTS (SELECT 1 FROM notify_phones ph WHERE ph.user_id = u.id AND ph.verified_at > 0)
	OR EXISTS (SELECT 1 FROM notify_push_subs ps WHERE ps.user_id = u.id))`

func scanIncidentPerson(sc scanner) (incident.Person, error) {
	var p incident.Person
	var contact int
	err := sc.Scan(&p.UserID, &p.AccountID, &p.Region, &p.Language, &contact)
	p.Contact = contact == 1
	return p, err
}

// People returns the members of open accounts among accountIDs.
func (s *IncidentStore) People(ctx context.Context, d access.Decision, accountIDs []string) ([]incident.Person, error) {
	if err := d.Require(access.Create, d.Resource()); err != nil || d.Resource().Category != datamap.IncidentAffected {
		return nil, errs.E(errs.Forbidden, "reading the people of accounts needs the decision to compute an incident's affected people")
	}
	var out []incident.Person
	for len(accountIDs) > 0 {
		n := min(len(accountIDs), 500)
		chunk := accountIDs[:n]
		accountIDs = accountIDs[n:]
		args := make([]any, len(chunk))
		for i, a := range chunk {
			args[i] = a
		}
		ps, err := queryAll(ctx, s.db, "account members", scanIncidentPerson,
			`SELECT DISTINCT m.user_id, m.account_id, a.region, u.language, CASE WHEN `+personContact+` THEN 1 ELSE 0 END
			FROM memberships m JOIN accounts a ON a.id = m.account_id JOIN users u ON u.id = m.user_id
			WHERE a.closed_at = 0 AND m.account_id IN (`+marks(len(chunk))+`) ORDER BY m.user_id, m.account_id`, args...)
		if err != nil {
			return nil, err
		}
		out = append(out, ps...)
	}
	return out, nil
}

// DeviceAccount returns the account a device belongs to.
func (s *IncidentStore) DeviceAccount(ctx context.Context, d access.Decision, deviceID string) (string, error) {
	if d.Resource().Category != datamap.IncidentAffected || d.Require(access.Create, d.Resource()) != nil {
		return "", errs.E(errs.Forbidden, "looking a device up needs the decision to compute an incident's affected people")
	}
	var acct string
	err := s.db.Read(ctx, func(tx *Tx) error {
		return tx.Err(tx.QueryRow(ctx, `SELECT account_id FROM devices WHERE id = ?`, deviceID).Scan(&acct), "device")
	})
	return acct, err
}

// Subjects returns those of ids that are people vigil still knows.
func (s *IncidentStore) Subjects(ctx context.Context, d access.Decision, ids []string) ([]incident.Person, error) {
	if err := d.Require(access.Create, d.Resource()); err != nil || d.Resource().Category != datamap.IncidentAffected {
		return nil, errs.E(errs.Forbidden, "reading people needs the decision to compute an incident's affected people")
	}
	var out []incident.Person
	for len(ids) > 0 {
		n := min(len(ids), 500)
		chunk := ids[:n]
		ids = ids[n:]
		args := make([]any, len(chunk))
		for i, a := range chunk {
			args[i] = a
		}
		ps, err := queryAll(ctx, s.db, "people", scanIncidentPerson,
			`SELECT u.id, '', '', u.language, CASE WHEN `+personContact+` THEN 1 ELSE 0 END
			FROM users u WHERE u.id IN (`+marks(len(chunk))+`) ORDER BY u.id`, args...)
		if err != nil {
			return nil, err
		}
		out = append(out, ps...)
	}
	return out, nil
}

// PutPublic writes a public notice.
func (s *IncidentStore) PutPublic(ctx context.Context, d access.Decision, n incident.PublicNotice) error {
	if err := d.Require(access.Update, incidentRes(n.IncidentID)); err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO incident_public (slug, incident_id, notice, published_at, updated_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (slug) DO UPDATE SET notice = excluded.notice, updated_at = excluded.updated_at`,
			n.Slug, n.IncidentID, jsonText(n), Micros(n.PublishedAt), Micros(n.UpdatedAt))
		return tx.Err(err, "public notice")
	})
}

func scanPublic(sc scanner) (incident.PublicNotice, error) {
	var doc string
	var n incident.PublicNotice
	if err := sc.Scan(&doc); err != nil {
		return n, err
	}
	return n, json.Unmarshal([]byte(doc), &n)
}

// PublicNotices lists the public notices, newest first.
func (s *IncidentStore) PublicNotices(ctx context.Context) ([]incident.PublicNotice, error) {
	return queryAll(ctx, s.db, "public notices", scanPublic, `SELECT notice FROM incident_public ORDER BY published_at DESC, slug`)
}

// PublicNotice returns one public notice by its slug.
func (s *IncidentStore) PublicNotice(ctx context.Context, slug string) (incident.PublicNotice, error) {
	var n incident.PublicNotice
	err := s.db.Read(ctx, func(tx *Tx) error {
		var doc string
		if err := tx.QueryRow(ctx, `SELECT notice FROM incident_public WHERE slug = ?`, slug).Scan(&doc); err != nil {
			return tx.Err(err, "public notice")
		}
		return json.Unmarshal([]byte(doc), &n)
	})
	return n, err
}

// ExportAffected streams the incidents that affected a person.
func (s *IncidentStore) ExportAffected(ctx context.Context, d access.Decision, userID string, emit func(incident.Affected) error) error {
	if err := requireFor(d, access.Export, datamap.IncidentAffected, userID); err != nil {
		return err
	}
	return scanEach(ctx, s.db, "affected people", scanAffected, emit,
		`SELECT `+affectedColumns+` FROM incident_affected WHERE user_id = ? ORDER BY created_at, incident_id`, userID)
}

// ExpiredIncidents lists incidents opened before cutoff.
func (s *IncidentStore) ExpiredIncidents(ctx context.Context, cutoff time.Time) ([]string, error) {
	return queryAll(ctx, s.db, "incidents", func(sc scanner) (id string, err error) { return id, sc.Scan(&id) },
		`SELECT id FROM incidents WHERE opened_at < ? AND status = 'closed' ORDER BY id`, Micros(cutoff))
}

// PurgeIncident deletes an incident opened before cutoff, with its
// affected people and public notice.
func (s *IncidentStore) PurgeIncident(ctx context.Context, d access.Decision, id string, cutoff time.Time) (int64, error) {
	if err := requireFor(d, access.Delete, datamap.IncidentRecord, id); err != nil {
		return 0, err
	}
	var n int64
	err := s.db.Write(ctx, func(tx *Tx) error {
		for _, q := range []string{`DELETE FROM incident_public WHERE incident_id = ?`, `DELETE FROM incident_affected WHERE incident_id = ?`} {
			if _, err := tx.Exec(ctx, q, id); err != nil {
				return tx.Err(err, "incident")
			}
		}
		res, err := tx.Exec(ctx, `DELETE FROM incidents WHERE id = ? AND opened_at < ? AND status = 'closed'`, id, Micros(cutoff))
		if err != nil {
			return tx.Err(err, "incident")
		}
		n, _ = res.RowsAffected()
		return nil
	})
	return n, err
}

// ExpiredAffected lists people with affected rows computed before cutoff.
func (s *IncidentStore) ExpiredAffected(ctx context.Context, cutoff time.Time) ([]string, error) {
	return queryAll(ctx, s.db, "affected people", func(sc scanner) (id string, err error) { return id, sc.Scan(&id) },
		`SELECT DISTINCT user_id FROM incident_affected WHERE created_at < ? ORDER BY user_id`, Micros(cutoff))
}

// PurgeAffected deletes a person's affected rows computed before cutoff.
func (s *IncidentStore) PurgeAffected(ctx context.Context, d access.Decision, userID string, cutoff time.Time) (int64, error) {
	if err := requireFor(d, access.Delete, datamap.IncidentAffected, userID); err != nil {
		return 0, err
	}
	var n int64
	err := s.db.Write(ctx, func(tx *Tx) error {
		res, err := tx.Exec(ctx, `DELETE FROM incident_affected WHERE user_id = ? AND created_at < ?`, userID, Micros(cutoff))
		if err != nil {
			return tx.Err(err, "affected people")
		}
		n, _ = res.RowsAffected()
		return nil
	})
	return n, err
}
