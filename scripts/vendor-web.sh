#!/usr/bin/env bash
# Reproduces internal/web/static/vendor/: the pinned ES-module libraries the
# web app loads, fetched with `npm pack` (the npm registry's tarball) into a
# temporary directory, checked against the SHA-256 sums below, and copied
# with their licence. Run it to check or restore the vendored files:
#   scripts/vendor-web.sh          # (re)writes the files, fails on any sum mismatch
# To upgrade a library: change its version and sums here, run, review the diff.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=internal/web/static/vendor
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

check() { # file sha256
  local got
  got=$(sha256sum "$1" | cut -d' ' -f1)
  if [ "$got" != "$2" ]; then echo "sha256 mismatch for $1: got $got, want $2" >&2; exit 1; fi
}

# hls.js: LL-HLS in browsers without native HLS (Chromium, Firefox), for
# the live view when WebRTC cannot carry a stream. The light build: no
# subtitles, alternate audio or DRM, which vigil does not serve.
( cd "$work" && npm pack --silent hls.js@1.7.4 >/dev/null )
check "$work/hls.js-1.7.4.tgz" e4ab3d5d13f7cca9ef241d098f39686e19fd451831ba07dc9943482fd5ff75c7
tar -xzf "$work/hls.js-1.7.4.tgz" -C "$work"
check "$work/package/dist/hls.light.min.mjs" 3d82a88cf9ae0d9aaab3cbe9ff6ecbb64bb89c54a399c34ae9bf8b559baeb20f
check "$work/package/LICENSE" ca8773cf798c7ed997d4dd7c8e23c348699f8d5b7462636694cc14de6cda12db
mkdir -p "$dest/hls.js-1.7.4"
cp "$work/package/dist/hls.light.min.mjs" "$dest/hls.js-1.7.4/hls.light.min.mjs"
cp "$work/package/LICENSE" "$dest/hls.js-1.7.4/LICENSE"

# uqr: QR codes (the authenticator app's enrolment link, device pairing),
# drawn by core/qr.js as SVG through the DOM.
( cd "$work" && npm pack --silent uqr@0.1.2 >/dev/null )
check "$work/uqr-0.1.2.tgz" 3562f123004dba505cd535eb092b4154ec2a50bca216135903e8bc852b8317a5
mkdir -p "$work/uqr" && tar -xzf "$work/uqr-0.1.2.tgz" -C "$work/uqr"
check "$work/uqr/package/dist/index.mjs" 4b96346fc4d721f23e3cab19c06e201577d26f03c5d3dc6decc1468cd0a0d6c0
check "$work/uqr/package/LICENSE" b39d50e24727f341a0ebdb2ab040c57efaf4076a8ad5b1d0c8c45beb975b4571
mkdir -p "$dest/uqr-0.1.2"
cp "$work/uqr/package/dist/index.mjs" "$dest/uqr-0.1.2/index.mjs"
cp "$work/uqr/package/LICENSE" "$dest/uqr-0.1.2/LICENSE"
echo "vendored: hls.js 1.7.4 (light ES module), uqr 0.1.2, each with its licence, in $dest"
