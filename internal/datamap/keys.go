package datamap

import "errors"

// declareKeys declares the key tables. Key material is not personal data: it
// is random, wrapped by the KEK, and says nothing about anyone. Owner IDs are
// the random identifiers of accounts and people, erased with them.
func declareKeys(r *Registry) error {
	return errors.Join(
		operational(r, "data_keys", "random key, wrapped by the KEK; holds no personal data", "wrapped"),
		operational(r, "data_keys", "kind of owner (account or person) and its random identifier", "scope", "owner_id"),
		operational(r, "data_keys", "version of the KEK that wrapped the key, for rotation", "kek_id"),
		operational(r, "data_keys", "when the key was made and when it was destroyed (crypto-shredding)", "created_at", "destroyed_at"),
		operational(r, "system_secrets", "random system secret (signing or index key), wrapped by the KEK", "name", "wrapped"),
		operational(r, "system_secrets", "version of the KEK that wrapped the secret, and when it was made", "kek_id", "created_at"),
	)
}
