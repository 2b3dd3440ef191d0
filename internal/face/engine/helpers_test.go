package engine

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
)

var (
	engineOnce sync.Once
	testEngine *Engine
	engineErr  error
)

// newTestEngine loads the models once per test binary.
func newTestEngine(tb testing.TB) *Engine {
	tb.Helper()
	engineOnce.Do(func() { testEngine, engineErr = New(Options{}) })
	if engineErr != nil {
		tb.Fatal(engineErr)
	}
	return testEngine
}

// photo is one committed test portrait; person names who is on it.
type photo struct {
	name, person string
	data         []byte
}

func loadPhotos(tb testing.TB) []photo {
	tb.Helper()
	paths, err := filepath.Glob("testdata/photos/*.jpg")
	if err != nil || len(paths) == 0 {
		tb.Fatalf("no photos: %v", err)
	}
	sort.Strings(paths)
	var out []photo
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			tb.Fatal(err)
		}
		name := strings.TrimSuffix(filepath.Base(p), ".jpg")
		person := name
		if i := strings.LastIndex(name, "-"); i > 0 && strings.HasPrefix(name, "paul-rudd") {
			person = name[:i] // paul-rudd-1 and paul-rudd-2 are one person
		}
		out = append(out, photo{name: name, person: person, data: data})
	}
	return out
}
