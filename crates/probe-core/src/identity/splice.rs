//! Certificates edited at the DER level: an issuer Name copied byte for byte ([`splice_issuer`],
//! which rcgen's `DistinguishedName` cannot hold when attributes repeat or RDNs are
//! multi-valued) and a subject and subjectAltName claimed from another certificate
//! ([`Impersonated`]), the TBS signed again with RustCrypto's `x509-cert`. Used by the forger
//! and by the staging CA; depends on neither.

use rcgen::{KeyPair, SigningKey as _};
use x509_cert::der::asn1::BitString;
use x509_cert::der::{Decode, Encode};

use crate::error::ScanError;

pub(crate) fn forge_err(reason: impl std::fmt::Display) -> ScanError {
    ScanError::Forge(reason.to_string())
}

/// The identity a forged certificate claims: the subject Name and the subjectAltName extension
/// of the user's valid certificate (`--client-cert`), copied byte for byte. A server that lets
/// any CA through its TLS layer and then authorises by subject (nginx `optional_no_ca` with a
/// `$ssl_client_s_dn` check, HAProxy `ca-ignore-err` with `ssl_c_s_dn`) lets the forged
/// certificate in, as it would let in anyone who signs a certificate with that name.
#[derive(Debug, Clone)]
pub struct Impersonated {
    subject: x509_cert::name::Name,
    san: Option<x509_cert::ext::Extension>,
}

impl Impersonated {
    /// The subject and subjectAltName of `leaf_der`, or `None` when it does not parse.
    pub fn of(leaf_der: &[u8]) -> Option<Self> {
        let cert = x509_cert::Certificate::from_der(leaf_der).ok()?;
        let tbs = cert.tbs_certificate;
        let san = tbs.extensions.as_ref().and_then(|exts| {
            exts.iter()
                .find(|e| e.extn_id == <x509_cert::ext::pkix::SubjectAltName as x509_cert::der::oid::AssociatedOid>::OID)
                .cloned()
        });
        Some(Self {
            subject: tbs.subject,
            san,
        })
    }

    /// `cert_der` with this subject and subjectAltName, its issuer kept, signed again by
    /// `signer` (the key of the CA that issued it: a staging CA's certificate that claims the
    /// valid client's identity and is still the CA's).
    pub fn claim(&self, cert_der: &[u8], signer: &KeyPair) -> Result<Vec<u8>, ScanError> {
        splice(cert_der, None, Some(self), signer)
    }

    /// A self-signed `cert_der` made to claim this subject and subjectAltName: the issuer is
    /// the claimed subject too, and `key` (its own) signs it again, so it stays self-signed.
    pub fn claim_self_signed(&self, cert_der: &[u8], key: &KeyPair) -> Result<Vec<u8>, ScanError> {
        use x509_cert::der::Encode as _;
        let issuer = self.subject.to_der().map_err(forge_err)?;
        splice(cert_der, Some(&issuer), Some(self), key)
    }

    fn apply(&self, tbs: &mut x509_cert::TbsCertificate) {
        tbs.subject = self.subject.clone();
        let mut exts: Vec<x509_cert::ext::Extension> = tbs
            .extensions
            .take()
            .unwrap_or_default()
            .into_iter()
            .filter(|e| e.extn_id != <x509_cert::ext::pkix::SubjectAltName as x509_cert::der::oid::AssociatedOid>::OID)
            .collect();
        exts.extend(self.san.clone());
        tbs.extensions = (!exts.is_empty()).then_some(exts);
    }
}

/// Replaces the issuer of `cert_der` with `issuer_name_der` (a DER X.500 Name, outer SEQUENCE
/// included) and signs the new TBS with `signer`, which must be the key whose algorithm the
/// certificate's signature algorithm names.
pub fn splice_issuer(
    cert_der: &[u8],
    issuer_name_der: &[u8],
    signer: &KeyPair,
) -> Result<Vec<u8>, ScanError> {
    splice(cert_der, Some(issuer_name_der), None, signer)
}

/// [`splice_issuer`] (the issuer kept when `None`), the subject and subjectAltName copied from
/// `claimed` too when given.
pub(crate) fn splice(
    cert_der: &[u8],
    issuer_name_der: Option<&[u8]>,
    claimed: Option<&Impersonated>,
    signer: &KeyPair,
) -> Result<Vec<u8>, ScanError> {
    let mut cert = x509_cert::Certificate::from_der(cert_der).map_err(forge_err)?;
    if let Some(issuer) = issuer_name_der {
        cert.tbs_certificate.issuer = x509_cert::name::Name::from_der(issuer)
            .map_err(|e| forge_err(format!("advertised CA name: {e}")))?;
    }
    if let Some(claimed) = claimed {
        claimed.apply(&mut cert.tbs_certificate);
    }
    let tbs = cert.tbs_certificate.to_der().map_err(forge_err)?;
    let signature = signer.sign(&tbs)?;
    cert.signature = BitString::from_bytes(&signature).map_err(forge_err)?;
    cert.to_der().map_err(forge_err)
}
