//! What the user gives the command line and the Action, read as meant: a `--baseline` that is
//! also an output of the run is refused (a failing run would make itself the next run's
//! baseline), outputs on one file through links are refused, files with a UTF-8 byte-order mark
//! are read, DER and PKCS#12 files say how to convert them, the config validates as the flags
//! and inputs do, a suppression's target matches however it is spelt (and one that suppresses
//! nothing warns), and `-` is stdout. Real servers of the built-in lab on 127.0.0.1.

#![allow(clippy::indexing_slicing, clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::Path;
use std::process::Output;

use mtls_lab::LabCase;
use serde_json::Value;
use support::step::Step;
use support::{lab, mtls_scan, runtime, TestResult};

const BOM: &str = "\u{feff}";

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn json(path: &Path) -> TestResult<Value> {
    Ok(serde_json::from_str(&std::fs::read_to_string(path)?)?)
}

/// `--baseline` on the file the run writes its report to, however spelt (`./`, `-o`, a
/// symlink): refused before the scan (exit 2), the baseline untouched. Before, a failing run
/// wrote its findings over the baseline and the next run passed (exit 1, then 0).
#[test]
fn a_baseline_that_is_also_an_output_is_refused() -> TestResult {
    let rt = runtime()?;
    let lab = lab(&rt, &[LabCase::Optional])?;
    let dir = tempfile::tempdir()?;
    let d = dir.path();
    std::fs::write(d.join("ca.pem"), &lab.pki.ca_cert_pem)?;
    let url = &lab.servers[0].url;
    let scan = |extra: &[&str]| -> TestResult<Output> {
        Ok(mtls_scan()
            .current_dir(d)
            .args(["scan", url, "--ca-file", "ca.pem", "--timeout", "5"])
            .args(["--fail-on", "new", "--baseline", "base.json"])
            .args(extra)
            .output()?)
    };
    // No file there yet (the first run): every finding is new, and the run fails.
    let first = scan(&["--json", "first.json", "-o", "/dev/null"])?;
    assert_eq!(first.status.code(), Some(1), "{}", stderr(&first));
    assert!(!d.join("base.json").exists());
    #[cfg(unix)]
    std::os::unix::fs::symlink("base.json", d.join("link.json"))?;
    for round in 0..2 {
        for extra in [
            vec!["--json", "base.json", "-o", "/dev/null"],
            vec!["--json", "./base.json", "-o", "/dev/null"],
            vec!["-o", "base.json", "--format", "json"],
            #[cfg(unix)]
            vec!["--json", "link.json", "-o", "/dev/null"],
        ] {
            let out = scan(&extra)?;
            let e = stderr(&out);
            assert_eq!(out.status.code(), Some(2), "round {round} {extra:?}: {e}");
            assert!(
                e.contains("--baseline and ")
                    && e.contains("name the same file")
                    && e.contains("overwrite its own baseline"),
                "{extra:?}: {e}"
            );
        }
        if round == 0 {
            assert!(!d.join("base.json").exists(), "nothing written");
        }
        // With the baseline there (the first run's report), it is left as it was.
        std::fs::copy(d.join("first.json"), d.join("base.json"))?;
    }
    let kept = std::fs::read(d.join("base.json"))?;
    assert_eq!(kept, std::fs::read(d.join("first.json"))?);
    // The same baseline beside a report of its own: compared, nothing new (fail-on new): the
    // run passes, or is incomplete.
    let out = scan(&["--json", "second.json", "-o", "/dev/null"])?;
    assert!(matches!(out.status.code(), Some(0 | 3)), "{}", stderr(&out));
    Ok(())
}

/// The Action: `baseline` on `report-file` (its default `mtls-scan-report.json`) or on
/// `sarif-file` is refused naming `baseline` (exit 2); a baseline of its own path is read.
#[test]
fn the_action_refuses_a_baseline_that_is_its_report() -> TestResult {
    let rt = runtime()?;
    let lab = lab(&rt, &[LabCase::Optional])?;
    let url = lab.servers[0].url.clone();
    for (baseline, other) in [
        ("mtls-scan-report.json", None),
        ("./mtls-scan-report.json", None),
        ("out/r.json", Some(("report-file", "out/./r.json"))),
        ("mtls-scan.sarif", None),
    ] {
        let mut step = Step::new()?
            .input("api-url", &url)
            .input("ca-file", &lab.pki.ca_cert_pem)
            .input("baseline", baseline)
            .input("fail-on", "new");
        if let Some((k, v)) = other {
            step = step.input(k, v);
        }
        let ran = step.run()?;
        assert_eq!(ran.code, Some(2), "{baseline}: {}", ran.explain());
        let errors = ran.named("error")?;
        assert!(
            errors
                .iter()
                .any(|c| c.message.starts_with("input `baseline`: ")
                    && c.message.contains("overwrite its")),
            "{baseline}: {}",
            ran.explain()
        );
        assert!(!ran.workspace.join("mtls-scan-report.json").exists());
    }
    let ran = Step::new()?
        .input("api-url", &url)
        .input("ca-file", &lab.pki.ca_cert_pem)
        .input("baseline", "baseline/mtls-scan-report.json")
        .input("fail-on", "NEW")
        .run()?;
    assert_eq!(ran.code, Some(1), "every finding new: {}", ran.explain());
    Ok(())
}

/// Two outputs on one file through a symlink (to a file not there yet, or there) or a hard
/// link are refused before the scan (exit 2), as the same path spelt twice is.
#[cfg(unix)]
#[test]
fn outputs_on_one_file_through_links_are_refused() -> TestResult {
    let dir = tempfile::tempdir()?;
    let d = dir.path();
    std::os::unix::fs::symlink("same.out", d.join("link.out"))?;
    let run = |args: &[&str]| -> TestResult<Output> {
        Ok(mtls_scan()
            .current_dir(d)
            .args(["scan", "https://127.0.0.1:1/", "--timeout", "1"])
            .args(args)
            .output()?)
    };
    let refused = |args: &[&str], want: &str| -> TestResult {
        let out = run(args)?;
        let e = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {e}");
        assert!(e.contains(want), "{args:?}: {e}");
        Ok(())
    };
    // The link's target not there yet: a write through the link creates it.
    let args = [
        "--json",
        "same.out",
        "--sarif",
        "link.out",
        "-o",
        "/dev/null",
    ];
    refused(&args, "--json and --sarif name the same file")?;
    assert!(!d.join("same.out").exists(), "nothing written");
    std::fs::write(d.join("same.out"), "x")?;
    refused(&args, "--json and --sarif name the same file")?;
    std::fs::hard_link(d.join("same.out"), d.join("hard.out"))?;
    refused(
        &["-o", "hard.out", "--markdown", "same.out"],
        "--output and --markdown name the same file",
    )?;
    // A link to the baseline's path, the baseline not there yet.
    std::os::unix::fs::symlink("base.json", d.join("to-base.json"))?;
    refused(
        &["--baseline", "base.json", "--json", "to-base.json"],
        "--baseline and --json name the same file",
    )?;
    let out = run(&["--json", "a.json", "--sarif", "b.sarif", "-o", "/dev/null"])?;
    assert_eq!(out.status.code(), Some(3), "distinct files: the scan runs");
    Ok(())
}

/// `-` is stdout for `-o`, `--json`, `--sarif`, `--markdown`, never a file named `-`; only one
/// output may be on stdout.
#[test]
fn a_dash_is_stdout() -> TestResult {
    let dir = tempfile::tempdir()?;
    let d = dir.path();
    let run = |args: &[&str]| -> TestResult<Output> {
        Ok(mtls_scan()
            .current_dir(d)
            .args(["scan", "https://127.0.0.1:1/", "--timeout", "1"])
            .args(args)
            .output()?)
    };
    let out = run(&["-o", "-", "--format", "json"])?;
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let report: Value = serde_json::from_slice(&out.stdout)?;
    assert_eq!(report["targets"][0]["url"], "https://127.0.0.1:1/");
    assert!(!d.join("-").exists(), "no file named -");
    let out = run(&["-o", "r.txt", "--sarif", "-"])?;
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let sarif: Value = serde_json::from_slice(&out.stdout)?;
    assert_eq!(sarif["version"], "2.1.0");
    assert!(std::fs::read_to_string(d.join("r.txt"))?.contains("127.0.0.1:1"));
    assert!(!d.join("-").exists(), "no file named -");
    for args in [
        vec!["-o", "-", "--json", "-"],
        vec!["--markdown", "-"],
        vec!["-o", "r.txt", "--json", "-", "--sarif", "-"],
    ] {
        let out = run(&args)?;
        let e = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {e}");
        assert!(e.contains("only one output may be `-`"), "{args:?}: {e}");
        assert!(out.stdout.is_empty(), "{args:?}: nothing scanned");
    }
    // Stdout spelt as a path (a pipe here), or the file stdout is redirected to, is stdout too:
    // the two reports ran together (an audit's `json.load` failed on "Extra data").
    for args in [
        vec!["--json", "/dev/stdout"],
        vec!["--sarif", "/dev/fd/1", "-o", "-"],
    ] {
        let out = run(&args)?;
        let e = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {e}");
        assert!(e.contains("is where stdout goes"), "{args:?}: {e}");
    }
    let redirected = std::fs::File::create(d.join("r.json"))?;
    let out = mtls_scan()
        .current_dir(d)
        .args([
            "scan",
            "https://127.0.0.1:1/",
            "--timeout",
            "1",
            "--json",
            "r.json",
        ])
        .stdout(redirected)
        .output()?;
    let e = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{e}");
    assert!(e.contains("--json r.json is where stdout goes"), "{e}");
    // Where nothing else writes to stdout, a path to it is its one output.
    let out = run(&["-o", "r.txt", "--json", "/dev/stdout"])?;
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let report: Value = serde_json::from_slice(&out.stdout)?;
    assert_eq!(report["targets"][0]["url"], "https://127.0.0.1:1/");
    Ok(())
}

/// Files with a UTF-8 byte-order mark (as Windows editors save them) are read: the CA file, the
/// client certificate and key, the config (before: "no PEM certificate found", "missing field
/// `targets`"), from the command line and the Action.
#[test]
fn files_with_a_byte_order_mark_are_read() -> TestResult {
    let rt = runtime()?;
    let lab = lab(&rt, &[LabCase::RequiredVerified])?;
    let dir = tempfile::tempdir()?;
    let d = dir.path();
    let url = lab.servers[0].url.clone();
    std::fs::write(d.join("ca.pem"), format!("{BOM}{}", lab.pki.ca_cert_pem))?;
    std::fs::write(d.join("c.pem"), format!("{BOM}{}", lab.pki.client_cert_pem))?;
    std::fs::write(d.join("k.pem"), format!("{BOM}{}", lab.pki.client_key_pem))?;
    std::fs::write(
        d.join("m.yml"),
        format!("{BOM}defaults:\n  ca-files: [ca.pem]\n  timeout: 5\ntargets:\n  - url: {url}\n"),
    )?;
    let identity = ["--client-cert", "c.pem", "--client-key", "k.pem"];
    for args in [
        vec![url.as_str(), "--ca-file", "ca.pem", "--timeout", "5"],
        vec!["--config", "m.yml"],
    ] {
        let out = mtls_scan()
            .current_dir(d)
            .arg("scan")
            .args(&args)
            .args(identity)
            .args(["--json", "r.json", "-o", "/dev/null"])
            .output()?;
        let e = stderr(&out);
        assert!(matches!(out.status.code(), Some(0 | 3)), "{args:?}: {e}");
        let report = json(&d.join("r.json"))?;
        let t = &report["targets"][0];
        assert!(t["error"].is_null(), "{t}");
        let ids: Vec<&str> = t["findings"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|f| f["id"].as_str())
            .collect();
        // The CA was read: the server's certificate verifies; the identity was read: the
        // server let it in (no "the valid certificate was refused").
        assert!(
            !ids.iter().any(|i| i.starts_with("server-cert")),
            "{args:?}: {ids:?}"
        );
        assert!(
            report.to_string().contains("valid-client-cert"),
            "{args:?}: the identity's probe ran"
        );
        assert_eq!(t["grade"], "B", "{args:?}: {t}");
    }
    let ran = Step::new()?
        .file("ca.pem", &format!("{BOM}{}", lab.pki.ca_cert_pem))?
        .file(
            "m.yml",
            &format!("{BOM}defaults:\n  timeout: 5\ntargets:\n  - url: {url}\n"),
        )?
        .input("config", "m.yml")
        .input("ca-file", "ca.pem")
        .input("client-cert", &format!("{BOM}{}", lab.pki.client_cert_pem))
        .input("client-key", &lab.pki.client_key_pem)
        .run()?;
    assert!(matches!(ran.code, Some(0 | 3)), "{}", ran.explain());
    assert_eq!(
        ran.report()?["targets"][0]["grade"],
        "B",
        "{}",
        ran.explain()
    );
    Ok(())
}

/// A DER or PKCS#12 file where PEM is expected says what it looks like and how to convert it;
/// a CA file's error names its flag.
#[test]
fn binary_pem_files_say_how_to_convert_them() -> TestResult {
    use rustls::pki_types::pem::PemObject as _;
    let dir = tempfile::tempdir()?;
    let d = dir.path();
    let key = rcgen::KeyPair::generate()?;
    let cert = rcgen::CertificateParams::new(vec!["a.test".to_owned()])?.self_signed(&key)?;
    std::fs::write(d.join("ca.der"), cert.der())?;
    std::fs::write(d.join("key.der"), key.serialize_der())?;
    // A PFX opens with a SEQUENCE and its version, INTEGER 3.
    std::fs::write(
        d.join("id.p12"),
        [0x30, 0x82, 0x01, 0x00, 0x02, 0x01, 0x03, 0x30, 0xff],
    )?;
    std::fs::write(d.join("empty.pem"), "not a certificate\n")?;
    assert!(rustls::pki_types::CertificateDer::from_pem_slice(cert.pem().as_bytes()).is_ok());
    std::fs::write(d.join("c.pem"), cert.pem())?;
    for (args, want) in [
        (
            vec!["--ca-file", "ca.der"],
            "--ca-file: cannot read ca.der: not UTF-8 text: it looks like DER: convert it to \
             PEM with `openssl x509 -inform der",
        ),
        (
            vec!["--ca-file", "empty.pem"],
            "--ca-file: empty.pem: no PEM certificate found",
        ),
        (
            vec!["--ca-file", "id.p12"],
            "--ca-file: cannot read id.p12: not UTF-8 text: it looks like PKCS#12 (.p12/.pfx): \
             convert it to PEM with `openssl pkcs12",
        ),
        (
            vec!["--client-cert", "id.p12", "--client-key", "key.der"],
            "--client-cert: cannot read id.p12: not UTF-8 text: it looks like PKCS#12",
        ),
        (
            vec!["--client-cert", "c.pem", "--client-key", "key.der"],
            "--client-key: cannot read key.der: not UTF-8 text: it looks like a DER private key: \
             convert it to PEM with `openssl pkey -inform der",
        ),
    ] {
        let out = mtls_scan()
            .current_dir(d)
            .args(["scan", "https://127.0.0.1:1/"])
            .args(&args)
            .output()?;
        let e = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {e}");
        assert!(e.contains(want), "{args:?}: {e}");
    }
    Ok(())
}

/// The config's settings validate as the flags and inputs do: `fail-under: none` is accepted
/// (before: refused, though `--fail-under none` is not); `concurrency: 0`, `per-host: 5000` and
/// a `timeout` over an hour are refused (before: accepted).
#[test]
fn the_config_validates_as_the_flags_do() -> TestResult {
    let rt = runtime()?;
    let lab = lab(&rt, &[LabCase::Optional])?;
    let dir = tempfile::tempdir()?;
    let d = dir.path();
    let url = &lab.servers[0].url;
    std::fs::write(d.join("ca.pem"), &lab.pki.ca_cert_pem)?;
    let config = |defaults: &str| -> TestResult<Output> {
        std::fs::write(
            d.join("m.yml"),
            format!("defaults:\n  ca-files: [ca.pem]\n{defaults}targets:\n  - url: {url}\n"),
        )?;
        Ok(mtls_scan()
            .current_dir(d)
            .args(["scan", "--config", "m.yml", "-o", "/dev/null"])
            .output()?)
    };
    // The F of a server that lets anyone in does not fail the run under `fail-under: none`.
    let out = config("  fail-under: none\n  timeout: 5\n")?;
    let e = stderr(&out);
    assert!(matches!(out.status.code(), Some(0 | 3)), "{e}");
    let out = config("  fail-under: C\n  timeout: 5\n")?;
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    for (defaults, want) in [
        ("  concurrency: 0\n", "0 is not a number from 1 to 4096"),
        ("  per-host: 5000\n", "5000 is not a number from 1 to 4096"),
        ("  per-host: -1\n", "-1 is not a number from 1 to 4096"),
        (
            "  timeout: 7200\n",
            "7200 is not a number of seconds more than 0 and at most 3600",
        ),
        (
            "  fail-under: E\n",
            "\"E\" is not a grade: use A, B, C, D, F or none",
        ),
    ] {
        let out = config(defaults)?;
        let e = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{defaults}: {e}");
        assert!(e.contains(want), "{defaults}: {e}");
    }
    // A target's `names` are DNS names, as `--sni-name` takes them (a typo was a side door left
    // unread on every run, exit 3, where the flag was refused).
    std::fs::write(
        d.join("n.yml"),
        format!("targets:\n  - url: {url}\n    names: [\"bad name\"]\n"),
    )?;
    let out = mtls_scan()
        .current_dir(d)
        .args(["scan", "--config", "n.yml", "-o", "/dev/null"])
        .output()?;
    let e = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{e}");
    assert!(e.contains("\"bad name\" is not a DNS name"), "{e}");
    // The Action reads the config's `fail-under: none` too, and says so.
    let ran = Step::new()?
        .file(
            "m.yml",
            &format!("defaults:\n  fail-under: none\n  timeout: 5\ntargets:\n  - url: {url}\n"),
        )?
        .input("config", "m.yml")
        .input("ca-file", &lab.pki.ca_cert_pem)
        .run()?;
    assert!(matches!(ran.code, Some(0 | 3)), "{}", ran.explain());
    Ok(())
}

/// A suppression's target matches however the URL is spelt (no trailing slash, the default
/// port left out, the host in capitals); one that suppresses nothing warns, saying which.
#[test]
fn suppression_targets_match_as_urls_and_unused_ones_warn() -> TestResult {
    let rt = runtime()?;
    let lab = lab(&rt, &[LabCase::Optional])?;
    let dir = tempfile::tempdir()?;
    let d = dir.path();
    let url = lab.servers[0].url.clone();
    std::fs::write(d.join("ca.pem"), &lab.pki.ca_cert_pem)?;
    let spelt = url.trim_end_matches('/');
    std::fs::write(
        d.join("m.yml"),
        format!(
            "defaults:\n  ca-files: [ca.pem]\n  timeout: 5\ntargets:\n  - url: {url}\n\
             suppressions:\n\
             \x20 - {{id: client-cert-optional, target: \"{spelt}\", reason: r, expires: 2999-01-01}}\n\
             \x20 - {{id: client-cert-optional, target: \"https://Nowhere.example\", reason: r, expires: 2999-01-01}}\n\
             \x20 - {{id: client-cert-not-requested, target: \"{spelt}/*\", reason: r, expires: 2999-01-01}}\n"
        ),
    )?;
    for format in ["json", "jsonl"] {
        let out = mtls_scan()
            .current_dir(d)
            .args(["scan", "--config", "m.yml", "--format", format])
            .output()?;
        let e = stderr(&out);
        let text = String::from_utf8_lossy(&out.stdout);
        let t: Value = if format == "json" {
            serde_json::from_str::<Value>(&text)?["targets"][0].clone()
        } else {
            serde_json::from_str(text.lines().next().unwrap_or_default())?
        };
        let optional = t["findings"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|f| f["id"] == "client-cert-optional")
            .cloned()
            .unwrap_or_default();
        assert_eq!(optional["suppressed"]["reason"], "r", "{format}: {t}");
        assert!(
            e.contains(
                "warning: suppression of client-cert-optional for https://nowhere.example:443/ \
                 matches none of the 1 scanned target"
            ),
            "{format}: {e}"
        );
        assert!(
            e.contains(&format!(
                "warning: suppression of client-cert-not-requested for {url}* suppresses \
                 nothing: {url} has no client-cert-not-requested finding"
            )),
            "{format}: {e}"
        );
        assert_eq!(e.matches("matches none").count(), 1, "{format}: once: {e}");
    }
    Ok(())
}

/// `--fail-on-incomplete` takes the spellings the Action's `fail-on-incomplete` takes (`False`,
/// `TRUE`: toolkit's booleans), and both refuse any other with the same words. An unreachable
/// target exits 3 whatever the flag: the run got past the flags.
#[test]
fn fail_on_incomplete_is_spelt_as_in_the_action() -> TestResult {
    for given in ["false", "False", "FALSE", "true", "True", "TRUE"] {
        let out = mtls_scan()
            .args(["scan", "https://127.0.0.1:1/", "--timeout", "1"])
            .args(["--fail-on-incomplete", given])
            .output()?;
        assert_eq!(out.status.code(), Some(3), "{given}: {}", stderr(&out));
    }
    let out = mtls_scan()
        .args([
            "scan",
            "https://127.0.0.1:1/",
            "--fail-on-incomplete",
            "yes",
        ])
        .output()?;
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let refused = "\"yes\" is not a boolean: use true or false";
    assert!(stderr(&out).contains(refused), "{}", stderr(&out));
    let ran = Step::new()?
        .input("api-url", "https://127.0.0.1:1/")
        .input("fail-on-incomplete", "yes")
        .run()?;
    assert_eq!(ran.code, Some(2), "{}", ran.explain());
    assert!(
        ran.named("error")?
            .iter()
            .any(|e| e.message == format!("input `fail-on-incomplete`: {refused}.")),
        "{}",
        ran.explain()
    );
    Ok(())
}

/// A config with a long multi-line plain scalar (thousands of base64 lines folded into one value
/// that the error quotes) is refused with its usual error, exit 2, at once: finding the quoted
/// value again line by line was quadratic (1.6 MB took 82 s, 6.7 MB more than two minutes).
/// Neither the command line nor the Action quotes any of it. About 4 MB: minutes before.
#[test]
fn a_config_with_a_long_multi_line_value_is_refused_at_once() -> TestResult {
    use std::fmt::Write as _;
    // Base64-like lines, each distinct (as a pasted blob's are).
    let mut blob = String::new();
    for i in 0..64_000u64 {
        let x = i.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        writeln!(
            blob,
            "      QUJD{x:016x}ZGVm{:016x}R0hJ{i:08x}SktM",
            x.rotate_left(17)
        )?;
    }
    let first_line = blob.lines().next().unwrap_or_default().trim().to_owned();
    let config = format!(
        "targets:\n  - url: https://a.example/\nsuppressions:\n  - id: client-cert-optional\n    \
         target: https://a.example/\n    reason: legacy\n    expires: 2099-01-01\n{blob}"
    );
    assert!(config.len() > 4_000_000, "{}", config.len());
    let want = "suppressions[0]: <value not shown> is not a date (YYYY-MM-DD)";

    let dir = tempfile::tempdir()?;
    let path = dir.path().join("long.yml");
    std::fs::write(&path, &config)?;
    let out = mtls_scan()
        .arg("scan")
        .arg("--config")
        .arg(&path)
        .output()?;
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains(want), "{}", stderr(&out));
    assert!(!stderr(&out).contains(&first_line), "{}", stderr(&out));

    let ran = Step::new()?
        .file("ci/long.yml", &config)?
        .input("config", "ci/long.yml")
        .run()?;
    assert_eq!(ran.code, Some(2), "{}", ran.explain());
    let errors = ran.named("error")?;
    assert!(
        errors
            .iter()
            .any(|e| e.title() == Some("mtls-scan: invalid input config")
                && e.message.contains(want)),
        "{}",
        ran.explain()
    );
    for seen in ran.visible()? {
        assert!(!seen.contains(&first_line));
    }
    Ok(())
}

/// A closed stderr and stdout (`mtls-scan scan URL 2>&1 | head -1`, the reader gone) lose their
/// lines, never the run: the exit code stays the one the report decided (an audit's run exited
/// 101, a panic writing a warning to the closed pipe).
#[test]
fn closed_output_pipes_keep_the_exit_code() -> TestResult {
    use std::process::Stdio;
    // A port nothing listens on: the target could not be scanned (exit 3), said on stderr.
    let unused = support::real_servers::free_ports(1)[0];
    let mut child = mtls_scan()
        .args([
            "scan",
            &format!("https://127.0.0.1:{unused}/"),
            "--timeout",
            "3",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    // Both readers gone before the scanner writes a byte.
    drop(child.stdout.take());
    drop(child.stderr.take());
    let status = child.wait()?;
    assert_eq!(status.code(), Some(3), "{status:?}");
    Ok(())
}
