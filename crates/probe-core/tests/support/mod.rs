//! Shared helpers of the server-certificate and exposed-configuration tests: a PKI minted with
//! rcgen (or with the openssl CLI for what rcgen and aws-lc-rs refuse: SHA-1 signatures, RSA-1024
//! keys), real nginx started on 127.0.0.1 from a generated config, and scanner options.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use probe_core::engine::ScanOptions;
use rcgen::{
    BasicConstraints, CertificateParams, CustomExtension, DistinguishedName, DnType, IsCa, Issuer,
    KeyPair, KeyUsagePurpose,
};
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

pub mod ports;

pub type Res<T = ()> = Result<T, Box<dyn std::error::Error>>;

/// A CA that can issue.
pub struct Ca {
    pub der: CertificateDer<'static>,
    pub pem: String,
    pub issuer: Issuer<'static, KeyPair>,
}

/// A leaf (or any certificate) with its key.
pub struct Leaf {
    pub der: CertificateDer<'static>,
    pub pem: String,
    pub key: KeyPair,
}

impl Leaf {
    pub fn key_der(&self) -> PrivateKeyDer<'static> {
        PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.key.serialize_der()))
    }
}

fn dn(cn: &str) -> DistinguishedName {
    let mut d = DistinguishedName::new();
    d.push(DnType::OrganizationName, "mtls-scan tests");
    d.push(DnType::CommonName, cn);
    d
}

fn ca_params(cn: &str) -> CertificateParams {
    let mut p = CertificateParams::default();
    p.distinguished_name = dn(cn);
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    p
}

impl Ca {
    /// A self-signed root.
    pub fn root(cn: &str) -> Res<Self> {
        let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)?;
        let params = ca_params(cn);
        let cert = params.self_signed(&key)?;
        Ok(Self {
            der: cert.der().clone(),
            pem: cert.pem(),
            issuer: Issuer::new(params, key),
        })
    }

    /// An intermediate issued by this CA.
    pub fn intermediate(&self, cn: &str) -> Res<Self> {
        let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)?;
        let params = ca_params(cn);
        let cert = params.signed_by(&key, &self.issuer)?;
        Ok(Self {
            der: cert.der().clone(),
            pem: cert.pem(),
            issuer: Issuer::new(params, key),
        })
    }

    /// A server leaf for `names`, adjusted by `tweak`.
    pub fn leaf(&self, names: &[&str], tweak: impl Fn(&mut CertificateParams)) -> Res<Leaf> {
        let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)?;
        let mut params = leaf_params(names)?;
        tweak(&mut params);
        let cert = params.signed_by(&key, &self.issuer)?;
        Ok(Leaf {
            der: cert.der().clone(),
            pem: cert.pem(),
            key,
        })
    }
}

pub fn leaf_params(names: &[&str]) -> Res<CertificateParams> {
    let mut params =
        CertificateParams::new(names.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>())?;
    params.distinguished_name = dn(names.first().copied().unwrap_or("server"));
    params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
    let now = time::OffsetDateTime::now_utc();
    params.not_before = now - time::Duration::days(30);
    params.not_after = now + time::Duration::days(365);
    Ok(params)
}

/// A self-signed server certificate.
pub fn self_signed_leaf(names: &[&str]) -> Res<Leaf> {
    let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)?;
    let cert = leaf_params(names)?.self_signed(&key)?;
    Ok(Leaf {
        der: cert.der().clone(),
        pem: cert.pem(),
        key,
    })
}

/// The Authority Information Access extension with one caIssuers URI (lengths < 128).
pub fn aia_ca_issuers(uri: &str) -> CustomExtension {
    let mut inner = vec![0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x02];
    inner.push(0x86);
    inner.push(uri.len() as u8);
    inner.extend_from_slice(uri.as_bytes());
    let mut access = vec![0x30, inner.len() as u8];
    access.extend(inner);
    let mut aia = vec![0x30, access.len() as u8];
    aia.extend(access);
    CustomExtension::from_oid_content(&[1, 3, 6, 1, 5, 5, 7, 1, 1], aia)
}

/// Scanner options for tests: no system roots, these anchors, a short timeout.
pub fn options(anchors: &[&CertificateDer<'static>]) -> ScanOptions {
    ScanOptions {
        timeout: Duration::from_secs(5),
        system_roots: false,
        extra_roots: anchors.iter().map(|c| (*c).clone()).collect(),
        ..ScanOptions::default()
    }
}

/// Runs the openssl CLI in `dir`; fails with its stderr.
pub fn openssl(dir: &Path, args: &[&str]) -> Res {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()?;
    if !out.status.success() {
        return Err(format!("openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr)).into());
    }
    Ok(())
}

/// Whether a program is on PATH.
pub fn have(program: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// True when a test that needs `program` should run. A missing program fails the test (a skip
/// would pass silently: libtest hides a passing test's stderr), unless `MTLS_SKIP_REAL_SERVERS=1`
/// asks to skip the tests against real servers, as every real-server harness here does.
pub fn need(program: &str) -> Res<bool> {
    if have(program) {
        return Ok(true);
    }
    if std::env::var("MTLS_SKIP_REAL_SERVERS").as_deref() == Ok("1") {
        eprintln!("skipped: {program} is not installed and MTLS_SKIP_REAL_SERVERS=1");
        return Ok(false);
    }
    Err(format!(
        "{program} is not installed (bash scripts/test.sh installs it; set \
         MTLS_SKIP_REAL_SERVERS=1 to skip the tests against real servers)"
    )
    .into())
}

/// A real nginx on 127.0.0.1, killed on drop.
pub struct Nginx {
    pub url: String,
    child: Child,
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts nginx with `server_body` inside `server { listen …; … }`, in `dir`. `weak` lowers
/// OpenSSL's security level so it will serve RSA-1024 keys and SHA-1 certificates.
pub fn nginx(dir: &Path, server_body: &str, weak: bool) -> Res<Nginx> {
    let port = ports::free_port()?;
    let d = dir.display();
    std::fs::create_dir_all(dir.join("tmp"))?;
    std::fs::create_dir_all(dir.join("logs"))?;
    let conf = format!(
        "daemon off; master_process off; worker_processes 1; pid {d}/nginx.pid;\n\
         error_log {d}/logs/error.log info;\n\
         events {{ worker_connections 128; }}\n\
         http {{\n\
         access_log off; client_body_temp_path {d}/tmp; proxy_temp_path {d}/tmp;\n\
         fastcgi_temp_path {d}/tmp; uwsgi_temp_path {d}/tmp; scgi_temp_path {d}/tmp;\n\
         default_type application/octet-stream;\n\
         server {{\n  listen 127.0.0.1:{port} ssl;\n  ssl_protocols TLSv1.2 TLSv1.3;\n{server_body}\n}}\n}}\n"
    );
    let conf_path: PathBuf = dir.join("nginx.conf");
    std::fs::write(&conf_path, conf)?;
    let mut cmd = Command::new("nginx");
    cmd.args(["-p", &d.to_string(), "-c", &conf_path.display().to_string()])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    if weak {
        let cnf = dir.join("openssl-seclevel0.cnf");
        std::fs::write(
            &cnf,
            "openssl_conf = default_conf\n[default_conf]\nssl_conf = ssl_sect\n[ssl_sect]\n\
             system_default = system_default_sect\n[system_default_sect]\nCipherString = DEFAULT:@SECLEVEL=0\n",
        )?;
        cmd.env("OPENSSL_CONF", cnf);
    }
    let mut child = cmd.spawn()?;
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(10) {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Ok(Nginx {
                url: format!("https://127.0.0.1:{port}/"),
                child,
            });
        }
        if let Some(status) = child.try_wait()? {
            let log = std::fs::read_to_string(dir.join("logs/error.log")).unwrap_or_default();
            return Err(format!("nginx exited ({status}): {log}").into());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    Err("nginx did not listen within 10 s".into())
}
