package config

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The container file's environment is a valid configuration on its own
// (listeners on every address need TLS: it sets self-signed), and every
// VIGIL_ variable the deploy files name is a real setting.
func TestDeployFilesNameRealSettings(t *testing.T) {
	dir := filepath.Join("..", "..", "deploy")
	raw, err := os.ReadFile(filepath.Join(dir, "Containerfile"))
	if err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{}
	inEnv := false
	for _, line := range strings.Split(string(raw), "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "ENV ") {
			inEnv, line = true, strings.TrimPrefix(line, "ENV ")
		}
		if !inEnv {
			continue
		}
		k, v, ok := strings.Cut(strings.TrimSpace(strings.TrimSuffix(line, `\`)), "=")
		if !ok {
			t.Fatalf("ENV line %q is not KEY=VALUE", line)
		}
		vars[k] = v
		inEnv = strings.HasSuffix(line, `\`)
	}
	if len(vars) < 4 {
		t.Fatalf("found %d ENV settings in the Containerfile", len(vars))
	}
	c, err := Parse(nil, env(vars))
	if err != nil {
		t.Fatal(err)
	}
	c.Resolve()
	if err := c.Validate(); err != nil {
		t.Fatalf("the Containerfile's environment is not a valid configuration: %v", err)
	}
	if c.DataDir != "/var/lib/vigil" || !c.TLS.SelfSigned {
		t.Errorf("data_dir %q, self_signed %v: the Containerfile's ENV did not apply", c.DataDir, c.TLS.SelfSigned)
	}

	reference, err := os.ReadFile(filepath.Join("..", "..", "docs", "settings.md"))
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	name := regexp.MustCompile(`VIGIL_[A-Z0-9_]+`)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range name.FindAllString(string(b), -1) {
			if v == "VIGIL_KEK" { // the key itself, read by the commands, never a setting
				continue
			}
			if !strings.Contains(string(reference), "`"+v+"`") {
				t.Errorf("%s names %s, which is no setting in docs/settings.md", filepath.Base(f), v)
			}
		}
	}
}
