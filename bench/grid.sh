#!/usr/bin/env bash
# The mixed test grid in one process, against sslyze in one process (issue 15): starts every real
# server of tests/servers (start.sh --list: 126 configurations of some 37 stacks), then times,
# with hyperfine (each tool's runs back to back: seconds each, where a noisy minute matters
# less), one `mtls-scan scan` of all their URLs (a default scan: every
# default probe on TLS 1.3 and 1.2, the configuration paths, the side doors, the server
# certificate) and one `sslyze --certinfo` of all of them (its connectivity test, where it detects
# client authentication, plus the certificate), and prints the medians and their ratio, then
# each tool's own CPU and the servers' CPU it caused (bench/cpu_of_run.py). Figures only; it
# asserts nothing.
#
#   bash bench/grid.sh [SERVER...]   # default: every server of start.sh --list; RUNS (default 10)
#
# Needs the servers (bash scripts/test.sh installs them), hyperfine, and sslyze: it is installed
# from PyPI into bench/.venv (git-ignored) when missing. SCAN_BIN times another build (nothing is
# built then).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="$PATH:/usr/sbin"
command -v hyperfine > /dev/null || { echo "bench/grid.sh: hyperfine not found (apt-get install hyperfine)" >&2; exit 2; }
runs=${RUNS:-10}
scan_bin=${SCAN_BIN:-target/release/mtls-scan}
# shellcheck source=bench/shipped.sh
source bench/shipped.sh
[ -n "${SCAN_BIN:-}" ] || build_shipped_scanner
sslyze=bench/.venv/bin/sslyze
if [ ! -x "$sslyze" ]; then
  echo "installing sslyze into bench/.venv (PyPI)" >&2
  python3 -m venv bench/.venv
  bench/.venv/bin/pip install -q sslyze
fi
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -- -"$p" 2> /dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
bash tests/servers/pki.sh "$work/pki" > /dev/null
port=19600
urls=()
hosts=()
servers=("$@")
[ ${#servers[@]} -gt 0 ] || mapfile -t servers < <(bash tests/servers/start.sh --list)
for s in "${servers[@]}"; do
  port=$((port + 1))
  MTLS_WATCH_STDIN=0 setsid bash tests/servers/start.sh "$s" "$port" "$work/pki" "$work/$s" > "$work/$s.log" 2>&1 < /dev/null &
  pids+=($!)
  urls+=("https://127.0.0.1:$port$(bash tests/servers/start.sh --path "$s" 2> /dev/null || echo /)")
  hosts+=("127.0.0.1:$port")
done
for h in "${hosts[@]}"; do
  p=${h#*:}
  for _ in $(seq 300); do (exec 3<> "/dev/tcp/127.0.0.1/$p") 2> /dev/null && break; sleep 0.1; done
done
# One run of each first: verdicts and what each tool reported.
"$scan_bin" scan "${urls[@]}" --format json --output "$work/scan.json" --fail-on-incomplete false --fail-under none > /dev/null 2>&1 || true
"$sslyze" --quiet --certinfo --json_out "$work/sslyze.json" "${hosts[@]}" > /dev/null 2>&1 || true
hyperfine -N --warmup 1 --runs "$runs" --export-json "$work/grid.json" \
  "$scan_bin scan ${urls[*]} --format json --output /dev/null --fail-on-incomplete false --fail-under none" \
  "$sslyze --quiet --certinfo ${hosts[*]}" > /dev/null 2>&1 || true
python3 - "$work" "${#urls[@]}" << 'PY'
import json, sys
work, n = sys.argv[1], int(sys.argv[2])
r = json.load(open(f"{work}/grid.json"))["results"]
scan, sslyze = (x["median"] for x in r)
lo = [x["min"] for x in r]
scan_report = json.load(open(f"{work}/scan.json"))
targets = scan_report.get("targets", [])
auth = {}
for t in targets:
    auth[t.get("client_auth")] = auth.get(t.get("client_auth"), 0) + 1
incomplete = sum(1 for t in targets if t.get("incomplete") or t.get("error"))
try:
    s = json.load(open(f"{work}/sslyze.json"))
    results = s.get("server_scan_results", [])
    seen = {}
    for x in results:
        ca = ((x.get("connectivity_result") or {}).get("client_auth_requirement")) or x.get("connectivity_status")
        seen[ca] = seen.get(ca, 0) + 1
except (OSError, ValueError):
    seen = {"unreadable": n}
print(f"grid: {n} real servers on 127.0.0.1, one process per tool, medians of {len(r[0]['times'])} runs, each tool's back to back")
print(f"  mtls-scan (default scan, TLS 1.3 + 1.2): {scan:7.3f} s  (min {lo[0]:.3f} s)  client_auth: {auth}; targets incomplete or in error: {incomplete}")
print(f"  sslyze --certinfo:                       {sslyze:7.3f} s  (min {lo[1]:.3f} s)  client_auth_requirement: {seen}")
print(f"  ratio: mtls-scan is {sslyze / scan:.1f}x faster")
PY
# Where each tool's time goes (one more run each): its own CPU and the servers' (every server's
# process group, from /proc). The grid is CPU-bound on 2 cores: neither tool can finish before
# (own + servers) / cores.
printf '%s\n' "${pids[@]}" > "$work/pgids"
echo "  CPU, one run each:"
echo "    mtls-scan: $(python3 bench/cpu_of_run.py "$work/pgids" -- "$scan_bin" scan "${urls[@]}" \
  --format json --output /dev/null --fail-on-incomplete false --fail-under none)"
echo "    sslyze:    $(python3 bench/cpu_of_run.py "$work/pgids" -- "$sslyze" --quiet --certinfo "${hosts[@]}")"
