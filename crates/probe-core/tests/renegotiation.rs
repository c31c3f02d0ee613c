//! Never a false pass when rustls is refused in the handshake without a CertificateRequest: a
//! TLS 1.2 server that renegotiates after every request (IIS, Apache with a per-location
//! `SSLCipherSuite`/`SSLVerifyClient`, Node `socket.renegotiate()`). rustls refuses the
//! renegotiation (`no_renegotiation`), the server answers with a fatal `handshake_failure`, and
//! the first wave sees neither a CertificateRequest nor an HTTP answer. Only the late-auth probe
//! (OpenSSL, which accepts the renegotiation) sees what the server does; before, its answer was
//! ignored unless the server asked for a certificate, and every mode below graded A.
//!
//! The server is `tests/servers/node/reneg.js`, started by the test on 127.0.0.1 with a PKI
//! minted here, and killed when the test ends. Without Node the tests fail, unless
//! `MTLS_SKIP_REAL_SERVERS=1`.
//!
//! Ground truth, measured by hand against the same script (Node 20, OpenSSL 3; `-msg` shows a
//! HelloRequest and a full second handshake, the script forbidding resumption on renegotiation):
//! - `served`: `openssl s_client -tls1_2` and `curl -k --tlsv1.2 --tls-max 1.2` (both accept the
//!   renegotiation) get `200 protected admin page` without a certificate, and the second
//!   handshake has no CertificateRequest; `openssl s_client -tls1_2 -no_renegotiation` gets the
//!   alert `handshake failure` (40) and no answer; TLS 1.3 gets `protocol version`.
//! - `stall`: `s_client` renegotiates and then gets no answer; curl times out (exit 28).
//! - `optional`: the second handshake carries a CertificateRequest; `s_client` gets `200` with
//!   `x-client-cert: no` without a certificate, `yes` with one.
//!
//! The `served` check below runs curl again when it is installed, so the ground truth is
//! re-measured on every run.

#![allow(clippy::indexing_slicing, clippy::expect_used, clippy::unwrap_used)]

use std::fs;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use probe_core::engine::{ScanOptions, Scanner};
use probe_core::facts::{LateAsk, Outcome, TlsVersion};
use probe_core::finding::{FindingId, Severity};
use probe_core::grade::Grade;
use probe_core::probe::ProbeId;
use probe_core::report::TargetReport;
use probe_core::target::Target;
use probe_core::verdict::ClientAuth;
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair, KeyUsagePurpose};
use rustls_pki_types::CertificateDer;

#[path = "support/ports.rs"]
mod ports;

type BoxError = Box<dyn std::error::Error>;

/// The scan's deadline per probe: the stalled server costs it three times (first try, two retries).
const TIMEOUT: Duration = Duration::from_secs(2);

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/servers/node/reneg.js")
}

fn node() -> String {
    std::env::var("NODE").unwrap_or_else(|_| "node".to_owned())
}

/// A running `reneg.js`, killed on drop.
struct Reneg {
    child: Child,
    port: u16,
    ca: CertificateDer<'static>,
    _dir: tempfile::TempDir,
}

impl Drop for Reneg {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Reneg {
    /// Starts the server in `mode`, or `None` when Node is missing and
    /// `MTLS_SKIP_REAL_SERVERS=1`.
    fn start(mode: &str) -> Result<Option<Reneg>, BoxError> {
        let found = Command::new(node())
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !found {
            if std::env::var("MTLS_SKIP_REAL_SERVERS").as_deref() == Ok("1") {
                eprintln!("skipped: node is missing and MTLS_SKIP_REAL_SERVERS=1");
                return Ok(None);
            }
            return Err("node is missing: install Node.js (the CI does), or set \
                        MTLS_SKIP_REAL_SERVERS=1 to skip the tests against real servers"
                .into());
        }
        let dir = tempfile::tempdir()?;
        let ca = write_pki(dir.path())?;
        let port = ports::free_port()?;
        let child = Command::new(node())
            .arg(script())
            .arg(mode)
            .arg(port.to_string())
            .arg(dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(fs::File::create(dir.path().join("stderr.log"))?)
            .spawn()?;
        let mut server = Reneg {
            child,
            port,
            ca,
            _dir: dir,
        };
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Some(status) = server.child.try_wait()? {
                return Err(format!("reneg.js exited ({status})").into());
            }
            if started.elapsed() > Duration::from_secs(10) {
                return Err("reneg.js not listening after 10 s".into());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(Some(server))
    }

    fn url(&self) -> String {
        format!("https://127.0.0.1:{}/admin/", self.port)
    }

    async fn scan(&self) -> Result<TargetReport, BoxError> {
        let options = ScanOptions {
            timeout: TIMEOUT,
            system_roots: false,
            extra_roots: vec![self.ca.clone()],
            config_probe: false,
            ..ScanOptions::default()
        };
        let report = Scanner::new(&options)?
            .scan(&[Target::parse(&self.url())?])
            .await;
        let t = report.targets.into_iter().next().ok_or("no target")?;
        eprintln!(
            "{}: grade {} client_auth {:?} findings {:?} incomplete {:?}",
            t.url,
            t.grade,
            t.client_auth,
            t.findings
                .iter()
                .map(|f| (f.id.to_string(), f.severity))
                .collect::<Vec<_>>(),
            t.incomplete
        );
        for p in &t.probes {
            eprintln!(
                "  {} {} late={} {:?} {:?} {:?} attempts {} {:?}",
                p.id,
                p.tls_version,
                p.late,
                p.outcome,
                p.http_status,
                p.alert,
                p.attempts,
                p.detail
            );
        }
        Ok(t)
    }
}

/// A CA (long-lived, so no expiry finding), the server's certificate for 127.0.0.1, as
/// `ca.crt`, `server.crt`, `server.key` (and an RSA pair, `server-rsa.crt`, `server-rsa.key`).
fn write_pki(dir: &Path) -> Result<CertificateDer<'static>, BoxError> {
    let ca_key = KeyPair::generate()?;
    let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "renegotiation test CA");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_cert = ca_params.self_signed(&ca_key)?;
    let issuer = rcgen::Issuer::new(ca_params, ca_key);
    let server_key = KeyPair::generate()?;
    let server_params = CertificateParams::new(vec!["localhost".into(), "127.0.0.1".into()])?;
    let server_cert = server_params.signed_by(&server_key, &issuer)?;
    fs::write(dir.join("ca.crt"), ca_cert.pem())?;
    fs::write(dir.join("server.crt"), server_cert.pem())?;
    fs::write(dir.join("server.key"), server_key.serialize_pem())?;
    // An RSA server key for rsa-any (RSA-only signature algorithms bind the server's own
    // handshake signature too).
    let rsa_key = KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, rcgen::RsaKeySize::_2048)?;
    let rsa_params = CertificateParams::new(vec!["localhost".into(), "127.0.0.1".into()])?;
    let rsa_cert = rsa_params.signed_by(&rsa_key, &issuer)?;
    fs::write(dir.join("server-rsa.crt"), rsa_cert.pem())?;
    fs::write(dir.join("server-rsa.key"), rsa_key.serialize_pem())?;
    Ok(ca_cert.der().clone())
}

fn root_ids(t: &TargetReport) -> Vec<(String, Severity)> {
    t.findings
        .iter()
        .filter(|f| f.implied_by.is_none())
        .map(|f| (f.id.to_string(), f.severity))
        .collect()
}

fn late_baseline(t: &TargetReport) -> &probe_core::facts::ProbeObservation {
    t.probes
        .iter()
        .find(|p| p.late && p.id == ProbeId::NO_CLIENT_CERT && p.tls_version == TlsVersion::Tls12)
        .expect("a late baseline on TLS 1.2")
}

/// The first wave's TLS 1.2 baseline: refused in the handshake, no CertificateRequest.
fn assert_rustls_refused_before_asking(t: &TargetReport) {
    let first = t
        .probes
        .iter()
        .find(|p| !p.late && p.id == ProbeId::NO_CLIENT_CERT && p.tls_version == TlsVersion::Tls12)
        .expect("a first-wave baseline on TLS 1.2");
    assert_eq!(
        (first.outcome, first.cert_requested, first.http_status),
        (Outcome::RefusedTls, false, None),
        "{first:?}"
    );
}

#[tokio::test]
async fn served_after_a_renegotiation_that_asks_nothing_is_a_finding() -> Result<(), BoxError> {
    let Some(server) = Reneg::start("served")? else {
        return Ok(());
    };
    // Ground truth again: a client that accepts renegotiation is served without a certificate.
    if let Ok(out) = Command::new("curl")
        .args(["-sk", "--tlsv1.2", "--tls-max", "1.2", "--max-time", "5"])
        .arg(server.url())
        .output()
    {
        if out.status.success() {
            assert_eq!(
                String::from_utf8_lossy(&out.stdout),
                "protected admin page\n"
            );
        }
    }
    let t = server.scan().await?;
    assert_rustls_refused_before_asking(&t);
    let late = late_baseline(&t);
    assert_eq!(
        (late.outcome, late.http_status, late.asked_after_handshake),
        (Outcome::Served, Some(200), None)
    );
    assert_eq!(t.error, None);
    assert_eq!(t.client_auth, ClientAuth::None);
    assert_eq!(t.tls_versions, [TlsVersion::Tls12]);
    assert_eq!(
        root_ids(&t),
        [(
            FindingId::ClientCertNotRequested.to_string(),
            Severity::Critical
        )]
    );
    let f = &t.findings[0];
    assert_eq!(f.tls_versions, [TlsVersion::Tls12]);
    assert_eq!(t.grade, Grade::F, "never A");
    Ok(())
}

#[tokio::test]
async fn a_late_answer_that_never_comes_leaves_the_target_incomplete() -> Result<(), BoxError> {
    let Some(server) = Reneg::start("stall")? else {
        return Ok(());
    };
    let t = server.scan().await?;
    assert_rustls_refused_before_asking(&t);
    let late = late_baseline(&t);
    assert_eq!(late.outcome, Outcome::Inconclusive, "{late:?}");
    assert_eq!(late.attempts, 3, "retried like the first wave: {late:?}");
    assert_ne!(t.grade, Grade::A, "never A");
    assert!(t.grade <= Grade::B, "incomplete caps the grade at B");
    assert_ne!(t.client_auth, ClientAuth::None, "not 'never asks': unknown");
    let entry = t
        .incomplete
        .iter()
        .find(|i| i.probe == "no-client-cert" && i.tls_version == Some(TlsVersion::Tls12))
        .expect("the TLS 1.2 baseline is incomplete");
    assert!(
        entry
            .reason
            .contains("refused the handshake before asking for a client certificate")
            && entry.reason.contains("could not be read"),
        "{}",
        entry.reason
    );
    assert!(t.is_incomplete());
    Ok(())
}

#[tokio::test]
async fn a_renegotiation_that_asks_is_judged_from_the_late_probes() -> Result<(), BoxError> {
    let Some(server) = Reneg::start("optional")? else {
        return Ok(());
    };
    let t = server.scan().await?;
    assert_rustls_refused_before_asking(&t);
    let late = late_baseline(&t);
    assert_eq!(
        (late.outcome, late.asked_after_handshake),
        (Outcome::Served, Some(LateAsk::Renegotiation))
    );
    assert_eq!(t.client_auth, ClientAuth::Optional);
    let roots = root_ids(&t);
    assert!(
        roots.contains(&(
            FindingId::ClientCertOptional.to_string(),
            Severity::Critical
        )),
        "{roots:?}"
    );
    // The certificate probes ran late too.
    assert!(t
        .probes
        .iter()
        .any(|p| p.late && p.id == ProbeId::UNTRUSTED_CLIENT_CERT && p.client_cert.is_some()));
    assert_eq!(t.grade, Grade::F);
    Ok(())
}

/// Any certificate accepted after a renegotiation that allows RSA client signatures only, with
/// Node's session tickets on. The late client must present its RSA identity (P-256 goes first:
/// the late request's schemes are encrypted) and must not resume (a resumed renegotiation asks
/// nothing). Before: the certificate was never sent, the probe read as refused, grade A; or the
/// renegotiation resumed and nothing was asked.
#[tokio::test]
async fn rsa_only_late_requests_get_the_rsa_identity_and_no_resumption() -> Result<(), BoxError> {
    let Some(server) = Reneg::start("rsa-any")? else {
        return Ok(());
    };
    let t = server.scan().await?;
    let late = late_baseline(&t);
    assert_eq!(
        (late.outcome, late.asked_after_handshake),
        (Outcome::RefusedHttp, Some(LateAsk::Renegotiation)),
        "a full renegotiation, asked: {late:?}"
    );
    let untrusted = t
        .probes
        .iter()
        .find(|p| p.late && p.id == ProbeId::UNTRUSTED_CLIENT_CERT)
        .ok_or("no late untrusted probe")?;
    assert_eq!(untrusted.outcome, Outcome::Served, "{untrusted:?}");
    assert_eq!(
        untrusted.client_cert.as_ref().map(|c| c.key.as_str()),
        Some("RSA 2048")
    );
    let roots = root_ids(&t);
    assert!(
        roots.contains(&(
            FindingId::UntrustedClientCertAccepted.to_string(),
            Severity::Critical
        )),
        "{roots:?}"
    );
    assert_eq!(t.grade, Grade::F);
    Ok(())
}
