#!/usr/bin/env bash
# Fuzz smoke run: every fuzz target over its corpus (fuzz/corpus/NAME/) plus new inputs, for
# FUZZ_SECONDS each (default 5). A panic or an input slower than 2 s fails the run; the input is
# saved under fuzz/artifacts/NAME/. See fuzz/README.md.
#   bash .ci/fuzz.sh                               # stable replay driver, every target
#   FUZZ_SECONDS=60 bash .ci/fuzz.sh dn_forge      # longer, one target
#   FUZZ_RELEASE=1 FUZZ_SECONDS=600 bash .ci/fuzz.sh # the replay driver optimised (~4x the execs)
#   FUZZ_ENGINE=libfuzzer bash .ci/fuzz.sh         # coverage-guided: cargo fuzz (installs it if
#                                                  # missing; nightly, else RUSTC_BOOTSTRAP=1 stable)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
seconds="${FUZZ_SECONDS:-5}"
engine="${FUZZ_ENGINE:-replay}"

if [[ "$engine" == replay ]]; then
    # The workspace's target directory and dev profile (fuzz/Cargo.toml repeats the workspace's):
    # the dependencies the tests' build compiled are reused, where a release build of its own took
    # 5.5 of CI's 26 minutes; the smoke run still makes 20,000–500,000 inputs a target in 5 s.
    export CARGO_TARGET_DIR="${FUZZ_TARGET_DIR:-${CARGO_TARGET_DIR:-$PWD/target}}"
    profile=(--profile dev) dir=debug
    if [[ "${FUZZ_RELEASE:-0}" == 1 ]]; then profile=(--release) dir=release; fi
    cargo build "${profile[@]}" --quiet --no-default-features \
        --manifest-path fuzz/Cargo.toml --bin replay
    exec "$CARGO_TARGET_DIR/$dir/replay" --seconds "$seconds" "$@"
fi

# Its own target directory: cargo fuzz builds with sanitizer flags that match no other build.
export CARGO_TARGET_DIR="${FUZZ_TARGET_DIR:-$PWD/target/fuzz-$engine}"

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
