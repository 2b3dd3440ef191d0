// Package storetest opens real databases for tests: SQLite always, and
// PostgreSQL when VIGIL_TEST_POSTGRES holds a connection URL. Each test gets
// a fresh database (a temporary file, or a schema of its own on PostgreSQL)
// that is removed when the test ends.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // for creating and dropping test schemas

	"github.com/vigil-cloud/vigil/internal/clock"
	"github.com/vigil-cloud/vigil/internal/store"
	"github.com/vigil-cloud/vigil/internal/store/postgres"
	"github.com/vigil-cloud/vigil/internal/store/sqlite"
)

// Start is the time fake clocks of test databases start at.
var Start = time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC)

// PostgresURL returns the server tests may use, or "" when none is set.
func PostgresURL() string { return os.Getenv("VIGIL_TEST_POSTGRES") }

// Each runs fn once per available dialect as a subtest, each on a fresh
// database with a fake clock. The PostgreSQL subtest skips with a message
// when VIGIL_TEST_POSTGRES is not set.
func Each(t *testing.T, fn func(t *testing.T, db *store.DB, clk *clock.Fake)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) {
		clk := clock.NewFake(Start)
		fn(t, OpenSQLite(t, clk), clk)
	})
	t.Run("postgres", func(t *testing.T) {
		clk := clock.NewFake(Start)
		fn(t, OpenPostgres(t, clk), clk)
	})
}

// OpenSQLite opens a migrated SQLite database in a temporary directory.
func OpenSQLite(t testing.TB, clk clock.Clock) *store.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "vigil.db"), clk)
	if err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// OpenPostgres opens a migrated PostgreSQL database in a schema of its own,
// or skips the test when VIGIL_TEST_POSTGRES is not set.
func OpenPostgres(t testing.TB, clk clock.Clock) *store.DB {
	t.Helper()
	db, err := postgres.Open(context.Background(), PostgresSchemaURL(t), clk)
	if err != nil {
		t.Fatalf("open postgres: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// PostgresSchemaURL creates an empty schema for the test, dropped when it
// ends, and returns a connection URL whose search_path is that schema. It
// skips the test when VIGIL_TEST_POSTGRES is not set.
func PostgresSchemaURL(t testing.TB) string {
	t.Helper()
	base := PostgresURL()
	if base == "" {
		t.Skip("PostgreSQL tests skipped: set VIGIL_TEST_POSTGRES (for example postgres://postgres@127.0.0.1:5432/test?sslmode=disable) to run them")
	}
	ctx := context.Background()
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("open postgres: %v", err)
	}
	defer admin.Close()
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	schema := "vigil_test_" + hex.EncodeToString(b[:])
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		a, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer a.Close()
		a.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE") //nolint:errcheck
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("VIGIL_TEST_POSTGRES is not a URL: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
