//! Forging: a certificate whose issuer Name is copied byte for byte from a CA name the server
//! advertised, signed by our own key. rcgen's `DistinguishedName` cannot hold repeated attributes
//! or multi-valued RDNs, so the DER Name is spliced into an rcgen-made certificate with
//! RustCrypto's `x509-cert`, and the TBS is signed again.

use std::sync::{Arc, OnceLock};

use rcgen::{KeyPair, SigningKey as _};
use rustls::crypto::CryptoProvider;
use rustls::sign::CertifiedKey;
use rustls_pki_types::PrivateKeyDer;
use x509_cert::der::asn1::BitString;
use x509_cert::der::{Decode, Encode};

use crate::error::ScanError;
use crate::identity::{client_leaf_params, rustls_signing_key, ClientIdentity, KeyKind, SigningCa};

fn forge_err(reason: impl std::fmt::Display) -> ScanError {
    ScanError::Forge(reason.to_string())
}

/// Replaces the issuer of `cert_der` with `issuer_name_der` (a DER X.500 Name, outer SEQUENCE
/// included) and signs the new TBS with `signer`, which must be the key whose algorithm the
/// certificate's signature algorithm names.
pub fn splice_issuer(
    cert_der: &[u8],
    issuer_name_der: &[u8],
    signer: &KeyPair,
) -> Result<Vec<u8>, ScanError> {
    let mut cert = x509_cert::Certificate::from_der(cert_der).map_err(forge_err)?;
    let name = x509_cert::name::Name::from_der(issuer_name_der)
        .map_err(|e| forge_err(format!("advertised CA name: {e}")))?;
    cert.tbs_certificate.issuer = name;
    let tbs = cert.tbs_certificate.to_der().map_err(forge_err)?;
    let signature = signer.sign(&tbs)?;
    cert.signature = BitString::from_bytes(&signature).map_err(forge_err)?;
    cert.to_der().map_err(forge_err)
}

/// Forges client certificates on demand, in the key type the server accepts. The throwaway
/// "issuer" keys are made once per scan.
pub struct Forger {
    provider: Arc<CryptoProvider>,
    ec: (Arc<SigningCa>, KeyPair),
    /// The RSA signer, made on first need (P-384 and Ed25519 leaves are signed by the P-256 one).
    rsa: OnceLock<Option<(Arc<SigningCa>, KeyPair)>>,
}

impl std::fmt::Debug for Forger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Forger").finish_non_exhaustive()
    }
}

impl Forger {
    /// Prepares the P-256 signer now; the RSA one on first need.
    pub fn new(provider: Arc<CryptoProvider>) -> Result<Self, ScanError> {
        Ok(Self {
            provider,
            ec: Self::signer(KeyKind::EcdsaP256)?,
            rsa: OnceLock::new(),
        })
    }

    fn signer(kind: KeyKind) -> Result<(Arc<SigningCa>, KeyPair), ScanError> {
        let ca = SigningCa::mint_with(kind, "mtls-scan forger")?;
        let key = ca.key_pair()?;
        Ok((Arc::new(ca), key))
    }

    /// A leaf whose issuer is exactly `issuer_name_der`, signed by our own key.
    pub fn forge(
        &self,
        issuer_name_der: &[u8],
        kind: KeyKind,
    ) -> Result<ClientIdentity, ScanError> {
        let (ca, signer) = match kind {
            KeyKind::EcdsaP256 | KeyKind::EcdsaP384 | KeyKind::Ed25519 => (&self.ec.0, &self.ec.1),
            KeyKind::Rsa2048 => {
                match self.rsa.get_or_init(|| Self::signer(KeyKind::Rsa2048).ok()) {
                    Some((ca, key)) => (ca, key),
                    None => return Err(forge_err("RSA key generation failed")),
                }
            }
        };
        let leaf_key = kind.generate()?;
        // An authority key identifier naming *our* key: OpenSSL then finds no issuer ("unable to
        // get local issuer certificate") instead of checking our signature against the real CA,
        // which is exactly what nginx `optional_no_ca` and `-Verify` without
        // `-verify_return_error` tolerate. webpki matches by name and still checks the signature.
        let mut params = client_leaf_params("mtls-scan forged client");
        params.use_authority_key_identifier_extension = true;
        let cert = ca.sign_leaf(&params, &leaf_key)?;
        let forged = splice_issuer(cert.der(), issuer_name_der, signer)?;
        let certified = CertifiedKey::new(
            vec![forged.into()],
            rustls_signing_key(&leaf_key, &self.provider)?,
        );
        Ok(ClientIdentity::from_certified(
            Arc::new(certified),
            "forged: advertised CA name, our signature",
        )?
        .with_private_key_der(PrivateKeyDer::Pkcs8(leaf_key.serialize_der().into())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A Name that rcgen cannot express: two OUs, DC=com + DC=example, and a multi-valued RDN.
    fn awkward_name() -> Vec<u8> {
        use x509_cert::der::Encode;
        let name: x509_cert::name::Name =
            "DC=com,DC=example,OU=Platform,OU=Security,CN=Issuing CA+serialNumber=42"
                .parse()
                .unwrap_or_default();
        name.to_der().unwrap_or_default()
    }

    #[test]
    fn forged_issuer_is_copied_byte_for_byte() -> Result<(), ScanError> {
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let forger = Forger::new(provider)?;
        let name = awkward_name();
        assert!(name.len() > 60, "the test name must parse");
        for kind in [
            KeyKind::EcdsaP256,
            KeyKind::Rsa2048,
            KeyKind::EcdsaP384,
            KeyKind::Ed25519,
        ] {
            let id = forger.forge(&name, kind)?;
            let leaf = id.certified.cert.first().ok_or(ScanError::NoTrustAnchors)?;
            let (_, parsed) =
                x509_parser::parse_x509_certificate(leaf.as_ref()).map_err(forge_err)?;
            assert_eq!(parsed.tbs_certificate.issuer.as_raw(), name.as_slice());
            assert!(
                id.summary.issuer.contains("OU=Platform")
                    && id.summary.issuer.contains("OU=Security")
            );
            // Signed by our key, not the real CA's: the signature verifies against the forger's key only.
            let forger_ca = match kind {
                KeyKind::EcdsaP256 | KeyKind::EcdsaP384 | KeyKind::Ed25519 => {
                    forger.ec.0.cert.clone()
                }
                KeyKind::Rsa2048 => forger
                    .rsa
                    .get()
                    .and_then(|o| o.as_ref())
                    .map(|(c, _)| c.cert.clone())
                    .ok_or(ScanError::NoTrustAnchors)?,
            };
            let (_, ca) =
                x509_parser::parse_x509_certificate(forger_ca.as_ref()).map_err(forge_err)?;
            assert!(parsed.verify_signature(Some(ca.public_key())).is_ok());
            // The AKI names the forger's key, not the real CA's.
            let aki = parsed
                .extensions()
                .iter()
                .find_map(|e| match e.parsed_extension() {
                    x509_parser::extensions::ParsedExtension::AuthorityKeyIdentifier(a) => {
                        a.key_identifier.clone()
                    }
                    _ => None,
                });
            let ski = ca
                .extensions()
                .iter()
                .find_map(|e| match e.parsed_extension() {
                    x509_parser::extensions::ParsedExtension::SubjectKeyIdentifier(k) => {
                        Some(k.clone())
                    }
                    _ => None,
                });
            assert!(aki.is_some(), "the forged certificate carries an AKI");
            if let (Some(aki), Some(ski)) = (aki, ski) {
                assert_eq!(aki.0, ski.0);
            }
        }
        Ok(())
    }

    #[test]
    fn garbage_name_is_an_error_not_a_panic() -> Result<(), ScanError> {
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let forger = Forger::new(provider)?;
        for junk in [
            &b""[..],
            &b"\x30\x80"[..],
            &[0x30, 0x05, 0x31, 0x03, 0x30, 0x01, 0x06][..],
        ] {
            assert!(forger.forge(junk, KeyKind::EcdsaP256).is_err());
        }
        Ok(())
    }
}
