//! Client identities: minted on the spot with rcgen, or loaded from the user's PEM files.
//! An identity is only ever described by its [`IdentitySummary`]; key material never leaves here.

pub mod forge;
pub mod splice;

use std::sync::{Arc, OnceLock};

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};
use rustls::crypto::CryptoProvider;
use rustls::sign::{CertifiedKey, SigningKey};
use rustls::SignatureScheme;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use serde::{Deserialize, Serialize};

use crate::error::ScanError;

/// The key algorithm of a minted identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyKind {
    /// ECDSA on P-256 with SHA-256: the first choice.
    EcdsaP256,
    /// RSA-2048: when the server accepts only RSA signatures.
    Rsa2048,
    /// ECDSA on P-384 with SHA-384: when the server accepts neither P-256 nor RSA (CNSA-style
    /// `ECDSA+SHA384` only).
    EcdsaP384,
    /// Ed25519: when that is all the server accepts.
    Ed25519,
    /// RSA-3072: only where the user's certificate (or the staging CA's) holds an RSA key of
    /// 2049–3072 bits: a server at OpenSSL security level 3 refuses an RSA-2048 leaf for its size
    /// ("EE key too weak"), whatever else is wrong with it, and that refusal read as one of the
    /// flaw let HAProxy `crt-ignore-err` pass (B, exit 0).
    Rsa3072,
    /// RSA-4096: where the user's certificate (or the staging CA's) holds a larger RSA key.
    Rsa4096,
}

impl KeyKind {
    /// The kinds minted on first need, beside P-256 (made up front).
    pub const LAZY: [KeyKind; 5] = [
        KeyKind::Rsa2048,
        KeyKind::EcdsaP384,
        KeyKind::Ed25519,
        KeyKind::Rsa3072,
        KeyKind::Rsa4096,
    ];

    /// Every kind: P-256, then [`KeyKind::LAZY`].
    pub const COUNT: usize = 1 + Self::LAZY.len();

    /// An RSA kind, of any size.
    pub fn is_rsa(self) -> bool {
        matches!(self, KeyKind::Rsa2048 | KeyKind::Rsa3072 | KeyKind::Rsa4096)
    }

    /// Chooses the key type from the signature schemes a CertificateRequest accepts: ECDSA P-256
    /// first, then ECDSA P-384, RSA-2048 and Ed25519, in that order, by what is accepted (P-384
    /// before RSA: a server at OpenSSL security level 4 lists RSA schemes and refuses an RSA-2048
    /// key for its size). When none is (P-521 only, say), P-256: the transport then sees that
    /// the key cannot sign and reports the probe inconclusive, never presented.
    pub fn choose(schemes: &[SignatureScheme]) -> KeyKind {
        Self::choose_preferring(schemes, None)
    }

    /// [`KeyKind::choose`], but `preferred` (the kind of the user's own certificate) wherever the
    /// server accepts it: a certificate the server must refuse is then refused for its flaw, not
    /// for its key kind (a verifier that lets in any P-384 certificate refuses a P-256 one).
    pub fn choose_preferring(schemes: &[SignatureScheme], preferred: Option<KeyKind>) -> KeyKind {
        let accepts = |k: KeyKind| schemes.is_empty() || k.accepted_by(schemes);
        if let Some(k) = preferred.filter(|k| accepts(*k)) {
            return k;
        }
        [
            KeyKind::EcdsaP256,
            KeyKind::EcdsaP384,
            KeyKind::Rsa2048,
            KeyKind::Ed25519,
        ]
        .into_iter()
        .find(|k| accepts(*k))
        .unwrap_or(KeyKind::EcdsaP256)
    }

    /// Whether a CertificateRequest accepting `schemes` accepts a signature by a key of this kind.
    pub fn accepted_by(self, schemes: &[SignatureScheme]) -> bool {
        use SignatureScheme as S;
        let wanted: &[SignatureScheme] = match self {
            KeyKind::EcdsaP256 => &[S::ECDSA_NISTP256_SHA256],
            KeyKind::EcdsaP384 => &[S::ECDSA_NISTP384_SHA384],
            KeyKind::Ed25519 => &[S::ED25519],
            KeyKind::Rsa2048 | KeyKind::Rsa3072 | KeyKind::Rsa4096 => &[
                S::RSA_PSS_SHA256,
                S::RSA_PSS_SHA384,
                S::RSA_PSS_SHA512,
                S::RSA_PKCS1_SHA256,
                S::RSA_PKCS1_SHA384,
                S::RSA_PKCS1_SHA512,
            ],
        };
        wanted.iter().any(|s| schemes.contains(s))
    }

    /// The kind of a certificate's key, among those the scanner makes (an RSA key as the
    /// smallest of 2048, 3072 and 4096 bits at least as large as it, 4096 past that); `None` for
    /// another kind or an unreadable certificate.
    pub fn of_certificate(der: &[u8]) -> Option<KeyKind> {
        use x509_parser::public_key::PublicKey;
        let (_, cert) = x509_parser::parse_x509_certificate(der).ok()?;
        match cert.public_key().parsed() {
            Ok(PublicKey::RSA(rsa)) => Some(match rsa.key_size() {
                0..=2048 => KeyKind::Rsa2048,
                2049..=3072 => KeyKind::Rsa3072,
                _ => KeyKind::Rsa4096,
            }),
            Ok(PublicKey::EC(ec)) => match ec.key_size() {
                256 => Some(KeyKind::EcdsaP256),
                384 => Some(KeyKind::EcdsaP384),
                _ => None,
            },
            _ => (cert.public_key().algorithm.algorithm.to_id_string() == "1.3.101.112")
                .then_some(KeyKind::Ed25519),
        }
    }

    /// The kind as reports name it.
    pub fn label(self) -> &'static str {
        match self {
            KeyKind::EcdsaP256 => "ECDSA P-256",
            KeyKind::Rsa2048 => "RSA-2048",
            KeyKind::EcdsaP384 => "ECDSA P-384",
            KeyKind::Ed25519 => "Ed25519",
            KeyKind::Rsa3072 => "RSA-3072",
            KeyKind::Rsa4096 => "RSA-4096",
        }
    }

    /// The position of a lazily minted kind in [`KeyKind::LAZY`]; `None` for P-256.
    pub fn lazy_index(self) -> Option<usize> {
        KeyKind::LAZY.iter().position(|k| *k == self)
    }

    /// A key for a leaf the scan mints (the certificate from an unknown CA, the self-signed one,
    /// the forgeries, the staging certificates): a fresh one, but for RSA one key per size and
    /// process shared by every such leaf (each generation costs about 100 ms at 2048 bits, more
    /// above; a leaf's key need only be one the scan holds). Never for a key that must differ
    /// from another: a CA's, or `cert-without-key`'s foreign key (those use
    /// [`KeyKind::generate`]).
    pub fn leaf_key(self) -> Result<KeyPair, ScanError> {
        static SHARED_RSA: [OnceLock<Result<Vec<u8>, String>>; 3] =
            [OnceLock::new(), OnceLock::new(), OnceLock::new()];
        let shared = match self {
            KeyKind::Rsa2048 => &SHARED_RSA[0],
            KeyKind::Rsa3072 => &SHARED_RSA[1],
            KeyKind::Rsa4096 => &SHARED_RSA[2],
            KeyKind::EcdsaP256 | KeyKind::EcdsaP384 | KeyKind::Ed25519 => return self.generate(),
        };
        let der = shared.get_or_init(|| {
            self.generate()
                .map(|k| k.serialize_der())
                .map_err(|e| e.to_string())
        });
        match der {
            Ok(der) => Ok(KeyPair::try_from(der.as_slice())?),
            Err(reason) => Err(ScanError::MintFailed(reason.clone())),
        }
    }

    /// Generates a fresh key pair of this kind.
    pub fn generate(self) -> Result<KeyPair, ScanError> {
        Ok(match self {
            KeyKind::EcdsaP256 => KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)?,
            KeyKind::Rsa2048 => {
                KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, rcgen::RsaKeySize::_2048)?
            }
            KeyKind::EcdsaP384 => KeyPair::generate_for(&rcgen::PKCS_ECDSA_P384_SHA384)?,
            KeyKind::Ed25519 => KeyPair::generate_for(&rcgen::PKCS_ED25519)?,
            KeyKind::Rsa3072 => {
                KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, rcgen::RsaKeySize::_3072)?
            }
            KeyKind::Rsa4096 => {
                KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, rcgen::RsaKeySize::_4096)?
            }
        })
    }
}

/// The public description of a client identity: what reports may show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentitySummary {
    /// Where it came from (`minted: unknown CA`, `client-cert`, …).
    pub origin: String,
    /// Subject DN (RFC 4514).
    pub subject: String,
    /// Issuer DN (RFC 4514).
    pub issuer: String,
    /// SHA-256 fingerprint of the leaf certificate, lower-case hex.
    pub sha256: String,
    /// Key algorithm and size, e.g. `ECDSA P-256`.
    pub key: String,
    /// Start of validity (RFC 3339).
    pub not_before: String,
    /// End of validity (RFC 3339).
    pub not_after: String,
    /// How many certificates are presented (the leaf and what follows it); 0 where not known.
    /// Not in the JSON report.
    #[serde(default, skip_serializing)]
    pub chain_len: usize,
    /// Its extended key usage names purposes, none of them TLS client authentication (nor any
    /// purpose): servers refuse it as a client certificate. Not in the JSON report.
    #[serde(default, skip_serializing)]
    pub not_for_clients: bool,
}

/// A certificate chain and the key that signs CertificateVerify, ready for a handshake.
#[derive(Clone)]
pub struct ClientIdentity {
    /// What rustls presents.
    pub certified: Arc<CertifiedKey>,
    /// What reports show: shared by every observation of a handshake that presented it (a
    /// thousand targets' reports held for `--format json` hold one copy per identity).
    pub summary: Arc<IdentitySummary>,
    /// The private key as DER, for transports that cannot use the rustls signing key (OpenSSL,
    /// see [`crate::transport::late`]). `None` when the key is deliberately foreign. Never printed.
    private_key: Option<Arc<PrivateKeyDer<'static>>>,
    /// CertificateVerify is signed by a key that is not the certificate's (`cert-without-key`).
    foreign_key: bool,
}

impl std::fmt::Debug for ClientIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print key material, even in debug output.
        f.debug_struct("ClientIdentity")
            .field("summary", &self.summary)
            .finish_non_exhaustive()
    }
}

impl ClientIdentity {
    /// Loads an identity from PEM text: a certificate chain (leaf first) and its private key.
    /// The pair is checked: a key that does not match the certificate is refused.
    pub fn from_pem(
        cert_pem: &str,
        key_pem: &str,
        origin: &str,
        provider: &CryptoProvider,
    ) -> Result<Self, ScanError> {
        let chain = parse_certs(cert_pem, origin)?;
        let key_what = key_input(origin);
        let key_der = parse_key(key_pem, &key_what)?;
        let key = load_signing_key(key_pem, &key_what, provider)?;
        let certified = CertifiedKey::new(chain, key);
        certified.keys_match().map_err(|e| match e {
            rustls::Error::InconsistentKeys(_) => {
                let key_spki = certified.key.public_key();
                let spkis = certified.cert.iter().map(|c| {
                    x509_parser::parse_x509_certificate(c.as_ref())
                        .map(|(_, p)| p.public_key().raw.to_vec())
                        .ok()
                });
                mismatch(origin, key_spki.as_ref().map(|k| k.as_ref()), spkis)
            }
            // The certificate, not the key, is what could not be read (an audit's PEM block of
            // random base64 was called an unsupported private key).
            rustls::Error::InvalidCertificate(e) => ScanError::MalformedCertificate {
                what: origin.to_owned(),
                reason: format!("{e:?}"),
            },
            other => ScanError::UnsupportedKey {
                what: origin.to_owned(),
                reason: other.to_string(),
            },
        })?;
        Ok(Self::from_certified(Arc::new(certified), origin)?.with_private_key_der(key_der))
    }

    /// Wraps a certified key, describing its leaf. The key's DER is not known: add it with
    /// [`Self::with_private_key_der`].
    pub fn from_certified(certified: Arc<CertifiedKey>, origin: &str) -> Result<Self, ScanError> {
        let leaf = certified
            .cert
            .first()
            .ok_or_else(|| ScanError::NoCertificate {
                what: origin.to_owned(),
            })?;
        let mut summary = summarize(leaf, origin)?;
        summary.chain_len = certified.cert.len();
        Ok(Self {
            certified,
            summary: Arc::new(summary),
            private_key: None,
            foreign_key: false,
        })
    }

    /// Records the DER of the signing key (it must be the key of `certified`).
    pub fn with_private_key_der(mut self, key: PrivateKeyDer<'static>) -> Self {
        self.private_key = Some(Arc::new(key));
        self
    }

    /// The private key as DER (PKCS#8 for minted identities), when known and matching.
    pub fn private_key_der(&self) -> Option<&PrivateKeyDer<'static>> {
        self.private_key.as_deref()
    }

    /// Whether CertificateVerify is deliberately signed by a key that is not the certificate's
    /// ([`Self::with_foreign_key`]): a transport that cannot use the rustls signing key makes a
    /// mismatched key of its own for it ([`crate::transport::late`]).
    pub fn has_foreign_key(&self) -> bool {
        self.foreign_key
    }

    /// The same certificate chain with a different signing key: CertificateVerify will not match
    /// the certificate (rustls `CertifiedKey::new` does not check the pair).
    pub fn with_foreign_key(&self, key: Arc<dyn SigningKey>, origin: &str) -> Self {
        let mut summary = IdentitySummary::clone(&self.summary);
        summary.origin = origin.to_owned();
        Self {
            certified: Arc::new(CertifiedKey::new(self.certified.cert.clone(), key)),
            summary: Arc::new(summary),
            private_key: None,
            foreign_key: true,
        }
    }
}

/// The error for a key that is not the first certificate's: where it is a later one's (a file in
/// the wrong order: the intermediate first, or the root before the intermediate), which one.
/// `key` and each of `certs` in the same encoding (the whole SubjectPublicKeyInfo, or its key bits).
fn mismatch(
    what: &str,
    key: Option<&[u8]>,
    certs: impl Iterator<Item = Option<Vec<u8>>>,
) -> ScanError {
    let certs: Vec<Option<Vec<u8>>> = certs.collect();
    let later = key.and_then(|key| {
        certs
            .iter()
            .skip(1)
            .position(|c| c.as_deref() == Some(key))
            .map(|i| i + 2)
    });
    match later {
        Some(position) => ScanError::KeyBelongsToLater {
            what: what.to_owned(),
            position,
            count: certs.len(),
        },
        None => ScanError::KeyMismatch {
            what: what.to_owned(),
        },
    }
}

/// Parses every certificate in PEM text.
pub fn parse_certs(pem: &str, what: &str) -> Result<Vec<CertificateDer<'static>>, ScanError> {
    let certs: Vec<_> = if pem.contains(TRUSTED_FORM) {
        trusted_form_certs(pem)
    } else {
        CertificateDer::pem_slice_iter(pem.as_bytes())
            .filter_map(Result::ok)
            .collect()
    };
    if certs.is_empty() {
        return Err(ScanError::NoCertificate {
            what: what.to_owned(),
        });
    }
    Ok(certs)
}

/// The PEM label OpenSSL writes a certificate with its trust settings under (`openssl x509
/// -trustout`, `-addtrust clientAuth`): curl and OpenSSL read the certificate in it.
const TRUSTED_FORM: &str = "-----BEGIN TRUSTED CERTIFICATE-----";

/// The certificates of PEM text holding [`TRUSTED_FORM`] blocks, in their order: a trusted
/// block's certificate (its DER, without the trust settings after it) and every plain one. A
/// leaf so written was skipped, and the intermediate after it taken for the leaf: "the private
/// key does not match the certificate" (an audit's, where curl was served).
fn trusted_form_certs(pem: &str) -> Vec<CertificateDer<'static>> {
    let Ok(blocks) = ::pem::parse_many(pem) else {
        return Vec::new();
    };
    blocks
        .iter()
        .filter_map(|block| match block.tag() {
            "CERTIFICATE" | "X509 CERTIFICATE" => Some(block.contents().to_vec()),
            "TRUSTED CERTIFICATE" => {
                let all = block.contents();
                let (rest, _) = x509_parser::parse_x509_certificate(all).ok()?;
                all.get(..all.len().saturating_sub(rest.len()))
                    .map(<[u8]>::to_vec)
            }
            _ => None,
        })
        .map(CertificateDer::from)
        .collect()
}

/// Parses the first private key in PEM text; an encrypted one is named as such.
pub fn parse_key(pem: &str, what: &str) -> Result<PrivateKeyDer<'static>, ScanError> {
    PrivateKeyDer::from_pem_slice(pem.as_bytes()).map_err(|_| {
        let what = what.to_owned();
        if pem.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----")
            || pem.contains("Proc-Type: 4,ENCRYPTED")
        {
            ScanError::EncryptedKey { what }
        } else {
            ScanError::NoPrivateKey { what }
        }
    })
}

/// The input that holds the key of the pair named `origin` (`client-cert` → `client-key`), so
/// an error about the key names the key's input.
fn key_input(origin: &str) -> String {
    match origin.strip_suffix("-cert") {
        Some(stem) => format!("{stem}-key"),
        None => origin.to_owned(),
    }
}

/// Loads a PEM private key into the provider's signing key.
pub fn load_signing_key(
    pem: &str,
    what: &str,
    provider: &CryptoProvider,
) -> Result<Arc<dyn SigningKey>, ScanError> {
    let der = parse_key(pem, what)?;
    let kind = key_kind(&der);
    provider.key_provider.load_private_key(der).map_err(|e| {
        // The provider's own words only where the kind is one it takes (a broken P-256
        // key): for the others they say nothing more ("unexpected error").
        let said = if kind.contains("does not read as one") {
            format!("{kind} ({e})")
        } else {
            kind.clone()
        };
        unsupported_key(what, &said)
    })
}

/// The keys the scan signs with, as said to a user whose key is none of them.
const KEYS_SIGNED_WITH: &str = "the scan signs with RSA (2048 to 8192 bits), ECDSA P-256, P-384 \
     or P-521, and Ed25519 keys: make the certificate with one of those";

/// [`ScanError::UnsupportedKey`] for the key of input `what`, whose kind reads as `kind`
/// ([`key_kind`]): the kind found and the kinds the scan takes (an audit's Ed448 key was "unexpected
/// error: failed to parse private key as RSA, ECDSA, or EdDSA").
fn unsupported_key(what: &str, kind: &str) -> ScanError {
    ScanError::UnsupportedKey {
        what: what.to_owned(),
        reason: format!("{kind}; {KEYS_SIGNED_WITH}"),
    }
}

/// What kind of key `der` holds, as far as its algorithm identifier says (PKCS#8), or its
/// container (PKCS#1, SEC1): `an Ed448 key`, `an EC key on curve 1.3.132.0.10` ….
fn key_kind(der: &PrivateKeyDer<'_>) -> String {
    let pkcs8 = match der {
        PrivateKeyDer::Pkcs8(k) => k.secret_pkcs8_der(),
        PrivateKeyDer::Pkcs1(_) => {
            return "an `RSA PRIVATE KEY` block that reads as no RSA key it can use (another \
                    kind under that label, or a size out of range)"
                .to_owned()
        }
        PrivateKeyDer::Sec1(_) => return "an EC key (SEC1) on a curve it cannot use".to_owned(),
        _ => return "a key of a kind it cannot use".to_owned(),
    };
    let algorithm = || {
        let (_, info) = x509_parser::der_parser::parse_der(pkcs8).ok()?;
        let items = info.as_sequence().ok()?;
        let alg = items.get(1)?.as_sequence().ok()?;
        let oid = alg.first()?.as_oid().ok()?.to_id_string();
        let param = alg
            .get(1)
            .and_then(|p| p.as_oid().ok())
            .map(|o| o.to_id_string());
        Some((oid, param))
    };
    match algorithm() {
        None => "a PKCS#8 key whose algorithm cannot be read".to_owned(),
        Some((oid, param)) => match (oid.as_str(), param) {
            ("1.3.101.113", _) => "an Ed448 key".to_owned(),
            ("1.3.101.110" | "1.3.101.111", _) => {
                format!("an X25519/X448 key ({oid}), which cannot sign")
            }
            ("1.2.840.113549.1.1.10", _) => {
                "an RSA-PSS key (algorithm RSASSA-PSS, as `openssl genpkey -algorithm RSA-PSS` \
                 makes)"
                    .to_owned()
            }
            ("1.2.840.113549.1.1.1", _) => {
                "an RSA key of a size it cannot use, or one that does not read as one".to_owned()
            }
            ("1.2.840.10040.4.1", _) => "a DSA key".to_owned(),
            ("1.2.840.10045.2.1", Some(curve)) => match curve.as_str() {
                "1.2.840.10045.3.1.7" => "a P-256 key that does not read as one".to_owned(),
                "1.3.132.0.34" => "a P-384 key that does not read as one".to_owned(),
                "1.3.132.0.35" => "a P-521 key that does not read as one".to_owned(),
                _ => format!("an EC key on curve {curve}"),
            },
            _ => format!("a key of algorithm {oid}"),
        },
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A distinguished name as summaries write it (`O=x, CN=y`: x509-parser's form, the first RDN
/// first, a multi-valued RDN joined with ` + `), in RFC 2253's form (`CN=y,O=x`, the special
/// characters escaped), OpenSSL's one-line form (`/O=x/CN=y`) and RFC 2253's with a space after
/// each comma (`CN=y, O=x`: Java, .NET). A value holding `, ` is split
/// there: the forms are forged header values, not parsed identities.
pub fn dn_forms(summary: &str) -> (String, String, String) {
    let rdns: Vec<Vec<&str>> = summary
        .split(", ")
        .filter(|r| !r.is_empty())
        .map(|r| r.split(" + ").collect())
        .collect();
    let escape = |ava: &str| -> String {
        let Some((key, value)) = ava.split_once('=') else {
            return ava.to_owned();
        };
        let mut v = String::new();
        for (i, c) in value.chars().enumerate() {
            let edge =
                (i == 0 && (c == '#' || c == ' ')) || (i + 1 == value.chars().count() && c == ' ');
            if edge || matches!(c, ',' | '+' | '"' | '\\' | '<' | '>' | ';') {
                v.push('\\');
            }
            v.push(c);
        }
        format!("{key}={v}")
    };
    let reversed: Vec<String> = rdns
        .iter()
        .rev()
        .map(|rdn| rdn.iter().map(|a| escape(a)).collect::<Vec<_>>().join("+"))
        .collect();
    let oneline: String = rdns
        .iter()
        .map(|rdn| format!("/{}", rdn.join("+")))
        .collect();
    (reversed.join(","), oneline, reversed.join(", "))
}

/// Every way a server may print the subject whose summary is `summary` (x509-parser's `O=x,
/// CN=y`) on a page: [`dn_forms`]'s three, the summary itself and without its spaces (`O=x,CN=y`:
/// the X.500 order some stacks keep), and OpenSSL's default (`O = x, CN = y`).
pub fn dn_spellings(summary: &str) -> Vec<String> {
    let (rfc2253, oneline, spaced) = dn_forms(summary);
    let mut out = vec![
        rfc2253,
        oneline,
        spaced,
        summary.to_owned(),
        summary.replace(", ", ","),
        summary
            .split(", ")
            .map(|ava| ava.replacen('=', " = ", 1))
            .collect::<Vec<_>>()
            .join(", "),
    ];
    out.retain(|dn| dn.contains('='));
    out.sort();
    out.dedup();
    out
}

/// SHA-256 of a DER blob, lower-case hex.
pub fn sha256_hex(der: &[u8]) -> String {
    hex(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, der).as_ref())
}

/// Describes a certificate for reports.
pub fn summarize(der: &CertificateDer<'_>, origin: &str) -> Result<IdentitySummary, ScanError> {
    let (_, cert) = x509_parser::parse_x509_certificate(der.as_ref()).map_err(|e| {
        ScanError::MalformedCertificate {
            what: origin.to_owned(),
            reason: e.to_string(),
        }
    })?;
    let rfc3339 = |t: x509_parser::time::ASN1Time| {
        t.to_datetime()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default()
    };
    Ok(IdentitySummary {
        origin: origin.to_owned(),
        // Names come from certificates a server may have sent: no control character gets through.
        subject: crate::text::escape_controls(&cert.subject().to_string()),
        issuer: crate::text::escape_controls(&cert.issuer().to_string()),
        sha256: sha256_hex(der.as_ref()),
        key: describe_key(&cert),
        not_before: rfc3339(cert.validity().not_before),
        not_after: rfc3339(cert.validity().not_after),
        chain_len: 0,
        not_for_clients: matches!(
            cert.extended_key_usage(),
            Ok(Some(eku)) if !eku.value.client_auth && !eku.value.any
        ),
    })
}

/// Whether a verifier may take the certificate `der` as an issuer, as OpenSSL's `check_ca` does
/// (its purpose checks) and RFC 5280 allows: `basicConstraints` CA:TRUE; a v1 certificate that
/// signs itself; no `basicConstraints` but a `keyUsage` with keyCertSign. A certificate it signs
/// is no forgery then (a partner's `openssl req -x509` certificate is CA:TRUE by default, and a
/// server pinning it as its CA rightly takes what it signs). Unparsable: `false`.
pub fn may_issue(der: &CertificateDer<'_>) -> bool {
    let Ok((_, cert)) = x509_parser::parse_x509_certificate(der.as_ref()) else {
        return false;
    };
    // A keyUsage without keyCertSign forbids signing certificates, CA:TRUE or not (OpenSSL's
    // `ku_reject`, Go's `CheckSignatureFrom`).
    if matches!(cert.key_usage(), Ok(Some(ku)) if !ku.value.key_cert_sign()) {
        return false;
    }
    match cert.basic_constraints() {
        Ok(Some(bc)) => bc.value.ca,
        Ok(None) => {
            let v1_self_signed = cert.version() == x509_parser::x509::X509Version::V1
                && cert.subject().as_raw() == cert.issuer().as_raw();
            let signs_certs = matches!(cert.key_usage(), Ok(Some(ku)) if ku.value.key_cert_sign());
            v1_self_signed || signs_certs
        }
        // Two basicConstraints: a verifier refuses the certificate; it issues nothing.
        Err(_) => false,
    }
}

/// `RSA 2048`, `EC 256`, … from a parsed certificate.
pub fn describe_key(cert: &x509_parser::certificate::X509Certificate<'_>) -> String {
    use x509_parser::public_key::PublicKey;
    match cert.public_key().parsed() {
        Ok(PublicKey::RSA(rsa)) => format!("RSA {}", rsa.key_size()),
        // x509-parser sizes a point by its bytes: P-521's 66 read as 528 bits.
        Ok(PublicKey::EC(ec)) => match ec.key_size() {
            528 => "EC 521".to_owned(),
            bits => format!("EC {bits}"),
        },
        Ok(PublicKey::DSA(_)) => "DSA".to_owned(),
        Ok(_) => match cert
            .public_key()
            .algorithm
            .algorithm
            .to_id_string()
            .as_str()
        {
            "1.3.101.112" => "Ed25519".to_owned(),
            "1.3.101.113" => "Ed448".to_owned(),
            other => other.to_owned(),
        },
        Err(_) => "unparsable key".to_owned(),
    }
}

/// Converts an rcgen key pair into the provider's signing key.
pub fn rustls_signing_key(
    key: &KeyPair,
    provider: &CryptoProvider,
) -> Result<Arc<dyn SigningKey>, ScanError> {
    let der = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    provider
        .key_provider
        .load_private_key(der)
        .map_err(|e| ScanError::UnsupportedKey {
            what: "minted key".into(),
            reason: e.to_string(),
        })
}

/// Parameters for a client leaf: CN, clientAuth EKU, digitalSignature, valid from yesterday for a day.
pub fn client_leaf_params(common_name: &str) -> CertificateParams {
    let mut params = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::OrganizationName, "mtls-scan probe");
    dn.push(DnType::CommonName, common_name);
    params.distinguished_name = dn;
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.is_ca = IsCa::ExplicitNoCa;
    // The issuer's key identifier, as real CAs write it: OpenSSL's strict mode (Python 3.13's
    // default context) refuses a certificate without one, whatever else is wrong with it, so an
    // expired certificate would be refused for that and not for its dates.
    params.use_authority_key_identifier_extension = true;
    let now = time::OffsetDateTime::now_utc();
    params.not_before = now - time::Duration::days(1);
    params.not_after = now + time::Duration::days(2);
    params.serial_number = Some(rcgen::SerialNumber::from_slice(&random_serial()));
    params
}

fn random_serial() -> [u8; 16] {
    let mut serial = [0u8; 16];
    // aws-lc-rs's system RNG; on failure fall back to a time-based serial (uniqueness, not secrecy).
    if aws_lc_rs::rand::fill(&mut serial).is_err() {
        let nanos = time::OffsetDateTime::now_utc()
            .unix_timestamp_nanos()
            .to_be_bytes();
        serial = nanos;
    }
    if let Some(first) = serial.first_mut() {
        *first &= 0x7f; // positive INTEGER
    }
    serial
}

/// A certificate authority that signs test identities: one minted on the spot, or the user's
/// staging CA.
pub struct SigningCa {
    issuer: rcgen::Issuer<'static, KeyPair>,
    key_der: Vec<u8>,
    /// The CA certificate (DER).
    pub cert: CertificateDer<'static>,
    /// The CA's subject, RFC 4514.
    pub subject: String,
    /// What every leaf it issues presents after itself: the CA certificate when it is not
    /// self-signed (an intermediate), then the rest of the file it came from. Empty for a minted
    /// (self-signed) CA.
    chain: Vec<CertificateDer<'static>>,
}

impl std::fmt::Debug for SigningCa {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningCa")
            .field("subject", &self.subject)
            .finish_non_exhaustive()
    }
}

impl SigningCa {
    /// Mints a new self-signed CA that nobody trusts.
    pub fn mint(common_name: &str) -> Result<Self, ScanError> {
        Self::mint_with(KeyKind::EcdsaP256, common_name)
    }

    /// Mints a new self-signed CA with this key type.
    pub fn mint_with(kind: KeyKind, common_name: &str) -> Result<Self, ScanError> {
        let now = time::OffsetDateTime::now_utc();
        Self::mint_valid(
            kind,
            common_name,
            now - time::Duration::days(1),
            now + time::Duration::days(7),
        )
    }

    /// Mints a new self-signed CA with this key type, valid from `not_before` to `not_after`.
    pub fn mint_valid(
        kind: KeyKind,
        common_name: &str,
        not_before: time::OffsetDateTime,
        not_after: time::OffsetDateTime,
    ) -> Result<Self, ScanError> {
        let key = kind.generate()?;
        let mut params = CertificateParams::default();
        let mut dn = DistinguishedName::new();
        dn.push(DnType::OrganizationName, "mtls-scan probe");
        dn.push(DnType::CommonName, common_name);
        params.distinguished_name = dn;
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        params.not_before = not_before;
        params.not_after = not_after;
        let cert = params.self_signed(&key)?;
        let subject = summarize(cert.der(), "minted CA")?.subject;
        let key_der = key.serialize_der();
        Ok(Self {
            cert: cert.der().clone(),
            issuer: rcgen::Issuer::new(params, key),
            key_der,
            subject,
            chain: Vec::new(),
        })
    }

    /// Loads a CA from PEM (its certificate and key), e.g. the user's staging CA. The first
    /// certificate of `cert_pem` is the CA's; the leaves it issues are presented with the rest of
    /// the file after them, and with the CA certificate itself first when it is not self-signed
    /// (an intermediate): a server that trusts only the root then builds the path.
    pub fn from_pem(cert_pem: &str, key_pem: &str, what: &str) -> Result<Self, ScanError> {
        let mut certs = parse_certs(cert_pem, what)?.into_iter();
        let cert = certs.next().ok_or_else(|| ScanError::NoCertificate {
            what: what.to_owned(),
        })?;
        let rest: Vec<CertificateDer<'static>> = certs.collect();
        let key_what = key_input(what);
        let key_der = parse_key(key_pem, &key_what)?;
        let key = KeyPair::try_from(&key_der)
            .map_err(|_| unsupported_key(&key_what, &key_kind(&key_der)))?;
        let pair_check = rcgen::PublicKeyData::der_bytes(&key).to_vec();
        let key_der = key.serialize_der();
        let issuer = rcgen::Issuer::from_ca_cert_der(&cert, key).map_err(|e| {
            ScanError::MalformedCertificate {
                what: what.to_owned(),
                reason: e.to_string(),
            }
        })?;
        let (_, parsed) = x509_parser::parse_x509_certificate(cert.as_ref()).map_err(|e| {
            ScanError::MalformedCertificate {
                what: what.to_owned(),
                reason: e.to_string(),
            }
        })?;
        if parsed.public_key().subject_public_key.data.as_ref() != pair_check.as_slice() {
            let keys = std::iter::once(&cert).chain(rest.iter()).map(|c| {
                x509_parser::parse_x509_certificate(c.as_ref())
                    .map(|(_, p)| p.public_key().subject_public_key.data.to_vec())
                    .ok()
            });
            return Err(mismatch(what, Some(pair_check.as_slice()), keys));
        }
        // A leaf given as the CA: every certificate it "issues" would be refused as such, and
        // every refusal read as the staging CA not being trusted. Said at once instead.
        let is_ca = matches!(parsed.basic_constraints(), Ok(Some(bc)) if bc.value.ca);
        if !is_ca {
            return Err(ScanError::MalformedCertificate {
                what: what.to_owned(),
                reason: "not a CA certificate (no basicConstraints CA:TRUE): give the CA that \
                         issues the server's client certificates, not a client certificate"
                    .to_owned(),
            });
        }
        let self_signed = parsed.subject().as_raw() == parsed.issuer().as_raw();
        let subject = summarize(&cert, what)?.subject;
        let chain = (!self_signed)
            .then(|| cert.clone())
            .into_iter()
            .chain(rest)
            .collect();
        Ok(Self {
            issuer,
            cert,
            key_der,
            subject,
            chain,
        })
    }

    /// Whether the leaves it issues are presented with certificates after them (see
    /// [`SigningCa::from_pem`]): an intermediate, or a file with more than the CA. A self-signed
    /// CA given alone presents its leaves alone.
    pub fn presents_chain(&self) -> bool {
        !self.chain.is_empty()
    }

    /// A copy of the CA's key pair (for re-signing spliced certificates).
    pub fn key_pair(&self) -> Result<KeyPair, ScanError> {
        let der = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.key_der.clone()));
        KeyPair::try_from(&der).map_err(ScanError::from)
    }

    /// Signs a leaf for `key` with these parameters.
    pub fn sign_leaf(
        &self,
        params: &CertificateParams,
        key: &KeyPair,
    ) -> Result<rcgen::Certificate, ScanError> {
        Ok(params.signed_by(key, &self.issuer)?)
    }

    /// Issues a client identity with this key type; `params` are typically from
    /// [`client_leaf_params`], adjusted by the probe.
    pub fn issue(
        &self,
        params: &CertificateParams,
        kind: KeyKind,
        origin: &str,
        provider: &CryptoProvider,
    ) -> Result<ClientIdentity, ScanError> {
        self.issue_claiming(params, None, kind, origin, provider)
    }

    /// [`SigningCa::issue`], the leaf claiming `claimed`'s subject and subjectAltName when given
    /// (see [`splice::Impersonated`]), still signed by this CA. The leaf is presented with the
    /// CA's chain (see [`SigningCa::from_pem`]).
    pub fn issue_claiming(
        &self,
        params: &CertificateParams,
        claimed: Option<&splice::Impersonated>,
        kind: KeyKind,
        origin: &str,
        provider: &CryptoProvider,
    ) -> Result<ClientIdentity, ScanError> {
        let key = kind.leaf_key()?;
        let cert = params.signed_by(&key, &self.issuer)?;
        let leaf = match claimed {
            Some(claimed) => claimed.claim(cert.der(), &self.key_pair()?)?.into(),
            None => cert.der().clone(),
        };
        let certified = CertifiedKey::new(
            std::iter::once(leaf)
                .chain(self.chain.iter().cloned())
                .collect(),
            rustls_signing_key(&key, provider)?,
        );
        Ok(ClientIdentity::from_certified(Arc::new(certified), origin)?
            .with_private_key_der(PrivateKeyDer::Pkcs8(key.serialize_der().into())))
    }
}

/// Runs slow, blocking work (RSA key generation, ~80 ms) that a TLS callback needs at once: on a
/// multi-threaded tokio runtime the worker hands its other tasks to another thread first
/// (`block_in_place`), so a probe that waits for a key never stalls the probes beside it; elsewhere
/// (a current-thread runtime, no runtime) it simply runs.
pub fn off_the_worker<T>(work: impl FnOnce() -> T) -> T {
    let multi_threaded = tokio::runtime::Handle::try_current()
        .is_ok_and(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread);
    if multi_threaded {
        tokio::task::block_in_place(work)
    } else {
        work()
    }
}

/// An identity in every key type the servers may ask for: RSA-2048, P-384 and Ed25519 are minted
/// only when a server's signature schemes need them (RSA key generation costs about 80 ms; P-256
/// well under a millisecond). P-256 is made up front from a given CA ([`IdentityPair::issue`]),
/// or on first need along with its CA ([`IdentityPair::minted_on_first_use`]): a scan then starts
/// connecting without waiting for key generation, and a scan whose servers never ask for a
/// certificate mints nothing.
pub struct IdentityPair {
    /// One cell per kind, [`KeyKind::EcdsaP256`] first, then [`KeyKind::LAZY`] in order.
    kinds: [OnceLock<Result<ClientIdentity, String>>; KeyKind::COUNT],
    make: Box<dyn Fn(KeyKind) -> Result<ClientIdentity, ScanError> + Send + Sync>,
    /// The kind made wherever the server accepts it ([`KeyKind::choose_preferring`]).
    preferred: Option<KeyKind>,
}

impl std::fmt::Debug for IdentityPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdentityPair")
            .field("ec", &self.kinds[0].get())
            .finish_non_exhaustive()
    }
}

impl IdentityPair {
    /// Issues from `ca` with `params`: the P-256 identity now (so a CA that cannot issue is an
    /// error at once), the other kinds on first use.
    pub fn issue(
        ca: Arc<SigningCa>,
        params: CertificateParams,
        origin: &str,
        provider: Arc<CryptoProvider>,
    ) -> Result<Self, ScanError> {
        Self::issue_claiming(ca, params, None, origin, provider)
    }

    /// [`IdentityPair::issue`], every leaf claiming `claimed`'s subject and subjectAltName when
    /// given ([`SigningCa::issue_claiming`]).
    pub fn issue_claiming(
        ca: Arc<SigningCa>,
        params: CertificateParams,
        claimed: Option<splice::Impersonated>,
        origin: &str,
        provider: Arc<CryptoProvider>,
    ) -> Result<Self, ScanError> {
        let ec = ca.issue_claiming(
            &params,
            claimed.as_ref(),
            KeyKind::EcdsaP256,
            origin,
            &provider,
        )?;
        let origin = origin.to_owned();
        let pair = Self {
            kinds: Default::default(),
            preferred: None,
            make: Box::new(move |kind| {
                ca.issue_claiming(&params, claimed.as_ref(), kind, &origin, &provider)
            }),
        };
        let _ = pair.kinds[0].set(Ok(ec));
        Ok(pair)
    }

    /// Mints a CA named `ca_name` and issues from it with `params`, every kind on first use (the
    /// CA with the first). A failure is kept and given to every use as the reason.
    pub fn minted_on_first_use(
        ca_name: &str,
        params: CertificateParams,
        origin: &str,
        provider: Arc<CryptoProvider>,
    ) -> Self {
        let ca_name = ca_name.to_owned();
        let origin = origin.to_owned();
        let ca: OnceLock<Result<SigningCa, String>> = OnceLock::new();
        Self {
            kinds: Default::default(),
            preferred: None,
            make: Box::new(move |kind| {
                let ca = ca
                    .get_or_init(|| SigningCa::mint(&ca_name).map_err(|e| e.to_string()))
                    .as_ref()
                    .map_err(|reason| ScanError::MintFailed(reason.clone()))?;
                ca.issue(&params, kind, &origin, &provider)
            }),
        }
    }

    /// A self-signed leaf with `params` (its own issuer: no CA at all), every kind on first use;
    /// claiming `claimed`'s subject and subjectAltName when given (its issuer then that subject
    /// too, so it stays self-signed). A failure is kept and given to every use as the reason.
    pub fn self_signed_on_first_use(
        params: CertificateParams,
        claimed: Option<splice::Impersonated>,
        origin: &str,
        provider: Arc<CryptoProvider>,
    ) -> Self {
        let origin = origin.to_owned();
        Self {
            kinds: Default::default(),
            preferred: None,
            make: Box::new(move |kind| {
                let key = kind.leaf_key()?;
                let cert = params.self_signed(&key)?;
                let leaf: CertificateDer<'static> = match &claimed {
                    Some(claimed) => claimed.claim_self_signed(cert.der(), &key)?.into(),
                    None => cert.der().clone(),
                };
                let certified = CertifiedKey::new(vec![leaf], rustls_signing_key(&key, &provider)?);
                Ok(
                    ClientIdentity::from_certified(Arc::new(certified), &origin)?
                        .with_private_key_der(PrivateKeyDer::Pkcs8(key.serialize_der().into())),
                )
            }),
        }
    }

    /// The same pair, making `preferred` (the kind of the user's own certificate) wherever the
    /// server accepts it.
    pub fn preferring(mut self, preferred: Option<KeyKind>) -> Self {
        self.preferred = preferred;
        self
    }

    /// The identity whose key type the server's signature schemes accept, or why it could not
    /// be made.
    pub fn for_schemes(&self, schemes: &[SignatureScheme]) -> Result<ClientIdentity, String> {
        let kind = KeyKind::choose_preferring(schemes, self.preferred);
        let index = kind.lazy_index().map_or(0, |i| i + 1);
        let Some(cell) = self.kinds.get(index) else {
            return Err(format!("no {} identity", kind.label()));
        };
        let make =
            || (self.make)(kind).map_err(|e| format!("minting an {} identity: {e}", kind.label()));
        // P-256 takes well under a millisecond: made in place. The others, off the worker.
        match kind {
            KeyKind::EcdsaP256 => cell.get_or_init(make),
            _ => cell.get_or_init(|| off_the_worker(make)),
        }
        .clone()
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_subject_is_spelled_as_servers_print_it() {
        let all = dn_spellings("O=mtls-scan tests, CN=test-client");
        for form in [
            "CN=test-client,O=mtls-scan tests",
            "/O=mtls-scan tests/CN=test-client",
            "CN=test-client, O=mtls-scan tests",
            "O=mtls-scan tests, CN=test-client",
            "O=mtls-scan tests,CN=test-client",
            "O = mtls-scan tests, CN = test-client",
        ] {
            assert!(all.iter().any(|f| f == form), "{form}: {all:?}");
        }
    }

    use super::*;

    fn provider() -> Arc<CryptoProvider> {
        Arc::new(rustls::crypto::aws_lc_rs::default_provider())
    }

    /// Certificates a verifier may take as an issuer, and end-entity ones it may not.
    #[test]
    fn may_issue_reads_basic_constraints_and_key_usage() {
        let key = KeyPair::generate().unwrap();
        let der = |bc: rcgen::IsCa, usages: Vec<rcgen::KeyUsagePurpose>| {
            let mut params = CertificateParams::new(vec!["x.test".to_owned()]).unwrap();
            params.is_ca = bc;
            params.key_usages = usages;
            params.self_signed(&key).unwrap().der().clone()
        };
        let ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        assert!(may_issue(&der(ca, Vec::new())));
        let signs_not = vec![rcgen::KeyUsagePurpose::DigitalSignature];
        assert!(!may_issue(&der(ca, signs_not)));
        assert!(!may_issue(&der(rcgen::IsCa::ExplicitNoCa, Vec::new())));
        assert!(!may_issue(&der(rcgen::IsCa::NoCa, Vec::new())));
        let signs = vec![rcgen::KeyUsagePurpose::KeyCertSign];
        assert!(may_issue(&der(rcgen::IsCa::NoCa, signs)));
        let digital = vec![rcgen::KeyUsagePurpose::DigitalSignature];
        assert!(!may_issue(&der(rcgen::IsCa::NoCa, digital)));
        assert!(!may_issue(&CertificateDer::from(vec![
            0x30, 0x03, 0x02, 0x01, 0x00
        ])));
    }

    /// An Ed448 key (PKCS#8, as `openssl genpkey -algorithm ed448` writes it) is named as such,
    /// with the kinds the scan takes.
    #[test]
    fn an_unsupported_key_is_named() {
        let mut der = vec![
            0x30, 0x47, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x71,
        ];
        der.extend([0x04, 0x3b, 0x04, 0x39]);
        der.extend([7u8; 57]);
        let pem = ::pem::encode(&::pem::Pem::new("PRIVATE KEY", der));
        let err = load_signing_key(&pem, "client-key", &provider())
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("an Ed448 key"), "{err}");
        assert!(err.contains("P-521, and Ed25519"), "{err}");
        assert!(!err.contains("unexpected error"), "{err}");
    }

    /// A certificate in OpenSSL's trusted form (`x509 -trustout -addtrust clientAuth`) before a
    /// plain one: both read, in order, the first without its trust settings.
    #[test]
    fn trusted_form_certificates_are_read_in_order() {
        let key = KeyPair::generate().unwrap();
        let cert = |name: &str| {
            CertificateParams::new(vec![name.to_owned()])
                .unwrap()
                .self_signed(&key)
                .unwrap()
                .der()
                .clone()
        };
        let (leaf, next) = (cert("leaf.test"), cert("next.test"));
        // The trust settings OpenSSL appends: X509_CERT_AUX { trust: SEQUENCE OF OID clientAuth }.
        let aux = [
            0x30, 0x0c, 0x30, 0x0a, 0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x02,
        ];
        let trusted = ::pem::Pem::new("TRUSTED CERTIFICATE", [leaf.as_ref(), &aux].concat());
        let plain = ::pem::Pem::new("CERTIFICATE", next.as_ref().to_vec());
        let text = format!("{}{}", ::pem::encode(&trusted), ::pem::encode(&plain));
        let certs = parse_certs(&text, "client-cert").unwrap();
        assert_eq!(certs, vec![leaf, next]);
    }

    #[test]
    fn slow_work_runs_without_a_runtime() {
        assert_eq!(off_the_worker(|| 7), 7);
    }

    #[tokio::test]
    async fn slow_work_runs_on_a_current_thread_runtime() {
        assert_eq!(off_the_worker(|| 7), 7);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn rsa_keys_are_made_off_the_worker_on_a_multi_threaded_runtime() {
        let made = tokio::spawn(async { off_the_worker(|| KeyKind::Rsa2048.generate()).is_ok() });
        assert!(matches!(made.await, Ok(true)));
    }

    /// RSA leaves share one key per process (each generation costs ~100 ms: an RSA client-cert
    /// made the scan's own certificates RSA, 0.4 → 1.5 s per scan); every other kind, and
    /// `generate`, stay fresh.
    #[test]
    fn rsa_leaves_share_one_key_and_the_rest_are_fresh() -> Result<(), ScanError> {
        let public = |k: KeyPair| rcgen::PublicKeyData::der_bytes(&k).to_vec();
        assert_eq!(
            public(KeyKind::Rsa2048.leaf_key()?),
            public(KeyKind::Rsa2048.leaf_key()?)
        );
        assert_ne!(
            public(KeyKind::Rsa2048.leaf_key()?),
            public(KeyKind::Rsa2048.generate()?)
        );
        assert_ne!(
            public(KeyKind::EcdsaP256.leaf_key()?),
            public(KeyKind::EcdsaP256.leaf_key()?)
        );
        Ok(())
    }

    #[test]
    fn key_choice_prefers_p256_then_p384_then_rsa_and_the_users_kind_where_accepted() {
        use SignatureScheme as S;
        assert_eq!(
            KeyKind::choose(&[S::RSA_PSS_SHA256, S::ECDSA_NISTP256_SHA256]),
            KeyKind::EcdsaP256
        );
        assert_eq!(
            KeyKind::choose(&[S::RSA_PKCS1_SHA256, S::RSA_PSS_SHA256]),
            KeyKind::Rsa2048
        );
        assert_eq!(KeyKind::choose(&[]), KeyKind::EcdsaP256);
        assert_eq!(
            KeyKind::choose(&[S::ED25519, S::ECDSA_NISTP384_SHA384]),
            KeyKind::EcdsaP384
        );
        assert_eq!(KeyKind::choose(&[S::ED25519]), KeyKind::Ed25519);
        // OpenSSL at security level 4: P-384 and RSA listed, an RSA-2048 key refused for its size.
        assert_eq!(
            KeyKind::choose(&[S::ECDSA_NISTP384_SHA384, S::RSA_PSS_SHA256]),
            KeyKind::EcdsaP384
        );
        // The user's kind where it is accepted, else the usual choice.
        let all = [
            S::ECDSA_NISTP256_SHA256,
            S::ECDSA_NISTP384_SHA384,
            S::RSA_PSS_SHA256,
        ];
        assert_eq!(
            KeyKind::choose_preferring(&all, Some(KeyKind::EcdsaP384)),
            KeyKind::EcdsaP384
        );
        assert_eq!(
            KeyKind::choose_preferring(&all, Some(KeyKind::Rsa2048)),
            KeyKind::Rsa2048
        );
        assert_eq!(
            KeyKind::choose_preferring(&all, Some(KeyKind::Ed25519)),
            KeyKind::EcdsaP256
        );
        assert_eq!(
            KeyKind::choose_preferring(&[], Some(KeyKind::Ed25519)),
            KeyKind::Ed25519
        );
        // Nothing we can make: P-256, which the transport then reports as not presentable.
        assert_eq!(
            KeyKind::choose(&[S::ECDSA_NISTP521_SHA512]),
            KeyKind::EcdsaP256
        );
    }

    #[test]
    fn minted_identity_is_described_without_key_material() -> Result<(), ScanError> {
        let ca = Arc::new(SigningCa::mint("Unknown CA")?);
        let pair = IdentityPair::issue(
            ca.clone(),
            client_leaf_params("probe"),
            "minted",
            provider(),
        )?;
        let ec = pair
            .for_schemes(&[SignatureScheme::ECDSA_NISTP256_SHA256])
            .map_err(ScanError::MintFailed)?;
        assert_eq!(ec.summary.issuer, ca.subject);
        assert_eq!(ec.summary.key, "EC 256");
        assert_eq!(ec.summary.sha256.len(), 64);
        let rsa = pair
            .for_schemes(&[SignatureScheme::RSA_PSS_SHA256])
            .map_err(ScanError::MintFailed)?;
        assert_eq!(rsa.summary.key, "RSA 2048");
        assert!(!format!("{ec:?}").contains("PRIVATE"));
        assert!(ec.private_key_der().is_some() && rsa.private_key_der().is_some());
        // P-384 and Ed25519 for servers that accept nothing else; each can sign what it was
        // chosen for (the transport checks exactly this before presenting).
        for (scheme, key) in [
            (SignatureScheme::ECDSA_NISTP384_SHA384, "EC 384"),
            (SignatureScheme::ED25519, "Ed25519"),
        ] {
            let id = pair.for_schemes(&[scheme]).map_err(ScanError::MintFailed)?;
            assert!(id.summary.key.starts_with(key), "{}", id.summary.key);
            assert!(id.certified.key.choose_scheme(&[scheme]).is_some(), "{key}");
        }
        Ok(())
    }

    #[test]
    fn an_identity_minted_on_first_use_mints_nothing_before() -> Result<(), ScanError> {
        let pair = IdentityPair::minted_on_first_use(
            "Lazy CA",
            client_leaf_params("probe"),
            "minted",
            provider(),
        );
        assert!(pair.kinds.iter().all(|k| k.get().is_none()));
        let ec = pair
            .for_schemes(&[SignatureScheme::ECDSA_NISTP256_SHA256])
            .map_err(ScanError::MintFailed)?;
        assert!(pair.kinds[0].get().is_some() && pair.kinds[1].get().is_none());
        // The same identity each time, and every kind from the one CA minted with the first.
        let again = pair
            .for_schemes(&[SignatureScheme::ECDSA_NISTP256_SHA256])
            .map_err(ScanError::MintFailed)?;
        assert_eq!(ec.summary.sha256, again.summary.sha256);
        let p384 = pair
            .for_schemes(&[SignatureScheme::ECDSA_NISTP384_SHA384])
            .map_err(ScanError::MintFailed)?;
        assert!(
            ec.summary.issuer.contains("CN=Lazy CA"),
            "{}",
            ec.summary.issuer
        );
        assert_eq!(p384.summary.issuer, ec.summary.issuer);
        assert_ne!(p384.summary.sha256, ec.summary.sha256);
        Ok(())
    }

    /// A staging CA that is an intermediate, its file holding it then the root: every leaf it
    /// issues is presented with the intermediate and the root after it (a server that trusts the
    /// root alone builds the path). A self-signed CA adds nothing. A leaf issued claiming
    /// another identity carries its subject and subjectAltName and is still the CA's.
    #[test]
    fn a_staging_leaf_carries_the_chain_and_the_claimed_identity() -> Result<(), ScanError> {
        let root = SigningCa::mint("Root CA")?;
        let (int, int_key) = intermediate(&root, "Staging Intermediate")?;
        let file = format!("{}{}", int.pem(), pem_of(&root.cert));
        let ca = SigningCa::from_pem(&file, &int_key.serialize_pem(), "issuing-ca-cert")?;
        let mut claimed_params = client_leaf_params("service-a");
        claimed_params.subject_alt_names = vec![rcgen::SanType::DnsName(
            "service-a.internal"
                .try_into()
                .map_err(|e: rcgen::Error| ScanError::MintFailed(e.to_string()))?,
        )];
        let valid = root.sign_leaf(&claimed_params, &KeyKind::EcdsaP256.generate()?)?;
        let claimed = splice::Impersonated::of(valid.der()).ok_or(ScanError::NoTrustAnchors)?;
        let id = ca.issue_claiming(
            &client_leaf_params("mtls-scan staging client"),
            Some(&claimed),
            KeyKind::EcdsaP256,
            "staging",
            &provider(),
        )?;
        let chain = &id.certified.cert;
        assert_eq!(chain.len(), 3);
        assert_eq!(chain.get(1), Some(int.der()));
        assert_eq!(chain.get(2), Some(&root.cert));
        let leaf = chain.first().ok_or(ScanError::NoTrustAnchors)?;
        let subject_of = |der: &[u8]| {
            x509_parser::parse_x509_certificate(der)
                .map(|(_, c)| c.subject().as_raw().to_vec())
                .map_err(|e| ScanError::MintFailed(e.to_string()))
        };
        let (_, leaf_cert) = x509_parser::parse_x509_certificate(leaf.as_ref())
            .map_err(|e| ScanError::MintFailed(e.to_string()))?;
        assert_eq!(
            leaf_cert.subject().as_raw(),
            subject_of(valid.der())?.as_slice()
        );
        assert!(leaf_cert
            .subject_alternative_name()
            .ok()
            .flatten()
            .is_some_and(|s| format!("{:?}", s.value).contains("service-a.internal")));
        let (_, int_cert) = x509_parser::parse_x509_certificate(int.der())
            .map_err(|e| ScanError::MintFailed(e.to_string()))?;
        assert!(leaf_cert
            .verify_signature(Some(int_cert.public_key()))
            .is_ok());
        // A self-signed CA: the leaf alone.
        let plain = SigningCa::from_pem(
            &pem_of(&root.cert),
            &root.key_pair()?.serialize_pem(),
            "issuing-ca-cert",
        )?;
        let alone = plain.issue(
            &client_leaf_params("x"),
            KeyKind::EcdsaP256,
            "staging",
            &provider(),
        )?;
        assert_eq!(alone.certified.cert.len(), 1);
        Ok(())
    }

    /// An intermediate CA named `name` under `root`: its certificate and key.
    fn intermediate(
        root: &SigningCa,
        name: &str,
    ) -> Result<(rcgen::Certificate, KeyPair), ScanError> {
        let key = KeyKind::EcdsaP256.generate()?;
        let mut params = CertificateParams::default();
        params.distinguished_name.push(DnType::CommonName, name);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        Ok((root.sign_leaf(&params, &key)?, key))
    }

    fn pem_of(der: &CertificateDer<'_>) -> String {
        use base64::Engine as _;
        let b64 = base64::engine::general_purpose::STANDARD.encode(der.as_ref());
        format!("-----BEGIN CERTIFICATE-----\n{b64}\n-----END CERTIFICATE-----\n")
    }

    #[test]
    fn mismatched_pem_pair_is_refused() -> Result<(), ScanError> {
        let ca = SigningCa::mint("CA")?;
        let a = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)?;
        let b = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)?;
        let cert = client_leaf_params("x").signed_by(&a, &ca.issuer)?;
        let ok = ClientIdentity::from_pem(&cert.pem(), &a.serialize_pem(), "ok", &provider());
        assert!(ok.is_ok());
        let bad =
            ClientIdentity::from_pem(&cert.pem(), &b.serialize_pem(), "--client-key", &provider());
        assert!(matches!(bad, Err(ScanError::KeyMismatch { .. })));
        // A PEM block that is no certificate: the certificate is named, not the key.
        let junk = "-----BEGIN CERTIFICATE-----\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n-----END CERTIFICATE-----\n";
        let unread = ClientIdentity::from_pem(junk, &a.serialize_pem(), "client-cert", &provider());
        assert!(
            matches!(unread, Err(ScanError::MalformedCertificate { .. })),
            "{unread:?}"
        );
        // The leaf's key, the file in the wrong order (its CA first): said which certificate the
        // key is, for the client identity and for the staging CA alike (an audit's files).
        let reversed = format!("{}{}", pem_of(&ca.cert), cert.pem());
        let late =
            ClientIdentity::from_pem(&reversed, &a.serialize_pem(), "client-cert", &provider());
        assert!(
            matches!(
                late,
                Err(ScanError::KeyBelongsToLater {
                    position: 2,
                    count: 2,
                    ..
                })
            ),
            "{late:?}"
        );
        let root = SigningCa::mint("Root")?;
        let (int, int_key) = intermediate(&root, "Intermediate")?;
        let staging_reversed = format!("{}{}", pem_of(&root.cert), int.pem());
        let staging = SigningCa::from_pem(
            &staging_reversed,
            &int_key.serialize_pem(),
            "issuing-ca-cert",
        );
        assert!(
            matches!(
                staging,
                Err(ScanError::KeyBelongsToLater { position: 2, .. })
            ),
            "{staging:?}"
        );
        Ok(())
    }

    /// A client certificate given as the staging CA is refused at once (exit 2), never read
    /// as "the staging CA is not trusted" on every target.
    #[test]
    fn a_leaf_is_no_staging_ca() -> Result<(), ScanError> {
        let ca = SigningCa::mint("CA")?;
        let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)?;
        let leaf = client_leaf_params("x").signed_by(&key, &ca.issuer)?;
        let e = SigningCa::from_pem(&leaf.pem(), &key.serialize_pem(), "issuing-ca-cert")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("not a CA certificate"), "{e}");
        Ok(())
    }

    /// An error about the key names the key's input, and says when the key is encrypted.
    #[test]
    fn a_bad_key_is_named_as_the_key() -> Result<(), ScanError> {
        let ca = SigningCa::mint("CA")?;
        let a = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)?;
        let cert = client_leaf_params("x").signed_by(&a, &ca.issuer)?;
        let encrypted =
            "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIB\n-----END ENCRYPTED PRIVATE KEY-----\n";
        let err = |key: &str| {
            ClientIdentity::from_pem(&cert.pem(), key, "client-cert", &provider())
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default()
        };
        let e = err(encrypted);
        assert!(
            e.starts_with("client-key: the private key is encrypted"),
            "{e}"
        );
        let e = err(&cert.pem());
        assert!(e.starts_with("client-key: no PEM private key found"), "{e}");
        Ok(())
    }
}
