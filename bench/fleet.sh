#!/usr/bin/env bash
# Fleet scale (issue 15): 1,000 and 10,000 endpoints on 127.0.0.1 (in-process lab servers, every
# client-auth case in turn, in a process of their own), each scanned by one scanner process with
# the default probes: wall time, endpoints per second, the scanner's peak memory (VmHWM) and the
# verdicts that differ from the lab's. Figures only; it asserts nothing.
#
#   bash bench/fleet.sh [N...]        # default: 1000 10000; FLEET_CONCURRENCY (default 64)
#
# Then the same endpoints through the CLI (`mtls-scan scan URL...`, the shipped build): peak
# memory (GNU time's maximum RSS) and wall time with `--format jsonl` (each target written as it
# finishes, no report kept) and with `--format json` (each target spilled to a temporary file as it
# finishes, the report written around them at the end).
#
# `cargo bench -p probe-core --bench fleet` is the same scan with the servers in the scanner's
# process (its peak memory counts both).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1000 10000)
cargo build --quiet --release --locked -p probe-core --example fleet
# Under the target directory cargo used (CARGO_TARGET_DIR, else ./target), not a stale copy.
bin="${CARGO_TARGET_DIR:-target}/release/examples/fleet"
# shellcheck source=bench/shipped.sh
source bench/shipped.sh
build_shipped_scanner
work=$(mktemp -d)
server=
cleanup() {
  [ -z "$server" ] || kill "$server" 2> /dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
# Waits (at most 90 s) until the sockets the last run left in TIME_WAIT are gone: a run of 1,000
# endpoints leaves ~30,000 on 127.0.0.1, and a second run started at once met ~117,000 (the
# kernel keeps at most tcp_max_tw_buckets, 131,072 here), each new connection's port search
# slowed by them.
settle() {
  local waited=0
  while [ "$(ss -Htan state time-wait 2> /dev/null | wc -l)" -gt 1000 ] && [ $waited -lt 90 ]; do
    sleep 1
    waited=$((waited + 1))
  done
  [ $waited -eq 0 ] || echo "(waited ${waited} s for TIME_WAIT sockets to clear)"
}
for n in "${sizes[@]}"; do
  # A listening socket per endpoint and a connection per probe: raise the descriptor limit.
  ulimit -n "$(ulimit -Hn)" 2> /dev/null || true
  "$bin" serve "$n" "$work/urls" > "$work/serve.out" 2> "$work/serve.err" &
  server=$!
  for _ in $(seq 600); do grep -q ready "$work/serve.out" 2> /dev/null && break; sleep 0.1; done
  settle
  "$bin" scan "$work/urls" "${FLEET_CONCURRENCY:-64}"
  mapfile -t urls < <(cut -d' ' -f2 "$work/urls")
  for format in jsonl json; do
    if command -v /usr/bin/time > /dev/null; then
      settle
      /usr/bin/time -f "%e %M" -o "$work/time" "$scan_bin" scan "${urls[@]}" --format "$format" \
        --output /dev/null --fail-under none --fail-on-incomplete false \
        --concurrency "${FLEET_CONCURRENCY:-64}" 2> /dev/null || true
      # GNU time writes "Command exited with non-zero status N" first when the scan fails.
      read -r secs kib < <(tail -n 1 "$work/time")
      echo "cli: $n endpoints, --format $format: $secs s, peak memory $((kib / 1024)) MiB"
    fi
  done
  kill "$server" 2> /dev/null || true
  wait "$server" 2> /dev/null || true
  server=
done
