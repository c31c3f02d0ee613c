#!/usr/bin/env python3
"""Validates every SARIF file the tests wrote, as GitHub code scanning would take them.

    MTLS_SCAN_SARIF_DIR=/tmp/sarif cargo test -p action-runner
    python3 .ci/check_sarif.py /tmp/sarif [--min N]

The test harness (tests/support/step.rs, check_sarif) copies each SARIF it checks to
$MTLS_SCAN_SARIF_DIR/<test name>/<n>.sarif. This script checks each file against the official
SARIF 2.1.0 schema (crates/action-runner/tests/data/sarif-schema-2.1.0.json, draft 4) and the
rules code scanning applies or relies on:

- every run has automationDetails.id `mtls-scan/.../` (a category), and the shards a test wrote
  have distinct categories (uploaded together they would be refused, one by one they would
  replace each other);
- every result has exactly one location: a file with a complete region (start and end line and
  column, end after start), and partialFingerprints.primaryLocationLineHash, distinct per rule
  and target within the run;
- suppressions on every result of a run or on none;
- a rule's help and helpUri are the same in every file (rule help never changes from scan to
  scan), a rule with security-severity is a security rule, and a result's level and severity
  match its rule's (a lowered finding uses a variant rule);
- ruleIndex points at the rule named by ruleId.

Exit 1 with every problem listed; exit 2 when too few files were found (the tests did not write
them: the variable was not passed).
"""

import json
import os
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = ROOT / "crates/action-runner/tests/data/sarif-schema-2.1.0.json"
SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0", "info": None}
LEVEL = {"critical": "error", "high": "error", "medium": "warning", "low": "warning", "info": "note"}


def main(argv):
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__)
        return 2
    top = Path(argv[0])
    minimum = 1
    if "--min" in argv:
        minimum = int(argv[argv.index("--min") + 1])
    try:
        import jsonschema
    except ImportError:
        print("check_sarif.py: needs the jsonschema package (python3 -m pip install jsonschema)")
        return 2
    validator = jsonschema.Draft4Validator(json.loads(SCHEMA.read_text()))
    files = sorted(top.rglob("*.sarif"))
    if len(files) < minimum:
        print(f"check_sarif.py: {len(files)} SARIF files under {top}, expected at least {minimum}")
        return 2
    problems = []
    helps = {}
    categories = defaultdict(list)  # test dir -> [(file, id)]
    for f in files:
        where = f.relative_to(top)
        try:
            sarif = json.loads(f.read_text())
        except ValueError as e:
            problems.append(f"{where}: not JSON: {e}")
            continue
        for e in validator.iter_errors(sarif):
            problems.append(f"{where}: schema: {e.message} at /{'/'.join(map(str, e.path))}")
        for r, run in enumerate(sarif.get("runs", [])):
            problems += [f"{where} run {r}: {p}" for p in check_run(run, helps)]
            aid = run.get("automationDetails", {}).get("id", "")
            categories[f.parent].append((where, aid))
    for d, ids in categories.items():
        shards = [(w, i) for w, i in ids if "/shard-" in i]
        seen = {}
        for w, i in shards:
            # The same shard may be written twice by one test (e.g. a rerun); different shards
            # must differ.
            shard = i.rsplit("/shard-", 1)[1]
            for other, (ow, oi) in seen.items():
                if other != shard and oi == i:
                    problems.append(f"{w}: category {i} shared with {ow}")
            seen[shard] = (w, i)
    for p in problems:
        print(p)
    print(f"check_sarif.py: {len(files)} files, {len(problems)} problems")
    return 1 if problems else 0


def check_run(run, helps):
    out = []
    aid = run.get("automationDetails", {}).get("id")
    if not (isinstance(aid, str) and aid.startswith("mtls-scan/") and aid.endswith("/")):
        out.append(f"automationDetails.id {aid!r} is not mtls-scan/<category>/")
    rules = run.get("tool", {}).get("driver", {}).get("rules", [])
    by_id = {}
    for rule in rules:
        rid = rule.get("id")
        by_id[rid] = rule
        key = json.dumps([rule.get("help"), rule.get("helpUri")], sort_keys=True)
        if not rule.get("helpUri", "").startswith("https://"):
            out.append(f"rule {rid}: no helpUri")
        if helps.setdefault(rid, key) != key:
            out.append(f"rule {rid}: its help differs from another scan's")
        props = rule.get("properties", {})
        tags = props.get("tags", [])
        sev = props.get("security-severity")
        if sev is not None and "security" not in tags:
            out.append(f"rule {rid}: security-severity without the security tag")
        if sev is None and rule.get("defaultConfiguration", {}).get("level") != "note":
            out.append(f"rule {rid}: no security-severity on a rule that is not a note")
    results = run.get("results", [])
    with_suppressions = sum(1 for r in results if "suppressions" in r)
    if with_suppressions not in (0, len(results)):
        out.append(f"suppressions on {with_suppressions} of {len(results)} results (all or none)")
    hashes = {}
    for n, res in enumerate(results):
        rid = res.get("ruleId")
        rule = by_id.get(rid)
        if rule is None:
            out.append(f"result {n}: rule {rid} is not in the driver's rules")
            continue
        idx = res.get("ruleIndex")
        if idx is None or idx >= len(rules) or rules[idx].get("id") != rid:
            out.append(f"result {n}: ruleIndex {idx} does not name {rid}")
        locs = res.get("locations", [])
        if len(locs) != 1:
            out.append(f"result {n}: {len(locs)} locations, expected 1")
        else:
            phys = locs[0].get("physicalLocation", {})
            if not phys.get("artifactLocation", {}).get("uri"):
                out.append(f"result {n}: no artifact uri")
            reg = phys.get("region", {})
            keys = ("startLine", "startColumn", "endLine", "endColumn")
            if not all(isinstance(reg.get(k), int) and reg[k] >= 1 for k in keys):
                out.append(f"result {n}: incomplete region {reg}")
            elif (reg["endLine"], reg["endColumn"]) <= (reg["startLine"], reg["startColumn"]):
                out.append(f"result {n}: region ends before it starts {reg}")
        fp = res.get("partialFingerprints", {}).get("primaryLocationLineHash")
        if not fp:
            out.append(f"result {n}: no primaryLocationLineHash")
        else:
            target = res.get("properties", {}).get("url")
            base = rid.split("/")[0]
            prev = hashes.setdefault(fp, (base, target))
            if prev != (base, target):
                out.append(f"result {n}: primaryLocationLineHash shared by {prev} and {(base, target)}")
        severity = res.get("properties", {}).get("severity")
        if severity in SEVERITY:
            want = SEVERITY[severity]
            got = rule.get("properties", {}).get("security-severity")
            if got != want:
                out.append(f"result {n}: shown as {severity} but its rule {rid} says security-severity {got}")
            if res.get("level") != LEVEL[severity]:
                out.append(f"result {n}: level {res.get('level')} for a {severity} finding")
    return out


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
