package app_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigil-cloud/vigil/internal/app"
	"github.com/vigil-cloud/vigil/internal/keys"
	"github.com/vigil-cloud/vigil/internal/vigiltest"
)

// A node that joins a database with the wrong key-encryption key (no key
// file, or another one) refuses to start with a message that says what to
// do, and creates no key file of its own: before, it wrote a fresh key file
// and then failed with "aead_factory: decryption failed".
func TestSecondNodeWithAnotherKEKRefused(t *testing.T) {
	vigiltest.Each(t, func(t *testing.T, e *vigiltest.Env) {
		e.SignUp("first-node@example.com")
		e.App.Close()

		node2 := e.Config
		node2.DataDir = t.TempDir()
		node2.Keys.KEKFile = filepath.Join(node2.DataDir, "kek.json")
		_, err := app.New(t.Context(), node2, app.Options{Offline: true})
		if err == nil || !strings.Contains(err.Error(), "no key file at "+node2.Keys.KEKFile) || !strings.Contains(err.Error(), "copy the key file") {
			t.Fatalf("without a key file: %v", err)
		}
		if _, err := os.Stat(node2.Keys.KEKFile); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("the refused node created a key file (%v)", err)
		}

		other, _, err := keys.LoadOrCreateKeyFile(node2.Keys.KEKFile)
		if err != nil {
			t.Fatal(err)
		}
		_, err = app.New(t.Context(), node2, app.Options{Offline: true})
		if err == nil || !strings.Contains(err.Error(), "this node's KEK is "+other.ID()) || !strings.Contains(err.Error(), "same key file") {
			t.Fatalf("with another key file: %v", err)
		}

		// With the first node's key file it starts.
		node2.Keys.KEKFile = e.Config.Keys.KEKFile
		a, err := app.New(t.Context(), node2, app.Options{Offline: true})
		if err != nil {
			t.Fatalf("with the right key file: %v", err)
		}
		a.Close()
	})
}
