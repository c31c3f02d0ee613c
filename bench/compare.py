#!/usr/bin/env python3
"""Speed comparison: mtls-scan against sslyze and testssl.sh, on the same local servers, in one run.

Starts the in-process lab (crates/probe-core/examples/lab_server.rs: one rustls server per
client-auth case on 127.0.0.1), scans every endpoint with each tool, one process per endpoint and
scan, and prints per-endpoint medians, the ratios, mtls-scan's per-probe breakdown (from its JSON
`ms` fields) and the round trips each endpoint costs.

What each tool runs (the smallest scan that answers "does this endpoint require a client
certificate?"):
  mtls-scan  `mtls-scan scan --format json URL`: its full suite (every probe, TLS 1.3 and 1.2).
  sslyze     `sslyze --certinfo HOST:PORT`: its connectivity test (where it detects client auth)
             plus the certificate. `--sslyze-full` adds its default full scan, once per endpoint.
  testssl.sh `testssl -S URL`: server defaults, where it reports the CertificateRequest.

Installs what is missing: sslyze from PyPI into bench/.venv (git-ignored), testssl.sh from
Debian's `testssl.sh` package (apt-get, needs root), and builds mtls-scan and the lab in release.

    python3 bench/compare.py [--runs 7] [--sslyze-runs 3] [--testssl-runs 1] [--cases a,b] ...
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / "bench" / ".venv"


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, **kw)


def ensure_sslyze():
    exe = VENV / "bin" / "sslyze"
    if not exe.exists():
        log("installing sslyze into bench/.venv (PyPI)")
        run([sys.executable, "-m", "venv", str(VENV)])
        run([str(VENV / "bin" / "pip"), "install", "-q", "sslyze"])
    return str(exe)


def ensure_testssl():
    for name in ("testssl", "testssl.sh"):
        if shutil.which(name):
            return shutil.which(name)
    log("installing testssl.sh (Debian package testssl.sh)")
    try:
        if subprocess.run(["apt-get", "install", "-y", "-q", "testssl.sh"]).returncode != 0:
            run(["apt-get", "update", "-q"])
            run(["apt-get", "install", "-y", "-q", "testssl.sh"])
    except (OSError, subprocess.CalledProcessError) as e:
        log(f"testssl.sh unavailable ({e}); skipping it")
        return None
    return shutil.which("testssl") or shutil.which("testssl.sh")


def build():
    log("building mtls-scan and the lab (release)")
    run(["cargo", "build", "--release", "--quiet", "-p", "action-runner", "--bin", "mtls-scan"], cwd=ROOT)
    run(["cargo", "build", "--release", "--quiet", "-p", "probe-core", "--example", "lab_server"], cwd=ROOT)


def target_dir():
    out = subprocess.run(
        ["cargo", "metadata", "--format-version", "1", "--no-deps"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    )
    return Path(json.loads(out.stdout)["target_directory"])


def start_lab(exe):
    env = dict(os.environ, LAB_SERVER_SECONDS="3600")
    proc = subprocess.Popen([str(exe)], stdout=subprocess.PIPE, text=True, env=env)
    servers = []
    for line in proc.stdout:
        line = line.strip()
        if line == "ready":
            break
        case, url = line.split(" ", 1)
        servers.append((case, url))
    return proc, servers


def timed(cmd, timeout=600):
    t0 = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    return time.perf_counter() - t0, p


def host_port(url):
    return url.split("://", 1)[1].split("/", 1)[0]


def mtls_scan(exe, urls):
    wall, p = timed([str(exe), "scan", "--format", "json", "--color", "never", *urls])
    try:
        report = json.loads(p.stdout)
    except json.JSONDecodeError:
        log(f"mtls-scan gave no JSON (exit {p.returncode}): {p.stderr[-500:]}")
        report = None
    return wall, report


def sslyze(exe, url, full=False):
    with tempfile.TemporaryDirectory() as d:
        out = Path(d) / "out.json"
        args = [exe, "--quiet", f"--json_out={out}"]
        if not full:
            args.append("--certinfo")
        wall, p = timed(args + [host_port(url)])
        verdict = "?"
        try:
            data = json.loads(out.read_text())
            conn = data["server_scan_results"][0].get("connectivity_result") or {}
            verdict = (conn.get("client_auth_requirement") or "?").lower()
        except (OSError, ValueError, KeyError, IndexError):
            verdict = f"exit {p.returncode}"
    return wall, verdict


def testssl(exe, url):
    with tempfile.TemporaryDirectory() as d:
        out = Path(d) / "out.json"
        wall, p = timed([exe, "--quiet", "--color", "0", "--warnings", "off", "--jsonfile", str(out), "-S", url])
        verdict = "?"
        try:
            for item in json.loads(out.read_text()):
                if item.get("id", "").lower() in ("clientauth", "client_auth", "cert_clientauth"):
                    verdict = item.get("finding", "?")
        except (OSError, ValueError):
            verdict = f"exit {p.returncode}"
    return wall, verdict


def rtts(target):
    """Round trips on the critical path, from the report: probes run concurrently, so each
    phase costs its slowest connection: TCP (1) + TLS (1 for 1.3, 2 for 1.2) + the request, when
    the handshake completed (1). Phases: the probes, then the configuration paths (they wait for
    the first answer)."""
    def conn(version, http):
        return 1 + (1 if version == "1.3" else 2) + (1 if http else 0)

    first = 0
    for p in target.get("probes", []):
        completed = p.get("http_status") is not None or p.get("tls_version") == "1.3"
        first = max(first, conn(p.get("tls_version"), completed))
    config = 0
    for c in target.get("config_probes", []) or []:
        config = max(config, conn(c.get("tls_version") or "1.3", True))
    return first, config


def fmt_ms(s):
    return f"{s * 1000:9.1f}"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=7, help="mtls-scan runs per endpoint (median)")
    ap.add_argument("--sslyze-runs", type=int, default=3)
    ap.add_argument("--testssl-runs", type=int, default=1)
    ap.add_argument("--sslyze-full", action="store_true", help="also time sslyze's default full scan once")
    ap.add_argument("--cases", help="comma-separated lab cases (default: all)")
    ap.add_argument("--skip-build", action="store_true")
    ap.add_argument("--no-testssl", action="store_true")
    args = ap.parse_args()

    if not args.skip_build:
        build()
    tdir = target_dir()
    mtls = tdir / "release" / "mtls-scan"
    lab_exe = tdir / "release" / "examples" / "lab_server"
    sslyze_exe = ensure_sslyze()
    testssl_exe = None if args.no_testssl else ensure_testssl()

    lab, servers = start_lab(lab_exe)
    try:
        if args.cases:
            keep = set(args.cases.split(","))
            servers = [s for s in servers if s[0] in keep]
        log(f"lab: {len(servers)} endpoints; warming up")
        mtls_scan(mtls, [servers[0][1]])
        sslyze(sslyze_exe, servers[0][1])

        rows = []
        for case, url in servers:
            log(f"{case}: mtls-scan x{args.runs}, sslyze x{args.sslyze_runs}, testssl x{args.testssl_runs if testssl_exe else 0}")
            m_walls, inproc, report = [], [], None
            for _ in range(args.runs):
                w, r = mtls_scan(mtls, [url])
                m_walls.append(w)
                if r:
                    report = r
                    inproc.append(r["duration_ms"] / 1000)
            s_walls, s_verdict = [], "?"
            for _ in range(args.sslyze_runs):
                w, s_verdict = sslyze(sslyze_exe, url)
                s_walls.append(w)
            s_full = sslyze(sslyze_exe, url, full=True)[0] if args.sslyze_full else None
            t_walls, t_verdict = [], "-"
            for _ in range(args.testssl_runs if testssl_exe else 0):
                w, t_verdict = testssl(testssl_exe, url)
                t_walls.append(w)
            rows.append({
                "case": case, "url": url, "report": report,
                "mtls": statistics.median(m_walls), "mtls_inproc": statistics.median(inproc) if inproc else None,
                "sslyze": statistics.median(s_walls), "sslyze_verdict": s_verdict, "sslyze_full": s_full,
                "testssl": statistics.median(t_walls) if t_walls else None, "testssl_verdict": t_verdict,
            })

        all_walls, all_inproc = [], []
        for _ in range(args.runs):
            w, r = mtls_scan(mtls, [u for _, u in servers])
            all_walls.append(w)
            if r:
                all_inproc.append(r["duration_ms"] / 1000)
    finally:
        lab.terminate()
        try:
            lab.wait(timeout=10)
        except subprocess.TimeoutExpired:
            lab.kill()

    print("\n## Per endpoint: median wall time of one process per scan (ms)\n")
    print(f"{'endpoint':<20} {'mtls-scan':>9} {'(in-proc)':>9} {'sslyze':>9} {'ratio':>7} {'testssl':>9} {'ratio':>7}  "
          f"{'mtls-scan says':<10} {'sslyze says':<11} testssl says")
    tot = {"mtls": 0.0, "sslyze": 0.0, "testssl": 0.0}
    for r in rows:
        t = r["report"]["targets"][0] if r["report"] else {}
        tot["mtls"] += r["mtls"]
        tot["sslyze"] += r["sslyze"]
        tot["testssl"] += r["testssl"] or 0.0
        ts = fmt_ms(r["testssl"]) if r["testssl"] else f"{'-':>9}"
        tr = f"{r['testssl'] / r['mtls']:6.0f}x" if r["testssl"] else f"{'-':>7}"
        ip = fmt_ms(r["mtls_inproc"]) if r["mtls_inproc"] else f"{'-':>9}"
        print(f"{r['case']:<20} {fmt_ms(r['mtls'])} {ip} {fmt_ms(r['sslyze'])} {r['sslyze'] / r['mtls']:6.0f}x {ts} {tr}  "
              f"{t.get('client_auth', '?'):<10} {r['sslyze_verdict']:<11} {r['testssl_verdict']}")
    print(f"{'sum':<20} {fmt_ms(tot['mtls'])} {'':>9} {fmt_ms(tot['sslyze'])} {tot['sslyze'] / tot['mtls']:6.0f}x "
          + (f"{fmt_ms(tot['testssl'])} {tot['testssl'] / tot['mtls']:6.0f}x" if tot["testssl"] else ""))
    if all_walls:
        print(f"\nmtls-scan, all {len(servers)} endpoints in one process: median {statistics.median(all_walls) * 1000:.1f} ms wall"
              + (f", {statistics.median(all_inproc) * 1000:.1f} ms in-process" if all_inproc else "")
              + f"; sslyze over the same endpoints (sum of medians): {tot['sslyze'] * 1000:.0f} ms"
              + f" = {tot['sslyze'] / statistics.median(all_walls):.0f}x")
    if any(r["sslyze_full"] for r in rows):
        full = sum(r["sslyze_full"] for r in rows)
        print(f"sslyze default full scan, sum over endpoints: {full * 1000:.0f} ms = {full / tot['mtls']:.0f}x mtls-scan")

    print("\n## mtls-scan per-probe breakdown (ms, last run; probes run concurrently)\n")
    for r in rows:
        if not r["report"]:
            continue
        t = r["report"]["targets"][0]
        probes = t.get("probes", [])
        config = t.get("config_probes", []) or []
        first, cfg = rtts(t)
        parts = ", ".join(f"{p['id']}@{p['tls_version']} {p['ms']:.1f}" for p in probes)
        print(f"{r['case']}: {len(probes)} probes + {len(config)} config paths = {len(probes) + len(config)} TCP connections; "
              f"scan {r['report']['duration_ms']:.1f} ms; critical path {first} RTT"
              + (f" + {cfg} RTT (config paths, after the first answers)" if cfg else ""))
        print(f"    {parts}")
        if config:
            print("    config: " + ", ".join(f"{c['path']} {c['ms']:.1f}" for c in config))


if __name__ == "__main__":
    main()
