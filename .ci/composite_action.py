#!/usr/bin/env python3
"""Runs a composite action's steps the way the GitHub Actions runner does, for tests.

What it does, as the runner's CompositeActionHandler does:
  * reads ACTION_DIR/action.yml (`runs.using: composite`) and the inputs given (`with:`),
    each missing one taking its `default:` (expressions evaluated, e.g. `${{ github.token }}`);
  * for each step: evaluates its `env:` (`${{ inputs.* }}`, `${{ runner.os }}`,
    `${{ runner.arch }}`, `${{ runner.temp }}`, `${{ runner.tool_cache }}`,
    `${{ github.action_path }}`, `${{ github.workspace }}`, `${{ github.token }}`, ...,
    `${{ env.* }}`, `${{ steps.<id>.outputs.<name> }}`), writes its `run:` script to a file
    and runs it with `bash --noprofile --norc -eo pipefail FILE` in the workspace, with the
    runner's variables (GITHUB_WORKSPACE, GITHUB_ACTION_PATH, RUNNER_OS, RUNNER_ARCH,
    RUNNER_TEMP, RUNNER_TOOL_CACHE, CI, GITHUB_ACTIONS) and fresh per-step GITHUB_OUTPUT,
    GITHUB_ENV, GITHUB_PATH and GITHUB_STEP_SUMMARY files, read back afterwards (both the
    `name=value` and the `name<<DELIMITER` forms);
  * stops at the first step that fails (exit code not 0), and then, as the runner does even
    after a failure, evaluates the action's `outputs:` from the steps' outputs.

It refuses what it does not implement rather than guess: a step with `uses:`, `if:`,
`working-directory:`, `continue-on-error:`, a shell other than bash, an expression other than
a context reference (`${{ a.b.c }}`), an unknown input. Workflow commands (`::error::`,
`::add-mask::`) are left in the captured stdout for the caller to check.

As a library (the test, .ci/test_composite_action.py):
    run = run_action(action_dir, inputs={...}, runner_os="Linux", runner_arch="X64",
                     workspace=..., temp=..., tool_cache=..., env={...})
    run.exit_code, run.outputs, run.summary, run.steps[i].stdout, run.stdout, ...

From the command line (a manual run on this machine, e.g. against a local server):
    python3 .ci/composite_action.py --with api-url=https://localhost:8443/ \\
        [--action-dir .] [--os Linux] [--arch X64] [--workspace DIR] [--env NAME=VALUE]...
prints each step's output, the action's outputs and the job summary; exits with the failing
step's exit code (0 when every step succeeded).

Needs ruamel.yaml (YAML 1.2, as the runner reads; .ci/lint-action.sh installs it in
.ci/.tools/venv with check-jsonschema).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from ruamel.yaml import YAML

EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}", re.S)
REFERENCE = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*(\.[A-Za-z_][A-Za-z0-9_-]*)*$")
STEP_KEYS = {"name", "id", "shell", "env", "run"}
# What the runner runs for `shell: bash` (docs: "Using a specific shell").
BASH = ["bash", "--noprofile", "--norc", "-eo", "pipefail"]


class Unsupported(Exception):
    """Something in action.yml that this driver does not implement (so it does not guess)."""


@dataclass
class StepRun:
    """One step as it ran."""

    id: str
    name: str
    exit_code: int
    stdout: str
    stderr: str
    env: dict[str, str]
    outputs: dict[str, str] = field(default_factory=dict)


@dataclass
class ActionRun:
    """The whole action as it ran."""

    exit_code: int
    steps: list[StepRun]
    outputs: dict[str, str]
    summary: str

    @property
    def stdout(self) -> str:
        return "".join(s.stdout for s in self.steps)

    @property
    def stderr(self) -> str:
        return "".join(s.stderr for s in self.steps)

    @property
    def log(self) -> str:
        """What a person reading the job log sees, step by step."""
        parts = []
        for s in self.steps:
            parts.append(f"--- step {s.id or s.name} (exit {s.exit_code})\n{s.stdout}{s.stderr}")
        return "".join(parts)


def load_yaml(text: str):
    """YAML as plain dicts, lists and scalars."""
    return YAML(typ="safe", pure=True).load(text)


def load_action(action_dir: Path) -> dict:
    """action.yml (or action.yaml), checked to be a composite action."""
    for name in ("action.yml", "action.yaml"):
        path = Path(action_dir) / name
        if path.is_file():
            action = load_yaml(path.read_text())
            break
    else:
        raise FileNotFoundError(f"no action.yml in {action_dir}")
    runs = action.get("runs") or {}
    if runs.get("using") != "composite":
        raise Unsupported(f"runs.using is {runs.get('using')!r}, not composite")
    return action


def parse_file_command(text: str, what: str) -> dict[str, str]:
    """A GITHUB_OUTPUT / GITHUB_ENV file: `name=value` lines and `name<<DELIMITER` blocks."""
    values: dict[str, str] = {}
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    i = 0
    while i < len(lines):
        line = lines[i].rstrip("\r")
        i += 1
        if not line.strip():
            continue
        heredoc = line.find("<<")
        equals = line.find("=")
        if heredoc > 0 and (equals < 0 or heredoc < equals):
            name, delimiter = line[:heredoc], line[heredoc + 2 :]
            body = []
            while True:
                if i >= len(lines):
                    raise ValueError(f"{what}: no closing delimiter {delimiter!r} for {name!r}")
                current = lines[i].rstrip("\r")
                i += 1
                if current == delimiter:
                    break
                body.append(current)
            values[name] = "\n".join(body)
        elif equals > 0:
            values[line[:equals]] = line[equals + 1 :]
        else:
            raise ValueError(f"{what}: invalid line {line!r}")
    return values


class Context:
    """The expression contexts of one step."""

    def __init__(self, contexts: dict[str, dict]):
        self.contexts = contexts

    def lookup(self, reference: str) -> str:
        if not REFERENCE.match(reference):
            raise Unsupported(f"expression {reference!r}: only context references (a.b.c) are implemented")
        head, *rest = reference.split(".")
        if head not in self.contexts:
            raise Unsupported(f"expression {reference!r}: unknown context {head!r}")
        value = self.contexts[head]
        for part in rest:
            # The runner looks names up case-insensitively and gives '' for a missing one.
            if isinstance(value, dict):
                match = [k for k in value if k.lower() == part.lower()]
                value = value[match[0]] if match else ""
            else:
                value = ""
        if isinstance(value, dict):
            raise Unsupported(f"expression {reference!r} is an object, not a string")
        if isinstance(value, bool):
            return "true" if value else "false"
        return "" if value is None else str(value)

    def evaluate(self, text) -> str:
        """A string with every `${{ ... }}` replaced."""
        if text is None:
            return ""
        if isinstance(text, bool):
            return "true" if text else "false"
        return EXPRESSION.sub(lambda m: self.lookup(m.group(1)), str(text))


def run_action(
    action_dir: Path | str,
    inputs: dict[str, str] | None = None,
    *,
    runner_os: str = "Linux",
    runner_arch: str = "X64",
    workspace: Path | str,
    temp: Path | str,
    tool_cache: Path | str | None = None,
    env: dict[str, str] | None = None,
    github: dict[str, str] | None = None,
    timeout: float = 300,
) -> ActionRun:
    """Runs the composite action in ACTION_DIR as the runner does (see the module's doc).

    `env` is the process environment the runner would give (the job's `env:`, PATH, HOME...);
    it defaults to this process's PATH and HOME only. `github` adds to the github context.
    """
    action_dir = Path(action_dir).resolve()
    workspace = Path(workspace).resolve()
    temp = Path(temp).resolve()
    tool_cache = Path(tool_cache).resolve() if tool_cache else temp / "tool-cache"
    for d in (workspace, temp, tool_cache):
        d.mkdir(parents=True, exist_ok=True)
    action = load_action(action_dir)

    base_env = dict(env) if env is not None else {k: os.environ[k] for k in ("PATH", "HOME") if k in os.environ}
    github_ctx = {
        "action_path": str(action_dir),
        "action_ref": "",
        "action_repository": "",
        "workspace": str(workspace),
        "token": "ghs_driver_token",
        "repository": "org/app",
        "server_url": "https://github.com",
        "api_url": "https://api.github.com",
        "event_name": "push",
        "sha": "0" * 40,
        "ref": "refs/heads/main",
        "run_id": "1",
        "job": "scan",
    }
    github_ctx.update(github or {})
    runner_ctx = {
        "os": runner_os,
        "arch": runner_arch,
        "temp": str(temp),
        "tool_cache": str(tool_cache),
        "name": "driver",
        "environment": "github-hosted",
        "debug": "",
    }
    runner_vars = {
        "CI": "true",
        "GITHUB_ACTIONS": "true",
        "GITHUB_WORKSPACE": str(workspace),
        "GITHUB_ACTION_PATH": str(action_dir),
        "GITHUB_REPOSITORY": github_ctx["repository"],
        "GITHUB_SERVER_URL": github_ctx["server_url"],
        "GITHUB_API_URL": github_ctx["api_url"],
        "GITHUB_EVENT_NAME": github_ctx["event_name"],
        "GITHUB_SHA": github_ctx["sha"],
        "GITHUB_REF": github_ctx["ref"],
        "GITHUB_RUN_ID": github_ctx["run_id"],
        "GITHUB_JOB": github_ctx["job"],
        "RUNNER_OS": runner_os,
        "RUNNER_ARCH": runner_arch,
        "RUNNER_TEMP": str(temp),
        "RUNNER_TOOL_CACHE": str(tool_cache),
    }

    # Inputs: the ones given, else the default (evaluated), else ''.
    declared = action.get("inputs") or {}
    given = {k: str(v) for k, v in (inputs or {}).items()}
    unknown = sorted(set(given) - set(declared))
    if unknown:
        raise Unsupported(f"inputs not declared in action.yml: {unknown}")
    default_ctx = Context({"github": github_ctx, "runner": runner_ctx, "env": base_env})
    inputs_ctx = {}
    for name, spec in declared.items():
        spec = spec or {}
        if name in given:
            inputs_ctx[name] = given[name]
        else:
            inputs_ctx[name] = default_ctx.evaluate(spec.get("default", ""))

    commands_dir = temp / "_runner_file_commands"
    commands_dir.mkdir(exist_ok=True)
    added_env: dict[str, str] = {}
    added_path: list[str] = []
    steps_ctx: dict[str, dict] = {}
    summary_parts: list[str] = []
    runs: list[StepRun] = []
    exit_code = 0

    for index, step in enumerate(action["runs"].get("steps") or []):
        extra = sorted(set(step) - STEP_KEYS)
        if extra:
            raise Unsupported(f"step {index}: keys {extra} are not implemented by this driver")
        if "run" not in step:
            raise Unsupported(f"step {index}: only `run:` steps are implemented")
        if step.get("shell") != "bash":
            raise Unsupported(f"step {index}: shell {step.get('shell')!r}; only bash is implemented")
        step_id = str(step.get("id") or f"__step{index}")

        env_ctx = {**base_env, **added_env}
        ctx = Context(
            {
                "inputs": inputs_ctx,
                "github": github_ctx,
                "runner": runner_ctx,
                "env": env_ctx,
                "steps": steps_ctx,
            }
        )
        step_env = {str(k): ctx.evaluate(v) for k, v in (step.get("env") or {}).items()}

        files = {}
        for var in ("GITHUB_OUTPUT", "GITHUB_ENV", "GITHUB_PATH", "GITHUB_STEP_SUMMARY"):
            path = commands_dir / f"{var.lower()}_{uuid.uuid4()}"
            path.write_text("")
            files[var] = str(path)
        script = temp / f"{uuid.uuid4()}.sh"
        script.write_text(ctx.evaluate(step["run"]))

        process_env = {**base_env, **runner_vars, **added_env, **step_env, **files}
        if added_path:
            process_env["PATH"] = os.pathsep.join([*reversed(added_path), process_env.get("PATH", "")])
        try:
            proc = subprocess.run(
                [*BASH, str(script)],
                cwd=workspace,
                env=process_env,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                errors="replace",
                timeout=timeout,
                check=False,
            )
        finally:
            script.unlink(missing_ok=True)

        outputs = parse_file_command(Path(files["GITHUB_OUTPUT"]).read_text(), f"step {step_id} GITHUB_OUTPUT")
        added_env.update(parse_file_command(Path(files["GITHUB_ENV"]).read_text(), f"step {step_id} GITHUB_ENV"))
        added_path.extend(l for l in Path(files["GITHUB_PATH"]).read_text().splitlines() if l.strip())
        summary_parts.append(Path(files["GITHUB_STEP_SUMMARY"]).read_text())
        steps_ctx[step_id] = {
            "outputs": outputs,
            "outcome": "success" if proc.returncode == 0 else "failure",
            "conclusion": "success" if proc.returncode == 0 else "failure",
        }
        runs.append(
            StepRun(
                id=step_id,
                name=str(step.get("name") or step_id),
                exit_code=proc.returncode,
                stdout=proc.stdout,
                stderr=proc.stderr,
                env=step_env,
                outputs=outputs,
            )
        )
        if proc.returncode != 0:
            exit_code = proc.returncode
            break

    # The runner evaluates the outputs after the steps, failed or not.
    out_ctx = Context({"inputs": inputs_ctx, "github": github_ctx, "runner": runner_ctx, "steps": steps_ctx})
    outputs = {
        name: out_ctx.evaluate((spec or {}).get("value", "")) for name, spec in (action.get("outputs") or {}).items()
    }
    return ActionRun(exit_code=exit_code, steps=runs, outputs=outputs, summary="".join(summary_parts))


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(description="Run a composite action's steps as the runner does.")
    p.add_argument("--action-dir", default=".", help="the directory of action.yml (default: .)")
    p.add_argument("--with", dest="inputs", action="append", default=[], metavar="NAME=VALUE")
    p.add_argument("--env", action="append", default=[], metavar="NAME=VALUE", help="job env")
    p.add_argument("--os", default="Linux", help="runner.os (Linux, macOS, Windows)")
    p.add_argument("--arch", default="X64", help="runner.arch (X64, ARM64, ARM, X86)")
    p.add_argument("--workspace", default=".", help="GITHUB_WORKSPACE (default: .)")
    p.add_argument("--temp", help="RUNNER_TEMP (default: a new temporary directory)")
    p.add_argument("--tool-cache", help="RUNNER_TOOL_CACHE (default: RUNNER_TEMP/tool-cache)")
    a = p.parse_args(argv)

    def pairs(items: list[str], what: str) -> dict[str, str]:
        out = {}
        for item in items:
            name, sep, value = item.partition("=")
            if not sep:
                p.error(f"{what} {item!r}: expected NAME=VALUE")
            out[name] = value
        return out

    env = {k: os.environ[k] for k in ("PATH", "HOME", "LANG") if k in os.environ}
    env.update(pairs(a.env, "--env"))
    with tempfile.TemporaryDirectory(prefix="composite-action-") as scratch:
        run = run_action(
            a.action_dir,
            pairs(a.inputs, "--with"),
            runner_os=a.os,
            runner_arch=a.arch,
            workspace=a.workspace,
            temp=a.temp or scratch,
            tool_cache=a.tool_cache,
            env=env,
        )
    sys.stdout.write(run.log)
    print("--- outputs")
    for name, value in run.outputs.items():
        print(f"{name}={value}")
    print(f"--- job summary: {len(run.summary)} characters")
    return run.exit_code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
