package keys_test

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/keys"
)

func TestKeyFileCreatedPrivateAndReloaded(t *testing.T) {
	path := filepath.Join(t.TempDir(), "secrets", "kek.json")
	kek, created, err := keys.LoadOrCreateKeyFile(path)
	if err != nil || !created {
		t.Fatalf("create: created=%v, %v", created, err)
	}
	for p, want := range map[string]os.FileMode{path: 0o600, filepath.Dir(path): 0o700} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != want {
			t.Errorf("%s: mode %04o, want %04o", p, got, want)
		}
	}
	again, created, err := keys.LoadOrCreateKeyFile(path)
	if err != nil || created || again.ID() != kek.ID() {
		t.Fatalf("reload: id %s created=%v %v; want id %s, not created", again.ID(), created, err, kek.ID())
	}
	ct, err := kek.Encrypt([]byte("data key"), []byte("ad"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := again.Decrypt(ct, []byte("ad")); err != nil {
		t.Fatalf("reloaded KEK does not decrypt: %v", err)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Fatalf("key directory holds %d entries, want the key file only", len(entries))
	}

	// VIGIL_KEK carries the same keyset, base64 of the file.
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	env, err := keys.KEKFromEnv(base64.StdEncoding.EncodeToString(data) + "\n")
	if err != nil || env.ID() != kek.ID() {
		t.Fatalf("from env: %v, id %v", err, env)
	}
	if _, err := env.Decrypt(ct, []byte("ad")); err != nil {
		t.Fatalf("KEK from env does not decrypt: %v", err)
	}
	for _, bad := range []string{"", "not base64!", base64.StdEncoding.EncodeToString([]byte(`{"primaryKeyId":1}`))} {
		if _, err := keys.KEKFromEnv(bad); !errs.Is(err, errs.Invalid) {
			t.Errorf("KEKFromEnv(%q): %v, want invalid", bad, err)
		}
	}
}

func TestKeyFileWithLoosePermissionsRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kek.json")
	if _, _, err := keys.LoadOrCreateKeyFile(path); err != nil {
		t.Fatal(err)
	}
	for _, mode := range []os.FileMode{0o640, 0o604, 0o620} {
		if err := os.Chmod(path, mode); err != nil {
			t.Fatal(err)
		}
		_, _, err := keys.LoadOrCreateKeyFile(path)
		if !errs.Is(err, errs.Invalid) || !strings.Contains(err.Error(), "chmod 600") {
			t.Errorf("mode %04o: %v, want a refusal that says how to fix it", mode, err)
		}
	}
}

func TestKeyFileConcurrentCreateConverges(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kek.json")
	ids := make([]string, 8)
	var wg sync.WaitGroup
	for i := range ids {
		wg.Go(func() {
			k, _, err := keys.LoadOrCreateKeyFile(path)
			if err != nil {
				t.Error(err)
				return
			}
			ids[i] = k.ID()
		})
	}
	wg.Wait()
	final, _, err := keys.LoadOrCreateKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for i, id := range ids {
		if id != final.ID() {
			t.Fatalf("caller %d uses KEK %s, the file holds %s", i, id, final.ID())
		}
	}
}
