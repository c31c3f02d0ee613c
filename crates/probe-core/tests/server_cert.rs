//! Server-certificate findings against real servers: in-process rustls servers (mtls-lab's custom
//! server, which serves any chain as given) for each fault rustls will serve, and nginx for what
//! aws-lc-rs will not load (an RSA-1024 key) and for a real server's incomplete chain.

mod support;

use mtls_lab::custom::{self, ClientAuthMode, CustomSpec, Fallback};
use probe_core::checks::server_cert::ServerTrust;
use probe_core::engine::{ScanOptions, Scanner};
use probe_core::finding::{FindingId, Severity};
use probe_core::report::TargetReport;
use probe_core::target::Target;
use rustls_pki_types::CertificateDer;
use support::*;

const LOCAL: &[&str] = &["localhost", "127.0.0.1"];

/// Serves `chain` from a server that requires client certificates (so client-auth findings stay
/// out of the way) and scans it.
async fn scan_chain(
    chain: Vec<CertificateDer<'static>>,
    leaf: &Leaf,
    options: &ScanOptions,
) -> Res<TargetReport> {
    let client_ca = Ca::root("Client CA")?;
    let server = custom::serve(CustomSpec {
        chain,
        key: leaf.key_der(),
        client_auth: ClientAuthMode::Required(client_ca.der.clone()),
        routes: Vec::new(),
        fallback: Fallback::NotFound,
        server_header: None,
        alternate: None,
    })
    .await?;
    scan(&server.url, options).await
}

async fn scan(url: &str, options: &ScanOptions) -> Res<TargetReport> {
    let mut report = Scanner::new(options)?.scan(&[Target::parse(url)?]).await;
    let t = report.targets.pop().ok_or("no target")?;
    assert_eq!(t.error, None);
    Ok(t)
}

/// Server-certificate findings as (id, implied_by).
fn cert_findings(t: &TargetReport) -> Vec<(FindingId, Option<FindingId>)> {
    let mut v: Vec<_> = t
        .findings
        .iter()
        .filter(|f| f.id.as_str().starts_with("server-"))
        .map(|f| (f.id, f.implied_by))
        .collect();
    v.sort();
    v
}

#[tokio::test]
async fn correct_server_nothing_found() -> Res {
    let root = Ca::root("Good Root")?;
    let client_ca = Ca::root("Client CA")?;
    let leaf = root.leaf(LOCAL, |_| {})?;
    let server = custom::serve(CustomSpec {
        chain: vec![leaf.der.clone()],
        key: leaf.key_der(),
        client_auth: ClientAuthMode::Required(client_ca.der.clone()),
        routes: Vec::new(),
        fallback: Fallback::NotFound,
        server_header: None,
        alternate: None,
    })
    .await?;
    let t = scan(&server.url, &options(&[&root.der])).await?;
    assert!(t.findings.is_empty(), "{:#?}", t.findings);
    // No identity given: B at best for the probes that need one, nothing else.
    assert_eq!(t.grade, probe_core::grade::Grade::B);
    assert!(
        t.notes.iter().any(|n| n.starts_with("graded B at best")),
        "{:?}",
        t.notes
    );
    let c = t.server_certificate.ok_or("no server certificate")?;
    assert_eq!(c.trust, ServerTrust::Trusted);
    assert_eq!(c.host_matches, Some(true));
    assert_eq!(c.sans, vec!["DNS:localhost", "IP:127.0.0.1"]);
    assert_eq!(c.key, "EC 256 (prime256v1)");
    assert_eq!(c.signature_algorithm, "ecdsa-with-SHA256");
    assert_eq!(c.chain.len(), 1);
    assert_eq!(c.sha256.len(), 64);
    assert_eq!(c.tls_versions.len(), 2);
    Ok(())
}

#[tokio::test]
async fn expired_is_expired_not_untrusted() -> Res {
    let root = Ca::root("Root")?;
    let now = time::OffsetDateTime::now_utc();
    let leaf = root.leaf(LOCAL, |p| {
        p.not_before = now - time::Duration::days(400);
        p.not_after = now - time::Duration::days(3);
    })?;
    let t = scan_chain(vec![leaf.der.clone()], &leaf, &options(&[&root.der])).await?;
    assert_eq!(
        cert_findings(&t),
        vec![(FindingId::ServerCertExpired, None)]
    );
    let f = t
        .findings
        .iter()
        .find(|f| f.id == FindingId::ServerCertExpired)
        .ok_or("missing")?;
    assert_eq!(f.severity, Severity::High);
    assert!(
        f.detail.contains("expired on") && f.detail.contains("3 days ago"),
        "{}",
        f.detail
    );
    assert_eq!(f.cwe, "CWE-295");
    assert!(!f.fixes.is_empty());
    let c = t.server_certificate.ok_or("no cert")?;
    assert_eq!(c.trust, ServerTrust::Trusted, "judged at a valid moment");
    assert!(c.days_left < 0);
    Ok(())
}

#[tokio::test]
async fn expiring_within_the_window_is_low_and_configurable() -> Res {
    let root = Ca::root("Root")?;
    let now = time::OffsetDateTime::now_utc();
    let leaf = root.leaf(LOCAL, |p| p.not_after = now + time::Duration::days(10))?;
    let t = scan_chain(vec![leaf.der.clone()], &leaf, &options(&[&root.der])).await?;
    assert_eq!(
        cert_findings(&t),
        vec![(FindingId::ServerCertExpiring, None)]
    );
    assert_eq!(t.findings.first().map(|f| f.severity), Some(Severity::Low));
    assert_eq!(t.grade, probe_core::grade::Grade::B);
    let shorter = ScanOptions {
        expiry_warning_days: 7,
        ..options(&[&root.der])
    };
    let t = scan_chain(vec![leaf.der.clone()], &leaf, &shorter).await?;
    assert!(cert_findings(&t).is_empty());
    Ok(())
}

/// A server whose first two handshakes get a trusted chain and every later one a self-signed
/// chain (a pool whose other backends serve another certificate): every distinct chain the
/// scan's connections were served is judged, so the self-signed one is found (review Z's random
/// pair passed one scan in four, the baselines' connections alone judged; here, the first two,
/// it passed every time).
#[tokio::test]
async fn a_chain_served_to_another_connection_is_judged_too() -> Res {
    let root = Ca::root("Good Root")?;
    let client_ca = Ca::root("Client CA")?;
    let good = root.leaf(LOCAL, |_| {})?;
    let bad = self_signed_leaf(LOCAL)?;
    for _ in 0..3 {
        let server = custom::serve(CustomSpec {
            chain: vec![good.der.clone()],
            key: good.key_der(),
            client_auth: ClientAuthMode::Required(client_ca.der.clone()),
            routes: Vec::new(),
            fallback: Fallback::NotFound,
            server_header: None,
            alternate: Some((vec![bad.der.clone()], bad.key_der())),
        })
        .await?;
        let t = scan(&server.url, &options(&[&root.der])).await?;
        assert!(
            cert_findings(&t).contains(&(FindingId::ServerCertSelfSigned, None)),
            "{:?}",
            cert_findings(&t)
        );
    }
    Ok(())
}

#[tokio::test]
async fn self_signed_implies_untrusted() -> Res {
    let other = Ca::root("Some Root")?;
    let leaf = self_signed_leaf(LOCAL)?;
    let t = scan_chain(vec![leaf.der.clone()], &leaf, &options(&[&other.der])).await?;
    assert_eq!(
        cert_findings(&t),
        vec![
            (
                FindingId::ServerCertUntrusted,
                Some(FindingId::ServerCertSelfSigned)
            ),
            (FindingId::ServerCertSelfSigned, None),
        ]
    );
    assert_eq!(
        t.server_certificate.map(|c| c.trust),
        Some(ServerTrust::Untrusted)
    );
    assert_eq!(t.score, 65, "the root cause counts once (high)");
    // Without any trust anchor, trust is unknown: self-signed alone.
    let none = ScanOptions {
        extra_roots: Vec::new(),
        ..options(&[])
    };
    let t = scan_chain(vec![leaf.der.clone()], &leaf, &none).await?;
    assert_eq!(
        cert_findings(&t),
        vec![(FindingId::ServerCertSelfSigned, None)]
    );
    assert_eq!(
        t.server_certificate.map(|c| c.trust),
        Some(ServerTrust::Unknown)
    );
    // Pinned on purpose (the certificate is itself an anchor): no finding.
    let t = scan_chain(vec![leaf.der.clone()], &leaf, &options(&[&leaf.der])).await?;
    assert!(cert_findings(&t).is_empty(), "{:?}", cert_findings(&t));
    Ok(())
}

#[tokio::test]
async fn untrusted_issuer_alone() -> Res {
    let root = Ca::root("Private Root")?;
    let other = Ca::root("Other Root")?;
    let leaf = root.leaf(LOCAL, |_| {})?;
    let t = scan_chain(vec![leaf.der.clone()], &leaf, &options(&[&other.der])).await?;
    // A leaf straight under an unknown root: untrusted, and no claim of a missing intermediate.
    assert_eq!(
        cert_findings(&t),
        vec![(FindingId::ServerCertUntrusted, None)]
    );
    let f = t
        .findings
        .iter()
        .find(|f| f.id == FindingId::ServerCertUntrusted)
        .ok_or("missing")?;
    assert!(f.detail.contains("Private Root"), "{}", f.detail);
    assert!(
        f.evidence
            .get("webpki")
            .is_some_and(|e| e.contains("UnknownIssuer")),
        "{:?}",
        f.evidence
    );
    Ok(())
}

#[tokio::test]
async fn hostname_mismatch() -> Res {
    let root = Ca::root("Root")?;
    let leaf = root.leaf(&["api.other.example"], |_| {})?;
    let t = scan_chain(vec![leaf.der.clone()], &leaf, &options(&[&root.der])).await?;
    assert_eq!(
        cert_findings(&t),
        vec![(FindingId::ServerCertHostnameMismatch, None)]
    );
    let f = t
        .findings
        .iter()
        .find(|f| f.id == FindingId::ServerCertHostnameMismatch)
        .ok_or("missing")?;
    assert!(
        f.detail.contains("127.0.0.1") && f.detail.contains("DNS:api.other.example"),
        "{}",
        f.detail
    );
    let c = t.server_certificate.ok_or("no cert")?;
    assert_eq!(
        (c.trust, c.host_matches),
        (ServerTrust::Trusted, Some(false))
    );
    Ok(())
}

#[tokio::test]
async fn served_chain_missing_its_intermediate() -> Res {
    let root = Ca::root("Root")?;
    let int = root.intermediate("Issuing CA 1")?;
    let aia = aia_ca_issuers("http://ca.example/issuing-1.crt");
    let leaf = int.leaf(LOCAL, |p| p.custom_extensions.push(aia.clone()))?;

    // Complete: leaf and intermediate.
    let t = scan_chain(
        vec![leaf.der.clone(), int.der.clone()],
        &leaf,
        &options(&[&root.der]),
    )
    .await?;
    assert!(cert_findings(&t).is_empty(), "{:?}", cert_findings(&t));

    // The leaf alone, its AIA naming where the issuer lives.
    let t = scan_chain(vec![leaf.der.clone()], &leaf, &options(&[&root.der])).await?;
    assert_eq!(
        cert_findings(&t),
        vec![
            (
                FindingId::ServerCertUntrusted,
                Some(FindingId::ServerChainIncomplete)
            ),
            (FindingId::ServerChainIncomplete, None),
        ]
    );
    let f = t
        .findings
        .iter()
        .find(|f| f.id == FindingId::ServerChainIncomplete)
        .ok_or("missing")?;
    assert!(
        f.detail.contains("Issuing CA 1") && f.detail.contains("http://ca.example/issuing-1.crt"),
        "{}",
        f.detail
    );
    assert_eq!(f.severity, Severity::Medium);

    // Leaf and root without the link between them.
    let plain = int.leaf(LOCAL, |_| {})?;
    let t = scan_chain(
        vec![plain.der.clone(), root.der.clone()],
        &plain,
        &options(&[&root.der]),
    )
    .await?;
    assert!(
        cert_findings(&t).contains(&(FindingId::ServerChainIncomplete, None)),
        "{:?}",
        cert_findings(&t)
    );

    // The intermediate is among the given anchors: it verifies here, but other clients fail.
    let t = scan_chain(
        vec![plain.der.clone()],
        &plain,
        &options(&[&root.der, &int.der]),
    )
    .await?;
    assert_eq!(
        cert_findings(&t),
        vec![(FindingId::ServerChainIncomplete, None)]
    );
    assert_eq!(
        t.server_certificate.map(|c| c.trust),
        Some(ServerTrust::Trusted)
    );
    Ok(())
}

/// A CA and a leaf minted with the openssl CLI, the leaf signed with `digest`, its key `key_args`.
fn openssl_chain(dir: &std::path::Path, digest: &str, key_args: &[&str]) -> Res {
    openssl_chain_signed(dir, &[digest], key_args)
}

/// [`openssl_chain`], the leaf signed with `sign_args` (a digest and `-sigopt`s).
fn openssl_chain_signed(dir: &std::path::Path, sign_args: &[&str], key_args: &[&str]) -> Res {
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.crt",
            "-subj",
            "/O=mtls-scan tests/CN=OpenSSL Test CA",
            "-days",
            "3650",
            "-sha256",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ],
    )?;
    let mut genkey = vec!["genpkey", "-out", "leaf.key"];
    genkey.extend_from_slice(key_args);
    openssl(dir, &genkey)?;
    openssl(
        dir,
        &[
            "req",
            "-new",
            "-key",
            "leaf.key",
            "-subj",
            "/CN=localhost",
            "-out",
            "leaf.csr",
        ],
    )?;
    std::fs::write(dir.join("leaf.ext"), "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n")?;
    let mut sign = vec![
        "x509",
        "-req",
        "-in",
        "leaf.csr",
        "-CA",
        "ca.crt",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "365",
        "-extfile",
        "leaf.ext",
        "-out",
        "leaf.crt",
    ];
    sign.extend_from_slice(sign_args);
    openssl(dir, &sign)?;
    Ok(())
}

/// A chain signed with RSA-PSS parameters webpki does not take (OpenSSL's default salt, as long
/// as the key allows): `openssl verify` and curl take it, so it is no untrusted chain; the scan
/// cannot check it, and says so: trust not judged, the target incomplete, no finding (an audit's:
/// high `server-cert-untrusted`, D, exit 1).
#[tokio::test]
async fn a_signature_the_scan_cannot_check_leaves_trust_unjudged() -> Res {
    if !need("openssl")? {
        return Ok(());
    }
    let dir = tempfile::tempdir()?;
    openssl_chain_signed(
        dir.path(),
        &["-sha256", "-sigopt", "rsa_padding_mode:pss"],
        &["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
    )?;
    let verified = std::process::Command::new("openssl")
        .current_dir(dir.path())
        .args(["verify", "-CAfile", "ca.crt", "leaf.crt"])
        .output()?;
    assert!(verified.status.success(), "openssl takes the chain");
    let t = scan_openssl_chain(dir.path()).await?;
    assert_eq!(cert_findings(&t), vec![]);
    assert_eq!(
        t.server_certificate.as_ref().map(|c| c.trust),
        Some(ServerTrust::Unknown)
    );
    let unjudged = t
        .incomplete
        .iter()
        .find(|i| i.probe == "server-certificate");
    assert!(
        unjudged
            .is_some_and(|i| i.reason.contains("rsassa-pss") && i.reason.contains("not judged")),
        "{:?}",
        t.incomplete
    );
    Ok(())
}

/// Serves the leaf [`openssl_chain`] made in `dir` (with its key, no client auth) and scans it
/// with the CA it made as the one trust anchor.
async fn scan_openssl_chain(dir: &std::path::Path) -> Res<TargetReport> {
    use rustls_pki_types::pem::PemObject;
    let ca = pem_cert(&dir.join("ca.crt"))?;
    let server = custom::serve(CustomSpec {
        chain: vec![pem_cert(&dir.join("leaf.crt"))?],
        key: rustls_pki_types::PrivateKeyDer::from_pem_file(dir.join("leaf.key"))?,
        client_auth: ClientAuthMode::None,
        routes: Vec::new(),
        fallback: Fallback::NotFound,
        server_header: None,
        alternate: None,
    })
    .await?;
    scan(&server.url, &options(&[&ca])).await
}

fn pem_cert(path: &std::path::Path) -> Res<CertificateDer<'static>> {
    use rustls_pki_types::pem::PemObject;
    Ok(CertificateDer::from_pem_file(path)?)
}

#[tokio::test]
async fn sha1_signature_is_weak_and_explains_untrusted() -> Res {
    if !need("openssl")? {
        return Ok(());
    }
    // rustls serves a SHA-1-signed certificate as given (it never checks its own chain).
    let dir = tempfile::tempdir()?;
    openssl_chain(
        dir.path(),
        "-sha1",
        &["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
    )?;
    let t = scan_openssl_chain(dir.path()).await?;
    assert_eq!(
        cert_findings(&t),
        vec![
            (
                FindingId::ServerCertUntrusted,
                Some(FindingId::ServerCertWeakSignature)
            ),
            (FindingId::ServerCertWeakSignature, None),
        ]
    );
    let f = t
        .findings
        .iter()
        .find(|f| f.id == FindingId::ServerCertWeakSignature)
        .ok_or("missing")?;
    assert!(f.detail.contains("sha1WithRSAEncryption"), "{}", f.detail);
    Ok(())
}

#[tokio::test]
async fn nginx_rsa_1024_key_is_weak() -> Res {
    // aws-lc-rs refuses to load RSA keys below 2048 bits, so a rustls server cannot serve this
    // fault: nginx does, with OpenSSL's security level lowered to 0.
    if !need("nginx")? || !need("openssl")? {
        return Ok(());
    }
    let dir = tempfile::tempdir()?;
    openssl_chain(
        dir.path(),
        "-sha256",
        &["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024"],
    )?;
    let d = dir.path().display();
    let body = format!("  ssl_certificate {d}/leaf.crt;\n  ssl_certificate_key {d}/leaf.key;\n  location / {{ return 200 \"ok\\n\"; }}");
    let server = nginx(&dir.path().join("nginx"), &body, true)?;
    let ca = pem_cert(&dir.path().join("ca.crt"))?;
    let t = scan(&server.url, &options(&[&ca])).await?;
    assert_eq!(
        cert_findings(&t),
        vec![(FindingId::ServerCertWeakKey, None)]
    );
    let f = t
        .findings
        .iter()
        .find(|f| f.id == FindingId::ServerCertWeakKey)
        .ok_or("missing")?;
    assert!(f.detail.contains("RSA 1024 bits"), "{}", f.detail);
    // The handshake signature of a 1024-bit key cannot be checked by the provider, yet both
    // versions were judged: the probes still reach HTTP.
    assert_eq!(t.tls_versions.len(), 2, "{:?}", t.probes);
    assert!(t
        .findings
        .iter()
        .any(|f| f.id == FindingId::ClientCertNotRequested));
    assert_eq!(
        t.server_certificate.map(|c| c.key),
        Some("RSA 1024".to_owned())
    );
    // The fix for the guessed stack (nginx, from its Server header) comes first.
    assert_eq!(
        f.fixes.first().map(|x| (x.stack.as_ref(), x.guessed)),
        Some(("nginx", true))
    );
    Ok(())
}

#[tokio::test]
async fn nginx_without_its_intermediate_and_nginx_done_right() -> Res {
    if !need("nginx")? {
        return Ok(());
    }
    let dir = tempfile::tempdir()?;
    let root = Ca::root("Root")?;
    let int = root.intermediate("Issuing CA 2")?;
    let client_ca = Ca::root("Client CA")?;
    let aia = aia_ca_issuers("http://ca.example/issuing-2.crt");
    let leaf = int.leaf(LOCAL, |p| p.custom_extensions.push(aia.clone()))?;
    let p = dir.path();
    std::fs::write(p.join("leaf.crt"), &leaf.pem)?;
    std::fs::write(p.join("fullchain.crt"), format!("{}{}", leaf.pem, int.pem))?;
    std::fs::write(p.join("leaf.key"), leaf.key.serialize_pem())?;
    std::fs::write(p.join("client-ca.crt"), &client_ca.pem)?;
    let d = p.display();

    // cert.pem instead of fullchain.pem: the classic mistake.
    let broken = format!("  ssl_certificate {d}/leaf.crt;\n  ssl_certificate_key {d}/leaf.key;\n  location / {{ return 200 \"ok\\n\"; }}");
    let server = nginx(&p.join("broken"), &broken, false)?;
    let t = scan(&server.url, &options(&[&root.der])).await?;
    assert_eq!(
        cert_findings(&t),
        vec![
            (
                FindingId::ServerCertUntrusted,
                Some(FindingId::ServerChainIncomplete)
            ),
            (FindingId::ServerChainIncomplete, None),
        ]
    );
    let f = t
        .findings
        .iter()
        .find(|f| f.id == FindingId::ServerChainIncomplete)
        .ok_or("missing")?;
    assert!(
        f.fixes
            .first()
            .is_some_and(|x| x.guessed && x.fix.contains("fullchain.pem")),
        "{:?}",
        f.fixes.first()
    );
    drop(server);

    // The full chain and mandatory client certificates: nothing to report.
    let good = format!(
        "  ssl_certificate {d}/fullchain.crt;\n  ssl_certificate_key {d}/leaf.key;\n  \
         ssl_client_certificate {d}/client-ca.crt;\n  ssl_verify_client on;\n  location / {{ return 200 \"ok\\n\"; }}"
    );
    let server = nginx(&p.join("good"), &good, false)?;
    let t = scan(&server.url, &options(&[&root.der])).await?;
    // nginx's TLS module refuses a missing certificate with its own 400 page: required, and
    // nothing to report.
    let ids: Vec<FindingId> = t.findings.iter().map(|f| f.id).collect();
    assert_eq!(ids, Vec::<FindingId>::new(), "{:#?}", t.findings);
    assert_eq!(t.client_auth, probe_core::verdict::ClientAuth::Required);
    // No identity given: B at best for the probes that need one, nothing else.
    assert_eq!(t.grade, probe_core::grade::Grade::B);
    assert!(
        t.notes.iter().any(|n| n.starts_with("graded B at best")),
        "{:?}",
        t.notes
    );
    let c = t.server_certificate.ok_or("no cert")?;
    assert_eq!(c.chain.len(), 2);
    assert_eq!(c.trust, ServerTrust::Trusted);
    Ok(())
}
