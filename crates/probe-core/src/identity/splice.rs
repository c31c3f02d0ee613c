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
    /// The certificate's serial number, copied too where [`Impersonated::with_serial`] says so.
    serial: x509_cert::serial_number::SerialNumber,
    copy_serial: bool,
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
            serial: tbs.serial_number,
            copy_serial: false,
        })
    }

    /// The same, claiming the certificate's serial number too: a forgery naming the valid
    /// certificate's issuer then carries its issuer and serial, which an allowlist of
    /// certificates by issuer and serial (an nginx `optional_no_ca` Lua check on
    /// `$ssl_client_i_dn` and `$ssl_client_serial`, PHP on `SSL_CLIENT_M_SERIAL`: an audit's
    /// four stacks, A, exit 0) takes for it. Never for a staging CA's own certificates: two of
    /// one CA's certificates with one serial may be refused for that alone.
    pub fn with_serial(mut self) -> Self {
        self.copy_serial = true;
        self
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
        if self.copy_serial {
            tbs.serial_number = self.serial.clone();
        }
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

/// `cert_der` (a self-signed CA certificate) renamed `name_der` as subject and issuer alike and
/// signed again by `signer`, its own key: a CA certificate of ours that carries another CA's name
/// byte for byte and is still self-signed (what a verifier that picks its anchor among the
/// certificates the client sends, by name, takes for that CA).
pub(crate) fn renamed_self_signed(
    cert_der: &[u8],
    name_der: &[u8],
    signer: &KeyPair,
) -> Result<Vec<u8>, ScanError> {
    let mut cert = x509_cert::Certificate::from_der(cert_der).map_err(forge_err)?;
    let name = x509_cert::name::Name::from_der(name_der)
        .map_err(|e| forge_err(format!("advertised CA name: {e}")))?;
    cert.tbs_certificate.subject = name.clone();
    cert.tbs_certificate.issuer = name;
    let tbs = cert.tbs_certificate.to_der().map_err(forge_err)?;
    let signature = signer.sign(&tbs)?;
    cert.signature = BitString::from_bytes(&signature).map_err(forge_err)?;
    cert.to_der().map_err(forge_err)
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

/// The certificate `cert_der` with its authority key identifier set to `key_id` (added where it
/// had none), signed again by `signer`: a forgery that names the real CA by key identifier as
/// well as by name.
pub(crate) fn with_authority_key_id(
    cert_der: &[u8],
    key_id: &[u8],
    signer: &KeyPair,
) -> Result<Vec<u8>, ScanError> {
    use x509_cert::der::asn1::{ObjectIdentifier, OctetString};
    const AKI: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.35");
    let mut cert = x509_cert::Certificate::from_der(cert_der).map_err(forge_err)?;
    let value = x509_cert::ext::pkix::AuthorityKeyIdentifier {
        key_identifier: Some(OctetString::new(key_id).map_err(forge_err)?),
        authority_cert_issuer: None,
        authority_cert_serial_number: None,
    }
    .to_der()
    .map_err(forge_err)?;
    let extension = x509_cert::ext::Extension {
        extn_id: AKI,
        critical: false,
        extn_value: OctetString::new(value).map_err(forge_err)?,
    };
    let extensions = cert.tbs_certificate.extensions.get_or_insert_with(Vec::new);
    match extensions.iter_mut().find(|e| e.extn_id == AKI) {
        Some(e) => *e = extension,
        None => extensions.push(extension),
    }
    let tbs = cert.tbs_certificate.to_der().map_err(forge_err)?;
    let signature = signer.sign(&tbs)?;
    cert.signature = BitString::from_bytes(&signature).map_err(forge_err)?;
    cert.to_der().map_err(forge_err)
}

/// The certificate `cert_der` said to be signed with sha256WithRSAEncryption, its signature 256
/// bytes that no key made: what an RSA key of ours would sign, without the ~80 ms of making one.
/// OpenSSL 3 takes a CA for an issuer only where its key is of the signature's kind, so a
/// forgery naming an RSA client CA without a key identifier must claim an RSA signature to fail
/// on the signature itself (`X509_V_ERR_CERT_SIGNATURE_FAILURE`) rather than on the issuer.
pub(crate) fn claim_rsa_signature(cert_der: &[u8]) -> Result<Vec<u8>, ScanError> {
    use x509_cert::der::asn1::ObjectIdentifier;
    let mut cert = x509_cert::Certificate::from_der(cert_der).map_err(forge_err)?;
    let rsa_sha256 = x509_cert::spki::AlgorithmIdentifierOwned {
        oid: ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11"),
        parameters: Some(x509_cert::der::Any::null()),
    };
    cert.tbs_certificate.signature = rsa_sha256.clone();
    cert.signature_algorithm = rsa_sha256;
    // Not zeros (a verifier might short-cut them): a fixed pattern below any 2048-bit modulus.
    let signature: Vec<u8> = (0..256u16).map(|i| (i % 251) as u8 | 1).collect();
    cert.signature = BitString::from_bytes(&signature).map_err(forge_err)?;
    cert.to_der().map_err(forge_err)
}

#[cfg(test)]
mod rsa_claim_tests {
    use super::*;

    /// The relabelled certificate says sha256WithRSAEncryption in both places and carries a
    /// 256-byte signature; the rest (issuer, subject, key) is the certificate it came from.
    #[test]
    fn an_rsa_signature_is_claimed_without_an_rsa_key() -> Result<(), ScanError> {
        let ca = crate::identity::SigningCa::mint("claim test")?;
        let der = ca.cert.as_ref().to_vec();
        let claimed = claim_rsa_signature(&der)?;
        let (_, before) = x509_parser::parse_x509_certificate(&der).map_err(forge_err)?;
        let (_, after) = x509_parser::parse_x509_certificate(&claimed).map_err(forge_err)?;
        let rsa = "1.2.840.113549.1.1.11";
        assert_eq!(after.signature_algorithm.algorithm.to_id_string(), rsa);
        assert_eq!(
            after.tbs_certificate.signature.algorithm.to_id_string(),
            rsa
        );
        assert_eq!(after.signature_value.data.len(), 256);
        assert_eq!(
            after.tbs_certificate.issuer.as_raw(),
            before.tbs_certificate.issuer.as_raw()
        );
        assert_eq!(
            after.tbs_certificate.subject_pki.raw,
            before.tbs_certificate.subject_pki.raw
        );
        Ok(())
    }
}
