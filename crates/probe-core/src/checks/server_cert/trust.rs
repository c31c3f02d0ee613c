//! The trust anchors for server certificates and webpki's verdict on a served chain.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

use rustls::client::danger::ServerCertVerifier;
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::CryptoProvider;
use rustls::{CertificateError, RootCertStore};
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};
use time::OffsetDateTime;

use super::facts::{self, Facts};
use super::model::ServerTrust;

/// What the scan trusts for server certificates.
#[derive(Debug, Clone, Default)]
pub struct TrustStore {
    /// webpki over every anchor; `None` when there is none (trust is then unknown).
    pub verifier: Option<Arc<WebPkiServerVerifier>>,
    /// Anchor subjects, as full DER Names (outer SEQUENCE included).
    anchor_subjects: Vec<Vec<u8>>,
    /// Subjects of user-given anchors that are intermediates (not self-signed): a leaf issued by
    /// one of them, served without it, has an incomplete chain.
    pub(super) known_intermediates: Vec<Vec<u8>>,
    /// User-given certificates, byte for byte: a served leaf that is one of them is pinned.
    pinned: Vec<CertificateDer<'static>>,
    /// What the store was built from, to build it again with more anchors.
    basis: Option<Arc<Basis>>,
}

/// The anchors and provider a [`TrustStore`] was built from.
#[derive(Debug)]
struct Basis {
    roots: Arc<RootCertStore>,
    user_given: Vec<CertificateDer<'static>>,
    provider: Arc<CryptoProvider>,
}

impl TrustStore {
    /// Builds the store from the anchors and the user-given certificates among them.
    pub fn new(
        roots: &RootCertStore,
        user_given: &[CertificateDer<'static>],
        verifier: Option<Arc<WebPkiServerVerifier>>,
    ) -> Self {
        let anchor_subjects = roots
            .roots
            .iter()
            .map(|ta| der_sequence(ta.subject.as_ref()))
            .collect();
        let known_intermediates = user_given
            .iter()
            .filter_map(|der| {
                let (_, c) = x509_parser::parse_x509_certificate(der.as_ref()).ok()?;
                (!facts::self_signed(&c)).then(|| c.subject().as_raw().to_vec())
            })
            .collect();
        Self {
            verifier,
            anchor_subjects,
            known_intermediates,
            pinned: user_given.to_vec(),
            basis: None,
        }
    }

    /// Builds the store and its webpki verifier (none without anchors: trust is then unknown).
    pub fn build(
        roots: RootCertStore,
        user_given: Vec<CertificateDer<'static>>,
        provider: Arc<CryptoProvider>,
    ) -> Self {
        let roots = Arc::new(roots);
        let verifier = (!roots.is_empty())
            .then(|| {
                WebPkiServerVerifier::builder_with_provider(roots.clone(), provider.clone())
                    .build()
                    .ok()
            })
            .flatten();
        let mut store = Self::new(&roots, &user_given, verifier);
        store.basis = Some(Arc::new(Basis {
            roots,
            user_given,
            provider,
        }));
        store
    }

    /// The store with `more` anchors (a malformed one is skipped, as rustls does); `None` when
    /// it was not made by [`TrustStore::build`] or nothing was added.
    fn with_anchors(&self, more: Vec<CertificateDer<'static>>) -> Option<Self> {
        let basis = self.basis.as_ref()?;
        let mut roots = RootCertStore::clone(&basis.roots);
        let before = roots.len();
        for cert in more {
            let _ = roots.add(cert);
        }
        (roots.len() > before)
            .then(|| Self::build(roots, basis.user_given.clone(), basis.provider.clone()))
    }

    /// Whether `name` (a full DER Name) is the subject of an anchor.
    pub(super) fn is_anchor(&self, name: &[u8]) -> bool {
        self.anchor_subjects.iter().any(|a| a.as_slice() == name)
    }
}

/// Wraps Name contents in their DER SEQUENCE header (webpki keeps anchors' subjects without it).
fn der_sequence(contents: &[u8]) -> Vec<u8> {
    let len = contents.len();
    let mut out = vec![0x30];
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
    out.extend_from_slice(contents);
    out
}

/// Trust anchors being loaded on a thread of their own; [`LazyTrust::get`] waits for them once.
/// Beside them, the system's certificate directories, searched as OpenSSL searches its CApath:
/// by the hash of an issuer's name, only for the issuers a served chain names that no anchor
/// has ([`LazyTrust::for_chains`]). Reading every file of them up front cost a third of a
/// one-endpoint scan. The thread also finds the directories (telling a hashed one takes reading
/// it): off the path to the first connection.
pub struct LazyTrust {
    ready: OnceLock<Loaded>,
    loading: Mutex<Option<std::thread::JoinHandle<Loaded>>>,
    /// Stores with anchors found in the directories, by the issuer hashes that were looked up.
    extended: Mutex<HashMap<Vec<u32>, Arc<TrustStore>>>,
}

/// What the loading thread gave: the store, and the certificate directories searched on a miss.
struct Loaded {
    store: Arc<TrustStore>,
    dirs: Vec<PathBuf>,
}

/// Lookups of `dirs` remembered at most (a scan of many servers of many private CAs).
const MAX_REMEMBERED_LOOKUPS: usize = 1024;

impl LazyTrust {
    /// Starts building the store on a thread; the directories it returns beside the store are
    /// searched on a miss.
    pub fn spawn(build: impl FnOnce() -> (TrustStore, Vec<PathBuf>) + Send + 'static) -> Self {
        let loading = std::thread::spawn(move || {
            let (store, dirs) = build();
            Loaded {
                store: Arc::new(store),
                dirs,
            }
        });
        Self {
            ready: OnceLock::new(),
            loading: Mutex::new(Some(loading)),
            extended: Mutex::new(HashMap::new()),
        }
    }

    /// The store, once built (a thread that failed leaves no verifier: trust is then unknown,
    /// never trusted).
    pub fn get(&self) -> &TrustStore {
        &self.loaded().store
    }

    /// Whether the store is built: [`LazyTrust::get`] and [`LazyTrust::for_chains`] then wait for
    /// no thread.
    pub fn is_ready(&self) -> bool {
        self.ready.get().is_some()
            || lock(&self.loading)
                .as_ref()
                .is_some_and(std::thread::JoinHandle::is_finished)
    }

    fn loaded(&self) -> &Loaded {
        self.ready.get_or_init(|| {
            let handle = lock(&self.loading).take();
            handle
                .and_then(|h| h.join().ok())
                .unwrap_or_else(|| Loaded {
                    store: Arc::new(TrustStore::new(&RootCertStore::empty(), &[], None)),
                    dirs: Vec::new(),
                })
        })
    }

    /// The store for judging `certs` (served chains): the loaded one, with the anchors the
    /// certificate directories hold for the issuers of `certs` that no anchor has.
    pub fn for_chains<'c>(
        &self,
        certs: impl Iterator<Item = &'c CertificateDer<'static>>,
    ) -> Arc<TrustStore> {
        let Loaded { store: base, dirs } = self.loaded();
        if dirs.is_empty() {
            return base.clone();
        }
        let mut hashes: Vec<u32> = certs
            .filter_map(|der| {
                let (_, c) = x509_parser::parse_x509_certificate(der.as_ref()).ok()?;
                if base.is_anchor(c.issuer().as_raw()) {
                    return None;
                }
                super::system_roots::name_hash(c.issuer().as_raw())
            })
            .collect();
        hashes.sort_unstable();
        hashes.dedup();
        if hashes.is_empty() {
            return base.clone();
        }
        if let Some(known) = lock(&self.extended).get(&hashes) {
            return known.clone();
        }
        let found: Vec<CertificateDer<'static>> = hashes
            .iter()
            .flat_map(|h| super::system_roots::by_issuer_hash(dirs, *h))
            .collect();
        let store = base
            .with_anchors(found)
            .map_or_else(|| base.clone(), Arc::new);
        let mut extended = lock(&self.extended);
        if extended.len() < MAX_REMEMBERED_LOOKUPS {
            extended.insert(hashes, store.clone());
        }
        store
    }
}

/// Where the user's headers may go ([`crate::transport::HeaderTrust`]): a chain that webpki
/// verifies for the name now, against the scan's anchors (the system's, `--ca-file`, and the
/// certificate directories' for its issuers), or whose leaf the user gave as an anchor. Strict,
/// as curl is: an expired certificate or another name is no place for a token. Each chain is
/// judged once per name.
pub struct HeaderTrustStore {
    trust: Arc<LazyTrust>,
    judged: Mutex<JudgedChains>,
}

/// Chains judged, by chain and name (lower case): whether the headers may go, or why not.
type JudgedChains = HashMap<(Vec<CertificateDer<'static>>, String), Result<(), String>>;

/// Chains judged and remembered at most per scan (the rest are judged each time).
const MAX_JUDGED_CHAINS: usize = 256;

impl HeaderTrustStore {
    /// A judge over the scan's anchors.
    pub fn new(trust: Arc<LazyTrust>) -> Self {
        Self {
            trust,
            judged: Mutex::new(HashMap::new()),
        }
    }

    fn judge(&self, chain: &[CertificateDer<'static>], host: &str) -> Result<(), String> {
        let (leaf, rest) = chain
            .split_first()
            .ok_or("the server showed no certificate")?;
        let store = self.trust.for_chains(chain.iter());
        if store.pinned.iter().any(|p| p.as_ref() == leaf.as_ref()) {
            return Ok(());
        }
        let verifier = store
            .verifier
            .as_ref()
            .ok_or("no trust anchor to judge it by")?;
        let name = ServerName::try_from(host.to_owned())
            .map_err(|_| format!("{host} is not a name a certificate can hold"))?;
        verifier
            .verify_server_cert(leaf, rest, &name, &[], UnixTime::now())
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}

impl crate::transport::HeaderTrust for HeaderTrustStore {
    fn verifies(&self, chain: &[CertificateDer<'static>], host: &str) -> Result<(), String> {
        let key = (chain.to_vec(), host.to_ascii_lowercase());
        if let Some(known) = lock(&self.judged).get(&key) {
            return known.clone();
        }
        let judged = self.judge(chain, host);
        let mut known = lock(&self.judged);
        if known.len() < MAX_JUDGED_CHAINS {
            known.insert(key, judged.clone());
        }
        judged
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Why webpki refused the chain, in classes the implications need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Refusal {
    /// No path to a trust anchor.
    UnknownIssuer,
    /// A signature algorithm webpki does not accept.
    UnsupportedAlgorithm,
    /// A chain longer or more tangled than webpki follows: more than 6 intermediates, or past its
    /// budgets of signature checks and path builds. OpenSSL (depth 100), curl, Go, Node and
    /// Python take a chain of 7 intermediates to their CA (an audit's, called untrusted, high, D).
    BeyondLimits,
    /// Anything else.
    Other,
}

impl Refusal {
    /// Whether the refusal says nothing of the chain itself, only of what webpki checks: its
    /// trust is then left unjudged ([`crate::checks::server_cert::Analysis::unjudged`]) unless a
    /// finding already raised explains it.
    pub(super) fn unjudged(self) -> bool {
        matches!(self, Refusal::UnsupportedAlgorithm | Refusal::BeyondLimits)
    }
}

/// Whether webpki gave up on its own limits ([`Refusal::BeyondLimits`]); rustls passes those on
/// as another error, webpki's own inside.
fn beyond_limits(e: &CertificateError) -> bool {
    let CertificateError::Other(other) = e else {
        return false;
    };
    other.0.downcast_ref::<webpki::Error>().is_some_and(|w| {
        matches!(
            w,
            webpki::Error::MaximumPathDepthExceeded
                | webpki::Error::MaximumSignatureChecksExceeded
                | webpki::Error::MaximumPathBuildCallsExceeded
                | webpki::Error::MaximumNameConstraintComparisonsExceeded
        )
    })
}

/// Whether webpki refused only because of validity dates.
fn is_time_error(e: &rustls::Error) -> bool {
    matches!(
        e,
        rustls::Error::InvalidCertificate(
            CertificateError::Expired
                | CertificateError::ExpiredContext { .. }
                | CertificateError::NotValidYet
                | CertificateError::NotValidYetContext { .. }
        )
    )
}

/// Trust, judged at `now` and, when only dates stood in the way, again at a moment when every
/// served certificate is valid: dates are `server-cert-expired`'s business, not trust's.
pub(super) fn judge_trust(
    chain: &[CertificateDer<'static>],
    facts: &[Facts],
    name: &ServerName<'static>,
    trust: &TrustStore,
    now: OffsetDateTime,
) -> (ServerTrust, Option<(Refusal, String)>) {
    let Some(verifier) = &trust.verifier else {
        return (ServerTrust::Unknown, None);
    };
    let Some((leaf, rest)) = chain.split_first() else {
        return (ServerTrust::Unknown, None);
    };
    let verify = |at: OffsetDateTime| {
        let secs = u64::try_from(at.unix_timestamp()).unwrap_or(0);
        let at = UnixTime::since_unix_epoch(std::time::Duration::from_secs(secs));
        verifier.verify_server_cert(leaf, rest, name, &[], at)
    };
    // A leaf the user gave as an anchor is pinned: OpenSSL, Go and curl trust it as it is, even a
    // self-signed one marked CA:TRUE (what `openssl req -x509` makes), which webpki refuses as
    // an end entity. Its name and dates are findings of their own.
    if trust.pinned.iter().any(|p| p.as_ref() == leaf.as_ref()) {
        return (ServerTrust::Trusted, None);
    }
    let mut result = verify(now);
    if result.as_ref().err().is_some_and(is_time_error) {
        if let Some(at) = valid_moment(facts) {
            result = verify(at);
        }
    }
    match result {
        Ok(_) => (ServerTrust::Trusted, None),
        Err(e) => verdict(e),
    }
}

/// A moment when every served certificate is valid (the middle of their common window), or the
/// latest start when they share none.
fn valid_moment(facts: &[Facts]) -> Option<OffsetDateTime> {
    let start = facts.iter().map(|f| f.not_before).max()?;
    let end = facts.iter().map(|f| f.not_after).min()?;
    Some(if start < end {
        start + (end - start) / 2
    } else {
        start
    })
}

/// The verdict of a webpki error: the host name and dates are findings of their own, so they
/// leave the chain trusted; anything else refuses it, classed.
fn verdict(e: rustls::Error) -> (ServerTrust, Option<(Refusal, String)>) {
    let class = match &e {
        rustls::Error::InvalidCertificate(
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
        ) => return (ServerTrust::Trusted, None),
        e if is_time_error(e) => return (ServerTrust::Trusted, None),
        rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer) => {
            Refusal::UnknownIssuer
        }
        #[allow(deprecated)]
        rustls::Error::InvalidCertificate(
            CertificateError::UnsupportedSignatureAlgorithm
            | CertificateError::UnsupportedSignatureAlgorithmContext { .. }
            | CertificateError::UnsupportedSignatureAlgorithmForPublicKeyContext { .. },
        ) => Refusal::UnsupportedAlgorithm,
        rustls::Error::InvalidCertificate(c) if beyond_limits(c) => Refusal::BeyondLimits,
        _ => Refusal::Other,
    };
    (ServerTrust::Untrusted, Some((class, e.to_string())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::server_cert::test_pki::{Pki, Served};

    #[test]
    fn der_sequence_headers() {
        assert_eq!(der_sequence(&[1, 2]), vec![0x30, 2, 1, 2]);
        let long = vec![0u8; 200];
        let wrapped = der_sequence(&long);
        assert_eq!(wrapped.get(..3), Some([0x30, 0x81, 200].as_slice()));
        let longer = vec![0u8; 300];
        assert_eq!(
            der_sequence(&longer).get(..4),
            Some([0x30, 0x82, 0x01, 0x2c].as_slice())
        );
    }

    /// A chain whose root only a certificate directory holds, under its hash name: found when
    /// the chain names it, as OpenSSL's CApath lookup finds it; not found without the directory.
    #[test]
    fn an_anchor_of_a_hashed_directory_is_found_when_a_chain_needs_it() {
        let (pki, other) = (Pki::new(), Pki::new());
        let dir = std::env::temp_dir().join(format!("mtls-capath-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let root = openssl::x509::X509::from_der(pki.root.der.as_ref()).unwrap();
        let hash = root.subject_name_hash(); // OpenSSL's own name for the file
        std::fs::write(dir.join(format!("{hash:08x}.0")), root.to_pem().unwrap()).unwrap();
        let chain = pki.full_chain();
        let all: Vec<Facts> = chain.iter().filter_map(facts::facts).collect();
        let name = ServerName::try_from("localhost").unwrap();
        let judged = |lazy: &LazyTrust| {
            let store = lazy.for_chains(chain.iter());
            judge_trust(&chain, &all, &name, &store, OffsetDateTime::now_utc()).0
        };
        let unrelated = other.root.der.clone();
        let base = move || Served::store(&[&unrelated]);
        let (base_too, dir_too) = (base.clone(), dir.clone());
        let with_dir = LazyTrust::spawn(move || (base_too(), vec![dir_too]));
        let without = LazyTrust::spawn(move || (base(), Vec::new()));
        let (found, again, not_found) = (judged(&with_dir), judged(&with_dir), judged(&without));
        std::fs::remove_dir_all(&dir).ok();
        assert_eq!(found, ServerTrust::Trusted);
        assert_eq!(again, ServerTrust::Trusted, "the lookup is remembered");
        assert_eq!(not_found, ServerTrust::Untrusted);
    }

    #[test]
    fn a_correct_chain_is_trusted() {
        let pki = Pki::new();
        let e = Served::new(vec![pki.good_leaf()], &[&pki.root.der], "localhost");
        assert_eq!(e.examined().trust, ServerTrust::Trusted);
        assert!(e.examined().refusal.is_none());
    }

    #[test]
    fn an_expired_chain_is_judged_at_a_valid_moment() {
        let pki = Pki::new();
        let leaf = pki.leaf_valid(-400, -3);
        let e = Served::new(vec![leaf], &[&pki.root.der], "localhost");
        assert_eq!(e.examined().trust, ServerTrust::Trusted);
    }

    #[test]
    fn an_unknown_root_is_untrusted_and_no_anchors_is_unknown() {
        let pki = Pki::new();
        let other = Pki::new();
        let e = Served::new(vec![pki.good_leaf()], &[&other.root.der], "localhost");
        let judged = e.examined();
        assert_eq!(judged.trust, ServerTrust::Untrusted);
        assert_eq!(
            judged.refusal.as_ref().map(|(c, _)| *c),
            Some(Refusal::UnknownIssuer)
        );
        let e = Served::new(vec![pki.good_leaf()], &[], "localhost");
        assert_eq!(e.examined().trust, ServerTrust::Unknown);
    }
}
