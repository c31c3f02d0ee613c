#!/usr/bin/env bash
# Speed against the physical floor (issue 15): for one endpoint of each stack in the test grid,
# times a default `mtls-scan scan` (a whole process) and the floor client (8 concurrent TLS 1.3
# handshakes + one GET each, rustls + aws-lc-rs, one process: crates/probe-core/examples/floor.rs)
# with hyperfine, interleaved, and prints the medians and their ratio. Figures only; it asserts
# nothing. Needs the servers of tests/servers (bash scripts/test.sh installs them) and hyperfine.
#
#   bash bench/floor.sh [SERVER...]     # default: nginx-off nginx-on openssl-Verify-return go-RequireAndVerifyClientCert node-required python-CERT_REQUIRED
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="$PATH:/usr/sbin"
servers=("$@")
[ ${#servers[@]} -gt 0 ] || servers=(nginx-off nginx-on openssl-Verify-return go-RequireAndVerifyClientCert node-required python-CERT_REQUIRED)
command -v hyperfine > /dev/null || { echo "bench/floor.sh: hyperfine not found (apt-get install hyperfine)" >&2; exit 2; }
cargo build --quiet --release --locked -p action-runner
cargo build --quiet --release --locked -p probe-core --example floor
work=$(mktemp -d)
trap 'kill -- -$$ 2> /dev/null; rm -rf "$work"' EXIT
bash tests/servers/pki.sh "$work/pki" > /dev/null
printf '%-32s %10s %10s %7s\n' server "scan ms" "floor ms" ratio
port=19400
for s in "${servers[@]}"; do
  port=$((port + 1))
  MTLS_WATCH_STDIN=0 setsid bash tests/servers/start.sh "$s" "$port" "$work/pki" "$work/$s" > /dev/null 2>&1 &
  for _ in $(seq 100); do (exec 3<> "/dev/tcp/127.0.0.1/$port") 2> /dev/null && break; sleep 0.1; done
  url="https://127.0.0.1:$port$(bash tests/servers/start.sh --path "$s" 2> /dev/null || echo /)"
  hyperfine -N --warmup 3 --runs 25 --export-json "$work/$s.json" \
    "target/release/mtls-scan scan $url --format json --output /dev/null --fail-on-incomplete false" \
    "target/release/examples/floor $url 8" > /dev/null 2>&1 || true
  python3 - "$work/$s.json" "$s" << 'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
scan, floor = (x["median"] * 1000 for x in r)
print(f"{sys.argv[2]:<32} {scan:10.1f} {floor:10.1f} {scan / floor:7.2f}")
PY
done
