package cli

import (
	"cmp"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net/url"
	"time"

	"github.com/vigil-cloud/vigil/internal/config"
	"github.com/vigil-cloud/vigil/internal/sim"
)

// simVideo has the enrolled cameras publish the embedded clip over RTSP
// for the run's duration and, with --measure-pid, reports the CPU and
// memory of vigil serve while every stream runs.
func simVideo(ctx context.Context, cfg config.Config, f simFlags, members []sim.Member, stdout io.Writer) error {
	rtspURL := simRTSP(cfg, f)
	var tlsConf *tls.Config
	if f.insecure {
		tlsConf = &tls.Config{InsecureSkipVerify: true} //nolint:gosec // asked for by --insecure
	}
	fmt.Fprintf(stdout, "%d cameras publish to %s for %s\n", len(members), rtspURL, f.duration)
	var first sim.ProcSample
	measuring := make(chan struct{})
	ready := func() {
		// Let every stream settle (connections, first segments) first.
		time.Sleep(5 * time.Second)
		if f.measurePID > 0 {
			s, err := sim.SampleProc(f.measurePID)
			if err != nil {
				fmt.Fprintf(stdout, "cannot measure pid %d: %v\n", f.measurePID, err)
			}
			first = s
		}
		close(measuring)
	}
	var last sim.ProcSample
	done := make(chan struct{})
	runCtx, cancel := context.WithCancel(ctx)
	if f.measurePID > 0 {
		go func() {
			defer close(done)
			select {
			case <-measuring:
			case <-runCtx.Done():
				return
			}
			t := time.NewTicker(time.Second)
			defer t.Stop()
			mark := first
			for {
				select {
				case <-runCtx.Done():
					return
				case <-t.C:
					s, err := sim.SampleProc(f.measurePID)
					if err != nil {
						return
					}
					last = s
					// A line a minute shows whether memory stays flat.
					if s.At.Sub(mark.At) >= time.Minute {
						fmt.Fprintf(stdout, "  after %s: RSS %.0f MiB, CPU %.1f%% of one core over the last minute\n",
							s.At.Sub(first.At).Round(time.Second), float64(s.RSSKiB)/1024, sim.CPUPercent(mark, s))
						mark = s
					}
				}
			}
		}()
	} else {
		close(done)
	}
	rep, err := sim.RunVideo(runCtx, sim.VideoConfig{Members: members, RTSPURL: rtspURL, Duration: f.duration, TLS: tlsConf, Ready: ready})
	cancel()
	<-done
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, rep)
	for _, e := range rep.FirstErrs {
		fmt.Fprintln(stdout, "  ", e)
	}
	if f.measurePID > 0 && !last.At.IsZero() && last.At.After(first.At) {
		cpu := sim.CPUPercent(first, last)
		fmt.Fprintf(stdout, "vigil (pid %d) over %s with %d streams: CPU %.1f%% of one core = %.2f%% per stream; RSS %.0f MiB (peak %.0f MiB) = %.2f MiB per stream\n",
			f.measurePID, last.At.Sub(first.At).Round(time.Second), len(members), cpu, cpu/float64(len(members)),
			float64(last.RSSKiB)/1024, float64(last.HWMKiB)/1024, float64(last.RSSKiB)/1024/float64(len(members)))
	}
	return nil
}

// simRTSP is the RTSP address cameras publish to.
func simRTSP(cfg config.Config, f simFlags) string {
	rtspURL := cmp.Or(f.rtsp, cfg.Video.RTSPPublicURL)
	if rtspURL == "" {
		scheme := "rtsp"
		if cfg.TLS.Enabled() {
			scheme = "rtsps"
		}
		rtspURL = scheme + "://" + cfg.Video.RTSPListen
	}
	return rtspURL
}

// printRTSP prints each enrolled camera's publish URL, credential
// included, one a line: scripts/video-bench.sh hands them to ffmpeg.
func printRTSP(cfg config.Config, f simFlags, members []sim.Member, stdout io.Writer) error {
	base, err := url.Parse(simRTSP(cfg, f))
	if err != nil {
		return fmt.Errorf("--rtsp: %w", err)
	}
	for _, m := range members {
		u := *base
		u.User = url.UserPassword(m.DeviceID, m.Secret)
		u.Path = "/" + m.DeviceID + "/0"
		fmt.Fprintln(stdout, u.String())
	}
	return nil
}
