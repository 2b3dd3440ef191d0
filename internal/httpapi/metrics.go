package httpapi

import (
	"github.com/prometheus/client_golang/prometheus"
)

type metrics struct {
	requests    *prometheus.CounterVec
	duration    *prometheus.HistogramVec
	rateLimited prometheus.Counter
	authFailed  *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vigil_http_requests_total", Help: "HTTP requests by route and status.",
		}, []string{"route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "vigil_http_request_duration_seconds", Help: "HTTP request latency by route.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 14),
		}, []string{"route"}),
		rateLimited: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "vigil_http_rate_limited_total", Help: "Requests refused by the per-address limit on credential endpoints.",
		}),
		authFailed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vigil_auth_failures_total", Help: "Failed sign-in steps by kind of failure.",
		}, []string{"reason"}),
	}
	reg.MustRegister(m.requests, m.duration, m.rateLimited, m.authFailed)
	return m
}
