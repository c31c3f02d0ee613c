#!/usr/bin/env python3
"""Pins a release into action.yml: the values the composite action's install step reads.

release.yml runs this in the release commit (the one the version tag and the major tag point
at), and the composite-action test runs it on a copy to make its stand-in release:

    python3 .ci/pin_action.py --release v1.2.3 --repository org/mtls-action \\
        --image ghcr.io/org/mtls-action@sha256:<64 hex> --sha256sums dist/SHA256SUMS \\
        [--action action.yml]

It fills the four empty values between the `>>> pinned by release.yml` and `<<< pinned by
release.yml` comments of action.yml:

    MTLS_SCAN_RELEASE      the tag whose release assets are downloaded (v1.2.3)
    MTLS_SCAN_REPOSITORY   owner/name of that release
    MTLS_SCAN_IMAGE        the image of the Docker fallback, by digest
    MTLS_SCAN_SHA256SUMS   the release's SHA256SUMS, one `<sha256>  <asset>` line per binary

Every value is checked first (tag, repository, digest, one 64-digit checksum for each of the
five assets and nothing else), and an action.yml that is already pinned is refused. Standard
library only: it runs on a bare runner.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

# The assets the install step picks from (runner.os/runner.arch), one per Rust target.
ASSETS = (
    "mtls-scan-x86_64-unknown-linux-gnu",
    "mtls-scan-aarch64-unknown-linux-gnu",
    "mtls-scan-aarch64-apple-darwin",
    "mtls-scan-x86_64-apple-darwin",
    "mtls-scan-x86_64-pc-windows-msvc.exe",
)
BEGIN = "# >>> pinned by release.yml"
END = "# <<< pinned by release.yml"
KEYS = ("MTLS_SCAN_RELEASE", "MTLS_SCAN_REPOSITORY", "MTLS_SCAN_IMAGE", "MTLS_SCAN_SHA256SUMS")

TAG = re.compile(r"^v\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$")
REPOSITORY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]*/[A-Za-z0-9._-]+$")
IMAGE = re.compile(r"^[a-z0-9]+([._/-][a-z0-9]+)*(:[0-9]+)?(/[a-z0-9]+([._-][a-z0-9]+)*)*@sha256:[0-9a-f]{64}$")
SUM_LINE = re.compile(r"^([0-9a-f]{64}) [ *](\S+)$")


class PinError(Exception):
    """A value that cannot be pinned, or an action.yml that cannot take it."""


def parse_sums(text: str) -> list[tuple[str, str]]:
    """The (sha256, asset) pairs of a SHA256SUMS file, checked against ASSETS."""
    pairs = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        m = SUM_LINE.match(line.strip())
        if not m:
            raise PinError(f"SHA256SUMS line {number} is not `<64 lower-case hex>  <file>`: {line!r}")
        pairs.append((m.group(1), m.group(2)))
    names = [name for _, name in pairs]
    if sorted(names) != sorted(ASSETS):
        missing = sorted(set(ASSETS) - set(names))
        extra = sorted(set(names) - set(ASSETS))
        dup = sorted({n for n in names if names.count(n) > 1})
        raise PinError(f"SHA256SUMS must list each asset once: missing {missing}, unknown {extra}, twice {dup}")
    return sorted(pairs, key=lambda p: ASSETS.index(p[1]))


def pin(action: str, release: str, repository: str, image: str, sums: str) -> str:
    """action.yml's text with the release pinned."""
    if not TAG.match(release):
        raise PinError(f"release {release!r} is not a version tag (v1.2.3)")
    if not REPOSITORY.match(repository):
        raise PinError(f"repository {repository!r} is not owner/name")
    if not IMAGE.match(image):
        raise PinError(f"image {image!r} is not pinned by digest (name@sha256:<64 hex>)")
    pairs = parse_sums(sums)

    lines = action.splitlines(keepends=True)
    begins = [i for i, l in enumerate(lines) if l.strip().startswith(BEGIN)]
    ends = [i for i, l in enumerate(lines) if l.strip() == END]
    if len(begins) != 1 or len(ends) != 1 or begins[0] > ends[0]:
        raise PinError(f"action.yml needs one `{BEGIN}` ... `{END}` block")
    values = {
        "MTLS_SCAN_RELEASE": f'"{release}"',
        "MTLS_SCAN_REPOSITORY": f'"{repository}"',
        "MTLS_SCAN_IMAGE": f'"{image}"',
    }
    seen = set()
    out = lines[: begins[0] + 1]
    for line in lines[begins[0] + 1 : ends[0]]:
        m = re.match(r"^(\s*)([A-Z0-9_]+):\s*(.*?)\s*$", line)
        if not m or m.group(2) not in KEYS:
            out.append(line)
            continue
        indent, key, value = m.groups()
        if value != '""':
            raise PinError(f"{key} is already pinned ({value!r}): pin the action.yml of the tagged commit")
        seen.add(key)
        if key == "MTLS_SCAN_SHA256SUMS":
            out.append(f"{indent}{key}: |\n")
            out.extend(f"{indent}  {sha}  {name}\n" for sha, name in pairs)
        else:
            out.append(f"{indent}{key}: {values[key]}\n")
    if seen != set(KEYS):
        raise PinError(f"action.yml lacks the empty values {sorted(set(KEYS) - seen)} in the pinned block")
    out.extend(lines[ends[0] :])
    return "".join(out)


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--release", required=True, help="the version tag, e.g. v1.2.3")
    p.add_argument("--repository", required=True, help="owner/name whose release has the assets")
    p.add_argument("--image", required=True, help="the image by digest: ghcr.io/owner/name@sha256:...")
    p.add_argument("--sha256sums", required=True, type=Path, help="the release's SHA256SUMS file")
    p.add_argument("--action", default=Path("action.yml"), type=Path, help="the action.yml to rewrite")
    a = p.parse_args(argv)
    try:
        text = pin(a.action.read_text(), a.release, a.repository, a.image, a.sha256sums.read_text())
    except (PinError, OSError) as e:
        print(f"pin_action: {e}", file=sys.stderr)
        return 1
    a.action.write_text(text)
    print(f"pin_action: {a.action} now runs the {a.release} binaries of {a.repository} (fallback {a.image})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
