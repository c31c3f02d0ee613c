#!/usr/bin/env python3
"""Checks what actionlint cannot see in the workflows and examples.

1. Every use of this Action, `uses: ./` or `uses: <owner>/mtls-action@<ref>`
   (the examples'), passes only inputs that action.yml declares, passes its
   required inputs, and reads only outputs that action.yml declares through
   `steps.<id>.outputs.<name>`. The WebAssembly actionlint does not read local
   action metadata, and no linter can check the examples' remote reference.
2. Every workflow sets `permissions:` at the top level, and every example
   starts with a header comment.
3. Every `run:` block run by bash (GitHub's default on Linux) passes
   shellcheck, with each `${{ ... }}` expression replaced by a placeholder.
4. action.yml, the composite action (actionlint does not read action
   metadata): every step runs with `shell: bash` (the one shell on all three
   runner OSes), its `run:` passes shellcheck and holds no `${{ ... }}` (values
   reach scripts through `env:` only: no script injection), every input is
   passed to a step as `INPUT_<NAME>` (upper case, hyphens kept) from
   `${{ inputs.<name> }}`, and every output has a `value:`.

usage: lint_workflows.py WORKFLOW.yml...   (run from the repository root)
Needs ruamel.yaml (a dependency of check-jsonschema) and shellcheck on PATH.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from pathlib import Path

from ruamel.yaml import YAML

ACTION_REF = re.compile(r"^(\./?|[A-Za-z0-9_.-]+/mtls-action(@.+)?)$")
EXPR = re.compile(r"\$\{\{.*?\}\}", re.S)
STEP_OUTPUT = re.compile(r"steps\.([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]+)")

errors: list[str] = []


def error(path: Path, line: int | None, message: str) -> None:
    where = f"{path}:{line + 1}" if line is not None else str(path)
    errors.append(f"{where}: {message}")


def load(path: Path):
    yaml = YAML(typ="rt")
    with path.open() as f:
        return yaml.load(f)


def line_of(mapping, key) -> int | None:
    try:
        return mapping.lc.key(key)[0]
    except (AttributeError, KeyError, TypeError):
        return None


def action_metadata(path: Path) -> tuple[set[str], set[str], set[str]]:
    action = load(path)
    inputs = action.get("inputs") or {}
    required = {
        name
        for name, spec in inputs.items()
        if (spec or {}).get("required") and (spec or {}).get("default") is None
    }
    return set(inputs), required, set(action.get("outputs") or {})


def shellcheck_run(path: Path, line: int | None, script: str, where: str) -> None:
    body = EXPR.sub("GH_EXPR", script)
    with tempfile.NamedTemporaryFile("w", suffix=".sh", delete=False) as tmp:
        # GitHub runs `bash --noprofile --norc -eo pipefail {0}`.
        tmp.write("#!/usr/bin/env bash\nset -eo pipefail\n" + body)
        name = tmp.name
    try:
        result = subprocess.run(
            ["shellcheck", "--severity=style", "--format=gcc", name],
            capture_output=True,
            text=True,
            check=False,
        )
    finally:
        Path(name).unlink()
    for out in result.stdout.splitlines():
        m = re.match(r"^[^:]+:(\d+):(\d+): (.*)$", out)
        if not m:
            continue
        script_line = int(m.group(1)) - 3  # the two lines prepended, 1-based
        at = None if line is None else line + 1 + script_line
        error(path, at, f"{where}: shellcheck: {m.group(3)}")
    if result.returncode not in (0, 1):
        error(path, line, f"{where}: shellcheck failed: {result.stderr.strip()}")


def check_workflow(path: Path, inputs: set[str], required: set[str], outputs: set[str]) -> None:
    text = path.read_text()
    doc = load(path)
    if not isinstance(doc, dict):
        error(path, None, "not a YAML mapping")
        return
    if "permissions" not in doc:
        error(path, None, "no top-level `permissions:`")
    if path.parts[0] == "examples" and not text.startswith("#"):
        error(path, 0, "an example starts with a header comment saying what it shows")

    workflow_shell = ((doc.get("defaults") or {}).get("run") or {}).get("shell")
    for job_id, job in (doc.get("jobs") or {}).items():
        job_shell = ((job.get("defaults") or {}).get("run") or {}).get("shell", workflow_shell)
        action_steps: set[str] = set()
        for index, step in enumerate(job.get("steps") or []):
            where = f"jobs.{job_id}.steps[{index}]"
            uses = step.get("uses")
            if isinstance(uses, str) and ACTION_REF.match(uses):
                given = set(step.get("with") or {})
                for name in sorted(given - inputs):
                    error(path, line_of(step["with"], name),
                          f"{where}: input `{name}` is not declared in action.yml")
                for name in sorted(required - given):
                    error(path, line_of(step, "uses"),
                          f"{where}: required input `{name}` is missing")
                if "id" in step:
                    action_steps.add(str(step["id"]))
            script = step.get("run")
            shell = step.get("shell", job_shell) or "bash"
            if isinstance(script, str) and str(shell).split()[0] in ("bash", "sh"):
                shellcheck_run(path, line_of(step, "run"), script, where)
        for m in STEP_OUTPUT.finditer(text):
            step_id, output = m.groups()
            if step_id in action_steps and output not in outputs:
                line = text.count("\n", 0, m.start())
                error(path, line, f"jobs.{job_id}: output `{output}` is not declared in action.yml")


def check_action(path: Path) -> None:
    action = load(path)
    runs = action.get("runs") or {}
    if runs.get("using") != "composite":
        error(path, line_of(action, "runs"), "runs.using is not `composite`")
        return
    passed: dict[str, str] = {}
    for index, step in enumerate(runs.get("steps") or []):
        where = f"runs.steps[{index}]"
        if step.get("shell") != "bash":
            error(path, line_of(step, "shell"), f"{where}: `shell: bash` (all three runner OSes have it)")
        script = step.get("run")
        if isinstance(script, str):
            if EXPR.search(script):
                error(path, line_of(step, "run"),
                      f"{where}: `${{{{ }}}}` inside `run:`: pass the value through `env:` (script injection)")
            shellcheck_run(path, line_of(step, "run"), script, where)
        for key, value in (step.get("env") or {}).items():
            if str(key).startswith("INPUT_"):
                passed[str(key)] = str(value)
    for name in action.get("inputs") or {}:
        var = f"INPUT_{name.upper()}"
        want = f"${{{{ inputs.{name} }}}}"
        if passed.get(var) != want:
            error(path, line_of(action["inputs"], name),
                  f"input `{name}` is not passed to the scan as `{var}: {want}`")
    for name, spec in (action.get("outputs") or {}).items():
        if not (spec or {}).get("value"):
            error(path, line_of(action["outputs"], name), f"output `{name}` has no `value:`")


def main(argv: list[str]) -> int:
    inputs, required, outputs = action_metadata(Path("action.yml"))
    check_action(Path("action.yml"))
    for arg in argv:
        check_workflow(Path(arg), inputs, required, outputs)
    for message in errors:
        print(message)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
