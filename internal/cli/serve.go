package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"runtime/pprof"
	"runtime/trace"
	"strings"

	"github.com/vigil-cloud/vigil/internal/app"
)

func serve(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cf configFlags
	cf.register(fs, true)
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the whole run to this file (for go tool pprof)")
	traceFile := fs.String("trace", "", "write an execution trace of the whole run to this file (for go tool trace; shows what wakes an idle server)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	for _, p := range []struct {
		path  string
		start func(io.Writer) error
		stop  func()
	}{{*cpuProfile, pprof.StartCPUProfile, pprof.StopCPUProfile}, {*traceFile, trace.Start, trace.Stop}} {
		if p.path == "" {
			continue
		}
		stop, err := startProfile(p.path, p.start, p.stop)
		if err != nil {
			return err
		}
		defer stop()
	}
	cfg, err := cf.load()
	if err != nil {
		return err
	}
	log := newLogger(cfg, stderr)
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	defer ln.Close()
	if strings.HasSuffix(cfg.PublicURL, "://"+cfg.Listen) {
		// The public URL was derived from the listen address; use the
		// address actually bound (it differs when the port is 0).
		cfg.PublicURL = strings.TrimSuffix(cfg.PublicURL, cfg.Listen) + ln.Addr().String()
	}
	log.Info("starting vigil", "version", Version, "config", cfg)
	a, err := app.New(ctx, cfg, app.Options{Log: log, KEKEnv: os.Getenv("VIGIL_KEK")})
	if err != nil {
		return err
	}
	defer a.Close()
	if a.KEKCreated {
		log.Warn("created a new key-encryption key; back it up and keep it secret: without it no data can be read",
			"file", cfg.Keys.KEKFile)
	}
	fmt.Fprintf(stdout, "vigil is running. Open %s/ in your browser.\n", cfg.PublicURL)
	fmt.Fprintf(stdout, "Cameras and NVRs connect to %s\n", a.MQTTURL())
	if u := a.RTSPURL(); u != "" {
		fmt.Fprintf(stdout, "Cameras and NVRs publish video to %s/<device ID>/<channel>\n", u)
	}
	// On start, only while vigil has no staff at all: the second
	// administrator's link comes from "vigil admin setup-link".
	if first, err := a.Accounts.NeedsFirstAdmin(ctx); err != nil {
		return err
	} else if first {
		fmt.Fprint(stdout, "\nvigil has no administrator yet.")
		if err := printSetupLink(ctx, a, stdout); err != nil {
			return err
		}
	}
	if cfg.Mail.SMTPHost == "" {
		fmt.Fprintf(stdout, "No SMTP server is configured: e-mails (sign-up confirmations, resets) are written to %s\n", cfg.Mail.OutboxDir)
	}
	log.Info("listening", "addr", ln.Addr().String(), "tls", cfg.TLS.Enabled())
	err = a.Serve(ctx, ln)
	log.Info("stopped")
	return err
}

// startProfile runs a profiler (start, stop) into path until the returned
// stop is called.
func startProfile(path string, start func(io.Writer) error, stop func()) (func(), error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, fmt.Errorf("profile: %w", err)
	}
	if err := start(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("profile %s: %w", path, err)
	}
	return func() { stop(); f.Close() }, nil
}

// printSetupLink shows the operator, on the console only, the one-time link
// that creates an operator administrator (the first, or the second that
// four eyes need). It is not logged: it is a credential.
func printSetupLink(ctx context.Context, a *app.App, w io.Writer) error {
	token, err := a.Accounts.IssueBootstrap(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "\nWithin 24 hours, open this one-time link to create an operator administrator:\n\n  %s/#/staff/setup?token=%s\n\n",
		strings.TrimRight(a.Config.PublicURL, "/"), token)
	return nil
}
