package device_test

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigil-cloud/vigil/internal/store"
	"github.com/vigil-cloud/vigil/internal/vigiltest"
)

func count(t *testing.T, e *vigiltest.Env, q string, args ...any) int {
	t.Helper()
	var n int
	err := e.App.DB.Read(t.Context(), func(tx *store.Tx) error { return tx.QueryRow(t.Context(), q, args...).Scan(&n) })
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// assertNowhere fails when any of the values appears in clear in any text
// or binary column of the database.
func assertNowhere(t *testing.T, e *vigiltest.Env, values ...string) {
	t.Helper()
	cols, err := e.App.DB.Columns(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cols {
		err := e.App.DB.Read(t.Context(), func(tx *store.Tx) error {
			rows, err := tx.Query(t.Context(), "SELECT "+c.Name+" FROM "+c.Table)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var v any
				if err := rows.Scan(&v); err != nil {
					return err
				}
				var b []byte
				switch x := v.(type) {
				case []byte:
					b = x
				case string:
					b = []byte(x)
				default:
					continue
				}
				for _, s := range values {
					if bytes.Contains(b, []byte(s)) {
						t.Errorf("%q is stored in clear in %s", s, c)
					}
				}
			}
			return rows.Err()
		})
		if err != nil {
			t.Fatalf("scan %s: %v", c, err)
		}
	}
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// assertNoFileContains fails when any file under dir holds one of the
// values.
func assertNoFileContains(t *testing.T, dir string, values ...string) {
	t.Helper()
	files := 0
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		files++
		for _, v := range values {
			if bytes.Contains(b, []byte(v)) {
				t.Errorf("%s holds %q in clear", path, v)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 2 {
		t.Fatalf("only %d files under %s: wrong directory?", files, dir)
	}
}
