// Package cli holds vigil's subcommands: serve, sim, audit verify, keys
// rotate-kek, retention run, admin setup-link and import-devices. Each parses its own flags into the one
// configuration struct and exits non-zero with a clear message on error.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/vigil-cloud/vigil/internal/config"
)

const usage = `vigil: the privacy-first cloud for IP cameras and NVRs

Usage:
  vigil serve [flags]          run vigil (embedded SQLite, blob directory, key file)
  vigil audit verify [flags]   prove the access log intact; exits 1 and names the first bad entry
  vigil keys rotate-kek        re-wrap every data key under a new key-encryption key
  vigil retention run          purge what has expired now (--dry-run: only report it), kept as a run
  vigil admin setup-link       print a new link to create the first administrator
  vigil admin import-devices   enter manufactured devices from a CSV list (serial,model,claim_code[,factory_secret])
  vigil sim [flags]            simulate cameras and NVRs against a running vigil (load tool)
  vigil version

Run "vigil <command> -h" for the flags of a command.
`

// Version is set at build time with -ldflags "-X .../cli.Version=...".
var Version = "dev"

// Main runs the command in args until it ends or the process gets SIGINT
// or SIGTERM, and returns the process exit code.
func Main(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return Run(ctx, args, stdout, stderr)
}

// Run runs the command in args until it ends or ctx is done.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "serve":
		err = serve(ctx, args[1:], stdout, stderr)
	case "audit":
		err = auditCmd(ctx, args[1:], stdout, stderr)
	case "keys":
		err = keysCmd(ctx, args[1:], stdout, stderr)
	case "retention":
		err = retentionCmd(ctx, args[1:], stdout, stderr)
	case "admin":
		err = adminCmd(ctx, args[1:], stdout, stderr)
	case "sim":
		err = simCmd(ctx, args[1:], stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "vigil", Version)
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
	default:
		fmt.Fprintf(stderr, "vigil: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	var exit exitError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &exit):
		return int(exit)
	}
	fmt.Fprintf(stderr, "vigil %s: %v\n", args[0], err)
	return 1
}

// exitError ends a command with a code after it printed its own message.
type exitError int

func (e exitError) Error() string { return fmt.Sprintf("exit %d", int(e)) }

// configFlags are the flags every command that opens vigil's data takes.
type configFlags struct {
	file, data, listen, mqttListen, logFormat, logLevel, tlsCert, tlsKey string
	selfSigned                                                           bool
}

func (f *configFlags) register(fs *flag.FlagSet, withServer bool) {
	fs.StringVar(&f.file, "config", "", "YAML configuration file")
	fs.StringVar(&f.data, "data", "", "data directory (default ./vigil-data)")
	if withServer {
		fs.StringVar(&f.listen, "listen", "", "HTTP listen address (default 127.0.0.1:8080)")
		fs.StringVar(&f.mqttListen, "mqtt-listen", "", "device MQTT listen address (default 127.0.0.1:8883)")
		fs.StringVar(&f.logFormat, "log-format", "", "log format: text or json")
		fs.StringVar(&f.logLevel, "log-level", "", "log level: debug, info, warn, error")
		fs.StringVar(&f.tlsCert, "tls-cert", "", "TLS certificate file (PEM)")
		fs.StringVar(&f.tlsKey, "tls-key", "", "TLS private key file (PEM)")
		fs.BoolVar(&f.selfSigned, "tls-self-signed", false, "serve HTTPS with a generated self-signed certificate")
	}
}

// load builds the configuration: defaults, file, environment, then flags.
func (f *configFlags) load() (config.Config, error) {
	c, err := config.Load(f.file, os.LookupEnv)
	if err != nil {
		return c, err
	}
	set := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	set(&c.DataDir, f.data)
	set(&c.Listen, f.listen)
	set(&c.Bus.MQTTListen, f.mqttListen)
	set(&c.Log.Format, f.logFormat)
	set(&c.Log.Level, f.logLevel)
	set(&c.TLS.CertFile, f.tlsCert)
	set(&c.TLS.KeyFile, f.tlsKey)
	if f.selfSigned {
		c.TLS.SelfSigned = true
	}
	c.Resolve()
	if err := c.Validate(); err != nil {
		return c, fmt.Errorf("configuration:\n%w", err)
	}
	return c, nil
}

func newLogger(c config.Config, w io.Writer) *slog.Logger {
	level, _ := config.ParseLevel(c.Log.Level)
	opts := &slog.HandlerOptions{Level: level}
	if c.Log.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
