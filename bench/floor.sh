#!/usr/bin/env bash
# Speed against the physical floor (issue 15): for one endpoint of each stack in the test grid,
# times a default `mtls-scan scan` (a whole process, built as the shipped binaries are:
# bench/shipped.sh) and the floor client (8 concurrent TLS 1.3 handshakes + one GET each,
# rustls + aws-lc-rs, one process: crates/probe-core/examples/floor.rs) with hyperfine,
# interleaved, and prints the medians, their ratio, and the TCP connections one scan opens
# (counted with strace when it is installed). Figures only; it asserts nothing. Needs the
# servers of tests/servers (bash scripts/test.sh installs them) and hyperfine.
#
#   bash bench/floor.sh [SERVER...]     # default: nginx-off nginx-on openssl-Verify-return go-RequireAndVerifyClientCert node-required python-CERT_REQUIRED
#
# Environment: RUNS (default 25) runs per command; SCAN_BIN / FLOOR_BIN to time other builds (for
# a before/after comparison; nothing is built then); BASE_BIN, a second scanner timed in the same
# interleaved runs (its median and connections are printed beside the first's).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="$PATH:/usr/sbin"
servers=("$@")
[ ${#servers[@]} -gt 0 ] || servers=(nginx-off nginx-on openssl-Verify-return go-RequireAndVerifyClientCert node-required python-CERT_REQUIRED)
command -v hyperfine > /dev/null || { echo "bench/floor.sh: hyperfine not found (apt-get install hyperfine)" >&2; exit 2; }
runs=${RUNS:-25}
scan_bin=${SCAN_BIN:-target/release/mtls-scan}
floor_bin=${FLOOR_BIN:-target/release/examples/floor}
base_bin=${BASE_BIN:-}
# shellcheck source=bench/shipped.sh
source bench/shipped.sh
if [ -z "${SCAN_BIN:-}" ]; then build_shipped_scanner; fi
if [ -z "${FLOOR_BIN:-}" ]; then cargo build --quiet --release --locked -p probe-core --example floor; fi
work=$(mktemp -d)
# Each server runs in a process group of its own (setsid): stop those groups, not this script's.
cleanup() {
  local pid
  for pid in $(jobs -p); do kill -- -"$pid" 2> /dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
bash tests/servers/pki.sh "$work/pki" > /dev/null
# Connections one run of CMD opens to PORT (connect() calls, retried SYNs included).
connections() {
  local port=$1
  shift
  command -v strace > /dev/null || { echo "-"; return; }
  strace -f -qq -e trace=connect -o "$work/strace" "$@" > /dev/null 2>&1 || true
  grep -c "sin_port=htons($port)" "$work/strace" || true
}
if [ -n "$base_bin" ]; then
  printf '%-30s %8s %6s %8s %6s %9s %7s %7s\n' server "scan ms" conns "base ms" conns "floor ms" ratio "base"
else
  printf '%-30s %8s %6s %9s %7s\n' server "scan ms" conns "floor ms" ratio
fi
port=19400
for s in "${servers[@]}"; do
  port=$((port + 1))
  MTLS_WATCH_STDIN=0 setsid bash tests/servers/start.sh "$s" "$port" "$work/pki" "$work/$s" > /dev/null 2>&1 &
  for _ in $(seq 100); do (exec 3<> "/dev/tcp/127.0.0.1/$port") 2> /dev/null && break; sleep 0.1; done
  url="https://127.0.0.1:$port$(bash tests/servers/start.sh --path "$s" 2> /dev/null || echo /)"
  scan=("$scan_bin" scan "$url" --format json --output /dev/null --fail-on-incomplete false --fail-under none)
  cmds=("${scan[*]}" "$floor_bin $url 8")
  [ -z "$base_bin" ] || cmds+=("$base_bin scan $url --format json --output /dev/null --fail-on-incomplete false")
  # -i: a base build from before `--fail-under none` exits 1 on a low grade.
  hyperfine -N -i --warmup 3 --runs "$runs" --export-json "$work/$s.json" "${cmds[@]}" > /dev/null 2>&1 || true
  conns=$(connections "$port" "${scan[@]}")
  base_conns=-
  [ -z "$base_bin" ] || base_conns=$(connections "$port" "$base_bin" scan "$url" --format json --output /dev/null --fail-on-incomplete false)
  python3 - "$work/$s.json" "$s" "$conns" "$base_conns" << 'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
name, conns, base_conns = sys.argv[2:5]
med = [x["median"] * 1000 for x in r]
scan, floor = med[0], med[1]
if len(med) > 2:
    base = med[2]
    print(f"{name:<30} {scan:8.1f} {conns:>6} {base:8.1f} {base_conns:>6} {floor:9.1f} {scan / floor:6.2f}x {base / floor:6.2f}x")
else:
    print(f"{name:<30} {scan:8.1f} {conns:>6} {floor:9.1f} {scan / floor:6.2f}x")
PY
  kill -- -"$(jobs -p | tail -1)" 2> /dev/null || true
done
