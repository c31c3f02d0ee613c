//! Which CA names a CertificateRequest advertises are public roots: the subjects of Mozilla's
//! root program (`webpki-roots`), compiled in, so that a private CA installed in the scanning
//! machine's own trust store is never taken for a public one.

use std::collections::HashSet;
use std::sync::OnceLock;

/// The public roots' subjects, each a full DER Name (outer SEQUENCE included, as a
/// CertificateRequest carries it).
fn public_subjects() -> &'static HashSet<Vec<u8>> {
    static SUBJECTS: OnceLock<HashSet<Vec<u8>>> = OnceLock::new();
    SUBJECTS.get_or_init(|| {
        webpki_roots::TLS_SERVER_ROOTS
            .iter()
            .map(|anchor| {
                rustls::DistinguishedName::in_sequence(anchor.subject.as_ref())
                    .as_ref()
                    .to_vec()
            })
            .collect()
    })
}

/// Whether a full DER Name is the subject of a public root (no description made).
pub fn is_public_subject(name: &[u8]) -> bool {
    public_subjects().contains(name)
}

/// The advertised names (full DER Names) that are public roots, described for a report.
pub fn public_roots_among(advertised: &[Vec<u8>]) -> Vec<String> {
    let public = public_subjects();
    let mut out: Vec<String> = Vec::new();
    for name in advertised
        .iter()
        .filter(|name| public.contains(name.as_slice()))
    {
        let shown = crate::text::describe_name(name);
        if !out.contains(&shown) {
            out.push(shown);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A public root's subject as a server advertises it is found; a private CA's is not, nor a
    /// public root's name without its outer SEQUENCE.
    #[test]
    fn public_roots_are_told_from_private_cas() {
        let Some(anchor) = webpki_roots::TLS_SERVER_ROOTS.first() else {
            panic!("no public roots compiled in");
        };
        let advertised = rustls::DistinguishedName::in_sequence(anchor.subject.as_ref())
            .as_ref()
            .to_vec();
        let private: x509_cert::name::Name = "CN=Test Client CA,O=mtls-scan tests"
            .parse()
            .unwrap_or_default();
        let private = {
            use x509_cert::der::Encode;
            private.to_der().unwrap_or_default()
        };
        let found = public_roots_among(&[private, advertised, anchor.subject.as_ref().to_vec()]);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(!found[0].is_empty());
    }
}
