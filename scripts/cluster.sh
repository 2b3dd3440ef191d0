#!/usr/bin/env bash
# A local vigil cluster, for trying several nodes by hand: three NATS
# servers with JetStream (built from the nats-server version vigil embeds)
# that the two nodes join as leaf nodes (bus.leaf_url, docs/deploy.md),
# an S3 API server (versitygw), two vigil nodes on one PostgreSQL database,
# one bucket and one key file. Ctrl-C stops everything; the state stays in
# the work directory for the next start.
#
#   scripts/cluster.sh [work-dir]        (default ./vigil-cluster)
#
# Needs: Go, a PostgreSQL it may use (VIGIL_CLUSTER_PG, default the local
# database "test"), and versitygw (go install github.com/versity/versitygw/cmd/versitygw@v1.8.0).
# docs/deploy.md explains what is shared and what is per node.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
work=$(realpath -m "${1:-vigil-cluster}")
pg=${VIGIL_CLUSTER_PG:-postgres://postgres@127.0.0.1:5432/test?sslmode=disable}
mkdir -p "$work"/{bin,s3/vigil,shared}
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true' EXIT INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 200); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done; echo "port $1 did not open" >&2; return 1; }

echo "building vigil and nats-server..."
go build -o "$work/bin/vigil" ./cmd/vigil
go build -o "$work/bin/nats-server" github.com/nats-io/nats-server/v2

client=() route=() leaf=()
for i in 0 1 2; do client+=("$(free_port)"); route+=("$(free_port)"); leaf+=("$(free_port)"); done
routes=$(printf 'nats://127.0.0.1:%s,' "${route[@]}"); routes=${routes%,}
[ -f "$work/shared/nats-store.key" ] || head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$work/shared/nats-store.key"
for i in 0 1 2; do
  mkdir -p "$work/nats$i"
  # JetStream domain and leaf node port for vigil's leaf mode; the store
  # (devices' messages, MQTT sessions) encrypted at rest.
  cat >"$work/nats$i.conf" <<CONF
server_name: nats$i
listen: 127.0.0.1:${client[$i]}
jetstream { store_dir: "$work/nats$i", domain: vigil, cipher: chachapoly, key: "$(cat "$work/shared/nats-store.key")" }
cluster { name: vigil, listen: 127.0.0.1:${route[$i]}, routes: [$routes] }
leafnodes { listen: 127.0.0.1:${leaf[$i]} }
CONF
  "$work/bin/nats-server" -c "$work/nats$i.conf" >"$work/nats$i.log" 2>&1 &
  pids+=($!)
done
for i in 0 1 2; do wait_port "${client[$i]}"; done
bus=$(printf 'nats://127.0.0.1:%s,' "${client[@]}"); bus=${bus%,}
leafurl=$(printf 'nats-leaf://127.0.0.1:%s,' "${leaf[@]}"); leafurl=${leafurl%,}

s3port=$(free_port)
ROOT_ACCESS_KEY=cluster-access ROOT_SECRET_KEY=cluster-secret-key \
  "$(go env GOPATH)/bin/versitygw" --port "127.0.0.1:$s3port" --quiet posix "$work/s3" >"$work/s3.log" 2>&1 &
pids+=($!)
wait_port "$s3port"

for n in 1 2; do
  http=$(free_port)
  cat >"$work/node$n.yaml" <<YAML
data_dir: $work/node$n
listen: 127.0.0.1:$http
node_url: http://127.0.0.1:$http
public_url: http://127.0.0.1:$http
database: {driver: postgres, url: "$pg"}
blob: {driver: s3, s3: {endpoint: "127.0.0.1:$s3port", bucket: vigil, region: us-east-1, access_key: cluster-access, secret_key: cluster-secret-key, insecure: true}}
keys: {kek_file: $work/shared/kek.json}
bus: {url: "$bus", leaf_url: "$leafurl", domain: vigil, prefix: vigil, mqtt_listen: "127.0.0.1:$(free_port)"}
video: {rtsp_listen: "127.0.0.1:$(free_port)", webrtc_udp: "127.0.0.1:$(free_port)"}
YAML
  "$work/bin/vigil" serve --config "$work/node$n.yaml" >"$work/node$n.log" 2>&1 &
  pids+=($!)
  wait_port "$http"
  echo "vigil node $n: http://127.0.0.1:$http  (log: $work/node$n.log)"
  [ "$n" = 1 ] && sleep 1 # the first node makes the key file the second reads
done
echo "NATS: $bus"
echo "S3:   http://127.0.0.1:$s3port (bucket vigil)"
echo "The first-run link for the operator is in $work/node1.log. Ctrl-C stops the cluster."
wait
