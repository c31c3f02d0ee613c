#!/usr/bin/env bash
# Fuzz smoke run: every fuzz target over its corpus (fuzz/corpus/NAME/) plus new inputs, for
# FUZZ_SECONDS each (default 5). A panic or an input slower than 2 s fails the run; the input is
# saved under fuzz/artifacts/NAME/. See fuzz/README.md.
#   bash .ci/fuzz.sh                               # stable replay driver, every target
#   FUZZ_SECONDS=60 bash .ci/fuzz.sh dn_forge      # longer, one target
#   FUZZ_ENGINE=libfuzzer bash .ci/fuzz.sh         # coverage-guided: cargo fuzz (installs it if
#                                                  # missing; nightly, else RUSTC_BOOTSTRAP=1 stable)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
seconds="${FUZZ_SECONDS:-5}"
engine="${FUZZ_ENGINE:-replay}"
# Its own target directory: the fuzz crate is not a workspace member and builds with other features.
export CARGO_TARGET_DIR="${FUZZ_TARGET_DIR:-$PWD/target/fuzz-$engine}"

if [[ "$engine" == replay ]]; then
    cargo build --release --quiet --no-default-features \
        --manifest-path fuzz/Cargo.toml --bin replay
    exec "$CARGO_TARGET_DIR/release/replay" --seconds "$seconds" "$@"
fi

[[ "$engine" == libfuzzer ]] || { echo "FUZZ_ENGINE must be replay or libfuzzer" >&2; exit 2; }
command -v cargo-fuzz > /dev/null || cargo install --locked cargo-fuzz
toolchain=(+nightly)
if ! rustup run nightly rustc --version > /dev/null 2>&1; then
    toolchain=(+stable)
    export RUSTC_BOOTSTRAP=1 # cargo fuzz passes -Z flags; stable ships the sanitizer runtimes
fi
cd fuzz
targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || mapfile -t targets < <(cargo "${toolchain[@]}" fuzz list)
cargo "${toolchain[@]}" fuzz build
passed=0
failed=0
for t in "${targets[@]}"; do
    work=".work/$t"
    mkdir -p "$work"
    if cargo "${toolchain[@]}" fuzz run "$t" "$work" "corpus/$t" -- \
        -max_total_time="$seconds" -timeout=2 -print_final_stats=1 2> ".work/$t.log"; then
        passed=$((passed + 1))
        echo "$t: $(grep -Eo 'Done [0-9]+ runs in [0-9]+ second' ".work/$t.log")"
    else
        failed=$((failed + 1))
        tail -n 40 ".work/$t.log"
    fi
done
echo "fuzz: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
