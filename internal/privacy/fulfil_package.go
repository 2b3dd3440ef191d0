package privacy

import (
	"archive/zip"
	"bufio"
	"bytes"
	"compress/flate"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"hash"
	"io"
	"slices"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/privacy/fulfil"
)

// Manifest describes a package: every file with its SHA-256, what was left
// out and why. manifest.sig beside it holds an Ed25519 signature over the
// manifest's exact bytes.
type Manifest struct {
	Format    string         `json:"format"`
	RequestID string         `json:"request_id"`
	SubjectID string         `json:"subject_id"`
	CreatedAt time.Time      `json:"created_at"`
	Scope     fulfil.Scope   `json:"scope"`
	Files     []ManifestFile `json:"files"`
	// Excluded counts records marked confidential or legally privileged
	// that the package leaves out (R9).
	Excluded []ExcludedCount `json:"excluded,omitempty"`
	// NotHeld lists requested categories of which vigil holds nothing.
	NotHeld []datamap.CategoryID `json:"not_held,omitempty"`
	// FacesBlurred says every face but the requester's was blurred in the
	// media (R7), matched with the selfie given for this request.
	FacesBlurred bool `json:"faces_blurred,omitempty"`
	// Withheld lists media files left out, with why.
	Withheld []WithheldFile `json:"withheld,omitempty"`
	// Fingerprint is a hash of the records provided (without those the
	// export itself produced), to recognise a later request for unchanged data.
	Fingerprint string `json:"fingerprint"`
}

// WithheldFile is a media file a package leaves out.
type WithheldFile struct {
	Name     string             `json:"name"`
	Category datamap.CategoryID `json:"category"`
	Reason   string             `json:"reason"`
}

// ManifestFile is one file of a package.
type ManifestFile struct {
	Name     string             `json:"name"`
	Category datamap.CategoryID `json:"category"`
	Records  int64              `json:"records,omitempty"`
	Bytes    int64              `json:"bytes"`
	SHA256   string             `json:"sha256"`
}

// ExcludedCount is how many records of a category were left out, and why.
type ExcludedCount struct {
	Category datamap.CategoryID `json:"category"`
	Marking  string             `json:"marking"`
	Records  int                `json:"records"`
}

// Signature is the content of manifest.sig and of a certificate's seal.
type Signature struct {
	Algorithm string `json:"algorithm"` // "ed25519"
	PublicKey string `json:"public_key"`
	Signature string `json:"signature"`
}

const (
	packageFormat = "vigil-export/v1"
	signerSecret  = "privacy-signer"
)

// signingKey returns the privacy centre's Ed25519 key, kept as a system
// secret under the KEK and made on first use.
func (s *Requests) signingKey(ctx context.Context) (ed25519.PrivateKey, error) {
	seed, err := s.keys.SystemSecret(ctx, signerSecret, func() ([]byte, error) {
		seed := make([]byte, ed25519.SeedSize)
		_, err := rand.Read(seed)
		return seed, err
	})
	if err != nil {
		return nil, err
	}
	if len(seed) != ed25519.SeedSize {
		return nil, errs.E(errs.Internal, "privacy signing key is malformed")
	}
	return ed25519.NewKeyFromSeed(seed), nil
}

// PublicKey returns the key that verifies packages and certificates, base64.
func (s *Requests) PublicKey(ctx context.Context) (string, error) {
	k, err := s.signingKey(ctx)
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(k.Public().(ed25519.PublicKey)), nil
}

func (s *Requests) sign(ctx context.Context, msg []byte) (Signature, error) {
	k, err := s.signingKey(ctx)
	if err != nil {
		return Signature{}, err
	}
	return Signature{Algorithm: "ed25519", PublicKey: base64.StdEncoding.EncodeToString(k.Public().(ed25519.PublicKey)),
		Signature: base64.StdEncoding.EncodeToString(ed25519.Sign(k, msg))}, nil
}

// VerifySignature checks sig over msg with the key it names against want,
// the published key.
func VerifySignature(want string, msg []byte, sig Signature) bool {
	pub, err := base64.StdEncoding.DecodeString(sig.PublicKey)
	if err != nil || sig.PublicKey != want || len(pub) != ed25519.PublicKeySize || sig.Algorithm != "ed25519" {
		return false
	}
	raw, err := base64.StdEncoding.DecodeString(sig.Signature)
	return err == nil && ed25519.Verify(ed25519.PublicKey(pub), msg, raw)
}

// WritePackage streams a zip of subject's data within scope to w: one JSON
// file per category, media files, manifest.json with the SHA-256 of each,
// and manifest.sig. Nothing is held in memory beyond one record at a time.
// Each category is read under its own gate decision, recorded in the
// subject's access log.
func (s *Requests) WritePackage(ctx context.Context, w io.Writer, requestID string, subj fulfil.Subject, sc fulfil.Scope) (Manifest, error) {
	m := Manifest{Format: packageFormat, RequestID: requestID, SubjectID: subj.ID, CreatedAt: s.clk.Now().UTC(), Scope: sc}
	if subj.Redact != nil {
		m.FacesBlurred = true
		subj.Withhold = func(cat datamap.CategoryID, name, reason string) {
			m.Withheld = append(m.Withheld, WithheldFile{Name: name, Category: cat, Reason: reason})
		}
	}
	zw := newPackageZip(w)
	fp := sha256.New()
	if err := s.writeSubject(ctx, zw, "", JobRequests, subj, sc, &m, fp); err != nil {
		return m, err
	}
	return m, s.sealPackage(ctx, zw, &m, fp)
}

func newPackageZip(w io.Writer) *zip.Writer {
	zw := zip.NewWriter(w)
	zw.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(out, flate.BestSpeed)
	})
	return zw
}

// writeSubject writes every category of scope about subj under prefix
// (data/ and media/ below it), each read under its own gate decision for
// the system job, and adds the files to m.
func (s *Requests) writeSubject(ctx context.Context, zw *zip.Writer, prefix, job string, subj fulfil.Subject, sc fulfil.Scope, m *Manifest, fp hash.Hash) error {
	excluded, err := s.store.Exclusions(ctx, subj.ID)
	if err != nil {
		return err
	}
	for _, cat := range s.fulfil.SubjectCategories() {
		if !sc.Includes(cat.ID) {
			continue
		}
		h := s.fulfil.Handlers(cat.ID)
		if h.Export == nil {
			if !slices.Contains(m.NotHeld, cat.ID) {
				m.NotHeld = append(m.NotHeld, cat.ID)
			}
			continue
		}
		d, err := s.gate.Check(ctx, access.System(job), access.Export,
			access.Resource{Category: cat.ID, SubjectID: subj.ID}, purposeFor(cat))
		if err != nil {
			return err
		}
		f, ex, err := writeCategory(ctx, zw, prefix, cat, h.Export, d, subj, sc, excluded[cat.ID], fp, m.CreatedAt)
		if err != nil {
			return err
		}
		m.Files = append(m.Files, f)
		m.Excluded = append(m.Excluded, ex...)
		if me, ok := h.Export.(fulfil.MediaExporter); ok {
			err := me.ExportMedia(ctx, d, subj, sc, func(name string, r io.Reader) error {
				f, err := writeFile(zw, prefix+"media/"+string(cat.ID)+"/"+name, cat.ID, r, m.CreatedAt)
				if err == nil {
					m.Files = append(m.Files, f)
					io.WriteString(fp, f.SHA256) //nolint:errcheck // a hash never fails
				}
				return err
			})
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// sealPackage writes manifest.json and its signature, manifest.sig, and
// closes the zip.
func (s *Requests) sealPackage(ctx context.Context, zw *zip.Writer, m *Manifest, fp hash.Hash) error {
	m.Fingerprint = hex.EncodeToString(fp.Sum(nil))
	body, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return errs.Wrap(err, errs.Internal, "encode manifest")
	}
	sig, err := s.sign(ctx, body)
	if err != nil {
		return err
	}
	sigJSON, _ := json.MarshalIndent(sig, "", "  ")
	for _, f := range []struct {
		name    string
		content []byte
	}{{"manifest.json", body}, {"manifest.sig", sigJSON}} {
		fw, err := zw.CreateHeader(&zip.FileHeader{Name: f.name, Method: zip.Deflate, Modified: m.CreatedAt})
		if err != nil {
			return err
		}
		if _, err := fw.Write(f.content); err != nil {
			return err
		}
	}
	return zw.Close()
}

type counter struct{ n int64 }

func (c *counter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

func writeFile(zw *zip.Writer, name string, cat datamap.CategoryID, r io.Reader, at time.Time) (ManifestFile, error) {
	fw, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store, Modified: at})
	if err != nil {
		return ManifestFile{}, err
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(fw, h), r)
	if err != nil {
		return ManifestFile{}, err
	}
	return ManifestFile{Name: name, Category: cat, Bytes: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// writeCategory streams one category as <prefix>data/<category>.json: a header,
// then the records one by one, skipping those marked confidential or
// privileged. fp takes the hash of every record not derived from exports.
func writeCategory(ctx context.Context, zw *zip.Writer, prefix string, cat *datamap.Category, ex fulfil.Exporter, d access.Decision, subj fulfil.Subject,
	sc fulfil.Scope, excluded map[string]string, fp hash.Hash, at time.Time) (ManifestFile, []ExcludedCount, error) {
	name := prefix + "data/" + string(cat.ID) + ".json"
	fw, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: at})
	if err != nil {
		return ManifestFile{}, nil, err
	}
	h, n := sha256.New(), &counter{}
	io.WriteString(fp, string(cat.ID)+"\n") //nolint:errcheck // a hash never fails
	bw := bufio.NewWriterSize(io.MultiWriter(fw, h, n), 64<<10)
	head, _ := json.Marshal(map[string]any{"category": cat.ID, "title": cat.Title, "description": cat.Description})
	bw.Write(head[:len(head)-1]) //nolint:errcheck // bufio keeps the first error for Flush
	bw.WriteString(`,"records":[`)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	var records int64
	skipped := map[string]int{}
	err = ex.Export(ctx, d, subj, sc, func(r fulfil.Record) error {
		if mark, ok := excluded[r.ID]; ok {
			skipped[mark]++
			return nil
		}
		if records > 0 {
			bw.WriteByte(',')
		}
		records++
		buf.Reset()
		if err := enc.Encode(r); err != nil {
			return errs.Wrap(err, errs.Internal, "encode %s record", cat.ID)
		}
		if !r.Derived {
			fp.Write(buf.Bytes()) //nolint:errcheck // a hash never fails
		}
		bw.Write(buf.Bytes()) //nolint:errcheck // bufio keeps the first error for Flush
		return ctx.Err()
	})
	if err != nil {
		return ManifestFile{}, nil, err
	}
	bw.WriteString("]}\n")
	if err := bw.Flush(); err != nil {
		return ManifestFile{}, nil, err
	}
	var ex2 []ExcludedCount
	for _, mark := range []string{MarkConfidential, MarkPrivileged} {
		if skipped[mark] > 0 {
			ex2 = append(ex2, ExcludedCount{Category: cat.ID, Marking: mark, Records: skipped[mark]})
		}
	}
	return ManifestFile{Name: name, Category: cat.ID, Records: records, Bytes: n.n, SHA256: hex.EncodeToString(h.Sum(nil))}, ex2, nil
}
