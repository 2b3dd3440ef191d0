package privacy

import (
	"archive/zip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"strconv"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/account"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/id"
)

// TransferImport is what importing a transfer package created.
type TransferImport struct {
	account.ImportedAccount
	TransferID    string `json:"transfer_id"`
	FromAccountID string `json:"from_account_id"`
	// ConsentsNotApplied counts the consents and acceptances recorded in
	// the package that were not applied: each person gives them again.
	ConsentsNotApplied int    `json:"consents_not_applied"`
	Note               string `json:"note"`
}

// Bounds of what is read from a package into memory; data files are only
// hashed, as they stream.
const (
	maxManifest = 16 << 20
	maxTransfer = 32 << 20
)

// ImportTransfer checks a transfer package, bounds first (entries, sizes,
// expansion: a zip bomb is refused before anything is inflated), then its
// signature against the exporters the operator trusts (never a key sent
// with the package), then every file's size and SHA-256, and that no file
// is unlisted; only then does it create an account owned by the caller
// with the account's sites, and invite every other member again. Nothing
// of anyone's credentials, sessions or consents is applied. The transfer is
// recorded in the new account's ledger.
func (s *Requests) ImportTransfer(ctx context.Context, p access.Principal, r io.ReaderAt, size int64) (TransferImport, error) {
	if p.Kind != access.KindUser {
		return TransferImport{}, errs.E(errs.Forbidden, "only customer users import accounts")
	}
	if s.tenants == nil || s.ledger == nil {
		return TransferImport{}, errs.E(errs.Internal, "privacy: transfers are not set up")
	}
	doc, m, from, err := verifyTransfer(func(key string) (TrustedExporter, bool) { return s.exporters.trusted(ctx, key) }, r, size)
	if err != nil {
		return TransferImport{}, err
	}
	// A package imports once: a second import of the same transfer, here,
	// would make a second account of the same people.
	now := s.clk.Now().UTC().Truncate(time.Microsecond)
	if err := s.store.ClaimImport(ctx, doc.TransferID, p.ID, now); err != nil {
		if errs.Is(err, errs.Conflict) {
			return TransferImport{}, errs.E(errs.Conflict, "this package was imported already; a transfer imports once")
		}
		return TransferImport{}, err
	}
	imported := false
	defer func() {
		if !imported {
			if err := s.store.ImportFailed(context.WithoutCancel(ctx), doc.TransferID); err != nil {
				s.log.Error("a failed import's claim was not released", "transfer", doc.TransferID, "err", err)
			}
		}
	}()
	in := account.Imported{Name: doc.Account.Name, Region: doc.Account.Region}
	for _, st := range doc.Sites {
		in.Sites = append(in.Sites, account.ImportedSite{Ref: st.ID, SiteInput: account.SiteInput{Name: st.Name, TimeZone: st.TimeZone}})
	}
	consents := 0
	for _, mb := range doc.Members {
		for _, role := range mb.Roles {
			in.Members = append(in.Members, account.ImportedMember{Email: mb.Email, Role: role.Role, SiteRef: role.SiteID})
		}
		consents += len(mb.Consents) + len(mb.Acceptances)
	}
	imp, err := s.tenants.ImportAccount(ctx, p, in)
	if err != nil {
		return TransferImport{}, err
	}
	imported = true
	if err := s.store.ImportDone(ctx, doc.TransferID, imp.Account.ID); err != nil {
		return TransferImport{}, err
	}
	out := TransferImport{ImportedAccount: imp, TransferID: doc.TransferID, FromAccountID: doc.Account.ID, ConsentsNotApplied: consents,
		Note: "Every other member was invited again. No consent or acceptance from the package was applied: each person gives " +
			"their own when they join, and until then nothing of theirs is used for an optional purpose."}
	d, err := s.gate.Check(ctx, access.System(JobTransfer), access.Create, ledgerRes(imp.Account.ID), datamap.PurposeService)
	if err != nil {
		return out, err
	}
	ref := "transfer " + doc.TransferID + " of account " + doc.Account.ID + ", manifest signed by " + from.Name + " (" + from.PublicKey + ")"
	details := "Imported from another vigil for " + doc.Recipient + ": " + doc.Reason + " (" + strconv.Itoa(len(m.Files)) +
		" files; " + strconv.Itoa(len(out.Invitations)) + " people invited again; consents not carried over)"
	for _, subjectID := range []string{"", p.ID} {
		row := DisclosureRow{ID: id.New("dsc"), AccountID: imp.Account.ID, SubjectID: subjectID, Kind: Transfer, Categories: m.Scope.Categories,
			Resources: []string{imp.Account.ID}, DisclosedAt: now, RecordedBy: p.ID}
		if row.Categories == nil {
			row.Categories = []datamap.CategoryID{}
		}
		if _, err := s.ledger.record(ctx, d, row, "this account, imported by its new owner", ref, details); err != nil {
			return out, err
		}
	}
	return out, nil
}

// checkBounds refuses a package whose directory is out of bounds, before
// any file is inflated.
func checkBounds(zr *zip.Reader, size int64) error {
	if size > maxPackageBytes {
		return errPackageBounds("larger than 2 GiB")
	}
	if len(zr.File) > maxPackageEntries {
		return errPackageBounds("more than 20000 files")
	}
	var total uint64
	for _, f := range zr.File {
		n := f.UncompressedSize64
		if n > maxEntryBytes {
			return errPackageBounds("a file of more than 2 GiB")
		}
		if n > ratioFrom && (f.CompressedSize64 == 0 || n/f.CompressedSize64 > maxExpansion) {
			return errPackageBounds("a file that would inflate more than 100 times")
		}
		if total += n; total > maxInflatedBytes {
			return errPackageBounds("more than 8 GiB inflated")
		}
	}
	return nil
}

// verifyTransfer checks a package and returns its transfer.json and who
// signed it. Every refusal is errs.Invalid with what is wrong.
func verifyTransfer(trusted func(key string) (TrustedExporter, bool), r io.ReaderAt, size int64) (TransferDocument, Manifest, TrustedExporter, error) {
	var doc TransferDocument
	var m Manifest
	var from TrustedExporter
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return doc, m, from, errs.E(errs.Invalid, "the package is not a zip file")
	}
	if err := checkBounds(zr, size); err != nil {
		return doc, m, from, err
	}
	files := map[string]*zip.File{}
	for _, f := range zr.File {
		if _, dup := files[f.Name]; dup {
			return doc, m, from, errs.E(errs.Invalid, "the package holds %q twice", f.Name)
		}
		files[f.Name] = f
	}
	body, err := readZipFile(files, "manifest.json", maxManifest)
	if err != nil {
		return doc, m, from, err
	}
	rawSig, err := readZipFile(files, "manifest.sig", 64<<10)
	if err != nil {
		return doc, m, from, err
	}
	var sig Signature
	if json.Unmarshal(rawSig, &sig) != nil {
		return doc, m, from, errs.E(errs.Invalid, "the manifest's signature is not readable")
	}
	from, ok := trusted(sig.PublicKey)
	if !ok {
		return doc, m, from, errs.E(errs.Invalid, "the package is signed by a vigil this one does not trust: its operator lists the exporters it imports from")
	}
	if !VerifySignature(from.PublicKey, body, sig) {
		return doc, m, from, errs.E(errs.Invalid, "the manifest's signature does not verify with the exporter's key: the package was changed")
	}
	if err := json.Unmarshal(body, &m); err != nil {
		return doc, m, from, errs.E(errs.Invalid, "the manifest is not readable")
	}
	if m.Format != transferFormat {
		return doc, m, from, errs.E(errs.Invalid, "this is not an account transfer package (format %q)", m.Format)
	}
	listed := map[string]bool{"manifest.json": true, "manifest.sig": true}
	for _, mf := range m.Files {
		if listed[mf.Name] {
			return doc, m, from, errs.E(errs.Invalid, "the manifest lists %q twice", mf.Name)
		}
		listed[mf.Name] = true
		if err := checkZipFile(files[mf.Name], mf); err != nil {
			return doc, m, from, err
		}
	}
	for name := range files {
		if !listed[name] {
			return doc, m, from, errs.E(errs.Invalid, "the package holds %q, which its manifest does not list", name)
		}
	}
	if !listed[transferFile] {
		return doc, m, from, errs.E(errs.Invalid, "the package has no transfer.json")
	}
	raw, err := readZipFile(files, transferFile, maxTransfer)
	if err != nil {
		return doc, m, from, err
	}
	if err := json.Unmarshal(raw, &doc); err != nil || doc.Format != transferFormat {
		return doc, m, from, errs.E(errs.Invalid, "transfer.json is not readable")
	}
	if doc.TransferID != m.RequestID || doc.Account.ID != m.SubjectID {
		return doc, m, from, errs.E(errs.Invalid, "transfer.json does not belong to this manifest")
	}
	return doc, m, from, nil
}

func readZipFile(files map[string]*zip.File, name string, max int64) ([]byte, error) {
	f, ok := files[name]
	if !ok {
		return nil, errs.E(errs.Invalid, "the package has no %s", name)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, errs.E(errs.Invalid, "%s cannot be read from the package", name)
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, max+1))
	if err != nil {
		return nil, errs.E(errs.Invalid, "%s cannot be read from the package", name)
	}
	if int64(len(b)) > max {
		return nil, errs.E(errs.Invalid, "%s is larger than %d bytes", name, max)
	}
	return b, nil
}

// checkZipFile hashes one file as it streams and compares it with the
// manifest; it reads at most one byte more than the manifest says.
func checkZipFile(f *zip.File, want ManifestFile) error {
	if f == nil {
		return errs.E(errs.Invalid, "%q is in the manifest but not in the package", want.Name)
	}
	changed := errs.E(errs.Invalid, "%q does not match the size and SHA-256 in the manifest: the package was changed", want.Name)
	rc, err := f.Open()
	if err != nil {
		return changed
	}
	defer rc.Close()
	h := sha256.New()
	n, err := io.Copy(h, io.LimitReader(rc, want.Bytes+1))
	if err != nil || n != want.Bytes || hex.EncodeToString(h.Sum(nil)) != want.SHA256 {
		return changed
	}
	return nil
}
