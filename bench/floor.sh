#!/usr/bin/env bash
# Speed against the physical floor (issue 15): for one endpoint of each stack in the test grid,
# times a default `mtls-scan scan` (a whole process, built as the shipped binaries are:
# bench/shipped.sh) and the floor client (8 concurrent TLS 1.3 handshakes + one GET each,
# rustls + aws-lc-rs, one process: crates/probe-core/examples/floor.rs) with hyperfine, in
# interleaved rounds (one run of each command per round), and prints the medians, their ratio, the TCP connections one scan opens
# (counted with strace when it is installed), and the CPU the server spends on one scan and on
# one floor run (its process group's utime + stime, over RUNS runs of each): on a machine whose
# cores the server shares, its own work for the probes is part of every run's wall time.
# Figures only; it asserts nothing. Needs the
# servers of tests/servers (bash scripts/test.sh installs them) and hyperfine.
#
#   bash bench/floor.sh [SERVER...]     # default: nginx-off nginx-on openssl-Verify-return go-RequireAndVerifyClientCert node-required python-CERT_REQUIRED
#
# Environment: RUNS (default 25) runs per command; SCAN_BIN / FLOOR_BIN to time other builds (for
# a before/after comparison; nothing is built then); BASE_BIN, a second scanner timed in the same
# interleaved rounds (its median and connections are printed beside the first's).
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
# CPU time (clock ticks, utime + stime) of the live processes of process group PGID: the server.
server_ticks() {
  local pgid=$1 total=0 stat stat_line rest fields
  for stat in /proc/[0-9]*/stat; do
    read -r stat_line < "$stat" 2> /dev/null || continue
    rest=${stat_line##*) }
    read -ra fields <<< "$rest"
    # after the command: state(0) ppid(1) pgrp(2) ... utime(11) stime(12)
    [ "${fields[2]}" = "$pgid" ] && total=$((total + fields[11] + fields[12]))
  done
  echo "$total"
}
# The server's CPU per run of CMD (ms), over SERVER_RUNS runs (default RUNS): what the scan makes
# the server do, against what the floor makes it do. On the shared 2 cores the server's work is
# part of every run's wall time.
server_ms() {
  local pgid=$1 n=${SERVER_RUNS:-$runs} before after
  shift
  before=$(server_ticks "$pgid")
  for _ in $(seq "$n"); do "$@" > /dev/null 2>&1 || true; done
  after=$(server_ticks "$pgid")
  python3 -c "import os,sys; print(f'{(int(sys.argv[2]) - int(sys.argv[1])) * 1000 / os.sysconf(\"SC_CLK_TCK\") / int(sys.argv[3]):.1f}')" "$before" "$after" "$n"
}
if [ -n "$base_bin" ]; then
  printf '%-30s %8s %6s %8s %6s %9s %7s %7s %14s\n' server "scan ms" conns "base ms" conns "floor ms" ratio "base" "server CPU ms"
else
  printf '%-30s %8s %6s %9s %7s %22s\n' server "scan ms" conns "floor ms" ratio "server CPU scan/floor"
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
  # Interleaved: each round runs every command once (hyperfine runs one command's runs back to
  # back, so a minute of a shared VM's noise would land on one command only); round 0 warms the
  # caches and is not counted. -i: a base build from before `--fail-under none` exits 1 on a low
  # grade.
  for round in $(seq 0 "$runs"); do
    hyperfine -N -i --runs 1 --export-json "$work/$s.$round.json" "${cmds[@]}" > /dev/null 2>&1 || true
  done
  pgid=$(jobs -p | tail -1)
  cpu_scan=$(server_ms "$pgid" "${scan[@]}")
  # shellcheck disable=SC2086 # the floor's command line is split on purpose
  cpu_floor=$(server_ms "$pgid" $floor_bin "$url" 8)
  conns=$(connections "$port" "${scan[@]}")
  base_conns=-
  [ -z "$base_bin" ] || base_conns=$(connections "$port" "$base_bin" scan "$url" --format json --output /dev/null --fail-on-incomplete false)
  python3 - "$work/$s" "$s" "$conns" "$base_conns" "$cpu_scan" "$cpu_floor" << 'PY'
import glob, json, statistics, sys
rounds = [json.load(open(f))["results"] for f in sorted(glob.glob(sys.argv[1] + ".*.json"))
          if not f.endswith(".0.json")]
name, conns, base_conns = sys.argv[2:5]
cpu_scan, cpu_floor = float(sys.argv[5]), float(sys.argv[6])
cpu = f"{cpu_scan:.1f}/{cpu_floor:.1f} ({cpu_scan / cpu_floor:.2f}x)" if cpu_floor > 0 else f"{cpu_scan:.1f}/-"
med = [statistics.median(r[i]["times"][0] for r in rounds) * 1000 for i in range(len(rounds[0]))]
scan, floor = med[0], med[1]
if len(med) > 2:
    base = med[2]
    print(f"{name:<30} {scan:8.1f} {conns:>6} {base:8.1f} {base_conns:>6} {floor:9.1f} {scan / floor:6.2f}x {base / floor:6.2f}x {cpu:>14}")
else:
    print(f"{name:<30} {scan:8.1f} {conns:>6} {floor:9.1f} {scan / floor:6.2f}x {cpu:>22}")
PY
  kill -- -"$(jobs -p | tail -1)" 2> /dev/null || true
done
