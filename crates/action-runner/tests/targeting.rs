//! Pointing the scanner at a name and shaping its requests, from the CLI and from the Action:
//! `--resolve` / `resolve` (connect to an address, keep the name for SNI and `Host`), `--header` /
//! `headers` (sent on every probe request, never printed), `--skip-probe` / `skip-probes`. A
//! recording TLS server on 127.0.0.1 shows what actually arrived.

#![allow(clippy::indexing_slicing, clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::{Arc, Mutex};

use serde_json::Value;
use support::step::{check_secret, Step};
use support::{mtls_scan, runtime, TestResult};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const SECRET: &str = "s3cret-token-7f3a";

/// The request heads a server saw.
type Heads = Arc<Mutex<Vec<String>>>;

/// A TLS server that asks for no certificate, records every request head (lower-cased) and the
/// SNI it was reached with, and answers 200 (with the request's head as its body when `echo`).
/// Its self-signed certificate (for `api.test`) is written to `cert_file`: the user's headers go
/// only to a server whose certificate verifies.
fn recording_server(
    rt: &tokio::runtime::Runtime,
    cert_file: &std::path::Path,
) -> TestResult<(u16, Heads, tokio::task::JoinHandle<()>)> {
    recording_server_echoing(rt, cert_file, false)
}

/// [`recording_server`], its answer's body the request's head when `echo`.
fn recording_server_echoing(
    rt: &tokio::runtime::Runtime,
    cert_file: &std::path::Path,
    echo: bool,
) -> TestResult<(u16, Heads, tokio::task::JoinHandle<()>)> {
    let key = rcgen::KeyPair::generate()?;
    let cert = rcgen::CertificateParams::new(vec!["api.test".to_owned()])?.self_signed(&key)?;
    std::fs::write(cert_file, cert.pem())?;
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(
            vec![cert.der().clone()],
            rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
        )?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = rt.block_on(tokio::net::TcpListener::bind(("127.0.0.1", 0)))?;
    let port = listener.local_addr()?.port();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let heads = seen.clone();
    let task = rt.spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let (acceptor, heads) = (acceptor.clone(), heads.clone());
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let sni = tls.get_ref().1.server_name().unwrap_or("-").to_owned();
                let mut buf = vec![0u8; 8192];
                let Ok(n) = tls.read(&mut buf).await else {
                    return;
                };
                let raw = String::from_utf8_lossy(&buf[..n]).into_owned();
                let head = raw.to_ascii_lowercase();
                heads.lock().unwrap().push(format!("sni={sni}\n{head}"));
                let body = if echo { raw } else { "ok".to_owned() };
                let answer = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\
                     Connection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = tls.write_all(answer.as_bytes()).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    Ok((port, seen, task))
}

#[test]
fn resolve_header_and_skip_probe_from_the_cli() -> TestResult {
    let rt = runtime()?;
    let dir = tempfile::tempdir()?;
    let cert_file = dir.path().join("api-test.pem");
    let (port, seen, _task) = recording_server(&rt, &cert_file)?;
    // Its certificate not given: trusted by nothing, the server gets no request carrying the
    // header (a man in the middle would have it), and the scan says why, incomplete (exit 3).
    let out = mtls_scan()
        .args([
            "scan",
            &format!("https://api.test:{port}/v1/health"),
            "--resolve",
            &format!("api.test:{port}:127.0.0.1"),
            "--header",
            &format!("X-Api-Key: {SECRET}"),
            "--format",
            "json",
            "--timeout",
            "3",
            "--fail-under",
            "none",
        ])
        .env("MTLS_SCAN_PROGRESS", "0")
        .output()?;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout)?;
    assert_eq!(report["targets"][0]["client_auth"], "none");
    let heads = std::mem::take(&mut *seen.lock().unwrap());
    assert!(
        !heads.is_empty() && heads.iter().all(|h| !h.contains(SECRET)),
        "{heads:?}"
    );
    let out = mtls_scan()
        .args([
            "scan",
            &format!("https://api.test:{port}/v1/health"),
            "--ca-file",
            cert_file.to_str().unwrap_or_default(),
            "--resolve",
            &format!("api.test:{port}:127.0.0.1"),
            "--header",
            &format!("X-Api-Key: {SECRET}"),
            "--skip-probe",
            "tls-config-exposed",
            "--format",
            "json",
            "--timeout",
            "3",
            // The server serves anyone (F): report without failing on the grade.
            "--fail-under",
            "none",
        ])
        .env("MTLS_SCAN_PROGRESS", "0")
        .output()?;
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(!stdout.contains(SECRET) && !stderr.contains(SECRET));
    let report: Value = serde_json::from_str(&stdout)?;
    let t = &report["targets"][0];
    assert_eq!(t["url"], format!("https://api.test:{port}/v1/health"));
    assert_eq!(t["client_auth"], "none");
    assert!(t["config_probes"].is_null(), "{}", t["config_probes"]);
    assert!(t["skipped_probes"]
        .as_array()
        .is_some_and(|s| s.iter().any(|p| p["id"] == "tls-config-exposed")));
    let heads = seen.lock().unwrap().clone();
    assert!(!heads.is_empty());
    // Every request went to 127.0.0.1 under the name: SNI api.test, Host api.test:PORT, the
    // header on each, and no configuration path was asked for.
    for h in &heads {
        assert!(h.starts_with("sni=api.test\n"), "{h}");
        assert!(h.contains(&format!("host: api.test:{port}")), "{h}");
        assert!(h.contains(&format!("x-api-key: {SECRET}")), "{h}");
        assert!(!h.contains("/actuator"), "{h}");
    }
    Ok(())
}

/// A key in the target URL's query (`?api_key=…`) is the user's secret as much as a header's
/// value: it was shown as given in every report. Now it is sent as given and shown as
/// `<redacted>` (the URL in every format, and a server's echo of the request).
#[test]
fn a_secret_in_the_query_is_sent_and_never_shown() -> TestResult {
    let rt = runtime()?;
    let dir = tempfile::tempdir()?;
    let cert_file = dir.path().join("api-test.pem");
    let (port, seen, _task) = recording_server_echoing(&rt, &cert_file, true)?;
    let key = "q7Zk2-query-key-91c";
    let url = format!("https://api.test:{port}/v1/orders?api_key={key}&page=2");
    let md = dir.path().join("r.md");
    let sarif = dir.path().join("r.sarif");
    let out = mtls_scan()
        .args(["scan", &url, "--ca-file"])
        .arg(&cert_file)
        .args(["--resolve", &format!("api.test:{port}:127.0.0.1")])
        .args(["--format", "text", "--json"])
        .arg(dir.path().join("r.json"))
        .arg("--markdown")
        .arg(&md)
        .arg("--sarif")
        .arg(&sarif)
        .args(["--timeout", "3", "--fail-under", "none"])
        .env("MTLS_SCAN_PROGRESS", "0")
        .env("RUST_LOG", "debug")
        .output()?;
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let json = std::fs::read_to_string(dir.path().join("r.json"))?;
    for (what, text) in [
        ("text", stdout.to_string()),
        ("stderr", stderr.to_string()),
        ("json", json.clone()),
        ("markdown", std::fs::read_to_string(&md)?),
        ("sarif", std::fs::read_to_string(&sarif)?),
    ] {
        assert!(!text.contains(key), "{what}: {text}");
    }
    let report: Value = serde_json::from_str(&json)?;
    assert_eq!(
        report["targets"][0]["url"],
        format!("https://api.test:{port}/v1/orders?api_key=<redacted>&page=2")
    );
    // Sent as given, and the server echoed it back in every body.
    let heads = seen.lock().unwrap().clone();
    assert!(
        heads.iter().any(|h| h.contains(&format!(
            "get /v1/orders?api_key={}&page=2",
            key.to_ascii_lowercase()
        ))),
        "{heads:?}"
    );
    // A usage error about the same URL does not quote the key either.
    let out = mtls_scan()
        .args(["scan", &format!("https://api.test/%zz?token={key}")])
        .output()?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        !stderr.contains(key) && stderr.contains("token=<redacted>"),
        "{stderr}"
    );
    Ok(())
}

#[test]
fn resolve_header_and_skip_probe_from_the_action() -> TestResult {
    let rt = runtime()?;
    let dir = tempfile::tempdir()?;
    let cert_file = dir.path().join("api-test.pem");
    let (port, seen, _task) = recording_server(&rt, &cert_file)?;
    let ran = Step::new()?
        .input("api-url", &format!("https://api.test:{port}/v1/health"))
        .input("ca-file", &std::fs::read_to_string(&cert_file)?)
        .input("resolve", &format!("api.test:{port}:127.0.0.1"))
        .input("headers", &format!("X-Api-Key: {SECRET}\nX-Tenant: blue"))
        .input(
            "skip-probes",
            "tls-config-exposed, client-cert-header-spoofing",
        )
        .input("fail-under", "F")
        .input("timeout", "3")
        .run()?;
    assert_eq!(ran.code, Some(0), "{}", ran.explain());
    // The header line is masked before anything else is printed, and appears nowhere else.
    check_secret(&ran, &format!("X-Api-Key: {SECRET}"))?;
    let report = ran.json("mtls-scan-report.json")?;
    let skipped: Vec<&str> = report["targets"][0]["skipped_probes"]
        .as_array()
        .map(|a| a.iter().filter_map(|p| p["id"].as_str()).collect())
        .unwrap_or_default();
    assert!(
        skipped.contains(&"tls-config-exposed") && skipped.contains(&"client-cert-header-spoofing"),
        "{skipped:?}"
    );
    let heads = seen.lock().unwrap().clone();
    assert!(heads
        .iter()
        .all(|h| h.contains(&format!("x-api-key: {SECRET}")) && h.contains("x-tenant: blue")));
    Ok(())
}

/// A `--header` the scanner refuses is named by its place (and its name once known), never
/// quoted: `-H "$API_TOKEN"` with the name forgotten is the token itself, and clap would print
/// the raw value of a flag its parser refuses.
#[test]
fn a_refused_header_is_never_printed() -> TestResult {
    let bad = [
        // The name forgotten: the value alone.
        SECRET.to_owned(),
        format!("Bearer {SECRET}"),
        // Not a token as a name.
        format!("Bearer {SECRET}: x"),
        // A control character in the value.
        format!("X-Api-Key: {SECRET}\u{7f}"),
        format!("X-Api-Key: {SECRET}\r\nX-Other: y"),
        // A header the scanner sets itself.
        format!("Host: {SECRET}"),
    ];
    for (i, h) in bad.iter().enumerate() {
        for args in [
            vec!["-H".to_owned(), h.clone()],
            vec![format!("--header={h}")],
            vec![
                "--header".to_owned(),
                "X-Ok: fine".to_owned(),
                "-H".to_owned(),
                h.clone(),
            ],
        ] {
            let out = mtls_scan()
                .args(["scan", "https://api.test/"])
                .args(&args)
                .output()?;
            let (stdout, stderr) = (
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr),
            );
            assert_eq!(out.status.code(), Some(2), "case {i}: {stderr}");
            assert!(
                !stdout.contains(SECRET) && !stderr.contains(SECRET),
                "case {i} printed the value: {stdout}{stderr}"
            );
            let nth = if args.len() == 4 { "2nd" } else { "1st" };
            assert!(
                stderr.contains(&format!("the {nth} --header")),
                "case {i}: {stderr}"
            );
        }
    }
    // Named when the name is valid, the value never.
    let out = mtls_scan()
        .args(["scan", "https://api.test/", "-H"])
        .arg(format!("X-Api-Key: {SECRET}\u{1}"))
        .output()?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("the 1st --header: the value of x-api-key is not a valid header value")
            && !stderr.contains(SECRET),
        "{stderr}"
    );
    // Bytes that are not UTF-8.
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt as _;
        let mut raw = b"X-Api-Key: ".to_vec();
        raw.extend_from_slice(SECRET.as_bytes());
        raw.push(0xff);
        let out = mtls_scan()
            .args(["scan", "https://api.test/", "-H"])
            .arg(std::ffi::OsStr::from_bytes(&raw))
            .output()?;
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(
            stderr.contains("the 1st --header is not UTF-8 text") && !stderr.contains(SECRET),
            "{stderr}"
        );
    }
    Ok(())
}

#[test]
fn bad_targeting_values_are_usage_errors() -> TestResult {
    for (args, want) in [
        (vec!["--skip-probe", "nope"], "is not a probe: use one of"),
        (vec!["--resolve", "api.test:443"], "is not HOST:PORT:ADDR"),
        (vec!["--header", "no-colon"], "Name: value"),
        (vec!["--sni-name", "not a name"], "is not a DNS name"),
    ] {
        let out = mtls_scan()
            .args(["scan", "https://api.test/"])
            .args(&args)
            .output()?;
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(want), "{args:?}: {stderr}");
    }
    Ok(())
}
