#!/usr/bin/env bash
# Sourced by the benchmarks: builds `mtls-scan` as the binaries users run are built (release.yml,
# the Dockerfile): release profile, OpenSSL linked statically when its .a files are installed
# (libssl-dev), in target/shipped so the workspace's own builds are not redone. Sets scan_bin.
# Without the static libraries it falls back to the ordinary release build (and says so).
# shellcheck disable=SC2034 # scan_bin is read by the benchmark that sources this file
build_shipped_scanner() {
  local libdir
  libdir="/usr/lib/$(gcc -dumpmachine 2> /dev/null || echo unknown)"
  if [ -f "$libdir/libssl.a" ] && [ -f "$libdir/libcrypto.a" ]; then
    OPENSSL_STATIC=1 OPENSSL_LIB_DIR="$libdir" OPENSSL_INCLUDE_DIR=/usr/include \
      CARGO_TARGET_DIR=target/shipped cargo build --quiet --release --locked -p action-runner
    scan_bin=target/shipped/release/mtls-scan
  else
    echo "bench: no static OpenSSL in $libdir: timing the dynamically linked release build" >&2
    cargo build --quiet --release --locked -p action-runner
    scan_bin="${CARGO_TARGET_DIR:-target}/release/mtls-scan"
  fi
}
