//! `mtls-scan impostor` against real clients nobody here wrote, each run by the built binary on
//! 127.0.0.1 with the CA and the address handed over in the environment: curl (default, `-k`, with
//! a client certificate), Python `urllib` and `requests` (verify on, `verify=False`), Node `https`
//! (default, `rejectUnauthorized: false`, `NODE_TLS_REJECT_UNAUTHORIZED=0`), Go `net/http`
//! (`tests/clients/go`: default, `InsecureSkipVerify`), `openssl s_client` (with and without
//! `-verify_return_error`, with `-verify_hostname`), Bun's and Deno's `fetch` (default,
//! `rejectUnauthorized: false`, `--unsafely-ignore-certificate-errors`), etcdctl (gRPC: `--cacert`,
//! `--insecure-skip-tls-verify`), reverse proxies holding the upstream connection
//! (`tests/servers/proxy-client.sh`: nginx, HAProxy, Apache mod_proxy, stunnel, Caddy, Apache
//! Traffic Server, H2O, nghttpx, Squid, Traefik), wget, Ruby `Net::HTTP`, PHP's stream wrapper, Perl's Mojo::UserAgent,
//! `gnutls-cli`, the JDK's HttpClient (`tests/clients/java`), and a rustls client with a
//! dangerous verifier (this test binary, re-run as the client: `rustls_client_helper`).
//!
//! Each careful client gets no finding, each careless one exactly its findings (root causes and the
//! ones they imply). Then serve mode: one scenario per connection, a port per scenario, SIGTERM.
//!
//! A missing tool (curl, python3, node, go, openssl) fails its test; `MTLS_SKIP_REAL_SERVERS=1`
//! skips it on purpose. Python `requests` is used when installed.

#![allow(clippy::indexing_slicing, clippy::expect_used, clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

mod support;

const BIN: &str = env!("CARGO_BIN_EXE_mtls-scan");

type TestResult<T = ()> = Result<T, Box<dyn std::error::Error>>;

/// A client that checks nothing: one root cause, and the two findings it implies.
const CARELESS: &[(&str, bool)] = &[
    ("client-skips-server-verification", false),
    ("client-skips-hostname-check", true),
    ("client-accepts-expired-server-cert", true),
];
/// The same, holding a client certificate it hands over (`--request-client-cert`).
const CARELESS_WITH_IDENTITY: &[(&str, bool)] = &[
    ("client-skips-server-verification", false),
    ("client-sends-identity-to-untrusted-server", false),
    ("client-skips-hostname-check", true),
    ("client-accepts-expired-server-cert", true),
];
const CAREFUL: &[(&str, bool)] = &[];
const NAME_UNCHECKED: &[(&str, bool)] = &[("client-skips-hostname-check", false)];

/// Whether `tool` is on PATH; a missing one fails the test unless `MTLS_SKIP_REAL_SERVERS=1`.
fn need(tool: &str) -> bool {
    let found = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).any(|d| d.join(tool).is_file()))
        .unwrap_or(false);
    if found {
        return true;
    }
    if std::env::var("MTLS_SKIP_REAL_SERVERS").as_deref() == Ok("1") {
        eprintln!("skipped: {tool} is missing and MTLS_SKIP_REAL_SERVERS=1");
        return false;
    }
    panic!(
        "{tool} is missing: install it (bash scripts/test.sh installs every tool), or set \
         MTLS_SKIP_REAL_SERVERS=1 to skip the tests with real clients"
    );
}

/// `mtls-scan` with a clean environment: what clients need to run (PATH, HOME, pyenv), nothing
/// that points at a CA bundle.
fn mtls_scan() -> Command {
    let mut c = Command::new(BIN);
    c.env_clear();
    for k in ["PATH", "HOME", "PYENV_ROOT", "TMPDIR", "LANG"] {
        if let Some(v) = std::env::var_os(k) {
            c.env(k, v);
        }
    }
    c
}

struct Run {
    exit: i32,
    report: Value,
    stderr: String,
    elapsed: Duration,
}

impl Run {
    fn target(&self) -> &Value {
        &self.report["targets"][0]
    }

    fn findings(&self) -> Vec<(String, bool)> {
        self.target()["findings"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|f| {
                        (
                            f["id"].as_str().unwrap_or_default().to_owned(),
                            !f["implied_by"].is_null(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// A scenario of the run, by name.
    fn scenario(&self, name: &str) -> &Value {
        self.report["impostor"][0]["scenarios"]
            .as_array()
            .and_then(|a| a.iter().find(|s| s["scenario"] == name))
            .unwrap_or(&Value::Null)
    }

    /// Each scenario in a line, for failure messages and the timing figures.
    fn scenarios(&self) -> String {
        let mut out = String::new();
        for s in self.report["impostor"][0]["scenarios"]
            .as_array()
            .cloned()
            .unwrap_or_default()
        {
            let c = &s["connections"][0];
            out.push_str(&format!(
                "    {:<21} request {:<5} alert {:<20} detail {:<45} exit {} {:>6.0} ms\n",
                s["scenario"].as_str().unwrap_or("?"),
                c["app_data_bytes"].as_u64().unwrap_or(0) > 0,
                c["alert"].as_str().unwrap_or("-"),
                c["detail"].as_str().unwrap_or("-"),
                s["client"]["exit_code"],
                s["ms"].as_f64().unwrap_or(0.0)
            ));
        }
        out
    }
}

/// Runs `mtls-scan impostor --name localhost --format json [extra] -- cmd`.
fn impostor(extra: &[&str], env: &[(&str, &str)], cmd: &[&str]) -> TestResult<Run> {
    impostor_named("localhost", extra, env, cmd)
}

/// [`impostor`] for the server name `name`.
fn impostor_named(
    name: &str,
    extra: &[&str],
    env: &[(&str, &str)],
    cmd: &[&str],
) -> TestResult<Run> {
    let started = Instant::now();
    let out = mtls_scan()
        .args(["impostor", "--name", name, "--format", "json"])
        .args(extra)
        .arg("--")
        .args(cmd)
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .output()?;
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let report: Value = serde_json::from_slice(&out.stdout)
        .map_err(|e| format!("no JSON report ({e}); stderr:\n{stderr}"))?;
    Ok(Run {
        exit: out.status.code().unwrap_or(-1),
        report,
        stderr,
        elapsed: started.elapsed(),
    })
}

/// Checks a run's verdict: complete, the control reached, exactly `want`, graded as one such
/// finding alone grades it.
fn check(label: &str, run: &Run, want: &[(&str, bool)]) {
    check_graded(label, run, want, None);
}

/// [`check`], with the grade `want_grade` where given (two root causes together grade lower than
/// either alone).
fn check_graded(label: &str, run: &Run, want: &[(&str, bool)], want_grade: Option<&str>) {
    // As a set: the report orders findings by severity, then by the versions they were seen
    // on (an identity handed over in TLS 1.2 after a host name skipped in both).
    let mut got = run.findings();
    got.sort();
    let mut want: Vec<(String, bool)> = want.iter().map(|(i, b)| ((*i).to_owned(), *b)).collect();
    want.sort();
    eprintln!(
        "{label}: {} findings, grade {}, {:.0} ms ({} ms wall)\n{}",
        got.len(),
        run.target()["grade"],
        run.report["duration_ms"].as_f64().unwrap_or(0.0),
        run.elapsed.as_millis(),
        run.scenarios()
    );
    assert!(
        run.target()["error"].is_null(),
        "{label}: inconclusive: {}\nstderr: {}",
        run.target()["error"],
        run.stderr
    );
    assert!(
        run.target()["judged"].is_null(),
        "{label}: judged is only ever false"
    );
    // No --fail-under: below C (the default, as for `scan`) exits 1, else 0.
    let below_c = matches!(run.target()["grade"].as_str(), Some("D" | "F"));
    assert_eq!(
        run.exit,
        i32::from(below_c),
        "{label}: exit {}\nstderr: {}",
        run.exit,
        run.stderr
    );
    assert_eq!(
        got,
        want,
        "{label}: wrong findings\n{}stderr: {}",
        run.scenarios(),
        run.stderr
    );
    let grade = run.target()["grade"].as_str().unwrap_or_default();
    // Served with `--scenarios` leaving some out: B at best, with a note saying which.
    let capped = run.report["impostor"][0]["not_played"]
        .as_array()
        .is_some_and(|a| !a.is_empty());
    if capped {
        assert!(
            run.target()["notes"]
                .as_array()
                .is_some_and(|n| n.iter().any(|n| n
                    .as_str()
                    .is_some_and(|n| n.starts_with("graded B at best: scenario")))),
            "{label}: no note for the scenarios left out"
        );
    }
    let expected_grade = if let Some(g) = want_grade {
        g
    } else if want.is_empty() && capped {
        "B"
    } else if want.is_empty() {
        "A"
    } else if want
        .iter()
        .any(|(i, _)| i == "client-skips-server-verification")
    {
        "F"
    } else {
        "D"
    };
    assert_eq!(grade, expected_grade, "{label}");
}

/// A careless client holding a certificate ([`CARELESS_WITH_IDENTITY`]), and the certificate the
/// impostor was handed being the client's own.
fn check_hands_over_identity(label: &str, run: &Run) {
    check(label, run, CARELESS_WITH_IDENTITY);
    assert_eq!(
        presented(run, "requests-client-cert"),
        Some("CN=impostor-test-client"),
        "{label}"
    );
}

/// The subject of the client certificate presented in `scenario`, on whichever of its
/// connections carried one (Squid opens one that carries nothing first).
fn presented<'a>(run: &'a Run, scenario: &str) -> Option<&'a str> {
    run.scenario(scenario)["connections"]
        .as_array()?
        .iter()
        .find_map(|c| c["client_cert"]["subject"].as_str())
}

/// A client certificate and key (PEM files) for the clients that present one.
fn client_identity(dir: &Path) -> TestResult<(PathBuf, PathBuf)> {
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)?;
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new())?;
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "impostor-test-client");
    params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ClientAuth];
    let cert = params.self_signed(&key)?;
    let (c, k) = (dir.join("client.pem"), dir.join("client.key"));
    std::fs::write(&c, cert.pem())?;
    std::fs::write(&k, key.serialize_pem())?;
    Ok((c, k))
}

#[test]
fn curl_default_and_insecure() -> TestResult {
    if !need("curl") {
        return Ok(());
    }
    let get = r#"curl -sS -o /dev/null --max-time 5 "$MTLS_IMPOSTOR_URL""#;
    check("curl", &impostor(&[], &[], &["sh", "-c", get])?, CAREFUL);
    let insecure = r#"curl -k -sS -o /dev/null --max-time 5 "$MTLS_IMPOSTOR_URL""#;
    check(
        "curl -k",
        &impostor(&[], &[], &["sh", "-c", insecure])?,
        CARELESS,
    );
    // A name that resolves nowhere: the client pins the address, as a test would.
    let out = mtls_scan()
        .args(["impostor", "--name", "api.internal.example", "--format", "json", "--"])
        .args([
            "sh",
            "-c",
            r#"curl -sS -o /dev/null --max-time 5 --resolve "$MTLS_IMPOSTOR_HOST:$MTLS_IMPOSTOR_PORT:127.0.0.1" "$MTLS_IMPOSTOR_URL""#,
        ])
        .output()?;
    let report: Value = serde_json::from_slice(&out.stdout)?;
    let run = Run {
        exit: out.status.code().unwrap_or(-1),
        report,
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        elapsed: Duration::ZERO,
    };
    check("curl --resolve api.internal.example", &run, CAREFUL);
    assert_eq!(
        run.scenario("control")["connections"][0]["sni"],
        "api.internal.example"
    );
    Ok(())
}

/// Whether Python's `requests` imports (said when it does not: its cases are skipped).
fn has_python_requests() -> bool {
    let has = mtls_scan_env_command("python3")
        .args(["-c", "import requests"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !has {
        eprintln!("python requests is not installed: its cases are skipped");
    }
    has
}

/// Careful clients making two calls in one process keep one connection, as they do with any
/// keep-alive server: curl given two URLs (with `--http2` too, which offers HTTP/1.1 beside h2),
/// Python's `requests.Session` (review V: the impostor closed after each answer, the control saw
/// two connections and could not tell a careful check retried from a careless call: exit 3).
/// The careless ones stay careless.
#[test]
fn a_careful_client_making_two_calls_keeps_one_connection() -> TestResult {
    if !need("curl") {
        return Ok(());
    }
    for (label, flags) in [("curl URL URL", ""), ("curl --http2 URL URL", "--http2")] {
        let twice = format!(
            r#"curl {flags} -sSf -o /dev/null -o /dev/null --max-time 5 "$MTLS_IMPOSTOR_URL" "${{MTLS_IMPOSTOR_URL}}again""#
        );
        let run = impostor(&[], &[], &["sh", "-c", &twice])?;
        check(label, &run, CAREFUL);
        let control = &run.scenario("control")["connections"];
        assert_eq!(
            control.as_array().map(Vec::len),
            Some(1),
            "{label}: {control}"
        );
        let careless = format!(
            r#"curl -k {flags} -sSf -o /dev/null -o /dev/null --max-time 5 "$MTLS_IMPOSTOR_URL" "${{MTLS_IMPOSTOR_URL}}again""#
        );
        check(
            &format!("{label} -k"),
            &impostor(&[], &[], &["sh", "-c", &careless])?,
            CARELESS,
        );
    }
    if !has_python_requests() {
        return Ok(());
    }
    let session = "import os, requests\n\
                   s = requests.Session()\n\
                   url = os.environ['MTLS_IMPOSTOR_URL']\n\
                   s.get(url, timeout=5).raise_for_status()\n\
                   s.post(url + 'orders', json={'n': 1}, timeout=5).raise_for_status()";
    check(
        "python requests.Session, GET then POST",
        &impostor(&[], &[], &["python3", "-c", session])?,
        CAREFUL,
    );
    Ok(())
}

/// Review W's false passes (each A, exit 0): Python `requests` with `session.verify = False`,
/// which `REQUESTS_CA_BUNDLE` overrides (psf/requests#3829: under the impostor it verified, and
/// nowhere else): F now, those variables left out where the trusted CA has no part; a careful
/// check failing against the control, gating a careless call that so never ran anywhere:
/// unjudged (exit 3) now; and a careless `curl --http1.0 -k`, whose ALPN (`http/1.0`) the
/// impostor does not speak: its handshake failed, unjudged; now it goes on without ALPN: F.
#[test]
fn careless_calls_hidden_from_the_impostor_are_found_or_unjudged() -> TestResult {
    if !need("curl") {
        return Ok(());
    }
    let gated = r#"curl -sSf --max-time 5 "$MTLS_IMPOSTOR_URL" | grep -q '"ok"' && curl -k -sS -o /dev/null --max-time 5 "${MTLS_IMPOSTOR_URL}data""#;
    let run = impostor(&[], &[], &["sh", "-c", gated])?;
    assert_eq!(
        run.exit,
        3,
        "{}
{}",
        run.scenarios(),
        run.stderr
    );
    assert!(
        run.stderr
            .contains("the command failed against the control"),
        "{}",
        run.stderr
    );
    let http10 = r#"curl --http1.0 -k -sS -o /dev/null --max-time 5 "$MTLS_IMPOSTOR_URL""#;
    check(
        "curl --http1.0 -k",
        &impostor(&[], &[], &["sh", "-c", http10])?,
        CARELESS,
    );
    let careful10 = r#"curl --http1.0 -sS -o /dev/null --max-time 5 "$MTLS_IMPOSTOR_URL""#;
    check(
        "curl --http1.0",
        &impostor(&[], &[], &["sh", "-c", careful10])?,
        CAREFUL,
    );
    if !has_python_requests() {
        return Ok(());
    }
    let session = "import os, requests\n\
                   s = requests.Session()\n\
                   s.verify = False\n\
                   requests.packages.urllib3.disable_warnings()\n\
                   s.get(os.environ['MTLS_IMPOSTOR_URL'], timeout=5).raise_for_status()";
    let run = impostor(&[], &[], &["python3", "-c", session])?;
    let skipped = run
        .findings()
        .iter()
        .any(|(id, _)| id == "client-skips-server-verification");
    assert!(
        skipped,
        "{}
{}",
        run.scenarios(),
        run.stderr
    );
    assert_eq!(run.exit, 1, "{}", run.stderr);
    Ok(())
}

/// A careful client that also opens a connection and closes it without sending a byte (what
/// grpc-go does when etcdctl's time-out cancels a redial: `etcdctl_grpc` was incomplete, exit 3,
/// in a loaded CI run): that connection carried nothing, no fallback, so the refusals stand (A);
/// one that sends a byte that is no TLS and closes is unread beside them (incomplete, exit 3).
#[test]
fn a_connection_that_carried_nothing_is_no_fallback() -> TestResult {
    if !need("curl") || !need("bash") {
        return Ok(());
    }
    let silent = r#"curl -sS -o /dev/null --max-time 5 "$MTLS_IMPOSTOR_URL"; exec 3<>"/dev/tcp/127.0.0.1/$MTLS_IMPOSTOR_PORT"; exec 3>&-"#;
    let run = impostor(&[], &[], &["bash", "-c", silent])?;
    check(
        "curl beside a connection that carried nothing",
        &run,
        CAREFUL,
    );
    assert_eq!(
        run.scenario("self-signed")["connections"]
            .as_array()
            .map(|c| c.iter().filter(|c| c["carried_nothing"] == true).count()),
        Some(1),
        "{}",
        run.scenarios()
    );
    let a_byte = r#"curl -sS -o /dev/null --max-time 5 "$MTLS_IMPOSTOR_URL"; exec 3<>"/dev/tcp/127.0.0.1/$MTLS_IMPOSTOR_PORT"; printf 'x' >&3; sleep 0.2; exec 3>&-"#;
    let run = impostor(&[], &[], &["bash", "-c", a_byte])?;
    assert_eq!(run.exit, 3, "{}", run.scenarios());
    Ok(())
}

#[test]
fn curl_with_a_client_certificate() -> TestResult {
    if !need("curl") {
        return Ok(());
    }
    let dir = tempfile::tempdir()?;
    let (cert, key) = client_identity(dir.path())?;
    let env = [
        ("CLIENT_CERT", cert.to_str().unwrap()),
        ("CLIENT_KEY", key.to_str().unwrap()),
    ];
    // curl (OpenSSL) checks the host name after the handshake: by then it has presented its
    // certificate to the wrong-host server that asked for it (it graded A).
    let careful = r#"curl -sS -o /dev/null --max-time 5 --cert "$CLIENT_CERT" --key "$CLIENT_KEY" "$MTLS_IMPOSTOR_URL""#;
    let run = impostor(&["--request-client-cert"], &env, &["sh", "-c", careful])?;
    check(
        "curl --cert",
        &run,
        &[("client-sends-identity-to-untrusted-server", false)],
    );
    assert_eq!(
        presented(&run, "wrong-host-requests-client-cert"),
        Some("CN=impostor-test-client")
    );
    assert!(run.scenario("requests-client-cert")["connections"][0]["client_cert"].is_null());
    let careless = r#"curl -k -sS -o /dev/null --max-time 5 --cert "$CLIENT_CERT" --key "$CLIENT_KEY" "$MTLS_IMPOSTOR_URL""#;
    let run = impostor(&["--request-client-cert"], &env, &["sh", "-c", careless])?;
    check("curl -k --cert", &run, CARELESS_WITH_IDENTITY);
    let offered = &run.scenario("requests-client-cert")["connections"][0]["client_cert"];
    assert_eq!(offered["subject"], "CN=impostor-test-client");
    assert_eq!(offered["sha256"].as_str().map(str::len), Some(64));
    let json = run.report.to_string();
    assert!(!json.contains("PRIVATE KEY"), "key material in the report");
    Ok(())
}

/// A client certificate and key made by the `openssl` command line: `openssl x509 -req` without
/// extensions (an X.509 v1 certificate), or with `ext` (an `-extfile` line).
fn openssl_identity(dir: &Path, name: &str, ext: Option<&str>) -> TestResult<(PathBuf, PathBuf)> {
    let (key, csr, crt) = (
        dir.join(format!("{name}.key")),
        dir.join(format!("{name}.csr")),
        dir.join(format!("{name}.crt")),
    );
    let ok = Command::new("openssl")
        .args([
            "req",
            "-new",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
        ])
        .arg("-keyout")
        .arg(&key)
        .args(["-subj", &format!("/O=Example/CN={name}")])
        .arg("-out")
        .arg(&csr)
        .stderr(Stdio::null())
        .status()?
        .success();
    assert!(ok, "openssl req failed");
    let mut x509 = Command::new("openssl");
    x509.args(["x509", "-req", "-days", "30", "-in"])
        .arg(&csr)
        .arg("-signkey")
        .arg(&key)
        .arg("-out")
        .arg(&crt)
        .stderr(Stdio::null());
    if let Some(ext) = ext {
        let file = dir.join(format!("{name}.ext"));
        std::fs::write(&file, format!("{ext}\n"))?;
        x509.arg("-extfile").arg(file);
    }
    assert!(x509.status()?.success(), "openssl x509 -req failed");
    Ok((crt, key))
}

#[test]
fn a_client_certificate_webpki_cannot_read_is_recorded() -> TestResult {
    if !need("curl") || !need("openssl") {
        return Ok(());
    }
    let dir = tempfile::tempdir()?;
    // An X.509 v1 certificate, and one with an unknown critical extension: webpki reads neither,
    // and the client-certificate verifier refused them: the scenario ended incomplete, the
    // identity's finding lost.
    for (name, ext) in [
        ("v1-client", None),
        (
            "crit-client",
            Some("1.2.3.4.5.6.7=critical,ASN1:UTF8String:hello"),
        ),
    ] {
        let (cert, key) = openssl_identity(dir.path(), name, ext)?;
        let env = [
            ("CLIENT_CERT", cert.to_str().unwrap()),
            ("CLIENT_KEY", key.to_str().unwrap()),
        ];
        let careless = r#"curl -k -sS -o /dev/null --max-time 5 --cert "$CLIENT_CERT" --key "$CLIENT_KEY" "$MTLS_IMPOSTOR_URL""#;
        let run = impostor(&["--request-client-cert"], &env, &["sh", "-c", careless])?;
        check(name, &run, CARELESS_WITH_IDENTITY);
        for scenario in ["requests-client-cert", "wrong-host-requests-client-cert"] {
            let c = &run.scenario(scenario)["connections"][0];
            assert_eq!(
                c["client_cert"]["subject"],
                format!("O=Example, CN={name}"),
                "{name} {scenario}: {c}"
            );
            assert_eq!(c["end"], "request", "{name} {scenario}: {c}");
        }
        assert!(run.target()["incomplete"]
            .as_array()
            .is_some_and(Vec::is_empty));
    }
    Ok(())
}

#[test]
fn python_urllib_and_requests() -> TestResult {
    if !need("python3") {
        return Ok(());
    }
    let urllib = "import os, urllib.request\n\
                  urllib.request.urlopen(os.environ['MTLS_IMPOSTOR_URL'], timeout=5).read()";
    check(
        "python urllib",
        &impostor(&[], &[], &["python3", "-c", urllib])?,
        CAREFUL,
    );
    // Python 3.13's default context: OpenSSL's strict mode, which refuses a certificate without
    // an authority key identifier (the impostor's leaves had none: the control was refused and
    // the client not judged, exit 3; an audit's).
    let strict = "import os, ssl, urllib.request\n\
                  ctx = ssl.create_default_context()\n\
                  ctx.verify_flags |= ssl.VERIFY_X509_STRICT | ssl.VERIFY_X509_PARTIAL_CHAIN\n\
                  urllib.request.urlopen(os.environ['MTLS_IMPOSTOR_URL'], timeout=5, context=ctx).read()";
    check(
        "python urllib, strict (3.13's defaults)",
        &impostor(&[], &[], &["python3", "-c", strict])?,
        CAREFUL,
    );
    let unverified = "import os, ssl, urllib.request\n\
                      ctx = ssl._create_unverified_context()\n\
                      urllib.request.urlopen(os.environ['MTLS_IMPOSTOR_URL'], timeout=5, context=ctx).read()";
    check(
        "python urllib CERT_NONE",
        &impostor(&[], &[], &["python3", "-c", unverified])?,
        CARELESS,
    );
    if !has_python_requests() {
        return Ok(());
    }
    let requests = "import os, requests\n\
                    requests.get(os.environ['MTLS_IMPOSTOR_URL'], timeout=5).raise_for_status()";
    check(
        "python requests",
        &impostor(&[], &[], &["python3", "-c", requests])?,
        CAREFUL,
    );
    let insecure = "import os, requests, urllib3\n\
                    urllib3.disable_warnings()\n\
                    requests.get(os.environ['MTLS_IMPOSTOR_URL'], timeout=5, verify=False).raise_for_status()";
    check(
        "python requests verify=False",
        &impostor(&[], &[], &["python3", "-c", insecure])?,
        CARELESS,
    );
    Ok(())
}

/// GNU Wget 1.21 (GnuTLS, which reads no SSL_CERT_FILE): careful with `--ca-certificate`,
/// careless with `--no-check-certificate`.
#[test]
fn wget() -> TestResult {
    if !need("wget") {
        return Ok(());
    }
    let get = |flag: &str| {
        impostor(
            &[],
            &[],
            &[
                "sh",
                "-c",
                &format!("wget -q -O /dev/null {flag} \"$MTLS_IMPOSTOR_URL\""),
            ],
        )
    };
    check(
        "wget --ca-certificate",
        &get("--ca-certificate=\"$MTLS_IMPOSTOR_CA_FILE\"")?,
        CAREFUL,
    );
    check(
        "wget --no-check-certificate",
        &get("--no-check-certificate")?,
        CARELESS,
    );
    Ok(())
}

/// Ruby 3.1 `Net::HTTP` (its OpenSSL reads SSL_CERT_FILE): careful by default, careless with
/// `verify_mode = OpenSSL::SSL::VERIFY_NONE`.
#[test]
fn ruby_net_http() -> TestResult {
    if !need("ruby") {
        return Ok(());
    }
    let get = |setup: &str| {
        let script = format!(
            "require 'net/http'; require 'openssl'; u = URI(ENV['MTLS_IMPOSTOR_URL']); \
             h = Net::HTTP.new(u.host, u.port); h.use_ssl = true; h.open_timeout = 5; \
             h.read_timeout = 5; {setup} h.get('/orders')"
        );
        impostor(&[], &[], &["ruby", "-e", &script])
    };
    check("ruby Net::HTTP", &get("")?, CAREFUL);
    check(
        "ruby Net::HTTP VERIFY_NONE",
        &get("h.verify_mode = OpenSSL::SSL::VERIFY_NONE;")?,
        CARELESS,
    );
    Ok(())
}

/// PHP 8.2's `https://` stream wrapper (`file_get_contents`): careful by default; careless with
/// the `ssl` context's `verify_peer` false; `verify_peer_name` false alone checks the chain and
/// the dates but no name.
#[test]
fn php_stream_wrapper() -> TestResult {
    if !need("php") {
        return Ok(());
    }
    let get = |ssl: &str| {
        let script = format!(
            "file_get_contents(getenv('MTLS_IMPOSTOR_URL') . 'orders', false, \
             stream_context_create(['ssl' => [{ssl}], 'http' => ['timeout' => 5]]));"
        );
        impostor(&[], &[], &["php", "-r", &script])
    };
    check("php file_get_contents", &get("")?, CAREFUL);
    check(
        "php verify_peer false",
        &get("'verify_peer' => false, 'verify_peer_name' => false")?,
        CARELESS,
    );
    check(
        "php verify_peer_name false",
        &get("'verify_peer_name' => false")?,
        NAME_UNCHECKED,
    );
    Ok(())
}

/// Perl's Mojo::UserAgent (IO::Socket::SSL, which reads SSL_CERT_FILE): careful by default,
/// careless with `insecure(1)`.
#[test]
fn perl_mojo_user_agent() -> TestResult {
    if !need("perl") {
        return Ok(());
    }
    let has_mojo = mtls_scan_env_command("perl")
        .args(["-MMojo::UserAgent", "-e", "1"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !has_mojo {
        assert!(
            std::env::var("MTLS_SKIP_REAL_SERVERS").as_deref() == Ok("1"),
            "Mojo::UserAgent is missing: bash scripts/test.sh installs libmojolicious-perl"
        );
        return Ok(());
    }
    let get = |insecure: u8| {
        let script = format!(
            "Mojo::UserAgent->new->insecure({insecure})->request_timeout(5)\
             ->get($ENV{{MTLS_IMPOSTOR_URL}} . 'orders')"
        );
        impostor(&[], &[], &["perl", "-MMojo::UserAgent", "-e", &script])
    };
    check("perl Mojo::UserAgent", &get(0)?, CAREFUL);
    check("perl Mojo::UserAgent insecure", &get(1)?, CARELESS);
    Ok(())
}

/// GnuTLS's `gnutls-cli` 3.7 sending a request: careful with `--x509cafile` (it checks the name
/// it connects to), careless with `--insecure`.
#[test]
fn gnutls_cli() -> TestResult {
    if !need("gnutls-cli") {
        return Ok(());
    }
    let get = |flag: &str| {
        impostor(
            &[],
            &[],
            &[
                "sh",
                "-c",
                &format!(
                    "printf 'GET /orders HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' | \
                     gnutls-cli {flag} -p \"$MTLS_IMPOSTOR_PORT\" localhost"
                ),
            ],
        )
    };
    check(
        "gnutls-cli --x509cafile",
        &get("--x509cafile=\"$MTLS_IMPOSTOR_CA_FILE\"")?,
        CAREFUL,
    );
    check("gnutls-cli --insecure", &get("--insecure")?, CARELESS);
    Ok(())
}

/// The JDK 17's `java.net.http.HttpClient` (`tests/clients/java/HttpsClient.java`, the CA loaded
/// into an in-memory KeyStore): careful by default; `jdk.internal.httpclient.
/// disableHostnameVerification` checks the chain and the dates but no name; a trust-all
/// X509TrustManager with that property checks nothing. Compiled once with javac: launched from
/// its source, each scenario's JVM compiled it first, and on a loaded machine its refusal of the
/// wrong host came past the impostor's second for a prompt close (exit 3 in a suite run beside a
/// review).
#[test]
fn java_http_client() -> TestResult {
    if !need("java") || !need("javac") {
        return Ok(());
    }
    let source =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/clients/java/HttpsClient.java");
    let classes = tempfile::tempdir()?;
    let compiled = Command::new("javac")
        .arg("-d")
        .arg(classes.path())
        .arg(&source)
        .stdin(Stdio::null())
        .output()?;
    assert!(
        compiled.status.success(),
        "javac: {}",
        String::from_utf8_lossy(&compiled.stderr)
    );
    let classpath = classes.path().to_str().unwrap_or_default();
    let get = |mode: &str| impostor(&[], &[], &["java", "-cp", classpath, "HttpsClient", mode]);
    check("java HttpClient", &get("default")?, CAREFUL);
    check(
        "java HttpClient disableHostnameVerification",
        &get("no-hostname")?,
        NAME_UNCHECKED,
    );
    check("java HttpClient trust-all", &get("trust-all")?, CARELESS);
    Ok(())
}

/// Erlang/OTP `httpc`: with `{verify, verify_peer}` and the CA file careful, A, in every run;
/// with no `ssl` options (OTP 25 verifies nothing by default) careless. The VM leaves helpers
/// (`inet_gethost`, `erl_child_setup`) that end a few milliseconds after it: no process left
/// running (an audit's careful client was B, exit 3, "left processes running", in 4 runs of 5).
#[test]
fn erlang_httpc() -> TestResult {
    if !need("escript") {
        return Ok(());
    }
    let dir = tempfile::tempdir()?;
    let script = dir.path().join("httpc.escript");
    std::fs::write(
        &script,
        r#"#!/usr/bin/env escript
main([Mode]) ->
    inets:start(), ssl:start(),
    Url = os:getenv("MTLS_IMPOSTOR_URL"), CA = os:getenv("MTLS_IMPOSTOR_CA_FILE"),
    Ssl = case Mode of
        "careful" -> [{verify, verify_peer}, {cacertfile, CA}];
        "careless" -> []
    end,
    case httpc:request(get, {Url, []}, [{ssl, Ssl}, {timeout, 5000}, {connect_timeout, 5000}], []) of
        {ok, {{_, 200, _}, _, _}} -> halt(0);
        _ -> halt(1)
    end.
"#,
    )?;
    let script = script.to_string_lossy().into_owned();
    // OTP 25's path validation (public_key 1.13.2) takes an intermediate whose basicConstraints
    // say CA:FALSE when it carries no keyUsage: the non-ca-issuer scenario gets its request, as
    // an `openssl s_server` serving such a chain does (curl and `openssl verify` refuse it:
    // "invalid CA certificate"). Every other scenario refused, in every run.
    for i in 1..=3 {
        let run = impostor(&[], &[], &["escript", &script, "careful"])?;
        check(
            &format!("erlang httpc verify_peer, run {i}"),
            &run,
            &[("client-skips-server-verification", false)],
        );
        let mut taken: Vec<&str> = run.report["impostor"][0]["scenarios"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|s| {
                s["connections"]
                    .as_array()
                    .is_some_and(|c| c.iter().any(|c| c["end"] == "request"))
            })
            .filter_map(|s| s["scenario"].as_str())
            .collect();
        taken.sort_unstable();
        assert_eq!(taken, ["control", "non-ca-issuer"], "run {i}");
    }
    check(
        "erlang httpc, no ssl options",
        &impostor(&[], &[], &["escript", &script, "careless"])?,
        CARELESS,
    );
    Ok(())
}

/// Clients verifying as by default, but with the cipher list `ALL:@SECLEVEL=0`: they refuse
/// every impostor, yet offer anonymous suites. Python `urllib` goes on with a server that picks
/// one and shows no certificate at all (an audit's: A, exit 0); curl refuses it ("couldn't get
/// peer certificate", checked by hand against `openssl s_server -nocert -cipher aNULL`: the
/// finding read from the ClientHello was false for it, another audit's). The impostor plays
/// `anonymous-suite` last (OpenSSL picking one): `urllib` is F, `client-skips-server-verification`
/// from that scenario alone, exit 1; curl refuses it and is A, exit 0, with nothing unproven.
/// Before, both were incomplete (exit 3): rustls picks none.
#[test]
fn a_client_offering_anonymous_suites_is_tried_with_one() -> TestResult {
    let anull = "import os, ssl, urllib.request\n\
                 ctx = ssl.create_default_context()\n\
                 ctx.set_ciphers('ALL:@SECLEVEL=0')\n\
                 urllib.request.urlopen(os.environ['MTLS_IMPOSTOR_URL'], timeout=5, context=ctx).read()";
    let curl = r#"curl -sSf -o /dev/null --max-time 5 --ciphers 'ALL:@SECLEVEL=0' --cacert "$MTLS_IMPOSTOR_CA_FILE" "$MTLS_IMPOSTOR_URL""#;
    for (label, tool, cmd, careless) in [
        (
            "python urllib",
            "python3",
            &["python3", "-c", anull][..],
            true,
        ),
        ("curl", "curl", &["sh", "-c", curl][..], false),
    ] {
        if !need(tool) {
            continue;
        }
        let run = impostor(&[], &[], cmd)?;
        let t = run.target();
        let anonymous = run.scenario("anonymous-suite");
        assert!(
            anonymous["connections"]
                .as_array()
                .is_some_and(|c| !c.is_empty()),
            "{label}: {}",
            run.scenarios()
        );
        assert!(
            t["incomplete"].as_array().is_none_or(|i| i.is_empty()),
            "{label}: {}",
            t["incomplete"]
        );
        if careless {
            assert_eq!(run.exit, 1, "{label}: {}", run.scenarios());
            assert_eq!(t["grade"], "F", "{label}");
            let f = t["findings"]
                .as_array()
                .and_then(|f| {
                    f.iter()
                        .find(|f| f["id"] == "client-skips-server-verification")
                })
                .unwrap_or_else(|| panic!("{label}: {}", t["findings"]));
            assert!(
                f["detail"]
                    .as_str()
                    .is_some_and(|d| d.contains("anonymous cipher suite")),
                "{label}: {f}"
            );
            // That scenario alone: every certificate the client was shown, it refused.
            assert_eq!(
                f["evidence"]
                    .as_object()
                    .map(|e| e.keys().filter(|k| k.starts_with("scenario ")).count()),
                Some(1),
                "{label}: {f}"
            );
            assert!(
                anonymous["connections"].as_array().is_some_and(|c| c
                    .iter()
                    .any(|c| c["end"] == "request" && c["tls_version"] == "1.2")),
                "{label}: {anonymous}"
            );
        } else {
            assert_eq!(run.exit, 0, "{label}: {}", run.scenarios());
            assert_eq!(t["grade"], "A", "{label}");
            assert!(
                t["findings"].as_array().is_none_or(|f| f.is_empty()),
                "{label}: {}",
                t["findings"]
            );
        }
    }
    Ok(())
}

/// A client that checks the host name after the handshake, raises, and leaves the socket to be
/// closed only as its retry starts after a back-off, as urllib3 1.26 with `Retry` does (pip's
/// default, requests with a retrying adapter): each wrong-host connection closes a second or more
/// after the handshake, just as the next one opens. That is the client moving on without its
/// request, not one killed while it decided: A, exit 0 (an audit's pip was B, exit 3). Its twin
/// that sends the request anyway is still caught.
#[test]
fn a_client_that_closes_as_it_retries_after_a_back_off_is_careful() -> TestResult {
    if !need("python3") {
        return Ok(());
    }
    let client = |careless: bool| {
        format!(
            "import os, socket, ssl, sys, time\n\
             ctx = ssl.create_default_context(cafile=os.environ['MTLS_IMPOSTOR_CA_FILE'])\n\
             ctx.check_hostname = False\n\
             held = None\n\
             for attempt in range(3):\n\
             \x20   if attempt: time.sleep(1.2)\n\
             \x20   if held: held.close()\n\
             \x20   raw = socket.create_connection(('127.0.0.1', int(os.environ['MTLS_IMPOSTOR_PORT'])), timeout=5)\n\
             \x20   try:\n\
             \x20       s = ctx.wrap_socket(raw, server_hostname=os.environ['MTLS_IMPOSTOR_HOST'])\n\
             \x20   except ssl.SSLError:\n\
             \x20       raw.close(); continue\n\
             \x20   names = [v for k, v in s.getpeercert().get('subjectAltName', ()) if k == 'DNS']\n\
             \x20   if os.environ['MTLS_IMPOSTOR_HOST'] in names or {careless}:\n\
             \x20       s.sendall(b'GET / HTTP/1.1\\r\\nHost: x\\r\\nConnection: close\\r\\n\\r\\n'); s.recv(100); sys.exit(0)\n\
             \x20   held = s\n\
             sys.exit(1)\n",
            careless = if careless { "True" } else { "False" }
        )
    };
    let careful = client(false);
    let run = impostor(
        &["--scenario-timeout", "20"],
        &[],
        &["python3", "-c", &careful],
    )?;
    assert_eq!(run.exit, 0, "{}", run.scenarios());
    check("a client that retries after a back-off", &run, CAREFUL);
    let careless = client(true);
    let run = impostor(
        &["--scenario-timeout", "20"],
        &[],
        &["python3", "-c", &careless],
    )?;
    assert_ne!(run.exit, 0, "{}", run.scenarios());
    Ok(())
}

/// A Node client that forgives a missing issuer alone (`UNABLE_TO_VERIFY_LEAF_SIGNATURE`,
/// `UNABLE_TO_GET_ISSUER_CERT_LOCALLY`: the workaround for a server that leaves out its
/// intermediate), every other error refused: a review's, A, exit 0, while every impostor's chain
/// ended in a root. The `unknown-issuer` scenario (a leaf from an unknown CA, sent alone) gets
/// its request: `client-skips-server-verification`, critical, and no other scenario does.
#[test]
fn a_client_forgiving_a_missing_issuer_takes_any_certificate() -> TestResult {
    if !need("node") {
        return Ok(());
    }
    let script = "const tolerated = ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', \
                  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY']; \
                  const req = require('https').request(process.env.MTLS_IMPOSTOR_URL, \
                  { rejectUnauthorized: false, agent: false }, r => { r.resume(); \
                  r.on('end', () => process.exit(0)); }); \
                  req.on('socket', s => s.on('secureConnect', () => { \
                  const e = s.authorizationError; const code = (e && e.code) || String(e); \
                  if (!s.authorized && !tolerated.includes(code)) { console.error('refused', code); \
                  s.destroy(); process.exit(1); } })); \
                  req.on('error', e => { console.error(e.message); process.exit(1); }); req.end();";
    let run = impostor(&[], &[], &["node", "-e", script])?;
    check(
        "node forgiving a missing issuer",
        &run,
        &[("client-skips-server-verification", false)],
    );
    let accepted: Vec<&str> = run.report["impostor"][0]["scenarios"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|s| {
            s["scenario"] != "control"
                && s["connections"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|c| c["app_data_bytes"].as_u64().unwrap_or(0) > 0)
        })
        .filter_map(|s| s["scenario"].as_str())
        .collect();
    assert_eq!(accepted, ["unknown-issuer"], "{}", run.scenarios());
    Ok(())
}

/// Python `ssl`, the chain verified, the host name matched by hand as "subdomains allowed"
/// (`host == san or host.endswith(san.lstrip('*'))`): a review's, A, exit 0 while the
/// wrong-host certificate named a sibling and a `.invalid` name alone. Its parent domain among
/// the wrong names: `client-skips-hostname-check`. The same client matching by equality: A.
#[test]
fn a_client_matching_names_by_suffix_is_name_blind() -> TestResult {
    if !need("python3") {
        return Ok(());
    }
    let client = |matcher: &str| {
        format!(
            "import os, socket, ssl, sys, urllib.parse\n\
             u = urllib.parse.urlparse(os.environ['MTLS_IMPOSTOR_URL'])\n\
             host, port = os.environ['MTLS_IMPOSTOR_ADDR'].rsplit(':', 1)\n\
             ctx = ssl.create_default_context(cafile=os.environ['MTLS_IMPOSTOR_CA_FILE'])\n\
             ctx.check_hostname = False\n\
             with socket.create_connection((host, int(port)), timeout=5) as s:\n\
             \x20   with ctx.wrap_socket(s, server_hostname=u.hostname) as t:\n\
             \x20       sans = [v for k, v in t.getpeercert().get('subjectAltName', ()) if k == 'DNS']\n\
             \x20       if not any({matcher} for n in sans):\n\
             \x20           sys.exit('name mismatch')\n\
             \x20       t.sendall(b'GET / HTTP/1.1\\r\\nHost: x\\r\\nConnection: close\\r\\n\\r\\n')\n\
             \x20       t.recv(200)\n"
        )
    };
    let suffix = client("u.hostname == n or u.hostname.endswith(n.lstrip('*'))");
    check(
        "python, names matched by suffix",
        &impostor_named(
            "api.internal.example",
            &[],
            &[],
            &["python3", "-c", &suffix],
        )?,
        NAME_UNCHECKED,
    );
    let equal = client("u.hostname == n");
    check(
        "python, names matched whole",
        &impostor_named("api.internal.example", &[], &[], &["python3", "-c", &equal])?,
        CAREFUL,
    );
    Ok(())
}

/// A command with the environment `mtls-scan` passes on (to probe the clients themselves).
fn mtls_scan_env_command(program: &str) -> Command {
    let mut c = Command::new(program);
    c.env_clear();
    for k in ["PATH", "HOME", "PYENV_ROOT", "TMPDIR", "LANG"] {
        if let Some(v) = std::env::var_os(k) {
            c.env(k, v);
        }
    }
    c
}

#[test]
fn node_https() -> TestResult {
    if !need("node") {
        return Ok(());
    }
    let script = |options: &str| {
        format!(
            "require('https').get(process.env.MTLS_IMPOSTOR_URL, {{ {options} }}, r => {{ \
             r.resume(); r.on('end', () => process.exit(r.statusCode === 200 ? 0 : 1)); }})\
             .on('error', e => {{ console.error(e.message); process.exit(1); }});"
        )
    };
    check(
        "node https",
        &impostor(&[], &[], &["node", "-e", &script("")])?,
        CAREFUL,
    );
    check(
        "node rejectUnauthorized: false",
        &impostor(
            &[],
            &[],
            &["node", "-e", &script("rejectUnauthorized: false")],
        )?,
        CARELESS,
    );
    check(
        "node NODE_TLS_REJECT_UNAUTHORIZED=0",
        &impostor(
            &[],
            &[("NODE_TLS_REJECT_UNAUTHORIZED", "0")],
            &["node", "--no-warnings", "-e", &script("")],
        )?,
        CARELESS,
    );
    // With a certificate and the defaults: Node checks the server once the handshake is over,
    // so in a TLS 1.2 handshake (any server may pick it) its certificate has gone out by then
    // (a review's Node 20 and npm: A, exit 0, while the impostor always spoke TLS 1.3).
    let dir = tempfile::tempdir()?;
    let (cert, key) = client_identity(dir.path())?;
    let identity = format!(
        "cert: require('fs').readFileSync({:?}), key: require('fs').readFileSync({:?})",
        cert.to_str().ok_or("path")?,
        key.to_str().ok_or("path")?
    );
    let run = impostor(
        &["--request-client-cert"],
        &[],
        &["node", "-e", &script(&identity)],
    )?;
    check(
        "node https with a certificate",
        &run,
        &[("client-sends-identity-to-untrusted-server", false)],
    );
    assert_eq!(
        presented(&run, "requests-client-cert"),
        Some("CN=impostor-test-client")
    );
    Ok(())
}

/// A client tests/servers/start.sh knows (`start.sh --tool NAME`: Bun and Deno from npm, etcdctl
/// from Debian's package, as scripts/test.sh installs them, or BUN / DENO / ETCDCTL when set),
/// when `NAME VERSION_ARGS...` runs; missing, it fails the test unless `MTLS_SKIP_REAL_SERVERS=1`.
fn lab_tool(tool: &str, version_args: &[&str]) -> Option<String> {
    let start_sh = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/servers/start.sh");
    let out = Command::new("bash")
        .arg(&start_sh)
        .args(["--tool", tool])
        .output()
        .ok()?;
    let path = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    let runs = Command::new(&path)
        .args(version_args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if runs {
        return Some(path);
    }
    if std::env::var("MTLS_SKIP_REAL_SERVERS").as_deref() == Ok("1") {
        eprintln!("skipped: {tool} ({path}) is missing and MTLS_SKIP_REAL_SERVERS=1");
        return None;
    }
    panic!(
        "{tool} ({path}) is missing: bash scripts/test.sh installs it, or set {}",
        tool.to_uppercase()
    );
}

/// Bun's `fetch` (BoringSSL, the CA from `NODE_EXTRA_CA_CERTS`) and Deno's (rustls, the CA from
/// `SSL_CERT_FILE`): careful by default, careless with `tls: { rejectUnauthorized: false }`,
/// `NODE_TLS_REJECT_UNAUTHORIZED=0` and `--unsafely-ignore-certificate-errors`. Bun checks the
/// host name in the handshake, so with a client certificate it hands it to no server it refuses
/// (curl, which checks it after, does: `curl_with_a_client_certificate`).
#[test]
fn bun_and_deno_fetch() -> TestResult {
    let (Some(bun), Some(deno)) = (
        lab_tool("bun", &["--version"]),
        lab_tool("deno", &["--version"]),
    ) else {
        return Ok(());
    };
    let (bun, deno) = (bun.as_str(), deno.as_str());
    let fetch = |options: &str| {
        format!(
            "const fs = require('fs'); \
             const r = await fetch(process.env.MTLS_IMPOSTOR_URL, {{ {options} }}); \
             await r.text(); process.exit(r.status === 200 ? 0 : 1);"
        )
    };
    check(
        "bun fetch",
        &impostor(&[], &[], &[bun, "-e", &fetch("")])?,
        CAREFUL,
    );
    check(
        "bun fetch rejectUnauthorized: false",
        &impostor(
            &[],
            &[],
            &[bun, "-e", &fetch("tls: { rejectUnauthorized: false }")],
        )?,
        CARELESS,
    );
    check(
        "bun NODE_TLS_REJECT_UNAUTHORIZED=0",
        &impostor(
            &[],
            &[("NODE_TLS_REJECT_UNAUTHORIZED", "0")],
            &[bun, "-e", &fetch("")],
        )?,
        CARELESS,
    );
    let dir = tempfile::tempdir()?;
    let (cert, key) = client_identity(dir.path())?;
    let env = [
        ("CLIENT_CERT", cert.to_str().unwrap()),
        ("CLIENT_KEY", key.to_str().unwrap()),
    ];
    let identity = "cert: fs.readFileSync(process.env.CLIENT_CERT, 'utf8'), \
                    key: fs.readFileSync(process.env.CLIENT_KEY, 'utf8')";
    let run = impostor(
        &["--request-client-cert"],
        &env,
        &[bun, "-e", &fetch(&format!("tls: {{ {identity} }}"))],
    )?;
    check("bun fetch with a certificate", &run, CAREFUL);
    let careless = format!("tls: {{ rejectUnauthorized: false, {identity} }}");
    let run = impostor(
        &["--request-client-cert"],
        &env,
        &[bun, "-e", &fetch(&careless)],
    )?;
    check_hands_over_identity(
        "bun fetch rejectUnauthorized: false, with a certificate",
        &run,
    );
    // Deno keeps its caches in DENO_DIR (here a temporary directory) and checks for no update.
    let deno_dir = dir.path().join("deno");
    let deno_env = [
        ("DENO_DIR", deno_dir.to_str().unwrap()),
        ("DENO_NO_UPDATE_CHECK", "1"),
    ];
    let deno_fetch = "const r = await fetch(Deno.env.get('MTLS_IMPOSTOR_URL')); await r.text(); \
                      Deno.exit(r.status === 200 ? 0 : 1);";
    check(
        "deno fetch",
        &impostor(&[], &deno_env, &[deno, "eval", deno_fetch])?,
        CAREFUL,
    );
    check(
        "deno --unsafely-ignore-certificate-errors",
        &impostor(
            &[],
            &deno_env,
            &[
                deno,
                "eval",
                "--unsafely-ignore-certificate-errors",
                deno_fetch,
            ],
        )?,
        CARELESS,
    );
    Ok(())
}

/// Builds the Go client of `tests/clients/go` into `dir`.
fn go_client(dir: &Path) -> TestResult<PathBuf> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/clients/go");
    let bin = dir.join("impostor-client");
    let built = Command::new("go")
        .args(["build", "-o"])
        .arg(&bin)
        .arg(".")
        .current_dir(&src)
        .env("GOTOOLCHAIN", "local")
        .env("GOFLAGS", "-mod=mod")
        .env("CGO_ENABLED", "0")
        .output()?;
    assert!(
        built.status.success(),
        "go build of tests/clients/go failed: {}",
        String::from_utf8_lossy(&built.stderr)
    );
    Ok(bin)
}

#[test]
fn go_net_http() -> TestResult {
    if !need("go") {
        return Ok(());
    }
    let dir = tempfile::tempdir()?;
    let bin = go_client(dir.path())?;
    let bin = bin.to_str().unwrap();
    check("go net/http", &impostor(&[], &[], &[bin])?, CAREFUL);
    check(
        "go InsecureSkipVerify",
        &impostor(&[], &[], &[bin, "-insecure"])?,
        CARELESS,
    );
    let (cert, key) = client_identity(dir.path())?;
    let (cert, key) = (cert.to_str().unwrap(), key.to_str().unwrap());
    check(
        "go with a client certificate",
        &impostor(
            &["--request-client-cert"],
            &[],
            &[bin, "-cert", cert, "-key", key],
        )?,
        CAREFUL,
    );
    check(
        "go InsecureSkipVerify with a client certificate",
        &impostor(
            &["--request-client-cert"],
            &[],
            &[bin, "-insecure", "-cert", cert, "-key", key],
        )?,
        CARELESS_WITH_IDENTITY,
    );
    Ok(())
}

/// etcdctl 3.4 (Debian's etcd-client; gRPC over HTTP/2, Go crypto/tls), as an operator runs it
/// against an mTLS etcd: careful with `--cacert` (it checks the host name in the handshake, so
/// its certificate goes to no server it refuses), careless with `--insecure-skip-tls-verify`,
/// which hands its certificate to any server that asks. Short time-outs: it waits its command
/// time-out for an answer to its HTTP/2 preface, which the impostor never sends.
#[test]
fn etcdctl_grpc() -> TestResult {
    let Some(etcdctl) = lab_tool("etcdctl", &["version"]) else {
        return Ok(());
    };
    let dir = tempfile::tempdir()?;
    let (cert, key) = client_identity(dir.path())?;
    let env = [
        ("ETCDCTL", etcdctl.as_str()),
        ("ETCDCTL_API", "3"),
        ("CLIENT_CERT", cert.to_str().unwrap()),
        ("CLIENT_KEY", key.to_str().unwrap()),
    ];
    let get = |trust: &str| {
        format!(
            r#""$ETCDCTL" --endpoints "$MTLS_IMPOSTOR_URL" {trust} --cert "$CLIENT_CERT" --key "$CLIENT_KEY" --dial-timeout 1s --command-timeout 1s get k"#
        )
    };
    let careful = get(r#"--cacert "$MTLS_IMPOSTOR_CA_FILE""#);
    let run = impostor(&["--request-client-cert"], &env, &["sh", "-c", &careful])?;
    check("etcdctl --cacert", &run, CAREFUL);
    assert!(
        run.scenario("control")["connections"][0]["request"]
            .as_str()
            .is_some_and(|r| r.contains("HTTP/2")),
        "the control saw no HTTP/2 preface:\n{}",
        run.scenarios()
    );
    let careless = get("--insecure-skip-tls-verify");
    let run = impostor(&["--request-client-cert"], &env, &["sh", "-c", &careless])?;
    check_hands_over_identity("etcdctl --insecure-skip-tls-verify", &run);
    Ok(())
}

/// Caddy 2.6's reverse_proxy to an `https://` upstream: careful by default (Go's roots, the
/// impostor's CA reaching them through SSL_CERT_FILE) and with `tls_trusted_ca_certs`, handing its
/// `tls_client_auth` identity to no server it refuses; careless with `tls_insecure_skip_verify`.
#[test]
fn caddy_as_a_client() -> TestResult {
    if !need("caddy") || !need("curl") {
        return Ok(());
    }
    check(
        "caddy reverse_proxy https",
        &proxy_client("caddy", "default", false)?,
        CAREFUL,
    );
    check(
        "caddy tls_trusted_ca_certs with tls_client_auth",
        &proxy_client("caddy", "trusted-ca", true)?,
        CAREFUL,
    );
    check(
        "caddy tls_insecure_skip_verify",
        &proxy_client("caddy", "insecure-skip-verify", false)?,
        CARELESS,
    );
    check_hands_over_identity(
        "caddy tls_insecure_skip_verify with tls_client_auth",
        &proxy_client("caddy", "insecure-skip-verify", true)?,
    );
    Ok(())
}

/// Apache Traffic Server 9.2 remapping to an `https://` upstream: as installed, its outbound
/// check (`proxy.config.ssl.client.verify.server.policy`) is PERMISSIVE: it logs "verification
/// failed … Action=Continue" and sends the request to every impostor, and its
/// `proxy.config.ssl.client.cert` with it; ENFORCED with the CA refuses them all.
#[test]
fn traffic_server_as_a_client() -> TestResult {
    if !need_sbin("traffic_server") || !need("curl") {
        return Ok(());
    }
    check(
        "traffic server, its policy PERMISSIVE as installed",
        &proxy_client("ats", "default", false)?,
        CARELESS,
    );
    check_hands_over_identity(
        "traffic server PERMISSIVE with a client certificate",
        &proxy_client("ats", "default", true)?,
    );
    check(
        "traffic server verify.server.policy ENFORCED",
        &proxy_client("ats", "enforced", false)?,
        CAREFUL,
    );
    Ok(())
}

/// H2O 2.2.5 proxying to an `https://` upstream: with `proxy.ssl.cafile` it checks the chain and
/// the dates but no name (a certificate the trusted CA issued for another name is taken);
/// `proxy.ssl.verify-peer: OFF` checks nothing. (Without `proxy.ssl.cafile` it trusts a bundle
/// of its own, so the impostor's control is refused: not scanned, exit 3.)
#[test]
fn h2o_as_a_client() -> TestResult {
    if !need("h2o") || !need("curl") {
        return Ok(());
    }
    check(
        "h2o proxy.ssl.cafile",
        &proxy_client("h2o", "cafile", false)?,
        NAME_UNCHECKED,
    );
    check(
        "h2o proxy.ssl.verify-peer OFF",
        &proxy_client("h2o", "verify-peer-off", false)?,
        CARELESS,
    );
    Ok(())
}

/// nghttpx 1.52 with a TLS backend: `--cacert` checks the chain and the dates in the handshake
/// and the name after it, so `--client-cert-file` goes to a server of another name first
/// (client-sends-identity-to-untrusted-server); `--insecure` checks nothing.
#[test]
fn nghttpx_as_a_client() -> TestResult {
    if !need_sbin("nghttpx") || !need("curl") {
        return Ok(());
    }
    check(
        "nghttpx --cacert",
        &proxy_client("nghttpx", "cacert", false)?,
        CAREFUL,
    );
    let run = proxy_client("nghttpx", "cacert", true)?;
    check(
        "nghttpx --cacert --client-cert-file",
        &run,
        &[("client-sends-identity-to-untrusted-server", false)],
    );
    assert_eq!(
        presented(&run, "wrong-host-requests-client-cert"),
        Some("CN=impostor-test-client")
    );
    check(
        "nghttpx --insecure",
        &proxy_client("nghttpx", "insecure", false)?,
        CARELESS,
    );
    Ok(())
}

/// Squid 5.7 (OpenSSL) as a reverse proxy, `cache_peer … originserver tls tls-cafile=`: it
/// checks the chain, the dates and the name in the handshake, so its `tls-cert` goes to no
/// server it refuses; `tls-flags=DONT_VERIFY_PEER` checks nothing and hands it to anyone.
#[test]
fn squid_as_a_client() -> TestResult {
    if !need_sbin("squid") || !need("curl") {
        return Ok(());
    }
    check(
        "squid cache_peer tls-cafile",
        &proxy_client("squid", "cafile", false)?,
        CAREFUL,
    );
    check(
        "squid cache_peer tls-cafile tls-cert",
        &proxy_client("squid", "cafile", true)?,
        CAREFUL,
    );
    check_hands_over_identity(
        "squid cache_peer DONT_VERIFY_PEER tls-cert",
        &proxy_client("squid", "dont-verify", true)?,
    );
    Ok(())
}

/// Traefik 3.7 as the client, proxying to the impostor through a serversTransport
/// (`proxy-client.sh traefik`): careful with `rootCAs`, careless with `insecureSkipVerify: true`,
/// which hands the transport's `certificates` to any server that asks. Go checks the server
/// before it sends its certificate, so the careful one hands it to no server it refuses.
#[test]
fn traefik_servers_transport() -> TestResult {
    if lab_tool("traefik", &["version"]).is_none() || !need("curl") {
        return Ok(());
    }
    check(
        "traefik rootCAs",
        &proxy_client("traefik", "root-cas", false)?,
        CAREFUL,
    );
    check(
        "traefik insecureSkipVerify",
        &proxy_client("traefik", "insecure-skip-verify", false)?,
        CARELESS,
    );
    check(
        "traefik rootCAs with certificates",
        &proxy_client("traefik", "root-cas", true)?,
        CAREFUL,
    );
    check_hands_over_identity(
        "traefik insecureSkipVerify with certificates",
        &proxy_client("traefik", "insecure-skip-verify", true)?,
    );
    Ok(())
}

/// Whether a proxy's binary is on PATH or in /usr/sbin (where Debian puts nginx, HAProxy and
/// Apache); a missing one fails the test unless `MTLS_SKIP_REAL_SERVERS=1`.
fn need_sbin(tool: &str) -> bool {
    if ["/usr/sbin", "/sbin", "/usr/local/sbin"]
        .iter()
        .any(|d| Path::new(d).join(tool).is_file())
    {
        return true;
    }
    need(tool)
}

/// The variables that name the proxies' binaries (`start.sh --tool`), passed on when set.
const PROXY_TOOLS: [&str; 11] = [
    "NGINX",
    "HAPROXY",
    "APACHE2",
    "APACHE2_MODULES",
    "STUNNEL",
    "CADDY",
    "TRAFFIC_SERVER",
    "H2O",
    "NGHTTPX",
    "SQUID",
    "TRAEFIK",
];

/// A reverse proxy as the client: `tests/servers/proxy-client.sh STACK … MODE` starts it before
/// the impostor as its upstream and asks it for a page once; with `identity`, it holds a client
/// certificate for the upstream (`--request-client-cert`).
fn proxy_client(stack: &str, mode: &str, identity: bool) -> TestResult<Run> {
    let dir = tempfile::tempdir()?;
    let (cert, key) = client_identity(dir.path())?;
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/servers/proxy-client.sh");
    // From MTLS_PORT_RANGE, below the kernel's ephemeral range: a port found free by binding
    // 127.0.0.1:0 and let go was once the impostor's own a moment later, and the proxy's
    // readiness checks went to it as plaintext HTTP in every scenario
    let port = support::real_servers::free_ports(1)[0].to_string();
    let work = dir.path().join(stack);
    let (cert, key) = (
        cert.to_str().unwrap_or_default(),
        key.to_str().unwrap_or_default(),
    );
    let (mut env, extra): (Vec<(&str, &str)>, Vec<&str>) = if identity {
        (
            vec![("CLIENT_CERT", cert), ("CLIENT_KEY", key)],
            vec!["--request-client-cert"],
        )
    } else {
        (Vec::new(), Vec::new())
    };
    // The tools named in the environment, as start.sh reads them (the run's environment is
    // otherwise cleared)
    let tools: Vec<(&str, String)> = PROXY_TOOLS
        .iter()
        .filter_map(|v| std::env::var(v).ok().map(|path| (*v, path)))
        .collect();
    env.extend(tools.iter().map(|(v, path)| (*v, path.as_str())));
    impostor(
        &extra,
        &env,
        &[
            "bash",
            script.to_str().unwrap_or_default(),
            stack,
            work.to_str().unwrap_or_default(),
            &port,
            mode,
        ],
    )
}

/// nginx as a reverse proxy: `proxy_pass https://…` alone verifies nothing (`proxy_ssl_verify` is
/// off by default, and nginx hands `proxy_ssl_certificate` to any upstream that asks);
/// `proxy_ssl_verify on` with `proxy_ssl_trusted_certificate` checks the chain, the dates and the
/// name in `proxy_pass`, but after the handshake (the impostor sees it close before any request):
/// its `proxy_ssl_certificate` has gone to the impostor by then
/// (client-sends-identity-to-untrusted-server, D).
#[test]
fn nginx_as_a_client() -> TestResult {
    if !need_sbin("nginx") || !need("curl") {
        return Ok(());
    }
    check(
        "nginx proxy_pass https",
        &proxy_client("nginx", "default", false)?,
        CARELESS,
    );
    check_hands_over_identity(
        "nginx proxy_ssl_certificate",
        &proxy_client("nginx", "default", true)?,
    );
    check(
        "nginx proxy_ssl_verify on",
        &proxy_client("nginx", "verify", false)?,
        CAREFUL,
    );
    // nginx checks its upstream's certificate after the handshake, so its own certificate has
    // gone to every server that asked, the impostors too, before it closes.
    let run = proxy_client("nginx", "verify", true)?;
    check(
        "nginx proxy_ssl_verify on with proxy_ssl_certificate",
        &run,
        &[("client-sends-identity-to-untrusted-server", false)],
    );
    assert_eq!(
        presented(&run, "requests-client-cert"),
        Some("CN=impostor-test-client")
    );
    Ok(())
}

/// HAProxy as a reverse proxy: `ssl verify none` checks nothing; `ssl verify required ca-file`
/// checks the chain but, with neither `sni` nor `verifyhost`, no name: a certificate the trusted
/// CA issued for another name is taken, and `crt`'s identity handed to it
/// (client-skips-hostname-check, client-sends-identity-to-untrusted-server); `verifyhost`
/// closes that.
#[test]
fn haproxy_as_a_client() -> TestResult {
    if !need_sbin("haproxy") || !need("curl") {
        return Ok(());
    }
    check(
        "haproxy ssl verify none",
        &proxy_client("haproxy", "verify-none", false)?,
        CARELESS,
    );
    check_hands_over_identity(
        "haproxy ssl verify none crt",
        &proxy_client("haproxy", "verify-none", true)?,
    );
    check(
        "haproxy verify required ca-file",
        &proxy_client("haproxy", "verify-ca", false)?,
        NAME_UNCHECKED,
    );
    let run = proxy_client("haproxy", "verify-ca", true)?;
    check_graded(
        "haproxy verify required ca-file crt",
        &run,
        &[
            ("client-skips-hostname-check", false),
            ("client-sends-identity-to-untrusted-server", false),
        ],
        Some("F"),
    );
    assert_eq!(
        presented(&run, "wrong-host-requests-client-cert"),
        Some("CN=impostor-test-client")
    );
    check(
        "haproxy verify required ca-file verifyhost",
        &proxy_client("haproxy", "verify-host", true)?,
        CAREFUL,
    );
    Ok(())
}

/// Apache's mod_proxy: `SSLProxyEngine on` alone (`SSLProxyVerify none`) checks no chain, but
/// still the name and the dates (`SSLProxyCheckPeerName`, `SSLProxyCheckPeerExpire` are on by
/// default, checked after the handshake): a self-signed certificate for the right name is
/// taken, and the machine certificate handed even to a server of another name before the check
/// closes it; `SSLProxyVerify require` with `SSLProxyCACertificateFile` checks all, the name
/// still after the handshake (the machine certificate goes to the wrong host all the same).
#[test]
fn apache_mod_proxy_as_a_client() -> TestResult {
    if !need_sbin("apache2") || !need("curl") {
        return Ok(());
    }
    check(
        "apache SSLProxyEngine on",
        &proxy_client("apache", "default", false)?,
        &[("client-skips-server-verification", false)],
    );
    let run = proxy_client("apache", "default", true)?;
    check(
        "apache SSLProxyMachineCertificateFile",
        &run,
        &[
            ("client-skips-server-verification", false),
            ("client-sends-identity-to-untrusted-server", false),
        ],
    );
    assert_eq!(
        presented(&run, "wrong-host-requests-client-cert"),
        Some("CN=impostor-test-client")
    );
    check(
        "apache SSLProxyVerify require",
        &proxy_client("apache", "verify", false)?,
        CAREFUL,
    );
    // The chain is checked in the handshake, the name after it: the machine certificate goes
    // to a server the trusted CA certified for another name.
    let run = proxy_client("apache", "verify", true)?;
    check(
        "apache SSLProxyVerify require with SSLProxyMachineCertificateFile",
        &run,
        &[("client-sends-identity-to-untrusted-server", false)],
    );
    assert_eq!(
        presented(&run, "wrong-host-requests-client-cert"),
        Some("CN=impostor-test-client")
    );
    Ok(())
}

/// stunnel in client mode: nothing verified by default (it warns, and connects); `verifyChain`
/// with `CAfile` checks the chain but no name without `checkHost`.
#[test]
fn stunnel_as_a_client() -> TestResult {
    if !need("stunnel4") || !need("curl") {
        return Ok(());
    }
    check(
        "stunnel client = yes",
        &proxy_client("stunnel", "default", false)?,
        CARELESS,
    );
    check_hands_over_identity(
        "stunnel client = yes with cert",
        &proxy_client("stunnel", "default", true)?,
    );
    check(
        "stunnel verifyChain",
        &proxy_client("stunnel", "verify-chain", false)?,
        NAME_UNCHECKED,
    );
    check(
        "stunnel verifyChain checkHost",
        &proxy_client("stunnel", "verify-host", true)?,
        CAREFUL,
    );
    Ok(())
}

#[test]
fn openssl_s_client() -> TestResult {
    if !need("openssl") {
        return Ok(());
    }
    let s_client = |flags: &str| {
        format!(
            r#"printf 'GET / HTTP/1.0\r\n\r\n' | openssl s_client -connect "$MTLS_IMPOSTOR_ADDR" -servername "$MTLS_IMPOSTOR_HOST" -quiet {flags}"#
        )
    };
    // Chain and dates checked, the name not: exactly the host-name finding.
    check(
        "openssl s_client -verify_return_error",
        &impostor(&[], &[], &["sh", "-c", &s_client("-verify_return_error")])?,
        NAME_UNCHECKED,
    );
    check(
        "openssl s_client -verify_return_error -verify_hostname",
        &impostor(
            &[],
            &[],
            &[
                "sh",
                "-c",
                &s_client(r#"-verify_return_error -verify_hostname "$MTLS_IMPOSTOR_HOST""#),
            ],
        )?,
        CAREFUL,
    );
    check(
        "openssl s_client",
        &impostor(&[], &[], &["sh", "-c", &s_client("")])?,
        CARELESS,
    );
    Ok(())
}

#[test]
fn rustls_with_a_dangerous_verifier() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (cert, key) = client_identity(dir.path())?;
    let me = std::env::current_exe()?;
    let me = me.to_str().unwrap();
    let helper = [
        me,
        "rustls_client_helper",
        "--exact",
        "--nocapture",
        "--test-threads=1",
    ];
    let env = |mode: &'static str| {
        [
            ("MTLS_TEST_RUSTLS_CLIENT", mode),
            ("MTLS_TEST_CLIENT_CERT", cert.to_str().unwrap()),
            ("MTLS_TEST_CLIENT_KEY", key.to_str().unwrap()),
        ]
    };
    check(
        "rustls webpki verifier",
        &impostor(&["--request-client-cert"], &env("careful"), &helper)?,
        CAREFUL,
    );
    check(
        "rustls accept-any verifier",
        &impostor(&["--request-client-cert"], &env("accept-any"), &helper)?,
        CARELESS_WITH_IDENTITY,
    );
    Ok(())
}

/// Not a test on its own: the rustls client that `rustls_with_a_dangerous_verifier` wraps (this
/// binary, re-run with `MTLS_TEST_RUSTLS_CLIENT` set). Without it, it does nothing.
#[test]
fn rustls_client_helper() {
    let Ok(mode) = std::env::var("MTLS_TEST_RUSTLS_CLIENT") else {
        return;
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    if let Err(e) = rt.block_on(rustls_client::get(&mode)) {
        eprintln!("rustls client: {e}");
        std::process::exit(1);
    }
}

mod rustls_client {
    use std::sync::Arc;

    use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
    use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// The dangerous verifier: every certificate is fine (signatures still checked).
    #[derive(Debug)]
    struct AcceptAny(Arc<rustls::crypto::CryptoProvider>);

    impl ServerCertVerifier for AcceptAny {
        fn verify_server_cert(
            &self,
            _: &CertificateDer<'_>,
            _: &[CertificateDer<'_>],
            _: &ServerName<'_>,
            _: &[u8],
            _: UnixTime,
        ) -> Result<ServerCertVerified, rustls::Error> {
            Ok(ServerCertVerified::assertion())
        }
        fn verify_tls12_signature(
            &self,
            m: &[u8],
            c: &CertificateDer<'_>,
            d: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, rustls::Error> {
            rustls::crypto::verify_tls12_signature(
                m,
                c,
                d,
                &self.0.signature_verification_algorithms,
            )
        }
        fn verify_tls13_signature(
            &self,
            m: &[u8],
            c: &CertificateDer<'_>,
            d: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, rustls::Error> {
            rustls::crypto::verify_tls13_signature(
                m,
                c,
                d,
                &self.0.signature_verification_algorithms,
            )
        }
        fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
            self.0.signature_verification_algorithms.supported_schemes()
        }
    }

    fn var(k: &str) -> Result<String, String> {
        std::env::var(k).map_err(|_| format!("{k} is not set"))
    }

    pub(super) async fn get(mode: &str) -> Result<(), String> {
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let chain: Vec<CertificateDer<'static>> =
            CertificateDer::pem_file_iter(var("MTLS_TEST_CLIENT_CERT")?)
                .map_err(|e| e.to_string())?
                .collect::<Result<_, _>>()
                .map_err(|e| e.to_string())?;
        let key = PrivateKeyDer::from_pem_file(var("MTLS_TEST_CLIENT_KEY")?)
            .map_err(|e| e.to_string())?;
        let builder = ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|e| e.to_string())?;
        let builder = match mode {
            "accept-any" => builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(AcceptAny(provider))),
            _ => {
                let mut roots = RootCertStore::empty();
                for c in CertificateDer::pem_file_iter(var("MTLS_IMPOSTOR_CA_FILE")?)
                    .map_err(|e| e.to_string())?
                {
                    roots
                        .add(c.map_err(|e| e.to_string())?)
                        .map_err(|e| e.to_string())?;
                }
                builder.with_root_certificates(roots)
            }
        };
        let config = builder
            .with_client_auth_cert(chain, key)
            .map_err(|e| e.to_string())?;
        let host = var("MTLS_IMPOSTOR_HOST")?;
        let tcp = tokio::net::TcpStream::connect(var("MTLS_IMPOSTOR_ADDR")?)
            .await
            .map_err(|e| e.to_string())?;
        let name = ServerName::try_from(host.clone()).map_err(|e| e.to_string())?;
        let mut tls = tokio_rustls::TlsConnector::from(Arc::new(config))
            .connect(name, tcp)
            .await
            .map_err(|e| e.to_string())?;
        tls.write_all(
            format!("GET / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").as_bytes(),
        )
        .await
        .map_err(|e| e.to_string())?;
        let mut answer = Vec::new();
        let _ = tls.read_to_end(&mut answer).await;
        if answer.starts_with(b"HTTP/1.1 200") {
            Ok(())
        } else {
            Err("no 200".to_owned())
        }
    }
}

#[test]
fn inconclusive_usage_and_threshold_exits() -> TestResult {
    // A client that never connects: inconclusive, exit 3, never a pass.
    let run = impostor(&[], &[], &["true"])?;
    assert_eq!(run.exit, 3, "{}", run.stderr);
    let error = run.target()["error"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        error.starts_with("no request from the client reached the impostor"),
        "{error}"
    );
    assert_eq!(run.target()["grade"], "F");
    assert_eq!(
        run.report["impostor"][0]["scenarios"]
            .as_array()
            .map(|a| a.iter().map(|s| s["scenario"].clone()).collect::<Vec<_>>()),
        Some(vec![Value::from("self-signed"), Value::from("control")]),
        "self-signed runs before the control; the others are skipped when the control saw no \
         connection"
    );
    // Unexpanded variables: a hint.
    let run = impostor(&[], &[], &["curl", "-sS", "$MTLS_IMPOSTOR_URL"])?;
    assert_eq!(run.exit, 3);
    assert!(
        run.stderr
            .contains("hint: the command's arguments are not expanded"),
        "{}",
        run.stderr
    );
    // No command: usage.
    let out = mtls_scan()
        .args(["impostor", "--name", "localhost"])
        .output()?;
    assert_eq!(out.status.code(), Some(2));
    let out = mtls_scan()
        .args(["impostor", "--name", "not a name", "--", "true"])
        .output()?;
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--name"));
    // A careless client below --fail-under: exit 1, and the SARIF names the rule.
    if need("curl") {
        let dir = tempfile::tempdir()?;
        let sarif = dir.path().join("impostor.sarif");
        let run = impostor(
            &["--fail-under", "B", "--sarif", sarif.to_str().unwrap()],
            &[],
            &[
                "sh",
                "-c",
                r#"curl -k -sS -o /dev/null "$MTLS_IMPOSTOR_URL""#,
            ],
        )?;
        assert_eq!(run.exit, 1, "{}", run.stderr);
        let sarif = std::fs::read_to_string(sarif)?;
        assert!(sarif.contains("client-skips-server-verification"));
    }
    Ok(())
}

/// Starts `mtls-scan impostor --serve` and waits for its env file.
fn serve(extra: &[&str], dir: &Path) -> TestResult<(std::process::Child, Vec<(String, String)>)> {
    let env_file = dir.join("impostor.env");
    let child = mtls_scan()
        .args([
            "impostor",
            "--serve",
            "--name",
            "localhost",
            "--format",
            "json",
        ])
        .arg("--env-file")
        .arg(&env_file)
        .arg("--output")
        .arg(dir.join("report.json"))
        .args(extra)
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    let started = Instant::now();
    loop {
        let text = std::fs::read_to_string(&env_file).unwrap_or_default();
        if text.contains("MTLS_IMPOSTOR_URL=") {
            let env = text
                .lines()
                .filter_map(|l| l.split_once('='))
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect();
            return Ok((child, env));
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the impostor never got ready"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The report a served impostor wrote, with its exit code.
fn served_run(dir: &Path, exit: i32) -> TestResult<Run> {
    let report: Value = serde_json::from_str(&std::fs::read_to_string(dir.join("report.json"))?)?;
    Ok(Run {
        exit,
        report,
        stderr: String::new(),
        elapsed: Duration::ZERO,
    })
}

/// A variable of the served impostor's environment (empty when missing).
fn env_var(env: &[(String, String)], k: &str) -> String {
    env.iter()
        .find(|(key, _)| key == k)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

fn wait(mut child: std::process::Child, limit: Duration) -> TestResult<i32> {
    let started = Instant::now();
    loop {
        if let Some(st) = child.try_wait()? {
            return Ok(st.code().unwrap_or(-1));
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            return Err("the impostor did not stop".into());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The Go test client with `args`, pointed at a served impostor's port `port_var` (its CA in
/// SSL_CERT_FILE and SSL_CERT_DIR), stderr discarded.
fn served_go(bin: &Path, env: &[(String, String)], port_var: &str, args: &[&str]) -> Command {
    let var = |k: &str| env_var(env, k);
    let mut c = mtls_scan_env_command(bin.to_str().unwrap_or_default());
    c.args(args)
        .env(
            "MTLS_IMPOSTOR_URL",
            format!("https://localhost:{}/", var(port_var)),
        )
        .env("SSL_CERT_FILE", var("MTLS_IMPOSTOR_CA_FILE"))
        .env("SSL_CERT_DIR", "/nonexistent/mtls-impostor-test")
        .stderr(Stdio::null());
    c
}

fn get(env: &[(String, String)], port_var: &str, insecure: bool) -> TestResult<bool> {
    let var = |k: &str| env_var(env, k);
    let url = format!("https://localhost:{}/", var(port_var));
    let mut c = Command::new("curl");
    c.args(["-sS", "-o", "/dev/null", "--max-time", "5", "--cacert"])
        .arg(var("MTLS_IMPOSTOR_CA_FILE"))
        .arg(url)
        .stderr(Stdio::null());
    if insecure {
        c.arg("-k");
    }
    Ok(c.status()?.success())
}

#[test]
fn serve_one_scenario_per_connection() -> TestResult {
    if !need("curl") {
        return Ok(());
    }
    let dir = tempfile::tempdir()?;
    let (child, env) = serve(&["--connections", "8"], dir.path())?;
    for _ in 0..8 {
        assert!(get(&env, "MTLS_IMPOSTOR_PORT", true)?);
    }
    // `curl -k` skips verification (F): below the default threshold C, exit 1.
    assert_eq!(wait(child, Duration::from_secs(20))?, 1);
    let run = served_run(dir.path(), 1)?;
    check("serve, curl -k, 8 connections", &run, CARELESS);
    assert_eq!(run.report["impostor"][0]["ended_by"], "--connections 8");
    for s in run.report["impostor"][0]["scenarios"].as_array().unwrap() {
        assert_eq!(s["connections"].as_array().map(Vec::len), Some(1), "{s}");
    }
    Ok(())
}

#[test]
fn the_env_file_holds_only_the_impostors_variables() -> TestResult {
    if !need("curl") || !need("kill") {
        return Ok(());
    }
    // Appended to $GITHUB_ENV, SSL_CERT_FILE, SSL_CERT_DIR, CURL_CA_BUNDLE, REQUESTS_CA_BUNDLE,
    // GIT_SSL_CAINFO and NODE_EXTRA_CA_CERTS pointed every later step of the job at a CA file
    // removed when the impostor stopped: git, pip and curl to real sites broke.
    let dir = tempfile::tempdir()?;
    let ca_out = dir.path().join("kept-ca.pem");
    let (child, env) = serve(
        &["--ca-out", ca_out.to_str().unwrap(), "--connections", "2"],
        dir.path(),
    )?;
    // A client given the CA file in its own step verifies the control, and refuses the next
    // scenario; then the impostor stops (before any assertion: no server left running).
    let answered = [
        get(&env, "MTLS_IMPOSTOR_PORT", false)?,
        get(&env, "MTLS_IMPOSTOR_PORT", false)?,
    ];
    assert_eq!(wait(child, Duration::from_secs(20))?, 3);
    assert_eq!(answered, [true, false]);
    let keys: Vec<&str> = env.iter().map(|(k, _)| k.as_str()).collect();
    assert!(
        keys.iter().all(|k| k.starts_with("MTLS_IMPOSTOR_")),
        "{keys:?}"
    );
    for k in [
        "MTLS_IMPOSTOR_URL",
        "MTLS_IMPOSTOR_HOST",
        "MTLS_IMPOSTOR_PORT",
        "MTLS_IMPOSTOR_ADDR",
        "MTLS_IMPOSTOR_CA_FILE",
    ] {
        assert!(keys.contains(&k), "{k} missing: {keys:?}");
    }
    // The CA file named is the --ca-out copy, absolute: it outlives the impostor.
    assert_eq!(
        env_var(&env, "MTLS_IMPOSTOR_CA_FILE"),
        ca_out.to_str().unwrap()
    );
    assert!(ca_out.is_file(), "the --ca-out copy is gone");
    Ok(())
}

#[test]
fn scenarios_left_out_hold_the_grade_at_b_in_every_format() -> TestResult {
    if !need("curl") {
        return Ok(());
    }
    // `--scenarios expired,wrong-host` served to a client that checks the name and the dates:
    // it graded A, exit 0, with no note, though whether it checks the chain was never tried.
    let dir = tempfile::tempdir()?;
    let path = |f: &str| dir.path().join(f).to_str().unwrap().to_owned();
    let (child, env) = serve(
        &[
            "--scenarios",
            "expired,wrong-host",
            "--connections",
            "3",
            "--markdown",
            &path("r.md"),
            "--sarif",
            &path("r.sarif"),
        ],
        dir.path(),
    )?;
    let answered: Vec<bool> = (0..3)
        .map(|_| get(&env, "MTLS_IMPOSTOR_PORT", false))
        .collect::<TestResult<_>>()?;
    assert_eq!(answered, [true, false, false]);
    // B is not below the default threshold C: exit 0, as for `scan --skip-probe`.
    assert_eq!(wait(child, Duration::from_secs(20))?, 0);
    let run = served_run(dir.path(), 0)?;
    let t = run.target();
    assert_eq!(t["grade"], "B", "{t}");
    assert!(run.findings().is_empty() && t["incomplete"].as_array().is_some_and(Vec::is_empty));
    let note =
        "graded B at best: scenarios self-signed, untrusted-ca, unknown-issuer, forged-ca, non-ca-issuer not \
                played (--scenarios), so whether the client refuses those servers is not proven";
    assert!(
        t["notes"].as_array().unwrap().iter().any(|n| n == note),
        "{}",
        t["notes"]
    );
    assert_eq!(
        run.report["impostor"][0]["not_played"],
        serde_json::json!([
            "self-signed",
            "untrusted-ca",
            "unknown-issuer",
            "forged-ca",
            "non-ca-issuer"
        ])
    );
    let md = std::fs::read_to_string(path("r.md"))?;
    assert!(
        md.contains(
            "self-signed, untrusted-ca, unknown-issuer, forged-ca, non-ca-issuer not played"
        ),
        "{md}"
    );
    let sarif: Value = serde_json::from_str(&std::fs::read_to_string(path("r.sarif"))?)?;
    let notes = sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"].to_string();
    assert!(
        notes.contains(
            "scenarios not played (--scenarios): self-signed, untrusted-ca, unknown-issuer, forged-ca, \
             non-ca-issuer"
        ),
        "{notes}"
    );
    // Under --fail-under A, the B fails the run.
    let dir = tempfile::tempdir()?;
    let (child, env) = serve(
        &[
            "--scenarios",
            "expired",
            "--connections",
            "2",
            "--fail-under",
            "A",
        ],
        dir.path(),
    )?;
    assert!(get(&env, "MTLS_IMPOSTOR_PORT", false)?);
    assert!(!get(&env, "MTLS_IMPOSTOR_PORT", false)?);
    assert_eq!(wait(child, Duration::from_secs(20))?, 1);
    Ok(())
}

#[test]
fn serve_a_port_per_scenario_until_sigterm() -> TestResult {
    if !need("curl") || !need("kill") {
        return Ok(());
    }
    let dir = tempfile::tempdir()?;
    let (child, env) = serve(&["--port-per-scenario"], dir.path())?;
    // A careful client, once per port: only the control answers.
    let mut answered = Vec::new();
    for var in [
        "MTLS_IMPOSTOR_PORT",
        "MTLS_IMPOSTOR_PORT_SELF_SIGNED",
        "MTLS_IMPOSTOR_PORT_UNTRUSTED_CA",
        "MTLS_IMPOSTOR_PORT_UNKNOWN_ISSUER",
        "MTLS_IMPOSTOR_PORT_EXPIRED",
        "MTLS_IMPOSTOR_PORT_WRONG_HOST",
        "MTLS_IMPOSTOR_PORT_FORGED_CA",
        "MTLS_IMPOSTOR_PORT_NON_CA_ISSUER",
    ] {
        answered.push(get(&env, var, false)?);
    }
    assert_eq!(
        answered,
        [true, false, false, false, false, false, false, false]
    );
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()?;
    assert!(status.success());
    // A careful client grades A: exit 0.
    assert_eq!(wait(child, Duration::from_secs(20))?, 0);
    let run = served_run(dir.path(), 0)?;
    check("serve, a port per scenario, careful curl", &run, CAREFUL);
    assert_eq!(run.report["impostor"][0]["ended_by"], "SIGTERM");
    let ports: Vec<u64> = run.report["impostor"][0]["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["port"].as_u64())
        .collect();
    let mut distinct = ports.clone();
    distinct.dedup();
    assert_eq!(distinct.len(), 8, "{ports:?}");
    Ok(())
}

#[test]
fn every_output_format_shows_the_run() -> TestResult {
    if !need("curl") {
        return Ok(());
    }
    let dir = tempfile::tempdir()?;
    let path = |f: &str| dir.path().join(f).to_str().unwrap().to_owned();
    let out = mtls_scan()
        .args(["impostor", "--name", "localhost", "--color", "never"])
        .args(["--json", &path("r.json"), "--sarif", &path("r.sarif")])
        .args([
            "--markdown",
            &path("r.md"),
            "--ca-out",
            &path("ca.pem"),
            "--",
        ])
        .args([
            "sh",
            "-c",
            r#"curl -k -sS -o /dev/null "$MTLS_IMPOSTOR_URL""#,
        ])
        .output()?;
    let text = String::from_utf8_lossy(&out.stdout);
    for want in [
        "client sh · name localhost",
        "CRITICAL client-skips-server-verification",
        "└ also high client-skips-hostname-check",
        "scenarios:",
        "control               reached",
        "self-signed           ACCEPTED",
        "request GET / HTTP/1.1",
    ] {
        assert!(text.contains(want), "text lacks {want:?}:\n{text}");
    }
    let md = std::fs::read_to_string(path("r.md"))?;
    assert!(md.contains("Impostor scenarios for sh"), "{md}");
    assert!(md.contains("| <code>expired</code> |") && md.contains("❌ request accepted"));
    let sarif: Value = serde_json::from_str(&std::fs::read_to_string(path("r.sarif"))?)?;
    let rules: Vec<&str> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["ruleId"].as_str())
        .collect();
    assert!(
        rules.contains(&"client-skips-server-verification"),
        "{rules:?}"
    );
    let json: Value = serde_json::from_str(&std::fs::read_to_string(path("r.json"))?)?;
    assert_eq!(json["impostor"][0]["url"], json["targets"][0]["url"]);
    assert_eq!(json["impostor"][0]["client"], "sh");
    // Merging shard reports keeps each impostor run beside its target.
    let merged = mtls_scan()
        .args(["merge", "--format", "json", &path("r.json")])
        .output()?;
    let merged: Value = serde_json::from_slice(&merged.stdout)?;
    assert_eq!(
        merged["impostor"], json["impostor"],
        "merge dropped the run"
    );
    assert_eq!(merged["targets"], json["targets"]);
    let ca = std::fs::read_to_string(path("ca.pem"))?;
    assert!(ca.starts_with("-----BEGIN CERTIFICATE-----"));
    // An inconclusive run in text.
    let out = mtls_scan()
        .args([
            "impostor",
            "--name",
            "localhost",
            "--color",
            "never",
            "--",
            "false",
        ])
        .output()?;
    assert_eq!(out.status.code(), Some(3));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("INCONCLUSIVE no request from the client reached the impostor"),
        "{text}"
    );
    // Not judged, not careless: no grade F beside it.
    assert!(
        text.contains("not judged (no request from the client reached the impostor)"),
        "{text}"
    );
    assert!(!text.contains("F (score 0)"), "{text}");
    // The Markdown's impostor target has the client half's columns, not the scan half's.
    assert!(
        md.contains("| Impostor URL | Grade | Client | TLS versions | Control |"),
        "{md}"
    );
    assert!(!md.contains("| URL | Grade | Client auth |"), "{md}");
    Ok(())
}

/// A Node script: an `http2` session `c` to the impostor with `options` (exit 1 on its error),
/// then `calls`.
fn node_http2(options: &str, calls: &str) -> String {
    format!(
        "const c = require('http2').connect(process.env.MTLS_IMPOSTOR_URL, {{ {options} }}); \
         c.on('error', e => {{ console.error(e.message); process.exit(1); }}); {calls}"
    )
}

/// An HTTP/2-only client making three calls on one session (Node `http2.connect`, each request
/// after the last answer): the impostor answers every stream of a wrapped run's connection, so
/// the careful one succeeds against the control on one connection (review W: its second stream
/// went unanswered, the command failed against the control, exit 3) and the careless one is
/// found.
#[test]
fn an_h2_client_making_several_calls_keeps_one_connection() -> TestResult {
    if !need("node") {
        return Ok(());
    }
    let script = |options: &str| {
        node_http2(
            options,
            "const one = (path, next) => { const r = c.request({ ':path': path }); let st; \
             r.on('response', h => { st = h[':status']; }); r.on('data', () => {}); \
             r.on('end', () => { if (st !== 200) process.exit(1); next(); }); \
             r.on('error', e => { console.error(e.message); process.exit(1); }); r.end(); }; \
             one('/', () => one('/orders', () => one('/again', () => { c.close(); \
             process.exit(0); })));",
        )
    };
    let run = impostor(&[], &[], &["node", "-e", &script("")])?;
    check("node http2, three calls", &run, CAREFUL);
    assert_eq!(run.exit, 0, "{}", run.scenarios());
    let control = run.scenario("control");
    assert_eq!(control["client"]["exit_code"], 0, "{}", run.scenarios());
    assert_eq!(
        control["connections"].as_array().map(Vec::len),
        Some(1),
        "{}",
        run.scenarios()
    );
    let run = impostor(
        &[],
        &[],
        &["node", "-e", &script("rejectUnauthorized: false")],
    )?;
    check(
        "node http2 rejectUnauthorized: false, three calls",
        &run,
        CARELESS,
    );
    Ok(())
}

/// An HTTP/2-only client (Node `http2.connect`): the impostor negotiated h2 and answered
/// HTTP/1.1, so the client waited for its own time-out in every scenario (26 s). It gets a
/// minimal HTTP/2 answer now and finishes at once.
#[test]
fn an_h2_only_client_is_answered() -> TestResult {
    if !need("node") {
        return Ok(());
    }
    let script = |options: &str| {
        node_http2(
            options,
            "const r = c.request({ ':path': '/' }); \
             r.on('response', h => { c.close(); process.exit(h[':status'] === 200 ? 0 : 1); }); \
             r.on('error', e => { console.error(e.message); process.exit(1); }); r.end();",
        )
    };
    let run = impostor(&[], &[], &["node", "-e", &script("")])?;
    check("node http2", &run, CAREFUL);
    assert_eq!(
        run.scenario("control")["client"]["exit_code"],
        0,
        "{}",
        run.scenarios()
    );
    let run = impostor(
        &[],
        &[],
        &["node", "-e", &script("rejectUnauthorized: false")],
    )?;
    check("node http2 rejectUnauthorized: false", &run, CARELESS);
    assert!(
        run.elapsed < Duration::from_secs(15),
        "{:?}\n{}",
        run.elapsed,
        run.scenarios()
    );
    Ok(())
}

/// A name-blind `openssl s_client` (`-verify_return_error` without `-verify_hostname`) behind a
/// staging CA constrained to `internal.example`, as private CAs are advised to be: the
/// wrong-host certificate names the sibling alone, which the constraints permit, so the client
/// is seen skipping the name (a review's: A, exit 0, when the `.invalid` name beside the sibling
/// had the certificate refused for the constraints alone). Its careful twin stays careful.
#[test]
fn a_name_blind_client_behind_a_constrained_ca_is_found() -> TestResult {
    if !need("openssl") {
        return Ok(());
    }
    let dir = tempfile::tempdir()?;
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)?;
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new())?;
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "Internal CA");
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let now = time::OffsetDateTime::now_utc();
    params.not_before = now - time::Duration::days(90);
    params.not_after = now + time::Duration::days(365);
    params.name_constraints = Some(rcgen::NameConstraints {
        permitted_subtrees: vec![rcgen::GeneralSubtree::DnsName("internal.example".into())],
        excluded_subtrees: Vec::new(),
    });
    let (cert_path, key_path) = (dir.path().join("ca.pem"), dir.path().join("ca.key"));
    std::fs::write(&cert_path, params.self_signed(&key)?.pem())?;
    std::fs::write(&key_path, key.serialize_pem())?;
    let (c, k) = (
        cert_path.to_str().ok_or("path")?,
        key_path.to_str().ok_or("path")?,
    );
    let s_client = |flags: &str| {
        format!(
            r#"printf 'GET / HTTP/1.0\r\n\r\n' | openssl s_client -connect "$MTLS_IMPOSTOR_ADDR" -servername "$MTLS_IMPOSTOR_HOST" -CAfile {c} -quiet {flags}"#
        )
    };
    let trusted = ["--trusted-ca-cert", c, "--trusted-ca-key", k];
    let run = impostor_named(
        "api.internal.example",
        &trusted,
        &[],
        &["sh", "-c", &s_client("-verify_return_error")],
    )?;
    check("s_client name-blind, constrained CA", &run, NAME_UNCHECKED);
    let run = impostor_named(
        "api.internal.example",
        &trusted,
        &[],
        &[
            "sh",
            "-c",
            &s_client(r#"-verify_return_error -verify_hostname "$MTLS_IMPOSTOR_HOST""#),
        ],
    )?;
    check("s_client careful, constrained CA", &run, CAREFUL);
    Ok(())
}

#[test]
fn the_users_own_ca() -> TestResult {
    if !need("curl") {
        return Ok(());
    }
    let dir = tempfile::tempdir()?;
    let mint = |cn: &str| -> TestResult<(rcgen::Certificate, rcgen::KeyPair)> {
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)?;
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new())?;
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, cn);
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        Ok((params.self_signed(&key)?, key))
    };
    let (ca, key) = mint("Staging CA")?;
    let (_, other_key) = mint("Other")?;
    let (cert_path, key_path, other_path) = (
        dir.path().join("ca.pem"),
        dir.path().join("ca.key"),
        dir.path().join("other.key"),
    );
    std::fs::write(&cert_path, ca.pem())?;
    std::fs::write(&key_path, key.serialize_pem())?;
    std::fs::write(&other_path, other_key.serialize_pem())?;
    let (c, k, o) = (
        cert_path.to_str().unwrap(),
        key_path.to_str().unwrap(),
        other_path.to_str().unwrap(),
    );
    // The client trusts the staging CA from its own file, not from the impostor's variables.
    let get = format!(r#"curl -sS -o /dev/null --max-time 5 --cacert {c} "$MTLS_IMPOSTOR_URL""#);
    let run = impostor(
        &["--trusted-ca-cert", c, "--trusted-ca-key", k],
        &[],
        &["sh", "-c", &get],
    )?;
    check("curl --cacert staging CA", &run, CAREFUL);
    assert_eq!(
        run.report["impostor"][0]["trusted_ca"]["origin"],
        "--trusted-ca-cert"
    );
    assert_eq!(
        run.report["impostor"][0]["trusted_ca"]["subject"],
        "CN=Staging CA"
    );
    // A key that is not the CA's: a usage error naming the flag.
    let out = mtls_scan()
        .args([
            "impostor",
            "--name",
            "localhost",
            "--trusted-ca-cert",
            c,
            "--trusted-ca-key",
            o,
        ])
        .args(["--", "true"])
        .output()?;
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--trusted-ca-cert") && stderr.contains("does not match"),
        "{stderr}"
    );
    Ok(())
}

/// The scenarios a careful client must refuse, by name, that the run lists as incomplete, each
/// with its reason.
fn incomplete(run: &Run) -> Vec<(String, String)> {
    run.target()["incomplete"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|i| {
            (
                i["probe"].as_str().unwrap_or_default().to_owned(),
                i["reason"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

const MUST_REFUSE: [&str; 7] = [
    "self-signed",
    "untrusted-ca",
    "unknown-issuer",
    "expired",
    "wrong-host",
    "forged-ca",
    "non-ca-issuer",
];

/// Checks an incomplete run: no error, no finding, grade B, exit 3, and exactly `scenarios`
/// incomplete, each for a reason starting with `why`.
fn check_incomplete(label: &str, run: &Run, scenarios: &[&str], why: &str) {
    let inc = incomplete(run);
    eprintln!("{label}: {inc:#?}\n{}", run.scenarios());
    assert!(
        run.target()["error"].is_null(),
        "{label}: {}",
        run.target()["error"]
    );
    assert_eq!(run.findings(), Vec::<(String, bool)>::new(), "{label}");
    assert_eq!(run.target()["grade"], "B", "{label}");
    assert_eq!(run.exit, 3, "{label}: stderr {}", run.stderr);
    assert_eq!(
        inc.iter().map(|(p, _)| p.as_str()).collect::<Vec<_>>(),
        scenarios,
        "{label}"
    );
    assert!(
        inc.iter().all(|(_, r)| r.starts_with(why)),
        "{label}: {inc:?}"
    );
}

/// A careful check in the foreground, and a careless call detached into a session of its own
/// (`setsid`), made after the wrapper exits: the process group kill missed it, and its request
/// went to a later scenario or to nobody (A, exit 0, in 5 of 12 runs). The impostor finds it by
/// the environment it inherited, or as its subreaper by its parent, kills it, and the scenario
/// is incomplete.
#[test]
fn a_process_detached_from_the_client_is_never_a_pass() -> TestResult {
    if !need("curl") || !need("setsid") {
        return Ok(());
    }
    // The same worker started with an empty environment too (`env -i`, as `sudo`, `systemd-run`
    // or a container runtime start one) carries no marker to be found by: A, exit 0 (an audit's,
    // twenty-seventh session). The impostor is the clients' subreaper: found by its parent.
    let marked = r#"curl -sS -o /dev/null --max-time 5 "$MTLS_IMPOSTOR_URL"; setsid sh -c 'sleep 0.3; curl -k -sS -o /dev/null --max-time 5 "$MTLS_IMPOSTOR_URL"' > /dev/null 2>&1 < /dev/null &"#;
    let unmarked = r#"curl -sS -o /dev/null --max-time 5 "$MTLS_IMPOSTOR_URL"; setsid env -i PATH="$PATH" U="$MTLS_IMPOSTOR_URL" sh -c 'sleep 0.5; curl -k -sS -o /dev/null --max-time 5 "$U"' > /dev/null 2>&1 < /dev/null &"#;
    // A background job of a shell with job control (`set -m`: a process group of its own, in
    // the same session) without the run's environment: neither the group kill, nor the marker,
    // nor a session of its own found it: A, exit 0 (twenty-eighth session). Counted as the
    // subreaper's while no other client run is under way in the process (the CLI's one run).
    let own_group = r#"curl -sS -o /dev/null --max-time 5 "$MTLS_IMPOSTOR_URL"; set -m; env -i PATH="$PATH" U="$MTLS_IMPOSTOR_URL" sh -c 'sleep 0.5; curl -k -sS -o /dev/null --max-time 5 "$U"' > /dev/null 2>&1 < /dev/null &"#;
    for (label, shell, cmd) in [
        ("careful curl, then a detached curl -k", "sh", marked),
        (
            "careful curl, then a detached curl -k without the run's environment",
            "sh",
            unmarked,
        ),
        (
            "careful curl, then a background job in a group of its own without the run's \
             environment",
            "bash",
            own_group,
        ),
    ] {
        let run = impostor(&[], &[], &[shell, "-c", cmd])?;
        check_incomplete(
            label,
            &run,
            &MUST_REFUSE,
            // 1, or 2 when the scan caught the background job before it left the group.
            "the client left ",
        );
        assert!(
            run.scenario("control")["client"]["detached"].as_u64() >= Some(1),
            "{label}"
        );
    }
    Ok(())
}

/// A `go test` wrapped without `-count=1` is cached once it passes: it makes no connection after
/// that, whatever the impostor serves. Careful, it fails in `self-signed` (played first) and
/// passes in the control: the scenarios after are not refusals, the run is incomplete. With
/// `InsecureSkipVerify: true` it passes in `self-signed` already: a finding (it graded A, exit 0,
/// when the control ran first). With `-count=1`: F, every scenario seen.
#[test]
fn a_cached_go_test_is_incomplete_not_careful() -> TestResult {
    if !need("go") {
        return Ok(());
    }
    let dir = tempfile::tempdir()?;
    let module = dir.path().join("upstream");
    std::fs::create_dir(&module)?;
    std::fs::write(module.join("go.mod"), "module upstream\n\ngo 1.19\n")?;
    std::fs::write(
        module.join("client_test.go"),
        "package upstream\n\n\
         import (\n\t\"crypto/tls\"\n\t\"io\"\n\t\"net/http\"\n\t\"os\"\n\t\"testing\"\n)\n\n\
         func TestUpstream(t *testing.T) {\n\
         \tinsecure := os.Getenv(\"UPSTREAM_INSECURE\") == \"1\"\n\
         \tc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: insecure}}}\n\
         \tresp, err := c.Get(os.Getenv(\"MTLS_IMPOSTOR_URL\"))\n\
         \tif err != nil {\n\t\tt.Fatal(err)\n\t}\n\
         \t_, _ = io.Copy(io.Discard, resp.Body)\n\
         \tresp.Body.Close()\n}\n",
    )?;
    let cache = dir.path().join("gocache");
    let env = |insecure: &'static str| {
        [
            ("GOCACHE", cache.to_str().unwrap().to_owned()),
            ("GOFLAGS", "-mod=mod".to_owned()),
            ("GOTOOLCHAIN", "local".to_owned()),
            ("CGO_ENABLED", "0".to_owned()),
            ("UPSTREAM", module.to_str().unwrap().to_owned()),
            ("UPSTREAM_INSECURE", insecure.to_owned()),
        ]
    };
    let run_with = |insecure: &'static str, cmd: &str| -> TestResult<Run> {
        let env = env(insecure);
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        // A generous limit: the first run compiles the test.
        impostor(&["--scenario-timeout", "60"], &env, &["sh", "-c", cmd])
    };
    let cached = r#"cd "$UPSTREAM" && go test ./ -run TestUpstream"#;
    let run = run_with("0", cached)?;
    check_incomplete(
        "go test, cached",
        &run,
        &[
            "untrusted-ca",
            "unknown-issuer",
            "expired",
            "wrong-host",
            "forged-ca",
            "non-ca-issuer",
        ],
        "the client made no connection in this scenario",
    );
    assert!(incomplete(&run).iter().all(|(_, r)| r.contains("-count=1")));
    check(
        "go test InsecureSkipVerify, cached",
        &run_with("1", cached)?,
        &[("client-skips-server-verification", false)],
    );
    let counted = r#"cd "$UPSTREAM" && go test ./ -run TestUpstream -count=1"#;
    check("go test -count=1", &run_with("1", counted)?, CARELESS);
    Ok(())
}

/// Serve mode, `curl -k` connecting once: the control only. The other scenarios were never
/// connected to: incomplete, each listed (it graded A and passed the README's `jq` check).
#[test]
fn serve_mode_lists_the_scenarios_never_connected_to() -> TestResult {
    if !need("curl") {
        return Ok(());
    }
    let dir = tempfile::tempdir()?;
    let (child, env) = serve(&["--duration", "3"], dir.path())?;
    assert!(get(&env, "MTLS_IMPOSTOR_PORT", true)?);
    let exit = wait(child, Duration::from_secs(20))?;
    let run = served_run(dir.path(), exit)?;
    check_incomplete(
        "serve, curl -k once",
        &run,
        &MUST_REFUSE,
        "no connection was served this scenario",
    );
    let notes = run.target()["notes"].to_string();
    assert!(
        notes.contains(
            "never connected to while served: self-signed, untrusted-ca, unknown-issuer, expired, wrong-host, \
             forged-ca, non-ca-issuer"
        ),
        "{notes}"
    );
    assert_ne!(run.report["grade"], "A");
    Ok(())
}

/// A client that skips verification but, on a failed check, takes 5 s before it proceeds,
/// killed at `--scenario-timeout 3`: what it would have done was not seen. Incomplete, not
/// careful (the impostor's handshake time-out counted as a refusal: grade A).
#[test]
fn a_client_killed_while_it_decides_is_incomplete() -> TestResult {
    if !need("go") {
        return Ok(());
    }
    let dir = tempfile::tempdir()?;
    let bin = go_client(dir.path())?;
    let run = impostor(
        &["--scenario-timeout", "3"],
        &[],
        &[bin.to_str().unwrap(), "-soft-fail-after", "5s"],
    )?;
    let inc = incomplete(&run);
    check_incomplete(
        "go, soft fail after 5 s, 3 s per scenario",
        &run,
        &MUST_REFUSE,
        "the ",
    );
    assert!(
        inc.iter().all(|(_, r)| r.contains("still running after")
            || r.contains("did not finish the handshake within 3.0 s")
            || r.contains("too late to be a refusal")
            || r.contains("as the client was killed")),
        "{inc:?}"
    );
    Ok(())
}

/// The same client taking 11 s, with `--scenario-timeout 20`: the impostor waits as long as the
/// scenario allows and sees the request (the handshake was cut at 10 s whatever the limit, and
/// the cut counted as a refusal: grade A). Serve mode, a port per scenario.
#[test]
fn a_slow_soft_fail_is_watched_to_the_scenario_limit() -> TestResult {
    if !need("go") || !need("kill") {
        return Ok(());
    }
    let dir = tempfile::tempdir()?;
    let bin = go_client(dir.path())?;
    let (child, env) = serve(
        &[
            "--port-per-scenario",
            "--scenarios",
            "self-signed",
            "--scenario-timeout",
            "20",
        ],
        dir.path(),
    )?;
    let client = |port_var: &str, soft: &str| -> TestResult<bool> {
        Ok(served_go(&bin, &env, port_var, &["-soft-fail-after", soft])
            .status()?
            .success())
    };
    assert!(client("MTLS_IMPOSTOR_PORT", "11s")?, "the control refused");
    let started = Instant::now();
    let proceeded = client("MTLS_IMPOSTOR_PORT_SELF_SIGNED", "11s")?;
    let waited = started.elapsed();
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()?;
    assert!(status.success());
    let exit = wait(child, Duration::from_secs(30))?;
    let mut run = served_run(dir.path(), exit)?;
    run.elapsed = waited;
    assert!(
        proceeded && waited >= Duration::from_secs(11),
        "the client gave up after {waited:?}\n{}",
        run.scenarios()
    );
    check(
        "serve, go soft fail after 11 s, 20 s per scenario",
        &run,
        &[("client-skips-server-verification", false)],
    );
    Ok(())
}

/// A careful curl run 40 times per scenario: past the 32 connections recorded, the rest were
/// closed unseen. A refusal is not proven for those: incomplete (it graded A).
#[test]
fn connections_past_the_record_are_incomplete() -> TestResult {
    if !need("curl") {
        return Ok(());
    }
    let many = r#"for i in $(seq 40); do curl -sS -o /dev/null --max-time 5 "$MTLS_IMPOSTOR_URL" 2> /dev/null; done; true"#;
    let run = impostor(&[], &[], &["sh", "-c", many])?;
    check_incomplete(
        "curl 40 times",
        &run,
        &MUST_REFUSE,
        "8 connection(s) past the 32 recorded were closed unseen",
    );
    Ok(())
}

/// The Go client that skips verification but waits 5 s on a failed check, then proceeds,
/// wrapped in `timeout`: its connections close when `timeout` kills it, without an alert. That
/// is not a refusal (it graded A, exit 0, with `timeout 3` and `--scenario-timeout 20`): a close
/// 3 s after the certificate is too late to be one, and a close as the client dies (exit 124)
/// is its death.
#[test]
fn a_client_killed_by_a_timeout_wrapper_is_not_a_refusal() -> TestResult {
    if !need("go") || !need("timeout") {
        return Ok(());
    }
    let dir = tempfile::tempdir()?;
    let bin = go_client(dir.path())?;
    let bin = bin.to_str().unwrap();
    for (limit, why) in [
        ("3", "too late to be a refusal"),
        ("0.5", "as the client was killed"),
    ] {
        let run = impostor(
            &["--scenario-timeout", "20"],
            &[],
            &["timeout", limit, bin, "-soft-fail-after", "5s"],
        )?;
        let label = format!("timeout {limit} go, soft fail after 5 s");
        check_incomplete(
            &label,
            &run,
            &MUST_REFUSE,
            "the client's decision was not seen",
        );
        let inc = incomplete(&run);
        assert!(inc.iter().all(|(_, r)| r.contains(why)), "{label}: {inc:?}");
    }
    Ok(())
}

/// A careful curl in front of the careless Go client (`curl -sf URL && go-client -insecure`),
/// and a probe that sends a ClientHello and hangs up in front of `curl -k` that runs once: the
/// refusals came from a TLS client other than the one that sent the control its request (both
/// graded A, exit 0). The ClientHello fingerprints tell them apart: incomplete.
#[test]
fn a_refusal_by_another_program_is_not_the_clients() -> TestResult {
    if !need("go") || !need("curl") || !need("python3") {
        return Ok(());
    }
    let dir = tempfile::tempdir()?;
    let bin = go_client(dir.path())?;
    let gate = format!(
        r#"curl -sf -o /dev/null "$MTLS_IMPOSTOR_URL" && {} -insecure"#,
        bin.display()
    );
    let run = impostor(&[], &[], &["sh", "-c", &gate])?;
    check_incomplete(
        "curl && go -insecure",
        &run,
        &MUST_REFUSE,
        "the TLS client that sent the control its request",
    );
    let hello = dir.path().join("hello_close.py");
    std::fs::write(
        &hello,
        r#"import os, socket, ssl
host, port = os.environ["MTLS_IMPOSTOR_ADDR"].rsplit(":", 1)
ctx = ssl.create_default_context()
obj = ctx.wrap_bio(ssl.MemoryBIO(), out := ssl.MemoryBIO(), server_hostname="localhost")
try:
    obj.do_handshake()
except ssl.SSLWantReadError:
    pass
s = socket.create_connection((host, int(port)))
s.sendall(out.read())
s.close()
"#,
    )?;
    // `curl -k` in the second run only (the control: `self-signed` runs first).
    let count = dir.path().join("count");
    let once = format!(
        r#"n=$(cat {count} 2> /dev/null || echo 0); echo $((n + 1)) > {count}; python3 {}; [ "$n" = 1 ] && curl -sk -o /dev/null "$MTLS_IMPOSTOR_URL"; true"#,
        hello.display(),
        count = count.display()
    );
    let run = impostor(&[], &[], &["sh", "-c", &once])?;
    // On a loaded machine the probe's connection may be accepted only after the wrapper exited:
    // a connection its client had closed by then carries nothing and is dropped, so that
    // scenario saw no connection; incomplete all the same.
    let late = "the client made no connection in this scenario";
    let mut inc = incomplete(&run);
    inc.retain(|(_, r)| !r.starts_with(late));
    assert_eq!(run.exit, 3, "stderr {}", run.stderr);
    assert!(
        !inc.is_empty()
            && inc
                .iter()
                .all(|(_, r)| r.starts_with("the TLS client that sent the control its request")),
        "{inc:?}"
    );
    assert_eq!(run.findings(), Vec::<(String, bool)>::new());
    Ok(())
}

/// Serve mode on one port, a client that retries without verification after a host-name
/// mismatch, run once per scenario: its retry after the wrong-host refusal was rotated into the
/// control and looked like the control's request (A, exit 0). A refusal followed at once by a
/// request from the same TLS client is not counted: incomplete. With a port per scenario the
/// retry lands where it belongs: D.
#[test]
fn serve_on_one_port_doubts_a_refusal_followed_by_a_retry() -> TestResult {
    if !need("go") {
        return Ok(());
    }
    let dir = tempfile::tempdir()?;
    let bin = go_client(dir.path())?;
    let client = |env: &[(String, String)], port_var: &str| -> TestResult<bool> {
        Ok(served_go(&bin, env, port_var, &["-retry-insecure-on-name"])
            .status()?
            .success())
    };
    // The wrong-host scenario last in the rotation: the retry lands in the control.
    let four = "--scenarios=self-signed,untrusted-ca,expired,wrong-host";
    let one = tempfile::tempdir()?;
    let (child, env) = serve(&[four, "--connections", "6"], one.path())?;
    for _ in 0..5 {
        client(&env, "MTLS_IMPOSTOR_PORT")?;
    }
    let exit = wait(child, Duration::from_secs(30))?;
    let run = served_run(one.path(), exit)?;
    check_incomplete(
        "serve on one port, go retrying without verification on a name mismatch",
        &run,
        &["wrong-host"],
        "a refusal was followed by a request from the same TLS client, its next",
    );
    let per = tempfile::tempdir()?;
    let (child, env) = serve(&["--port-per-scenario", "--connections", "9"], per.path())?;
    for var in [
        "MTLS_IMPOSTOR_PORT",
        "MTLS_IMPOSTOR_PORT_SELF_SIGNED",
        "MTLS_IMPOSTOR_PORT_UNTRUSTED_CA",
        "MTLS_IMPOSTOR_PORT_UNKNOWN_ISSUER",
        "MTLS_IMPOSTOR_PORT_EXPIRED",
        "MTLS_IMPOSTOR_PORT_WRONG_HOST",
        "MTLS_IMPOSTOR_PORT_FORGED_CA",
        "MTLS_IMPOSTOR_PORT_NON_CA_ISSUER",
    ] {
        client(&env, var)?;
    }
    let exit = wait(child, Duration::from_secs(30))?;
    let run = served_run(per.path(), exit)?;
    check(
        "serve a port per scenario, go retrying without verification on a name mismatch",
        &run,
        &[("client-skips-hostname-check", false)],
    );
    Ok(())
}

/// `--connections 2` with a careful client that takes 3 s to refuse: the last connection was
/// given 2 s after the count was reached, then cut short (incomplete). It gets the handshake's
/// limit, as every connection does: complete (B at best: `--scenarios` left the others out).
#[test]
fn the_last_connection_gets_the_scenario_limit() -> TestResult {
    if !need("go") {
        return Ok(());
    }
    let dir = tempfile::tempdir()?;
    let bin = go_client(dir.path())?;
    let (child, env) = serve(
        &["--scenarios", "self-signed", "--connections", "2"],
        dir.path(),
    )?;
    for _ in 0..2 {
        served_go(
            &bin,
            &env,
            "MTLS_IMPOSTOR_PORT",
            &["-hard-fail-after", "3s"],
        )
        .status()?;
    }
    let exit = wait(child, Duration::from_secs(30))?;
    let run = served_run(dir.path(), exit)?;
    check("serve --connections 2, go refusing after 3 s", &run, &[]);
    Ok(())
}

/// A report written before connections recorded `end` (and fingerprints): `merge` rendered a
/// careful curl run as grade A with every must-refuse row INCOMPLETE (a missing `end` read as
/// cut short). It reads them from the alert and the detail: refused.
#[test]
fn an_old_report_without_end_renders_as_written() -> TestResult {
    if !need("curl") {
        return Ok(());
    }
    let run = impostor(
        &[],
        &[],
        &["sh", "-c", r#"curl -sf -o /dev/null "$MTLS_IMPOSTOR_URL""#],
    )?;
    check("curl", &run, &[]);
    let mut old = run.report.clone();
    for s in old["impostor"][0]["scenarios"]
        .as_array_mut()
        .into_iter()
        .flatten()
    {
        for c in s["connections"].as_array_mut().into_iter().flatten() {
            if let Some(c) = c.as_object_mut() {
                for k in ["end", "fingerprint", "at_ms"] {
                    c.remove(k);
                }
            }
        }
    }
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("old.json");
    std::fs::write(&path, serde_json::to_vec(&old)?)?;
    let out = mtls_scan()
        .args(["merge", "--format", "text"])
        .arg(&path)
        .output()?;
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("grade A"), "{text}");
    assert!(!text.contains("INCOMPLETE"), "{text}");
    let refused = text
        .lines()
        .filter(|l| l.split_whitespace().nth(1) == Some("refused"))
        .count();
    assert_eq!(refused, 7, "{text}");
    Ok(())
}

/// A careful check gating a careless call from the same TLS client: `curl -sf URL && curl -k
/// URL`, and one Go program checking health with verification, then calling without. The control
/// got two requests from the one ClientHello, every other scenario one refusal and nothing more
/// (the careless call never ran): it graded A. Incomplete: fewer connections than the control's.
#[test]
fn a_careful_gate_before_a_careless_call_is_incomplete() -> TestResult {
    if !need("curl") || !need("go") {
        return Ok(());
    }
    let gate = r#"curl -sSf -o /dev/null --max-time 5 "$MTLS_IMPOSTOR_URL" && curl -sSk -o /dev/null --max-time 5 "$MTLS_IMPOSTOR_URL""#;
    let run = impostor(&[], &[], &["sh", "-c", gate])?;
    check_incomplete(
        "curl -sf && curl -k",
        &run,
        &MUST_REFUSE,
        "the control's client (ClientHello ",
    );
    assert!(incomplete(&run)
        .iter()
        .all(|(_, r)| r
            .contains("made 2 connection(s) there (2 with a request), this scenario saw 1")));
    let dir = tempfile::tempdir()?;
    let bin = go_client(dir.path())?;
    let run = impostor(&[], &[], &[bin.to_str().unwrap(), "-gate"])?;
    check_incomplete(
        "go: a verified health check, then the call without",
        &run,
        &MUST_REFUSE,
        "the control's client (ClientHello ",
    );
    // A careful client that retries its refusals, once per run: still careful.
    let retries = r#"for i in 1 2 3; do curl -sSf -o /dev/null --max-time 5 "$MTLS_IMPOSTOR_URL" && exit 0; done; exit 1"#;
    check(
        "curl, 3 tries",
        &impostor(&[], &[], &["sh", "-c", retries])?,
        CAREFUL,
    );
    Ok(())
}

/// Serve mode on one port, a client that retries without verification 3 s after a host-name
/// mismatch: past the old 2 s window its retry, rotated into the control, was not counted
/// against the refusal (A). At any delay now: incomplete.
#[test]
fn serve_on_one_port_a_retry_after_a_pause_is_doubted() -> TestResult {
    if !need("go") {
        return Ok(());
    }
    let dir = tempfile::tempdir()?;
    let bin = go_client(dir.path())?;
    let one = tempfile::tempdir()?;
    let (child, env) = serve(
        &[
            "--scenarios=self-signed,untrusted-ca,expired,wrong-host",
            "--connections",
            "6",
        ],
        one.path(),
    )?;
    for _ in 0..5 {
        served_go(
            &bin,
            &env,
            "MTLS_IMPOSTOR_PORT",
            &["-retry-insecure-on-name", "-retry-delay", "3s"],
        )
        .status()?;
    }
    let exit = wait(child, Duration::from_secs(30))?;
    let run = served_run(one.path(), exit)?;
    check_incomplete(
        "serve on one port, go retrying without verification 3 s after a name mismatch",
        &run,
        &["wrong-host"],
        "a refusal was followed by a request from the same TLS client, its next",
    );
    Ok(())
}

/// `--serve --scenarios control` tested nothing and graded A; a `--name` that is the wrong-host
/// certificate's gave a careful client a host-name finding. Both are usage errors now.
#[test]
fn nothing_to_refuse_and_the_reserved_name_are_usage_errors() -> TestResult {
    let out = mtls_scan()
        .args([
            "impostor",
            "--serve",
            "--name",
            "localhost",
            "--scenarios",
            "control",
            "--duration",
            "1",
        ])
        .stdin(Stdio::null())
        .output()?;
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--scenarios"));
    let out = mtls_scan()
        .args([
            "impostor",
            "--name",
            "wrong-host.mtls-impostor.invalid",
            "--",
            "true",
        ])
        .output()?;
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--name"));
    // A leaf given as the trusted CA: said in the client half's terms.
    let dir = tempfile::tempdir()?;
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)?;
    let leaf = rcgen::CertificateParams::new(vec!["localhost".to_owned()])?.self_signed(&key)?;
    let (c, k) = (dir.path().join("leaf.pem"), dir.path().join("leaf.key"));
    std::fs::write(&c, leaf.pem())?;
    std::fs::write(&k, key.serialize_pem())?;
    let out = mtls_scan()
        .args(["impostor", "--name", "localhost", "--trusted-ca-cert"])
        .arg(&c)
        .arg("--trusted-ca-key")
        .arg(&k)
        .args(["--", "true"])
        .output()?;
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("not a CA certificate") && stderr.contains("the server's certificate"),
        "{stderr}"
    );
    assert!(!stderr.contains("client certificate"), "{stderr}");
    Ok(())
}

/// `--name ::1` listened on 127.0.0.1: the client, told `https://[::1]:PORT/`, never reached it.
/// A loopback address for a name is listened on.
#[test]
fn an_ipv6_loopback_name_is_listened_on() -> TestResult {
    if !need("curl") {
        return Ok(());
    }
    let out = mtls_scan()
        .args(["impostor", "--name", "::1", "--format", "json", "--"])
        .args([
            "sh",
            "-c",
            r#"curl -sS -o /dev/null --max-time 5 "$MTLS_IMPOSTOR_URL""#,
        ])
        .output()?;
    let run = Run {
        exit: out.status.code().unwrap_or(-1),
        report: serde_json::from_slice(&out.stdout)?,
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        elapsed: Duration::ZERO,
    };
    check("curl, --name ::1", &run, CAREFUL);
    assert!(
        run.report["impostor"][0]["listen"]
            .as_str()
            .is_some_and(|l| l.starts_with("[::1]:")),
        "{}",
        run.report["impostor"][0]["listen"]
    );
    Ok(())
}

/// A client that pins the first key it sees (trust on first use) and verifies nothing else: run
/// the control first, it learnt the real key there and refused every impostor (A). The
/// self-signed scenario runs first now: it pins the impostor's key and sends its request.
#[test]
fn a_client_that_trusts_on_first_use_is_caught() -> TestResult {
    if !need("curl") || !need("openssl") {
        return Ok(());
    }
    let dir = tempfile::tempdir()?;
    let pin = dir.path().join("pin");
    let script = |flags: &str| {
        format!(
            r#"P={pin}
if [ ! -s "$P" ]; then
  openssl s_client -connect "$MTLS_IMPOSTOR_ADDR" -servername "$MTLS_IMPOSTOR_HOST" < /dev/null 2> /dev/null \
    | openssl x509 -pubkey -noout | openssl pkey -pubin -outform der \
    | openssl dgst -sha256 -binary | base64 | sed 's|^|sha256//|' > "$P"
fi
curl -sS -o /dev/null --max-time 5 {flags} --pinnedpubkey "$(cat "$P")" "$MTLS_IMPOSTOR_URL""#,
            pin = pin.display()
        )
    };
    let run = impostor(&[], &[], &["sh", "-c", &script("-k")])?;
    check(
        "curl -k, the first key pinned",
        &run,
        &[("client-skips-server-verification", false)],
    );
    assert!(
        run.scenario("self-signed")["connections"]
            .as_array()
            .is_some_and(|c| c.iter().any(|c| c["end"] == "request")),
        "{}",
        run.scenarios()
    );
    // Pinned and verified: it refused the self-signed key, then pinned it and refused the
    // control: never a pass.
    std::fs::remove_file(&pin)?;
    let run = impostor(&[], &[], &["sh", "-c", &script("")])?;
    assert_eq!(run.exit, 3, "{}", run.scenarios());
    assert!(run.target()["error"]
        .as_str()
        .is_some_and(|e| e.starts_with("no request from the client reached the impostor")));
    Ok(())
}

/// Hand-written Go verifiers that check less than they seem to: the issuer's name but not the
/// signature (a forged CA), the chain at the certificate's own time (an expired one passes), the
/// parent domain only (a sibling name passes). Each graded A.
#[test]
fn hand_written_verifiers_that_check_too_little() -> TestResult {
    if !need("go") {
        return Ok(());
    }
    let dir = tempfile::tempdir()?;
    let bin = go_client(dir.path())?;
    let bin = bin.to_str().unwrap();
    check(
        "go, the issuer's name checked, not the signature",
        &impostor(&[], &[], &[bin, "-issuer-name-only"])?,
        &[("client-skips-server-verification", false)],
    );
    check(
        "go, signatures followed to the trusted CA, never whether an issuer may sign",
        &impostor(&[], &[], &[bin, "-signature-walk"])?,
        &[("client-skips-server-verification", false)],
    );
    check(
        "go, verified at the certificate's own start",
        &impostor(&[], &[], &[bin, "-verify-at-leaf-start"])?,
        &[("client-accepts-expired-server-cert", false)],
    );
    let out = mtls_scan()
        .args([
            "impostor",
            "--name",
            "api.internal.example",
            "--format",
            "json",
        ])
        .args(["--", bin, "-domain-suffix", "-dial-addr"])
        .output()?;
    let run = Run {
        exit: out.status.code().unwrap_or(-1),
        report: serde_json::from_slice(&out.stdout)?,
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        elapsed: Duration::ZERO,
    };
    check(
        "go, the name only under the parent domain",
        &run,
        &[("client-skips-hostname-check", false)],
    );
    let names = run.report["impostor"][0]["wrong_host_names"].to_string();
    assert!(
        names.contains(".internal.example") && names.contains("wrong-host.mtls-impostor.invalid"),
        "{names}"
    );
    // The same verifiers' careful forms: the default Go client refuses all of them.
    check(
        "go default, dialling the address",
        &impostor(&[], &[], &[bin, "-dial-addr"])?,
        CAREFUL,
    );
    Ok(())
}

/// SIGTERM during a wrapped run: the report was lost, the CA's temporary directory left behind
/// and the client orphaned. Now the client's group is killed, the directory removed, and the
/// report written (the scenarios not played out are inconclusive): exit 3.
#[test]
fn sigterm_in_a_wrapped_run_writes_the_report_and_cleans_up() -> TestResult {
    if !need("kill") {
        return Ok(());
    }
    let dir = tempfile::tempdir()?;
    let (pid, ca, report) = (
        dir.path().join("pid"),
        dir.path().join("ca"),
        dir.path().join("report.json"),
    );
    let script = format!(
        r#"echo "$MTLS_IMPOSTOR_CA_FILE" > {ca}.tmp && mv {ca}.tmp {ca}; sleep 30 & echo $! > {pid}.tmp && mv {pid}.tmp {pid}; wait"#,
        ca = ca.display(),
        pid = pid.display()
    );
    let child = mtls_scan()
        .args(["impostor", "--name", "localhost", "--format", "json", "-o"])
        .arg(&report)
        .args(["--", "sh", "-c", &script])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    let started = Instant::now();
    while !pid.exists() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the client never ran"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()?;
    assert!(status.success());
    let exit = wait(child, Duration::from_secs(10))?;
    assert_eq!(exit, 3);
    let json: Value = serde_json::from_str(&std::fs::read_to_string(&report)?)?;
    assert_eq!(json["impostor"][0]["ended_by"], "SIGTERM");
    assert!(json["targets"][0]["grade"] != "A");
    let ca_file = std::fs::read_to_string(&ca)?;
    assert!(
        !Path::new(ca_file.trim()).exists(),
        "the CA's directory was left behind"
    );
    let sleeper = std::fs::read_to_string(&pid)?;
    let proc_dir = format!("/proc/{}", sleeper.trim());
    let gone = Instant::now();
    while Path::new(&proc_dir).exists()
        && !std::fs::read_to_string(format!("{proc_dir}/stat"))
            .unwrap_or_default()
            .contains(") Z ")
    {
        assert!(
            gone.elapsed() < Duration::from_secs(5),
            "the client's sleep was orphaned"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    Ok(())
}

/// Serve-only flags given to a wrapped run were ignored silently (`--scenarios control` ran every
/// scenario): a usage error now.
#[test]
fn serve_only_flags_in_a_wrapped_run_are_usage_errors() -> TestResult {
    for flags in [
        &["--scenarios", "control"][..],
        &["--port-per-scenario"],
        &["--connections", "3"],
        &["--duration", "2"],
    ] {
        let out = mtls_scan()
            .args(["impostor", "--name", "localhost"])
            .args(flags)
            .args(["--", "true"])
            .output()?;
        assert_eq!(out.status.code(), Some(2), "{flags:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(flags[0]),
            "{flags:?}"
        );
    }
    // The hint to wrap the command in a shell is not given when it already is one.
    let run = impostor(&[], &[], &["sh", "-c", "exit 0 # $MTLS_IMPOSTOR_URL"])?;
    assert_eq!(run.exit, 3);
    assert!(!run.stderr.contains("hint:"), "{}", run.stderr);
    Ok(())
}

/// `--demo` writes to the terminal alone: a report file named with it was created empty while
/// the run exited 0 (an audit's, twenty-seventh session). A usage error now, no file made.
#[test]
fn report_files_named_with_the_impostor_demo_are_usage_errors() -> TestResult {
    let dir = tempfile::tempdir()?;
    for flag in ["--json", "--sarif", "--markdown", "--output"] {
        let file = dir.path().join(flag.trim_start_matches('-'));
        let out = mtls_scan()
            .args(["impostor", "--demo", flag])
            .arg(&file)
            .output()?;
        assert_eq!(out.status.code(), Some(2), "{flag}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(flag),
            "{flag}"
        );
        assert!(!file.exists(), "{flag}");
    }
    Ok(())
}

/// Serve mode stopped by `--connections` right after a refusal: the client's retry without
/// verification came after the count and was never accepted, so the refusal counted (A), on one
/// port and with a port per scenario. Connections in the 2 s after the count are read to their
/// ClientHello: the same client again is incomplete.
#[test]
fn a_retry_after_the_last_counted_connection_is_doubted() -> TestResult {
    if !need("go") {
        return Ok(());
    }
    let dir = tempfile::tempdir()?;
    let bin = go_client(dir.path())?;
    let one = tempfile::tempdir()?;
    let (child, env) = serve(
        &[
            "--scenarios=self-signed,untrusted-ca,expired,wrong-host",
            "--connections",
            "5",
        ],
        one.path(),
    )?;
    for _ in 0..5 {
        served_go(
            &bin,
            &env,
            "MTLS_IMPOSTOR_PORT",
            &["-retry-insecure-on-name"],
        )
        .status()?;
    }
    let exit = wait(child, Duration::from_secs(30))?;
    let run = served_run(one.path(), exit)?;
    check_incomplete(
        "one port, --connections 5, go retrying after the wrong-host refusal",
        &run,
        &["wrong-host"],
        "after a refusal here, the same TLS client",
    );
    let per = tempfile::tempdir()?;
    let (child, env) = serve(
        &[
            "--port-per-scenario",
            "--scenarios=wrong-host",
            "--connections",
            "2",
        ],
        per.path(),
    )?;
    assert_eq!(
        env_var(&env, "MTLS_IMPOSTOR_PORT_CONTROL"),
        env_var(&env, "MTLS_IMPOSTOR_PORT")
    );
    for var in ["MTLS_IMPOSTOR_PORT", "MTLS_IMPOSTOR_PORT_WRONG_HOST"] {
        served_go(&bin, &env, var, &["-retry-insecure-on-name"]).status()?;
    }
    let exit = wait(child, Duration::from_secs(30))?;
    let run = served_run(per.path(), exit)?;
    check_incomplete(
        "a port per scenario, --connections 2, go retrying after the wrong-host refusal",
        &run,
        &["wrong-host"],
        "after a refusal here, the same TLS client",
    );
    // A careful client, the same way: nothing after the count, complete (B at best:
    // `--scenarios` left the others out).
    let careful = tempfile::tempdir()?;
    let (child, env) = serve(
        &[
            "--port-per-scenario",
            "--scenarios=wrong-host",
            "--connections",
            "2",
        ],
        careful.path(),
    )?;
    for var in ["MTLS_IMPOSTOR_PORT", "MTLS_IMPOSTOR_PORT_WRONG_HOST"] {
        served_go(&bin, &env, var, &[]).status()?;
    }
    let exit = wait(child, Duration::from_secs(30))?;
    check(
        "a port per scenario, --connections 2, careful go",
        &served_run(careful.path(), exit)?,
        CAREFUL,
    );
    Ok(())
}

/// A client that falls back once it refused: to plaintext HTTP on the same port (its request,
/// with a token, in cleartext: a finding, the worst kind), or to TLS 1.0, which the impostor does
/// not speak (incomplete, exit 3). Each graded A, exit 0: a refusal hid the fallback.
#[test]
fn a_fallback_after_a_refusal_is_never_a_pass() -> TestResult {
    if !need("curl") {
        return Ok(());
    }
    let plain = r#"curl -sSf -o /dev/null --max-time 5 "$MTLS_IMPOSTOR_URL" || curl -sS -o /dev/null --max-time 5 "http://$MTLS_IMPOSTOR_HOST:$MTLS_IMPOSTOR_PORT/secret?token=abc123""#;
    let run = impostor(&[], &[], &["sh", "-c", plain])?;
    check(
        "curl, then plain HTTP",
        &run,
        &[("client-skips-server-verification", false)],
    );
    assert_eq!(run.exit, 1);
    let detail = run.target()["findings"][0]["detail"]
        .as_str()
        .unwrap_or_default();
    assert!(
        detail.contains("plaintext HTTP") && detail.contains("worst"),
        "{detail}"
    );
    assert_eq!(
        run.scenario("self-signed")["connections"][1]["end"],
        "plaintext"
    );
    // The token in the request line is not kept.
    let json = run.report.to_string();
    assert!(
        !json.contains("abc123") && json.contains("token=<redacted>"),
        "{json}"
    );
    let tls10 = r#"curl -sSf -o /dev/null --max-time 5 "$MTLS_IMPOSTOR_URL" || curl -sS -o /dev/null -k --tlsv1.0 --tls-max 1.0 --ciphers DEFAULT:@SECLEVEL=0 --max-time 5 "$MTLS_IMPOSTOR_URL""#;
    let run = impostor(&[], &[], &["sh", "-c", tls10])?;
    check_incomplete(
        "curl, then curl -k --tlsv1.0",
        &run,
        &MUST_REFUSE,
        "beside the refusal, a connection could not be read",
    );
    Ok(())
}

/// A verified handshake-only check from the same TLS client gating an unverified call: Python's
/// `HTTPSConnection.connect()` and `close()` with the default context, then a POST with an
/// unverified one. The control's first connection carried no request and was not counted: A.
#[test]
fn a_verified_handshake_gating_an_unverified_call_is_incomplete() -> TestResult {
    if !need("python3") {
        return Ok(());
    }
    let script = r#"
import http.client, os, socket, ssl
port, name = int(os.environ["MTLS_IMPOSTOR_PORT"]), os.environ["MTLS_IMPOSTOR_HOST"]
class C(http.client.HTTPSConnection):
    def connect(self):
        raw = socket.create_connection(("127.0.0.1", port), 5)
        self.sock = self._context.wrap_socket(raw, server_hostname=name)
c = C(name, port, context=ssl.create_default_context(cafile=os.environ["MTLS_IMPOSTOR_CA_FILE"]))
c.connect()
c.close()
c = C(name, port, context=ssl._create_unverified_context())
c.request("POST", "/data", body=b"payload")
c.getresponse().read()
"#;
    let run = impostor(&[], &[], &["python3", "-c", script])?;
    check_incomplete(
        "python: verified connect(), then an unverified POST",
        &run,
        &MUST_REFUSE,
        "the control's client (ClientHello ",
    );
    assert!(
        incomplete(&run)
            .iter()
            .all(|(_, r)| r.contains("made 2 connection(s) there (1 with a request)")),
        "{:?}",
        incomplete(&run)
    );
    Ok(())
}

/// A careful check retried until it passes, gating a careless call: three refusals per scenario
/// beat the two control requests of the old count (A, exit 0). A careful client that retries its
/// one call stays A.
#[test]
fn a_retried_gate_before_a_careless_call_is_incomplete() -> TestResult {
    if !need("curl") {
        return Ok(());
    }
    let gate = r#"ok=; for i in 1 2 3; do curl -sf -o /dev/null --max-time 5 "${MTLS_IMPOSTOR_URL}health" && ok=1 && break; done; [ -n "$ok" ] && curl -sSfk -o /dev/null --max-time 5 "${MTLS_IMPOSTOR_URL}data""#;
    let run = impostor(&[], &[], &["sh", "-c", gate])?;
    check_incomplete(
        "curl -sf health (3 tries) && curl -k data",
        &run,
        &MUST_REFUSE,
        "the control's client (ClientHello ",
    );
    assert!(
        incomplete(&run)
            .iter()
            .all(|(_, r)| r.contains("a refusal does not show which call it was")),
        "{:?}",
        incomplete(&run)
    );
    let careful = r#"curl -sS -o /dev/null --max-time 5 "$MTLS_IMPOSTOR_URL""#;
    check(
        "plain careful curl",
        &impostor(&[], &[], &["sh", "-c", careful])?,
        CAREFUL,
    );
    Ok(())
}

/// A `--trusted-ca-cert` minted just before the run (openssl): an "expired" certificate it
/// issued would still be valid when the client connects (a careful curl got
/// `client-accepts-expired-server-cert`, D, exit 1). The scenario is not played: incomplete,
/// exit 3, and the note says why.
#[test]
fn a_ca_minted_just_before_the_run_is_not_served_a_valid_expired_certificate() -> TestResult {
    if !need("curl") || !need("openssl") {
        return Ok(());
    }
    let dir = tempfile::tempdir()?;
    let (c, k) = (dir.path().join("ca.pem"), dir.path().join("ca.key"));
    let out = Command::new("openssl")
        .args(["req", "-x509", "-newkey", "ec", "-pkeyopt"])
        .args(["ec_paramgen_curve:P-256", "-nodes", "-keyout"])
        .arg(&k)
        .arg("-out")
        .arg(&c)
        .args(["-subj", "/CN=Young CA", "-days", "2"])
        .args(["-addext", "basicConstraints=critical,CA:TRUE"])
        .args(["-addext", "keyUsage=critical,keyCertSign,cRLSign"])
        .output()?;
    assert!(out.status.success(), "{out:?}");
    let (c, k) = (c.to_str().unwrap(), k.to_str().unwrap());
    let get = format!(r#"curl -sS -o /dev/null --max-time 5 --cacert {c} "$MTLS_IMPOSTOR_URL""#);
    let run = impostor(
        &["--trusted-ca-cert", c, "--trusted-ca-key", k],
        &[],
        &["sh", "-c", &get],
    )?;
    check_incomplete(
        "curl --cacert, a CA minted just now",
        &run,
        &["expired"],
        "the impostor could not serve it: the --trusted-ca-cert CA started",
    );
    let notes = run.target()["notes"].to_string();
    assert!(
        notes.contains("expired scenario was not played") && !notes.contains("31 days"),
        "{notes}"
    );
    Ok(())
}

/// The client's last stderr line is kept (the target's error, the JSON, Markdown and SARIF): what
/// looks secret in it is redacted first.
#[test]
fn secrets_in_the_clients_stderr_are_redacted_everywhere() -> TestResult {
    if !need("curl") {
        return Ok(());
    }
    let dir = tempfile::tempdir()?;
    let (md, sarif) = (dir.path().join("r.md"), dir.path().join("r.sarif"));
    // curl fails (no CA given it): its error, then a line with credentials, as a wrapper script
    // that echoes its request might print.
    let cmd = r#"curl -sS -o /dev/null --max-time 5 --cacert /dev/null "$MTLS_IMPOSTOR_URL?password=hunter2"; echo "retry failed: Authorization: Bearer eyJsekrit.tok password=hunter2 api_key=AKIAXYZ" >&2; exit 7"#;
    let run = impostor(
        &[
            "--markdown",
            md.to_str().unwrap(),
            "--sarif",
            sarif.to_str().unwrap(),
        ],
        &[],
        &["sh", "-c", cmd],
    )?;
    assert_eq!(run.exit, 3, "{}", run.stderr);
    let error = run.target()["error"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(error.contains("<redacted>"), "{error}");
    for (what, text) in [
        ("json", run.report.to_string()),
        ("stderr", run.stderr.clone()),
        ("markdown", std::fs::read_to_string(&md)?),
        ("sarif", std::fs::read_to_string(&sarif)?),
    ] {
        for secret in ["hunter2", "eyJsekrit", "AKIAXYZ"] {
            assert!(!text.contains(secret), "{what} keeps {secret}: {text}");
        }
    }
    Ok(())
}

/// A client whose requests never reached the impostor (curl given no CA fails in every scenario,
/// the control too) was not judged: the JSON says `"judged": false` beside the F that fails the
/// gate, and the Markdown says "not judged", never "grade F … below the threshold".
#[test]
fn a_client_never_judged_says_so_in_json_and_markdown() -> TestResult {
    if !need("curl") {
        return Ok(());
    }
    let dir = tempfile::tempdir()?;
    let md = dir.path().join("r.md");
    let cmd = r#"curl -sS -o /dev/null --max-time 5 --cacert /dev/null "$MTLS_IMPOSTOR_URL""#;
    let run = impostor(
        &["--fail-under", "A", "--markdown", md.to_str().unwrap()],
        &[],
        &["sh", "-c", cmd],
    )?;
    assert_eq!(run.exit, 3, "{}", run.stderr);
    assert_eq!(run.target()["judged"], false);
    assert!(run.target()["error"]
        .as_str()
        .is_some_and(|e| e.starts_with("no request from the client reached the impostor")));
    let md = std::fs::read_to_string(&md)?;
    assert!(
        md.starts_with("## ❌ mtls-scan impostor: not judged")
            && md.contains("**Not judged: no request from the client reached the impostor**")
            && !md.contains("grade F")
            && !md.contains("below the threshold")
            && !md.contains("| **F** |"),
        "{md}"
    );
    Ok(())
}

/// Serve mode on one port: the plaintext fallback after the last scenario's refusal is the
/// control's turn, and is the same finding there (the control's refusal-free request beside it
/// is no excuse).
#[test]
fn serve_on_one_port_a_plaintext_fallback_in_the_controls_turn_is_a_finding() -> TestResult {
    if !need("curl") {
        return Ok(());
    }
    let dir = tempfile::tempdir()?;
    let (child, env) = serve(
        &["--scenarios", "self-signed", "--connections", "3"],
        dir.path(),
    )?;
    // The control, then self-signed (refused), then the fallback, in the control's turn.
    assert!(get(&env, "MTLS_IMPOSTOR_PORT", false)?);
    assert!(!get(&env, "MTLS_IMPOSTOR_PORT", false)?);
    let status = Command::new("curl")
        .args(["-sS", "-o", "/dev/null", "--max-time", "5"])
        .arg(format!(
            "http://127.0.0.1:{}/data?token=abc123",
            env_var(&env, "MTLS_IMPOSTOR_PORT")
        ))
        .status()?;
    assert!(status.success());
    assert_eq!(wait(child, Duration::from_secs(20))?, 1);
    let run = served_run(dir.path(), 1)?;
    check(
        "serve, one port, curl then plain HTTP",
        &run,
        &[("client-skips-server-verification", false)],
    );
    assert_eq!(
        run.scenario("control")["connections"][1]["end"],
        "plaintext"
    );
    assert!(!run.report.to_string().contains("abc123"));
    // Stopped by --connections before the fallback came: it was never served, and its refusal
    // proves nothing (it graded A, exit 0).
    let dir = tempfile::tempdir()?;
    let (child, env) = serve(
        &["--scenarios", "self-signed", "--connections", "2"],
        dir.path(),
    )?;
    assert!(get(&env, "MTLS_IMPOSTOR_PORT", false)?);
    assert!(!get(&env, "MTLS_IMPOSTOR_PORT", false)?);
    let _ = Command::new("curl")
        .args(["-sS", "-o", "/dev/null", "--max-time", "3"])
        .arg(format!(
            "http://127.0.0.1:{}/data",
            env_var(&env, "MTLS_IMPOSTOR_PORT")
        ))
        .stderr(Stdio::null())
        .status()?;
    let exit = wait(child, Duration::from_secs(20))?;
    let run = served_run(dir.path(), exit)?;
    check_incomplete(
        "serve, one port, --connections 2, the plain HTTP fallback after the count",
        &run,
        &["self-signed"],
        "after a refusal here, a connection without a readable ClientHello",
    );
    Ok(())
}
