//! A PKI for the unit tests, minted with rcgen, and a served chain judged as [`super::analyse`]
//! judges it. openssl makes what rcgen and aws-lc-rs refuse to: an RSA-1024 key (the certificate
//! is still built by rcgen, over openssl's public key) and a SHA-1 signature.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, CustomExtension, DistinguishedName, DnType, IsCa, Issuer,
    KeyPair, KeyUsagePurpose, SignatureAlgorithm,
};
use rustls::RootCertStore;
use rustls_pki_types::CertificateDer;
use time::{Duration, OffsetDateTime};

use super::examined::{examine, Examined};
use super::facts::{self, Facts};
use super::{analyse_chain, Policy, TrustStore};
use crate::finding::{Finding, FindingId};
use crate::target::Target;

/// The names of a correct leaf: a DNS name and an IP address.
pub(super) const LOCAL: &[&str] = &["localhost", "127.0.0.1"];

/// The policy of the tests: the default warning window.
pub(super) const POLICY: Policy = Policy {
    expiry_warning_days: super::DEFAULT_EXPIRY_WARNING_DAYS,
};

/// Tells the CAs of one test from those of another (same-named roots would stand for each other).
static SERIAL: AtomicUsize = AtomicUsize::new(0);

/// A CA that can issue.
pub(super) struct Ca {
    /// Its certificate.
    pub(super) der: CertificateDer<'static>,
    /// Its name and key.
    pub(super) issuer: Issuer<'static, KeyPair>,
}

impl Ca {
    /// A CA named `cn`, self-signed or issued by `parent`.
    fn new(cn: &str, alg: &'static SignatureAlgorithm, parent: Option<&Ca>) -> Self {
        let key = KeyPair::generate_for(alg).unwrap();
        let mut params = CertificateParams::default();
        params.distinguished_name = dn(cn);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let cert = match parent {
            Some(p) => params.signed_by(&key, &p.issuer).unwrap(),
            None => params.self_signed(&key).unwrap(),
        };
        Self {
            der: cert.der().clone(),
            issuer: Issuer::new(params, key),
        }
    }
}

fn dn(cn: &str) -> DistinguishedName {
    let mut d = DistinguishedName::new();
    d.push(DnType::OrganizationName, "server_cert unit tests");
    d.push(DnType::CommonName, cn);
    d
}

/// Server leaf parameters for `names`, valid from `from` to `to` days from now.
pub(super) fn leaf_params(names: &[&str], from: i64, to: i64) -> CertificateParams {
    let mut params =
        CertificateParams::new(names.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>()).unwrap();
    params.distinguished_name = dn(names.first().copied().unwrap_or("server"));
    params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
    let now = OffsetDateTime::now_utc();
    params.not_before = now + Duration::days(from);
    params.not_after = now + Duration::days(to);
    params
}

/// A root and an intermediate under it.
pub(super) struct Pki {
    /// The root (the trust anchor of the tests).
    pub(super) root: Ca,
    /// An intermediate the root issued.
    pub(super) inter: Ca,
}

impl Pki {
    /// An ECDSA P-256 PKI.
    pub(super) fn new() -> Self {
        Self::with(&rcgen::PKCS_ECDSA_P256_SHA256)
    }

    /// An RSA-2048 PKI (openssl can then sign with the root's key).
    pub(super) fn rsa() -> Self {
        Self::with(&rcgen::PKCS_RSA_SHA256)
    }

    fn with(alg: &'static SignatureAlgorithm) -> Self {
        let n = SERIAL.fetch_add(1, Ordering::Relaxed);
        let root = Ca::new(&format!("Test Root {n}"), alg, None);
        let inter = Ca::new(&format!("Test Intermediate {n}"), alg, Some(&root));
        Self { root, inter }
    }

    /// A leaf the root issued, adjusted by `tweak`.
    pub(super) fn leaf(
        &self,
        tweak: impl FnOnce(&mut CertificateParams),
    ) -> CertificateDer<'static> {
        let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
        let mut params = leaf_params(LOCAL, -30, 365);
        tweak(&mut params);
        params
            .signed_by(&key, &self.root.issuer)
            .unwrap()
            .der()
            .clone()
    }

    /// A correct leaf the root issued.
    pub(super) fn good_leaf(&self) -> CertificateDer<'static> {
        self.leaf(|_| {})
    }

    /// A leaf the root issued, valid from `from` to `to` days from now.
    pub(super) fn leaf_valid(&self, from: i64, to: i64) -> CertificateDer<'static> {
        self.leaf(|p| {
            let moved = leaf_params(LOCAL, from, to);
            p.not_before = moved.not_before;
            p.not_after = moved.not_after;
        })
    }

    /// A leaf for `names` only.
    pub(super) fn leaf_for(&self, names: &[&str]) -> CertificateDer<'static> {
        self.leaf(|p| *p = leaf_params(names, -30, 365))
    }

    /// A correct leaf the intermediate issued.
    pub(super) fn inter_leaf(&self) -> CertificateDer<'static> {
        let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
        let params = leaf_params(LOCAL, -30, 365);
        params
            .signed_by(&key, &self.inter.issuer)
            .unwrap()
            .der()
            .clone()
    }

    /// A chain of `depth` intermediates under the root, each issued by the one above it: the
    /// leaf first, then the intermediates from the lowest up.
    pub(super) fn deep_chain(&self, depth: usize) -> Vec<CertificateDer<'static>> {
        let mut cas: Vec<Ca> = Vec::new();
        for i in 0..depth {
            let parent = cas.last().unwrap_or(&self.root);
            let ca = Ca::new(
                &format!("Deep Intermediate {i}"),
                &rcgen::PKCS_ECDSA_P256_SHA256,
                Some(parent),
            );
            cas.push(ca);
        }
        let issuer = &cas.last().unwrap_or(&self.root).issuer;
        let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
        let leaf = leaf_params(LOCAL, -30, 365)
            .signed_by(&key, issuer)
            .unwrap();
        std::iter::once(leaf.der().clone())
            .chain(cas.iter().rev().map(|c| c.der.clone()))
            .collect()
    }

    /// The correct chain: the intermediate's leaf, then the intermediate.
    pub(super) fn full_chain(&self) -> Vec<CertificateDer<'static>> {
        vec![self.inter_leaf(), self.inter.der.clone()]
    }

    /// A leaf the root issued over an RSA-1024 key (made by openssl: aws-lc-rs makes none).
    pub(super) fn rsa_1024_leaf(&self) -> CertificateDer<'static> {
        let rsa = openssl::rsa::Rsa::generate(1024).unwrap();
        let spki_der = openssl::pkey::PKey::from_rsa(rsa)
            .unwrap()
            .public_key_to_der()
            .unwrap();
        let spki = rcgen::SubjectPublicKeyInfo::from_der(&spki_der).unwrap();
        let params = leaf_params(LOCAL, -30, 365);
        params
            .signed_by(&spki, &self.root.issuer)
            .unwrap()
            .der()
            .clone()
    }

    /// A leaf the root of an [`Pki::rsa`] signed with SHA-1 (rcgen signs with nothing that weak,
    /// so openssl builds it).
    pub(super) fn sha1_leaf(&self) -> CertificateDer<'static> {
        use openssl::{asn1::Asn1Time, hash::MessageDigest, pkey::PKey, x509};
        let root_key = PKey::private_key_from_der(&self.root.issuer.key().serialize_der()).unwrap();
        let root = x509::X509::from_der(self.root.der.as_ref()).unwrap();
        let leaf_key = PKey::from_rsa(openssl::rsa::Rsa::generate(2048).unwrap()).unwrap();
        let mut b = x509::X509Builder::new().unwrap();
        b.set_version(2).unwrap();
        let mut name = x509::X509NameBuilder::new().unwrap();
        name.append_entry_by_text("CN", "localhost").unwrap();
        b.set_subject_name(&name.build()).unwrap();
        b.set_issuer_name(root.subject_name()).unwrap();
        b.set_pubkey(&leaf_key).unwrap();
        b.set_not_before(&Asn1Time::days_from_now(0).unwrap())
            .unwrap();
        b.set_not_after(&Asn1Time::days_from_now(365).unwrap())
            .unwrap();
        let san = x509::extension::SubjectAlternativeName::new()
            .dns("localhost")
            .build(&b.x509v3_context(Some(&root), None))
            .unwrap();
        b.append_extension(san).unwrap();
        b.sign(&root_key, MessageDigest::sha1()).unwrap();
        CertificateDer::from(b.build().to_der().unwrap())
    }
}

/// A self-signed server certificate for [`LOCAL`].
pub(super) fn self_signed_leaf() -> CertificateDer<'static> {
    let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    let params = leaf_params(LOCAL, -30, 365);
    params.self_signed(&key).unwrap().der().clone()
}

/// The Authority Information Access extension with one caIssuers URI (lengths < 128).
pub(super) fn aia_ca_issuers(uri: &str) -> CustomExtension {
    let mut inner = vec![
        0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x02, 0x86,
    ];
    inner.push(uri.len() as u8);
    inner.extend_from_slice(uri.as_bytes());
    let mut access = vec![0x30, inner.len() as u8];
    access.extend(inner);
    let mut aia = vec![0x30, access.len() as u8];
    aia.extend(access);
    CustomExtension::from_oid_content(&[1, 3, 6, 1, 5, 5, 7, 1, 1], aia)
}

/// A chain as served to a target, with the anchors it is judged against.
pub(super) struct Served {
    chain: Vec<CertificateDer<'static>>,
    all: Vec<Facts>,
    store: TrustStore,
    target: Target,
    now: OffsetDateTime,
}

impl Served {
    /// `chain` served for `host`, judged against `anchors` (all user-given, as `--ca-file`).
    pub(super) fn new(
        chain: Vec<CertificateDer<'static>>,
        anchors: &[&CertificateDer<'static>],
        host: &str,
    ) -> Self {
        Self {
            all: chain.iter().filter_map(facts::facts).collect(),
            chain,
            store: Self::store(anchors),
            target: Target::parse(&format!("https://{host}/")).unwrap(),
            now: OffsetDateTime::now_utc(),
        }
    }

    /// The trust store of `anchors`, all user-given, built as the engine builds it.
    pub(super) fn store(anchors: &[&CertificateDer<'static>]) -> TrustStore {
        let mut roots = RootCertStore::empty();
        for a in anchors {
            roots.add((*a).clone()).unwrap();
        }
        let given: Vec<CertificateDer<'static>> = anchors.iter().map(|a| (*a).clone()).collect();
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        TrustStore::build(roots, given, provider)
    }

    /// The correct chain of `pki` for `localhost`, anchored at its root.
    pub(super) fn correct(pki: &Pki) -> Self {
        Self::new(pki.full_chain(), &[&pki.root.der], "localhost")
    }

    /// The chain parsed and judged (the leaf must parse).
    pub(super) fn examined(&self) -> Examined<'_> {
        let leaf = self.all.first().expect("the leaf parses");
        examine(
            &self.chain,
            &self.all,
            leaf,
            &self.target,
            &self.store,
            self.now,
        )
    }

    /// Every finding the whole analysis raises, in order.
    pub(super) fn findings(&self) -> Vec<Finding> {
        analyse_chain(&self.chain, &self.target, &self.store, POLICY, self.now).1
    }

    /// The ids of [`Served::findings`] with what implies them.
    pub(super) fn ids(&self) -> Vec<(FindingId, Option<FindingId>)> {
        self.findings()
            .iter()
            .map(|f| (f.id, f.implied_by))
            .collect()
    }
}
