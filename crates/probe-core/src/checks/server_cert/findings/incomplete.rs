//! `server-chain-incomplete`: the server does not send an intermediate its leaf needs.

use super::super::examined::Examined;
use super::super::path::PathEnd;
use crate::finding::{Finding, FindingId};

/// `server-chain-incomplete`, only when it is known that an intermediate, not a root, is missing:
/// the server sends CA certificates off the path, the leaf names where its issuer is published,
/// or the issuer is an intermediate among the given anchors.
pub(super) fn incomplete_chain(e: &Examined<'_>) -> Option<Finding> {
    let PathEnd::Missing { at, issuer } = &e.end else {
        return None;
    };
    let stray = e.all.len() > e.path.len();
    let aia = e
        .all
        .get(*at)
        .filter(|_| *at == 0)
        .map(|f| f.ca_issuers.clone())
        .unwrap_or_default();
    let known = e.store.known_intermediates.iter().any(|k| k == issuer);
    if !(stray || !aia.is_empty() || known) {
        return None;
    }
    let missing = crate::text::describe_name(issuer);
    let why = why_intermediate(known, &aia);
    let served: Vec<String> = e.all.iter().map(|f| f.described.subject.clone()).collect();
    Some(
        e.with_leaf(
            Finding::new(
                FindingId::ServerChainIncomplete,
                format!("The server does not send the issuer {missing} ({why})."),
            )
            .with_evidence("missing issuer", missing)
            .with_evidence("served chain", served.join(" | ")),
        ),
    )
}

/// Why the missing issuer is known to be an intermediate.
fn why_intermediate(known: bool, aia: &[String]) -> String {
    if known {
        "it is an intermediate CA among the given trust anchors".to_owned()
    } else if !aia.is_empty() {
        format!(
            "the certificate says its issuer is published at {}",
            aia.join(", ")
        )
    } else {
        "the server sends other CA certificates, but not this link".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::server_cert::test_pki::{aia_ca_issuers, leaf_params, Pki, Served, LOCAL};

    #[test]
    fn a_leaf_served_with_the_root_but_not_its_intermediate_is_incomplete() {
        let pki = Pki::new();
        let chain = vec![pki.inter_leaf(), pki.root.der.clone()];
        let served = Served::new(chain, &[&pki.root.der], "localhost");
        let f = incomplete_chain(&served.examined()).expect("incomplete");
        assert_eq!(f.id, FindingId::ServerChainIncomplete);
        assert!(f.detail.contains("but not this link"), "{}", f.detail);
        assert_eq!(
            served.ids(),
            vec![
                (FindingId::ServerChainIncomplete, None),
                (
                    FindingId::ServerCertUntrusted,
                    Some(FindingId::ServerChainIncomplete)
                ),
            ]
        );
        assert!(incomplete_chain(&Served::correct(&pki).examined()).is_none());
    }

    #[test]
    fn an_intermediate_among_the_anchors_still_has_to_be_served() {
        let pki = Pki::new();
        let anchors = [&pki.root.der, &pki.inter.der];
        let served = Served::new(vec![pki.inter_leaf()], &anchors, "localhost");
        let f = incomplete_chain(&served.examined()).expect("incomplete");
        assert!(
            f.detail.contains("among the given trust anchors"),
            "{}",
            f.detail
        );
        assert_eq!(served.ids(), vec![(FindingId::ServerChainIncomplete, None)]);
        let served = Served::new(pki.full_chain(), &anchors, "localhost");
        assert!(incomplete_chain(&served.examined()).is_none());
    }

    #[test]
    fn a_leaf_naming_where_its_issuer_is_published_is_incomplete() {
        let pki = Pki::new();
        let mut params = leaf_params(LOCAL, -30, 365);
        params.custom_extensions = vec![aia_ca_issuers("http://ca.example/inter.der")];
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
        let leaf = params.signed_by(&key, &pki.inter.issuer).unwrap();
        let served = Served::new(vec![leaf.der().clone()], &[&pki.root.der], "localhost");
        let f = incomplete_chain(&served.examined()).expect("incomplete");
        assert!(
            f.detail.contains("http://ca.example/inter.der"),
            "{}",
            f.detail
        );
    }

    #[test]
    fn a_lone_leaf_of_an_unknown_issuer_is_not_called_incomplete() {
        let pki = Pki::new();
        let served = Served::new(vec![pki.inter_leaf()], &[&pki.root.der], "localhost");
        assert!(incomplete_chain(&served.examined()).is_none());
        assert_eq!(served.ids(), vec![(FindingId::ServerCertUntrusted, None)]);
    }
}
