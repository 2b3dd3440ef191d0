package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"reflect"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// LookupEnv reads one environment variable; os.LookupEnv in production.
type LookupEnv func(key string) (string, bool)

// Load builds the configuration from defaults, the YAML file at path (if path
// is not empty) and the environment. Flags are applied by the caller, then
// Resolve and Validate.
func Load(path string, env LookupEnv) (Config, error) {
	var doc []byte
	if path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return Config{}, fmt.Errorf("config file: %w", err)
		}
		doc = b
	}
	return Parse(doc, env)
}

// Parse is Load on a YAML document already read. Unknown keys are errors, so
// a misspelt setting is not silently ignored.
func Parse(doc []byte, env LookupEnv) (Config, error) {
	c := Default()
	if len(bytes.TrimSpace(doc)) > 0 {
		dec := yaml.NewDecoder(bytes.NewReader(doc))
		dec.KnownFields(true)
		if err := dec.Decode(&c); err != nil && !errors.Is(err, io.EOF) {
			return Config{}, fmt.Errorf("config file: %w", err)
		}
	}
	if env != nil {
		if err := applyEnv(reflect.ValueOf(&c).Elem(), env); err != nil {
			return Config{}, err
		}
	}
	return c, nil
}

func applyEnv(v reflect.Value, env LookupEnv) error {
	var problems []error
	t := v.Type()
	for i := range t.NumField() {
		f, fv := t.Field(i), v.Field(i)
		if f.Type.Kind() == reflect.Struct && f.Type != reflect.TypeFor[time.Duration]() {
			if err := applyEnv(fv, env); err != nil {
				problems = append(problems, err)
			}
			continue
		}
		key := f.Tag.Get("env")
		if key == "" {
			continue
		}
		raw, ok := env(key)
		if !ok {
			continue
		}
		if err := setValue(fv, raw); err != nil {
			problems = append(problems, fmt.Errorf("%s: %w", key, err))
		}
	}
	return errors.Join(problems...)
}

// setValue parses raw into a field. Error messages never echo the value,
// which may be a secret.
func setValue(v reflect.Value, raw string) error {
	switch v.Interface().(type) {
	case string:
		v.SetString(raw)
	case bool:
		b, err := strconv.ParseBool(raw)
		if err != nil {
			return errors.New("want true or false")
		}
		v.SetBool(b)
	case int:
		n, err := strconv.Atoi(raw)
		if err != nil {
			return errors.New("want a whole number")
		}
		v.SetInt(int64(n))
	case uint32:
		n, err := strconv.ParseUint(raw, 10, 32)
		if err != nil {
			return errors.New("want a whole number")
		}
		v.SetUint(n)
	case time.Duration:
		d, err := time.ParseDuration(raw)
		if err != nil {
			return errors.New("want a duration such as 15m or 24h")
		}
		v.SetInt(int64(d))
	default:
		return fmt.Errorf("unsupported setting type %s", v.Type())
	}
	return nil
}

// LogValue makes slog print the configuration with secrets redacted.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(attrs(reflect.ValueOf(c))...)
}

func attrs(v reflect.Value) []slog.Attr {
	var out []slog.Attr
	t := v.Type()
	for i := range t.NumField() {
		f, fv := t.Field(i), v.Field(i)
		name := f.Tag.Get("yaml")
		if f.Type.Kind() == reflect.Struct && f.Type != reflect.TypeFor[time.Duration]() {
			out = append(out, slog.Attr{Key: name, Value: slog.GroupValue(attrs(fv)...)})
			continue
		}
		if f.Tag.Get("secret") == "true" {
			if !fv.IsZero() {
				out = append(out, slog.String(name, "[redacted]"))
			}
			continue
		}
		if fv.Kind() == reflect.String {
			out = append(out, slog.String(name, redactURL(fv.String())))
			continue
		}
		out = append(out, slog.Any(name, fv.Interface()))
	}
	return out
}

// redactURL hides the password of a URL with credentials; other strings
// pass unchanged.
func redactURL(s string) string {
	if !strings.Contains(s, "://") || !strings.Contains(s, "@") {
		return s
	}
	u, err := url.Parse(s)
	if err != nil {
		return "[redacted]"
	}
	return u.Redacted()
}
