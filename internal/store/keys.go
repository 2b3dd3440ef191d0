package store

import (
	"context"
	"database/sql"

	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/keys"
)

// KeyStore keeps wrapped data keys and system secrets for keys.Keyring. It
// only ever sees ciphertext.
type KeyStore struct{ db *DB }

var _ keys.Store = (*KeyStore)(nil)

// NewKeyStore returns the key store of db.
func NewKeyStore(db *DB) *KeyStore { return &KeyStore{db: db} }

// DataKey returns the key of (scope, owner); errs.Gone when destroyed.
func (s *KeyStore) DataKey(ctx context.Context, scope keys.Scope, owner string) (keys.WrappedKey, error) {
	var k keys.WrappedKey
	err := s.db.Read(ctx, func(tx *Tx) error {
		row := tx.QueryRow(ctx, `SELECT scope, owner_id, kek_id, wrapped, created_at, destroyed_at
			FROM data_keys WHERE scope = ? AND owner_id = ?`, string(scope), owner)
		var err error
		k, err = scanDataKey(row.Scan)
		return tx.Err(err, "data key")
	})
	if err == nil && !k.DestroyedAt.IsZero() {
		return keys.WrappedKey{}, errs.E(errs.Gone, "data key destroyed")
	}
	return k, err
}

func scanDataKey(scan func(...any) error) (keys.WrappedKey, error) {
	var k keys.WrappedKey
	var scope string
	var created, destroyed int64
	if err := scan(&scope, &k.Owner, &k.KEKID, &k.Wrapped, &created, &destroyed); err != nil {
		return k, err
	}
	k.Scope = keys.Scope(scope)
	k.CreatedAt, k.DestroyedAt = FromMicros(created), FromMicros(destroyed)
	return k, nil
}

// InsertDataKey stores k unless its scope and owner have a key or tombstone.
func (s *KeyStore) InsertDataKey(ctx context.Context, k keys.WrappedKey) error {
	return s.db.Write(ctx, func(tx *Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO data_keys (scope, owner_id, kek_id, wrapped, created_at, destroyed_at)
			VALUES (?, ?, ?, ?, ?, 0) ON CONFLICT (scope, owner_id) DO NOTHING`,
			string(k.Scope), k.Owner, k.KEKID, k.Wrapped, Micros(tx.Now))
		return err
	})
}

// DestroyDataKey deletes the material of (scope, owner) and keeps a
// tombstone; the first destruction time stays.
func (s *KeyStore) DestroyDataKey(ctx context.Context, scope keys.Scope, owner string) error {
	return s.db.Write(ctx, func(tx *Tx) error {
		now := Micros(tx.Now)
		_, err := tx.Exec(ctx, `INSERT INTO data_keys (scope, owner_id, kek_id, wrapped, created_at, destroyed_at)
			VALUES (?, ?, '', NULL, ?, ?)
			ON CONFLICT (scope, owner_id) DO UPDATE SET wrapped = NULL, kek_id = '',
				destroyed_at = CASE WHEN data_keys.destroyed_at = 0 THEN excluded.destroyed_at ELSE data_keys.destroyed_at END`,
			string(scope), owner, now, now)
		return err
	})
}

// DataKeys calls fn for every key not destroyed.
func (s *KeyStore) DataKeys(ctx context.Context, fn func(keys.WrappedKey) error) error {
	return s.db.Read(ctx, func(tx *Tx) error {
		rows, err := tx.Query(ctx, `SELECT scope, owner_id, kek_id, wrapped, created_at, destroyed_at
			FROM data_keys WHERE destroyed_at = 0`)
		if err != nil {
			return err
		}
		return eachRow(tx, rows, "data key", func() error {
			k, err := scanDataKey(rows.Scan)
			if err != nil {
				return tx.Err(err, "data key")
			}
			return fn(k)
		})
	})
}

// RewrapDataKey replaces the material of a live key still wrapped by oldKEKID.
func (s *KeyStore) RewrapDataKey(ctx context.Context, scope keys.Scope, owner, oldKEKID, newKEKID string, wrapped []byte) error {
	return s.db.Write(ctx, func(tx *Tx) error {
		res, err := tx.Exec(ctx, `UPDATE data_keys SET kek_id = ?, wrapped = ?
			WHERE scope = ? AND owner_id = ? AND kek_id = ? AND destroyed_at = 0`,
			newKEKID, wrapped, string(scope), owner, oldKEKID)
		if err != nil {
			return err
		}
		return MustAffect(res, "data key wrapped by that KEK")
	})
}

// SystemSecret returns the named secret.
func (s *KeyStore) SystemSecret(ctx context.Context, name string) (keys.WrappedSecret, error) {
	var w keys.WrappedSecret
	err := s.db.Read(ctx, func(tx *Tx) error {
		var err error
		w, err = scanSecret(tx.QueryRow(ctx, `SELECT name, kek_id, wrapped, created_at
			FROM system_secrets WHERE name = ?`, name).Scan)
		return tx.Err(err, "system secret")
	})
	return w, err
}

func scanSecret(scan func(...any) error) (keys.WrappedSecret, error) {
	var w keys.WrappedSecret
	var created int64
	err := scan(&w.Name, &w.KEKID, &w.Wrapped, &created)
	w.CreatedAt = FromMicros(created)
	return w, err
}

// InsertSystemSecret stores w unless a secret of its name exists.
func (s *KeyStore) InsertSystemSecret(ctx context.Context, w keys.WrappedSecret) error {
	return s.db.Write(ctx, func(tx *Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO system_secrets (name, kek_id, wrapped, created_at)
			VALUES (?, ?, ?, ?) ON CONFLICT (name) DO NOTHING`,
			w.Name, w.KEKID, w.Wrapped, Micros(tx.Now))
		return err
	})
}

// SystemSecrets calls fn for every secret.
func (s *KeyStore) SystemSecrets(ctx context.Context, fn func(keys.WrappedSecret) error) error {
	return s.db.Read(ctx, func(tx *Tx) error {
		rows, err := tx.Query(ctx, `SELECT name, kek_id, wrapped, created_at FROM system_secrets`)
		if err != nil {
			return err
		}
		return eachRow(tx, rows, "system secret", func() error {
			w, err := scanSecret(rows.Scan)
			if err != nil {
				return tx.Err(err, "system secret")
			}
			return fn(w)
		})
	})
}

// RewrapSystemSecret replaces the material of a secret still wrapped by oldKEKID.
func (s *KeyStore) RewrapSystemSecret(ctx context.Context, name, oldKEKID, newKEKID string, wrapped []byte) error {
	return s.db.Write(ctx, func(tx *Tx) error {
		res, err := tx.Exec(ctx, `UPDATE system_secrets SET kek_id = ?, wrapped = ? WHERE name = ? AND kek_id = ?`,
			newKEKID, wrapped, name, oldKEKID)
		if err != nil {
			return err
		}
		return MustAffect(res, "system secret wrapped by that KEK")
	})
}

// eachRow calls fn for each row of rows, closes them, and maps the
// iteration's error.
func eachRow(tx *Tx, rows *sql.Rows, what string, fn func() error) error {
	defer rows.Close()
	for rows.Next() {
		if err := fn(); err != nil {
			return err
		}
	}
	return tx.Err(rows.Err(), what)
}

// KEKIDs returns the IDs of the KEKs that wrap live keys and secrets, so a
// node can tell at start-up whether its KEK is the one the data needs.
func (s *KeyStore) KEKIDs(ctx context.Context) ([]string, error) {
	var ids []string
	err := s.db.Read(ctx, func(tx *Tx) error {
		rows, err := tx.Query(ctx, `SELECT kek_id FROM data_keys WHERE destroyed_at = 0 AND kek_id <> ''
			UNION SELECT kek_id FROM system_secrets ORDER BY 1`)
		if err != nil {
			return err
		}
		return eachRow(tx, rows, "KEK ID", func() error {
			var id string
			if err := rows.Scan(&id); err != nil {
				return tx.Err(err, "KEK ID")
			}
			ids = append(ids, id)
			return nil
		})
	})
	return ids, err
}
