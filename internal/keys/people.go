package keys

import "context"

// SealSubject seals a personal field under the key of the person it is
// about; destroying that key erases the field wherever it was copied.
func (k *Keyring) SealSubject(ctx context.Context, subjectID string, plaintext, ad []byte) ([]byte, error) {
	return k.Seal(ctx, ScopeSubject, subjectID, plaintext, ad)
}

// OpenSubject opens a field sealed by SealSubject.
func (k *Keyring) OpenSubject(ctx context.Context, subjectID string, ciphertext, ad []byte) ([]byte, error) {
	return k.Open(ctx, ScopeSubject, subjectID, ciphertext, ad)
}

// SealAccount seals a field under the key of the account (tenant) it
// belongs to.
func (k *Keyring) SealAccount(ctx context.Context, accountID string, plaintext, ad []byte) ([]byte, error) {
	return k.Seal(ctx, ScopeAccount, accountID, plaintext, ad)
}

// OpenAccount opens a field sealed by SealAccount.
func (k *Keyring) OpenAccount(ctx context.Context, accountID string, ciphertext, ad []byte) ([]byte, error) {
	return k.Open(ctx, ScopeAccount, accountID, ciphertext, ad)
}

// Subjects is the keyring seen as a per-person sealer (the audit log's view).
type Subjects struct{ K *Keyring }

// Seal seals under subjectID's key.
func (s Subjects) Seal(ctx context.Context, subjectID string, plaintext, ad []byte) ([]byte, error) {
	return s.K.SealSubject(ctx, subjectID, plaintext, ad)
}

// Open opens what Seal sealed.
func (s Subjects) Open(ctx context.Context, subjectID string, ciphertext, ad []byte) ([]byte, error) {
	return s.K.OpenSubject(ctx, subjectID, ciphertext, ad)
}
