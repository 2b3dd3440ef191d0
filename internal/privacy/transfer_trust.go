package privacy

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/vigil-cloud/vigil/internal/errs"
)

// TrustedExporter is a vigil whose transfer packages this one imports: the
// operator configures it, by its signing key or the address where it
// publishes that key. A key a person sends with a package means nothing:
// anyone can sign a package with a key of their own.
type TrustedExporter struct {
	Name      string
	PublicKey string // base64 ed25519, as GET /api/v1/privacy/signing-key publishes it
	KeyURL    string // or that address, fetched when a package comes
}

// keyTTL is how long a key fetched from a key URL is used before it is
// fetched again.
const keyTTL = time.Hour

// exporterKeys resolves the trusted exporters' keys, fetching key URLs
// through a client that reaches public addresses only.
type exporterKeys struct {
	list   []TrustedExporter
	client *http.Client
	now    func() time.Time

	mu      sync.Mutex
	fetched map[string]fetchedKey
}

type fetchedKey struct {
	key string
	at  time.Time
}

// trusted returns the exporter whose key is presented, or false.
func (k *exporterKeys) trusted(ctx context.Context, presented string) (TrustedExporter, bool) {
	if presented == "" {
		return TrustedExporter{}, false
	}
	for _, x := range k.list {
		key := x.PublicKey
		if x.KeyURL != "" {
			key = k.fetch(ctx, x.KeyURL)
		}
		if key != "" && key == presented {
			x.PublicKey = key
			return x, true
		}
	}
	return TrustedExporter{}, false
}

// fetch reads the key published at url, or "" when it cannot be read.
func (k *exporterKeys) fetch(ctx context.Context, url string) string {
	k.mu.Lock()
	f, ok := k.fetched[url]
	k.mu.Unlock()
	if ok && k.now().Sub(f.at) < keyTTL {
		return f.key
	}
	if k.client == nil {
		return ""
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return ""
	}
	res, err := k.client.Do(req)
	if err != nil {
		return ""
	}
	defer res.Body.Close()
	var body struct {
		Algorithm string `json:"algorithm"`
		PublicKey string `json:"public_key"`
	}
	if res.StatusCode != http.StatusOK || json.NewDecoder(io.LimitReader(res.Body, 64<<10)).Decode(&body) != nil || body.Algorithm != "ed25519" {
		return ""
	}
	k.mu.Lock()
	if k.fetched == nil {
		k.fetched = map[string]fetchedKey{}
	}
	k.fetched[url] = fetchedKey{key: body.PublicKey, at: k.now()}
	k.mu.Unlock()
	return body.PublicKey
}

// Bounds checked on a package's directory, before any file is inflated: a
// zip bomb is refused on what its headers say, and archive/zip refuses a
// file that inflates past what its header says.
const (
	maxPackageBytes   = 2 << 30 // compressed
	maxPackageEntries = 20000
	maxInflatedBytes  = 8 << 30 // all files together
	maxEntryBytes     = 2 << 30 // one file
	maxExpansion      = 100     // inflated / compressed, for files past ratioFrom
	ratioFrom         = 1 << 20
)

var errPackageBounds = func(what string) error {
	return errs.E(errs.Invalid, "the package exceeds what an import takes (%s); it is refused before anything in it is read", what)
}
