//! Server certificate analysis: what a client that skips verification would hide. The chain the
//! baseline probe was served is validated with webpki against the system roots, `--ca-file` and
//! [`crate::engine::ScanOptions::extra_roots`], and analysed with x509-parser, once per target.
//!
//! Findings (all CWE-295): `server-cert-untrusted`, `server-cert-expired`, `server-cert-expiring`,
//! `server-cert-self-signed`, `server-cert-hostname-mismatch`, `server-cert-weak-key`,
//! `server-cert-weak-signature` and `server-chain-incomplete`. Each fact is checked on its own:
//! trust is judged at a moment when every served certificate is valid (so an expired certificate
//! from a trusted CA reads as expired, not untrusted), and the host name with webpki's name check
//! whatever the trust. `server-cert-untrusted` is marked implied by its cause when that is known:
//! a self-signed leaf, a missing intermediate, or a signature algorithm webpki refuses.

use std::sync::Arc;

use rustls::client::danger::ServerCertVerifier;
use rustls::client::WebPkiServerVerifier;
use rustls::{CertificateError, RootCertStore};
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::{GeneralName, ParsedExtension};

use crate::facts::TlsVersion;
use crate::finding::{Finding, FindingId};
use crate::identity::sha256_hex;
use crate::target::Target;

/// Default of [`crate::engine::ScanOptions::expiry_warning_days`].
pub const DEFAULT_EXPIRY_WARNING_DAYS: u32 = 30;

/// `id-ad-caIssuers`, the AIA method that says where the issuer's certificate can be fetched.
const CA_ISSUERS: &str = "1.3.6.1.5.5.7.48.2";

/// Whether the served chain validates against the trust anchors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ServerTrust {
    /// It chains to a trust anchor (validity dates and host name aside: they are findings of
    /// their own).
    Trusted,
    /// It does not chain to any trust anchor.
    Untrusted,
    /// No trust anchors were loaded, so trust was not judged.
    Unknown,
}

/// One certificate of the chain as served.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainCertificate {
    /// Subject DN (RFC 4514).
    pub subject: String,
    /// Issuer DN (RFC 4514).
    pub issuer: String,
    /// SHA-256 fingerprint of the DER, lower-case hex.
    pub sha256: String,
    /// Key algorithm and size, e.g. `EC 256 (P-256)`, `RSA 2048`.
    pub key: String,
    /// Signature algorithm, e.g. `ecdsa-with-SHA256`.
    pub signature_algorithm: String,
    /// Start of validity (RFC 3339).
    pub not_before: String,
    /// End of validity (RFC 3339).
    pub not_after: String,
    /// Subject and issuer are the same and the certificate verifies with its own key.
    pub self_signed: bool,
}

/// The server's certificate as the baseline probe was served it, with what was judged of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerCertificate {
    /// Subject DN of the leaf (RFC 4514).
    pub subject: String,
    /// Issuer DN of the leaf (RFC 4514).
    pub issuer: String,
    /// Subject alternative names (`DNS:…`, `IP:…`, `URI:…`, `email:…`).
    pub sans: Vec<String>,
    /// Start of the leaf's validity (RFC 3339).
    pub not_before: String,
    /// End of the leaf's validity (RFC 3339).
    pub not_after: String,
    /// Whole days until the leaf expires (negative once expired).
    pub days_left: i64,
    /// The leaf's key, e.g. `EC 256 (P-256)`.
    pub key: String,
    /// The leaf's signature algorithm.
    pub signature_algorithm: String,
    /// SHA-256 fingerprint of the leaf.
    pub sha256: String,
    /// Whether the chain validates against the trust anchors.
    pub trust: ServerTrust,
    /// Why it does not, as webpki says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trust_error: Option<String>,
    /// The host name checked against the certificate.
    pub host: String,
    /// Whether the leaf is valid for that host; `None` when the leaf could not be checked.
    pub host_matches: Option<bool>,
    /// The chain as served, leaf first.
    pub chain: Vec<ChainCertificate>,
    /// The TLS versions on which this chain was served.
    pub tls_versions: Vec<TlsVersion>,
}

/// What the scan trusts for server certificates.
#[derive(Debug, Clone, Default)]
pub struct TrustStore {
    /// webpki over every anchor; `None` when there is none (trust is then unknown).
    pub verifier: Option<Arc<WebPkiServerVerifier>>,
    /// Anchor subjects, as full DER Names (outer SEQUENCE included).
    anchor_subjects: Vec<Vec<u8>>,
    /// Subjects of user-given anchors that are intermediates (not self-signed): a leaf issued by
    /// one of them, served without it, has an incomplete chain.
    known_intermediates: Vec<Vec<u8>>,
}

impl TrustStore {
    /// Builds the store from the anchors and the user-given certificates among them.
    pub fn new(
        roots: &RootCertStore,
        user_given: &[CertificateDer<'static>],
        verifier: Option<Arc<WebPkiServerVerifier>>,
    ) -> Self {
        let anchor_subjects = roots
            .roots
            .iter()
            .map(|ta| der_sequence(ta.subject.as_ref()))
            .collect();
        let known_intermediates = user_given
            .iter()
            .filter_map(|der| {
                let (_, c) = x509_parser::parse_x509_certificate(der.as_ref()).ok()?;
                (!self_signed(&c)).then(|| c.subject().as_raw().to_vec())
            })
            .collect();
        Self {
            verifier,
            anchor_subjects,
            known_intermediates,
        }
    }

    fn is_anchor(&self, name: &[u8]) -> bool {
        self.anchor_subjects.iter().any(|a| a.as_slice() == name)
    }
}

/// Wraps Name contents in their DER SEQUENCE header (webpki keeps anchors' subjects without it).
fn der_sequence(contents: &[u8]) -> Vec<u8> {
    let len = contents.len();
    let mut out = vec![0x30];
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes: Vec<u8> = len
            .to_be_bytes()
            .into_iter()
            .skip_while(|b| *b == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
    out.extend_from_slice(contents);
    out
}

/// The result of analysing one target's served chains.
#[derive(Debug, Default)]
pub struct Analysis {
    /// The chain served on the first TLS version, described.
    pub certificate: Option<ServerCertificate>,
    /// Findings, merged across the chains served.
    pub findings: Vec<Finding>,
}

/// Trust anchors being loaded on a thread of their own; [`LazyTrust::get`] waits for them once.
pub struct LazyTrust {
    ready: std::sync::OnceLock<TrustStore>,
    loading: std::sync::Mutex<Option<std::thread::JoinHandle<TrustStore>>>,
}

impl LazyTrust {
    /// Starts building the store on a thread.
    pub fn spawn(build: impl FnOnce() -> TrustStore + Send + 'static) -> Self {
        Self {
            ready: std::sync::OnceLock::new(),
            loading: std::sync::Mutex::new(Some(std::thread::spawn(build))),
        }
    }

    /// The store, once built (a thread that failed leaves no verifier: trust is then unknown,
    /// never trusted).
    pub fn get(&self) -> &TrustStore {
        self.ready.get_or_init(|| {
            let handle = self
                .loading
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .take();
            handle
                .and_then(|h| h.join().ok())
                .unwrap_or_else(|| TrustStore::new(&rustls::RootCertStore::empty(), &[], None))
        })
    }
}

/// What to warn about.
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    /// `server-cert-expiring` within this many days.
    pub expiry_warning_days: u32,
}

/// Analyses the chains served to the baseline probe, one per TLS version (identical chains are
/// judged once). `now` is a parameter so tests can move the clock.
pub fn analyse(
    chains: &[(TlsVersion, Vec<CertificateDer<'static>>)],
    target: &Target,
    trust: &TrustStore,
    policy: Policy,
    now: OffsetDateTime,
) -> Analysis {
    let mut distinct: Vec<(&Vec<CertificateDer<'static>>, Vec<TlsVersion>)> = Vec::new();
    for (v, chain) in chains.iter().filter(|(_, c)| !c.is_empty()) {
        match distinct.iter_mut().find(|(c, _)| *c == chain) {
            Some((_, versions)) => versions.push(*v),
            None => distinct.push((chain, vec![*v])),
        }
    }
    let mut out = Analysis::default();
    for (chain, versions) in distinct {
        let (cert, findings) = analyse_chain(chain, target, trust, policy, now);
        for mut f in findings {
            f.tls_versions = versions.clone();
            match out.findings.iter_mut().find(|g| g.id == f.id) {
                Some(g) => {
                    g.tls_versions.extend(versions.iter().copied());
                    g.evidence.extend(f.evidence);
                }
                None => out.findings.push(f),
            }
        }
        if let (None, Some(mut c)) = (&out.certificate, cert) {
            c.tls_versions = versions;
            out.certificate = Some(c);
        }
    }
    out
}

/// Facts of one parsed certificate.
struct Facts {
    subject_raw: Vec<u8>,
    issuer_raw: Vec<u8>,
    described: ChainCertificate,
    not_before: OffsetDateTime,
    not_after: OffsetDateTime,
    weak_key: Option<String>,
    weak_signature: bool,
    ca_issuers: Vec<String>,
}

fn facts(der: &CertificateDer<'_>) -> Option<Facts> {
    let (_, c) = x509_parser::parse_x509_certificate(der.as_ref()).ok()?;
    let (key, weak_key) = key_facts(&c);
    let sig_oid = c.signature_algorithm.algorithm.to_id_string();
    let ca_issuers = c
        .extensions()
        .iter()
        .filter_map(|e| match e.parsed_extension() {
            ParsedExtension::AuthorityInfoAccess(aia) => Some(aia),
            _ => None,
        })
        .flat_map(|aia| aia.accessdescs.iter())
        .filter(|d| d.access_method.to_id_string() == CA_ISSUERS)
        .filter_map(|d| match &d.access_location {
            GeneralName::URI(u) => Some(crate::text::sanitize(u.as_bytes(), 200)),
            _ => None,
        })
        .collect();
    let not_before = c.validity().not_before.to_datetime();
    let not_after = c.validity().not_after.to_datetime();
    Some(Facts {
        subject_raw: c.subject().as_raw().to_vec(),
        issuer_raw: c.issuer().as_raw().to_vec(),
        described: ChainCertificate {
            subject: crate::text::escape_controls(&c.subject().to_string()),
            issuer: crate::text::escape_controls(&c.issuer().to_string()),
            sha256: sha256_hex(der.as_ref()),
            key,
            signature_algorithm: oid_name(&c.signature_algorithm.algorithm),
            not_before: rfc3339(not_before),
            not_after: rfc3339(not_after),
            self_signed: self_signed(&c),
        },
        not_before,
        not_after,
        weak_key,
        weak_signature: WEAK_SIGNATURES.contains(&sig_oid.as_str()),
        ca_issuers,
    })
}

/// md2, md4, md5 and sha1 with RSA (PKCS#1 and OIW), ECDSA with SHA-1, DSA with SHA-1.
const WEAK_SIGNATURES: &[&str] = &[
    "1.2.840.113549.1.1.2",
    "1.2.840.113549.1.1.3",
    "1.2.840.113549.1.1.4",
    "1.2.840.113549.1.1.5",
    "1.3.14.3.2.29",
    "1.2.840.10045.4.1",
    "1.2.840.10040.4.3",
];

fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

fn oid_name(oid: &x509_parser::oid_registry::Oid<'_>) -> String {
    x509_parser::objects::oid2sn(oid, x509_parser::objects::oid_registry())
        .map(str::to_owned)
        .unwrap_or_else(|_| oid.to_id_string())
}

/// The key, described, and why it is weak when it is.
fn key_facts(c: &X509Certificate<'_>) -> (String, Option<String>) {
    use x509_parser::public_key::PublicKey;
    let spki = c.public_key();
    match spki.parsed() {
        Ok(PublicKey::RSA(rsa)) => {
            let bits = rsa.key_size();
            let weak = (bits < 2048).then(|| format!("RSA {bits} bits (below 2048)"));
            (format!("RSA {bits}"), weak)
        }
        Ok(PublicKey::EC(ec)) => {
            let bits = ec.key_size();
            let curve = spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.as_oid().ok())
                .map(|o| oid_name(&o))
                .unwrap_or_else(|| "unknown curve".to_owned());
            let weak = (bits < 256).then(|| format!("EC {bits} bits (below 256)"));
            (format!("EC {bits} ({curve})"), weak)
        }
        Ok(PublicKey::DSA(_)) => ("DSA".to_owned(), Some("DSA (deprecated)".to_owned())),
        _ => (oid_name(&spki.algorithm.algorithm), None),
    }
}

/// Self-signed: the subject is the issuer, and the certificate verifies with its own key. When the
/// signature cannot be checked (an algorithm the provider refuses, such as RSA-1024 with SHA-256),
/// matching key identifiers (or none) stand in for it.
fn self_signed(c: &X509Certificate<'_>) -> bool {
    if c.subject().as_raw() != c.issuer().as_raw() {
        return false;
    }
    match c.verify_signature(None) {
        Ok(()) => true,
        Err(_) => {
            let mut akid = None;
            let mut skid = None;
            for e in c.extensions() {
                match e.parsed_extension() {
                    ParsedExtension::AuthorityKeyIdentifier(a) => {
                        akid = a.key_identifier.as_ref().map(|k| k.0.to_vec());
                    }
                    ParsedExtension::SubjectKeyIdentifier(k) => skid = Some(k.0.to_vec()),
                    _ => {}
                }
            }
            akid.is_none() || akid == skid
        }
    }
}

fn sans(der: &CertificateDer<'_>) -> Vec<String> {
    let Ok((_, c)) = x509_parser::parse_x509_certificate(der.as_ref()) else {
        return Vec::new();
    };
    let Ok(Some(ext)) = c.subject_alternative_name() else {
        return Vec::new();
    };
    ext.value
        .general_names
        .iter()
        .take(100)
        .map(|n| {
            let s = match n {
                GeneralName::DNSName(d) => format!("DNS:{d}"),
                GeneralName::IPAddress(b) => format!("IP:{}", ip_text(b)),
                GeneralName::URI(u) => format!("URI:{u}"),
                GeneralName::RFC822Name(m) => format!("email:{m}"),
                other => format!("{other}"),
            };
            crate::text::sanitize(s.as_bytes(), 200)
        })
        .collect()
}

fn ip_text(b: &[u8]) -> String {
    if let Ok(v4) = <[u8; 4]>::try_from(b) {
        std::net::Ipv4Addr::from(v4).to_string()
    } else if let Ok(v6) = <[u8; 16]>::try_from(b) {
        std::net::Ipv6Addr::from(v6).to_string()
    } else {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }
}

/// Why webpki refused the chain, in classes the implications need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refusal {
    UnknownIssuer,
    UnsupportedAlgorithm,
    Other,
}

fn is_time_error(e: &rustls::Error) -> bool {
    matches!(
        e,
        rustls::Error::InvalidCertificate(
            CertificateError::Expired
                | CertificateError::ExpiredContext { .. }
                | CertificateError::NotValidYet
                | CertificateError::NotValidYetContext { .. }
        )
    )
}

/// Trust, judged at `now` and, when only dates stood in the way, again at a moment when every
/// served certificate is valid: dates are `server-cert-expired`'s business, not trust's.
fn judge_trust(
    chain: &[CertificateDer<'static>],
    facts: &[Facts],
    name: &ServerName<'static>,
    trust: &TrustStore,
    now: OffsetDateTime,
) -> (ServerTrust, Option<(Refusal, String)>) {
    let Some(verifier) = &trust.verifier else {
        return (ServerTrust::Unknown, None);
    };
    let Some((leaf, rest)) = chain.split_first() else {
        return (ServerTrust::Unknown, None);
    };
    let verify = |at: OffsetDateTime| {
        let secs = u64::try_from(at.unix_timestamp()).unwrap_or(0);
        let at = UnixTime::since_unix_epoch(std::time::Duration::from_secs(secs));
        verifier.verify_server_cert(leaf, rest, name, &[], at)
    };
    let mut result = verify(now);
    if result.as_ref().err().is_some_and(is_time_error) {
        let start = facts.iter().map(|f| f.not_before).max();
        let end = facts.iter().map(|f| f.not_after).min();
        if let (Some(start), Some(end)) = (start, end) {
            let at = if start < end {
                start + (end - start) / 2
            } else {
                start
            };
            result = verify(at);
        }
    }
    match result {
        Ok(_) => (ServerTrust::Trusted, None),
        Err(rustls::Error::InvalidCertificate(
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
        )) => (ServerTrust::Trusted, None),
        Err(e) if is_time_error(&e) => (ServerTrust::Trusted, None),
        Err(e) => {
            let class = match &e {
                rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer) => {
                    Refusal::UnknownIssuer
                }
                #[allow(deprecated)]
                rustls::Error::InvalidCertificate(
                    CertificateError::UnsupportedSignatureAlgorithm
                    | CertificateError::UnsupportedSignatureAlgorithmContext { .. }
                    | CertificateError::UnsupportedSignatureAlgorithmForPublicKeyContext { .. },
                ) => Refusal::UnsupportedAlgorithm,
                _ => Refusal::Other,
            };
            (ServerTrust::Untrusted, Some((class, e.to_string())))
        }
    }
}

/// How the walk from the leaf up the served chain ended.
enum PathEnd {
    /// At a self-signed certificate (a served root).
    SelfSigned,
    /// At a certificate whose issuer is a trust anchor.
    Anchor,
    /// At a certificate whose issuer is neither served nor an anchor.
    Missing { at: usize, issuer: Vec<u8> },
}

/// Walks from the leaf to its issuers among the served certificates: the indexes on the path
/// (leaf first) and how it ended.
fn walk(facts: &[Facts], trust: &TrustStore) -> (Vec<usize>, PathEnd) {
    let mut path = vec![0usize];
    let mut cur = 0usize;
    loop {
        let Some(f) = facts.get(cur) else {
            return (path, PathEnd::SelfSigned);
        };
        if f.described.self_signed {
            return (path, PathEnd::SelfSigned);
        }
        // An intermediate among the given anchors still has to be served: other clients lack it.
        let known_intermediate = trust.known_intermediates.contains(&f.issuer_raw);
        if trust.is_anchor(&f.issuer_raw) && !known_intermediate {
            return (path, PathEnd::Anchor);
        }
        let next = facts
            .iter()
            .enumerate()
            .find(|(i, g)| !path.contains(i) && g.subject_raw == f.issuer_raw)
            .map(|(i, _)| i);
        match next {
            Some(i) if path.len() < crate::transport::tls::MAX_CHAIN => {
                path.push(i);
                cur = i;
            }
            _ => {
                return (
                    path,
                    PathEnd::Missing {
                        at: cur,
                        issuer: f.issuer_raw.clone(),
                    },
                )
            }
        }
    }
}

fn days(d: time::Duration) -> i64 {
    d.whole_days()
}

fn date(t: OffsetDateTime) -> String {
    rfc3339(t)
        .split('T')
        .next()
        .map(str::to_owned)
        .unwrap_or_default()
}

fn label(f: &Facts) -> String {
    format!("{} (sha256 {})", f.described.subject, f.described.sha256)
}

fn analyse_chain(
    chain: &[CertificateDer<'static>],
    target: &Target,
    trust: &TrustStore,
    policy: Policy,
    now: OffsetDateTime,
) -> (Option<ServerCertificate>, Vec<Finding>) {
    let parsed: Vec<Option<Facts>> = chain.iter().map(facts).collect();
    let mut findings = Vec::new();
    let leaf_parsed = parsed.first().is_some_and(Option::is_some);
    // Unparsable extra certificates are left out of the analysis.
    let all: Vec<Facts> = parsed.into_iter().flatten().collect();
    let (true, Some(leaf)) = (leaf_parsed, all.first()) else {
        if trust.verifier.is_some() {
            findings.push(Finding::new(
                FindingId::ServerCertUntrusted,
                "The server's certificate could not be parsed as X.509.",
            ));
        }
        return (None, findings);
    };
    let leaf_sans = chain.first().map(sans).unwrap_or_default();
    let name = target.server_name().ok();
    let (trust_verdict, refusal) = match &name {
        Some(n) => judge_trust(chain, &all, n, trust, now),
        None => (ServerTrust::Unknown, None),
    };
    let host_matches = name.as_ref().and_then(|n| {
        let leaf_der = chain.first()?;
        let ee = webpki::EndEntityCert::try_from(leaf_der).ok()?;
        Some(ee.verify_is_valid_for_subject_name(n).is_ok())
    });
    let (path, end) = walk(&all, trust);
    let on_path = |i: &usize| all.get(*i);
    let leaf_label = label(leaf);
    let with_leaf = |f: Finding| f.with_evidence("leaf", leaf_label.clone());

    // Validity.
    let expired: Vec<String> = path
        .iter()
        .filter_map(on_path)
        .filter_map(|f| {
            if now > f.not_after {
                Some(format!(
                    "{} expired on {} ({} days ago)",
                    f.described.subject,
                    date(f.not_after),
                    days(now - f.not_after)
                ))
            } else if now < f.not_before {
                Some(format!(
                    "{} is not valid until {} (in {} days)",
                    f.described.subject,
                    date(f.not_before),
                    days(f.not_before - now)
                ))
            } else {
                None
            }
        })
        .collect();
    if !expired.is_empty() {
        findings.push(with_leaf(
            Finding::new(
                FindingId::ServerCertExpired,
                format!(
                    "The server's chain is outside its validity: {}.",
                    expired.join("; ")
                ),
            )
            .with_evidence("validity", expired.join("; ")),
        ));
    } else {
        let window = time::Duration::days(i64::from(policy.expiry_warning_days));
        let expiring: Vec<String> = path
            .iter()
            .filter_map(on_path)
            .filter(|f| f.not_after - now <= window)
            .map(|f| {
                format!(
                    "{} expires on {} (in {} days)",
                    f.described.subject,
                    date(f.not_after),
                    days(f.not_after - now)
                )
            })
            .collect();
        if !expiring.is_empty() {
            findings.push(with_leaf(
                Finding::new(
                    FindingId::ServerCertExpiring,
                    format!(
                        "Within the {}-day warning window: {}.",
                        policy.expiry_warning_days,
                        expiring.join("; ")
                    ),
                )
                .with_evidence("validity", expiring.join("; ")),
            ));
        }
    }

    // Self-signed: reported unless an anchor vouches for it (a certificate pinned on purpose).
    let self_signed_leaf = leaf.described.self_signed;
    if self_signed_leaf && trust_verdict != ServerTrust::Trusted {
        findings.push(with_leaf(Finding::new(
            FindingId::ServerCertSelfSigned,
            format!(
                "The server presents a self-signed certificate ({}) that no trust anchor vouches for.",
                leaf.described.subject
            ),
        )));
    }

    // Host name.
    if host_matches == Some(false) {
        let names = if leaf_sans.is_empty() {
            "no subject alternative name".to_owned()
        } else {
            leaf_sans.join(", ")
        };
        findings.push(with_leaf(
            Finding::new(
                FindingId::ServerCertHostnameMismatch,
                format!(
                    "The certificate is not valid for {}: it names {names}.",
                    target.host
                ),
            )
            .with_evidence("host", target.host.clone())
            .with_evidence("names", names.clone()),
        ));
    }

    // Keys and signatures on the path (a served root's own signature does not matter).
    let weak_keys: Vec<String> = path
        .iter()
        .filter_map(on_path)
        .filter_map(|f| {
            f.weak_key
                .as_ref()
                .map(|w| format!("{}: {w}", f.described.subject))
        })
        .collect();
    if !weak_keys.is_empty() {
        findings.push(with_leaf(
            Finding::new(
                FindingId::ServerCertWeakKey,
                format!("Weak key in the server's chain: {}.", weak_keys.join("; ")),
            )
            .with_evidence("keys", weak_keys.join("; ")),
        ));
    }
    let weak_sigs: Vec<String> = path
        .iter()
        .filter_map(on_path)
        .filter(|f| f.weak_signature && !f.described.self_signed)
        .map(|f| {
            format!(
                "{} is signed with {}",
                f.described.subject, f.described.signature_algorithm
            )
        })
        .collect();
    if !weak_sigs.is_empty() {
        findings.push(with_leaf(
            Finding::new(
                FindingId::ServerCertWeakSignature,
                format!(
                    "Weak signature in the server's chain: {}.",
                    weak_sigs.join("; ")
                ),
            )
            .with_evidence("signatures", weak_sigs.join("; ")),
        ));
    }

    // Chain completeness: only when it is known that an intermediate, not a root, is missing.
    if let PathEnd::Missing { at, issuer } = &end {
        let stray = all.len() > path.len();
        let aia = all
            .get(*at)
            .filter(|_| *at == 0)
            .map(|f| f.ca_issuers.clone())
            .unwrap_or_default();
        let known = trust.known_intermediates.iter().any(|k| k == issuer);
        if stray || !aia.is_empty() || known {
            let missing = crate::text::describe_name(issuer);
            let why = if known {
                "it is an intermediate CA among the given trust anchors".to_owned()
            } else if !aia.is_empty() {
                format!(
                    "the certificate says its issuer is published at {}",
                    aia.join(", ")
                )
            } else {
                "the server sends other CA certificates, but not this link".to_owned()
            };
            let served: Vec<String> = all.iter().map(|f| f.described.subject.clone()).collect();
            findings.push(with_leaf(
                Finding::new(
                    FindingId::ServerChainIncomplete,
                    format!("The server does not send the issuer {missing} ({why})."),
                )
                .with_evidence("missing issuer", missing)
                .with_evidence("served chain", served.join(" | ")),
            ));
        }
    }

    // Trust, implied by its cause when the cause is a finding already.
    if let Some((class, reason)) = &refusal {
        let has = |id: FindingId| findings.iter().any(|f| f.id == id);
        let implied_by = if has(FindingId::ServerCertSelfSigned) {
            Some(FindingId::ServerCertSelfSigned)
        } else if *class == Refusal::UnknownIssuer && has(FindingId::ServerChainIncomplete) {
            Some(FindingId::ServerChainIncomplete)
        } else if *class == Refusal::UnsupportedAlgorithm && has(FindingId::ServerCertWeakSignature)
        {
            Some(FindingId::ServerCertWeakSignature)
        } else {
            None
        };
        let detail = match class {
            Refusal::UnknownIssuer => format!(
                "The chain does not lead to a trust anchor: the issuer {} is unknown.",
                all.get(path.last().copied().unwrap_or(0))
                    .map(|f| f.described.issuer.clone())
                    .unwrap_or_default()
            ),
            _ => format!("The chain does not validate: {reason}."),
        };
        let mut f = with_leaf(
            Finding::new(FindingId::ServerCertUntrusted, detail)
                .with_evidence("webpki", reason.clone()),
        );
        f.implied_by = implied_by;
        findings.push(f);
    }

    let certificate = ServerCertificate {
        subject: leaf.described.subject.clone(),
        issuer: leaf.described.issuer.clone(),
        sans: leaf_sans,
        not_before: leaf.described.not_before.clone(),
        not_after: leaf.described.not_after.clone(),
        days_left: days(leaf.not_after - now),
        key: leaf.described.key.clone(),
        signature_algorithm: leaf.described.signature_algorithm.clone(),
        sha256: leaf.described.sha256.clone(),
        trust: trust_verdict,
        trust_error: refusal.map(|(_, r)| r),
        host: target.host.clone(),
        host_matches,
        chain: all.iter().map(|f| f.described.clone()).collect(),
        tls_versions: Vec::new(),
    };
    (Some(certificate), findings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn der_sequence_headers() {
        assert_eq!(der_sequence(&[1, 2]), vec![0x30, 2, 1, 2]);
        let long = vec![0u8; 200];
        let wrapped = der_sequence(&long);
        assert_eq!(wrapped.get(..3), Some([0x30, 0x81, 200].as_slice()));
        let longer = vec![0u8; 300];
        assert_eq!(
            der_sequence(&longer).get(..4),
            Some([0x30, 0x82, 0x01, 0x2c].as_slice())
        );
    }

    #[test]
    fn ip_addresses_render() {
        assert_eq!(ip_text(&[127, 0, 0, 1]), "127.0.0.1");
        assert_eq!(ip_text(&[0; 16]), "::");
        assert_eq!(ip_text(&[1, 2, 3]), "010203");
    }
}
