#!/usr/bin/env bash
# Scan all 148 real servers (start.sh --list) in one mtls-scan run and print, per server, the
# expected verdict (from GROUND_TRUTH.md, encoded in crates/action-runner/tests/support/ground_truth.rs)
# against what mtls-scan said, then "TOTAL: N/M verdicts correct". With identities (the deep
# probes) as well, unless --no-deep. --strict exits non-zero below 100%. --keys rsa makes every key
# of the lab's PKI RSA-2048 (pki.sh's PKI_KEY: a corporate CA's rule), the identities' too; P-256
# by default. (Not Ed25519: lighttpd over mbedTLS, among others, cannot load such a CA.)
#
#   tests/servers/accuracy.sh [--no-deep] [--strict] [--keys ec|rsa]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
deep=1 strict=0 keys=ec
usage() { echo "usage: $0 [--no-deep] [--strict] [--keys ec|rsa]" >&2; exit 2; }
while [ $# -gt 0 ]; do
  case $1 in
  --no-deep) deep=0 ;;
  --strict) strict=1 ;;
  --keys)
    [ $# -ge 2 ] || usage
    case $2 in ec | rsa) keys=$2 ;; *) usage ;; esac
    shift ;;
  *) usage ;;
  esac
  shift
done
cd "$root"
MTLS_ACCURACY_DEEP=$deep MTLS_ACCURACY_STRICT=$strict MTLS_ACCURACY_KEYS=$keys \
  cargo test -q -p action-runner --test real_servers accuracy_summary -- --ignored --nocapture \
  --test-threads 1
