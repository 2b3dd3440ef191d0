package bus

import (
	"fmt"
	"log/slog"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
)

type metrics struct {
	authRefused *prometheus.CounterVec
	aclDenied   *prometheus.CounterVec
	kicked      prometheus.Counter
	uplink      *prometheus.CounterVec
	forwarded   prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		authRefused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vigil_bus_auth_refused_total", Help: "Device connections refused, by reason.",
		}, []string{"reason"}),
		aclDenied: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vigil_bus_acl_denied_total", Help: "Device publishes and subscriptions outside the device's own tree, by operation.",
		}, []string{"op"}),
		kicked: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "vigil_bus_kicked_total", Help: "Device connections closed by Disconnect.",
		}),
		uplink: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vigil_bus_uplink_total", Help: "Uplink messages handled by consumers, by outcome (ack, nak, term).",
		}, []string{"outcome"}),
		forwarded: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "vigil_bus_forwarded_total", Help: "Uplink messages forwarded from the edge to the external cluster.",
		}),
	}
	for _, c := range []prometheus.Collector{m.authRefused, m.aclDenied, m.kicked, m.uplink, m.forwarded} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("bus: metrics: %w", err)
		}
	}
	for _, r := range []string{"bad_credentials", "client_id", "not_mqtt", "bad_identity", "timeout", "error"} {
		m.authRefused.WithLabelValues(r)
	}
	m.aclDenied.WithLabelValues("publish")
	m.aclDenied.WithLabelValues("subscribe")
	return m, nil
}

// serverLog passes the edge server's log to slog and counts permission
// violations: the server has no hook for them, only these log lines
// ("Publish Violation - Subject ...", "Subscription Violation - Subject ...").
// A test holds the texts against the server version in go.mod.
type serverLog struct {
	log     *slog.Logger
	metrics *metrics
}

func (l *serverLog) Noticef(format string, v ...any) { l.log.Info(fmt.Sprintf(format, v...)) }
func (l *serverLog) Warnf(format string, v ...any)   { l.log.Warn(fmt.Sprintf(format, v...)) }
func (l *serverLog) Fatalf(format string, v ...any)  { l.log.Error(fmt.Sprintf(format, v...)) }
func (l *serverLog) Debugf(format string, v ...any)  { l.log.Debug(fmt.Sprintf(format, v...)) }
func (l *serverLog) Tracef(format string, v ...any)  {}

func (l *serverLog) Errorf(format string, v ...any) {
	msg := fmt.Sprintf(format, v...)
	switch {
	case strings.Contains(msg, "Publish Violation"):
		l.metrics.aclDenied.WithLabelValues("publish").Inc()
		l.log.Warn(msg)
	case strings.Contains(msg, "Subscription Violation"):
		l.metrics.aclDenied.WithLabelValues("subscribe").Inc()
		l.log.Warn(msg)
	default:
		l.log.Error(msg)
	}
}
