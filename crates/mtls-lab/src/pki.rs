//! The lab's PKI, minted at start: one CA that issues the server certificate and trusted client
//! certificates, one valid client identity, and the faulty server identities of the
//! server-certificate cases (expired, self-signed, wrong host, served without its intermediate).

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose,
};
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// The lab's certificates and keys, in PEM (for the scanner's flags) and DER (for the servers).
pub struct LabPki {
    /// The lab CA certificate (PEM).
    pub ca_cert_pem: String,
    /// The lab CA key (PEM). Test material only.
    pub ca_key_pem: String,
    /// A client certificate issued by the lab CA (PEM).
    pub client_cert_pem: String,
    /// Its key (PEM). Test material only.
    pub client_key_pem: String,
    pub(crate) ca_der: CertificateDer<'static>,
    pub(crate) server_chain: Vec<CertificateDer<'static>>,
    pub(crate) server_key: PrivateKeyDer<'static>,
    pub(crate) expired_server: ServerIdentity,
    pub(crate) self_signed_server: ServerIdentity,
    pub(crate) wrong_host_server: ServerIdentity,
    pub(crate) no_intermediate_server: ServerIdentity,
}

/// A chain to serve (exactly as served) and its key.
pub(crate) struct ServerIdentity {
    pub(crate) chain: Vec<CertificateDer<'static>>,
    pub(crate) key: PrivateKeyDer<'static>,
}

fn leaf_params(names: &[&str]) -> Result<CertificateParams, rcgen::Error> {
    let mut params =
        CertificateParams::new(names.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>())?;
    params.distinguished_name = dn("mtls-lab", names.first().copied().unwrap_or("server"));
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    Ok(params)
}

fn identity(
    params: &CertificateParams,
    issuer: Option<&Issuer<'static, KeyPair>>,
) -> Result<ServerIdentity, rcgen::Error> {
    let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)?;
    let cert = match issuer {
        Some(i) => params.signed_by(&key, i)?,
        None => params.self_signed(&key)?,
    };
    Ok(ServerIdentity {
        chain: vec![cert.der().clone()],
        key: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
    })
}

/// Authority Information Access with one caIssuers URI (short: lengths below 128).
fn aia_ca_issuers(uri: &str) -> rcgen::CustomExtension {
    let mut inner = vec![
        0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x02, 0x86,
    ];
    inner.push(u8::try_from(uri.len()).unwrap_or(0));
    inner.extend_from_slice(uri.as_bytes());
    let mut access = vec![0x30, u8::try_from(inner.len()).unwrap_or(0)];
    access.extend(inner);
    let mut aia = vec![0x30, u8::try_from(access.len()).unwrap_or(0)];
    aia.extend(access);
    rcgen::CustomExtension::from_oid_content(&[1, 3, 6, 1, 5, 5, 7, 1, 1], aia)
}

impl std::fmt::Debug for LabPki {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LabPki").finish_non_exhaustive()
    }
}

fn dn(org: &str, cn: &str) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::OrganizationName, org);
    dn.push(DnType::CommonName, cn);
    dn
}

impl LabPki {
    /// Mints a fresh PKI.
    pub fn mint() -> Result<Self, rcgen::Error> {
        let ca_key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)?;
        let mut ca_params = CertificateParams::default();
        ca_params.distinguished_name = dn("mtls-lab", "mtls-lab Client CA");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let ca_cert = ca_params.self_signed(&ca_key)?;
        let ca_key_pem = ca_key.serialize_pem();
        let issuer = Issuer::new(ca_params, ca_key);

        let server_key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)?;
        let mut server_params =
            CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])?;
        server_params.distinguished_name = dn("mtls-lab", "localhost");
        server_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let server_cert = server_params.signed_by(&server_key, &issuer)?;

        let client_key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)?;
        let mut client_params = CertificateParams::default();
        client_params.distinguished_name = dn("mtls-lab", "lab-client");
        client_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        client_params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        let client_cert = client_params.signed_by(&client_key, &issuer)?;

        let local = ["localhost", "127.0.0.1"];
        let now = time::OffsetDateTime::now_utc();
        let mut expired = leaf_params(&local)?;
        expired.not_before = now - time::Duration::days(90);
        expired.not_after = now - time::Duration::days(2);
        let expired_server = identity(&expired, Some(&issuer))?;
        let self_signed_server = identity(&leaf_params(&local)?, None)?;
        let wrong_host_server = identity(&leaf_params(&["api.mtls-lab.invalid"])?, Some(&issuer))?;
        let mut int_params = CertificateParams::default();
        int_params.distinguished_name = dn("mtls-lab", "mtls-lab Server Intermediate");
        int_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        int_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let int_key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)?;
        let _int_cert = int_params.signed_by(&int_key, &issuer)?;
        let intermediate = Issuer::new(int_params, int_key);
        let mut leaf = leaf_params(&local)?;
        leaf.custom_extensions = vec![aia_ca_issuers("http://mtls-lab.invalid/intermediate.crt")];
        // Served alone: the intermediate that issued it is never sent.
        let no_intermediate_server = identity(&leaf, Some(&intermediate))?;

        Ok(Self {
            expired_server,
            self_signed_server,
            wrong_host_server,
            no_intermediate_server,
            ca_cert_pem: ca_cert.pem(),
            ca_key_pem,
            client_cert_pem: client_cert.pem(),
            client_key_pem: client_key.serialize_pem(),
            ca_der: ca_cert.der().clone(),
            server_chain: vec![server_cert.der().clone(), ca_cert.der().clone()],
            server_key: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(server_key.serialize_der())),
        })
    }
}
