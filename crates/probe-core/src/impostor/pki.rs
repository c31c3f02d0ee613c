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

/// Everything the impostor serves.
pub(crate) struct ImpostorPki {
    ca_pem: String,
    ca_summary: CaSummary,
    configs: Vec<(Scenario, Arc<ServerConfig>)>,
}

impl ImpostorPki {
    /// Mints (or loads) the CAs and every scenario's certificate and configuration.
    pub(crate) fn new(name: &str, trusted: Option<&TrustedCaPem>) -> Result<Self, ImpostorError> {
        if ServerName::try_from(name.to_owned()).is_err() || name.trim().is_empty() {
            return Err(ImpostorError::InvalidName {
                name: name.to_owned(),
            });
        }
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let (ca, ca_pem, origin) = match trusted {
            Some(t) => {
                let ca = SigningCa::from_pem(&t.cert_pem, &t.key_pem, "--trusted-ca-cert")?;
                let pem = pem_encode(ca.cert.as_ref());
                (ca, pem, "--trusted-ca-cert")
            }
            None => {
                let ca = SigningCa::mint("mtls-scan impostor trusted CA")?;
                let pem = pem_encode(ca.cert.as_ref());
                (ca, pem, "minted for this run")
            }
        };
        let ca_summary = CaSummary {
            origin: origin.to_owned(),
            subject: ca.subject.clone(),
            sha256: identity::sha256_hex(ca.cert.as_ref()),
        };
        let untrusted = SigningCa::mint("mtls-scan impostor untrusted CA")?;
        let now = time::OffsetDateTime::now_utc();
        let valid = (
            now - time::Duration::hours(1),
            now + time::Duration::days(1),
        );
        let expired = (
            now - time::Duration::days(30),
            now - time::Duration::days(1),
        );

        let mut configs = Vec::new();
        for scenario in Scenario::ALL {
            let key = KeyKind::EcdsaP256.generate()?;
            let chain = match scenario {
                Scenario::Control => vec![ca.sign_leaf(&leaf(name, valid)?, &key)?.der().clone()],
                Scenario::SelfSigned => vec![leaf(name, valid)?.self_signed(&key)?.der().clone()],
                Scenario::UntrustedCa | Scenario::RequestsClientCert => vec![
                    untrusted
                        .sign_leaf(&leaf(name, valid)?, &key)?
                        .der()
                        .clone(),
                    untrusted.cert.clone(),
                ],
                Scenario::Expired => vec![ca.sign_leaf(&leaf(name, expired)?, &key)?.der().clone()],
                Scenario::WrongHost => {
                    vec![ca.sign_leaf(&leaf(WRONG_HOST, valid)?, &key)?.der().clone()]
                }
            };
            let config = server_config(
                &provider,
                chain,
                &key,
                scenario == Scenario::RequestsClientCert,
            )?;
            configs.push((scenario, Arc::new(config)));
        }
        Ok(Self {
            ca_pem,
            ca_summary,
            configs,
        })
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
    pub(crate) fn server_config(
        &self,
        scenario: Scenario,
    ) -> Result<Arc<ServerConfig>, ImpostorError> {
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

/// A server leaf for `name` (DNS name or IP address) valid over `(not_before, not_after)`.
fn leaf(
    name: &str,
    (not_before, not_after): (time::OffsetDateTime, time::OffsetDateTime),
) -> Result<CertificateParams, ImpostorError> {
    let mut params =
        CertificateParams::new(vec![name.to_owned()]).map_err(|e| ImpostorError::Pki(e.into()))?;
    let mut dn = DistinguishedName::new();
    dn.push(DnType::OrganizationName, "mtls-scan impostor");
    dn.push(DnType::CommonName, name);
    params.distinguished_name = dn;
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.is_ca = IsCa::ExplicitNoCa;
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

fn server_config(
    provider: &Arc<CryptoProvider>,
    chain: Vec<CertificateDer<'static>>,
    key: &KeyPair,
    request_client_cert: bool,
) -> Result<ServerConfig, ImpostorError> {
    let builder = ServerConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])?;
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
/// the client hands over. The CertificateVerify signature is still checked.
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
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
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
mod tests {
    use super::*;

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

    #[test]
    fn names_must_be_certifiable() {
        assert!(matches!(
            ImpostorPki::new("not a name", None),
            Err(ImpostorError::InvalidName { .. })
        ));
        assert!(ImpostorPki::new("127.0.0.1", None).is_ok());
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
