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
use crate::identity::{
    client_leaf_params, off_the_worker, rustls_signing_key, ClientIdentity, KeyKind, SigningCa,
};

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
/// "issuer" keys and one leaf key per kind are made on first need, once per scan: a scan of
/// servers that never ask for a certificate makes none, and each forged certificate costs two
/// signatures, no key generation.
pub struct Forger {
    provider: Arc<CryptoProvider>,
    /// The P-256 signer (P-384 and Ed25519 leaves are signed by it too).
    ec: OnceLock<Result<(SigningCa, KeyPair), String>>,
    /// The RSA signer.
    rsa: OnceLock<Result<(SigningCa, KeyPair), String>>,
    /// The leaf key of each kind (indexed as [`leaf_index`]) and its rustls signing key.
    leaves: [OnceLock<Result<LeafKey, String>>; 4],
}

/// A forged leaf's key pair, as rcgen signs with it and as rustls presents it.
struct LeafKey {
    pair: KeyPair,
    signing: Arc<dyn rustls::sign::SigningKey>,
}

fn leaf_index(kind: KeyKind) -> usize {
    kind.lazy_index().map_or(0, |i| i + 1)
}

impl std::fmt::Debug for Forger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Forger").finish_non_exhaustive()
    }
}

impl Forger {
    /// A forger that makes its keys on first need.
    pub fn new(provider: Arc<CryptoProvider>) -> Self {
        Self {
            provider,
            ec: OnceLock::new(),
            rsa: OnceLock::new(),
            leaves: Default::default(),
        }
    }

    fn signer(kind: KeyKind) -> Result<(SigningCa, KeyPair), String> {
        let made = || -> Result<(SigningCa, KeyPair), ScanError> {
            let ca = SigningCa::mint_with(kind, "mtls-scan forger")?;
            let key = ca.key_pair()?;
            Ok((ca, key))
        };
        // RSA key generation takes about 80 ms: off the worker. P-256 is made in place.
        match kind {
            KeyKind::Rsa2048 => off_the_worker(made),
            _ => made(),
        }
        .map_err(|e| e.to_string())
    }

    fn leaf_key(&self, kind: KeyKind) -> Result<&LeafKey, ScanError> {
        let cell = self
            .leaves
            .get(leaf_index(kind))
            .ok_or_else(|| forge_err(format!("no {} leaf key", kind.label())))?;
        cell.get_or_init(|| {
            let pair = match kind {
                KeyKind::Rsa2048 => off_the_worker(|| kind.generate()),
                _ => kind.generate(),
            }
            .map_err(|e| e.to_string())?;
            let signing = rustls_signing_key(&pair, &self.provider).map_err(|e| e.to_string())?;
            Ok(LeafKey { pair, signing })
        })
        .as_ref()
        .map_err(|reason| forge_err(reason.clone()))
    }

    /// A leaf whose issuer is exactly `issuer_name_der`, signed by our own key.
    pub fn forge(
        &self,
        issuer_name_der: &[u8],
        kind: KeyKind,
    ) -> Result<ClientIdentity, ScanError> {
        let signer = match kind {
            KeyKind::EcdsaP256 | KeyKind::EcdsaP384 | KeyKind::Ed25519 => {
                self.ec.get_or_init(|| Self::signer(KeyKind::EcdsaP256))
            }
            KeyKind::Rsa2048 => self.rsa.get_or_init(|| Self::signer(KeyKind::Rsa2048)),
        };
        let (ca, signer) = signer
            .as_ref()
            .map_err(|reason| forge_err(reason.clone()))?;
        let leaf = self.leaf_key(kind)?;
        // An authority key identifier naming *our* key: OpenSSL then finds no issuer ("unable to
        // get local issuer certificate") instead of checking our signature against the real CA,
        // which is exactly what nginx `optional_no_ca` and `-Verify` without
        // `-verify_return_error` tolerate. webpki matches by name and still checks the signature.
        let mut params = client_leaf_params("mtls-scan forged client");
        params.use_authority_key_identifier_extension = true;
        let cert = ca.sign_leaf(&params, &leaf.pair)?;
        let forged = splice_issuer(cert.der(), issuer_name_der, signer)?;
        let certified = CertifiedKey::new(vec![forged.into()], leaf.signing.clone());
        Ok(ClientIdentity::from_certified(
            Arc::new(certified),
            "forged: advertised CA name, our signature",
        )?
        .with_private_key_der(PrivateKeyDer::Pkcs8(leaf.pair.serialize_der().into())))
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
        let forger = Forger::new(provider);
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
            let signer = match kind {
                KeyKind::EcdsaP256 | KeyKind::EcdsaP384 | KeyKind::Ed25519 => &forger.ec,
                KeyKind::Rsa2048 => &forger.rsa,
            };
            let forger_ca = signer
                .get()
                .and_then(|made| made.as_ref().ok())
                .map(|(c, _)| c.cert.clone())
                .ok_or(ScanError::NoTrustAnchors)?;
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
    fn forged_certificates_share_one_leaf_key_per_kind() -> Result<(), ScanError> {
        let forger = Forger::new(Arc::new(rustls::crypto::aws_lc_rs::default_provider()));
        assert!(forger.ec.get().is_none() && forger.leaves.iter().all(|l| l.get().is_none()));
        let name = awkward_name();
        let other = x509_cert::der::Encode::to_der(
            &"CN=Other CA"
                .parse::<x509_cert::name::Name>()
                .map_err(forge_err)?,
        )
        .map_err(forge_err)?;
        let a = forger.forge(&name, KeyKind::EcdsaP256)?;
        let b = forger.forge(&other, KeyKind::EcdsaP256)?;
        assert_ne!(a.certified.cert, b.certified.cert);
        assert_eq!(a.private_key_der(), b.private_key_der());
        assert!(
            forger.rsa.get().is_none(),
            "no RSA signer before an RSA forgery"
        );
        Ok(())
    }

    #[test]
    fn garbage_name_is_an_error_not_a_panic() -> Result<(), ScanError> {
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let forger = Forger::new(provider);
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
