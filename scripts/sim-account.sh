#!/usr/bin/env bash
# Creates a customer account on a local `vigil serve` that writes mail to its
# outbox (no SMTP configured) and prints an API token for `vigil sim`.
#   scripts/sim-account.sh [URL] [DATA_DIR]
set -euo pipefail
url=${1:-http://127.0.0.1:8080}
data=${2:-vigil-data}
email="sim-$RANDOM$RANDOM@example.com"
pass="a long simulated passphrase"
jar=$(mktemp)
trap 'rm -f "$jar"' EXIT
post() { curl -sS -f -b "$jar" -c "$jar" -H 'Content-Type: application/json' -X POST "$url$1" -d "$2"; }
# Sign-up records the privacy statement and terms the person accepted.
accepted=$(curl -sS -f "$url/api/v1/notices" | python3 -c 'import json,sys
ns=json.load(sys.stdin)["notices"]
print(json.dumps([{"notice_id":n["id"],"text_hash":n["text_hash"]} for n in ns
  if n["kind"] in ("privacy_statement","terms") and n["region"]=="default" and n["language"]=="en"]))')
post /api/v1/auth/signup "{\"email\":\"$email\",\"password\":\"$pass\",\"name\":\"Sim Owner\",\"account_name\":\"Simulated fleet\",\"region\":\"EU\",\"time_zone\":\"UTC\",\"language\":\"en\",\"accepted\":$accepted}" >/dev/null
for _ in $(seq 300); do
  mail=$(grep -l "$email" "$data"/outbox/*.eml 2>/dev/null | head -n1 || true)
  [ -n "$mail" ] && break
  sleep 0.1
done
token=$(python3 -c 'import email,re,sys; m=email.message_from_file(open(sys.argv[1])); print(re.search(r"token=([A-Za-z0-9_-]+)", m.get_payload(decode=True).decode()).group(1))' "$mail")
post /api/v1/auth/verify-email "{\"token\":\"$token\"}" >/dev/null
post /api/v1/auth/login "{\"email\":\"$email\",\"password\":\"$pass\"}" >/dev/null
post /api/v1/me/tokens '{"label":"vigil sim"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])'
