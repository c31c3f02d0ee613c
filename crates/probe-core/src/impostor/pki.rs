//! The impostor's certificates: the CA the client trusts (minted or the user's), a CA it does not
//! trust, one server certificate per scenario (ECDSA P-256, minted at start), and the rustls
//! server configuration of each scenario (no session resumption: every handshake is checked in
//! full).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rcgen::{
    CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    KeyUsagePurpose,
};
use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::CryptoProvider;
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::server::NoServerSessionStorage;
use rustls::{DigitallySignedStruct, DistinguishedName as RustlsDn, ServerConfig, SignatureScheme};
use rustls_pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};

use super::model::{CaSummary, ImpostorError, Scenario, TrustedCaPem};
use crate::identity::{self, KeyKind, SigningCa};

/// The name on the wrong-host certificate (a reserved TLD: it never resolves).
pub(crate) const WRONG_HOST: &str = "wrong-host.mtls-impostor.invalid";

/// The name on the end-entity certificate whose key signs the non-CA-issuer scenario's
/// certificate (under the reserved name: it never resolves, and `--name` may not take it).
pub(crate) const INSIDER: &str = "insider.mtls-impostor.invalid";

/// How long before the expired certificate's start a minted trusted CA starts: a client that
/// "ignores expiry" by validating at the certificate's own time still finds the CA valid then.
const CA_BACKDATE_DAYS: i64 = 90;

/// How far in the past the expired certificate's notAfter must be: a client whose clock runs a
/// little behind must still find it expired.
const EXPIRED_MARGIN: time::Duration = time::Duration::minutes(10);

/// The names on the wrong-host certificate: a sibling of `name` under its parent domain
/// (`mtls-impostor-<random>.internal.example` for `api.internal.example`) and the parent domain
/// itself, when the parent has a dot, so that a client that only checks the domain, or that the
/// name ends with one the certificate holds, is caught too; names that hold `name` whole
/// (`mtls-impostor-api.internal.example`, `api.internal.example.mtls-impostor.invalid`), for a
/// client that matches by prefix, suffix or substring (a review's Python `host.endswith(san)`:
/// A, exit 0, against the sibling alone); then [`WRONG_HOST`]. Each is refused by a client that
/// matches names as RFC 6125 does.
pub(crate) fn wrong_host_names(name: &str) -> Vec<String> {
    let name = name.trim().trim_end_matches('.').to_ascii_lowercase();
    let mut out = Vec::new();
    if name.parse::<std::net::IpAddr>().is_err() {
        if let Some((_, parent)) = name.split_once('.') {
            if parent.contains('.') {
                let mut bytes = [0u8; 4];
                let _ = aws_lc_rs::rand::fill(&mut bytes);
                let suffix: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
                out.push(format!("mtls-impostor-{suffix}.{parent}"));
                out.push(parent.to_owned());
            }
        }
        // A first label of 63 characters at most (RFC 1035).
        let first = name.split('.').next().unwrap_or_default();
        if first.len() + "mtls-impostor-".len() <= 63 {
            out.push(format!("mtls-impostor-{name}"));
        }
        out.push(format!("{name}.mtls-impostor.invalid"));
    }
    out.push(WRONG_HOST.to_owned());
    out
}

/// Whether the CA `ca_der`'s nameConstraints let it certify `name` (RFC 5280 §4.2.1.10): no
/// excluded subtree of its kind (a DNS name's or an address's) holds it, and a permitted one
/// does where any of its kind is given; a CA without them (or unreadable) permits any name. A
/// name outside them makes every client that checks the constraints refuse the certificate for
/// that alone, whatever the scenario tests: a review's name-blind clients were A, exit 0 behind
/// a CA constrained to `internal.example`, the wrong-host certificate naming a `.invalid` host
/// beside the sibling.
fn ca_permits(ca_der: &[u8], name: &str) -> bool {
    use x509_parser::extensions::GeneralName;
    let Ok((_, ca)) = x509_parser::parse_x509_certificate(ca_der) else {
        return true;
    };
    let Ok(Some(constraints)) = ca.name_constraints() else {
        return true;
    };
    let name = name.trim().trim_end_matches('.').to_ascii_lowercase();
    let ip = name.parse::<std::net::IpAddr>().ok();
    let of_kind = |g: &GeneralName<'_>| {
        matches!(
            (g, ip),
            (GeneralName::DNSName(_), None) | (GeneralName::IPAddress(_), Some(_))
        )
    };
    let holds = |g: &GeneralName<'_>| match (g, ip) {
        (GeneralName::DNSName(c), None) => dns_subtree_holds(c, &name),
        (GeneralName::IPAddress(range), Some(ip)) => ip_range_holds(range, ip),
        _ => false,
    };
    let permitted = constraints
        .value
        .permitted_subtrees
        .as_ref()
        .is_none_or(|p| !p.iter().any(|t| of_kind(&t.base)) || p.iter().any(|t| holds(&t.base)));
    let excluded = constraints
        .value
        .excluded_subtrees
        .as_ref()
        .is_some_and(|e| e.iter().any(|t| holds(&t.base)));
    permitted && !excluded
}

/// Whether the dNSName subtree `constraint` holds `name` (lower case): the name itself and every
/// name under it; a leading dot, the names under it alone; an empty one, every name.
fn dns_subtree_holds(constraint: &str, name: &str) -> bool {
    let c = constraint.trim().trim_end_matches('.').to_ascii_lowercase();
    if c.is_empty() {
        return true;
    }
    if c.starts_with('.') {
        return name.ends_with(&c);
    }
    name == c || name.ends_with(&format!(".{c}"))
}

/// Whether the iPAddress subtree `range` (an address then its mask, 8 or 32 bytes) holds `ip`.
fn ip_range_holds(range: &[u8], ip: std::net::IpAddr) -> bool {
    let octets = match ip {
        std::net::IpAddr::V4(a) => a.octets().to_vec(),
        std::net::IpAddr::V6(a) => a.octets().to_vec(),
    };
    if range.len() != octets.len() * 2 {
        return false;
    }
    let (address, mask) = range.split_at(octets.len());
    octets
        .iter()
        .zip(address)
        .zip(mask)
        .all(|((o, a), m)| o & m == a & m)
}

/// Whether `name` is (under) the wrong-host certificate's reserved name.
fn reserved(name: &str) -> bool {
    let name = name.trim().trim_end_matches('.').to_ascii_lowercase();
    name == WRONG_HOST
        || name.ends_with(".mtls-impostor.invalid")
        || name == "mtls-impostor.invalid"
}

/// Everything the impostor serves.
pub(crate) struct ImpostorPki {
    ca_pem: String,
    ca_summary: CaSummary,
    wrong_host: Vec<String>,
    configs: Vec<(Scenario, ScenarioTls)>,
    /// Scenarios that cannot be played soundly, and why.
    unplayable: Vec<(Scenario, String)>,
}

impl ImpostorPki {
    /// Mints (or loads) the CAs and every scenario's certificate and configuration.
    pub(crate) fn new(name: &str, trusted: Option<&TrustedCaPem>) -> Result<Self, ImpostorError> {
        if ServerName::try_from(name.to_owned()).is_err() || name.trim().is_empty() {
            return Err(ImpostorError::InvalidName {
                name: name.to_owned(),
            });
        }
        if reserved(name) {
            return Err(ImpostorError::ReservedName {
                name: name.to_owned(),
            });
        }
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let now = time::OffsetDateTime::now_utc();
        let valid = (
            now - time::Duration::hours(1),
            now + time::Duration::days(1),
        );
        let mut expired = (
            now - time::Duration::days(30),
            now - time::Duration::days(1),
        );
        let (ca, ca_pem, origin) = match trusted {
            Some(t) => {
                // A leaf given as the CA: said in the client half's terms (the scan half's
                // message speaks of client certificates).
                let first = identity::parse_certs(&t.cert_pem, "--trusted-ca-cert")?;
                let is_ca = first.first().is_some_and(|c| {
                    x509_parser::parse_x509_certificate(c.as_ref()).is_ok_and(
                        |(_, p)| matches!(p.basic_constraints(), Ok(Some(bc)) if bc.value.ca),
                    )
                });
                if !is_ca {
                    return Err(ImpostorError::Pki(
                        crate::error::ScanError::MalformedCertificate {
                            what: "--trusted-ca-cert".to_owned(),
                            reason: "not a CA certificate (no basicConstraints CA:TRUE): give the \
                                     CA the client trusts for its server, the one that issues \
                                     the server's certificate, not the server's certificate"
                                .to_owned(),
                        },
                    ));
                }
                let ca = SigningCa::from_pem(&t.cert_pem, &t.key_pem, "--trusted-ca-cert")?;
                let pem = pem_encode(ca.cert.as_ref());
                (ca, pem, "--trusted-ca-cert")
            }
            None => {
                let ca = SigningCa::mint_valid(
                    KeyKind::EcdsaP256,
                    "mtls-scan impostor trusted CA",
                    expired.0 - time::Duration::days(CA_BACKDATE_DAYS),
                    now + time::Duration::days(7),
                )?;
                let pem = pem_encode(ca.cert.as_ref());
                (ca, pem, "minted for this run")
            }
        };
        // The expired certificate starts no earlier than the CA: a client that validates it at
        // its own time must find the CA valid then. A CA younger than the window shortens it.
        let (ca_start, ca_subject_der, ca_ski) = ca_facts(&ca)?;
        let mut note = None;
        let mut unplayable = Vec::new();
        if ca_start > expired.0 {
            expired.0 = ca_start;
            expired.1 = expired.1.max(ca_start + time::Duration::SECOND);
            if expired.1 > now - EXPIRED_MARGIN {
                // Its notAfter would not be safely in the past: a certificate still valid when
                // the client connects (a CA minted a second before the run) would make a careful
                // client look careless. Not played: incomplete, with why.
                let age = now - ca_start;
                let why = format!(
                    "the --trusted-ca-cert CA started {} ({} before the run): too recently for \
                     a certificate it issued to have expired at least {} minutes before the \
                     run, so the expired scenario was not played; give a CA that started more \
                     than 30 days before the run",
                    ca_start.date(),
                    if age.whole_minutes() >= 1 {
                        format!("{} min", age.whole_minutes())
                    } else {
                        format!("{:.1} s", age.as_seconds_f64())
                    },
                    EXPIRED_MARGIN.whole_minutes()
                );
                unplayable.push((Scenario::Expired, why.clone()));
                note = Some(why);
            } else {
                note = Some(format!(
                    "the --trusted-ca-cert CA started {} (less than 30 days before the run): the \
                     expired certificate starts then too, and expired {}{}; a client that \
                     ignores expiry by validating at the certificate's own time may be refused \
                     for the CA's dates instead (a CA that started more than 30 days before the \
                     run avoids it)",
                    ca_start.date(),
                    expired.1.date(),
                    if expired.1 > now - time::Duration::days(1) {
                        " (less than a day before the run)"
                    } else {
                        ""
                    }
                ));
            }
        }
        let ca_summary = CaSummary {
            origin: origin.to_owned(),
            subject: ca.subject.clone(),
            sha256: identity::sha256_hex(ca.cert.as_ref()),
            note,
        };
        let untrusted = SigningCa::mint("mtls-scan impostor untrusted CA")?;
        // Only the wrong names the CA may certify: one outside its nameConstraints is refused
        // for that alone by a client that checks them ([`ca_permits`]).
        let wrong_host: Vec<String> = wrong_host_names(name)
            .into_iter()
            .filter(|n| ca_permits(ca.cert.as_ref(), n))
            .collect();
        if wrong_host.is_empty() {
            let why = format!(
                "the --trusted-ca-cert CA's nameConstraints permit no other name this run could \
                 serve beside {name} (a sibling under its parent domain, or {WRONG_HOST}): a \
                 client that checks the constraints refuses such a certificate for that alone, \
                 whether it checks the host name or not, so the wrong-host scenarios were not \
                 played; give a CA whose constraints permit a sibling name (or a name with a \
                 parent domain of two labels or more)"
            );
            unplayable.push((Scenario::WrongHost, why.clone()));
            unplayable.push((Scenario::WrongHostRequestsClientCert, why));
        }
        // The insider's own name, where the constraints permit it; else the name served.
        let insider_name = [INSIDER, name]
            .into_iter()
            .find(|n| ca_permits(ca.cert.as_ref(), n))
            .unwrap_or(INSIDER);
        let insider = Insider::issue(&ca, valid, insider_name)?;

        let mut configs = Vec::new();
        for scenario in Scenario::ALL {
            if unplayable.iter().any(|(s, _)| *s == scenario) {
                continue;
            }
            let key = KeyKind::EcdsaP256.generate()?;
            let chain = match scenario {
                Scenario::Control => {
                    vec![ca.sign_leaf(&leaf(&[name], valid)?, &key)?.der().clone()]
                }
                Scenario::SelfSigned => {
                    vec![leaf(&[name], valid)?.self_signed(&key)?.der().clone()]
                }
                // The trusted CA's own certificate rides at the end, outside the path (the
                // untrusted CA is self-signed): a hand-written verifier that wants the chain to
                // end in the trusted CA, byte for byte, takes it (an audit's Go client: A, exit
                // 0), where every path builder stops at the untrusted root.
                Scenario::UntrustedCa | Scenario::RequestsClientCert => vec![
                    untrusted
                        .sign_leaf(&leaf(&[name], valid)?, &key)?
                        .der()
                        .clone(),
                    untrusted.cert.clone(),
                    ca.cert.clone(),
                ],
                // The leaf alone: its issuer is nowhere to be found.
                Scenario::UnknownIssuer => vec![untrusted
                    .sign_leaf(&leaf(&[name], valid)?, &key)?
                    .der()
                    .clone()],
                Scenario::Expired => {
                    vec![ca.sign_leaf(&leaf(&[name], expired)?, &key)?.der().clone()]
                }
                Scenario::WrongHost | Scenario::WrongHostRequestsClientCert => {
                    let names: Vec<&str> = wrong_host.iter().map(String::as_str).collect();
                    vec![ca.sign_leaf(&leaf(&names, valid)?, &key)?.der().clone()]
                }
                Scenario::ForgedCa => vec![forged_leaf(
                    &ca,
                    &ca_subject_der,
                    ca_ski.is_some(),
                    &leaf(&[name], valid)?,
                    &key,
                )?
                .into()],
                // The insider's certificate rides after the leaf it signed, the path a client
                // that follows signatures alone walks to the trusted CA.
                Scenario::NonCaIssuer => vec![
                    insider.sign(&leaf(&[name], valid)?, &key)?,
                    insider.cert.clone(),
                ],
                // Not in `Scenario::ALL`: OpenSSL serves it, with no certificate at all.
                Scenario::AnonymousSuite => continue,
            };
            let asks = scenario.asks_for_client_cert();
            // The untrusted server asking for a certificate speaks TLS 1.2 too (see
            // [`ScenarioTls::for_hello`]); the wrong-host one keeps the newest, so that the host
            // name a client skips is seen on the versions its other checks are.
            let tls12 = if scenario == Scenario::RequestsClientCert {
                Some(Arc::new(server_config(
                    &provider,
                    chain.clone(),
                    &key,
                    true,
                    &[&rustls::version::TLS12],
                )?))
            } else {
                None
            };
            let config = server_config(
                &provider,
                chain,
                &key,
                asks,
                &[&rustls::version::TLS13, &rustls::version::TLS12],
            )?;
            configs.push((
                scenario,
                ScenarioTls {
                    config: Arc::new(config),
                    tls12,
                },
            ));
        }
        Ok(Self {
            ca_pem,
            ca_summary,
            wrong_host,
            configs,
            unplayable,
        })
    }

    /// The names on the wrong-host certificate.
    pub(crate) fn wrong_host(&self) -> &[String] {
        &self.wrong_host
    }

    /// The trusted CA as PEM.
    pub(crate) fn ca_pem(&self) -> &str {
        &self.ca_pem
    }

    /// The trusted CA as reports show it.
    pub(crate) fn ca_summary(&self) -> CaSummary {
        self.ca_summary.clone()
    }

    /// The server configuration of a scenario.
    pub(crate) fn server_config(&self, scenario: Scenario) -> Result<ScenarioTls, ImpostorError> {
        if let Some((_, why)) = self.unplayable.iter().find(|(s, _)| *s == scenario) {
            return Err(ImpostorError::NotPlayable(why.clone()));
        }
        self.configs
            .iter()
            .find(|(s, _)| *s == scenario)
            .map(|(_, c)| c.clone())
            .ok_or_else(|| {
                ImpostorError::Tls(rustls::Error::General(format!(
                    "no configuration for {scenario}"
                )))
            })
    }
}

/// An end-entity certificate from the trusted CA (basicConstraints CA:FALSE, and nothing else
/// that forbids signing: no keyUsage, no extendedKeyUsage, as many end-entity certificates
/// have), and its key: what any holder of such a certificate needs to sign a certificate for
/// any name, which only the issuer's basicConstraints forbid. With a keyUsage without
/// keyCertSign or a clientAuth-only extendedKeyUsage (its first form), a verifier that ignores
/// basicConstraints but checks either when present refused it, and was A, exit 0, where the
/// key of the CA's ordinary server certificate (no keyUsage) got its request (an audit's).
struct Insider {
    cert: CertificateDer<'static>,
    params: CertificateParams,
    key: KeyPair,
}

impl Insider {
    /// Has the trusted CA issue the insider's certificate, for `name`.
    fn issue(
        ca: &SigningCa,
        valid: (time::OffsetDateTime, time::OffsetDateTime),
        name: &str,
    ) -> Result<Self, ImpostorError> {
        let key = KeyKind::EcdsaP256.generate()?;
        let mut params = leaf(&[name], valid)?;
        params.distinguished_name = DistinguishedName::new();
        params
            .distinguished_name
            .push(DnType::OrganizationName, "mtls-scan impostor");
        params.distinguished_name.push(
            DnType::CommonName,
            "mtls-scan impostor insider (an end-entity certificate from the trusted CA)",
        );
        params.extended_key_usages = Vec::new();
        params.key_usages = Vec::new();
        params.key_identifier_method = rcgen::KeyIdMethod::Sha256;
        let cert = ca.sign_leaf(&params, &key)?.der().clone();
        Ok(Self { cert, params, key })
    }

    /// Signs `params` with the insider's key, naming the insider as the issuer (its subject and
    /// key identifier).
    fn sign(
        &self,
        params: &CertificateParams,
        key: &KeyPair,
    ) -> Result<CertificateDer<'static>, ImpostorError> {
        let issuer = rcgen::Issuer::from_params(&self.params, &self.key);
        let mut params = params.clone();
        params.use_authority_key_identifier_extension = true;
        Ok(params.signed_by(key, &issuer)?.der().clone())
    }
}

/// A CA's start, its subject Name (DER) and its subject key identifier.
type CaFacts = (time::OffsetDateTime, Vec<u8>, Option<Vec<u8>>);

/// The trusted CA's start, its subject Name (DER, byte for byte) and its subject key identifier.
fn ca_facts(ca: &SigningCa) -> Result<CaFacts, ImpostorError> {
    let bad = |reason: String| {
        ImpostorError::Pki(crate::error::ScanError::MalformedCertificate {
            what: "the trusted CA".to_owned(),
            reason,
        })
    };
    let (_, cert) =
        x509_parser::parse_x509_certificate(ca.cert.as_ref()).map_err(|e| bad(e.to_string()))?;
    let start = cert.validity().not_before.to_datetime();
    let subject = cert.tbs_certificate.subject.as_raw().to_vec();
    let ski = cert
        .extensions()
        .iter()
        .find_map(|e| match e.parsed_extension() {
            x509_parser::extensions::ParsedExtension::SubjectKeyIdentifier(k) => Some(k.0.to_vec()),
            _ => None,
        });
    Ok((start, subject, ski))
}

/// A leaf for `params` whose issuer is the trusted CA's subject byte for byte, and whose
/// authority key identifier is the trusted CA's (when it has one), signed by a fresh key of our
/// own: a forged CA. Only the signature tells it from the real thing.
fn forged_leaf(
    ca: &SigningCa,
    ca_subject_der: &[u8],
    with_key_id: bool,
    params: &CertificateParams,
    key: &KeyPair,
) -> Result<Vec<u8>, ImpostorError> {
    let forger = KeyKind::EcdsaP256.generate()?;
    let issuer = rcgen::Issuer::from_ca_cert_der(&ca.cert, &forger)?;
    let mut params = params.clone();
    params.use_authority_key_identifier_extension = with_key_id;
    let cert = params.signed_by(key, &issuer)?;
    Ok(crate::identity::splice::splice_issuer(
        cert.der(),
        ca_subject_der,
        &forger,
    )?)
}

/// A server leaf for `names` (DNS names or IP addresses; the first is the common name) valid
/// over `(not_before, not_after)`.
fn leaf(
    names: &[&str],
    (not_before, not_after): (time::OffsetDateTime, time::OffsetDateTime),
) -> Result<CertificateParams, ImpostorError> {
    let mut params =
        CertificateParams::new(names.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>())
            .map_err(|e| ImpostorError::Pki(e.into()))?;
    let mut dn = DistinguishedName::new();
    dn.push(DnType::OrganizationName, "mtls-scan impostor");
    dn.push(
        DnType::CommonName,
        names.first().copied().unwrap_or_default(),
    );
    params.distinguished_name = dn;
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.is_ca = IsCa::ExplicitNoCa;
    // The issuer's key identifier on every leaf: OpenSSL's strict mode (Python 3.13's default
    // context) refuses a leaf without one, and a careful client was then not judged (the control
    // refused), exit 3 (an audit's).
    params.use_authority_key_identifier_extension = true;
    params.not_before = not_before;
    params.not_after = not_after;
    let mut serial = [0u8; 16];
    if aws_lc_rs::rand::fill(&mut serial).is_ok() {
        if let Some(first) = serial.first_mut() {
            *first &= 0x7f;
        }
        params.serial_number = Some(rcgen::SerialNumber::from_slice(&serial));
    }
    Ok(params)
}

/// A scenario's TLS server configuration, and for the untrusted server that asks for a client
/// certificate, its twin that speaks TLS 1.2 alone.
#[derive(Clone)]
pub(crate) struct ScenarioTls {
    /// TLS 1.3 and 1.2, the newest the client offers.
    pub(crate) config: Arc<ServerConfig>,
    /// TLS 1.2 alone ([`Scenario::RequestsClientCert`]).
    pub(crate) tls12: Option<Arc<ServerConfig>>,
}

impl ScenarioTls {
    /// A configuration alone, without a TLS 1.2 twin.
    #[cfg(test)]
    pub(crate) fn plain(config: Arc<ServerConfig>) -> Self {
        Self {
            config,
            tls12: None,
        }
    }

    /// The configuration to answer `hello` with: where the twin is held and the client offers a
    /// TLS 1.2 cipher suite it speaks, TLS 1.2. A
    /// client that checks the server only once the handshake is over (Node's
    /// `rejectUnauthorized`, npm) sends its certificate in a TLS 1.2 handshake and not in a TLS
    /// 1.3 one, and any server may pick TLS 1.2: a review's Node and npm handed theirs to an
    /// untrusted TLS 1.2 server while the impostor, always TLS 1.3, graded them A, exit 0.
    /// `offers_tls12` is what the ClientHello's versions say ([`hello_offers_tls12`]): a client
    /// may list TLS 1.2 cipher suites and offer TLS 1.3 alone (Go with `MinVersion` TLS 1.3: a
    /// review's careful client was incomplete, refused by a TLS 1.2 server it never offered);
    /// where they could not be read (none), the suites alone decide, never the newest version
    /// quietly.
    pub(crate) fn for_hello(
        &self,
        hello: &rustls::server::ClientHello<'_>,
        offers_tls12: Option<bool>,
    ) -> Arc<ServerConfig> {
        let config = match &self.tls12 {
            Some(tls12)
                if offers_tls12 != Some(false)
                    && tls12.crypto_provider().cipher_suites.iter().any(|s| {
                        s.version() == &rustls::version::TLS12
                            && hello.cipher_suites().contains(&s.suite())
                    }) =>
            {
                tls12.clone()
            }
            _ => self.config.clone(),
        };
        // A client offering protocols of which the impostor speaks none (`curl --http1.0`
        // offers `http/1.0`, a database client its own): rustls would end the handshake with
        // `no_application_protocol`, and the client could not be judged (a review's careless
        // `curl --http1.0 -k` was unjudged, exit 3). A server picking none goes on without ALPN.
        let offered: Vec<&[u8]> = hello.alpn().map(Iterator::collect).unwrap_or_default();
        let speaks = |p: &[u8]| {
            config
                .alpn_protocols
                .iter()
                .any(|ours| ours.as_slice() == p)
        };
        if offered.is_empty() || offered.iter().any(|p| speaks(p)) {
            return config;
        }
        let mut without = (*config).clone();
        without.alpn_protocols = Vec::new();
        Arc::new(without)
    }
}

/// Whether the TLS ClientHello at the start of `bytes` offers TLS 1.2: its `supported_versions`
/// extension names 0x0303, or, without one, its legacy version is 0x0303. None when `bytes` do
/// not hold a whole ClientHello in its first record (then the newest version is spoken).
pub(crate) fn hello_offers_tls12(bytes: &[u8]) -> Option<bool> {
    let u16_at = |b: &[u8], at: usize| -> Option<usize> {
        Some(usize::from(u16::from_be_bytes([
            *b.get(at)?,
            *b.get(at + 1)?,
        ])))
    };
    if *bytes.first()? != 22 {
        return None;
    }
    let record = bytes.get(5..5 + u16_at(bytes, 3)?)?;
    if *record.first()? != 1 {
        return None;
    }
    let body = record.get(4..)?;
    let legacy = u16_at(body, 0)?;
    let mut at = 2 + 32;
    at += 1 + usize::from(*body.get(at)?);
    at += 2 + u16_at(body, at)?;
    at += 1 + usize::from(*body.get(at)?);
    let Some(len) = u16_at(body, at) else {
        return Some(legacy == 0x0303);
    };
    let extensions = body.get(at + 2..at + 2 + len)?;
    let mut i = 0;
    while i + 4 <= extensions.len() {
        let kind = u16_at(extensions, i)?;
        let len = u16_at(extensions, i + 2)?;
        let data = extensions.get(i + 4..i + 4 + len)?;
        if kind == 0x002b {
            let versions = data.get(1..1 + usize::from(*data.first()?))?;
            return Some(versions.chunks_exact(2).any(|v| v == [3, 3]));
        }
        i += 4 + len;
    }
    Some(legacy == 0x0303)
}

fn server_config(
    provider: &Arc<CryptoProvider>,
    chain: Vec<CertificateDer<'static>>,
    key: &KeyPair,
    request_client_cert: bool,
    versions: &[&'static rustls::SupportedProtocolVersion],
) -> Result<ServerConfig, ImpostorError> {
    let builder =
        ServerConfig::builder_with_provider(provider.clone()).with_protocol_versions(versions)?;
    let builder = if request_client_cert {
        builder.with_client_cert_verifier(Arc::new(RecordAnyClientCert {
            provider: provider.clone(),
        }))
    } else {
        builder.with_no_client_auth()
    };
    let key_der = PrivateKeyDer::Pkcs8(key.serialize_der().into());
    let mut config = builder.with_single_cert(chain, key_der)?;
    // HTTP/1.1 first: a client offering both gets it; an h2-only client still connects.
    config.alpn_protocols = vec![b"http/1.1".to_vec(), b"h2".to_vec()];
    // Every connection is a full handshake, checked from scratch by the client.
    config.session_storage = Arc::new(NoServerSessionStorage {});
    config.send_tls13_tickets = 0;
    Ok(config)
}

/// Asks for a client certificate (optional, no CA names: clients that pick a certificate by the
/// names offered still offer theirs) and accepts whatever comes: the impostor only records what
/// the client hands over. The CertificateVerify signature is still checked, with the key read by
/// webpki, or straight from the certificate's SubjectPublicKeyInfo when webpki cannot read the
/// certificate (an X.509 v1 one, as `openssl x509 -req` without extensions makes, or one with an
/// unknown critical extension): its form is no reason to lose the proof that the client handed
/// it over. When no key can be read at all, the certificate is accepted unverified: the client
/// presented it all the same.
#[derive(Debug)]
struct RecordAnyClientCert {
    provider: Arc<CryptoProvider>,
}

impl ClientCertVerifier for RecordAnyClientCert {
    fn offer_client_auth(&self) -> bool {
        true
    }

    fn client_auth_mandatory(&self) -> bool {
        false
    }

    fn root_hint_subjects(&self) -> &[RustlsDn] {
        &[]
    }

    fn verify_client_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        Ok(ClientCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        let algs = &self.provider.signature_verification_algorithms;
        rustls::crypto::verify_tls12_signature(message, cert, dss, algs)
            .or_else(|e| verify_any_form(e, message, cert, (dss.scheme, dss.signature()), algs))
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        let algs = &self.provider.signature_verification_algorithms;
        rustls::crypto::verify_tls13_signature(message, cert, dss, algs)
            .or_else(|e| verify_any_form(e, message, cert, (dss.scheme, dss.signature()), algs))
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// The CertificateVerify signature checked against the key of a client certificate webpki could
/// not read (`webpki_error`, returned when the signature is wrong): the key comes from the
/// certificate's SubjectPublicKeyInfo as x509-parser reads it. No key readable: accepted (the
/// certificate was presented, which is all the impostor records).
fn verify_any_form(
    webpki_error: rustls::Error,
    message: &[u8],
    cert: &CertificateDer<'_>,
    (scheme, signature): (SignatureScheme, &[u8]),
    algs: &rustls::crypto::WebPkiSupportedAlgorithms,
) -> Result<HandshakeSignatureValid, rustls::Error> {
    // Only a certificate webpki could not read gets a second look: a wrong signature stays wrong.
    // (A scheme not allowed in TLS 1.3 is refused before the certificate is read: not this.)
    if !matches!(webpki_error, rustls::Error::InvalidCertificate(_))
        || webpki::EndEntityCert::try_from(cert).is_ok()
    {
        return Err(webpki_error);
    }
    let Ok((_, parsed)) = x509_parser::parse_x509_certificate(cert.as_ref()) else {
        return Ok(HandshakeSignatureValid::assertion());
    };
    let spki =
        rustls_pki_types::SubjectPublicKeyInfoDer::from(parsed.tbs_certificate.subject_pki.raw);
    let Ok(key) = webpki::RawPublicKeyEntity::try_from(&spki) else {
        return Ok(HandshakeSignatureValid::assertion());
    };
    let candidates = algs
        .mapping
        .iter()
        .filter(|(s, _)| *s == scheme)
        .flat_map(|(_, a)| a.iter());
    for alg in candidates {
        if key.verify_signature(*alg, message, signature).is_ok() {
            return Ok(HandshakeSignatureValid::assertion());
        }
    }
    Err(webpki_error)
}

/// DER as a PEM `CERTIFICATE`, 64 characters a line.
pub(crate) fn pem_encode(der: &[u8]) -> String {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = String::from("-----BEGIN CERTIFICATE-----\n");
    let mut rest = b64.as_str();
    while !rest.is_empty() {
        let cut = rest.len().min(64);
        let (line, tail) = rest.split_at(cut);
        out.push_str(line);
        out.push('\n');
        rest = tail;
    }
    out.push_str("-----END CERTIFICATE-----\n");
    out
}

/// A private temporary directory for the CA file, removed on drop.
pub(crate) struct CaDir {
    path: PathBuf,
}

impl CaDir {
    /// Creates `$TMPDIR/mtls-impostor-<random>`.
    pub(crate) fn create() -> std::io::Result<Self> {
        let base = std::env::temp_dir();
        let mut last = None;
        for _ in 0..8 {
            let mut bytes = [0u8; 8];
            aws_lc_rs::rand::fill(&mut bytes)
                .map_err(|_| std::io::Error::other("no randomness for a temporary name"))?;
            let suffix: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
            let path = base.join(format!("mtls-impostor-{suffix}"));
            match std::fs::create_dir(&path) {
                Ok(()) => return Ok(Self { path }),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => last = Some(e),
                Err(e) => return Err(e),
            }
        }
        Err(last.unwrap_or_else(|| std::io::Error::other("cannot create a temporary directory")))
    }

    /// The directory.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for CaDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    #[test]
    fn a_client_certificate_webpki_cannot_read_is_checked_with_its_own_key(
    ) -> Result<(), Box<dyn std::error::Error>> {
        use openssl::{
            asn1::Asn1Time, bn::BigNum, ec, hash::MessageDigest, nid::Nid, pkey::PKey, sign, x509,
        };
        // An X.509 v1 certificate (`openssl x509 -req` without extensions): webpki refuses it
        // (UnsupportedCertVersion), and the handshake failed, the identity's finding lost.
        let group = ec::EcGroup::from_curve_name(Nid::X9_62_PRIME256V1)?;
        let key = PKey::from_ec_key(ec::EcKey::generate(&group)?)?;
        let mut name = x509::X509NameBuilder::new()?;
        name.append_entry_by_text("CN", "v1-client")?;
        let name = name.build();
        let serial = BigNum::from_u32(7)?.to_asn1_integer()?;
        let (start, end) = (Asn1Time::days_from_now(0)?, Asn1Time::days_from_now(2)?);
        let mut b = x509::X509Builder::new()?;
        b.set_version(0)?;
        b.set_serial_number(&serial)?;
        b.set_subject_name(&name)?;
        b.set_issuer_name(&name)?;
        b.set_pubkey(&key)?;
        b.set_not_before(&start)?;
        b.set_not_after(&end)?;
        b.sign(&key, MessageDigest::sha256())?;
        let der = CertificateDer::from(b.build().to_der()?);
        assert!(webpki::EndEntityCert::try_from(&der).is_err());
        let message = b"the handshake transcript, as signed";
        let mut signer = sign::Signer::new(MessageDigest::sha256(), &key)?;
        signer.update(message)?;
        let signature = signer.sign_to_vec()?;
        let algs = rustls::crypto::aws_lc_rs::default_provider().signature_verification_algorithms;
        let unreadable =
            || rustls::Error::InvalidCertificate(rustls::CertificateError::BadEncoding);
        let scheme = SignatureScheme::ECDSA_NISTP256_SHA256;
        assert!(verify_any_form(unreadable(), message, &der, (scheme, &signature), &algs).is_ok());
        // Its own key decides: another message's signature is refused.
        assert!(
            verify_any_form(unreadable(), b"another", &der, (scheme, &signature), &algs).is_err()
        );
        // A certificate webpki reads gets no second look: its error stands.
        let pki = ImpostorPki::new("localhost", None)?;
        let ca = identity::parse_certs(pki.ca_pem(), "ca")?;
        let readable = ca.first().ok_or("no CA")?;
        assert!(
            verify_any_form(unreadable(), message, readable, (scheme, &signature), &algs).is_err()
        );
        Ok(())
    }

    #[test]
    fn pem_round_trips() -> Result<(), ImpostorError> {
        let pki = ImpostorPki::new("api.internal.example", None)?;
        let certs = identity::parse_certs(pki.ca_pem(), "ca")?;
        assert_eq!(certs.len(), 1);
        assert_eq!(pki.ca_summary().sha256.len(), 64);
        for s in Scenario::ALL {
            assert!(pki.server_config(s).is_ok(), "{s}");
        }
        Ok(())
    }

    /// A `--trusted-ca-cert` CA minted moments before the run: an "expired" certificate it
    /// issued would still be valid when the client connects, so the scenario is not played (the
    /// run is incomplete, never a careful client's finding). One 20 minutes old: played, and its
    /// note says when the certificate expired.
    #[test]
    fn a_young_ca_is_never_served_an_unexpired_expired_certificate() -> Result<(), ImpostorError> {
        let trusted = |age: time::Duration| test_ca("Young CA", age, time::Duration::days(1), None);
        let pki = ImpostorPki::new("localhost", Some(&trusted(time::Duration::SECOND)?))?;
        let err = pki.server_config(Scenario::Expired).err();
        assert!(
            matches!(&err, Some(ImpostorError::NotPlayable(why)) if why.contains("not played")),
            "{err:?}"
        );
        for s in Scenario::ALL
            .into_iter()
            .filter(|s| *s != Scenario::Expired)
        {
            assert!(pki.server_config(s).is_ok(), "{s}");
        }
        let note = pki.ca_summary().note.unwrap_or_default();
        assert!(note.contains("more than 30 days"), "{note}");
        let pki = ImpostorPki::new("localhost", Some(&trusted(time::Duration::minutes(20))?))?;
        assert!(pki.server_config(Scenario::Expired).is_ok());
        let note = pki.ca_summary().note.unwrap_or_default();
        assert!(
            note.contains("less than a day before the run")
                && note.contains("more than 30 days before the run avoids it")
                && !note.contains("31"),
            "{note}"
        );
        Ok(())
    }

    /// Behind a CA constrained to `internal.example` (as private CAs are advised to be), the
    /// wrong-host certificate names the names under it alone, never the `.invalid` name a client
    /// checking the constraints refuses it for (a review's name-blind clients: A, exit 0); with
    /// no sibling the constraints permit, the wrong-host scenarios are not played (a note, B at
    /// best), never served a certificate refused for its constraints. Excluded subtrees and
    /// address ranges count too.
    #[test]
    fn a_constrained_ca_is_served_only_names_it_may_certify() -> Result<(), ImpostorError> {
        let constrained = |permitted: Vec<rcgen::GeneralSubtree>,
                           excluded: Vec<rcgen::GeneralSubtree>| {
            let constraints = rcgen::NameConstraints {
                permitted_subtrees: permitted,
                excluded_subtrees: excluded,
            };
            let days = time::Duration::days(90);
            test_ca("Constrained CA", days, days, Some(constraints))
        };
        let internal = constrained(
            vec![rcgen::GeneralSubtree::DnsName("internal.example".into())],
            Vec::new(),
        )?;
        let pki = ImpostorPki::new("api.internal.example", Some(&internal))?;
        let names = pki.wrong_host();
        assert!(
            names.len() == 3
                && names
                    .iter()
                    .all(|n| n.ends_with(".internal.example") || n == "internal.example"),
            "{names:?}"
        );
        assert!(pki.server_config(Scenario::WrongHost).is_ok());
        let pki = ImpostorPki::new("localhost", Some(&internal))?;
        for s in [Scenario::WrongHost, Scenario::WrongHostRequestsClientCert] {
            let err = pki.server_config(s).err();
            assert!(
                matches!(&err, Some(ImpostorError::NotPlayable(why)) if why.contains("nameConstraints")),
                "{err:?}"
            );
        }
        // The reserved name excluded: the sibling alone again.
        let excluded = constrained(
            Vec::new(),
            vec![rcgen::GeneralSubtree::DnsName("invalid".into())],
        )?;
        let pki = ImpostorPki::new("api.internal.example", Some(&excluded))?;
        assert!(
            pki.wrong_host().iter().all(|n| !n.ends_with(".invalid")),
            "{:?}",
            pki.wrong_host()
        );
        // Unconstrained: every name.
        assert_eq!(
            ImpostorPki::new("api.internal.example", None)?
                .wrong_host()
                .len(),
            5
        );
        // The subtrees' rules.
        assert!(dns_subtree_holds("internal.example", "internal.example"));
        assert!(dns_subtree_holds(
            "internal.example",
            "a.b.internal.example"
        ));
        assert!(!dns_subtree_holds("internal.example", "xinternal.example"));
        assert!(!dns_subtree_holds(".internal.example", "internal.example"));
        assert!(dns_subtree_holds("", "anything.test"));
        let range = [10, 0, 0, 0, 255, 0, 0, 0];
        assert!(ip_range_holds(
            &range,
            std::net::IpAddr::from([10, 9, 8, 7])
        ));
        assert!(!ip_range_holds(
            &range,
            std::net::IpAddr::from([11, 0, 0, 1])
        ));
        Ok(())
    }

    /// A self-signed CA named `cn`, valid from `age` ago for `left` more, with `constraints`.
    fn test_ca(
        cn: &str,
        age: time::Duration,
        left: time::Duration,
        constraints: Option<rcgen::NameConstraints>,
    ) -> Result<TrustedCaPem, ImpostorError> {
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)?;
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new())?;
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, cn);
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        let now = time::OffsetDateTime::now_utc();
        params.not_before = now - age;
        params.not_after = now + left;
        params.name_constraints = constraints;
        Ok(TrustedCaPem {
            cert_pem: params.self_signed(&key)?.pem(),
            key_pem: key.serialize_pem(),
        })
    }

    /// The bytes of a rustls client's ClientHello offering `versions`.
    pub(crate) fn client_hello_bytes(
        versions: &[&'static rustls::SupportedProtocolVersion],
    ) -> Result<Vec<u8>, Box<dyn std::error::Error>> {
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_protocol_versions(versions)?
            .with_root_certificates(rustls::RootCertStore::empty())
            .with_no_client_auth();
        let name = ServerName::try_from("localhost")?;
        let mut conn = rustls::ClientConnection::new(Arc::new(config), name)?;
        let mut out = Vec::new();
        conn.write_tls(&mut out)?;
        Ok(out)
    }

    /// The versions a ClientHello offers, read from its bytes: TLS 1.3 and 1.2, 1.3 alone (a
    /// client may still list TLS 1.2 suites then), 1.2 alone (no `supported_versions`); a
    /// ClientHello cut short, or no TLS at all, tells nothing.
    #[test]
    fn the_versions_a_client_hello_offers_are_read() -> Result<(), Box<dyn std::error::Error>> {
        use rustls::version::{TLS12, TLS13};
        let hello = client_hello_bytes;
        assert_eq!(hello_offers_tls12(&hello(&[&TLS13, &TLS12])?), Some(true));
        assert_eq!(hello_offers_tls12(&hello(&[&TLS13])?), Some(false));
        assert_eq!(hello_offers_tls12(&hello(&[&TLS12])?), Some(true));
        let whole = hello(&[&TLS13])?;
        assert_eq!(
            hello_offers_tls12(whole.get(..60).unwrap_or_default()),
            None
        );
        assert_eq!(hello_offers_tls12(b"GET / HTTP/1.1\r\n\r\n"), None);
        Ok(())
    }

    #[test]
    fn names_must_be_certifiable() {
        assert!(matches!(
            ImpostorPki::new("not a name", None),
            Err(ImpostorError::InvalidName { .. })
        ));
        assert!(ImpostorPki::new("127.0.0.1", None).is_ok());
    }

    #[test]
    fn the_wrong_host_names_include_a_sibling_and_the_reserved_name_is_refused() {
        let names = wrong_host_names("api.internal.example");
        assert_eq!(names.len(), 5, "{names:?}");
        assert!(names
            .first()
            .is_some_and(|n| n.starts_with("mtls-impostor-")
                && n.ends_with(".internal.example")
                && n != "api.internal.example"));
        assert_eq!(
            names.get(1..),
            Some(
                &[
                    "internal.example".to_owned(),
                    "mtls-impostor-api.internal.example".to_owned(),
                    "api.internal.example.mtls-impostor.invalid".to_owned(),
                    WRONG_HOST.to_owned()
                ][..]
            )
        );
        assert_eq!(
            wrong_host_names("localhost"),
            [
                "mtls-impostor-localhost",
                "localhost.mtls-impostor.invalid",
                WRONG_HOST
            ]
        );
        assert_eq!(
            wrong_host_names("example.com"),
            [
                "mtls-impostor-example.com",
                "example.com.mtls-impostor.invalid",
                WRONG_HOST
            ]
        );
        assert_eq!(wrong_host_names("10.0.0.1"), [WRONG_HOST]);
        for name in [WRONG_HOST, "Wrong-Host.MTLS-impostor.invalid."] {
            assert!(matches!(
                ImpostorPki::new(name, None),
                Err(ImpostorError::ReservedName { .. })
            ));
        }
    }

    /// The forged leaf names the trusted CA byte for byte (issuer and key identifier) and fails
    /// its signature; the minted CA starts well before the expired certificate.
    #[test]
    fn the_forged_leaf_copies_the_ca_but_not_its_key() -> Result<(), ImpostorError> {
        let now = time::OffsetDateTime::now_utc();
        let ca = SigningCa::mint_valid(
            KeyKind::EcdsaP256,
            "t",
            now - time::Duration::days(120),
            now + time::Duration::days(1),
        )?;
        let (start, subject, ski) = ca_facts(&ca)?;
        assert!(start < now - time::Duration::days(100));
        let ski = ski.unwrap_or_default();
        assert!(!ski.is_empty());
        let key = KeyKind::EcdsaP256.generate()?;
        let der = forged_leaf(
            &ca,
            &subject,
            true,
            &leaf(&["localhost"], (now, now))?,
            &key,
        )?;
        let (_, cert) = x509_parser::parse_x509_certificate(&der)
            .map_err(|e| ImpostorError::CaFile(std::io::Error::other(e.to_string())))?;
        assert_eq!(cert.tbs_certificate.issuer.as_raw(), subject.as_slice());
        let aki = cert
            .extensions()
            .iter()
            .find_map(|e| match e.parsed_extension() {
                x509_parser::extensions::ParsedExtension::AuthorityKeyIdentifier(a) => {
                    a.key_identifier.as_ref().map(|k| k.0.to_vec())
                }
                _ => None,
            });
        assert_eq!(aki, Some(ski));
        let (_, ca_cert) = x509_parser::parse_x509_certificate(ca.cert.as_ref())
            .map_err(|e| ImpostorError::CaFile(std::io::Error::other(e.to_string())))?;
        assert!(cert.verify_signature(Some(ca_cert.public_key())).is_err());
        Ok(())
    }

    #[test]
    fn the_ca_dir_goes_away() -> std::io::Result<()> {
        let dir = CaDir::create()?;
        let path = dir.path().to_path_buf();
        std::fs::write(path.join("ca.pem"), "x")?;
        drop(dir);
        assert!(!path.exists());
        Ok(())
    }
}
