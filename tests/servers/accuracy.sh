#!/usr/bin/env bash
# Scan all 144 real servers (start.sh --list) in one mtls-scan run and print, per server, the
# expected verdict (from GROUND_TRUTH.md, encoded in crates/action-runner/tests/support/ground_truth.rs)
# against what mtls-scan said, then "TOTAL: N/M verdicts correct". With identities (the deep
# probes) as well, unless --no-deep. --strict exits non-zero below 100%.
#
#   tests/servers/accuracy.sh [--no-deep] [--strict]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
deep=1 strict=0
for a in "$@"; do
  case $a in
  --no-deep) deep=0 ;;
  --strict) strict=1 ;;
  *) echo "usage: $0 [--no-deep] [--strict]" >&2; exit 2 ;;
  esac
done
cd "$root"
MTLS_ACCURACY_DEEP=$deep MTLS_ACCURACY_STRICT=$strict \
  cargo test -q -p action-runner --test real_servers accuracy_summary -- --ignored --nocapture \
  --test-threads 1
