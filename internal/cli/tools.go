package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/vigil-cloud/vigil/internal/app"
	"github.com/vigil-cloud/vigil/internal/audit"
	"github.com/vigil-cloud/vigil/internal/clock"
	"github.com/vigil-cloud/vigil/internal/device"
	"github.com/vigil-cloud/vigil/internal/keys"
	"github.com/vigil-cloud/vigil/internal/store"
)

// open builds vigil's services for an offline command.
func open(ctx context.Context, name string, args []string, stderr io.Writer) (*app.App, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cf configFlags
	cf.register(fs, false)
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	cfg, err := cf.load()
	if err != nil {
		return nil, err
	}
	return app.New(ctx, cfg, app.Options{Log: newLogger(cfg, stderr), KEKEnv: os.Getenv("VIGIL_KEK"), Offline: true})
}

func auditCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "verify" {
		return errors.New(`usage: vigil audit verify [-data DIR] [-config FILE]`)
	}
	a, err := open(ctx, "audit verify", args[1:], stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	report, err := audit.Verify(ctx, store.NewAuditStore(a.DB), a.Verifier)
	if err != nil {
		return err
	}
	if !report.OK() {
		fmt.Fprintf(stdout, "audit log NOT intact: %s\n", report.Problem)
		return exitError(1)
	}
	fmt.Fprintln(stdout, report)
	return nil
}

func keysCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "rotate-kek" {
		return errors.New(`usage: vigil keys rotate-kek [-data DIR] [-config FILE]`)
	}
	if os.Getenv("VIGIL_KEK") != "" {
		return errors.New("VIGIL_KEK is set: rotate the key where it is kept, then re-wrap with the new value")
	}
	a, err := open(ctx, "keys rotate-kek", args[1:], stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	n, err := keys.RotateKeyFile(ctx, a.Config.Keys.KEKFile, store.NewKeyStore(a.DB), clock.Real{})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "re-wrapped %d keys under a new key-encryption key in %s; restart running vigil nodes\n", n, a.Config.Keys.KEKFile)
	return nil
}

func adminCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "import-devices" {
		return importDevices(ctx, args[1:], stdout, stderr)
	}
	if len(args) == 0 || args[0] != "setup-link" {
		return errors.New(`usage: vigil admin setup-link|import-devices [-data DIR] [-config FILE]`)
	}
	a, err := open(ctx, "admin setup-link", args[1:], stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	need, err := a.Accounts.NeedsBootstrap(ctx)
	if err != nil {
		return err
	}
	if !need {
		return errors.New("vigil already has two operator administrators; together they add staff (four eyes)")
	}
	return printSetupLink(ctx, a, stdout)
}

// importDevices enters a factory's manufacture list, all or none.
func importDevices(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	const usage = `usage: vigil admin import-devices [-data DIR] [-config FILE] FILE.csv (header: serial,model,claim_code[,factory_secret])`
	fs := flag.NewFlagSet("admin import-devices", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cf configFlags
	cf.register(fs, false)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New(usage)
	}
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		return err
	}
	defer f.Close()
	list, err := device.ParseCSV(f)
	if err != nil {
		return err
	}
	cfg, err := cf.load()
	if err != nil {
		return err
	}
	a, err := app.New(ctx, cfg, app.Options{Log: newLogger(cfg, stderr), KEKEnv: os.Getenv("VIGIL_KEK"), Offline: true})
	if err != nil {
		return err
	}
	defer a.Close()
	regs, err := a.Devices.RegisterManufactured(ctx, "vigil admin import-devices", list)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "registered %d devices\n", len(regs))
	return nil
}

// retentionCmd runs one retention sweep now, or (--dry-run) reports what
// one would purge, and keeps the run beside the scheduled ones.
func retentionCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "run" {
		return errors.New(`usage: vigil retention run [--dry-run] [-data DIR] [-config FILE]`)
	}
	fs := flag.NewFlagSet("retention run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cf configFlags
	cf.register(fs, false)
	dry := fs.Bool("dry-run", false, "report what has expired per category; purge nothing")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	cfg, err := cf.load()
	if err != nil {
		return err
	}
	a, err := app.New(ctx, cfg, app.Options{Log: newLogger(cfg, stderr), KEKEnv: os.Getenv("VIGIL_KEK"), Offline: true})
	if err != nil {
		return err
	}
	defer a.Close()
	run, err := a.Retention.RunOnce(ctx, "cli", *dry)
	verb := "purged"
	if *dry {
		verb = "would purge"
	}
	fmt.Fprintf(stdout, "retention run %s (%s)\n", run.ID, map[bool]string{true: "dry run: nothing deleted", false: "purged"}[*dry])
	for _, c := range run.Categories {
		if c.Owners == 0 && c.Held == 0 {
			continue
		}
		fmt.Fprintf(stdout, "  %-22s %s data of %d owner(s)", c.Category, verb, c.Owners)
		if !*dry {
			fmt.Fprintf(stdout, ": %d record(s), audit entries %v", c.Purged, c.AuditSeqs)
		}
		if c.Held > 0 {
			fmt.Fprintf(stdout, "; %d kept under a legal hold", c.Held)
		}
		fmt.Fprintln(stdout)
	}
	return err
}
