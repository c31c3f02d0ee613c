//! The facts of one served certificate, read from its DER with x509-parser: names, validity, key,
//! signature, self-signature and where its issuer is published. Nothing here judges.

use rustls_pki_types::CertificateDer;
use time::OffsetDateTime;
use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::{GeneralName, ParsedExtension};

use super::model::ChainCertificate;
use crate::identity::sha256_hex;

/// `id-ad-caIssuers`, the AIA method that says where the issuer's certificate can be fetched.
const CA_ISSUERS: &str = "1.3.6.1.5.5.7.48.2";

/// md2, md4, md5 and sha1 with RSA (PKCS#1 and OIW), ECDSA with SHA-1, DSA with SHA-1.
const WEAK_SIGNATURES: &[&str] = &[
    "1.2.840.113549.1.1.2",
    "1.2.840.113549.1.1.3",
    "1.2.840.113549.1.1.4",
    "1.2.840.113549.1.1.5",
    "1.3.14.3.2.29",
    "1.2.840.10045.4.1",
    "1.2.840.10040.4.3",
];

/// Facts of one parsed certificate.
pub(super) struct Facts {
    /// Subject, as its full DER Name.
    pub(super) subject_raw: Vec<u8>,
    /// Issuer, as its full DER Name.
    pub(super) issuer_raw: Vec<u8>,
    /// The certificate as the report describes it.
    pub(super) described: ChainCertificate,
    /// Start of validity.
    pub(super) not_before: OffsetDateTime,
    /// End of validity.
    pub(super) not_after: OffsetDateTime,
    /// Why the key is weak, when it is.
    pub(super) weak_key: Option<String>,
    /// Signed with an algorithm of [`WEAK_SIGNATURES`].
    pub(super) weak_signature: bool,
    /// The AIA caIssuers URIs, sanitised.
    pub(super) ca_issuers: Vec<String>,
}

/// Reads the facts of one certificate; `None` when it is not X.509.
pub(super) fn facts(der: &CertificateDer<'_>) -> Option<Facts> {
    let (_, c) = x509_parser::parse_x509_certificate(der.as_ref()).ok()?;
    let (key, weak_key) = key_facts(&c);
    let sig_oid = c.signature_algorithm.algorithm.to_id_string();
    let not_before = c.validity().not_before.to_datetime();
    let not_after = c.validity().not_after.to_datetime();
    Some(Facts {
        subject_raw: c.subject().as_raw().to_vec(),
        issuer_raw: c.issuer().as_raw().to_vec(),
        described: ChainCertificate {
            subject: crate::text::escape_controls(&c.subject().to_string()),
            issuer: crate::text::escape_controls(&c.issuer().to_string()),
            sha256: sha256_hex(der.as_ref()),
            key,
            signature_algorithm: oid_name(&c.signature_algorithm.algorithm),
            not_before: rfc3339(not_before),
            not_after: rfc3339(not_after),
            self_signed: self_signed(&c),
        },
        not_before,
        not_after,
        weak_key,
        weak_signature: WEAK_SIGNATURES.contains(&sig_oid.as_str()),
        ca_issuers: ca_issuers(&c),
    })
}

/// The AIA caIssuers URIs of `c`, sanitised.
fn ca_issuers(c: &X509Certificate<'_>) -> Vec<String> {
    c.extensions()
        .iter()
        .filter_map(|e| match e.parsed_extension() {
            ParsedExtension::AuthorityInfoAccess(aia) => Some(aia),
            _ => None,
        })
        .flat_map(|aia| aia.accessdescs.iter())
        .filter(|d| d.access_method.to_id_string() == CA_ISSUERS)
        .filter_map(|d| match &d.access_location {
            GeneralName::URI(u) => Some(crate::text::sanitize(u.as_bytes(), 200)),
            _ => None,
        })
        .collect()
}

/// `t` in RFC 3339 (empty if it cannot be written).
pub(super) fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// The short name of `oid`, or its dotted form.
fn oid_name(oid: &x509_parser::oid_registry::Oid<'_>) -> String {
    x509_parser::objects::oid2sn(oid, x509_parser::objects::oid_registry())
        .map(str::to_owned)
        .unwrap_or_else(|_| oid.to_id_string())
}

/// The key, described, and why it is weak when it is.
fn key_facts(c: &X509Certificate<'_>) -> (String, Option<String>) {
    use x509_parser::public_key::PublicKey;
    let spki = c.public_key();
    match spki.parsed() {
        Ok(PublicKey::RSA(rsa)) => {
            let bits = rsa.key_size();
            let weak = (bits < 2048).then(|| format!("RSA {bits} bits (below 2048)"));
            (format!("RSA {bits}"), weak)
        }
        Ok(PublicKey::EC(ec)) => {
            let bits = ec.key_size();
            let curve = spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.as_oid().ok())
                .map(|o| oid_name(&o))
                .unwrap_or_else(|| "unknown curve".to_owned());
            let weak = (bits < 256).then(|| format!("EC {bits} bits (below 256)"));
            (format!("EC {bits} ({curve})"), weak)
        }
        Ok(PublicKey::DSA(_)) => ("DSA".to_owned(), Some("DSA (deprecated)".to_owned())),
        _ => (oid_name(&spki.algorithm.algorithm), None),
    }
}

/// Self-signed: the subject is the issuer, and the certificate verifies with its own key. When the
/// signature cannot be checked (an algorithm the provider refuses, such as RSA-1024 with SHA-256),
/// matching key identifiers (or none) stand in for it.
pub(super) fn self_signed(c: &X509Certificate<'_>) -> bool {
    if c.subject().as_raw() != c.issuer().as_raw() {
        return false;
    }
    match c.verify_signature(None) {
        Ok(()) => true,
        Err(_) => {
            let mut akid = None;
            let mut skid = None;
            for e in c.extensions() {
                match e.parsed_extension() {
                    ParsedExtension::AuthorityKeyIdentifier(a) => {
                        akid = a.key_identifier.as_ref().map(|k| k.0.to_vec());
                    }
                    ParsedExtension::SubjectKeyIdentifier(k) => skid = Some(k.0.to_vec()),
                    _ => {}
                }
            }
            akid.is_none() || akid == skid
        }
    }
}

/// The subject alternative names of a certificate (at most 100), described and sanitised.
pub(super) fn sans(der: &CertificateDer<'_>) -> Vec<String> {
    let Ok((_, c)) = x509_parser::parse_x509_certificate(der.as_ref()) else {
        return Vec::new();
    };
    let Ok(Some(ext)) = c.subject_alternative_name() else {
        return Vec::new();
    };
    ext.value
        .general_names
        .iter()
        .take(100)
        .map(|n| {
            let s = match n {
                GeneralName::DNSName(d) => format!("DNS:{d}"),
                GeneralName::IPAddress(b) => format!("IP:{}", ip_text(b)),
                GeneralName::URI(u) => format!("URI:{u}"),
                GeneralName::RFC822Name(m) => format!("email:{m}"),
                other => format!("{other}"),
            };
            crate::text::sanitize(s.as_bytes(), 200)
        })
        .collect()
}

/// An IP address SAN as text (hex when it is neither 4 nor 16 bytes long).
fn ip_text(b: &[u8]) -> String {
    if let Ok(v4) = <[u8; 4]>::try_from(b) {
        std::net::Ipv4Addr::from(v4).to_string()
    } else if let Ok(v6) = <[u8; 16]>::try_from(b) {
        std::net::Ipv6Addr::from(v6).to_string()
    } else {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }
}

/// Whole days of `d`.
pub(super) fn days(d: time::Duration) -> i64 {
    d.whole_days()
}

/// The date part of `t` (`YYYY-MM-DD`).
pub(super) fn date(t: OffsetDateTime) -> String {
    rfc3339(t)
        .split('T')
        .next()
        .map(str::to_owned)
        .unwrap_or_default()
}

/// A certificate named for evidence: its subject and fingerprint.
pub(super) fn label(f: &Facts) -> String {
    format!("{} (sha256 {})", f.described.subject, f.described.sha256)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ip_addresses_render() {
        assert_eq!(ip_text(&[127, 0, 0, 1]), "127.0.0.1");
        assert_eq!(ip_text(&[0; 16]), "::");
        assert_eq!(ip_text(&[1, 2, 3]), "010203");
    }
}
