#!/usr/bin/env bash
# Measures vigil serve with N simulated cameras publishing a 2 Mbit/s
# H.264+AAC clip over RTSP: CPU per stream and memory, for each N given
# (default 50 100 200). Each N runs on a fresh vigil in a temporary data
# directory on loopback ports.
#   scripts/video-bench.sh [DURATION] [N...]
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-30s}
shift || true
counts=("${@:-50 100 200}")
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
go build -o "$work/vigil" ./cmd/vigil
for n in ${counts[@]}; do
  data="$work/data-$n"
  VIGIL_LISTEN=127.0.0.1:18080 VIGIL_MQTT_LISTEN=127.0.0.1:18883 VIGIL_RTSP_LISTEN=127.0.0.1:18554 VIGIL_WEBRTC_UDP=127.0.0.1:18189 \
    VIGIL_LOG_LEVEL=warn "$work/vigil" serve --data "$data" >"$work/serve-$n.log" 2>&1 &
  pid=$!
  for _ in $(seq 100); do curl -sf http://127.0.0.1:18080/readyz >/dev/null && break; sleep 0.2; done
  token=$(scripts/sim-account.sh http://127.0.0.1:18080 "$data")
  echo "== $n streams"
  "$work/vigil" sim --data "$data" --url http://127.0.0.1:18080 --token "$token" --rtsp rtsp://127.0.0.1:18554 \
    --streams "$n" --duration "$duration" --measure-pid "$pid" | grep -v '^registered'
  curl -s http://127.0.0.1:18080/metrics | grep -E '^vigil_live_(segments_total|streams|dropped_total)|^vigil_recording_(segments_total|bytes_total|failures_total|segments_skipped_total|segments_dropped_total|lag_seconds|queued_segments|write_seconds_(sum|count))|^vigil_rtsp_refused_total' || true
  kill "$pid"; wait "$pid" 2>/dev/null || true
done
