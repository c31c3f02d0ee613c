//! The GitHub Action's runner contract, end to end and without Docker: the built binary runs as
//! the runner runs it (`mtls-scan action`, inputs in `INPUT_*` with hyphens kept, a clean
//! environment, temporary files for `GITHUB_OUTPUT`, `GITHUB_STEP_SUMMARY` and `GITHUB_ENV`, a
//! `pull_request` event, a workspace), against lab servers started in this process. Each test
//! parses every line of stdout as the runner does (honouring `::stop-commands::`) and checks the
//! files, the exit code, and the SARIF against the official SARIF 2.1.0 schema.

// `serde_json::Value` indexing never panics (a missing key or index is `Null`), and it keeps the
// SARIF and report checks readable.
#![allow(clippy::indexing_slicing)]

mod support;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use mtls_lab::LabCase;
use serde_json::Value;
use support::step::{
    check_markdown, check_sarif, check_secret, check_stdout, parse_stdout, Cmd, Line, Ran, Step,
    TOKEN, WORKFLOW,
};
use support::{lab, mtls_scan, runtime, urls, TestResult};

/// A server task, stopped when the test's runtime drops.
type Task = tokio::task::JoinHandle<()>;

// ---------------------------------------------------------------------------------------------
// The tests
// ---------------------------------------------------------------------------------------------

/// Exit 0: a correctly configured server, scanned with every identity input (the key as PEM text
/// from a secret, the other PEMs as workspace paths, the CA as text): grade A, no annotation, the
/// outputs, summary, JSON report and SARIF, and no key line anywhere but in the masks.
#[test]
fn passing_scan_writes_every_artifact_and_masks_keys() -> TestResult {
    let rt = runtime()?;
    let lab = lab(&rt, &[LabCase::RequiredVerified])?;
    let ran = Step::new()?
        .file("pki/client.pem", &lab.pki.client_cert_pem)?
        .file("pki/ca.pem", &lab.pki.ca_cert_pem)?
        .file("pki/ca-key.pem", &lab.pki.ca_key_pem)?
        .input("api-url", &urls(&lab))
        .input("ca-file", &lab.pki.ca_cert_pem)
        .input("client-cert", "pki/client.pem")
        .input("client-key", &lab.pki.client_key_pem)
        .input("issuing-ca-cert", "pki/ca.pem")
        .input("issuing-ca-key", "pki/ca-key.pem")
        .run()?;
    assert_eq!(ran.code, Some(0), "{}", ran.explain());
    check_stdout(&ran)?;
    assert!(
        ran.named("error")?.is_empty() && ran.named("warning")?.is_empty(),
        "{}",
        ran.explain()
    );
    assert!(
        ran.stdout
            .lines()
            .any(|l| l == "Grade A (score 100) meets the threshold C: 0 findings, 0 critical."),
        "{}",
        ran.explain()
    );

    let outputs = ran.outputs()?;
    let want: BTreeMap<String, String> = [
        ("grade", "A"),
        ("score", "100"),
        ("findings", "0"),
        ("critical", "0"),
        ("high", "0"),
        ("new", ""),
        ("incomplete", "0"),
        ("report", "mtls-scan-report.json"),
        ("sarif-file", "mtls-scan.sarif"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    assert_eq!(outputs, want);

    let report = ran.json("mtls-scan-report.json")?;
    assert_eq!(report["grade"], "A");
    assert_eq!(report["targets"][0]["verification"], "verified");
    check_sarif(&ran.json("mtls-scan.sarif")?, WORKFLOW)?;
    check_markdown(&ran.summary);
    assert!(
        ran.summary.starts_with("## ✅ mtls-scan: grade A\n"),
        "{}",
        ran.summary
    );
    assert!(
        ran.summary.contains("| **A** | 100 | C | 1 | 0 | 0 |"),
        "{}",
        ran.summary
    );
    assert!(ran.summary.contains("The grade A meets the threshold C."));

    // Masks: the token and both keys (the CA key was read from a file), line by line, first.
    check_secret(&ran, TOKEN)?;
    check_secret(&ran, &lab.pki.client_key_pem)?;
    check_secret(&ran, &lab.pki.ca_key_pem)?;
    Ok(())
}

/// Exit 1: twelve servers with a critical root cause each. Ten error annotations, worst first, with
/// title and fix; implied findings folded; one notice for the rest; a final error that states the
/// grade and the threshold. The SARIF has every root finding and passes the schema.
#[test]
fn failing_grade_annotates_worst_first_capped_and_ends_with_the_threshold() -> TestResult {
    let rt = runtime()?;
    let cases: Vec<LabCase> = [
        LabCase::NoClientAuth,
        LabCase::Optional,
        LabCase::AcceptAnyCert,
    ]
    .repeat(4);
    let lab = lab(&rt, &cases)?;
    let ran = Step::new()?
        .input("api-url", &format!("{}\n", urls(&lab)))
        .input("ca-file", &lab.pki.ca_cert_pem)
        .input("fail-under", "b")
        .input("config", "mtls-scan.yml")
        .file(
            "mtls-scan.yml",
            &format!("targets:\n  - url: {}\n", lab.servers[0].url),
        )?
        .run()?;
    assert_eq!(ran.code, Some(1), "{}", ran.explain());
    check_stdout(&ran)?;
    let report = ran.json("mtls-scan-report.json")?;
    let levels: Vec<&str> = report["targets"]
        .as_array()
        .ok_or("no targets")?
        .iter()
        .flat_map(|t| t["findings"].as_array().cloned().unwrap_or_default())
        .filter(|f| f["implied_by"].is_null())
        .map(|f| match f["severity"].as_str() {
            Some("critical" | "high") => "error",
            Some("medium" | "low") => "warning",
            _ => "notice",
        })
        .collect();
    let roots = levels.len();
    // GitHub shows 10 annotations per level and step: one error is kept for the final one.
    let overflow: usize = [("error", 9), ("warning", 10), ("notice", 10)]
        .iter()
        .map(|(l, cap)| {
            levels
                .iter()
                .filter(|x| *x == l)
                .count()
                .saturating_sub(*cap)
        })
        .sum();
    let all_findings: usize = report["targets"].as_array().map_or(0, |t| {
        t.iter()
            .map(|t| t["findings"].as_array().map_or(0, Vec::len))
            .sum()
    });
    assert!(roots >= 12, "{roots}");

    let cmds = ran.commands()?;
    let errors: Vec<&Cmd> = cmds.iter().filter(|c| c.name == "error").collect();
    // Nine finding annotations, then the final threshold error: ten, all shown by GitHub.
    assert_eq!(errors.len(), 10, "{}", ran.explain());
    for e in errors.iter().take(9) {
        assert!(
            e.props
                .get("title")
                .is_some_and(|t| t.starts_with("mtls-scan: ") && t.contains("127.0.0.1:")),
            "{e:?}"
        );
        assert!(
            e.message.starts_with("[critical] ") && e.message.contains(" on https://127.0.0.1:"),
            "{e:?}"
        );
        assert!(
            e.message.contains(". Fix: ") && !e.message.contains('\n'),
            "{e:?}"
        );
    }
    assert!(
        errors.iter().any(|e| e
            .message
            .contains("Also implied by this root cause: forged-client-cert-accepted")),
        "implied findings are folded under their root cause"
    );
    assert!(!cmds.iter().any(|c| c
        .props
        .get("title")
        .is_some_and(|t| t.contains("forged-client-cert-accepted"))));
    let notices: Vec<&Cmd> = cmds.iter().filter(|c| c.name == "notice").collect();
    let more = notices.last().ok_or("no overflow notice")?;
    assert!(
        more.message
            .starts_with(&format!("{overflow} more findings are not annotated"))
            && more
                .message
                .contains("see the job summary and the SARIF file mtls-scan.sarif"),
        "{more:?}"
    );
    let last = cmds.last().ok_or("no commands")?;
    assert_eq!(last.name, "error");
    let score = report["score"].as_u64().ok_or("no score")?;
    assert!(
        last.message.starts_with(&format!(
            "Grade F (score {score}) is below the threshold B (fail-under): "
        )),
        "{last:?}"
    );
    assert_eq!(
        ran.stdout.lines().last(),
        Some(last.raw.as_str()),
        "the threshold error is the last line"
    );

    let outputs = ran.outputs()?;
    assert_eq!(outputs.get("grade").map(String::as_str), Some("F"));
    assert_eq!(outputs.get("findings"), Some(&all_findings.to_string()));
    assert!(outputs
        .get("critical")
        .and_then(|c| c.parse::<usize>().ok())
        .is_some_and(|c| c >= 12));

    let sarif = ran.json("mtls-scan.sarif")?;
    check_sarif(&sarif, "mtls-scan.yml")?;
    assert_eq!(
        sarif["runs"][0]["results"].as_array().map(Vec::len),
        Some(roots)
    );

    check_markdown(&ran.summary);
    assert!(ran.summary.starts_with("## ❌ mtls-scan: grade F\n"));
    assert!(ran
        .summary
        .contains("**The grade F is below the threshold B: this check fails.**"));
    assert_eq!(
        ran.summary.matches("\n### ").count(),
        13,
        "the overview, then a section per target"
    );
    assert!(ran.summary.contains("\n### Targets, worst first\n"));
    assert!(
        ran.summary
            .contains("more finding implied by this root cause")
            || ran
                .summary
                .contains("more findings implied by this root cause")
    );
    check_secret(&ran, TOKEN)?;
    Ok(())
}

/// Exit 3: a target that refuses connections. Its error is annotated and ends the log; the
/// reports are still written and the SARIF says the run was not fully successful.
#[test]
fn unreachable_target_exits_3_after_writing_reports() -> TestResult {
    let rt = runtime()?;
    let lab = lab(&rt, &[LabCase::RequiredVerified])?;
    // A port nothing listens on, from the tests' allocator (below the kernel's ephemeral range:
    // no other test's listener can take it meanwhile).
    let dead = format!(
        "https://127.0.0.1:{}/",
        support::real_servers::free_ports(1)[0]
    );
    let ran = Step::new()?
        .input("api-url", &format!("{}\n{dead}", urls(&lab)))
        .input("ca-file", &lab.pki.ca_cert_pem)
        .input("timeout", "3")
        .input("sarif-file", "reports/scan.sarif")
        .run()?;
    assert_eq!(ran.code, Some(3), "{}", ran.explain());
    check_stdout(&ran)?;
    let cmds = ran.commands()?;
    assert!(cmds.iter().any(|c| c.name == "error"
        && c.message
            .starts_with(&format!("{dead} could not be scanned: "))));
    let last = cmds.last().ok_or("no commands")?;
    assert_eq!(last.name, "error");
    assert_eq!(
        last.message,
        format!("1 of 2 targets could not be scanned: {dead}.")
    );
    assert_eq!(ran.stdout.lines().last(), Some(last.raw.as_str()));
    let outputs = ran.outputs()?;
    assert_eq!(
        outputs.get("sarif-file").map(String::as_str),
        Some("reports/scan.sarif")
    );
    assert_eq!(outputs.get("grade").map(String::as_str), Some("F"));
    let sarif = ran.json("reports/scan.sarif")?;
    check_sarif(&sarif, WORKFLOW)?;
    assert_eq!(
        sarif["runs"][0]["invocations"][0]["executionSuccessful"],
        false
    );
    check_markdown(&ran.summary);
    assert!(ran.summary.contains("**1 target could not be scanned**"));
    Ok(())
}

/// Exit 2: each kind of bad input is refused with a clear `::error` naming the input, before any
/// scan, and secrets are never quoted.
#[test]
fn bad_inputs_exit_2_with_an_error_per_problem() -> TestResult {
    let rt = runtime()?;
    let lab = lab(&rt, &[LabCase::RequiredVerified])?;
    let url = urls(&lab);
    let other_key = rt.block_on(mtls_lab::start(&[]))?.pki.client_key_pem;
    // (what, inputs, messages expected among the errors)
    type Case<'a> = (&'a str, Vec<(&'a str, &'a str)>, Vec<&'a str>);
    let cases: Vec<Case> = vec![
        ("no url", vec![], vec!["input `api-url`: required"]),
        (
            "bad grade",
            vec![("api-url", &url), ("fail-under", "E")],
            vec!["input `fail-under`: \"E\" is not a grade"],
        ),
        (
            "bad timeout",
            vec![("api-url", &url), ("timeout", "ten")],
            vec!["input `timeout`: \"ten\" is not a number of seconds"],
        ),
        (
            "zero timeout",
            vec![("api-url", &url), ("timeout", "0")],
            vec!["input `timeout`: \"0\" is not a number of seconds more than 0 and at most 3600"],
        ),
        (
            "missing file",
            vec![("api-url", &url), ("ca-file", "certs/none.pem")],
            vec!["input `ca-file`: no file at \"certs/none.pem\""],
        ),
        (
            "cert without key",
            vec![("api-url", &url), ("client-cert", &lab.pki.client_cert_pem)],
            vec!["input `client-key`: `client-cert` is set but `client-key` is not"],
        ),
        (
            "key without cert",
            vec![("api-url", &url), ("issuing-ca-key", &lab.pki.ca_key_pem)],
            vec!["input `issuing-ca-cert`: `issuing-ca-key` is set but `issuing-ca-cert` is not"],
        ),
        (
            "plain http",
            vec![("api-url", "http://127.0.0.1:1/")],
            vec!["input `api-url`: invalid target", "only https://"],
        ),
        (
            "several at once",
            vec![
                ("api-url", "https://ok.example\nftp://x"),
                ("fail-under", "Z"),
                ("config", "missing.yml"),
            ],
            vec!["input `api-url`", "input `fail-under`", "input `config`"],
        ),
        (
            "bad config",
            vec![("api-url", &url), ("config", "bad.yml")],
            vec!["input `config`: bad.yml:3:"],
        ),
        (
            "fail-on new without a baseline",
            vec![("api-url", &url), ("fail-on", "new")],
            vec!["input `fail-on`: `new` needs the `baseline` input"],
        ),
        (
            "baseline that is not a report",
            vec![
                ("api-url", &url),
                ("fail-on", "new"),
                ("baseline", "other.json"),
            ],
            vec!["input `baseline`: \"other.json\" is not an mtls-scan JSON report"],
        ),
        (
            "mismatched key",
            vec![
                ("api-url", &url),
                ("client-cert", &lab.pki.client_cert_pem),
                ("client-key", &other_key),
            ],
            vec!["input `client-cert`", "Nothing was scanned"],
        ),
        (
            "report-file on the SARIF file",
            vec![("api-url", &url), ("report-file", "./mtls-scan.sarif")],
            vec![
                "input `report-file`: \"./mtls-scan.sarif\" is the same file as `sarif-file` \
                 (\"mtls-scan.sarif\")",
            ],
        ),
        (
            "key that is neither PEM nor a file",
            vec![
                ("api-url", &url),
                ("client-cert", &lab.pki.client_cert_pem),
                ("client-key", "MHcCAQEEIGsecretkeymaterial"),
            ],
            vec!["input `client-key`: not PEM text"],
        ),
    ];
    for (what, inputs, wants) in cases {
        let mut step = Step::new()?
            .file(
                "bad.yml",
                "targets:\n  - url: https://a.example/\n    colour: blue\n",
            )?
            .file("other.json", "{\"grade\": \"A\"}\n")?;
        for (k, v) in &inputs {
            step = step.input(k, v);
        }
        let ran = step.run()?;
        assert_eq!(ran.code, Some(2), "{what}: {}", ran.explain());
        check_stdout(&ran)?;
        let errors = ran.named("error")?;
        for want in &wants {
            assert!(
                errors.iter().any(|e| e.message.contains(want)),
                "{what}: no error with {want:?}\n{}",
                ran.explain()
            );
        }
        assert!(
            !ran.stdout.contains("scanning"),
            "{what}: nothing is scanned"
        );
        assert_eq!(ran.output_file, "", "{what}: no outputs");
        assert!(!ran.workspace.join("mtls-scan.sarif").exists());
        assert!(
            ran.summary.contains("invalid inputs"),
            "{what}: {}",
            ran.summary
        );
        check_markdown(&ran.summary);
        for (k, v) in &inputs {
            if k.ends_with("-key") {
                check_secret(&ran, v)?;
            }
        }
    }
    Ok(())
}

/// `sarif-file` and `report-file` with a control character in them (a line break that would make
/// the rest of the path a workflow command wherever it is printed, a tab) are refused before
/// anything is scanned or written (exit 2), and the value is never printed: no line of stdout
/// and nothing in the summary holds any of it, and no file by that name is created.
#[test]
fn an_output_path_with_a_control_character_is_refused_unquoted() -> TestResult {
    for input in ["sarif-file", "report-file"] {
        for value in [
            "x\n::warning title=injected::hello.sarif",
            "out/x\r::error::injected.sarif",
            "injected\tfile.json",
        ] {
            let ran = Step::new()?
                .input("api-url", "https://127.0.0.1:1/")
                .input(input, value)
                .run()?;
            assert_eq!(ran.code, Some(2), "{input} {value:?}: {}", ran.explain());
            check_stdout(&ran)?;
            let title = format!("mtls-scan: invalid input {input}");
            assert!(
                ran.named("error")?
                    .iter()
                    .any(|e| e.title() == Some(title.as_str())),
                "{input} {value:?}: {}",
                ran.explain()
            );
            assert!(ran.named("warning")?.is_empty(), "{}", ran.explain());
            // Everything but the masks (a line that spans lines is masked: the runner consumes
            // `::add-mask::` and shows nothing of it).
            for seen in ran.visible()? {
                assert!(!seen.contains("injected"), "{input} {value:?}: {seen}");
            }
            assert!(!ran.stdout.contains("scanning"), "nothing is scanned");
            let written: Vec<String> = std::fs::read_dir(&ran.workspace)?
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n != ".github")
                .collect();
            assert!(written.is_empty(), "{input} {value:?}: wrote {written:?}");
        }
    }
    Ok(())
}

/// A private key pasted into a plain-value input (as a secret meant for `client-key` lands in the
/// wrong one) is masked line by line before anything is printed, and refused (exit 2) with an
/// error that says what it looks like and quotes none of it, in the log and in the summary;
/// `baseline` too, which would otherwise warn ("no baseline at …") and scan.
#[test]
fn a_key_in_a_plain_input_is_masked_and_never_quoted() -> TestResult {
    let key = rcgen::KeyPair::generate()?.serialize_pem();
    let lines = key.lines().count();
    for input in [
        "config",
        "baseline",
        "shard",
        "category",
        "fail-under",
        "timeout",
        "api-url",
        "resolve",
        "skip-probes",
        "tls-versions",
        "sarif-file",
        "report-file",
    ] {
        let mut step = Step::new()?;
        if input != "api-url" {
            step = step.input("api-url", "https://127.0.0.1:1/");
        }
        let ran = step.input(input, &key).run()?;
        assert_eq!(ran.code, Some(2), "{input}: {}", ran.explain());
        check_stdout(&ran)?;
        check_secret(&ran, &key)?;
        let title = format!("mtls-scan: invalid input {input}");
        let errors = ran.named("error")?;
        let mine: Vec<&Cmd> = errors
            .iter()
            .filter(|e| e.title() == Some(title.as_str()))
            .collect();
        assert_eq!(mine.len(), 1, "{input}: {}", ran.explain());
        let want = format!(
            "input `{input}`: a value of {lines} lines that looks like a PEM block or a key (not \
             shown)"
        );
        assert!(
            mine.iter().all(|e| e.message.starts_with(&want)),
            "{input}: {}",
            ran.explain()
        );
        // The summary's Markdown writes the backticks as `&#96;`.
        assert!(
            ran.summary.contains(&want.replace('`', "&#96;")),
            "{input}: {}",
            ran.summary
        );
        for seen in [&ran.stdout, &ran.summary] {
            assert!(!seen.contains("PRIVATE KEY-----\\n"), "{input}: {seen}");
        }
        assert!(!ran.stdout.contains("scanning"), "nothing is scanned");
    }
    Ok(())
}

/// A `ca-file` (or a config's `ca-files` entry) that holds a private key by mistake has the key
/// masked before anything is printed, like `client-key`: a key alone is refused naming the input
/// (`mtls-scan: invalid input ca-file`); a CA bundle with a key in it still scans, and only the
/// key's lines are masked, not the certificates'.
#[test]
fn a_ca_file_holding_a_key_is_masked() -> TestResult {
    let rt = runtime()?;
    let lab = lab(&rt, &[LabCase::RequiredVerified])?;
    let url = urls(&lab);
    let key = &lab.pki.client_key_pem;
    let bundle = format!("{}{key}", lab.pki.ca_cert_pem);
    let config = format!("defaults:\n  ca-files: [k.pem]\ntargets:\n  - url: {url}\n");
    let step = || -> TestResult<Step> {
        Step::new()?
            .file("k.pem", key)?
            .file("bundle.pem", &bundle)?
            .file("m.yml", &config)
    };

    let ran = step()?
        .input("api-url", &url)
        .input("ca-file", "k.pem")
        .run()?;
    assert_eq!(ran.code, Some(2), "{}", ran.explain());
    check_stdout(&ran)?;
    check_secret(&ran, key)?;
    let errors = ran.named("error")?;
    let first = errors.first().ok_or("no error")?;
    assert_eq!(
        first.title(),
        Some("mtls-scan: invalid input ca-file"),
        "{}",
        ran.explain()
    );
    assert!(
        first
            .message
            .starts_with("input `ca-file`: no PEM certificate found in \"k.pem\"")
            && first.message.contains("holds a private key"),
        "{}",
        first.message
    );

    let ran = step()?
        .input("api-url", &url)
        .input("ca-file", "bundle.pem")
        .run()?;
    assert_eq!(ran.code, Some(0), "{}", ran.explain());
    check_secret(&ran, key)?;
    let masks: Vec<String> = ran
        .named("add-mask")?
        .into_iter()
        .map(|c| c.message)
        .collect();
    assert!(
        !masks.iter().any(
            |m| m.contains("CERTIFICATE") || lab.pki.ca_cert_pem.lines().any(|l| l.trim() == m)
        ),
        "the CA certificate is not masked: {masks:?}"
    );

    // The same bundle pasted as text (from a secret): the key is masked all the same.
    let ran = step()?
        .input("api-url", &url)
        .input("ca-file", &bundle)
        .run()?;
    assert_eq!(ran.code, Some(0), "{}", ran.explain());
    check_secret(&ran, key)?;

    let ran = step()?.input("config", "m.yml").run()?;
    assert_eq!(ran.code, Some(2), "{}", ran.explain());
    check_secret(&ran, key)?;
    let errors = ran.named("error")?;
    let first = errors.first().ok_or("no error")?;
    assert_eq!(first.title(), Some("mtls-scan: invalid input config"));
    assert!(
        first
            .message
            .starts_with("input `config`: its ca-files entry \"k.pem\": no PEM certificate"),
        "{}",
        first.message
    );
    Ok(())
}

/// The Action builds its scan options as the command line does (issue 12): the config's
/// `defaults.fail-under` and `defaults.timeout` apply when the `fail-under` and `timeout` inputs
/// are not given (a composite action passes none), and an input given wins over the config.
#[test]
fn the_config_defaults_apply_unless_an_input_says_otherwise() -> TestResult {
    let rt = runtime()?;
    // Grade C (server-chain-incomplete): passes the built-in threshold C, fails the config's B.
    let lab = lab(&rt, &[LabCase::MissingIntermediate])?;
    // A server that accepts TCP and never answers: its probes time out after the timeout.
    let silent = rt.block_on(tokio::net::TcpListener::bind(("127.0.0.1", 0)))?;
    let silent_url = format!("https://127.0.0.1:{}/", silent.local_addr()?.port());
    let _silent: Task = rt.spawn(async move {
        let mut held = Vec::new();
        while let Ok((tcp, _)) = silent.accept().await {
            held.push(tcp);
        }
    });
    let step = |targets: &[&str]| -> TestResult<Step> {
        let list: String = targets.iter().map(|u| format!("  - url: {u}\n")).collect();
        let config = format!("defaults:\n  fail-under: B\n  timeout: 1.5\ntargets:\n{list}");
        Ok(Step::new()?
            .unset("INPUT_FAIL-UNDER")
            .unset("INPUT_TIMEOUT")
            .file("mtls-scan.yml", &config)?
            .input("config", "mtls-scan.yml")
            .input("ca-file", &lab.pki.ca_cert_pem))
    };

    let ran = step(&[&lab.servers[0].url])?.run()?;
    assert_eq!(
        ran.code,
        Some(1),
        "the config's fail-under B: {}",
        ran.explain()
    );
    check_stdout(&ran)?;
    assert_eq!(ran.outputs()?.get("grade").map(String::as_str), Some("C"));
    let errors = ran.named("error")?;
    assert!(
        errors
            .iter()
            .any(|e| e.message.starts_with("Grade C (score ")
                && e.message.contains("below the threshold B")),
        "{}",
        ran.explain()
    );
    assert!(
        ran.summary.contains("| **C** |") && ran.summary.contains("| B |"),
        "{}",
        ran.summary
    );

    let ran = step(&[&lab.servers[0].url])?
        .input("fail-under", "C")
        .run()?;
    assert_eq!(ran.code, Some(0), "the input wins: {}", ran.explain());
    assert!(
        ran.stdout.contains("meets the threshold C"),
        "{}",
        ran.explain()
    );

    let ran = step(&[&silent_url])?.run()?;
    let report = ran.report()?.to_string();
    assert!(
        report.contains("timed out after 1.5 s"),
        "the config's timeout: {}\n{report}",
        ran.explain()
    );
    Ok(())
}

/// The config adds its targets and suppressions (a suppressed finding is not annotated, and is a
/// suppressed SARIF result); with `fail-on: new`, a scan fails only on findings that its
/// `baseline` report does not have.
#[test]
fn config_suppressions_and_baseline_with_fail_on_new() -> TestResult {
    let rt = runtime()?;
    let lab = lab(
        &rt,
        &[
            LabCase::Optional,
            LabCase::NoClientAuth,
            LabCase::AcceptAnyCert,
        ],
    )?;
    let (optional, none, any) = (
        &lab.servers[0].url,
        &lab.servers[1].url,
        &lab.servers[2].url,
    );
    let config = format!(
        "defaults:\n  ca-files: [pki/ca.pem]\ntargets:\n  - url: {optional}\nsuppressions:\n  - id: client-cert-optional\n    target: {optional}\n    reason: staging health checks are anonymous\n    expires: 2099-12-31\n"
    );
    let step = |api_url: &str| -> TestResult<Step> {
        Step::new()?
            .file("ci/mtls-scan.yml", &config)?
            .file("ci/pki/ca.pem", &lab.pki.ca_cert_pem)
            .map(|s| {
                s.input("api-url", api_url)
                    .input("config", "ci/mtls-scan.yml")
            })
    };

    // 1. Grade mode: the config's target joins api-url's; its finding is suppressed.
    let first = step(none)?.run()?;
    assert_eq!(first.code, Some(1), "{}", first.explain());
    check_stdout(&first)?;
    let report = first.json("mtls-scan-report.json")?;
    assert_eq!(report["targets"].as_array().map(Vec::len), Some(2));
    assert!(
        !report.to_string().contains("\"server-cert-untrusted\""),
        "the config's ca-files are trusted"
    );
    let cmds = first.commands()?;
    assert!(!cmds.iter().any(|c| c
        .props
        .get("title")
        .is_some_and(|t| t.contains("client-cert-optional"))));
    let sarif = first.json("mtls-scan.sarif")?;
    check_sarif(&sarif, "ci/mtls-scan.yml")?;
    let results = sarif["runs"][0]["results"].as_array().ok_or("no results")?;
    let suppressed: Vec<&Value> = results
        .iter()
        .filter(|r| r["suppressions"].as_array().is_some_and(|s| !s.is_empty()))
        .collect();
    assert_eq!(suppressed.len(), 1);
    assert_eq!(suppressed[0]["ruleId"], "client-cert-optional");
    assert!(suppressed[0]["suppressions"][0]["justification"]
        .as_str()
        .is_some_and(|j| j.contains("staging health checks are anonymous")));
    check_markdown(&first.summary);
    assert!(
        first.summary.contains("**Suppressed** until 2099-12-31"),
        "{}",
        first.summary
    );
    let baseline = std::fs::read_to_string(first.workspace.join("mtls-scan-report.json"))?;

    // 2. fail-on: new against that report: nothing new, so the step passes at grade F.
    let second = step(none)?
        .file("baseline.json", &baseline)?
        .input("fail-on", "new")
        .input("baseline", "baseline.json")
        .run()?;
    assert_eq!(second.code, Some(0), "{}", second.explain());
    check_stdout(&second)?;
    assert!(second.named("error")?.iter().all(|e| e
        .props
        .get("title")
        .is_some_and(|t| t.contains("127.0.0.1"))));
    assert!(second
        .stdout
        .contains("no new finding against the baseline"));
    // The summary says so too, not "below the threshold C: this check fails" at grade F.
    assert!(
        second
            .summary
            .contains("No new finding against the baseline.")
            && !second.summary.contains("this check fails"),
        "{}",
        second.summary
    );

    // 3. A new target brings a new finding: exit 1, and the final error names it.
    let third = step(&format!("{none}\n{any}"))?
        .file("baseline.json", &baseline)?
        .input("fail-on", "new")
        .input("baseline", "baseline.json")
        .run()?;
    assert_eq!(third.code, Some(1), "{}", third.explain());
    check_stdout(&third)?;
    let last = third.commands()?.pop().ok_or("no commands")?;
    assert_eq!(
        last.props.get("title").map(String::as_str),
        Some("mtls-scan: new findings")
    );
    assert!(
        last.message.starts_with(&format!(
            "1 new finding against the baseline baseline.json (fail-on: new): untrusted-client-cert-accepted on {any}."
        )),
        "{last:?}"
    );
    let sarif = third.json("mtls-scan.sarif")?;
    check_sarif(&sarif, "ci/mtls-scan.yml")?;
    let states: Vec<&str> = sarif["runs"][0]["results"]
        .as_array()
        .ok_or("no results")?
        .iter()
        .filter_map(|r| r["baselineState"].as_str())
        .collect();
    assert!(
        states.contains(&"new") && states.contains(&"unchanged"),
        "{states:?}"
    );
    assert!(third.summary.contains("new since the baseline"));
    assert!(
        third
            .summary
            .contains("**1 new finding against the baseline: this check fails.**"),
        "{}",
        third.summary
    );

    // 4. The first run of a workflow that keeps its report as the next baseline: no file at
    // `baseline` yet. A warning, and every finding is new (exit 1, never a false pass); the
    // report is written, so a later step can keep it as the baseline.
    let fourth = step(none)?
        .input("fail-on", "new")
        .input("baseline", "baseline/mtls-scan-report.json")
        .run()?;
    assert_eq!(fourth.code, Some(1), "{}", fourth.explain());
    check_stdout(&fourth)?;
    let warnings = fourth.named("warning")?;
    assert!(
        warnings.iter().any(|w| w.message
            == "input `baseline`: no baseline at \"baseline/mtls-scan-report.json\": every \
                finding counts as new."
            && w.props.get("title").map(String::as_str) == Some("mtls-scan: input baseline")),
        "{}",
        fourth.explain()
    );
    let last = fourth.commands()?.pop().ok_or("no commands")?;
    assert_eq!(
        last.props.get("title").map(String::as_str),
        Some("mtls-scan: new findings"),
        "{}",
        fourth.explain()
    );
    let report = fourth.json("mtls-scan-report.json")?;
    let states = support::baseline_marks(&report);
    assert!(
        !states.is_empty() && states.iter().all(|s| *s == "new"),
        "{states:?}"
    );
    Ok(())
}

/// A finding suppressed when the baseline was made, and not suppressed now (its suppression
/// expired, or was removed), is new: `fail-on: new` fails on it (exit 1), on the command line
/// (the JSON and the streamed JSONL paths) as in the Action, and the report says why (a note on
/// the target, a warning). While the suppression holds, the same baseline passes.
#[test]
fn a_suppression_gone_since_the_baseline_makes_its_finding_new() -> TestResult {
    let rt = runtime()?;
    let lab = lab(&rt, &[LabCase::NoClientAuth])?;
    let url = &lab.servers[0].url;
    let config = |expires: Option<&str>| {
        let mut c = format!("defaults:\n  ca-files: [pki/ca.pem]\ntargets:\n  - url: {url}\n");
        if let Some(e) = expires {
            c.push_str(&format!(
                "suppressions:\n  - id: client-cert-not-requested\n    target: {url}\n    \
                 reason: legacy clients\n    expires: {e}\n"
            ));
        }
        c
    };
    let dir = tempfile::tempdir()?;
    let d = dir.path();
    std::fs::create_dir(d.join("pki"))?;
    std::fs::write(d.join("pki/ca.pem"), &lab.pki.ca_cert_pem)?;
    for (name, expires) in [
        ("held.yml", Some("2099-12-31")),
        ("expired.yml", Some("2020-01-01")),
        ("removed.yml", None),
    ] {
        std::fs::write(d.join(name), config(expires))?;
    }
    let made = mtls_scan()
        .args(["scan", "--config"])
        .arg(d.join("held.yml"))
        .arg("--json")
        .arg(d.join("base.json"))
        .output()?;
    assert_eq!(made.status.code(), Some(0), "{made:?}");
    let base = std::fs::read_to_string(d.join("base.json"))?;
    assert!(base.contains("\"suppressed\""), "{base}");

    let why = "was suppressed in the baseline, no longer suppressed: it counts as new";
    for (name, format) in [
        ("held.yml", "json"),
        ("expired.yml", "json"),
        ("removed.yml", "json"),
        ("expired.yml", "jsonl"),
    ] {
        let out = mtls_scan()
            .args(["scan", "--format", format, "--fail-on", "new", "--config"])
            .arg(d.join(name))
            .arg("--baseline")
            .arg(d.join("base.json"))
            .output()?;
        let (stdout, stderr) = (
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
        );
        if name == "held.yml" {
            assert_eq!(out.status.code(), Some(0), "{name}: {stderr}");
            assert!(!stderr.contains(why), "{stderr}");
            continue;
        }
        assert_eq!(out.status.code(), Some(1), "{name} {format}: {stderr}");
        assert!(
            stderr.contains(&format!(
                "warning: client-cert-not-requested on {url} {why}"
            )) && stderr.contains(&format!(
                "1 new finding against the baseline: client-cert-not-requested on {url}"
            )),
            "{name} {format}: {stderr}"
        );
        let target: Value = if format == "json" {
            serde_json::from_str::<Value>(&stdout)?["targets"][0].clone()
        } else {
            serde_json::from_str(stdout.lines().next().unwrap_or_default())?
        };
        assert_eq!(
            target["notes"],
            serde_json::json!([format!("client-cert-not-requested {why}")]),
            "{name} {format}: {target}"
        );
        assert_eq!(target["findings"][0]["baseline"], "new", "{target}");
    }

    let ran = Step::new()?
        .file("ci/mtls-scan.yml", &config(Some("2020-01-01")))?
        .file("ci/pki/ca.pem", &lab.pki.ca_cert_pem)?
        .file("baseline.json", &base)?
        .input("config", "ci/mtls-scan.yml")
        .input("baseline", "baseline.json")
        .input("fail-on", "new")
        .run()?;
    assert_eq!(ran.code, Some(1), "{}", ran.explain());
    check_stdout(&ran)?;
    assert!(
        ran.warnings()?
            .iter()
            .any(|w| w.message == format!("client-cert-not-requested on {url} {why}")),
        "{}",
        ran.explain()
    );
    let last = ran.commands()?.pop().ok_or("no commands")?;
    assert!(
        last.message.starts_with(&format!(
            "1 new finding against the baseline baseline.json (fail-on: new): \
             client-cert-not-requested on {url}."
        )),
        "{last:?}"
    );
    assert!(ran.summary.contains(why), "{}", ran.summary);
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// A hostile server: its certificate subject, advertised CA names, headers and body carry
// workflow commands, Markdown and HTML.
// ---------------------------------------------------------------------------------------------

const EVIL_CN: &str =
    "evil%0A::error::pwned-cn\n::error::pwned-raw | `tick` <script>alert(1)</script>";
const EVIL_O: &str =
    "org\r\n::warning::pwned-o|*b*_i_[x](javascript:y)<img src=x onerror=alert(1)>";
const EVIL_CA: &str = "ca%0A::error::pwned-ca\n| col | <b>bold</b>";
const EVIL_SERVER: &str = "x%0A::error::pwned|<script>";
const EVIL_BODY: &str = "ok\n::error::pwned-body\n| a | b |\n```\n</details><script>alert(1)</script>\n%0A::warning::pwned";

/// Starts an optional-client-auth HTTPS server whose every string is hostile; returns its URL.
fn hostile_server(
    rt: &tokio::runtime::Runtime,
) -> TestResult<(String, tokio::task::JoinHandle<()>)> {
    use hyper_util::rt::{TokioExecutor, TokioIo};
    use rcgen::{BasicConstraints, CertificateParams, DistinguishedName, DnType, IsCa, KeyPair};
    use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};

    let dn = |o: &str, cn: &str| {
        let mut dn = DistinguishedName::new();
        dn.push(DnType::OrganizationName, o);
        dn.push(DnType::CommonName, cn);
        dn
    };
    let ca_key = KeyPair::generate()?;
    let mut ca = CertificateParams::default();
    ca.distinguished_name = dn(EVIL_O, EVIL_CA);
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca_cert = ca.self_signed(&ca_key)?;
    let key = KeyPair::generate()?;
    let mut params = CertificateParams::new(vec!["127.0.0.1".to_owned()])?;
    params.distinguished_name = dn(EVIL_O, EVIL_CN);
    let cert = params.self_signed(&key)?;

    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    roots.add(ca_cert.der().clone())?;
    let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
        Arc::new(roots),
        provider.clone(),
    )
    .allow_unauthenticated()
    .build()?;
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_client_cert_verifier(verifier)
        .with_single_cert(
            vec![cert.der().clone()],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        )?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = rt.block_on(tokio::net::TcpListener::bind(("127.0.0.1", 0)))?;
    let url = format!("https://127.0.0.1:{}/", listener.local_addr()?.port());
    let task = rt.spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                continue;
            };
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let service = hyper::service::service_fn(|_req| async {
                    let mut resp = hyper::Response::new(http_body_util::Full::new(
                        bytes::Bytes::from(EVIL_BODY),
                    ));
                    resp.headers_mut().insert(
                        hyper::header::SERVER,
                        hyper::header::HeaderValue::from_static(EVIL_SERVER),
                    );
                    Ok::<_, std::convert::Infallible>(resp)
                });
                let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(tls), service)
                    .await;
            });
        }
    });
    Ok((url, task))
}

/// Injection: everything the hostile server says reaches the reports, yet it issues no workflow
/// command, breaks no table, and puts no HTML in the summary.
#[test]
fn hostile_server_cannot_inject_commands_markdown_or_html() -> TestResult {
    let rt = runtime()?;
    let (url, _server) = hostile_server(&rt)?;
    let ran = Step::new()?
        .input("api-url", &url)
        .input("fail-under", "F")
        .run()?;
    assert_eq!(ran.code, Some(0), "{}", ran.explain());
    check_stdout(&ran)?;

    // The hostile text did reach the scan (else this test proves nothing).
    let report = std::fs::read_to_string(ran.workspace.join("mtls-scan-report.json"))?;
    assert!(
        report.contains("pwned|<script>"),
        "the Server header is in the report"
    );
    assert!(
        report.contains("::error::pwned-body"),
        "the body is in the report"
    );
    assert!(
        report.contains("pwned-ca"),
        "the advertised CA name is in the report"
    );
    assert!(
        // The raw newline is escaped RFC 4514 style (`\0a`) where the name is read.
        report.contains("CN=evil%0A::error::pwned-cn\\\\0a::error::pwned-raw"),
        "the certificate subject is in the report, its control characters escaped"
    );

    // stdout: outside the stopped region, no line mentions the hostile text, and every command is
    // one we meant (masks, the log group, annotations).
    let lines = parse_stdout(&ran.stdout)?;
    let mut stopped = false;
    let mut neutralised = 0;
    let mut quoted = 0;
    for l in &lines {
        match l {
            Line::Command(c) if c.name == "stop-commands" => stopped = true,
            Line::Command(c) if c.name == "resume-commands" => stopped = false,
            Line::Text(t) if stopped => {
                neutralised += usize::from(t.trim_start().starts_with("::"));
                quoted += usize::from(t.contains("pwned"));
            }
            _ if stopped => {}
            l => assert!(
                !l.raw().contains("pwned"),
                "hostile text outside the stopped region: {}",
                l.raw()
            ),
        }
    }
    // The text report in the log quotes the hostile text inside the stopped region, and since
    // names, headers and bodies are escaped where they are read, none of it even starts a line
    // with `::` there: stop-commands is a second layer, not the only one.
    assert!(
        quoted > 0,
        "the log quotes the hostile text\n{}",
        ran.stdout
    );
    assert_eq!(
        neutralised, 0,
        "no hostile line break survives to start a command-like line\n{}",
        ran.stdout
    );
    let cmds = ran.commands()?;
    let errors: Vec<&Cmd> = cmds.iter().filter(|c| c.name == "error").collect();
    assert!(!errors.is_empty(), "client-cert-optional is annotated");
    for c in &cmds {
        assert!(
            !c.message.contains("pwned") && !c.props.values().any(|v| v.contains("pwned")),
            "{c:?}"
        );
    }

    // The summary quotes the server, escaped: no broken table, no HTML, no command.
    check_markdown(&ran.summary);
    assert!(ran.summary.contains("&lt;script&gt;"), "{}", ran.summary);
    assert!(
        ran.summary.contains("pwned&#124;&lt;script&gt;"),
        "the Server header, escaped"
    );
    assert!(
        ran.summary.contains(
            "CN=evil%0A::error::pwned-cn&#92;0a::error::pwned-raw &#124; \u{2CB}tick\u{2CB} &lt;script&gt;"
        ),
        "the certificate subject, escaped, its line break visible as \\0a: {}", ran.summary.lines().filter(|l| l.contains("pwned-cn")).collect::<Vec<_>>().join("\n")
    );
    assert!(
        !ran.summary.contains("<script")
            && !ran.summary.contains("<img")
            && !ran.summary.contains("<b>")
    );

    // The SARIF is valid and its Markdown has no server text.
    check_sarif(&ran.json("mtls-scan.sarif")?, WORKFLOW)?;
    let outputs = ran.outputs()?;
    assert_eq!(outputs.len(), 9);
    assert!(outputs.values().all(|v| !v.contains("pwned")));
    Ok(())
}

/// A server that requires a certificate from its CA and answers every request with a status line
/// no HTTP client takes (`2OO`). Returns its URL, its CA and a client identity (cert, key PEM) it
/// trusts:
/// the no-certificate probe is refused (read), the positive control is not read.
fn unreadable_server(rt: &tokio::runtime::Runtime) -> TestResult<(String, [String; 3], Task)> {
    use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
    use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let ca_key = KeyPair::generate()?;
    let mut ca = CertificateParams::default();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca_cert = ca.self_signed(&ca_key)?;
    let issuer = Issuer::new(ca, ca_key);
    let server_key = KeyPair::generate()?;
    let server =
        CertificateParams::new(vec!["127.0.0.1".to_owned()])?.signed_by(&server_key, &issuer)?;
    let client_key = KeyPair::generate()?;
    let client =
        CertificateParams::new(vec!["client".to_owned()])?.signed_by(&client_key, &issuer)?;

    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    roots.add(ca_cert.der().clone())?;
    let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
        Arc::new(roots),
        provider.clone(),
    )
    .build()?;
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_client_cert_verifier(verifier)
        .with_single_cert(
            vec![server.der().clone()],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(server_key.serialize_der())),
        )?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = rt.block_on(tokio::net::TcpListener::bind(("127.0.0.1", 0)))?;
    let url = format!("https://127.0.0.1:{}/", listener.local_addr()?.port());
    let task = rt.spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let mut buf = [0u8; 4096];
                if tls.read(&mut buf).await.unwrap_or(0) > 0 {
                    let _ = tls
                        .write_all(b"HTTP/1.1 2OO OK\r\nContent-Length: 2\r\n\r\nok")
                        .await;
                }
                let _ = tls.shutdown().await;
            });
        }
    });
    let pems = [ca_cert.pem(), client.pem(), client_key.serialize_pem()];
    Ok((url, pems, task))
}

/// Incomplete: the positive control's answer cannot be read. The CLI and the Action exit 3 and
/// say which probe and why; the grade is capped at B; `fail-on-incomplete: false` turns it into a
/// warning and exit 0. An unwritable `--output` is refused before the scan.
#[test]
fn incomplete_target_exits_3_unless_fail_on_incomplete_is_false() -> TestResult {
    let rt = runtime()?;
    let (url, [ca, cert, key], _server) = unreadable_server(&rt)?;
    let dir = tempfile::tempdir()?;
    let path = |name: &str, pem: &str| -> TestResult<PathBuf> {
        let p = dir.path().join(name);
        std::fs::write(&p, pem)?;
        Ok(p)
    };
    let (ca_path, cert_path, key_path) = (
        path("ca.pem", &ca)?,
        path("c.pem", &cert)?,
        path("k.pem", &key)?,
    );
    let scan = |extra: &[&str]| -> TestResult<std::process::Output> {
        Ok(mtls_scan()
            .args(["scan", &url, "--timeout", "3", "--ca-file"])
            .arg(&ca_path)
            .arg("--client-cert")
            .arg(&cert_path)
            .arg("--client-key")
            .arg(&key_path)
            .args(extra)
            .output()?)
    };
    let out = scan(&["--format", "json"])?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("incomplete") && stderr.contains("valid-client-cert"),
        "{stderr}"
    );
    let report: Value = serde_json::from_slice(&out.stdout)?;
    let t = &report["targets"][0];
    assert_eq!(t["client_auth"], "required");
    assert_eq!(t["grade"], "B");
    assert!(t["incomplete"]
        .as_array()
        .is_some_and(|a| a.iter().any(|i| i["probe"] == "valid-client-cert")));

    let text = scan(&["--fail-on-incomplete", "false", "--color", "never"])?;
    let stdout = String::from_utf8_lossy(&text.stdout);
    assert_eq!(text.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("INCOMPLETE valid-client-cert"), "{stdout}");
    assert!(String::from_utf8_lossy(&text.stderr).contains("warning:"));

    let unwritable = scan(&["--output", "/nonexistent-dir/report.txt"])?;
    assert_eq!(unwritable.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unwritable.stderr)
        .contains("cannot write /nonexistent-dir/report.txt"));

    let step = |fail_on_incomplete: &str| -> TestResult<Ran> {
        Step::new()?
            .input("api-url", &url)
            .input("timeout", "3")
            .input("ca-file", &ca)
            .input("client-cert", &cert)
            .input("client-key", &key)
            .input("fail-on-incomplete", fail_on_incomplete)
            .run()
    };
    let ran = step("true")?;
    assert_eq!(ran.code, Some(3), "{}", ran.explain());
    check_stdout(&ran)?;
    check_secret(&ran, &key)?;
    let last = ran.commands()?.pop().ok_or("no commands")?;
    assert_eq!(last.name, "error");
    assert_eq!(
        last.props.get("title").map(String::as_str),
        Some("mtls-scan: incomplete")
    );
    assert!(
        last.message.contains("valid-client-cert"),
        "{}",
        last.message
    );
    assert!(ran.summary.contains("Incomplete"), "{}", ran.summary);
    assert!(
        ran.summary.starts_with("## ❌ mtls-scan: grade B"),
        "{}",
        ran.summary
    );
    let sarif = ran.json("mtls-scan.sarif")?;
    assert_eq!(
        sarif["runs"][0]["invocations"][0]["executionSuccessful"],
        false
    );

    let ran = step("false")?;
    assert_eq!(ran.code, Some(0), "{}", ran.explain());
    // The step passes: the summary warns, it does not say it failed.
    assert!(
        ran.summary.starts_with("## ⚠️ mtls-scan: grade B"),
        "{}",
        ran.summary
    );
    assert!(
        ran.summary
            .contains("`fail-on-incomplete: false`: this does not fail the check"),
        "{}",
        ran.summary
    );
    assert!(ran
        .named("warning")?
        .iter()
        .any(|c| c.message.contains("fail-on-incomplete: false")));
    Ok(())
}

/// Two outputs of the command line on one file (`-o X --sarif X`, `--json X --sarif ./X
/// --markdown X`) are refused before the scan, exit 2, naming the options; nothing is written.
#[test]
fn outputs_on_one_file_are_refused() -> TestResult {
    let dir = tempfile::tempdir()?;
    let x = dir.path().join("x.out");
    let dotted = dir.path().join(".").join("x.out");
    let cases: [(Vec<&std::ffi::OsStr>, &str); 2] = [
        (
            vec![
                "-o".as_ref(),
                x.as_os_str(),
                "--sarif".as_ref(),
                x.as_os_str(),
            ],
            "--output and --sarif name the same file",
        ),
        (
            vec![
                "--json".as_ref(),
                x.as_os_str(),
                "--sarif".as_ref(),
                dotted.as_os_str(),
                "--markdown".as_ref(),
                x.as_os_str(),
            ],
            "--json, --sarif and --markdown name the same file",
        ),
    ];
    for (args, want) in cases {
        for command in [
            vec!["scan", "https://127.0.0.1:1/"],
            vec!["merge", "none.json"],
        ] {
            let out = mtls_scan().args(&command).args(&args).output()?;
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{command:?} {args:?}: {stderr}");
            assert!(
                stderr.contains(want) && stderr.contains("give each output its own path"),
                "{command:?} {args:?}: {stderr}"
            );
            assert!(!x.exists(), "nothing written");
        }
    }
    let y = dir.path().join("y.sarif");
    let out = mtls_scan()
        .args(["scan", "https://127.0.0.1:1/", "--timeout", "1", "-o"])
        .arg(&x)
        .arg("--sarif")
        .arg(&y)
        .output()?;
    assert_eq!(out.status.code(), Some(3), "distinct paths: the scan runs");
    Ok(())
}

/// `scan --format sarif` and `--format markdown` use the same renderers as the Action.
#[test]
fn scan_command_renders_sarif_and_markdown() -> TestResult {
    let rt = runtime()?;
    let lab = lab(&rt, &[LabCase::Optional])?;
    let dir = tempfile::tempdir()?;
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, &lab.pki.ca_cert_pem)?;
    let url = urls(&lab);
    let run = |format: &str| -> TestResult<std::process::Output> {
        Ok(mtls_scan()
            .args(["scan", &url, "--format", format, "--ca-file"])
            .arg(&ca)
            .output()?)
    };
    let sarif = run("sarif")?;
    let sarif: Value = serde_json::from_slice(&sarif.stdout)?;
    check_sarif(&sarif, "")?; // no config, no workflow: at the URL itself
    assert_eq!(
        sarif["runs"][0]["results"][0]["ruleId"],
        "client-cert-optional"
    );
    let md = String::from_utf8(run("markdown")?.stdout)?;
    check_markdown(&md);
    assert!(
        md.starts_with("## ") && md.contains("Client certificate optional"),
        "{md}"
    );
    Ok(())
}

#[test]
fn stdout_parser_follows_the_runner() {
    let lines = parse_stdout("::error title=a%3Ab%2Cc::x%0Ay%25\n  ::warning::w\n::stop-commands::T\n::error::no\n::T::\ntext")
        .unwrap_or_default();
    assert_eq!(lines.len(), 6);
    let Some(Line::Command(e)) = lines.first() else {
        panic!("{lines:?}")
    };
    assert_eq!(
        (
            e.name.as_str(),
            e.props.get("title").map(String::as_str),
            e.message.as_str()
        ),
        ("error", Some("a:b,c"), "x\ny%")
    );
    assert!(matches!(lines.get(1), Some(Line::Command(c)) if c.name == "warning"));
    assert!(matches!(lines.get(3), Some(Line::Text(t)) if t == "::error::no"));
}

/// The scanner's texts name the Action's inputs, not the command line's flags (review U: a note
/// said "switched off (`--skip-probe`)" to a user who set `skip-probes`): in the report, the
/// log and the summary.
#[test]
fn notes_name_inputs_not_flags() -> TestResult {
    let rt = runtime()?;
    let lab = lab(&rt, &[LabCase::RequiredVerified])?;
    let ran = Step::new()?
        .file("ca.pem", &lab.pki.ca_cert_pem)?
        .input("api-url", &urls(&lab))
        .input("ca-file", "ca.pem")
        .input("skip-probes", "session-resumption-bypass")
        .input("fail-under", "none")
        .run()?;
    let report = ran.report()?;
    let notes = report["targets"][0]["notes"].to_string();
    assert!(
        notes.contains("switched off (the `skip-probes` input)"),
        "{notes}"
    );
    for seen in [&ran.stdout, &ran.summary, &notes] {
        assert!(!seen.contains("--skip-probe"), "{seen}");
    }
    Ok(())
}
