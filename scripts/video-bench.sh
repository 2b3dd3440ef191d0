#!/usr/bin/env bash
# Measures vigil serve recording N cameras: CPU per stream and memory, for
# each N given (default 50 100 200). Each N runs on a fresh vigil in a
# temporary data directory on loopback ports.
#   scripts/video-bench.sh [DURATION] [N...]
#
# The cameras are `vigil sim --streams` by default (a 2 Mbit/s H.264+AAC
# clip published by vigil itself over RTSP). With PUBLISHER=ffmpeg they are
# ffmpeg processes instead, as in issue 17:
#   ffmpeg -re -stream_loop -1 -i CLIP -c copy -f rtsp -rtsp_transport tcp URL
# then CPU and RSS are read from /proc/<pid>/stat and /proc/<pid>/status
# over a WINDOW (60 s) after a WARMUP (20 s), and DURATION is ignored. The
# memory an added stream costs is the difference of RSS between two N.
# CLIP defaults to a 1280x720 25 fps H.264 (2 s GOP, 2 Mbit/s) + AAC clip
# made once with ffmpeg. MEDIAMTX=/path/to/mediamtx also measures that
# binary recording the same publishers (fMP4), right after vigil, so the two
# can be compared on one machine.
# PROFILE=DIR writes a CPU profile of each vigil run to DIR/vigil-N.pprof
# (go tool pprof -top DIR/vigil-N.pprof).
#   PUBLISHER=ffmpeg WARMUP=5 WINDOW=15 MEDIAMTX=~/mediamtx scripts/video-bench.sh 5
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-30s}
shift || true
counts=("${@:-50 100 200}")
publisher=${PUBLISHER:-sim}
warmup=${WARMUP:-20}
window=${WINDOW:-60}
work=$(mktemp -d)
pid= mpid=
publishers=()
# Whatever this script started stops with it, even when a step fails.
trap 'kill ${pid:-} ${mpid:-} "${publishers[@]}" 2>/dev/null || true; rm -rf "$work"' EXIT
go build -o "$work/vigil" ./cmd/vigil

tck=$(getconf CLK_TCK)
# ticks PID: the process's user+system CPU so far, in clock ticks.
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# rss PID: resident memory in KiB.
rss() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

# measure NAME PID N: CPU and RSS of PID over the window, after the warm-up.
measure() {
  local name=$1 pid=$2 n=$3
  sleep "$warmup"
  local t0 t1 peak=0 r sum=0 k=0
  t0=$(ticks "$pid")
  for _ in $(seq $((window / 5))); do
    sleep 5
    r=$(rss "$pid"); [ "$r" -gt "$peak" ] && peak=$r
    sum=$((sum + r)); k=$((k + 1))
  done
  sleep $((window % 5))
  t1=$(ticks "$pid"); r=$(rss "$pid")
  # RSS is the mean of the samples: one sample moves with the collector.
  [ "$k" -gt 0 ] && r=$((sum / k))
  awk -v name="$name" -v n="$n" -v dt=$((t1 - t0)) -v tck="$tck" -v w="$window" -v r="$r" -v peak="$peak" -v ld="$(cut -d' ' -f1-3 /proc/loadavg)" 'BEGIN {
    cpu = 100 * dt / tck / w
    printf "%s: %d streams over %d s: CPU %.1f%% of one core = %.2f%% per stream; RSS %.0f MiB mean (peak %.0f MiB), %.2f MiB per stream all told; load %s\n",
      name, n, w, cpu, cpu / n, r / 1024, peak / 1024, r / 1024 / n, ld }'
}

# publish URL...: one ffmpeg per URL, in the background.
publish() {
  local u
  for u in "$@"; do
    ffmpeg -hide_banner -loglevel error -nostdin -re -stream_loop -1 -i "$clip" -c copy -f rtsp -rtsp_transport tcp "$u" \
      >>"$work/ffmpeg.log" 2>&1 &
    publishers+=($!)
  done
}

stop_publishers() {
  if [ ${#publishers[@]} -gt 0 ]; then
    kill "${publishers[@]}" 2>/dev/null || true
    wait "${publishers[@]}" 2>/dev/null || true
  fi
  publishers=()
}

if [ "$publisher" = ffmpeg ]; then
  clip=${CLIP:-}
  if [ -z "$clip" ]; then
    clip="$work/clip.mp4"
    ffmpeg -hide_banner -loglevel error -f lavfi -i testsrc2=size=1280x720:rate=25 -f lavfi -i sine=frequency=440:sample_rate=48000 -t 20 \
      -c:v libx264 -preset veryfast -profile:v main -g 50 -keyint_min 50 -sc_threshold 0 -pix_fmt yuv420p \
      -b:v 2M -minrate 2M -maxrate 2M -bufsize 1M -c:a aac -b:a 64k -ac 1 "$clip"
  fi
fi

for n in ${counts[@]}; do
  data="$work/data-$n"
  VIGIL_LISTEN=127.0.0.1:18080 VIGIL_MQTT_LISTEN=127.0.0.1:18883 VIGIL_RTSP_LISTEN=127.0.0.1:18554 VIGIL_WEBRTC_UDP=127.0.0.1:18189 \
    VIGIL_LOG_LEVEL=warn "$work/vigil" serve --data "$data" ${PROFILE:+--cpuprofile "$PROFILE/vigil-$n.pprof"} >"$work/serve-$n.log" 2>&1 &
  pid=$!
  for _ in $(seq 100); do curl -sf http://127.0.0.1:18080/readyz >/dev/null && break; sleep 0.2; done
  token=$(scripts/sim-account.sh http://127.0.0.1:18080 "$data")
  echo "== $n streams ($publisher)"
  if [ "$publisher" = ffmpeg ]; then
    mapfile -t urls < <("$work/vigil" sim --data "$data" --url http://127.0.0.1:18080 --token "$token" --rtsp rtsp://127.0.0.1:18554 \
      --streams "$n" --print-rtsp)
    publish "${urls[@]}"
    measure vigil "$pid" "$n"
  else
    "$work/vigil" sim --data "$data" --url http://127.0.0.1:18080 --token "$token" --rtsp rtsp://127.0.0.1:18554 \
      --streams "$n" --duration "$duration" --measure-pid "$pid" | grep -v '^registered'
  fi
  sleep 3 # the last segments of the streams that just ended are still being written
  curl -s http://127.0.0.1:18080/metrics | grep -E '^vigil_live_(segments_total|streams|dropped_total)|^vigil_recording_(segments_total|bytes_total|failures_total|segments_skipped_total|segments_dropped_total|lag_seconds|queued_segments|write_seconds_(sum|count))|^vigil_rtsp_refused_total' || true
  stop_publishers
  kill "$pid"; wait "$pid" 2>/dev/null || true
  pid=

  if [ "$publisher" = ffmpeg ] && [ -n "${MEDIAMTX:-}" ]; then
    mtx="$work/mediamtx-$n"
    mkdir -p "$mtx"
    cat >"$mtx/mediamtx.yml" <<EOF
logLevel: warn
rtspAddress: 127.0.0.1:18555
rtspTransports: [tcp]
rtmp: no
hls: no
webrtc: no
srt: no
api: no
metrics: no
pathDefaults:
  record: yes
  recordFormat: fmp4
  recordPath: $mtx/recordings/%path/%Y-%m-%d_%H-%M-%S-%f
paths:
  all_others:
EOF
    (cd "$mtx" && exec "$MEDIAMTX" "$mtx/mediamtx.yml" >"$mtx/log" 2>&1) &
    mpid=$!
    sleep 2
    urls=()
    for i in $(seq "$n"); do urls+=("rtsp://127.0.0.1:18555/cam$i"); done
    publish "${urls[@]}"
    measure mediamtx "$mpid" "$n"
    stop_publishers
    kill "$mpid"; wait "$mpid" 2>/dev/null || true
    mpid=
  fi
done
if [ -s "$work/ffmpeg.log" ]; then
  echo "ffmpeg said (first lines):"; head -n 5 "$work/ffmpeg.log"
fi
