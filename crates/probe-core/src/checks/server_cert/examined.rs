//! One served chain, parsed and judged: trust, host name and the walk up the chain, which every
//! finding reads.

use rustls_pki_types::{CertificateDer, ServerName};
use time::OffsetDateTime;

use super::facts::{self, Facts};
use super::model::ServerTrust;
use super::path::{self, PathEnd};
use super::trust::{self, Refusal, TrustStore};
use crate::finding::Finding;
use crate::target::Target;

/// One served chain, parsed and judged: everything the findings read.
pub(super) struct Examined<'a> {
    /// The certificates that parsed, in served order (an unparsable extra one is left out).
    pub(super) all: &'a [Facts],
    /// The leaf (the first of `all`, which parsed).
    pub(super) leaf: &'a Facts,
    /// The leaf's subject alternative names, described.
    pub(super) sans: Vec<String>,
    /// Indexes into `all` from the leaf up its issuers, leaf first.
    pub(super) path: Vec<usize>,
    /// How that walk ended.
    pub(super) end: PathEnd,
    /// webpki's verdict.
    pub(super) trust: ServerTrust,
    /// Why webpki refused the chain, when it did.
    pub(super) refusal: Option<(Refusal, String)>,
    /// Whether the leaf is valid for the target's host.
    pub(super) host_matches: Option<bool>,
    /// The anchors the chain was judged against.
    pub(super) store: &'a TrustStore,
    /// The target scanned.
    pub(super) target: &'a Target,
    /// The moment of judgement.
    pub(super) now: OffsetDateTime,
}

impl Examined<'_> {
    /// The certificates on the path from the leaf, leaf first.
    pub(super) fn on_path(&self) -> impl Iterator<Item = &Facts> {
        self.path.iter().filter_map(|i| self.all.get(*i))
    }

    /// The finding `id` over what was found on the path (`"{what}: a; b."`, the list in the
    /// evidence under `key`, the leaf named), or none when nothing was.
    pub(super) fn path_finding(
        &self,
        id: crate::finding::FindingId,
        what: &str,
        key: &str,
        found: Vec<String>,
    ) -> Option<Finding> {
        if found.is_empty() {
            return None;
        }
        let list = found.join("; ");
        Some(self.with_leaf(Finding::new(id, format!("{what}: {list}.")).with_evidence(key, list)))
    }

    /// `finding` with the leaf named in its evidence.
    pub(super) fn with_leaf(&self, finding: Finding) -> Finding {
        finding.with_evidence("leaf", facts::label(self.leaf))
    }
}

/// Judges trust and host name and walks the chain; `leaf` is the first of `all`.
pub(super) fn examine<'a>(
    chain: &[CertificateDer<'static>],
    all: &'a [Facts],
    leaf: &'a Facts,
    target: &'a Target,
    store: &'a TrustStore,
    now: OffsetDateTime,
) -> Examined<'a> {
    let name = target.server_name().ok();
    let (trust, refusal) = match &name {
        Some(n) => trust::judge_trust(chain, all, n, store, now),
        None => (ServerTrust::Unknown, None),
    };
    let (path, end) = path::walk(all, store);
    // Past webpki's limits, a chain is left unjudged only where its names lead to an anchor: one
    // whose walk ends elsewhere (an unknown root, a missing issuer) is untrusted whatever its
    // length (an audit's 7 intermediates to a root nobody trusts had lost its finding).
    let refusal = refusal.map(|(class, reason)| {
        if class == Refusal::BeyondLimits && !matches!(end, PathEnd::Anchor) {
            (Refusal::UnknownIssuer, reason)
        } else {
            (class, reason)
        }
    });
    Examined {
        all,
        leaf,
        sans: chain.first().map(facts::sans).unwrap_or_default(),
        path,
        end,
        trust,
        refusal,
        host_matches: host_matches(chain, name.as_ref()),
        store,
        target,
        now,
    }
}

/// Whether the leaf is valid for `name`, by webpki's name check; `None` when it cannot be read.
fn host_matches(
    chain: &[CertificateDer<'static>],
    name: Option<&ServerName<'static>>,
) -> Option<bool> {
    let n = name?;
    let leaf_der = chain.first()?;
    let ee = webpki::EndEntityCert::try_from(leaf_der).ok()?;
    Some(ee.verify_is_valid_for_subject_name(n).is_ok())
}
