#!/usr/bin/env python3
"""The composite action (action.yml), run the way the runner runs it, against servers on 127.0.0.1.

    cargo build -p action-runner                 # the binary that stands in for the release
    python3 .ci/test_composite_action.py [-v] [TestName.test_name ...]

.ci/composite_action.py runs action.yml's steps with bash (each step's `env:` and `${{ }}`
expressions substituted, per-step GITHUB_OUTPUT/GITHUB_STEP_SUMMARY files read back). The
release is a stand-in: a copy of action.yml pinned by .ci/pin_action.py (what release.yml runs)
to a SHA256SUMS made here for the locally built binary (MTLS_SCAN_BIN, default
target/debug/mtls-scan), served under every asset name by an HTTP server on 127.0.0.1 (the job
sets MTLS_SCAN_DOWNLOAD_URL, the documented mirror setting). The servers scanned are real:
`openssl s_server` through tests/servers/start.sh (PKI from tests/servers/pki.sh), started
before the action as an earlier workflow step would start the app, and scanned as
https://localhost:PORT/.

Shown here: localhost works; the outputs, the masks and the job summary are written; exit codes
0, 1, 2 and 3 pass through, and the outputs are set even when the scan fails; each runner
OS/arch gets its asset; the tool cache is used and re-verified; a wrong checksum stops the run
before anything executes (a tripwire asset never runs, nothing is cached, no connection reaches
the target); no asset falls back to `docker run --network host` of the pinned image (a `docker`
stand-in that runs the binary with only the variables passed by name); an unreleased checkout
builds from source with cargo; inputs are never run as code.

Needs: bash, curl, openssl, Python 3.9+ with ruamel.yaml (run with the system python3, it
re-runs itself with .ci/.tools/venv/bin/python, which `bash .ci/lint-action.sh` installs).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import http.server
import json
import os
import shutil
import signal
import socket
import ssl
import stat
import subprocess
import sys
import tempfile
import threading
import time
import unittest
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

try:
    import ruamel.yaml  # noqa: F401 (the driver's YAML parser)
except ImportError:  # run again with the linters' venv (bash .ci/lint-action.sh makes it)
    VENV_PYTHON = ROOT / ".ci/.tools/venv/bin/python"
    if __name__ == "__main__" and VENV_PYTHON.exists() and Path(sys.executable) != VENV_PYTHON:
        os.execv(str(VENV_PYTHON), [str(VENV_PYTHON), *sys.argv])
    raise

from composite_action import load_yaml, run_action  # noqa: E402
from pin_action import ASSETS  # noqa: E402

RELEASE = "v9.9.9"
REPOSITORY = "org/mtls-action"
IMAGE = "ghcr.io/org/mtls-action@sha256:" + "ab" * 32
# runner.os, runner.arch -> the asset the install step must download
ASSET_OF = {
    ("Linux", "X64"): "mtls-scan-x86_64-unknown-linux-gnu",
    ("Linux", "ARM64"): "mtls-scan-aarch64-unknown-linux-gnu",
    ("macOS", "ARM64"): "mtls-scan-aarch64-apple-darwin",
    ("macOS", "X64"): "mtls-scan-x86_64-apple-darwin",
    ("Windows", "X64"): "mtls-scan-x86_64-pc-windows-msvc.exe",
    ("Windows", "ARM64"): "mtls-scan-x86_64-pc-windows-msvc.exe",
}
OUTPUTS = ("grade", "score", "findings", "critical", "high", "new", "incomplete", "report", "sarif-file")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_executable(path: Path, text: str) -> Path:
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


class Server:
    """One tests/servers/start.sh server on 127.0.0.1, in its own process group."""

    def __init__(self, kind: str, pki: Path, work: Path):
        self.kind = kind
        want = ssl.DER_cert_to_PEM_cert(ssl.PEM_cert_to_DER_cert((pki / "server.crt").read_text()))
        for _ in range(5):  # another test run may take the port between probe and bind
            self.port = free_port()
            self.proc = subprocess.Popen(
                ["bash", str(ROOT / "tests/servers/start.sh"), kind, str(self.port), str(pki), str(work)],
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                env={**os.environ, "MTLS_WATCH_STDIN": "1"},
                start_new_session=True,
            )
            if self._ready(want):
                return
            self.stop()
        raise RuntimeError(f"{kind}: no server of ours on 127.0.0.1 after 5 tries")

    def _ready(self, want_pem: str) -> bool:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            try:
                # Ours, not whatever else listens there: it serves our PKI's server certificate.
                got = ssl.get_server_certificate(("127.0.0.1", self.port), timeout=2)
                return ssl.PEM_cert_to_DER_cert(got) == ssl.PEM_cert_to_DER_cert(want_pem)
            except OSError:
                time.sleep(0.1)
        return False

    @property
    def url(self) -> str:
        return f"https://localhost:{self.port}/"

    def stop(self) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGTERM)
        with contextlib.suppress(Exception):
            self.proc.stdin.close()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=5)


class Listener:
    """A TCP port that counts connections (a target that must never be reached)."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.sock.close()


class Releases(http.server.ThreadingHTTPServer):
    """The stand-in for github.com/<repo>/releases/download/<tag>/: serves a directory, logs paths."""

    def __init__(self, root: Path):
        self.requests: list[str] = []
        outer = self

        class Handler(http.server.SimpleHTTPRequestHandler):
            def __init__(self, *a, **kw):
                super().__init__(*a, directory=str(root), **kw)

            def do_GET(self):  # noqa: N802 (the stdlib's name)
                outer.requests.append(self.path)
                super().do_GET()

            def log_message(self, *args):
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/releases/download/{RELEASE}"


class CompositeActionTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        binary = Path(os.environ.get("MTLS_SCAN_BIN", ROOT / "target/debug/mtls-scan"))
        if not os.access(binary, os.X_OK):
            raise unittest.SkipTest(f"no binary at {binary}: run `cargo build -p action-runner` first")
        cls.binary = binary.resolve()
        cls.tmp = Path(tempfile.mkdtemp(prefix="composite-action-test-"))
        cls.addClassCleanup(shutil.rmtree, cls.tmp, ignore_errors=True)

        cls.pki = cls.tmp / "pki"
        subprocess.run(["bash", str(ROOT / "tests/servers/pki.sh"), str(cls.pki)], check=True)
        # Started before the action, as `./server &` in an earlier step would be.
        cls.mtls = Server("openssl-Verify-return", cls.pki, cls.tmp / "srv-verify")  # requires a verified client cert
        cls.addClassCleanup(cls.mtls.stop)
        cls.open = Server("openssl-none", cls.pki, cls.tmp / "srv-none")  # asks for none
        cls.addClassCleanup(cls.open.stop)

        # The release: every asset is the local binary; SHA256SUMS made for it.
        cls.assets = cls.tmp / "www/releases/download" / RELEASE
        cls.assets.mkdir(parents=True)
        for name in ASSETS:
            shutil.copy2(cls.binary, cls.assets / name)
        cls.sums = cls.tmp / "SHA256SUMS"
        cls.sums.write_text("".join(f"{sha256(cls.assets / n)}  {n}\n" for n in ASSETS))
        cls.releases = Releases(cls.tmp / "www")
        cls.addClassCleanup(cls.releases.server_close)
        cls.addClassCleanup(cls.releases.shutdown)

        # The released action: action.yml pinned by the script release.yml runs.
        cls.released = cls.pinned_action("released", cls.sums)

        # Stand-ins for docker and cargo (on PATH only where a test puts them).
        cls.shims = cls.tmp / "shims"
        cls.shims.mkdir()
        write_executable(cls.shims / "docker", DOCKER_SHIM.replace("#!python3", f"#!{sys.executable}", 1))
        write_executable(cls.shims / "cargo", CARGO_SHIM.replace("#!python3", f"#!{sys.executable}", 1))
        # A PATH with what the GitHub-hosted runners have (bash, curl, coreutils, awk, openssl)
        # but without this machine's cargo or docker.
        cls.tools = cls.tmp / "tools"
        cls.tools.mkdir()
        for tool in ("bash", "curl", "env", "awk", "sed", "grep", "sort", "tr", "sha256sum", "openssl",
                     "mkdir", "rm", "mv", "chmod", "cat", "id", "cp", "ls", "sh", "dirname", "printf"):
            found = shutil.which(tool)
            if found:
                (cls.tools / tool).symlink_to(found)

    @classmethod
    def pinned_action(cls, name: str, sums: Path) -> Path:
        directory = cls.tmp / "actions" / name
        directory.mkdir(parents=True)
        shutil.copy2(ROOT / "action.yml", directory / "action.yml")
        subprocess.run(
            [sys.executable, str(HERE / "pin_action.py"), "--release", RELEASE, "--repository", REPOSITORY,
             "--image", IMAGE, "--sha256sums", str(sums), "--action", str(directory / "action.yml")],
            check=True, stdout=subprocess.DEVNULL,
        )
        return directory

    def setUp(self):
        self.case = Path(tempfile.mkdtemp(prefix=self._testMethodName + "-", dir=self.tmp))
        self.workspace = self.case / "workspace"
        shutil.copytree(self.pki, self.workspace / "pki")
        self.tool_cache = self.case / "tool-cache"
        self.requests_before = len(self.releases.requests)

    def run_action(self, inputs: dict, *, action: Path | None = None, os_="Linux", arch="X64",
                   shims: bool = False, tool_cache: Path | None = None, extra_env: dict | None = None):
        path = [str(self.tools)]
        if shims:
            path.insert(0, str(self.shims))
        env = {
            "PATH": os.pathsep.join(path),
            "HOME": str(self.case),
            "LANG": "C.UTF-8",
            # The job's env: the documented mirror setting points at the stand-in release.
            "MTLS_SCAN_DOWNLOAD_URL": self.releases.base,
            "SHIM_LOG_DIR": str(self.case),
            "SHIM_BINARY": str(self.binary),
            **(extra_env or {}),
        }
        started = time.monotonic()
        run = run_action(
            action or self.released, inputs, runner_os=os_, runner_arch=arch,
            workspace=self.workspace, temp=self.case / "runner-temp",
            tool_cache=tool_cache or self.tool_cache, env=env,
        )
        run.seconds = time.monotonic() - started
        return run

    def new_requests(self) -> list[str]:
        return self.releases.requests[self.requests_before:]

    def identity(self, url: str) -> dict:
        return {
            "api-url": url,
            "ca-file": "pki/ca.crt",
            "client-cert": "pki/client.crt",
            "client-key": "pki/client.key",
            "issuing-ca-cert": "pki/ca.crt",
            "issuing-ca-key": "pki/ca.key",
            "timeout": "5",
        }

    def assert_outputs_written(self, run):
        for name in OUTPUTS:
            if name == "new":  # empty without a baseline
                self.assertIn(name, run.outputs, run.log)
                continue
            self.assertTrue(run.outputs[name], f"output {name} empty\n{run.log}")
        report = self.workspace / run.outputs["report"]
        sarif = self.workspace / run.outputs["sarif-file"]
        self.assertTrue(report.is_file() and sarif.is_file(), run.log)
        self.assertEqual(json.loads(sarif.read_text())["version"], "2.1.0")
        json.loads(report.read_text())
        self.assertIn(f"grade {run.outputs['grade']}", run.summary)

    # ---- the action's text ---------------------------------------------------------------

    def test_action_yml_passes_every_input_and_maps_every_output(self):
        action = load_yaml((ROOT / "action.yml").read_text())
        steps = action["runs"]["steps"]
        self.assertEqual(action["runs"]["using"], "composite")
        scan = next(s for s in steps if s.get("id") == "scan")
        for name in action["inputs"]:
            self.assertEqual(scan["env"].get(f"INPUT_{name.upper()}"), f"${{{{ inputs.{name} }}}}",
                             f"input {name} is not passed to the scan as INPUT_{name.upper()}")
        for name, spec in action["outputs"].items():
            self.assertEqual(spec["value"], f"${{{{ steps.scan.outputs.{name} }}}}")
        for step in steps:
            self.assertEqual(step["shell"], "bash")
            self.assertNotIn("${{", step["run"], "an expression inside a script (script injection)")
        install = next(s for s in steps if s.get("id") == "install")
        for key in ("MTLS_SCAN_RELEASE", "MTLS_SCAN_REPOSITORY", "MTLS_SCAN_IMAGE", "MTLS_SCAN_SHA256SUMS"):
            self.assertEqual(install["env"][key], "", f"{key} is pinned on a branch: release.yml pins it")

    def test_pin_script_refuses_bad_values(self):
        from pin_action import PinError, pin

        text = (ROOT / "action.yml").read_text()
        sums = self.sums.read_text()
        with self.assertRaisesRegex(PinError, "already pinned"):
            pin(pin(text, RELEASE, REPOSITORY, IMAGE, sums), RELEASE, REPOSITORY, IMAGE, sums)
        with self.assertRaisesRegex(PinError, "missing"):
            pin(text, RELEASE, REPOSITORY, IMAGE, "".join(sums.splitlines(True)[1:]))
        with self.assertRaisesRegex(PinError, "digest"):
            pin(text, RELEASE, REPOSITORY, "ghcr.io/org/mtls-action:v1", sums)
        with self.assertRaisesRegex(PinError, "version tag"):
            pin(text, "main", REPOSITORY, IMAGE, sums)
        pinned = load_yaml(pin(text, RELEASE, REPOSITORY, IMAGE, sums))
        env = pinned["runs"]["steps"][0]["env"]
        self.assertEqual((env["MTLS_SCAN_RELEASE"], env["MTLS_SCAN_IMAGE"]), (RELEASE, IMAGE))
        self.assertEqual(env["MTLS_SCAN_SHA256SUMS"], sums)

    # ---- the released action ---------------------------------------------------------------

    def test_localhost_scan_writes_outputs_masks_and_summary(self):
        run = self.run_action(self.identity(self.mtls.url))
        self.assertEqual(run.exit_code, 0, run.log)
        self.assertEqual([s.id for s in run.steps], ["install", "scan"])
        self.assertIn(run.outputs["grade"], ("A", "B"), run.log)
        self.assertEqual(run.outputs["critical"], "0", run.log)
        self.assert_outputs_written(run)
        self.assertIn(self.mtls.url, run.summary)
        # Masks come first, the key's lines among them; the key itself is never printed.
        scan_out = run.steps[1].stdout.splitlines()
        self.assertTrue(scan_out[0].startswith("::add-mask::"), scan_out[:3])
        key_line = (self.pki / "client.key").read_text().splitlines()[1]
        self.assertIn(f"::add-mask::{key_line}", scan_out)
        self.assertNotIn(key_line, "\n".join(l for l in scan_out if not l.startswith("::add-mask::")))
        # Downloaded once, the asset of Linux X64, verified, cached as the toolkit lays it out.
        self.assertEqual(self.new_requests(), [f"/releases/download/{RELEASE}/mtls-scan-x86_64-unknown-linux-gnu"])
        cached = self.tool_cache / "mtls-scan" / RELEASE[1:] / "x64" / "mtls-scan"
        self.assertEqual(sha256(cached), sha256(self.binary))
        self.assertTrue((cached.parent.parent / "x64.complete").is_file())
        self.assertIn("verified", run.steps[0].stdout)

        # A second job on the same runner: the tool cache, verified again, no download.
        again = self.run_action(self.identity(self.mtls.url))
        self.assertEqual(again.exit_code, 0, again.log)
        self.assertEqual(len(self.new_requests()), 1, "downloaded again despite the tool cache")
        self.assertIn("from the tool cache", again.steps[0].stdout)
        print(f"\n  localhost scan through the action: {run.seconds:.2f} s (download), "
              f"{again.seconds:.2f} s (tool cache)", file=sys.stderr)

    def test_exit_codes_pass_through(self):
        # 1: grade F (no client certificate asked for) below the default fail-under C.
        run = self.run_action({"api-url": self.open.url, "timeout": "5"})
        self.assertEqual(run.exit_code, 1, run.log)
        self.assertEqual(run.outputs["grade"], "F")
        self.assert_outputs_written(run)  # outputs are set even though the step failed
        self.assertIn("::error title=mtls-scan%3A grade below threshold::", run.stdout)
        # 0: the same grade with fail-under F.
        run = self.run_action({"api-url": self.open.url, "timeout": "5", "fail-under": "F"})
        self.assertEqual(run.exit_code, 0, run.log)
        # 2: an invalid input, refused before any scan.
        run = self.run_action({"api-url": self.open.url, "fail-under": "E"})
        self.assertEqual(run.exit_code, 2, run.log)
        self.assertIn("fail-under", run.stdout)
        # 3: a target that cannot be scanned (nothing listens there).
        run = self.run_action({"api-url": f"https://localhost:{free_port()}/", "timeout": "2"})
        self.assertEqual(run.exit_code, 3, run.log)

    def test_each_runner_gets_its_asset(self):
        for (os_, arch), asset in ASSET_OF.items():
            with self.subTest(os=os_, arch=arch):
                before = len(self.releases.requests)
                run = self.run_action({"api-url": self.open.url, "fail-under": "F", "timeout": "5"},
                                      os_=os_, arch=arch, tool_cache=self.case / f"cache-{os_}-{arch}")
                self.assertEqual(run.exit_code, 0, run.log)
                self.assertEqual(self.releases.requests[before:], [f"/releases/download/{RELEASE}/{asset}"])
                exe = ".exe" if os_ == "Windows" else ""
                self.assertTrue(run.steps[1].env["MTLS_SCAN_BIN"].endswith(f"/{arch.lower()}/mtls-scan{exe}"))
                self.assertEqual(run.outputs["grade"], "F")

    def test_wrong_checksum_stops_before_anything_runs(self):
        target = Listener()
        self.addCleanup(target.close)
        marker = self.case / "tripwire-ran"
        # The release serves a different file than the one pinned (the real binary's checksum).
        www = self.case / "www" / "releases/download" / RELEASE
        www.mkdir(parents=True)
        write_executable(www / ASSETS[0], f"#!/bin/sh\necho ran > '{marker}'\n")
        run = self.run_action(
            self.identity(f"https://localhost:{target.port}/"),
            extra_env={"MTLS_SCAN_DOWNLOAD_URL": f"file://{www}"},
        )
        self.assertEqual(run.exit_code, 1, run.log)
        self.assertEqual([s.id for s in run.steps], ["install"], "the scan step ran")
        self.assertIn("::error title=mtls-scan setup::", run.stdout)
        self.assertIn(f"action.yml pins {sha256(self.binary)}", run.stdout)
        self.assertIn("deleted, not run", run.stdout)
        self.assertFalse(marker.exists(), "the unverified download was executed")
        self.assertEqual(target.connections, 0, "something connected to the target")
        self.assertEqual(run.outputs, dict.fromkeys(OUTPUTS, ""))
        self.assertEqual(run.summary, "")
        self.assertEqual(sorted(p.name for p in self.workspace.iterdir()), ["pki"])
        cache = self.tool_cache / "mtls-scan" / RELEASE[1:]
        self.assertEqual([p.name for p in cache.rglob("*") if p.is_file()], [], "a rejected file stayed")

        # The same with the checksum pinned wrong and the genuine binary served.
        wrong = self.case / "SHA256SUMS.wrong"
        wrong.write_text(self.sums.read_text().replace(sha256(self.binary), "0" * 64, 1))
        action = self.pinned_action(f"wrong-{self._testMethodName}", wrong)
        run = self.run_action(self.identity(f"https://localhost:{target.port}/"), action=action)
        self.assertEqual(run.exit_code, 1, run.log)
        self.assertEqual(len(run.steps), 1)
        self.assertIn(f"action.yml pins {'0' * 64}", run.stdout)
        self.assertEqual(target.connections, 0)

    def test_tampered_tool_cache_is_replaced(self):
        run = self.run_action({"api-url": self.open.url, "fail-under": "F", "timeout": "5"})
        self.assertEqual(run.exit_code, 0, run.log)
        cached = Path(run.steps[1].env["MTLS_SCAN_BIN"])
        marker = self.case / "tripwire-ran"
        write_executable(cached, f"#!/bin/sh\necho ran > '{marker}'\n")
        run = self.run_action({"api-url": self.open.url, "fail-under": "F", "timeout": "5"})
        self.assertEqual(run.exit_code, 0, run.log)
        self.assertIn("does not match the pinned SHA-256", run.stdout)
        self.assertFalse(marker.exists(), "the tampered cached file was executed")
        self.assertEqual(len(self.new_requests()), 2, "not downloaded again")
        self.assertEqual(sha256(cached), sha256(self.binary))

    def test_inputs_are_never_run_as_code(self):
        marker = self.case / "injected"
        payload = f"https://localhost:1/$(touch {marker})`touch {marker}`\"; touch '{marker}'; \""
        run = self.run_action({"api-url": payload, "sarif-file": f"$(touch {marker}).sarif"})
        self.assertIn(run.exit_code, (2, 3), run.log)
        self.assertFalse(marker.exists(), "an input was executed by the shell")

    # ---- fallbacks and the development path --------------------------------------------------

    def docker_calls(self) -> list[dict]:
        log = self.case / "docker.jsonl"
        return [json.loads(l) for l in log.read_text().splitlines()] if log.exists() else []

    def test_no_asset_falls_back_to_the_pinned_image_on_the_host_network(self):
        inputs = {**self.identity(self.open.url)}
        run = self.run_action(inputs, arch="ARM", shims=True)  # 32-bit Arm Linux: no asset
        self.assertEqual(run.exit_code, 1, run.log)  # grade F below C, through docker
        self.assertEqual(self.new_requests(), [], "downloaded a binary for a runner that has none")
        self.assertIn("::warning title=mtls-scan setup::no mtls-scan v9.9.9 binary for Linux ARM", run.stdout)
        (call,) = self.docker_calls()
        argv = call["argv"]
        self.assertEqual(argv[:4], ["run", "--rm", "--network", "host"])
        self.assertEqual(argv[-2:], [IMAGE, "action"])
        ws = str(self.workspace)
        for pair in (("--volume", f"{ws}:{ws}"), ("--workdir", ws)):
            self.assertIn(list(pair), [argv[i:i + 2] for i in range(len(argv) - 1)])
        volumes = [argv[i + 1] for i, a in enumerate(argv[:-1]) if a == "--volume"]
        self.assertTrue(any("github_output" in v for v in volumes), volumes)
        self.assertTrue(any("github_step_summary" in v for v in volumes), volumes)
        temp = call["runner_temp"]
        self.assertTrue(temp, "RUNNER_TEMP is set")
        self.assertIn(f"{temp}:{temp}", volumes, "RUNNER_TEMP is mounted at the same path, read-write")
        passed = {argv[i + 1] for i, a in enumerate(argv[:-1]) if a == "--env"}
        for name in ("INPUT_API-URL", "INPUT_CLIENT-KEY", "INPUT_FAIL-UNDER", "INPUT_GITHUB-TOKEN",
                     "GITHUB_WORKSPACE", "GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY", "CI"):
            self.assertIn(name, passed)
        key = (self.pki / "client.key").read_text()
        self.assertFalse(any(key.splitlines()[1] in a for a in argv), "a secret on the command line")
        # The "container" saw only what was passed by name, and still wrote everything.
        self.assertEqual(run.outputs["grade"], "F")
        self.assert_outputs_written(run)

    def test_binary_that_cannot_start_falls_back_to_the_image(self):
        broken = self.case / "broken"
        broken.mkdir()
        (broken / ASSETS[0]).write_bytes(b"\x7fELF\x02\x01\x01" + b"\0" * 57)  # no loadable program
        sums = self.case / "SHA256SUMS.broken"
        sums.write_text(self.sums.read_text().replace(sha256(self.binary), sha256(broken / ASSETS[0]), 1))
        action = self.pinned_action(f"broken-{self._testMethodName}", sums)
        run = self.run_action({"api-url": self.open.url, "fail-under": "F", "timeout": "5"}, action=action,
                              shims=True, extra_env={"MTLS_SCAN_DOWNLOAD_URL": f"file://{broken}"})
        self.assertEqual(run.exit_code, 0, run.log)
        self.assertIn("does not start on this runner", run.stdout)
        self.assertEqual(len(self.docker_calls()), 1)
        self.assertEqual(run.outputs["grade"], "F")

    def test_no_asset_and_no_docker_is_a_clear_error(self):
        run = self.run_action({"api-url": self.open.url}, os_="Windows", arch="X86")
        self.assertEqual(run.exit_code, 1, run.log)
        self.assertEqual(len(run.steps), 1)
        self.assertIn("no mtls-scan v9.9.9 binary for Windows X86", run.stdout)
        self.assertIn("Linux x64/arm64, macOS arm64/x64 and Windows x64", run.stdout)

    def test_unreleased_checkout_builds_from_source(self):
        checkout = self.case / "checkout"  # `uses: ./`: the repository itself, nothing pinned
        checkout.mkdir()
        shutil.copy2(ROOT / "action.yml", checkout / "action.yml")
        (checkout / "Cargo.toml").write_text("[workspace]\n")
        run = self.run_action(self.identity(self.mtls.url), action=checkout, shims=True)
        self.assertEqual(run.exit_code, 0, run.log)
        self.assertEqual(self.new_requests(), [], "an unreleased checkout downloaded a release")
        self.assertIn("building from source", run.steps[0].stdout)
        argv = json.loads((self.case / "cargo.json").read_text())
        self.assertEqual(argv, ["build", "--release", "--locked", "-p", "action-runner", "--manifest-path",
                                str(checkout / "Cargo.toml"), "--target-dir", str(checkout / "target")])
        self.assertIn(run.outputs["grade"], ("A", "B"), run.log)
        # Without cargo: a clear error, nothing else.
        run = self.run_action(self.identity(self.mtls.url), action=checkout)
        self.assertEqual(run.exit_code, 1, run.log)
        self.assertIn("needs cargo", run.stdout)


# `docker` stand-in: records its arguments, then plays the container: runs the binary with only
# the variables passed by --env (as `docker run` does), in --workdir.
DOCKER_SHIM = r'''#!python3
import json, os, sys
args = sys.argv[1:]
with open(os.path.join(os.environ["SHIM_LOG_DIR"], "docker.jsonl"), "a") as f:
    f.write(json.dumps({"argv": args, "runner_temp": os.environ.get("RUNNER_TEMP", "")}) + "\n")
assert args[0] == "run", args
i, names, workdir = 1, [], None
flags = {"--rm"}
while args[i].startswith("--"):
    if args[i] in flags:
        i += 1
        continue
    opt, value = args[i], args[i + 1]
    if opt == "--env":
        names.append(value)
    elif opt == "--workdir":
        workdir = value
    i += 2
image, command = args[i], args[i + 1:]
env = {n: os.environ[n] for n in names if n in os.environ}
env["PATH"] = "/usr/bin:/bin"
binary = os.environ["SHIM_BINARY"]
os.chdir(workdir)
os.execve(binary, [binary, *command], env)
'''

# `cargo` stand-in: records its arguments and puts the binary where a release build would.
CARGO_SHIM = r'''#!python3
import json, os, shutil, sys
args = sys.argv[1:]
with open(os.path.join(os.environ["SHIM_LOG_DIR"], "cargo.json"), "w") as f:
    json.dump(args, f)
target = args[args.index("--target-dir") + 1]
os.makedirs(os.path.join(target, "release"), exist_ok=True)
shutil.copy2(os.environ["SHIM_BINARY"], os.path.join(target, "release", "mtls-scan"))
'''


if __name__ == "__main__":
    started = time.monotonic()
    result = unittest.main(exit=False, verbosity=int(os.environ.get("VERBOSITY", "2"))).result
    print(f"composite action test: {result.testsRun} tests in {time.monotonic() - started:.1f} s", file=sys.stderr)
    sys.exit(0 if result.wasSuccessful() else 1)
