package app

import (
	"bytes"
	"context"
	"fmt"

	"golang.org/x/mod/sumdb/note"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/audit"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/keys"
	"github.com/vigil-cloud/vigil/internal/store"
)

// auditSignerSecret names the system secret that holds the checkpoint
// signing key, sealed under the KEK like every other key.
const auditSignerSecret = "audit-signer"

// AuditKeys returns the checkpoint signer and verifier, creating the key
// pair on first use.
func AuditKeys(ctx context.Context, kr *keys.Keyring) (note.Signer, note.Verifier, string, error) {
	secret, err := kr.SystemSecret(ctx, auditSignerSecret, func() ([]byte, error) {
		skey, vkey, err := audit.GenerateKey("vigil-audit")
		if err != nil {
			return nil, err
		}
		return []byte(skey + "\n" + vkey), nil
	})
	if err != nil {
		return nil, nil, "", fmt.Errorf("audit signing key: %w", err)
	}
	skey, vkey, ok := bytes.Cut(secret, []byte("\n"))
	if !ok {
		return nil, nil, "", fmt.Errorf("audit signing key: malformed secret")
	}
	signer, err := note.NewSigner(string(skey))
	if err != nil {
		return nil, nil, "", fmt.Errorf("audit signing key: %w", err)
	}
	verifier, err := note.NewVerifier(string(vkey))
	if err != nil {
		return nil, nil, "", fmt.Errorf("audit verifier key: %w", err)
	}
	return signer, verifier, string(vkey), nil
}

func (a *App) startAudit(ctx context.Context) error {
	signer, verifier, vkey, err := AuditKeys(ctx, a.Keys)
	if err != nil {
		return err
	}
	a.Verifier, a.verifierKey = verifier, vkey
	a.Audit = audit.New(store.NewAuditStore(a.DB), keys.Subjects{K: a.Keys}, signer, a.Clock, audit.Options{Logger: a.Log})
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	a.stopAudit = cancel
	a.auditDone = make(chan error, 1)
	go func() {
		err := a.Audit.Run(runCtx)
		a.auditStopped.Store(true)
		a.auditDone <- err
	}()
	return nil
}

// AuditRecorder lets an access gate write to the audit log.
func AuditRecorder(l *audit.Log) access.Recorder { return auditRecorder{l} }

type auditRecorder struct{ log *audit.Log }

func (r auditRecorder) Record(ctx context.Context, rec access.Record) (int64, error) {
	return r.log.Append(ctx, audit.Entry{
		Time:       rec.Time,
		ActorKind:  audit.ActorKind(rec.ActorKind),
		ActorID:    rec.ActorID,
		ActorRole:  rec.ActorRole,
		Action:     audit.Action(rec.Action),
		Category:   datamap.CategoryID(rec.Category),
		ResourceID: rec.ResourceID,
		AccountID:  rec.AccountID,
		Purpose:    datamap.Purpose(rec.Purpose),
		Decision:   audit.Decision(rec.Decision),
		Reason:     rec.Reason,
		SubjectID:  rec.SubjectID,
		Personal:   rec.Personal,
		Route:      rec.Route,
	})
}
