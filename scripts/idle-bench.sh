#!/usr/bin/env bash
# Measures what an idle vigil serve costs: CPU (% of one core) and RSS of a
# fresh server with an account and no camera connected, read from
# /proc/<pid>/stat over WINDOW seconds (120) after SETTLE seconds (30).
#   scripts/idle-bench.sh
# It also counts the server's context switches over the window
# (/proc/<pid>/task/*/status), a proxy for how often it wakes up.
# HUB=1 runs the broker in its own process: a nats-server from PATH (or
# NATS_SERVER) with JetStream and a leaf node port, and vigil joined to it as
# a leaf (bus.url, bus.leaf_url, bus.domain), as at scale. vigil then holds
# no JetStream store of its own, so the figure is vigil's own idle cost
# without the embedded broker's timers; the broker's CPU is printed apart.
# NATS_PATCH=1 builds vigil against nats-server with
# scripts/patches/nats-server-idle.patch applied (scripts/nats-patched.sh,
# a temporary copy), so that the broker's three always-on timers sleep
# while nothing uses them: what vigil costs idle with that change, proposed
# upstream, in place.
set -euo pipefail
cd "$(dirname "$0")/.."
settle=${SETTLE:-30}
window=${WINDOW:-120}
work=$(mktemp -d)
pid= hub=
trap 'kill ${pid:-} ${hub:-} 2>/dev/null || true; rm -rf "$work"' EXIT
modfile=()
if [[ -n ${NATS_PATCH:-} ]]; then
  modfile=(-modfile "$(scripts/nats-patched.sh "$work/patched")")
fi
go build "${modfile[@]}" -o "$work/vigil" ./cmd/vigil

tck=$(getconf CLK_TCK)
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
rss() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
# switches PID: voluntary and involuntary context switches of all its threads.
switches() { cat /proc/"$1"/task/*/status 2>/dev/null | awk '/ctxt_switches/ {n += $2} END {print n}'; }

busenv=()
if [[ -n ${HUB:-} ]]; then
  natsd=${NATS_SERVER:-$(command -v nats-server || echo /usr/sbin/nats-server)}
  printf 'listen: "127.0.0.1:14222"\njetstream { store_dir: "%s", domain: idlehub }\nleafnodes { listen: "127.0.0.1:17422" }\n' "$work/hub" >"$work/hub.conf"
  "$natsd" -c "$work/hub.conf" >"$work/hub.log" 2>&1 &
  hub=$!
  busenv=(VIGIL_BUS_URL=nats://127.0.0.1:14222 VIGIL_BUS_LEAF_URL=nats-leaf://127.0.0.1:17422 VIGIL_BUS_DOMAIN=idlehub)
  for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/14222) 2>/dev/null && break; sleep 0.1; done
fi

data="$work/data"
env "${busenv[@]}" VIGIL_LISTEN=127.0.0.1:18080 VIGIL_MQTT_LISTEN=127.0.0.1:18883 VIGIL_RTSP_LISTEN=127.0.0.1:18554 VIGIL_WEBRTC_UDP=127.0.0.1:18189 \
  VIGIL_LOG_LEVEL=warn "$work/vigil" serve --data "$data" >"$work/serve.log" 2>&1 &
pid=$!
for _ in $(seq 100); do curl -sf http://127.0.0.1:18080/readyz >/dev/null && break; sleep 0.2; done
scripts/sim-account.sh http://127.0.0.1:18080 "$data" >/dev/null
sleep "$settle"
t0=$(ticks "$pid"); s0=$(switches "$pid"); h0=$([[ -n $hub ]] && ticks "$hub" || echo 0)
sleep "$window"
t1=$(ticks "$pid"); s1=$(switches "$pid"); h1=$([[ -n $hub ]] && ticks "$hub" || echo 0)
awk -v dt=$((t1 - t0)) -v tck="$tck" -v w="$window" -v r="$(rss "$pid")" -v sw=$((s1 - s0)) 'BEGIN {
  printf "idle vigil over %d s: CPU %.3f%% of one core; RSS %.0f MiB; %.1f context switches per second\n", w, 100 * dt / tck / w, r / 1024, sw / w }'
if [[ -n $hub ]]; then
  awk -v dt=$((h1 - h0)) -v tck="$tck" -v w="$window" 'BEGIN { printf "the broker (nats-server, its own process) over the same window: CPU %.3f%% of one core\n", 100 * dt / tck / w }'
fi
