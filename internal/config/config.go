// Package config holds vigil's one configuration struct. It is built once at
// start-up from defaults, then a YAML file, then VIGIL_* environment
// variables, then command-line flags, validated, and passed explicitly to
// whatever needs it. Nothing changes it afterwards. Secrets in it (database
// URLs with passwords, S3 and SMTP credentials) never reach a log: Config
// logs itself redacted.
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

// Config is everything vigil needs to start.
type Config struct {
	// DataDir holds the embedded database, the key file, blobs and the
	// mail outbox when those are not configured elsewhere.
	DataDir string `yaml:"data_dir" env:"VIGIL_DATA"`
	// Listen is the HTTP(S) listen address.
	Listen string `yaml:"listen" env:"VIGIL_LISTEN"`
	// PublicURL is how users reach vigil; links in e-mails use it. Defaults
	// to the listen address.
	PublicURL string `yaml:"public_url" env:"VIGIL_PUBLIC_URL"`
	// NodeURL is where the other vigil nodes reach this node's HTTP
	// listener (e.g. http://10.0.0.2:8080): a viewer who reached another
	// node is relayed here for the cameras publishing to this one. Defaults
	// to the listen address; required with bus.url when that is a wildcard.
	NodeURL string `yaml:"node_url" env:"VIGIL_NODE_URL"`

	Log      Log      `yaml:"log"`
	TLS      TLS      `yaml:"tls"`
	Database Database `yaml:"database"`
	Blob     Blob     `yaml:"blob"`
	Keys     Keys     `yaml:"keys"`
	Mail     Mail     `yaml:"mail"`
	Auth     Auth     `yaml:"auth"`
	Bus      Bus      `yaml:"bus"`
	Privacy  Privacy  `yaml:"privacy"`
	Record   Record   `yaml:"recording"`
	Video    Video    `yaml:"video"`
	Alarm    Alarm    `yaml:"alarm"`
	Notify   Notify   `yaml:"notify"`
	Security Security `yaml:"security"`
	Incident Incident `yaml:"incident"`
}

// Bus configures the device link: the MQTT listener devices connect to and,
// at scale, the external NATS cluster that carries their messages.
type Bus struct {
	// URL of an external NATS cluster with JetStream; empty runs the bus
	// inside vigil.
	// A user and password in it are allowed and never logged.
	URL string `yaml:"url" env:"VIGIL_BUS_URL"`
	// CredsFile is a NATS .creds file (JWT and nkey seed) for the external
	// cluster; NKeyFile a file holding an nkey user seed. At most one.
	CredsFile string `yaml:"creds_file" env:"VIGIL_BUS_CREDS_FILE"`
	NKeyFile  string `yaml:"nkey_file" env:"VIGIL_BUS_NKEY_FILE"`
	// CAFile is the PEM bundle that signed the cluster's server
	// certificates (for tls:// URLs); CertFile and KeyFile a client
	// certificate when the cluster asks for one.
	CAFile   string `yaml:"ca_file" env:"VIGIL_BUS_CA_FILE"`
	CertFile string `yaml:"cert_file" env:"VIGIL_BUS_CERT_FILE"`
	KeyFile  string `yaml:"key_file" env:"VIGIL_BUS_KEY_FILE"`
	// LeafURL joins vigil's device listener to the cluster as a NATS leaf
	// node (nats-leaf://host:7422, comma-separated for several; the
	// cluster's leafnodes port): devices' messages are then stored on the
	// cluster, Replicas times, before they are acknowledged, and nothing
	// waits on a node's own disk. Needs url and domain. Empty forwards from
	// each node's disk instead (see docs/deploy.md).
	LeafURL string `yaml:"leaf_url" env:"VIGIL_BUS_LEAF_URL"`
	// Domain is the cluster's JetStream domain (its jetstream.domain),
	// required with leaf_url.
	Domain string `yaml:"domain" env:"VIGIL_BUS_DOMAIN"`
	// Replicas is how many NATS servers keep the uplink stream; 0 means 3
	// on a cluster and 1 on a single server.
	Replicas int `yaml:"replicas" env:"VIGIL_BUS_REPLICAS"`
	// NodeTimeout is how long a vigil node may stay silent before the
	// others declare it dead and mark the devices connected to it offline
	// (their offline alarms follow alarm.offline_after later). Nodes write
	// that they are alive six times per NodeTimeout.
	NodeTimeout time.Duration `yaml:"node_timeout" env:"VIGIL_BUS_NODE_TIMEOUT"`
	// Prefix names vigil's streams and subjects on the bus.
	Prefix string `yaml:"prefix" env:"VIGIL_BUS_PREFIX"`
	// MQTTListen is where devices connect. Plain MQTT is only allowed on a
	// loopback address; with TLS configured the listener uses it.
	MQTTListen string `yaml:"mqtt_listen" env:"VIGIL_MQTT_LISTEN"`
	// MQTTPublicURL is what devices are told to connect to; defaults to
	// the listen address.
	MQTTPublicURL string `yaml:"mqtt_public_url" env:"VIGIL_MQTT_PUBLIC_URL"`
}

// Log chooses the log format and level.
type Log struct {
	Format string `yaml:"format" env:"VIGIL_LOG_FORMAT"` // text or json
	Level  string `yaml:"level" env:"VIGIL_LOG_LEVEL"`   // debug, info, warn, error
}

// TLS configures HTTPS. With neither files nor SelfSigned, vigil serves plain
// HTTP, which is only allowed on a loopback address.
type TLS struct {
	// CertFile and KeyFile are the PEM certificate chain and key for HTTPS
	// (and RTSPS, MQTT over TLS); they go together.
	CertFile string `yaml:"cert_file" env:"VIGIL_TLS_CERT"`
	KeyFile  string `yaml:"key_file" env:"VIGIL_TLS_KEY"`
	// SelfSigned makes vigil create and use a self-signed certificate under
	// DataDir/tls (demos; browsers will warn).
	SelfSigned bool `yaml:"self_signed" env:"VIGIL_TLS_SELF_SIGNED"`
}

// Enabled reports whether vigil serves HTTPS.
func (t TLS) Enabled() bool { return t.CertFile != "" || t.SelfSigned }

// Database chooses the metadata store.
type Database struct {
	Driver string `yaml:"driver" env:"VIGIL_DB_DRIVER"` // sqlite or postgres
	// URL is the PostgreSQL connection URL, or the SQLite file path
	// (default DataDir/vigil.db).
	URL string `yaml:"url" env:"VIGIL_DB_URL" secret:"true"`
}

// Blob chooses where encrypted blobs live.
type Blob struct {
	Driver string `yaml:"driver" env:"VIGIL_BLOB_DRIVER"` // dir or s3
	// Dir is the blob directory of the dir driver (default DataDir/blobs).
	Dir string `yaml:"dir" env:"VIGIL_BLOB_DIR"`
	S3  S3     `yaml:"s3"`
}

// S3 configures an S3-compatible object store.
type S3 struct {
	Endpoint string `yaml:"endpoint" env:"VIGIL_S3_ENDPOINT"` // host:port
	Bucket   string `yaml:"bucket" env:"VIGIL_S3_BUCKET"`     // the bucket, which must exist
	Region   string `yaml:"region" env:"VIGIL_S3_REGION"`     // the bucket's region
	// AccessKey and SecretKey are the store's credentials.
	AccessKey string `yaml:"access_key" env:"VIGIL_S3_ACCESS_KEY" secret:"true"`
	SecretKey string `yaml:"secret_key" env:"VIGIL_S3_SECRET_KEY" secret:"true"`
	Insecure  bool   `yaml:"insecure" env:"VIGIL_S3_INSECURE"` // plain HTTP, for a local test server
}

// Keys says where the key-encryption key comes from. VIGIL_KEK (the key
// itself, base64) wins over the file.
type Keys struct {
	// KEKFile holds the key-encryption key (default DataDir/kek.json,
	// created on first start). Every node of one database needs the same.
	KEKFile string `yaml:"kek_file" env:"VIGIL_KEK_FILE"`
}

// Mail configures outgoing e-mail. Without an SMTP host, messages are
// written as .eml files to OutboxDir, which suits a single machine.
type Mail struct {
	From     string `yaml:"from" env:"VIGIL_MAIL_FROM"`      // the sender of every message
	SMTPHost string `yaml:"smtp_host" env:"VIGIL_SMTP_HOST"` // the relay; empty writes .eml files to OutboxDir
	SMTPPort int    `yaml:"smtp_port" env:"VIGIL_SMTP_PORT"` // the relay's port
	// Username and Password sign in to the relay.
	Username string `yaml:"username" env:"VIGIL_SMTP_USERNAME" secret:"true"`
	Password string `yaml:"password" env:"VIGIL_SMTP_PASSWORD" secret:"true"`
	TLS      string `yaml:"tls" env:"VIGIL_SMTP_TLS"` // starttls (default), tls, or none (loopback only)
	// OutboxDir receives messages as .eml files when there is no SMTP host
	// (default DataDir/outbox).
	OutboxDir string `yaml:"outbox_dir" env:"VIGIL_MAIL_OUTBOX"`
}

// Auth tunes credentials and sessions.
type Auth struct {
	// SessionTTL is how long a sign-in lasts without use.
	SessionTTL time.Duration `yaml:"session_ttl" env:"VIGIL_SESSION_TTL"`
	// Argon2id cost. The defaults follow OWASP's minimum (19 MiB, 2 passes).
	ArgonMemoryKiB uint32 `yaml:"argon_memory_kib" env:"VIGIL_ARGON_MEMORY_KIB"`
	ArgonTime      uint32 `yaml:"argon_time" env:"VIGIL_ARGON_TIME"`
	// After LockoutAfter failed sign-ins for one address typed from one
	// network, each further attempt from that network waits LockoutFor,
	// doubling up to a day. No account is ever locked.
	LockoutAfter int           `yaml:"lockout_after" env:"VIGIL_LOCKOUT_AFTER"`
	LockoutFor   time.Duration `yaml:"lockout_for" env:"VIGIL_LOCKOUT_FOR"`
	// Credential endpoints accept this many attempts per minute per client
	// address.
	AttemptsPerMinute int `yaml:"attempts_per_minute" env:"VIGIL_ATTEMPTS_PER_MINUTE"`
	// Routes that send mail or SMS (invitations, resets, confirmations,
	// codes, transfers) may be asked this many times an hour per account
	// (and each recipient gets at most this many such mails an hour), and
	// MessagesPerAddress times an hour per client address.
	MessagesPerHour    int `yaml:"messages_per_hour" env:"VIGIL_MESSAGES_PER_HOUR"`
	MessagesPerAddress int `yaml:"messages_per_address" env:"VIGIL_MESSAGES_PER_ADDRESS"`
	// Security officers, DPOs and operator
	// administrators sign in with a passkey or security key only, never
	// with an authenticator-app code (the operator's policy). Keys are
	// bound to the host of public_url.
	StaffWebAuthnRequired bool `yaml:"staff_webauthn_required" env:"VIGIL_STAFF_WEBAUTHN_REQUIRED"`
}

// Default returns the embedded single-machine configuration.
func Default() Config {
	return Config{
		DataDir:  "vigil-data",
		Listen:   "127.0.0.1:8080",
		Log:      Log{Format: "text", Level: "info"},
		Database: Database{Driver: "sqlite"},
		Blob:     Blob{Driver: "dir"},
		Mail:     Mail{From: "vigil <no-reply@vigil.localhost>", SMTPPort: 587, TLS: "starttls"},
		Bus:      Bus{Prefix: "vigil", MQTTListen: "127.0.0.1:8883", NodeTimeout: 30 * time.Second},
		Video:    defaultVideo(),
		Notify:   DefaultNotify(),
		Security: DefaultSecurity(),
		Incident: DefaultIncident(),
		Auth: Auth{
			SessionTTL:         14 * 24 * time.Hour,
			ArgonMemoryKiB:     19 * 1024,
			ArgonTime:          2,
			LockoutAfter:       5,
			LockoutFor:         15 * time.Minute,
			AttemptsPerMinute:  10,
			MessagesPerHour:    10,
			MessagesPerAddress: 30,
		},
	}
}

// Resolve fills paths that default to places under DataDir.
func (c *Config) Resolve() {
	if c.Database.Driver == "sqlite" && c.Database.URL == "" {
		c.Database.URL = filepath.Join(c.DataDir, "vigil.db")
	}
	if c.Blob.Driver == "dir" && c.Blob.Dir == "" {
		c.Blob.Dir = filepath.Join(c.DataDir, "blobs")
	}
	if c.Keys.KEKFile == "" {
		c.Keys.KEKFile = filepath.Join(c.DataDir, "keys", "kek.json")
	}
	if c.Mail.SMTPHost == "" && c.Mail.OutboxDir == "" {
		c.Mail.OutboxDir = filepath.Join(c.DataDir, "outbox")
	}
	if c.PublicURL == "" {
		scheme := "http"
		if c.TLS.Enabled() {
			scheme = "https"
		}
		c.PublicURL = scheme + "://" + c.Listen
	}
}

// Validate reports every problem at once, each naming its setting.
func (c Config) Validate() error {
	var problems []error
	bad := func(setting, format string, args ...any) {
		problems = append(problems, fmt.Errorf("%s: %s", setting, fmt.Sprintf(format, args...)))
	}
	if c.DataDir == "" {
		bad("data_dir", "must not be empty")
	}
	host, port, err := net.SplitHostPort(c.Listen)
	if err != nil || port == "" {
		bad("listen", "want host:port, got %q", c.Listen)
	} else if !c.TLS.Enabled() && !isLoopback(host) {
		bad("listen", "plain HTTP is only allowed on a loopback address; configure tls.cert_file/tls.key_file or tls.self_signed to listen on %q", host)
	}
	if u, err := url.Parse(c.PublicURL); c.PublicURL != "" && (err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "") {
		bad("public_url", "want an http(s) URL, got %q", c.PublicURL)
	}
	if u, err := url.Parse(c.NodeURL); c.NodeURL != "" && (err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "") {
		bad("node_url", "want an http(s) URL, got %q", c.NodeURL)
	}
	if host, _, err := net.SplitHostPort(c.Listen); err == nil && c.Bus.URL != "" && c.NodeURL == "" {
		if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
			bad("node_url", "with bus.url and a wildcard listen address, say where the other nodes reach this one")
		}
	}
	if c.Log.Format != "text" && c.Log.Format != "json" {
		bad("log.format", "want text or json, got %q", c.Log.Format)
	}
	if _, err := ParseLevel(c.Log.Level); err != nil {
		bad("log.level", "%v", err)
	}
	if (c.TLS.CertFile == "") != (c.TLS.KeyFile == "") {
		bad("tls", "cert_file and key_file go together")
	}
	if c.TLS.CertFile != "" && c.TLS.SelfSigned {
		bad("tls.self_signed", "cannot be combined with cert_file")
	}
	switch c.Database.Driver {
	case "sqlite":
	case "postgres":
		if !strings.HasPrefix(c.Database.URL, "postgres://") && !strings.HasPrefix(c.Database.URL, "postgresql://") {
			bad("database.url", "want a postgres:// URL for the postgres driver")
		}
	default:
		bad("database.driver", "want sqlite or postgres, got %q", c.Database.Driver)
	}
	switch c.Blob.Driver {
	case "dir":
	case "s3":
		s := c.Blob.S3
		if s.Endpoint == "" || s.Bucket == "" || s.AccessKey == "" || s.SecretKey == "" {
			bad("blob.s3", "endpoint, bucket, access_key and secret_key are required")
		}
	default:
		bad("blob.driver", "want dir or s3, got %q", c.Blob.Driver)
	}
	switch c.Mail.TLS {
	case "starttls", "tls":
	case "none":
		if c.Mail.SMTPHost != "" && !isLoopback(c.Mail.SMTPHost) {
			bad("mail.tls", "none is only allowed for a loopback SMTP server")
		}
	default:
		bad("mail.tls", "want starttls, tls or none, got %q", c.Mail.TLS)
	}
	if c.Mail.SMTPPort <= 0 || c.Mail.SMTPPort > 65535 {
		bad("mail.smtp_port", "want 1-65535, got %d", c.Mail.SMTPPort)
	}
	if c.Mail.From == "" {
		bad("mail.from", "must not be empty")
	}
	c.validateBus(bad)
	c.validateRecording(bad)
	c.validateVideo(bad)
	c.validateNotify(bad)
	c.validateIncident(bad)
	c.validatePrivacy(bad)
	c.validateSecurity(bad)
	a := c.Auth
	if a.SessionTTL < time.Minute || a.SessionTTL > 90*24*time.Hour {
		bad("auth.session_ttl", "want between 1m and 90 days, got %s", a.SessionTTL)
	}
	if a.ArgonMemoryKiB < 8*1024 || a.ArgonTime < 1 {
		bad("auth.argon_memory_kib", "argon2id cost too low: at least 8192 KiB and 1 pass")
	}
	if a.LockoutAfter < 1 || a.LockoutAfter > 100 {
		bad("auth.lockout_after", "want 1-100, got %d", a.LockoutAfter)
	}
	if a.LockoutFor < time.Second {
		bad("auth.lockout_for", "want at least 1s, got %s", a.LockoutFor)
	}
	if a.AttemptsPerMinute < 1 {
		bad("auth.attempts_per_minute", "want at least 1, got %d", a.AttemptsPerMinute)
	}
	if a.MessagesPerHour < 1 || a.MessagesPerAddress < 1 {
		bad("auth.messages_per_hour", "want messages_per_hour and messages_per_address at least 1, got %d and %d", a.MessagesPerHour, a.MessagesPerAddress)
	}
	return errors.Join(problems...)
}

var busPrefixRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,32}$`)

func (c Config) validateBus(bad func(setting, format string, args ...any)) {
	b := c.Bus
	if b.URL != "" {
		if u, err := url.Parse(b.URL); err != nil || (u.Scheme != "nats" && u.Scheme != "tls") || u.Host == "" {
			bad("bus.url", "want a nats:// or tls:// URL, got %q", redactURL(b.URL))
		}
	}
	if b.LeafURL != "" {
		for _, raw := range strings.Split(b.LeafURL, ",") {
			if u, err := url.Parse(strings.TrimSpace(raw)); err != nil || (u.Scheme != "nats-leaf" && u.Scheme != "nats" && u.Scheme != "tls") || u.Host == "" {
				bad("bus.leaf_url", "want nats-leaf://host:port URLs, got %q", redactURL(strings.TrimSpace(raw)))
			}
		}
		if b.URL == "" {
			bad("bus.leaf_url", "needs bus.url (the same cluster's client URL)")
		}
		if !busPrefixRE.MatchString(b.Domain) {
			bad("bus.domain", "leaf_url needs the cluster's JetStream domain (letters, digits, - or _), got %q", b.Domain)
		}
	}
	if b.CredsFile != "" && b.NKeyFile != "" {
		bad("bus.creds_file", "give a credentials file or an nkey file, not both")
	}
	if (b.CertFile == "") != (b.KeyFile == "") {
		bad("bus.cert_file", "a client certificate needs both cert_file and key_file")
	}
	if b.NodeTimeout < 3*time.Second {
		bad("bus.node_timeout", "want at least 3s, got %s", b.NodeTimeout)
	}
	if b.Replicas < 0 || b.Replicas > 5 {
		bad("bus.replicas", "want 0 (automatic) to 5, got %d", b.Replicas)
	}
	if !busPrefixRE.MatchString(b.Prefix) {
		bad("bus.prefix", "want 1-32 letters, digits, - or _, got %q", b.Prefix)
	}
	host, port, err := net.SplitHostPort(b.MQTTListen)
	if err != nil || port == "" {
		bad("bus.mqtt_listen", "want host:port, got %q", b.MQTTListen)
	} else if !c.TLS.Enabled() && !isLoopback(host) {
		bad("bus.mqtt_listen", "plain MQTT is only allowed on a loopback address; configure TLS to listen on %q", host)
	}
	if b.MQTTPublicURL != "" {
		if u, err := url.Parse(b.MQTTPublicURL); err != nil || (u.Scheme != "mqtt" && u.Scheme != "mqtts") || u.Host == "" {
			bad("bus.mqtt_public_url", "want an mqtt:// or mqtts:// URL, got %q", b.MQTTPublicURL)
		}
	}
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// ParseLevel reads a log level name.
func ParseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return 0, fmt.Errorf("want debug, info, warn or error, got %q", s)
	}
	return l, nil
}
