//! The late client-auth transport against a real Apache 2.4 (Debian `apache2`): per-location
//! `SSLVerifyClient require` asks for the certificate only after the request.
//!
//! Apache is started by the test on 127.0.0.1 with a minimal configuration in a temporary
//! directory and killed when the test ends. Without `/usr/sbin/apache2` the tests fail, unless
//! `MTLS_SKIP_REAL_SERVERS=1`.

use std::fs;
use std::io::Read as _;
use std::net::{TcpListener, TcpStream};
use std::os::unix::fs::{MetadataExt as _, PermissionsExt as _};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use probe_core::facts::LateAsk;
use probe_core::facts::TlsVersion;
use probe_core::identity::{client_leaf_params, ClientIdentity, KeyKind, SigningCa};
use probe_core::target::Target;
use probe_core::transport::late::{run, LateAuthExchange, LateAuthRequest};
use probe_core::transport::Limits;
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair, KeyUsagePurpose};

#[path = "support/ports.rs"]
mod ports;
use ports::{free_port, free_ports};

type TestResult = Result<(), Box<dyn std::error::Error>>;

const APACHE: &str = "/usr/sbin/apache2";
const MODULES: &str = "/usr/lib/apache2/modules";

/// The test PKI: a CA Apache trusts, its client, and a client of a CA nobody trusts.
struct Pki {
    ca_pem: String,
    server_cert_pem: String,
    server_key_pem: String,
    trusted: ClientIdentity,
    untrusted: ClientIdentity,
}

fn pki() -> Result<Pki, Box<dyn std::error::Error>> {
    let provider = rustls::crypto::aws_lc_rs::default_provider();
    let ca_key = KeyPair::generate()?;
    let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "late-auth test CA");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_cert = ca_params.self_signed(&ca_key)?;
    let issuer = rcgen::Issuer::new(ca_params, ca_key);

    let server_key = KeyPair::generate()?;
    let server_params = CertificateParams::new(vec!["localhost".into(), "127.0.0.1".into()])?;
    let server_cert = server_params.signed_by(&server_key, &issuer)?;

    // The trusted client goes through the PEM path (PKCS#8 key), like a user's --client-cert.
    let client_key = KeyPair::generate()?;
    let client_cert = client_leaf_params("late-auth client").signed_by(&client_key, &issuer)?;
    let trusted = ClientIdentity::from_pem(
        &client_cert.pem(),
        &client_key.serialize_pem(),
        "test: trusted",
        &provider,
    )?;
    // The untrusted one through the minting path.
    let stranger = SigningCa::mint("nobody's CA")?;
    let untrusted = stranger.issue(
        &client_leaf_params("stranger"),
        KeyKind::EcdsaP256,
        "test: untrusted",
        &provider,
    )?;
    Ok(Pki {
        ca_pem: ca_cert.pem(),
        server_cert_pem: server_cert.pem(),
        server_key_pem: server_key.serialize_pem(),
        trusted,
        untrusted,
    })
}

/// A running Apache, killed on drop.
struct Apache {
    child: Child,
    dir: tempfile::TempDir,
    /// `SSLVerifyClient none`, `require` in `<Location /admin>` only.
    per_location: u16,
    /// `SSLVerifyClient require` for the whole virtual host.
    whole_host: u16,
    pki: Pki,
}

impl Drop for Apache {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Apache {
    /// Starts Apache, or returns `None` when it is absent and `MTLS_SKIP_REAL_SERVERS=1`.
    fn start() -> Result<Option<Apache>, Box<dyn std::error::Error>> {
        if !Path::new(APACHE).exists() {
            if std::env::var("MTLS_SKIP_REAL_SERVERS").as_deref() == Ok("1") {
                eprintln!("skipped: {APACHE} is missing and MTLS_SKIP_REAL_SERVERS=1");
                return Ok(None);
            }
            return Err(format!(
                "{APACHE} is missing: install Debian's apache2 package (the CI does), or set \
                 MTLS_SKIP_REAL_SERVERS=1 to skip the tests against real servers"
            )
            .into());
        }
        let dir = tempfile::tempdir()?;
        let pki = pki()?;
        let [per_location, whole_host] = free_ports()?;
        write_site(dir.path(), &pki, per_location, whole_host)?;
        let log = fs::File::create(dir.path().join("stderr.log"))?;
        let child = Command::new(APACHE)
            .arg("-X")
            .arg("-d")
            .arg(dir.path())
            .arg("-f")
            .arg(dir.path().join("httpd.conf"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()?;
        let mut apache = Apache {
            child,
            dir,
            per_location,
            whole_host,
            pki,
        };
        apache.wait_ready()?;
        Ok(Some(apache))
    }

    fn wait_ready(&mut self) -> Result<(), Box<dyn std::error::Error>> {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait()? {
                return Err(format!("apache2 exited ({status}): {}", self.logs()).into());
            }
            let up = |port| TcpStream::connect(("127.0.0.1", port)).is_ok();
            if up(self.per_location) && up(self.whole_host) {
                return Ok(());
            }
            if started.elapsed() > Duration::from_secs(10) {
                return Err(format!("apache2 not listening after 10 s: {}", self.logs()).into());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn logs(&self) -> String {
        let read = |name: &str| fs::read_to_string(self.dir.path().join(name)).unwrap_or_default();
        format!("{}{}", read("stderr.log"), read("error.log"))
    }

    fn target(&self, port: u16, path: &str) -> Result<Target, Box<dyn std::error::Error>> {
        Ok(Target::parse(&format!("https://127.0.0.1:{port}{path}"))?)
    }
}

/// The configuration, PEM files and pages. Children run as nobody when started as root.
fn write_site(dir: &Path, pki: &Pki, port: u16, port2: u16) -> std::io::Result<()> {
    let file = |name: &str, text: &str| -> std::io::Result<PathBuf> {
        let path = dir.join(name);
        fs::write(&path, text)?;
        Ok(path)
    };
    let ca = file("ca.pem", &pki.ca_pem)?;
    let cert = file("server.pem", &pki.server_cert_pem)?;
    let key = file("server.key", &pki.server_key_pem)?;
    let docs = dir.join("htdocs");
    fs::create_dir_all(docs.join("admin"))?;
    fs::write(docs.join("index.html"), "public page\n")?;
    fs::write(docs.join("admin").join("index.html"), "admin page\n")?;
    for path in [dir, &docs, &docs.join("admin")] {
        fs::set_permissions(path, fs::Permissions::from_mode(0o755))?;
    }
    let root = fs::metadata("/proc/self")?.uid() == 0;
    let user = if root {
        "User #65534\nGroup #65534\n"
    } else {
        ""
    };
    let m = |name: &str, file: &str| format!("LoadModule {name}_module {MODULES}/mod_{file}.so\n");
    let modules: String = [
        ("mpm_event", "mpm_event"),
        ("authz_core", "authz_core"),
        ("dir", "dir"),
        ("socache_shmcb", "socache_shmcb"),
        ("ssl", "ssl"),
    ]
    .iter()
    .map(|(n, f)| m(n, f))
    .collect();
    let d = dir.display();
    let vhost = |port: u16, verify: &str| {
        format!(
            "<VirtualHost 127.0.0.1:{port}>\n  SSLEngine on\n  \
             SSLProtocol -all +TLSv1.2 +TLSv1.3\n  \
             SSLCertificateFile {}\n  SSLCertificateKeyFile {}\n  SSLCACertificateFile {}\n  \
             SSLVerifyClient {verify}\n  SSLVerifyDepth 2\n  \
             <Location /admin>\n    SSLVerifyClient require\n    SSLVerifyDepth 2\n  </Location>\n\
             </VirtualHost>\n",
            cert.display(),
            key.display(),
            ca.display(),
        )
    };
    let conf = format!(
        "ServerRoot {d}\nDefaultRuntimeDir {d}\nPidFile {d}/httpd.pid\nErrorLog {d}/error.log\n\
         LogLevel info ssl:info\n{modules}{user}ServerName localhost\n\
         Listen 127.0.0.1:{port}\nListen 127.0.0.1:{port2}\n\
         SSLSessionCache shmcb:{d}/ssl_scache(512000)\n\
         DocumentRoot {d}/htdocs\nDirectoryIndex index.html\n\
         <Directory {d}/htdocs>\n  Require all granted\n</Directory>\n{}{}",
        vhost(port, "none"),
        vhost(port2, "require"),
    );
    file("httpd.conf", &conf).map(|_| ())
}

async fn get(
    target: &Target,
    version: TlsVersion,
    identity: Option<&ClientIdentity>,
) -> LateAuthExchange {
    let limits = Limits {
        timeout: Duration::from_secs(5),
        ..Limits::default()
    };
    let out = run(LateAuthRequest {
        target,
        version,
        identity,
        limits,
        path: None,
        header_trust: None,
    })
    .await;
    eprintln!(
        "{} TLS {} {}: {out:?}",
        target.url,
        version.as_str(),
        identity.map_or("no cert", |i| i.summary.origin.as_str()),
    );
    out
}

fn refused(out: &LateAuthExchange) -> bool {
    out.http_status == Some(403) || (out.alert.is_some() && out.http_status.is_none())
}

#[tokio::test]
async fn tls12_renegotiation_asks_for_the_certificate_on_admin_only() -> TestResult {
    let Some(apache) = Apache::start()? else {
        return Ok(());
    };
    let v = TlsVersion::Tls12;
    let admin = apache.target(apache.per_location, "/admin/")?;
    let public = apache.target(apache.per_location, "/")?;

    let none = get(&admin, v, None).await;
    assert_eq!(
        none.asked,
        Some(LateAsk::Renegotiation),
        "{}",
        apache.logs()
    );
    assert!(!none.handshake_cert_requested && !none.cert_sent);
    assert!(refused(&none), "no certificate must be refused: {none:?}");
    assert_eq!(none.inconclusive, None);

    let good = get(&admin, v, Some(&apache.pki.trusted)).await;
    assert_eq!(good.asked, Some(LateAsk::Renegotiation));
    assert!(good.cert_sent);
    assert_eq!(good.http_status, Some(200), "{}", apache.logs());
    assert_eq!(good.body_excerpt.as_deref(), Some("admin page"));
    assert_eq!(good.tls_version, Some(TlsVersion::Tls12));

    let bad = get(&admin, v, Some(&apache.pki.untrusted)).await;
    assert_eq!(bad.asked, Some(LateAsk::Renegotiation));
    assert!(bad.cert_sent && refused(&bad), "{bad:?}");

    let open = get(&public, v, Some(&apache.pki.trusted)).await;
    assert_eq!(open.asked, None);
    assert!(!open.handshake_cert_requested && !open.cert_sent);
    assert_eq!(open.http_status, Some(200));
    assert_eq!(open.body_excerpt.as_deref(), Some("public page"));
    assert!(open
        .server_header
        .as_deref()
        .unwrap_or_default()
        .contains("Apache"));
    Ok(())
}

#[tokio::test]
async fn tls13_post_handshake_auth_asks_for_the_certificate_on_admin_only() -> TestResult {
    let Some(apache) = Apache::start()? else {
        return Ok(());
    };
    let v = TlsVersion::Tls13;
    let admin = apache.target(apache.per_location, "/admin/")?;
    let public = apache.target(apache.per_location, "/")?;

    let none = get(&admin, v, None).await;
    assert!(none.late_auth_offered);
    assert_eq!(
        none.asked,
        Some(LateAsk::PostHandshake),
        "{none:?} {}",
        apache.logs()
    );
    assert!(!none.handshake_cert_requested && !none.cert_sent);
    assert!(refused(&none), "no certificate must be refused: {none:?}");

    let good = get(&admin, v, Some(&apache.pki.trusted)).await;
    assert_eq!(good.asked, Some(LateAsk::PostHandshake), "{good:?}");
    assert!(good.cert_sent);
    assert_eq!(good.http_status, Some(200), "{good:?} {}", apache.logs());
    assert_eq!(good.body_excerpt.as_deref(), Some("admin page"));
    assert_eq!(good.tls_version, Some(TlsVersion::Tls13));

    let bad = get(&admin, v, Some(&apache.pki.untrusted)).await;
    assert_eq!(bad.asked, Some(LateAsk::PostHandshake));
    assert!(bad.cert_sent && refused(&bad), "{bad:?}");

    let open = get(&public, v, None).await;
    assert_eq!((open.asked, open.http_status), (None, Some(200)));
    assert_eq!(open.body_excerpt.as_deref(), Some("public page"));
    Ok(())
}

#[tokio::test]
async fn a_request_inside_the_handshake_is_told_apart() -> TestResult {
    let Some(apache) = Apache::start()? else {
        return Ok(());
    };
    let public = apache.target(apache.whole_host, "/")?;
    for v in TlsVersion::ALL {
        let good = get(&public, v, Some(&apache.pki.trusted)).await;
        assert!(good.handshake_cert_requested && good.cert_sent, "{good:?}");
        assert_eq!((good.asked, good.http_status), (None, Some(200)));

        let none = get(&public, v, None).await;
        assert!(none.handshake_cert_requested && !none.cert_sent, "{none:?}");
        assert!(
            none.alert.is_some() && none.http_status.is_none(),
            "{none:?}"
        );
    }
    // TLS 1.2's CertificateRequest is in clear text: its CA names are known.
    let out = get(&public, TlsVersion::Tls12, None).await;
    assert_eq!(out.acceptable_cas, vec!["CN=late-auth test CA".to_owned()]);
    Ok(())
}

#[tokio::test]
async fn a_server_that_closes_at_once_is_inconclusive() -> TestResult {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let port = listener.local_addr()?.port();
    let server = std::thread::spawn(move || {
        for _ in 0..2 {
            if let Ok((mut conn, _)) = listener.accept() {
                let mut hello = [0u8; 512];
                let _ = conn.read(&mut hello);
            }
        }
    });
    let target = Target::parse(&format!("https://127.0.0.1:{port}/admin/"))?;
    for v in TlsVersion::ALL {
        let out = get(&target, v, None).await;
        assert!(out.inconclusive.is_some(), "{out:?}");
        assert_eq!((out.alert, out.http_status, out.asked), (None, None, None));
    }
    let _ = server.join();
    Ok(())
}

/// `cert-without-key` after the handshake: the valid certificate with CertificateVerify signed by
/// another key is sent (OpenSSL is given a key whose public half is the certificate's) and Apache
/// refuses it for its signature (`decrypt_error`) on both versions, where the same certificate
/// with its own key is served. An Ed25519 certificate cannot be so mismatched: nothing is sent.
#[tokio::test]
async fn a_certificate_with_another_key_is_sent_after_the_handshake_and_refused() -> TestResult {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let ca = SigningCa::mint("CA")?;
    let ed = ca.issue(&client_leaf_params("x"), KeyKind::Ed25519, "x", &provider)?;
    let other = KeyPair::generate_for(&rcgen::PKCS_ED25519)?;
    let ed_foreign = ed.with_foreign_key(
        probe_core::identity::rustls_signing_key(&other, &provider)?,
        "foreign",
    );
    assert!(ed_foreign.private_key_der().is_none() && ed_foreign.has_foreign_key());
    let nowhere = Target::parse(&format!("https://127.0.0.1:{}/", free_port()?))?;
    let out = get(&nowhere, TlsVersion::Tls12, Some(&ed_foreign)).await;
    assert!(
        out.inconclusive
            .as_deref()
            .unwrap_or_default()
            .contains("with another key"),
        "{out:?}"
    );

    let Some(apache) = Apache::start()? else {
        return Ok(());
    };
    let admin = apache.target(apache.per_location, "/admin/")?;
    let other = KeyPair::generate()?;
    let foreign = apache.pki.trusted.with_foreign_key(
        probe_core::identity::rustls_signing_key(&other, &provider)?,
        "foreign",
    );
    for v in TlsVersion::ALL {
        let good = get(&admin, v, Some(&apache.pki.trusted)).await;
        assert_eq!(good.http_status, Some(200), "{good:?} {}", apache.logs());
        let out = get(&admin, v, Some(&foreign)).await;
        assert!(out.asked.is_some() && out.cert_sent, "{out:?}");
        assert_eq!(
            (out.alert.as_deref(), out.http_status),
            (Some("DecryptError"), None),
            "{out:?} {}",
            apache.logs()
        );
    }
    Ok(())
}

#[tokio::test]
async fn key_updates_are_not_a_post_handshake_request() -> TestResult {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let ca = SigningCa::mint("key-update CA")?;
    let server_id = ca.issue(
        &CertificateParams::new(vec!["127.0.0.1".to_owned()])?,
        KeyKind::EcdsaP256,
        "server",
        &provider,
    )?;
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13])?
        .with_no_client_auth()
        .with_single_cert(
            server_id.certified.cert.clone(),
            server_id
                .private_key_der()
                .ok_or("the minted identity has its key")?
                .clone_key(),
        )?;
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    let server = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await?;
        let mut tls = acceptor.accept(tcp).await?;
        let mut request = vec![0u8; 4096];
        let _ = tls.read(&mut request).await?;
        for _ in 0..2 {
            tls.get_mut()
                .1
                .refresh_traffic_keys()
                .map_err(std::io::Error::other)?;
            tls.flush().await?;
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        tls.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
            .await?;
        tls.shutdown().await?;
        Ok::<(), std::io::Error>(())
    });
    let target = Target::parse(&format!("https://127.0.0.1:{port}/"))?;
    let out = get(&target, TlsVersion::Tls13, None).await;
    server.await??;
    assert_eq!(out.http_status, Some(200), "{out:?}");
    assert_eq!(
        (out.asked, out.handshake_cert_requested),
        (None, false),
        "{out:?}"
    );
    Ok(())
}

/// A Python `ssl` server (OpenSSL) that asks for the certificate after the request (TLS 1.3
/// post-handshake auth) and sends `103 Early Hints` before its answer: the final answer is the
/// one judged, never the 1xx. `optional` serves anyone (200, read as served: a 103 once made it
/// an "answer" and the scan passed with exit 0); `required` refuses a client without a
/// certificate (an alert, never a 103 read as an HTTP answer).
const PHA_EARLY_HINTS: &str = r#"
import socket, ssl, sys, threading
port, mode, cert, key, ca = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.minimum_version = ssl.TLSVersion.TLSv1_3
ctx.load_cert_chain(cert, key)
ctx.load_verify_locations(ca)
ctx.verify_mode = ssl.CERT_REQUIRED if mode == "required" else ssl.CERT_OPTIONAL
ctx.post_handshake_auth = True
def handle(raw):
    try:
        s = ctx.wrap_socket(raw, server_side=True)
        s.settimeout(5)
        req = b""
        while b"\r\n\r\n" not in req:
            d = s.recv(4096)
            if not d:
                return
            req += d
        s.sendall(b"HTTP/1.1 103 Early Hints\r\nLink: </app.css>; rel=preload\r\n\r\n")
        s.verify_client_post_handshake()
        s.do_handshake()
        s.settimeout(0.3)
        try:
            s.recv(4096)
        except Exception:
            pass
        body = b"account balance\n"
        s.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % len(body) + body)
    except Exception:
        pass
    finally:
        raw.close()
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", port))
srv.listen(16)
print("listening", flush=True)
for _ in range(20):
    c, _ = srv.accept()
    threading.Thread(target=handle, args=(c,), daemon=True).start()
"#;

#[tokio::test]
async fn an_informational_answer_is_not_the_answer() -> TestResult {
    let Some(python) = PythonServer::new(PHA_EARLY_HINTS)? else {
        return Ok(());
    };
    for (mode, served) in [("optional", true), ("required", false)] {
        let (mut child, target) = python.start(mode)?;
        let out = get(&target, TlsVersion::Tls13, None).await;
        assert_eq!(out.asked, Some(LateAsk::PostHandshake), "{mode}: {out:?}");
        if served {
            assert_eq!(out.http_status, Some(200), "{mode}: {out:?}");
            assert_eq!(out.body_excerpt.as_deref(), Some("account balance"));
        } else {
            assert!(
                out.http_status.is_none() && out.alert.is_some(),
                "{mode}: a refusal, not the 103: {out:?}"
            );
        }
        let _ = child.0.kill();
    }
    Ok(())
}

/// A Python `ssl` server asking for the certificate after the request (TLS 1.3 post-handshake
/// auth) that answers a client without one in ways that prove nothing: `stall` sends a 403 head
/// and the start of its page, then stalls past the client's time-out (and would write the orders
/// after it); `ratelimit` a rate limiter's 403 page; `reset` a 403 with no length, the start of its
/// page, then a reset; `chunked` a whole chunked 403 page, the connection held open after it.
const PHA_UNREAD: &str = r#"
import socket, ssl, struct, sys, threading, time
port, mode, cert, key, ca = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.minimum_version = ssl.TLSVersion.TLSv1_3
ctx.load_cert_chain(cert, key)
ctx.load_verify_locations(ca)
ctx.verify_mode = ssl.CERT_OPTIONAL
ctx.post_handshake_auth = True
def handle(raw):
    try:
        s = ctx.wrap_socket(raw, server_side=True)
        s.settimeout(5)
        req = b""
        while b"\r\n\r\n" not in req:
            d = s.recv(4096)
            if not d:
                return
            req += d
        s.verify_client_post_handshake()
        s.do_handshake()
        s.settimeout(0.3)
        try:
            s.recv(4096)
        except Exception:
            pass
        if mode == "stall":
            s.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\n\r\nForbidden\n")
            time.sleep(4)
            s.sendall(b"orders: 1, 2, 3\n")
        elif mode == "ratelimit":
            body = b"403 Forbidden: rate limited, try again later\n"
            s.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
            time.sleep(1)
        elif mode == "reset":
            s.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\n\r\nForbid")
            time.sleep(0.2)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            s.close()
        else:
            s.sendall(b"HTTP/1.1 403 Forbidden\r\nTransfer-Encoding: chunked\r\n\r\n"
                      b"a\r\nForbidden\n\r\n0\r\n\r\n")
            time.sleep(4)
    except Exception:
        pass
    finally:
        raw.close()
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", port))
srv.listen(16)
print("listening", flush=True)
for _ in range(20):
    c, _ = srv.accept()
    threading.Thread(target=handle, args=(c,), daemon=True).start()
"#;

/// A refusal after the handshake whose page stalled past the time-out or broke off is cut, never
/// a whole refusal (a stalled 403 was read as a complete, empty refusal: A, exit 0, where the
/// server wrote the orders after it); a rate limiter's 403 page says nothing of the certificate;
/// a chunked page ends at its last chunk, the connection held open or not.
#[tokio::test]
async fn late_refusals_that_prove_nothing_are_told_apart() -> TestResult {
    let Some(python) = PythonServer::new(PHA_UNREAD)? else {
        return Ok(());
    };
    for mode in ["stall", "ratelimit", "reset", "chunked"] {
        let (mut child, target) = python.start(mode)?;
        let limits = Limits {
            timeout: Duration::from_secs(2),
            ..Limits::default()
        };
        let out = run(LateAuthRequest {
            target: &target,
            version: TlsVersion::Tls13,
            identity: None,
            limits,
            path: None,
            header_trust: None,
        })
        .await;
        eprintln!("{mode}: {out:?}");
        assert_eq!(out.asked, Some(LateAsk::PostHandshake), "{mode}: {out:?}");
        assert_eq!(out.http_status, Some(403), "{mode}: {out:?}");
        match mode {
            "stall" | "reset" => assert!(out.truncated, "{mode}: the page is cut: {out:?}"),
            "ratelimit" => {
                assert!(out.says_nothing && !out.truncated, "{mode}: {out:?}");
                assert!(
                    out.inconclusive
                        .as_deref()
                        .is_some_and(|why| why.contains("rate limiter")),
                    "{mode}: {out:?}"
                );
            }
            _ => {
                assert!(!out.truncated && !out.says_nothing, "{mode}: {out:?}");
                assert_eq!(out.body, b"Forbidden\n", "{mode}: {out:?}");
                // Read to its last chunk, not to the time-out.
                assert_eq!(out.inconclusive, None, "{mode}: {out:?}");
            }
        }
        let _ = child.0.kill();
    }
    Ok(())
}

/// A Python `ssl` server script of these tests, written beside the test PKI's files; `None` where
/// python3 is missing and `MTLS_SKIP_REAL_SERVERS=1` (an error without it).
struct PythonServer {
    _dir: tempfile::TempDir,
    script: String,
    cert: String,
    key: String,
    ca: String,
}

impl PythonServer {
    fn new(script: &str) -> Result<Option<Self>, Box<dyn std::error::Error>> {
        if which("python3").is_none() {
            if std::env::var("MTLS_SKIP_REAL_SERVERS").as_deref() == Ok("1") {
                return Ok(None);
            }
            return Err("python3 is missing (set MTLS_SKIP_REAL_SERVERS=1 to skip)".into());
        }
        let pki = pki()?;
        let dir = tempfile::tempdir()?;
        let write = |name: &str, text: &str| -> std::io::Result<String> {
            let p = dir.path().join(name);
            fs::write(&p, text)?;
            Ok(p.to_string_lossy().into_owned())
        };
        Ok(Some(PythonServer {
            cert: write("server.crt", &pki.server_cert_pem)?,
            key: write("server.key", &pki.server_key_pem)?,
            ca: write("ca.crt", &pki.ca_pem)?,
            script: write("server.py", script)?,
            _dir: dir,
        }))
    }

    /// Starts the script in `mode` on a free port, once it says it listens: the child and the
    /// target `/admin/` on it.
    fn start(&self, mode: &str) -> Result<(KillOnDrop, Target), Box<dyn std::error::Error>> {
        let port = free_port()?;
        let mut child = KillOnDrop(
            Command::new("python3")
                .args([
                    self.script.as_str(),
                    &port.to_string(),
                    mode,
                    &self.cert,
                    &self.key,
                    &self.ca,
                ])
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()?,
        );
        let mut line = [0u8; 10];
        if let Some(out) = child.0.stdout.as_mut() {
            out.read_exact(&mut line)?;
        }
        let target = Target::parse(&format!("https://127.0.0.1:{port}/admin/"))?;
        Ok((child, target))
    }
}

/// Kills the child when the test ends, passed or not.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn which(program: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|d| Path::new(d).join(program))
        .find(|p| p.is_file())
}
