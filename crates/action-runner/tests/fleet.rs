//! Fleet scans through the real binary against the lab: a config with mixed policies and
//! suppressions (one expired), bad configs, shards merged versus one unsharded run, baselines.

#![allow(clippy::expect_used)] // test helpers: a failed setup step should stop the test loudly

mod support;

use std::path::Path;
use std::process::Output;

use mtls_lab::LabCase;
use serde_json::Value;

fn run(args: &[&str]) -> Output {
    support::mtls_scan()
        .args(args)
        .output()
        .expect("run mtls-scan")
}

/// The run exited with `code` (its stderr shown when not).
fn assert_exit(out: &Output, code: i32) {
    assert_eq!(
        out.status.code(),
        Some(code),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("read report")).expect("JSON report")
}

/// (url, finding id, severity, suppressed, implied_by) for every finding, sorted.
fn findings(report: &Value) -> Vec<(String, String, String, bool, Value)> {
    let mut out = Vec::new();
    for t in report["targets"].as_array().expect("targets") {
        for f in t["findings"].as_array().expect("findings") {
            out.push((
                t["url"].as_str().unwrap_or_default().to_owned(),
                f["id"].as_str().unwrap_or_default().to_owned(),
                f["severity"].as_str().unwrap_or_default().to_owned(),
                f.get("suppressed").is_some(),
                f["implied_by"].clone(),
            ));
        }
    }
    out.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    out
}

struct Fleet {
    _rt: tokio::runtime::Runtime,
    lab: mtls_lab::Lab,
    dir: tempfile::TempDir,
}

fn fleet() -> Fleet {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let lab = rt.block_on(mtls_lab::start(&LabCase::ALL)).expect("lab");
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("lab-ca.pem"), &lab.pki.ca_cert_pem).expect("write CA");
    Fleet { _rt: rt, lab, dir }
}

impl Fleet {
    fn url(&self, case: LabCase) -> &str {
        &self.lab.server(case).expect("case").url
    }

    fn config(&self, extra: &str) -> std::path::PathBuf {
        let mut text = String::from(
            "defaults:\n  timeout: 5\n  fail-under: C\n  ca-files: [lab-ca.pem]\ntargets:\n",
        );
        for s in &self.lab.servers {
            text.push_str(&format!(
                "  - url: {}\n    tags: [{}]\n",
                s.url,
                s.case.name()
            ));
            if s.case == LabCase::NoClientAuth {
                text.push_str("    expect: public\n");
            }
        }
        text.push_str(extra);
        let path = self.dir.path().join("mtls-scan.yml");
        std::fs::write(&path, text).expect("write config");
        path
    }
}

#[test]
fn config_with_mixed_policies_and_suppressions() {
    let f = fleet();
    let optional = f.url(LabCase::Optional).trim_end_matches('/').to_owned();
    let accept_any = f.url(LabCase::AcceptAnyCert).to_owned();
    let config = f.config(&format!(
        "suppressions:\n  - id: client-cert-optional\n    target: \"{optional}*\"\n    reason: migration\n    expires: 2999-01-01\n  - id: untrusted-client-cert-accepted\n    target: {accept_any}\n    reason: old exception\n    expires: 2020-01-01\n"
    ));
    let out_json = f.dir.path().join("report.json");
    let out = run(&[
        "scan",
        "--config",
        config.to_str().unwrap_or_default(),
        "--format",
        "json",
        "-o",
        out_json.to_str().unwrap_or_default(),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let report = json(&out_json);
    let targets = report["targets"].as_array().expect("targets");
    let by_url = |u: &str| {
        targets
            .iter()
            .find(|t| t["url"] == u)
            .expect("target in report")
    };

    // expect: public → the finding is info and does not count.
    let public = by_url(f.url(LabCase::NoClientAuth));
    assert_eq!(public["expect"], "public");
    assert_eq!(public["findings"][0]["severity"], "info");
    assert_eq!(public["grade"], "A");
    assert_eq!(public["tags"][0], "no-client-auth");

    // A live suppression: shown, marked, not counted.
    let opt = by_url(f.url(LabCase::Optional));
    let sup = opt["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|x| x["id"] == "client-cert-optional")
        .expect("kept");
    assert_eq!(sup["suppressed"]["reason"], "migration");
    // Nothing else counts; B at best, the probes that need an identity not run.
    assert_eq!(opt["grade"], "B", "{opt}");
    assert!(
        opt["notes"].to_string().contains("graded B at best"),
        "{opt}"
    );
    assert!(
        opt["findings"]
            .as_array()
            .into_iter()
            .flatten()
            .all(|f| f.get("suppressed").is_some() || f["severity"] == "info"),
        "{opt}"
    );

    // An expired suppression stops suppressing and warns.
    let any = by_url(&accept_any);
    assert!(any["findings"][0].get("suppressed").is_none());
    assert_eq!(any["grade"], "F");
    assert!(stderr.contains("expired on 2020-01-01"), "{stderr}");

    // The expired suppression keeps the grade at F, below fail-under C: exit 1.
    assert_eq!(out.status.code(), Some(1), "{stderr}");
}

#[test]
fn bad_configs_exit_2_with_line_and_column() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cases = [
        ("targets:\n  - url: https://a.example/\n    expct: public\n", ":3:5: targets[0]: unknown field `expct`"),
        ("targets:\n  - url: ftp://a.example/\n", ":2:10:"),
        ("targets:\n  - url: https://a.example/\n  - url: https://a.example/\n", ":3:10: duplicate target"),
        (
            "targets:\n  - url: https://a.example/\nsuppressions:\n  - id: client-cert-optional\n    target: x\n    reason: y\n    expires: 31/12/2027\n",
            ":7:14:",
        ),
    ];
    for (text, want) in cases {
        let path = dir.path().join("bad.yml");
        std::fs::write(&path, text).expect("write");
        let out = run(&["scan", "--config", path.to_str().unwrap_or_default()]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{text}: {stderr}");
        assert!(stderr.contains(want), "{text}: wanted {want:?} in {stderr}");
    }
}

#[test]
fn shards_merged_equal_one_unsharded_run_and_baseline_diffs() {
    let f = fleet();
    let config = f.config("");
    let cfg = config.to_str().unwrap_or_default();
    let dir = f.dir.path();
    let whole = dir.join("whole.json");
    let out = run(&[
        "scan",
        "--config",
        cfg,
        "--format",
        "json",
        "-o",
        whole.to_str().unwrap_or_default(),
    ]);
    assert_exit(&out, 1);

    let mut shard_files = Vec::new();
    for i in 1..=3 {
        let p = dir.join(format!("report-{i}.json"));
        let shard = format!("{i}/3");
        let out = run(&[
            "scan",
            "--config",
            cfg,
            "--shard",
            &shard,
            "--format",
            "json",
            "-o",
            p.to_str().unwrap_or_default(),
        ]);
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let n = json(&p)["targets"].as_array().map_or(0, Vec::len);
        let total = f.lab.servers.len();
        assert!(
            n == total / 3 || n == total.div_ceil(3),
            "shard {i} has {n} of {total} targets"
        );
        shard_files.push(p);
    }
    let merged = dir.join("merged.json");
    let sarif = dir.join("merged.sarif");
    let mut args = vec![
        "merge",
        "--config",
        cfg,
        "--format",
        "json",
        "-o",
        merged.to_str().unwrap_or_default(),
        "--sarif",
        sarif.to_str().unwrap_or_default(),
    ];
    args.extend(shard_files.iter().map(|p| p.to_str().unwrap_or_default()));
    let out = run(&args);
    assert_exit(&out, 1);
    let (w, m) = (json(&whole), json(&merged));
    assert_eq!(
        findings(&m),
        findings(&w),
        "merged shards = one unsharded run"
    );
    assert_eq!(m["grade"], w["grade"]);
    assert_eq!(
        m["targets"].as_array().map_or(0, Vec::len),
        f.lab.servers.len()
    );
    assert!(json(&sarif)["runs"][0]["results"]
        .as_array()
        .is_some_and(|r| !r.is_empty()));

    // Shards of another split beside these (2/5 with 1/3): a usage error, exit 2, never a merge
    // with stand-ins for shards that never existed.
    let other_split = dir.join("report-2-of-5.json");
    let mut doc = json(&shard_files[1]);
    doc["shard"] = serde_json::json!({"index": 2, "count": 5});
    std::fs::write(&other_split, doc.to_string()).expect("write");
    let out = run(&[
        "merge",
        "--format",
        "json",
        "-o",
        dir.join("mixed.json").to_str().unwrap_or_default(),
        shard_files[0].to_str().unwrap_or_default(),
        other_split.to_str().unwrap_or_default(),
    ]);
    assert_exit(&out, 2);
    assert!(String::from_utf8_lossy(&out.stderr).contains("different splits (of 3, of 5)"));

    // An output on a report merged would replace it: refused, the shard's report untouched.
    let before = std::fs::read(&shard_files[1]).expect("read");
    let out = run(&[
        "merge",
        "--json",
        shard_files[1].to_str().unwrap_or_default(),
        "-o",
        "/dev/null",
        shard_files[0].to_str().unwrap_or_default(),
        shard_files[1].to_str().unwrap_or_default(),
    ]);
    assert_exit(&out, 2);
    assert!(String::from_utf8_lossy(&out.stderr).contains("to merge name the same file"));
    assert_eq!(std::fs::read(&shard_files[1]).expect("read"), before);

    // A shard that never reported (its job crashed) is no pass: its targets are listed as not
    // scanned and the merge exits 3, even with --fail-under F.
    let partial = dir.join("partial.json");
    // `merge [--config CFG] --fail-under F` of shards 1 and 2 only: exit 3, its stderr.
    let merge_two = |config: &[&str]| {
        let mut args = vec!["merge"];
        args.extend_from_slice(config);
        args.extend([
            "--fail-under",
            "F",
            "--format",
            "json",
            "-o",
            partial.to_str().unwrap_or_default(),
            shard_files[0].to_str().unwrap_or_default(),
            shard_files[1].to_str().unwrap_or_default(),
        ]);
        let out = run(&args);
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(out.status.code(), Some(3), "{stderr}");
        stderr
    };
    merge_two(&["--config", cfg]);
    let p = json(&partial);
    let missing = json(&shard_files[2])["targets"]
        .as_array()
        .map_or(0, Vec::len);
    let unscanned: Vec<&serde_json::Value> = p["targets"]
        .as_array()
        .expect("targets")
        .iter()
        .filter(|t| {
            t["error"]
                .as_str()
                .is_some_and(|e| e.contains("not in any of the merged reports"))
        })
        .collect();
    assert_eq!(unscanned.len(), missing);
    assert_eq!(p["grade"], "F");
    // With the config, its missing targets are listed once, each by its URL: no placeholder for
    // the shard besides them.
    assert_eq!(
        p["targets"].as_array().map_or(0, Vec::len),
        f.lab.servers.len()
    );
    // An earlier whole merge beside a shard run again: the merged report records the shards it
    // holds, so none is missing and the findings decide (before, exit 3, "shard 2/3 did not
    // report", as if the merge's own shards were lost).
    let again = dir.join("again.json");
    let out = run(&[
        "merge",
        "--config",
        cfg,
        "--format",
        "json",
        "-o",
        again.to_str().unwrap_or_default(),
        shard_files[0].to_str().unwrap_or_default(),
        merged.to_str().unwrap_or_default(),
    ]);
    assert_exit(&out, 1);
    assert!(!String::from_utf8_lossy(&out.stderr).contains("did not report"));
    assert_eq!(findings(&json(&again)), findings(&w));
    assert_eq!(json(&merged)["shards"].as_array().map_or(0, Vec::len), 3);
    // Without the config (targets given to each shard job, an `api-url`), the reports say which
    // shard they are: shard 3/3 missing is exit 3 too, and said.
    assert_eq!(json(&shard_files[0])["shard"]["index"], 1);
    assert_eq!(json(&shard_files[0])["shard"]["count"], 3);
    assert!(merge_two(&[]).contains("shard 3/3 did not report"));
    // ... and the merged report itself says it (a target not scanned), so every output does, and
    // merging that report again still fails.
    let unreported: Vec<serde_json::Value> = json(&partial)["targets"]
        .as_array()
        .expect("targets")
        .iter()
        .filter(|t| t["url"] == "shard 3/3")
        .cloned()
        .collect();
    assert_eq!(unreported.len(), 1);
    assert!(unreported[0]["error"]
        .as_str()
        .is_some_and(|e| e.contains("did not report")));
    assert_eq!(json(&partial)["grade"], "F");
    let again = run(&[
        "merge",
        "--format",
        "json",
        partial.to_str().unwrap_or_default(),
    ]);
    assert_eq!(again.status.code(), Some(3));
    // Once shard 3/3 has run again, merged with that partial merge: its stand-in goes, nothing
    // is missing, and the merge equals one unsharded run.
    let completed = dir.join("completed.json");
    let out = run(&[
        "merge",
        "--format",
        "json",
        "-o",
        completed.to_str().unwrap_or_default(),
        partial.to_str().unwrap_or_default(),
        shard_files[2].to_str().unwrap_or_default(),
    ]);
    assert_exit(&out, 1);
    assert!(!String::from_utf8_lossy(&out.stderr).contains("did not report"));
    let c = json(&completed);
    assert_eq!(findings(&c), findings(&w));
    assert_eq!(
        c["targets"].as_array().map_or(0, Vec::len),
        f.lab.servers.len(),
        "no stand-in left for shard 3/3"
    );
    // A report whose shard is no shard is refused (usage, exit 2), never looped over.
    let bogus = dir.join("bogus.json");
    let mut b = json(&shard_files[0]);
    b["shard"] = serde_json::json!({"index": 1, "count": 1_000_000_000_000u64});
    std::fs::write(&bogus, serde_json::to_string(&b).unwrap_or_default()).expect("write");
    let out = run(&[
        "merge",
        "--format",
        "json",
        bogus.to_str().unwrap_or_default(),
    ]);
    assert_exit(&out, 2);
    // All three, without the config: the findings decide (exit 1), as with it.
    let mut args = vec![
        "merge",
        "--format",
        "json",
        "-o",
        partial.to_str().unwrap_or_default(),
    ];
    args.extend(shard_files.iter().map(|p| p.to_str().unwrap_or_default()));
    let out = run(&args);
    assert_exit(&out, 1);
    // Merging nothing at all is not a pass either.
    let empty = dir.join("empty.json");
    std::fs::write(
        &empty,
        r#"{"version":1,"tool":"mtls-scan","grade":"A","score":100,"duration_ms":0,"targets":[]}"#,
    )
    .expect("write");
    let out = run(&[
        "merge",
        "--format",
        "json",
        empty.to_str().unwrap_or_default(),
    ]);
    assert_eq!(out.status.code(), Some(3));

    // Against itself as baseline, nothing is new: --fail-on new passes (exit 0; the lab's
    // subject-authorized server, scanned without client-cert, is incomplete: only warned).
    let again = dir.join("again.json");
    let w_path = whole.to_str().unwrap_or_default();
    let out = run(&[
        "merge",
        "--baseline",
        w_path,
        "--fail-on",
        "new",
        "--fail-on-incomplete",
        "false",
        "--format",
        "json",
        "-o",
        again.to_str().unwrap_or_default(),
        w_path,
    ]);
    assert_exit(&out, 0);
    let again = json(&again);
    assert!(again["targets"]
        .as_array()
        .expect("targets")
        .iter()
        .flat_map(|t| t["findings"].as_array().cloned().unwrap_or_default())
        .all(|f| f["baseline"] == "unchanged"));
}

/// `--format jsonl`: a line per target, written as each finishes (no report kept), with the same
/// findings, marks and grades as the JSON report of the same config, the same exit code, each
/// policy warning once; extra outputs that need the whole report are refused.
#[test]
fn jsonl_streams_what_the_json_report_holds() {
    let f = fleet();
    let accept_any = f.url(LabCase::AcceptAnyCert).to_owned();
    let config = f.config(&format!(
        "suppressions:\n  - id: untrusted-client-cert-accepted\n    target: {accept_any}\n    reason: old exception\n    expires: 2020-01-01\n"
    ));
    let config = config.to_str().unwrap_or_default();
    let out_json = f.dir.path().join("report.json");
    let whole = run(&[
        "scan",
        "--config",
        config,
        "--format",
        "json",
        "-o",
        out_json.to_str().unwrap_or_default(),
    ]);
    let streamed = run(&["scan", "--config", config, "--format", "jsonl"]);
    let stderr = String::from_utf8_lossy(&streamed.stderr);
    let lines: Vec<Value> = String::from_utf8_lossy(&streamed.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON object per line"))
        .collect();
    assert_eq!(lines.len(), f.lab.servers.len(), "{stderr}");
    let as_report = serde_json::json!({ "targets": lines });
    assert_eq!(findings(&as_report), findings(&json(&out_json)));
    let grades = |targets: &[Value]| {
        let mut g: Vec<(String, String)> = targets
            .iter()
            .map(|t| (t["url"].to_string(), t["grade"].to_string()))
            .collect();
        g.sort();
        g
    };
    let whole_report = json(&out_json);
    assert_eq!(
        grades(&lines),
        grades(whole_report["targets"].as_array().expect("targets"))
    );
    assert_eq!(streamed.status.code(), whole.status.code(), "{stderr}");
    assert_eq!(streamed.status.code(), Some(1), "{stderr}");
    assert_eq!(
        stderr.matches("expired on 2020-01-01").count(),
        1,
        "{stderr}"
    );

    // Against a baseline, --fail-on new: the same marks and exit code as the JSON path.
    let base = out_json.to_str().unwrap_or_default();
    let against = |format: &str| {
        run(&[
            "scan",
            "--config",
            config,
            "--format",
            format,
            "--baseline",
            base,
            "--fail-on",
            "new",
            // subject-authorized without client-cert is incomplete: only warned
            "--fail-on-incomplete",
            "false",
        ])
    };
    let (whole, streamed) = (against("json"), against("jsonl"));
    let marks = |targets: Vec<Value>| {
        let mut m: Vec<(String, String, String)> = targets
            .iter()
            .flat_map(|t| {
                let url = t["url"].to_string();
                t["findings"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
                    .into_iter()
                    .map(move |f| (url.clone(), f["id"].to_string(), f["baseline"].to_string()))
            })
            .collect();
        m.sort();
        m
    };
    let whole_report: Value = serde_json::from_slice(&whole.stdout).expect("JSON report");
    let streamed_lines: Vec<Value> = String::from_utf8_lossy(&streamed.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON object per line"))
        .collect();
    let whole_marks = marks(
        whole_report["targets"]
            .as_array()
            .cloned()
            .unwrap_or_default(),
    );
    assert!(!whole_marks.is_empty());
    assert!(
        whole_marks.iter().all(|m| m.2 == "\"unchanged\""),
        "{whole_marks:?}"
    );
    assert_eq!(marks(streamed_lines), whole_marks);
    assert_eq!(streamed.status.code(), whole.status.code());
    assert_eq!(streamed.status.code(), Some(0));

    // Refused before anything is written or scanned.
    let sarif = f.dir.path().join("never.sarif");
    let refused = run(&[
        "scan",
        "--config",
        config,
        "--format",
        "jsonl",
        "--sarif",
        sarif.to_str().unwrap_or_default(),
    ]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("need the whole report"));
    assert!(!sarif.exists());
}

/// A baseline finding this run could not have seen is never reported fixed: with its probe
/// switched off, or with the target down, it is listed as not re-checked (JSON, Markdown) and
/// kept in the SARIF as the baseline's result, so code scanning does not close its alert.
#[test]
fn a_baseline_finding_that_was_not_rechecked_is_not_fixed() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let lab = rt
        .block_on(mtls_lab::start(&[LabCase::IssuerNameOnly]))
        .expect("lab");
    let dir = tempfile::tempdir().expect("tempdir");
    let ca = dir.path().join("lab-ca.pem");
    std::fs::write(&ca, &lab.pki.ca_cert_pem).expect("write CA");
    let url = lab.servers[0].url.clone();
    let path = |name: &str| {
        dir.path()
            .join(name)
            .to_str()
            .unwrap_or_default()
            .to_owned()
    };
    let base = path("base.json");
    let scan = |extra: &[&str], json_out: &str| {
        let mut args = vec!["scan", &url, "--ca-file"];
        let ca = ca.to_str().unwrap_or_default();
        args.push(ca);
        args.extend_from_slice(extra);
        args.extend(["--json", json_out]);
        run(&args)
    };
    assert_exit(&scan(&[], &base), 1);
    let forged = "forged-client-cert-accepted";
    assert!(
        findings(&json(Path::new(&base)))
            .iter()
            .any(|f| f.1 == forged),
        "the lab's issuer-name-only server raises {forged}"
    );
    let kept = |report: &Value| -> Vec<(String, String)> {
        report["not_rechecked"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|n| {
                        (
                            n["finding"]["id"].as_str().unwrap_or_default().to_owned(),
                            n["why"].as_str().unwrap_or_default().to_owned(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    };

    let (now, sarif, md) = (path("now.json"), path("now.sarif"), path("now.md"));
    let out = scan(
        &[
            "--skip-probe",
            "forged-client-cert",
            "--baseline",
            &base,
            "--sarif",
            &sarif,
            "--markdown",
            &md,
        ],
        &now,
    );
    let report = json(Path::new(&now));
    assert!(
        report["fixed"].as_array().is_none_or(Vec::is_empty),
        "{}",
        report["fixed"]
    );
    assert_eq!(
        kept(&report),
        vec![(
            forged.to_owned(),
            "forged-client-cert was not run: switched off".to_owned()
        )]
    );
    let results = json(Path::new(&sarif))["runs"][0]["results"].clone();
    let carried: Vec<&Value> = results
        .as_array()
        .expect("results")
        .iter()
        .filter(|r| {
            r["message"]["text"].as_str().is_some_and(|m| {
                m.starts_with("Not re-checked in this run (forged-client-cert was not run")
            })
        })
        .collect();
    assert_eq!(carried.len(), 1, "{results}");
    assert_eq!(carried[0]["baselineState"], "unchanged");
    let md = std::fs::read_to_string(&md).expect("markdown");
    assert!(
        md.contains("1 finding of the baseline not re-checked"),
        "{md}"
    );
    assert!(!md.contains("of the baseline fixed"), "{md}");
    assert!(matches!(out.status.code(), Some(0 | 1)));
    // A JSON Lines stream has no `not_rechecked`: stderr counts them (a review's went unsaid).
    let lines = run(&[
        "scan",
        &url,
        "--ca-file",
        ca.to_str().unwrap_or_default(),
        "--skip-probe",
        "forged-client-cert",
        "--baseline",
        &base,
        "--format",
        "jsonl",
    ]);
    let stderr = String::from_utf8_lossy(&lines.stderr);
    assert!(
        stderr.contains("warning: 1 finding of the baseline was not re-checked"),
        "{stderr}"
    );

    // The target down: nothing of the baseline is fixed; exit 3.
    drop(lab);
    drop(rt);
    let down = path("down.json");
    let out = scan(&["--timeout", "2", "--baseline", &base], &down);
    assert_exit(&out, 3);
    let report = json(Path::new(&down));
    assert!(
        report["fixed"].as_array().is_none_or(Vec::is_empty),
        "{}",
        report["fixed"]
    );
    let why = kept(&report);
    assert!(
        why.iter()
            .any(|(id, why)| id == forged && why.starts_with("the target was not scanned")),
        "{why:?}"
    );
}

/// Shards of a config plus a URL given on each job's command line: the shard that held only the
/// command-line URL never reported. The config cannot show it, so `merge --config` says the
/// shard did not report and exits 3 (before the fix: exit 0, its F target gone).
#[test]
fn a_missing_shard_of_command_line_targets_is_no_pass() {
    let f = fleet();
    let dir = f.dir.path();
    let cfg = dir.join("one.yml");
    std::fs::write(
        &cfg,
        format!(
            "defaults:\n  timeout: 5\n  ca-files: [lab-ca.pem]\ntargets:\n  - url: {}\n",
            f.url(LabCase::RequiredVerified)
        ),
    )
    .expect("config");
    let cfg = cfg.to_str().unwrap_or_default();
    let shard2 = dir.join("shard2.json");
    // Shard 1/2 holds the command-line URL (given first), shard 2/2 the config's.
    let out = run(&[
        "scan",
        f.url(LabCase::NoClientAuth),
        "--config",
        cfg,
        "--shard",
        "2/2",
        "--format",
        "json",
        "-o",
        shard2.to_str().unwrap_or_default(),
        "--fail-under",
        "none",
    ]);
    assert!(matches!(out.status.code(), Some(0 | 1 | 3)), "{out:?}");
    let urls: Vec<String> = json(&shard2)["targets"]
        .as_array()
        .expect("targets")
        .iter()
        .filter_map(|t| t["url"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(urls, [f.url(LabCase::RequiredVerified)]);
    let out = run(&[
        "merge",
        "--config",
        cfg,
        shard2.to_str().unwrap_or_default(),
    ]);
    assert_exit(&out, 3);
    assert!(String::from_utf8_lossy(&out.stderr).contains("shard 1/2 did not report"));
}

/// Shards cut from different target lists (review T: shard 1/2 of one config beside shard 2/2
/// of another that lists only good targets merged into A, exit 0, the first list's other
/// targets never scanned) are refused, exit 2, naming why; shards of one list merge.
#[test]
fn shards_of_different_target_lists_are_not_merged() {
    let f = fleet();
    let dir = f.dir.path();
    let shard = |name: &str, urls: &[&str], which: &str| {
        let out_path = dir.join(name);
        let mut args = vec!["scan"];
        args.extend_from_slice(urls);
        let ca = dir.join("lab-ca.pem");
        let ca = ca.to_str().unwrap_or_default().to_owned();
        let path = out_path.to_str().unwrap_or_default().to_owned();
        let mut all: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
        all.extend(
            [
                "--ca-file",
                &ca,
                "--shard",
                which,
                "--format",
                "json",
                "-o",
                &path,
                "--fail-under",
                "none",
            ]
            .map(str::to_owned),
        );
        let refs: Vec<&str> = all.iter().map(String::as_str).collect();
        let out = run(&refs);
        assert!(matches!(out.status.code(), Some(0 | 1 | 3)), "{out:?}");
        path
    };
    let (good, bad) = (
        f.url(LabCase::RequiredVerified),
        f.url(LabCase::NoClientAuth),
    );
    let one = shard("l1.json", &[good, bad], "1/2");
    // The same targets in another order: its shard 2/2 holds `good` again, `bad` in neither.
    let other = shard("l2.json", &[bad, good], "2/2");
    let out = run(&["merge", &one, &other]);
    assert_exit(&out, 2);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("shards of different target lists"),
        "{out:?}"
    );
    let same = shard("l3.json", &[good, bad], "2/2");
    let out = run(&["merge", &one, &same, "--fail-under", "none"]);
    assert_exit(&out, 0);
}

/// A shard that holds no target scanned nothing: never grade A, exit 3 (as a merge of no
/// target), with the reason; the Markdown shows no grade, the JSON report grade F and score 0
/// (review U: it said A and 100, which `jq .grade` reads as a pass).
#[test]
fn a_shard_without_targets_is_no_pass() {
    let f = fleet();
    let config = f.config("");
    let n = f.lab.servers.len() + 1;
    let shard = format!("{n}/{n}");
    let md = f.dir.path().join("empty.md");
    let json = f.dir.path().join("empty.json");
    let sarif = f.dir.path().join("empty.sarif");
    let out = run(&[
        "scan",
        "--config",
        config.to_str().unwrap_or_default(),
        "--shard",
        &shard,
        "--markdown",
        md.to_str().unwrap_or_default(),
        "--json",
        json.to_str().unwrap_or_default(),
        "--sarif",
        sarif.to_str().unwrap_or_default(),
    ]);
    assert_exit(&out, 3);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("error: shard {shard} holds no target")),
        "{stderr}"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!stdout.contains("grade A"), "{stdout}");
    let md = std::fs::read_to_string(&md).expect("markdown");
    assert!(
        md.starts_with("## ❌ mtls-scan: no target was scanned"),
        "{md}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).expect("json")).expect("parsed");
    assert_eq!((&json["grade"], &json["score"]), (&"F".into(), &0.into()));
    // The SARIF too: no results, and the run says it did not succeed, and why.
    let sarif = self::json(&sarif);
    let invocation = &sarif["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false, "{sarif}");
    assert!(
        invocation["toolExecutionNotifications"]
            .to_string()
            .contains("no target was scanned"),
        "{sarif}"
    );
}

/// A target that could not be reached beside one that was: exit 3, and stderr says which and why
/// in the Action's words ("1 of 2 targets could not be scanned: URL (why)"), not only the report.
#[test]
fn an_unreachable_target_is_named_on_stderr() {
    let f = fleet();
    // A port nothing listens on, from the tests' allocator (below the kernel's ephemeral range:
    // no other test's listener can take it meanwhile).
    let port = support::real_servers::free_ports(1)[0];
    let down = format!("https://127.0.0.1:{port}/");
    let ca = f.dir.path().join("lab-ca.pem");
    let out = run(&[
        "scan",
        f.url(LabCase::RequiredVerified),
        &down,
        "--ca-file",
        ca.to_str().unwrap_or_default(),
        "--timeout",
        "5",
    ]);
    assert_exit(&out, 3);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let want = format!("error: 1 of 2 targets could not be scanned: {down} (");
    assert!(stderr.contains(&want), "wanted {want:?} in {stderr}");
    assert!(stderr.contains("(exit 3)"), "{stderr}");
}
