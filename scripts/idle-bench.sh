#!/usr/bin/env bash
# Measures what an idle vigil serve costs: CPU (% of one core) and RSS of a
# fresh server with an account and no camera connected, read from
# /proc/<pid>/stat over WINDOW seconds (120) after SETTLE seconds (30).
#   scripts/idle-bench.sh
# WAKEUPS=1 also counts the server's context switches over the window
# (/proc/<pid>/task/*/status), a proxy for how often it wakes up.
set -euo pipefail
cd "$(dirname "$0")/.."
settle=${SETTLE:-30}
window=${WINDOW:-120}
work=$(mktemp -d)
pid=
trap 'kill ${pid:-} 2>/dev/null || true; rm -rf "$work"' EXIT
go build -o "$work/vigil" ./cmd/vigil

tck=$(getconf CLK_TCK)
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
rss() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
# switches PID: voluntary and involuntary context switches of all its threads.
switches() { cat /proc/"$1"/task/*/status 2>/dev/null | awk '/ctxt_switches/ {n += $2} END {print n}'; }

data="$work/data"
VIGIL_LISTEN=127.0.0.1:18080 VIGIL_MQTT_LISTEN=127.0.0.1:18883 VIGIL_RTSP_LISTEN=127.0.0.1:18554 VIGIL_WEBRTC_UDP=127.0.0.1:18189 \
  VIGIL_LOG_LEVEL=warn "$work/vigil" serve --data "$data" >"$work/serve.log" 2>&1 &
pid=$!
for _ in $(seq 100); do curl -sf http://127.0.0.1:18080/readyz >/dev/null && break; sleep 0.2; done
scripts/sim-account.sh http://127.0.0.1:18080 "$data" >/dev/null
sleep "$settle"
t0=$(ticks "$pid"); s0=$(switches "$pid")
sleep "$window"
t1=$(ticks "$pid"); s1=$(switches "$pid")
awk -v dt=$((t1 - t0)) -v tck="$tck" -v w="$window" -v r="$(rss "$pid")" -v sw=$((s1 - s0)) 'BEGIN {
  printf "idle vigil over %d s: CPU %.3f%% of one core; RSS %.0f MiB; %.1f context switches per second\n", w, 100 * dt / tck / w, r / 1024, sw / w }'
