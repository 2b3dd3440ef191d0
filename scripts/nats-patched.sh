#!/usr/bin/env bash
# Builds a go.mod in DIR that replaces nats-server with a copy of the
# version vigil pins, patched with scripts/patches/nats-server-idle.patch,
# and prints its path for go build/test -modfile. The repository is not
# touched. It fails if the patch no longer applies.
#   m=$(scripts/nats-patched.sh /tmp/patched) && go test -modfile "$m" ./internal/bus/
set -euo pipefail
dir=${1:?usage: scripts/nats-patched.sh DIR}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd) # DIR as the caller meant it, before moving to the repository
cd "$(dirname "$0")/.."
rm -rf "$dir/nats-server"
cp -r "$(go list -m -f '{{.Dir}}' github.com/nats-io/nats-server/v2)" "$dir/nats-server"
chmod -R u+w "$dir/nats-server"
patch -d "$dir/nats-server" -p1 --quiet <scripts/patches/nats-server-idle.patch
cp go.mod "$dir/go.mod"
cp go.sum "$dir/go.sum"
go mod edit -replace "github.com/nats-io/nats-server/v2=$dir/nats-server" "$dir/go.mod"
echo "$dir/go.mod"
