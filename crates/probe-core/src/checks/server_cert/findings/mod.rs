//! The findings of one examined chain: one small judgement per finding, raised in report order
//! (validity, self-signed, host name, weak key, weak signature, incomplete chain, and last trust,
//! which may be implied by one of those).

mod hostname;
mod incomplete;
mod self_signed;
mod untrusted;
mod validity;
mod weak_key;
mod weak_signature;

use super::examined::Examined;
use super::model::Policy;
use crate::finding::Finding;

/// Every finding of `e`, in report order.
pub(super) fn raise(e: &Examined<'_>, policy: Policy) -> Vec<Finding> {
    let mut findings: Vec<Finding> = [
        validity::expired(e).or_else(|| validity::expiring(e, policy)),
        self_signed::self_signed(e),
        hostname::hostname_mismatch(e),
        weak_key::weak_key(e),
        weak_signature::weak_signature(e),
        incomplete::incomplete_chain(e),
    ]
    .into_iter()
    .flatten()
    .collect();
    findings.extend(untrusted::untrusted(e, &findings));
    findings
}
