//! Odd certificate material for the hostile servers: long chains, huge certificates, malformed
//! DER and names whose bytes are not UTF-8. rustls serves whatever `CertifiedKey::new` holds, and
//! never checks it against the key.

use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, CustomExtension, DistinguishedName, DnType, IsCa, Issuer,
    KeyPair, SigningKey as _,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::server::{ClientHello, ResolvesServerCert, WebPkiClientVerifier};
use rustls::sign::CertifiedKey;
use rustls::{DistinguishedName as TlsName, RootCertStore, ServerConfig};
use x509_cert::der::asn1::BitString;
use x509_cert::der::{Decode, Encode};

pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

pub fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::aws_lc_rs::default_provider())
}

fn dn(cn: &str) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::OrganizationName, "hostile");
    dn.push(DnType::CommonName, cn);
    dn
}

/// A CA: its certificate and an rcgen issuer.
pub struct Ca {
    pub cert: CertificateDer<'static>,
    pub issuer: Issuer<'static, KeyPair>,
}

pub fn ca(cn: &str) -> Result<Ca, BoxError> {
    let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)?;
    let mut params = CertificateParams::default();
    params.distinguished_name = dn(cn);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let cert = params.self_signed(&key)?;
    Ok(Ca {
        cert: cert.der().clone(),
        issuer: Issuer::new(params, key),
    })
}

fn sub_ca(cn: &str, parent: &Ca) -> Result<Ca, BoxError> {
    let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)?;
    let mut params = CertificateParams::default();
    params.distinguished_name = dn(cn);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let cert = params.signed_by(&key, &parent.issuer)?;
    Ok(Ca {
        cert: cert.der().clone(),
        issuer: Issuer::new(params, key),
    })
}

fn leaf_params() -> Result<CertificateParams, BoxError> {
    let mut params = CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])?;
    params.distinguished_name = dn("localhost");
    Ok(params)
}

/// A server leaf issued by `ca`, with extra parameters applied.
pub fn leaf(
    ca: &Ca,
    tweak: impl FnOnce(&mut CertificateParams),
) -> Result<(CertificateDer<'static>, KeyPair), BoxError> {
    let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)?;
    let mut params = leaf_params()?;
    tweak(&mut params);
    let cert = params.signed_by(&key, &ca.issuer)?;
    Ok((cert.der().clone(), key))
}

/// `CertifiedKey::new`: whatever chain, with `key` signing the handshake.
pub fn certified(
    chain: Vec<CertificateDer<'static>>,
    key: &KeyPair,
) -> Result<Arc<CertifiedKey>, BoxError> {
    let der = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    let signer = provider().key_provider.load_private_key(der)?;
    Ok(Arc::new(CertifiedKey::new(chain, signer)))
}

/// Serves one fixed chain to every client.
#[derive(Debug)]
pub struct Fixed(pub Arc<CertifiedKey>);

impl ResolvesServerCert for Fixed {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.0.clone())
    }
}

/// How the server treats client certificates.
pub enum ClientAuth {
    /// Never asks.
    None,
    /// Requires one from `root`, advertising `hints` instead of the real names when given.
    Required {
        root: CertificateDer<'static>,
        hints: Option<Vec<Vec<u8>>>,
    },
    /// Asks for one from `root`, and serves clients without one.
    Optional { root: CertificateDer<'static> },
    /// Requires a certificate, any certificate (Go `RequireAnyClientCert`): no names advertised.
    AcceptAny,
}

/// A rustls server configuration (TLS 1.3 and 1.2) that serves `certified` as it is.
pub fn server_config(
    certified: Arc<CertifiedKey>,
    auth: ClientAuth,
    alpn: &[&[u8]],
) -> Result<Arc<ServerConfig>, BoxError> {
    server_config_of(
        certified,
        auth,
        alpn,
        &[&rustls::version::TLS13, &rustls::version::TLS12],
    )
}

/// The same, speaking `versions` only.
pub fn server_config_of(
    certified: Arc<CertifiedKey>,
    auth: ClientAuth,
    alpn: &[&[u8]],
    versions: &[&'static rustls::SupportedProtocolVersion],
) -> Result<Arc<ServerConfig>, BoxError> {
    let builder =
        ServerConfig::builder_with_provider(provider()).with_protocol_versions(versions)?;
    let builder = match auth {
        ClientAuth::None => builder.with_no_client_auth(),
        ClientAuth::Required { root, hints } => {
            let mut roots = RootCertStore::empty();
            roots.add(root)?;
            let inner =
                WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider()).build()?;
            match hints {
                None => builder.with_client_cert_verifier(inner),
                Some(hints) => builder.with_client_cert_verifier(Arc::new(OddHints {
                    inner,
                    hints: hints.into_iter().map(TlsName::from).collect(),
                })),
            }
        }
        ClientAuth::Optional { root } => {
            let mut roots = RootCertStore::empty();
            roots.add(root)?;
            builder.with_client_cert_verifier(
                WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider())
                    .allow_unauthenticated()
                    .build()?,
            )
        }
        ClientAuth::AcceptAny => builder.with_client_cert_verifier(Arc::new(AcceptAny)),
    };
    let mut config = builder.with_cert_resolver(Arc::new(Fixed(certified)));
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    Ok(Arc::new(config))
}

/// A verifier that requires a certificate and accepts any, signature of the handshake included.
#[derive(Debug)]
struct AcceptAny;

impl rustls::server::danger::ClientCertVerifier for AcceptAny {
    fn root_hint_subjects(&self) -> &[TlsName] {
        &[]
    }

    fn verify_client_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: rustls::pki_types::UnixTime,
    ) -> Result<rustls::server::danger::ClientCertVerified, rustls::Error> {
        Ok(rustls::server::danger::ClientCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        Ok(rustls::client::danger::HandshakeSignatureValid::assertion())
    }

    fn verify_tls13_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        Ok(rustls::client::danger::HandshakeSignatureValid::assertion())
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        provider()
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// rustls's verifier, advertising arbitrary bytes as its acceptable CA names.
#[derive(Debug)]
struct OddHints {
    inner: Arc<dyn rustls::server::danger::ClientCertVerifier>,
    hints: Vec<TlsName>,
}

impl rustls::server::danger::ClientCertVerifier for OddHints {
    fn root_hint_subjects(&self) -> &[TlsName] {
        &self.hints
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: rustls::pki_types::UnixTime,
    ) -> Result<rustls::server::danger::ClientCertVerified, rustls::Error> {
        self.inner
            .verify_client_cert(end_entity, intermediates, now)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// A normal leaf for `ca` (PKI for servers whose oddity is elsewhere).
pub fn plain(ca: &Ca) -> Result<Arc<CertifiedKey>, BoxError> {
    let (cert, key) = leaf(ca, |_| {})?;
    certified(vec![cert, ca.cert.clone()], &key)
}

/// A chain of `len` certificates: the leaf, then `len - 1` CAs up to a self-signed root.
pub fn long_chain(len: usize) -> Result<Arc<CertifiedKey>, BoxError> {
    let mut cas = vec![ca("hostile root 0")?];
    for i in 1..len.saturating_sub(1) {
        let next = sub_ca(&format!("hostile intermediate {i}"), &cas[i - 1])?;
        cas.push(next);
    }
    let (cert, key) = leaf(cas.last().ok_or("no CA")?, |_| {})?;
    let mut chain = vec![cert];
    chain.extend(cas.iter().rev().map(|c| c.cert.clone()));
    assert_eq!(chain.len(), len);
    certified(chain, &key)
}

/// A leaf carrying a `size`-byte private extension.
pub fn huge_leaf(ca: &Ca, size: usize) -> Result<Arc<CertifiedKey>, BoxError> {
    // OCTET STRING of `size` bytes, as the extension's DER content.
    let content = tlv(0x04, &vec![0x5a; size]);
    let (cert, key) = leaf(ca, |p| {
        p.custom_extensions = vec![CustomExtension::from_oid_content(
            &[1, 3, 6, 1, 4, 1, 55555, 1],
            content,
        )]
    })?;
    certified(vec![cert], &key)
}

/// Malformed DER: a real certificate cut in half, and random bytes, as the chain.
pub fn malformed(ca: &Ca, rng: &mut Rng) -> Result<Arc<CertifiedKey>, BoxError> {
    let (cert, key) = leaf(ca, |_| {})?;
    let half = cert.as_ref()[..cert.as_ref().len() / 2].to_vec();
    let mut junk = vec![0u8; 700];
    rng.fill(&mut junk);
    certified(vec![half.into(), junk.into()], &key)
}

/// DER tag-length-value.
pub fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
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
    out.extend_from_slice(content);
    out
}

const CN: &[u8] = &[0x06, 0x03, 0x55, 0x04, 0x03];
const O: &[u8] = &[0x06, 0x03, 0x55, 0x04, 0x0a];
const OU: &[u8] = &[0x06, 0x03, 0x55, 0x04, 0x0b];

/// A Name from (attribute OID DER, string tag, raw value bytes): each one RDN.
pub fn name(attrs: &[(&[u8], u8, &[u8])]) -> Vec<u8> {
    let rdns: Vec<u8> = attrs
        .iter()
        .flat_map(|(oid, tag, value)| {
            let atv = tlv(0x30, &[oid.to_vec(), tlv(*tag, value)].concat());
            tlv(0x31, &atv)
        })
        .collect();
    tlv(0x30, &rdns)
}

/// A Name whose strings are not what their tags promise: invalid UTF-8 with terminal escapes and
/// a workflow command, a PrintableString with high bytes, an odd-length BMPString.
pub fn non_utf8_name() -> Vec<u8> {
    name(&[
        (O, 0x13, &[b'x', 0x80, 0xff, b'y']),
        (OU, 0x1e, &[0x00, 0x41, 0xd8]),
        (
            CN,
            0x0c,
            b"\xff\xfe\xc3\x28 evil\x1b[31m\r\n::error::pwned\x00\x07",
        ),
    ])
}

/// The acceptable-CA names of the non-UTF-8 server: well-formed Names with bad strings, and
/// bytes that are no Name at all.
pub fn garbage_hints() -> Vec<Vec<u8>> {
    vec![
        non_utf8_name(),
        name(&[(CN, 0x14, &[0xff, 0x00, 0x1b, 0x9b])]),
        // Valid UTF-8 with line breaks, a workflow command and a terminal escape: it parses, so
        // only escaping keeps it out of reports as it is.
        name(&[(CN, 0x0c, b"ok\r\n::error::pwned\x1b[2J")]),
        name(&[(CN, 0x1c, &[0x00, 0x00, 0xd8, 0x00, 0xff, 0xff])]),
        vec![0xde, 0xad, 0xbe, 0xef],
        vec![0x30, 0x80, 0x31, 0x80],
        vec![0x30, 0x84, 0xff, 0xff, 0xff, 0xff],
        std::iter::repeat_n([0x30u8, 0x82, 0xff, 0xf0], 64)
            .flatten()
            .collect(),
    ]
}

/// Replaces the subject and the issuer of `cert` with `name` and re-signs it with `signer`.
pub fn rename(cert: &[u8], name: &[u8], signer: &KeyPair) -> Result<Vec<u8>, BoxError> {
    let mut c = x509_cert::Certificate::from_der(cert)?;
    let n = x509_cert::name::Name::from_der(name)?;
    c.tbs_certificate.subject = n.clone();
    c.tbs_certificate.issuer = n;
    let tbs = c.tbs_certificate.to_der()?;
    c.signature = BitString::from_bytes(&signer.sign(&tbs)?)?;
    Ok(c.to_der()?)
}

/// A self-signed leaf whose subject and issuer are [`non_utf8_name`].
pub fn non_utf8_leaf() -> Result<Arc<CertifiedKey>, BoxError> {
    let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)?;
    let cert = leaf_params()?.self_signed(&key)?;
    let renamed = rename(cert.der().as_ref(), &non_utf8_name(), &key)?;
    certified(vec![renamed.into()], &key)
}

/// xorshift64*: deterministic junk, no dependency.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    pub fn fill(&mut self, buf: &mut [u8]) {
        for chunk in buf.chunks_mut(8) {
            let v = self.next().to_le_bytes();
            chunk.copy_from_slice(&v[..chunk.len()]);
        }
    }
}
