//! The integration tests' one harness, shared by every test binary (`mod support;`):
//!
//! - [`step`]: the built `mtls-scan action` run as the runner runs a step (inputs, files, event),
//!   its stdout read as the runner reads it, and the checks every run must pass;
//! - [`github_api`]: a recording GitHub REST API on 127.0.0.1 for `comment` and `check-run`;
//! - [`real_servers`]: real servers (nginx, HAProxy, Apache, lighttpd, stunnel, Caddy, Go, Node,
//!   Python, openssl, the JDK's HttpsServer, Tomcat, nghttpx, gnutls-serv, Traffic Server, Puma,
//!   Hitch, Erlang/OTP, H2O, Squid, libmicrohttpd, socat, Traefik …) and the `mtls-scan scan` run over them; [`ground_truth`]: what each must report, in one
//!   table;
//! - [`reports`]: hand-built reports for the renderers' snapshot tests;
//! - [`tls_ready`]: whether a server that listens before it answers TLS (Traefik, etcd) answers
//!   it yet.
//!
//! Each binary uses part of it.

#![allow(dead_code, unreachable_pub)]

pub mod github_api;
pub mod ground_truth;
pub mod real_servers;
pub mod reports;
pub mod step;
pub mod tls_ready;

/// A test's result: any error fails it, with its message.
pub type TestResult<T = ()> = Result<T, Box<dyn std::error::Error>>;

/// A multi-threaded runtime that keeps in-process servers (the lab, the API recorder) serving
/// while the test thread waits for the binary.
pub fn runtime() -> TestResult<tokio::runtime::Runtime> {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?)
}

/// The built-in lab's servers for `cases`, on 127.0.0.1.
pub fn lab(rt: &tokio::runtime::Runtime, cases: &[mtls_lab::LabCase]) -> TestResult<mtls_lab::Lab> {
    Ok(rt.block_on(mtls_lab::start(cases))?)
}

/// The lab's URLs, one per line (the `api-url` input's form).
pub fn urls(lab: &mtls_lab::Lab) -> String {
    lab.servers
        .iter()
        .map(|s| s.url.as_str())
        .collect::<Vec<_>>()
        .join("\n")
}

/// `mtls-scan` (the built binary) with a clean environment: `PATH` only, and no progress lines.
pub fn mtls_scan() -> std::process::Command {
    let mut c = std::process::Command::new(step::BIN);
    c.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("MTLS_SCAN_PROGRESS", "0");
    c
}

/// Every finding's `baseline` mark (`new`, `unchanged`) in a JSON report, across its targets.
pub fn baseline_marks(report: &serde_json::Value) -> Vec<&serde_json::Value> {
    report["targets"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|t| t["findings"].as_array().into_iter().flatten())
        .map(|f| &f["baseline"])
        .collect()
}
