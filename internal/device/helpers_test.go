package device_test

import (
	"bytes"
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
