//! Forging: a certificate whose issuer Name is copied byte for byte from a CA name the server
//! advertised, signed by our own key. rcgen's `DistinguishedName` cannot hold repeated attributes
//! or multi-valued RDNs, so the DER Name is spliced into an rcgen-made certificate with
//! RustCrypto's `x509-cert`, and the TBS is signed again.

use std::sync::{Arc, OnceLock};

use rcgen::KeyPair;
use rustls::crypto::CryptoProvider;
use rustls::sign::CertifiedKey;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

use crate::error::ScanError;
use crate::identity::splice::{claim_rsa_signature, forge_err, splice};
pub use crate::identity::splice::{splice_issuer, Impersonated};
use crate::identity::{
    client_leaf_params, off_the_worker, rustls_signing_key, ClientIdentity, KeyKind, SigningCa,
};

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
    /// The Ed25519 signer (forgeries without a key identifier of an Ed25519 CA's names).
    ed: OnceLock<Result<(SigningCa, KeyPair), String>>,
    /// The leaf key of each kind (indexed as [`leaf_index`]) and its rustls signing key.
    leaves: [OnceLock<Result<LeafKey, String>>; KeyKind::COUNT],
    /// The identity the forged certificates claim, when the scan has a valid one.
    claimed: Option<Impersonated>,
    /// The key kind made wherever the server accepts it (the user's certificate's).
    preferred: Option<KeyKind>,
    /// The certificates forged so far, by issuer name and key kind: the same name on another
    /// TLS version (or target of the same CA) presents the same certificate, two signatures
    /// fewer. At most [`FORGED_KEPT`].
    forged: std::sync::Mutex<Vec<ForgedKept>>,
}

/// A forged certificate kept for reuse: its issuer name, key kind, link, and the identity.
type ForgedKept = (Vec<u8>, KeyKind, Linked, ClientIdentity);

/// Whether a forged certificate's authority key identifier names our key, or it has none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Linked {
    /// It names our key: OpenSSL finds no issuer (error 20).
    ToOurKey,
    /// None: OpenSSL finds the real CA by name and fails on the signature (error 7), if our
    /// signature's algorithm is the real CA key's kind ([`SignatureKind`]); OpenSSL 3 does not
    /// take a CA of another key kind for the issuer (20).
    No(SignatureKind),
}

/// The kind of signature a forgery without a key identifier carries: that of the real CA's key,
/// for OpenSSL to take that CA for its issuer and fail on the signature itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum SignatureKind {
    /// ECDSA (our P-256 key): a CA with an EC key of any curve.
    Ec,
    /// RSA PKCS#1 (claimed: our P-256 signature relabelled, no RSA key made).
    Rsa,
    /// Ed25519 (our Ed25519 key).
    Ed25519,
}

impl SignatureKind {
    /// The kind of a signature algorithm (dotted OID), for the CA that made it: ECDSA, RSA
    /// (PKCS#1 or PSS), Ed25519; `None` for another.
    pub fn of_signature_oid(oid: &str) -> Option<SignatureKind> {
        if oid.starts_with("1.2.840.113549.1.1.") {
            Some(SignatureKind::Rsa)
        } else if oid.starts_with("1.2.840.10045.4.") {
            Some(SignatureKind::Ec)
        } else if oid == "1.3.101.112" {
            Some(SignatureKind::Ed25519)
        } else {
            None
        }
    }

    /// The kind a CA key (its SubjectPublicKeyInfo algorithm, dotted OID) signs with.
    pub fn of_key_oid(oid: &str) -> Option<SignatureKind> {
        match oid {
            "1.2.840.113549.1.1.1" | "1.2.840.113549.1.1.10" => Some(SignatureKind::Rsa),
            "1.2.840.10045.2.1" => Some(SignatureKind::Ec),
            "1.3.101.112" => Some(SignatureKind::Ed25519),
            _ => None,
        }
    }
}

/// The origin of [`Forger::unknown_ca_claiming`]'s certificates.
const UNKNOWN_CA_CLAIMING: &str = "minted: unknown CA, the valid certificate's subject";

/// The origin of [`Forger::unknown_ca_with_its_ca`]'s certificate: what renderers recognise it by
/// ([`WITH_ITS_CA_MARK`]).
const WITH_ITS_CA: &str = "minted: unknown CA, sent with that CA's certificate in the chain";
const WITH_ITS_CA_CLAIMING: &str =
    "minted: unknown CA, the valid certificate's subject, sent with \
                                    that CA's certificate in the chain";

/// What the origin of a certificate sent with its own (unknown) CA's certificate contains.
pub const WITH_ITS_CA_MARK: &str = "sent with that CA's certificate";

/// The origin of [`Forger::unknown_ca_with_trusted_ca`]'s certificate ([`WITH_TRUSTED_CA_MARK`]).
const WITH_TRUSTED_CA: &str = "minted: unknown CA, sent with the server's client CA certificate \
                               in the chain (after the unknown CA's own)";
const WITH_TRUSTED_CA_CLAIMING: &str = "minted: unknown CA, the valid certificate's subject, sent \
                                        with the server's client CA certificate in the chain \
                                        (after the unknown CA's own)";

/// What the origin of a certificate sent with the server's own client CA certificate contains.
pub const WITH_TRUSTED_CA_MARK: &str = "sent with the server's client CA certificate";

/// The origin of [`Forger::unknown_ca_with_valid`]'s certificate ([`WITH_VALID_CERT_MARK`]).
const WITH_VALID_CERT: &str = "minted: unknown CA, sent with a valid certificate (its key not \
                               used) after it in the chain";
const WITH_VALID_CERT_CLAIMING: &str = "minted: unknown CA, the valid certificate's subject, sent \
                                        with a valid certificate (its key not used) after it in \
                                        the chain";

/// What an origin says where a valid client certificate follows the leaf, its key unused.
pub const WITH_VALID_CERT_MARK: &str = "sent with a valid certificate (its key not used)";

/// The origin of [`Forger::forge_followed_by`]'s certificate ([`WITH_TRUSTED_CA_MARK`]).
const FORGED_WITH_TRUSTED_CA: &str =
    "forged: advertised CA name, our signature, sent with the server's client CA certificate in \
     the chain";
const FORGED_WITH_TRUSTED_CA_CLAIMING: &str =
    "forged: advertised CA name, the valid certificate's \
                                               subject, our signature, sent with the server's \
                                               client CA certificate in the chain";

/// The origin of [`Forger::forge_naming_key_id`]'s certificate.
const FORGED_NAMING_KEY_ID: &str =
    "forged: advertised CA name, that CA's key identifier, our signature";
const FORGED_NAMING_KEY_ID_CLAIMING: &str =
    "forged: advertised CA name, that CA's key identifier, \
                                             the valid certificate's subject, our signature";

/// What the origin of a forgery sent with a self-signed CA certificate of ours that carries the
/// copied name ([`Forger::forge_with_impostor`]) contains.
pub const WITH_IMPOSTOR_CA_MARK: &str = "sent with a self-signed CA certificate of that name";

/// The origin of [`Forger::forge_with_impostor`]'s certificate ([`WITH_IMPOSTOR_CA_MARK`]).
const FORGED_WITH_IMPOSTOR_CA: &str =
    "forged: advertised CA name, our signature, sent with a self-signed CA certificate of that \
     name (our key) in the chain";
const FORGED_WITH_IMPOSTOR_CA_CLAIMING: &str =
    "forged: advertised CA name, the valid certificate's subject, our signature, sent with a \
     self-signed CA certificate of that name (our key) in the chain";

/// Forged certificates a [`Forger`] keeps for reuse (the names a scan meets are few).
const FORGED_KEPT: usize = 16;

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
            ed: OnceLock::new(),
            leaves: Default::default(),
            claimed: None,
            preferred: None,
            forged: Default::default(),
        }
    }

    /// The same, making `preferred` (the kind of the user's own certificate) wherever the
    /// server accepts it: a forgery must be refused for being forged, not for its key kind.
    pub fn preferring(mut self, preferred: Option<KeyKind>) -> Self {
        self.preferred = preferred;
        self
    }

    /// The key kind of a certificate presented to a server accepting `schemes`
    /// ([`KeyKind::choose_preferring`] with this forger's preference).
    pub fn kind_for(&self, schemes: &[rustls::SignatureScheme]) -> KeyKind {
        KeyKind::choose_preferring(schemes, self.preferred)
    }

    /// The same, its certificates claiming `claimed`'s subject, names and serial number (see
    /// [`Impersonated`], [`Impersonated::with_serial`]).
    pub fn claiming(mut self, claimed: Option<Impersonated>) -> Self {
        self.claimed = claimed.map(Impersonated::with_serial);
        self
    }

    fn signer(kind: KeyKind) -> Result<(SigningCa, KeyPair), String> {
        let made = || -> Result<(SigningCa, KeyPair), ScanError> {
            let ca = SigningCa::mint_with(kind, "mtls-scan forger")?;
            let key = ca.key_pair()?;
            Ok((ca, key))
        };
        // RSA key generation takes about 80 ms: off the worker. P-256 is made in place.
        if kind.is_rsa() {
            off_the_worker(made)
        } else {
            made()
        }
        .map_err(|e| e.to_string())
    }

    fn leaf_key(&self, kind: KeyKind) -> Result<&LeafKey, ScanError> {
        let cell = self
            .leaves
            .get(leaf_index(kind))
            .ok_or_else(|| forge_err(format!("no {} leaf key", kind.label())))?;
        cell.get_or_init(|| {
            let pair = if kind.is_rsa() {
                off_the_worker(|| kind.leaf_key())
            } else {
                kind.leaf_key()
            }
            .map_err(|e| e.to_string())?;
            let signing = rustls_signing_key(&pair, &self.provider).map_err(|e| e.to_string())?;
            Ok(LeafKey { pair, signing })
        })
        .as_ref()
        .map_err(|reason| forge_err(reason.clone()))
    }

    /// Whether its certificates claim a valid identity's subject and names.
    pub fn claims(&self) -> bool {
        self.claimed.is_some()
    }

    /// A leaf from our own CA (which nobody trusts), claiming the valid identity's subject and
    /// names: a certificate from an unknown CA that says it is the valid client. A TLS layer that
    /// lets any CA through before an application that reads only the subject lets it in (Node
    /// `rejectUnauthorized: false` + a CN check), where the forged leaf, naming a CA the server
    /// knows with a signature that fails, is often dropped by the connection instead.
    pub fn unknown_ca_claiming(&self, kind: KeyKind) -> Result<ClientIdentity, ScanError> {
        let (ca, _) = self
            .signer_of(kind)
            .as_ref()
            .map_err(|reason| forge_err(reason.clone()))?;
        let (_, ca_cert) =
            x509_parser::parse_x509_certificate(ca.cert.as_ref()).map_err(forge_err)?;
        let own_name = ca_cert.tbs_certificate.subject.as_raw().to_vec();
        self.forge_as(&own_name, kind, UNKNOWN_CA_CLAIMING, Linked::ToOurKey)
    }

    /// [`Forger::unknown_ca_claiming`] (claiming only where the forger claims), sent with our CA's
    /// own self-signed certificate after it: OpenSSL then stops at "self-signed certificate in
    /// certificate chain" (error 19) instead of "unable to get local issuer certificate" (20), and
    /// a layer that forgives errors above the leaf (HAProxy `ca-ignore-err all`), a verify
    /// callback that tolerates 19 (partners who send their root), or a verifier that takes the
    /// client's chain as roots (Go `VerifyPeerCertificate` adding it to `Roots`) lets it in.
    pub fn unknown_ca_with_its_ca(&self, kind: KeyKind) -> Result<ClientIdentity, ScanError> {
        let (ca, _) = self
            .signer_of(kind)
            .as_ref()
            .map_err(|reason| forge_err(reason.clone()))?;
        let origin = if self.claims() {
            WITH_ITS_CA_CLAIMING
        } else {
            WITH_ITS_CA
        };
        self.unknown_ca_followed_by(kind, &ca.cert.clone(), origin)
    }

    /// [`Forger::unknown_ca_claiming`], sent with its CA's certificate and then `trusted`, a
    /// certificate of the client CA the server trusts, after it: a verifier that trusts a chain
    /// for ending in its CA's certificate (a Go `VerifyPeerCertificate` or Java trust manager
    /// comparing the top of the chain with the CA) lets it in, whether it checks nothing else or
    /// the leaf's signature by the certificate after it too (its own CA's: an audit's Go
    /// verifier let `[leaf, its CA, client CA]` in while `[leaf, client CA]` was refused: A,
    /// exit 0). The link between our CA and the client CA is never checked by such a verifier.
    pub fn unknown_ca_with_trusted_ca(
        &self,
        kind: KeyKind,
        trusted: &CertificateDer<'static>,
    ) -> Result<ClientIdentity, ScanError> {
        let origin = if self.claims() {
            WITH_TRUSTED_CA_CLAIMING
        } else {
            WITH_TRUSTED_CA
        };
        let (ca, _) = self
            .signer_of(kind)
            .as_ref()
            .map_err(|reason| forge_err(reason.clone()))?;
        let leaf = self.unknown_ca_claiming(kind)?;
        let with_its_ca = followed_by(&leaf, &ca.cert.clone(), origin)?;
        followed_by(&with_its_ca, trusted, origin)
    }

    /// [`Forger::unknown_ca_claiming`], sent with `valid`, the chain of a certificate the server
    /// accepts (public: sent in the clear on TLS 1.2), after it; the key that signs the handshake
    /// is the leaf's own, never the valid certificate's. A verifier that lets a chain in when any
    /// end-entity certificate in it verifies, and takes the client's identity from the first (an
    /// audit's Go `VerifyPeerCertificate` with an allowlist of subjects: A, exit 0), lets anyone
    /// in who has seen the valid certificate.
    pub fn unknown_ca_with_valid(
        &self,
        kind: KeyKind,
        valid: &[CertificateDer<'static>],
    ) -> Result<ClientIdentity, ScanError> {
        let origin = if self.claims() {
            WITH_VALID_CERT_CLAIMING
        } else {
            WITH_VALID_CERT
        };
        let mut made = self.unknown_ca_claiming(kind)?;
        for cert in valid {
            made = followed_by(&made, cert, origin)?;
        }
        Ok(made)
    }

    fn unknown_ca_followed_by(
        &self,
        kind: KeyKind,
        then: &CertificateDer<'static>,
        origin: &str,
    ) -> Result<ClientIdentity, ScanError> {
        let leaf = self.unknown_ca_claiming(kind)?;
        followed_by(&leaf, then, origin)
    }

    /// [`Forger::forge`], sent with `trusted`, the certificate of the CA whose name it copies,
    /// after it: a verifier that takes a CA certificate the client sends for the trust anchor
    /// (Erlang `partial_chain` claiming the last certificate of the chain as trusted) lets it in,
    /// where the forgery alone, whose key identifier names no CA it knows, was refused.
    pub fn forge_followed_by(
        &self,
        issuer_name_der: &[u8],
        kind: KeyKind,
        trusted: &CertificateDer<'static>,
    ) -> Result<ClientIdentity, ScanError> {
        let leaf = self.forge(issuer_name_der, kind)?;
        let origin = if self.claims() {
            FORGED_WITH_TRUSTED_CA_CLAIMING
        } else {
            FORGED_WITH_TRUSTED_CA
        };
        followed_by(&leaf, trusted, origin)
    }

    /// [`Forger::forge`] with its authority key identifier naming `ca`, the real CA whose name it
    /// copies (`ca`'s subject key identifier, public in every certificate it signed), sent alone:
    /// a verifier that takes the issuer's name and key identifier for proof, and never checks the
    /// signature, lets it in (an audit's Go `VerifyPeerCertificate`: A, exit 0). `None` where `ca`
    /// has no key identifier.
    pub fn forge_naming_key_id(
        &self,
        issuer_name_der: &[u8],
        kind: KeyKind,
        key_id: &[u8],
    ) -> Result<Option<ClientIdentity>, ScanError> {
        if key_id.is_empty() {
            return Ok(None);
        }
        let linked = self.forge(issuer_name_der, kind)?;
        let origin = if self.claims() {
            FORGED_NAMING_KEY_ID_CLAIMING
        } else {
            FORGED_NAMING_KEY_ID
        };
        let (_, signer) = self
            .signer_of(kind)
            .as_ref()
            .map_err(|reason| forge_err(reason.clone()))?;
        let leaf_der = linked
            .certified
            .cert
            .first()
            .ok_or_else(|| forge_err("the forgery has no certificate"))?;
        let named = crate::identity::splice::with_authority_key_id(leaf_der, key_id, signer)?;
        let certified = CertifiedKey::new(vec![named.into()], linked.certified.key.clone());
        let mut leaf = ClientIdentity::from_certified(Arc::new(certified), origin)?;
        if let Some(key) = linked.private_key_der() {
            leaf = leaf.with_private_key_der(key.clone_key());
        }
        Ok(Some(leaf))
    }

    /// [`Forger::forge`] sent with a CA certificate of ours after it: self-signed, by the key
    /// that signed the forgery, and named `issuer_name_der` byte for byte as subject and issuer.
    /// A verifier that takes its anchor from the chain the client sends, where its name is the
    /// client CA's (a hand-written Go `VerifyPeerCertificate` that trusts the sent intermediate
    /// named so, then checks the leaf against it), lets it in; every verifier that anchors on
    /// its own trust store finds our key unknown.
    pub fn forge_with_impostor(
        &self,
        issuer_name_der: &[u8],
        kind: KeyKind,
    ) -> Result<ClientIdentity, ScanError> {
        let leaf = self.forge(issuer_name_der, kind)?;
        let (ca, signer) = self
            .signer_of(kind)
            .as_ref()
            .map_err(|reason| forge_err(reason.clone()))?;
        let impostor = crate::identity::splice::renamed_self_signed(
            ca.cert.as_ref(),
            issuer_name_der,
            signer,
        )?;
        let origin = if self.claims() {
            FORGED_WITH_IMPOSTOR_CA_CLAIMING
        } else {
            FORGED_WITH_IMPOSTOR_CA
        };
        followed_by(&leaf, &CertificateDer::from(impostor), origin)
    }

    fn signer_of(&self, kind: KeyKind) -> &Result<(SigningCa, KeyPair), String> {
        match kind {
            KeyKind::EcdsaP256 | KeyKind::EcdsaP384 | KeyKind::Ed25519 => {
                self.ec.get_or_init(|| Self::signer(KeyKind::EcdsaP256))
            }
            // One RSA-2048 signer: the forged leaf's own key is of the size asked for.
            KeyKind::Rsa2048 | KeyKind::Rsa3072 | KeyKind::Rsa4096 => {
                self.rsa.get_or_init(|| Self::signer(KeyKind::Rsa2048))
            }
        }
    }

    /// A leaf whose issuer is exactly `issuer_name_der`, signed by our own key, its authority key
    /// identifier naming our key (OpenSSL then finds no issuer).
    pub fn forge(
        &self,
        issuer_name_der: &[u8],
        kind: KeyKind,
    ) -> Result<ClientIdentity, ScanError> {
        self.forge_linked(issuer_name_der, kind, Linked::ToOurKey)
    }

    /// [`Forger::forge`] without an authority key identifier, carrying a signature of `claim`'s
    /// kind: OpenSSL then finds the real CA by name, where its key is of that kind, and fails on
    /// the signature itself (`X509_V_ERR_CERT_SIGNATURE_FAILURE`, 7), which HAProxy
    /// `crt-ignore-err 7` (or a verify callback that forgives it) lets in, where the linked
    /// forgery's "unable to get local issuer certificate" (20) is refused.
    pub fn forge_unlinked(
        &self,
        issuer_name_der: &[u8],
        kind: KeyKind,
        claim: SignatureKind,
    ) -> Result<ClientIdentity, ScanError> {
        self.forge_linked(issuer_name_der, kind, Linked::No(claim))
    }

    /// A forgery of `issuer_name_der`, its key identifier as `linked`, its origin said so.
    fn forge_linked(
        &self,
        issuer_name_der: &[u8],
        kind: KeyKind,
        linked: Linked,
    ) -> Result<ClientIdentity, ScanError> {
        let origin = match (linked, self.claimed.is_some()) {
            (Linked::ToOurKey, true) => {
                "forged: advertised CA name, the valid certificate's subject, our signature"
            }
            (Linked::ToOurKey, false) => "forged: advertised CA name, our signature",
            (Linked::No(SignatureKind::Ec), true) => {
                "forged: advertised CA name, no key identifier, the valid certificate's subject, \
                 our EC signature"
            }
            (Linked::No(SignatureKind::Ec), false) => {
                "forged: advertised CA name, no key identifier, our EC signature"
            }
            (Linked::No(SignatureKind::Rsa), true) => {
                "forged: advertised CA name, no key identifier, the valid certificate's subject, \
                 our RSA signature"
            }
            (Linked::No(SignatureKind::Rsa), false) => {
                "forged: advertised CA name, no key identifier, our RSA signature"
            }
            (Linked::No(SignatureKind::Ed25519), true) => {
                "forged: advertised CA name, no key identifier, the valid certificate's subject, \
                 our Ed25519 signature"
            }
            (Linked::No(SignatureKind::Ed25519), false) => {
                "forged: advertised CA name, no key identifier, our Ed25519 signature"
            }
        };
        self.forge_as(issuer_name_der, kind, origin, linked)
    }

    /// [`Forger::forge`], the identity's origin said as `origin`.
    fn forge_as(
        &self,
        issuer_name_der: &[u8],
        kind: KeyKind,
        origin: &'static str,
        linked: Linked,
    ) -> Result<ClientIdentity, ScanError> {
        let same = |name: &Vec<u8>, k: &KeyKind, l: &Linked| {
            *k == kind && *l == linked && name == issuer_name_der
        };
        let kept = |f: &Self| {
            f.forged
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .iter()
                .find(|(name, k, l, _)| same(name, k, l))
                .map(|(_, _, _, id)| id.clone())
        };
        if let Some(id) = kept(self) {
            return Ok(id);
        }
        let made = self.forge_new(issuer_name_der, kind, origin, linked)?;
        let mut forged = self.forged.lock().unwrap_or_else(|p| p.into_inner());
        // Another handshake may have forged the same meanwhile: keep one, present that one.
        if let Some((_, _, _, kept)) = forged.iter().find(|(name, k, l, _)| same(name, k, l)) {
            return Ok(kept.clone());
        }
        if forged.len() < FORGED_KEPT {
            forged.push((issuer_name_der.to_vec(), kind, linked, made.clone()));
        }
        Ok(made)
    }

    fn forge_new(
        &self,
        issuer_name_der: &[u8],
        kind: KeyKind,
        origin: &'static str,
        linked: Linked,
    ) -> Result<ClientIdentity, ScanError> {
        // The one claiming an RSA signature is signed by our P-256 key, then relabelled
        // ([`claim_rsa_signature`]): no RSA key is made for it. The Ed25519 one, by an Ed25519
        // key of ours (its algorithm identifiers are Ed25519's).
        let signer = match linked {
            Linked::ToOurKey => self.signer_of(kind),
            Linked::No(SignatureKind::Ed25519) => {
                self.ed.get_or_init(|| Self::signer(KeyKind::Ed25519))
            }
            Linked::No(_) => self.signer_of(KeyKind::EcdsaP256),
        };
        let (ca, signer) = signer
            .as_ref()
            .map_err(|reason| forge_err(reason.clone()))?;
        let leaf = self.leaf_key(kind)?;
        // An authority key identifier naming *our* key: OpenSSL then finds no issuer ("unable to
        // get local issuer certificate") instead of checking our signature against the real CA,
        // which is exactly what nginx `optional_no_ca` and `-Verify` without
        // `-verify_return_error` tolerate. webpki matches by name and still checks the signature.
        // Without it ([`Linked::No`]), OpenSSL checks our signature against the real CA's key.
        let mut params = client_leaf_params("mtls-scan forged client");
        params.use_authority_key_identifier_extension = linked == Linked::ToOurKey;
        let cert = ca.sign_leaf(&params, &leaf.pair)?;
        let mut forged = splice(
            cert.der(),
            Some(issuer_name_der),
            self.claimed.as_ref(),
            signer,
        )?;
        if linked == Linked::No(SignatureKind::Rsa) {
            forged = claim_rsa_signature(&forged)?;
        }
        let certified = CertifiedKey::new(vec![forged.into()], leaf.signing.clone());
        Ok(ClientIdentity::from_certified(Arc::new(certified), origin)?
            .with_private_key_der(PrivateKeyDer::Pkcs8(leaf.pair.serialize_der().into())))
    }
}

/// The origin of [`Forger::issued_by_holder`]'s certificate: what reports recognise it by.
pub const ISSUED_BY_HOLDER_MARK: &str = "(an end-entity certificate as CA)";
/// Where [`Forger::issued_by_holder`]'s holder is the staging CA's own end-entity certificate,
/// not `client-cert`.
pub const ISSUED_BY_STAGING_HOLDER_MARK: &str = "a staging end-entity certificate";

/// The origin of [`Forger::issued_by_holder`]'s certificate: whose subject it claims (the valid
/// certificate's, where the forger claims one) and who signed it.
fn issued_by_holder_origin(claims: bool, by_staging: bool) -> String {
    let subject = if claims {
        "the valid certificate's subject"
    } else {
        "another subject"
    };
    let holder = if by_staging {
        ISSUED_BY_STAGING_HOLDER_MARK
    } else {
        "the valid certificate"
    };
    format!("minted: {subject}, issued and signed by {holder} {ISSUED_BY_HOLDER_MARK}, sent with it in the chain")
}

impl Forger {
    /// A leaf claiming the valid certificate's subject and names (where the forger claims them;
    /// else another subject, `mtls-scan another client`), whose issuer is `holder`'s subject byte
    /// for byte and whose authority key identifier is `holder`'s own key identifier, signed by
    /// `holder`'s key: a certificate an end-entity (CA:FALSE) "issued". Sent with `holder`'s
    /// chain after it. A verifier that walks the chain's signatures up to its CA without checking
    /// basicConstraints (a hand-written Go `VerifyPeerCertificate`: an audit's, A, exit 0) lets
    /// anyone who holds one valid certificate become anybody; behind an allowlist of subjects (Go
    /// or Erlang `verify_fun` allowing one CN: an audit's, A, exit 0 while the leaf said
    /// `mtls-scan another client`) only the valid certificate's own subject gets in, so that is
    /// the one claimed. `by_staging`: `holder` is the staging CA's end-entity certificate, not
    /// `client-cert` (the origin says so).
    pub fn issued_by_holder(
        &self,
        holder: &ClientIdentity,
        kind: KeyKind,
        by_staging: bool,
    ) -> Result<ClientIdentity, ScanError> {
        let holder_cert = holder
            .certified
            .cert
            .first()
            .ok_or_else(|| forge_err("the valid certificate is missing"))?;
        let holder_key = holder
            .private_key_der()
            .ok_or_else(|| forge_err("the valid certificate's key is not in hand"))?;
        let (_, parsed) =
            x509_parser::parse_x509_certificate(holder_cert.as_ref()).map_err(forge_err)?;
        let holder_subject = parsed.subject().as_raw().to_vec();
        let mut issuer_params = rcgen::CertificateParams::default();
        if let Some(ski) = subject_key_id(holder_cert) {
            issuer_params.key_identifier_method = rcgen::KeyIdMethod::PreSpecified(ski);
        }
        let signing = KeyPair::try_from(holder_key).map_err(ScanError::from)?;
        let issuer = rcgen::Issuer::new(issuer_params, signing);
        let leaf = self.leaf_key(kind)?;
        let mut params = client_leaf_params("mtls-scan another client");
        params.use_authority_key_identifier_extension = true;
        let cert = params.signed_by(&leaf.pair, &issuer)?;
        let exact = splice(
            cert.der(),
            Some(&holder_subject),
            self.claimed.as_ref(),
            issuer.key(),
        )?;
        let chain: Vec<CertificateDer<'static>> = std::iter::once(exact.into())
            .chain(holder.certified.cert.iter().cloned())
            .collect();
        let certified = CertifiedKey::new(chain, leaf.signing.clone());
        let origin = issued_by_holder_origin(self.claims(), by_staging);
        Ok(
            ClientIdentity::from_certified(Arc::new(certified), &origin)?
                .with_private_key_der(PrivateKeyDer::Pkcs8(leaf.pair.serialize_der().into())),
        )
    }
}

/// The subject key identifier of the CA certificate `der`, when it carries one.
pub(crate) fn subject_key_id(der: &CertificateDer<'_>) -> Option<Vec<u8>> {
    let (_, cert) = x509_parser::parse_x509_certificate(der.as_ref()).ok()?;
    cert.extensions()
        .iter()
        .find_map(|e| match e.parsed_extension() {
            x509_parser::extensions::ParsedExtension::SubjectKeyIdentifier(k) => Some(k.0.to_vec()),
            _ => None,
        })
        .filter(|k| !k.is_empty())
}

/// The authority key identifier's key id of the certificate `der` (the SKI of the CA that issued
/// it, as that certificate names it), when it carries one.
pub(crate) fn authority_key_id(der: &CertificateDer<'_>) -> Option<Vec<u8>> {
    let (_, cert) = x509_parser::parse_x509_certificate(der.as_ref()).ok()?;
    cert.extensions()
        .iter()
        .find_map(|e| match e.parsed_extension() {
            x509_parser::extensions::ParsedExtension::AuthorityKeyIdentifier(a) => {
                a.key_identifier.as_ref().map(|k| k.0.to_vec())
            }
            _ => None,
        })
        .filter(|k| !k.is_empty())
}

/// `leaf`'s chain with `then` after it, its origin said as `origin`, its key the same.
pub fn followed_by(
    leaf: &ClientIdentity,
    then: &CertificateDer<'static>,
    origin: &str,
) -> Result<ClientIdentity, ScanError> {
    let chain: Vec<CertificateDer<'static>> = leaf
        .certified
        .cert
        .iter()
        .cloned()
        .chain(std::iter::once(then.clone()))
        .collect();
    let certified = CertifiedKey::new(chain, leaf.certified.key.clone());
    let made = ClientIdentity::from_certified(Arc::new(certified), origin)?;
    Ok(match leaf.private_key_der() {
        Some(key) => made.with_private_key_der(key.clone_key()),
        None => made,
    })
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

    /// With a valid identity, the forged certificate claims its subject and subjectAltName byte
    /// for byte, keeps the advertised issuer, and is still signed by the forger's key only.
    /// The same name and key kind present the same certificate (made once); another name or
    /// kind gets its own, whose issuer is that name.
    #[test]
    fn a_name_is_forged_once_per_key_kind() -> Result<(), ScanError> {
        let forger = Forger::new(Arc::new(rustls::crypto::aws_lc_rs::default_provider()));
        let der = |id: &ClientIdentity| id.certified.cert.first().map(|c| c.to_vec());
        let name = awkward_name();
        let first = forger.forge(&name, KeyKind::EcdsaP256)?;
        assert_eq!(der(&forger.forge(&name, KeyKind::EcdsaP256)?), der(&first));
        let p384 = forger.forge(&name, KeyKind::EcdsaP384)?;
        assert_ne!(der(&p384), der(&first));
        let other_name = {
            use x509_cert::der::Encode;
            let n: x509_cert::name::Name = "CN=Another CA".parse().unwrap_or_default();
            n.to_der().unwrap_or_default()
        };
        let other = forger.forge(&other_name, KeyKind::EcdsaP256)?;
        assert_ne!(der(&other), der(&first));
        let issuer = |id: &ClientIdentity| -> Option<Vec<u8>> {
            let leaf = der(id)?;
            let (_, cert) = x509_parser::parse_x509_certificate(&leaf).ok()?;
            Some(cert.tbs_certificate.issuer.as_raw().to_vec())
        };
        assert_eq!(issuer(&other), Some(other_name));
        assert_eq!(issuer(&first), Some(name));
        Ok(())
    }

    #[test]
    fn forged_certificates_claim_the_valid_identitys_subject_and_names() -> Result<(), ScanError> {
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let mut params = client_leaf_params("service-a");
        params.subject_alt_names = vec![rcgen::SanType::DnsName(
            "service-a.internal".try_into().map_err(forge_err)?,
        )];
        let valid = SigningCa::mint_with(KeyKind::EcdsaP256, "Real Client CA")?;
        let valid_leaf = valid.sign_leaf(&params, &KeyKind::EcdsaP256.generate()?)?;
        let claimed = Impersonated::of(valid_leaf.der()).ok_or(ScanError::NoTrustAnchors)?;
        let forger = Forger::new(provider).claiming(Some(claimed));
        let name = awkward_name();
        let id = forger.forge(&name, KeyKind::EcdsaP256)?;
        let leaf = id.certified.cert.first().ok_or(ScanError::NoTrustAnchors)?;
        let (_, forged) = x509_parser::parse_x509_certificate(leaf.as_ref()).map_err(forge_err)?;
        let (_, real) =
            x509_parser::parse_x509_certificate(valid_leaf.der().as_ref()).map_err(forge_err)?;
        assert_eq!(forged.subject().as_raw(), real.subject().as_raw());
        assert_eq!(forged.issuer().as_raw(), name.as_slice());
        let san = |c: &x509_parser::certificate::X509Certificate<'_>| {
            c.subject_alternative_name()
                .ok()
                .flatten()
                .map(|s| format!("{:?}", s.value.general_names))
        };
        assert_eq!(san(&forged), san(&real));
        assert!(san(&forged).is_some_and(|s| s.contains("service-a.internal")));
        assert!(id
            .summary
            .origin
            .contains("the valid certificate's subject"));
        assert!(id.summary.subject.contains("service-a"));
        // Not the real CA's signature.
        let (_, real_ca) =
            x509_parser::parse_x509_certificate(valid.cert.as_ref()).map_err(forge_err)?;
        assert!(forged.verify_signature(Some(real_ca.public_key())).is_err());
        Ok(())
    }

    /// The forgery naming the real CA by key identifier too (its SKI), still signed by our key,
    /// sent alone.
    #[test]
    fn a_forgery_can_name_the_real_cas_key_identifier() -> Result<(), ScanError> {
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let forger = Forger::new(provider);
        let real = crate::identity::SigningCa::mint("Real Client CA")?;
        let (_, real_parsed) =
            x509_parser::parse_x509_certificate(real.cert.as_ref()).map_err(forge_err)?;
        let name = real_parsed.subject().as_raw().to_vec();
        let ski = subject_key_id(&real.cert).ok_or(ScanError::NoTrustAnchors)?;
        let id = forger
            .forge_naming_key_id(&name, KeyKind::EcdsaP256, &ski)?
            .ok_or(ScanError::NoTrustAnchors)?;
        assert_eq!(id.certified.cert.len(), 1);
        let leaf = id.certified.cert.first().ok_or(ScanError::NoTrustAnchors)?;
        let (_, parsed) = x509_parser::parse_x509_certificate(leaf.as_ref()).map_err(forge_err)?;
        assert_eq!(authority_key_id(leaf), Some(ski));
        assert_eq!(parsed.tbs_certificate.issuer.as_raw(), name.as_slice());
        assert!(parsed
            .verify_signature(Some(real_parsed.public_key()))
            .is_err());
        assert!(
            id.summary.origin.contains("that CA's key identifier"),
            "{}",
            id.summary.origin
        );
        Ok(())
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
                KeyKind::Rsa2048 | KeyKind::Rsa3072 | KeyKind::Rsa4096 => &forger.rsa,
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
            let aki = authority_key_id(leaf);
            let ski = subject_key_id(&forger_ca);
            assert!(aki.is_some(), "the forged certificate carries an AKI");
            if let (Some(aki), Some(ski)) = (aki, ski) {
                assert_eq!(aki, ski);
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
