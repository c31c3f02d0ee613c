//! `lookalike-client-cert`: where the server lets only some names in, certificates from the
//! staging CA whose names merely contain the allowed one. A server that serves one compares the
//! client's identity loosely (a substring, an unanchored pattern).

use std::sync::Arc;

use super::{Judged, Paired, Plan, Probe, ProbeContext, ProbeId, ProbeSpec, VersionView};
use crate::facts::{Outcome, ProbeObservation};
use crate::finding::{Finding, FindingId};
use crate::transport::tls::CertChooser;

impl ProbeId {
    /// `lookalike-client-cert`: the staging CA's certificates for a stranger's name and for
    /// names that contain the valid one.
    pub const LOOKALIKE_CLIENT_CERT: ProbeId = ProbeId::new("lookalike-client-cert");
}

/// What a stranger's origin says: a certificate of the staging CA for a name of its own, shaped as
/// its look-alike.
pub const STRANGER_MARK: &str = "a stranger's name";
/// What a look-alike's origin says: a name that contains the valid one.
pub const LOOKALIKE_MARK: &str = "a look-alike of the valid name";

/// Where a look-alike carries the valid name; its stranger has the same shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// Inside another CN: `CN=mtls-scan-NAME-lookalike`.
    InCn,
    /// As `CN=NAME` in an OU: `OU=CN=NAME, CN=mtls-scan-lookalike`.
    InOu,
    /// The valid subject's one-line form (OpenSSL's `X509_NAME_oneline`, HAProxy's `ssl_c_s_dn`,
    /// nginx's `$ssl_client_s_dn_legacy`: `/O=acme/CN=NAME`) held whole by its first attribute
    /// (`O=acme/CN=NAME`), which that form does not escape: an allowlist comparing it, exactly or
    /// not, lets the look-alike in (a review's HAProxy `ssl_c_s_dn -m str`: A, exit 0).
    OneLine,
    /// The valid certificate's URI names (a SPIFFE ID) held inside another, text on both sides
    /// (`spiffe://mtls-scan-lookalike.invalid/td/ns/dev/sa/orders/mtls-scan-lookalike`), the
    /// stranger's last segment scrambled: a check by substring lets it in (a review's Go
    /// allowlist of `/sa/orders`: A, exit 0); one anchored at either end (a trust domain's
    /// prefix) lets neither in.
    InUri,
}

impl Shape {
    /// What an origin of this shape says.
    pub fn mark(self) -> &'static str {
        match self {
            Shape::InCn => "(in its CN)",
            Shape::InOu => "(in an OU)",
            Shape::OneLine => "(its one-line subject)",
            Shape::InUri => "(in a URI name)",
        }
    }

    /// How a finding says where the look-alike carries the valid name.
    fn carries(self) -> &'static str {
        match self {
            Shape::InCn | Shape::InOu => "a name that merely contains the valid one",
            Shape::OneLine => {
                "one attribute holding the valid subject's one-line form (`/O=…/CN=…`, OpenSSL's \
                 and HAProxy's `ssl_c_s_dn`, which does not escape `/`): a subject read in that \
                 form is the valid one's"
            }
            Shape::InUri => {
                "a URI name (a SPIFFE ID) that holds the valid certificate's path, text on both \
                 sides of it"
            }
        }
    }
}

/// A subject and subjectAltNames to mint a certificate with.
#[derive(Debug, Clone)]
pub struct Names {
    /// The subject.
    pub subject: rcgen::DistinguishedName,
    /// The subjectAltNames.
    pub sans: Vec<rcgen::SanType>,
}

/// The names of one pair of a shape: the stranger's and the look-alike's.
#[derive(Debug, Clone)]
pub struct PairNames {
    /// The shape.
    pub shape: Shape,
    /// The stranger: the same shape without the valid name.
    pub stranger: Names,
    /// The look-alike.
    pub lookalike: Names,
}

/// `name` with every letter and digit replaced (`x`, `X`, `0`; `y`, `Y`, `1` where that would give
/// `name` again): the same shape, another name.
pub fn scrambled(name: &str) -> String {
    let with = |l: char, u: char, d: char| -> String {
        name.chars()
            .map(|c| match c {
                'a'..='z' => l,
                'A'..='Z' => u,
                '0'..='9' => d,
                c => c,
            })
            .collect()
    };
    let first = with('x', 'X', '0');
    if first == name {
        with('y', 'Y', '1')
    } else {
        first
    }
}

/// A subject of `O=mtls-scan probe` and `attributes`.
fn name_of(attributes: &[(rcgen::DnType, &str)]) -> rcgen::DistinguishedName {
    let mut dn = rcgen::DistinguishedName::new();
    dn.push(rcgen::DnType::OrganizationName, "mtls-scan probe");
    for (kind, value) in attributes {
        dn.push(kind.clone(), *value);
    }
    dn
}

/// The pairs to mint, in order: in a CN and in an OU where the valid certificate has a common
/// name (`control_cn`); its one-line subject where the valid certificate `control` (DER) has one
/// of two attributes or more of the usual kinds, a CN among them, the first no country; in its
/// URI names where it has any.
pub fn pair_names(control_cn: Option<&str>, control: Option<&[u8]>) -> Vec<PairNames> {
    let plain = |subject| Names {
        subject,
        sans: Vec::new(),
    };
    let mut out = Vec::new();
    if let Some(cn) = control_cn {
        // Each look-alike beside a stranger of its very shape, the name scrambled: a server that
        // refuses a shape (a space in the CN, no OU) refuses both alike.
        let other = scrambled(cn);
        for shape in [Shape::InCn, Shape::InOu] {
            let named = |name: &str| match shape {
                Shape::InOu => name_of(&[
                    (rcgen::DnType::OrganizationalUnitName, &format!("CN={name}")),
                    (rcgen::DnType::CommonName, "mtls-scan-lookalike"),
                ]),
                _ => name_of(&[(
                    rcgen::DnType::CommonName,
                    &format!("mtls-scan-{name}-lookalike"),
                )]),
            };
            out.push(PairNames {
                shape,
                stranger: plain(named(&other)),
                lookalike: plain(named(cn)),
            });
        }
    }
    let Some(der) = control else {
        return out;
    };
    let Ok((_, cert)) = x509_parser::parse_x509_certificate(der) else {
        return out;
    };
    if let Some((first_type, first, rest)) = one_line_parts(cert.subject()) {
        let held = |scramble: bool| {
            let rest: Vec<String> = rest
                .iter()
                .map(|(short, v)| {
                    let v = if scramble && *short == "CN" {
                        scrambled(v)
                    } else {
                        v.clone()
                    };
                    format!("{short}={v}")
                })
                .collect();
            let mut dn = rcgen::DistinguishedName::new();
            dn.push(first_type.clone(), format!("{first}/{}", rest.join("/")));
            dn
        };
        out.push(PairNames {
            shape: Shape::OneLine,
            stranger: plain(held(true)),
            lookalike: plain(held(false)),
        });
    }
    let uris: Vec<String> = cert
        .subject_alternative_name()
        .ok()
        .flatten()
        .map(|san| {
            san.value
                .general_names
                .iter()
                .filter_map(|g| match g {
                    x509_parser::extensions::GeneralName::URI(u) => Some((*u).to_owned()),
                    _ => None,
                })
                .take(4)
                .collect()
        })
        .unwrap_or_default();
    // The valid URI whole inside another, text on both sides (a check anchored at one end, a
    // trust domain's or a workload's prefix, lets neither in: a review's Go `HasPrefix` was a
    // false finding when the look-alike only went on after it).
    let sans = |scramble: bool| -> Vec<rcgen::SanType> {
        uris.iter()
            .filter_map(|u| {
                let (scheme, rest) = u.split_once("://")?;
                let (head, last) = rest.rsplit_once('/').unwrap_or(("", rest));
                let last = if scramble {
                    scrambled(last)
                } else {
                    last.to_owned()
                };
                let held = if head.is_empty() {
                    last
                } else {
                    format!("{head}/{last}")
                };
                let uri =
                    format!("{scheme}://mtls-scan-lookalike.invalid/{held}/mtls-scan-lookalike");
                rcgen::string::Ia5String::try_from(uri)
                    .ok()
                    .map(rcgen::SanType::URI)
            })
            .collect()
    };
    let (stranger, lookalike) = (sans(true), sans(false));
    if !lookalike.is_empty() && stranger.len() == lookalike.len() {
        let subject = name_of(&[(rcgen::DnType::CommonName, "mtls-scan-lookalike")]);
        out.push(PairNames {
            shape: Shape::InUri,
            stranger: Names {
                subject: subject.clone(),
                sans: stranger,
            },
            lookalike: Names {
                subject,
                sans: lookalike,
            },
        });
    }
    out
}

/// A subject read for its one-line form ([`one_line_parts`]): the first attribute's type and
/// value, then the others as `(short name, value)`.
type OneLineParts = (rcgen::DnType, String, Vec<(&'static str, String)>);

/// A subject's attributes for its one-line form; `None` where it has fewer than two, one of a
/// kind without a short name here, no CN, several in one RDN, a value holding `/`, or a country
/// first (a PrintableString of two letters).
fn one_line_parts(subject: &x509_parser::x509::X509Name<'_>) -> Option<OneLineParts> {
    let mut all: Vec<(Vec<u64>, &'static str, String)> = Vec::new();
    for rdn in subject.iter() {
        let mut attrs = rdn.iter();
        let attr = attrs.next()?;
        if attrs.next().is_some() {
            return None;
        }
        let oid: Vec<u64> = attr.attr_type().iter()?.collect();
        let short = match oid.as_slice() {
            [2, 5, 4, 3] => "CN",
            [2, 5, 4, 10] => "O",
            [2, 5, 4, 11] => "OU",
            [2, 5, 4, 7] => "L",
            [2, 5, 4, 8] => "ST",
            [2, 5, 4, 6] => "C",
            [0, 9, 2342, 19200300, 100, 1, 25] => "DC",
            [1, 2, 840, 113549, 1, 9, 1] => "emailAddress",
            _ => return None,
        };
        let value = attr.as_str().ok()?.to_owned();
        if value.contains('/') {
            return None;
        }
        all.push((oid, short, value));
    }
    let mut all = all.into_iter();
    let (oid, short, first) = all.next()?;
    let rest: Vec<(&'static str, String)> = all.map(|(_, s, v)| (s, v)).collect();
    (short != "C" && !rest.is_empty() && rest.iter().any(|(s, _)| *s == "CN"))
        .then(|| (rcgen::DnType::from_oid(&oid), first, rest))
}

/// The probe.
pub struct LookalikeClientCert;

static SPEC: ProbeSpec = ProbeSpec {
    id: ProbeId::LOOKALIKE_CLIENT_CERT,
    presents: "certificates from the staging CA in pairs of one shape: a look-alike whose name merely contains the valid certificate's common name, and a stranger with that name scrambled (`x` for each letter): `CN=mtls-scan-NAME-lookalike`, and `OU=CN=NAME, CN=mtls-scan-lookalike`; the valid subject's one-line form held by its first attribute alone (`O=acme/CN=NAME`, read `/O=acme/CN=NAME` by OpenSSL's one-line form, HAProxy's `ssl_c_s_dn`), the stranger's CN scrambled; the valid certificate's URI names (a SPIFFE ID) held inside another, text on both sides (`spiffe://mtls-scan-lookalike.invalid/TD/PATH/mtls-scan-lookalike`), the stranger's last segment scrambled; the first stranger in the first wave, the rest only where a positive control was served and that stranger kept out (refused, or served a page wholly unlike the control's: the server lets only some names in); a look-alike served the control's kind of page where its own stranger was kept out is the finding (a substring test or a pattern anchored at neither end, as nginx `$ssl_client_s_dn ~ \"CN=NAME\"` or HAProxy `-m sub`, lets it in; a check anchored at one end, `^NAME`, cannot be told from outside from a deliberate family of names and is not judged)",
    needs: "a staging CA the server trusts (`issuing-ca-*`), and a common name in the valid certificate",
    findings: &[FindingId::LookalikeClientCertAccepted],
};

/// The first stranger, where the staging CA is given and the control has a common name.
fn first_stranger(ctx: &ProbeContext) -> Plan {
    match &ctx.staging {
        Some(s) => match s.lookalikes.first() {
            Some((stranger, _)) => Plan::Run(Some(Arc::new(Paired(stranger.clone())))),
            None => Plan::Skip(
                "the valid certificate has no common name for a look-alike to contain".into(),
            ),
        },
        None => Plan::Skip("needs a staging CA the server trusts (its certificate and key)".into()),
    }
}

/// The page of a positive control (`client-cert`, or the staging CA's own: the valid name)
/// served a 2xx on this version (`Some("")` where it had no body).
fn control_page<'a>(view: &VersionView<'a>) -> Option<&'a str> {
    view.all(ProbeId::VALID_CLIENT_CERT)
        .find(|o| {
            o.client_cert.is_some() && o.outcome == Outcome::Served && !view.served_another_page(o)
        })
        .map(|o| o.body_excerpt.as_deref().unwrap_or_default())
}

/// Whether two pages are wholly unlike (an empty one is like anything).
fn unlike(page: &str, o: &ProbeObservation) -> bool {
    let other = o.body_excerpt.as_deref().unwrap_or_default();
    !page.trim().is_empty() && !other.trim().is_empty() && super::page::wholly_unlike(page, other)
}

/// Kept out: refused (in the handshake or over HTTP), answered otherwise than the 2xx the control
/// got, or served a page wholly unlike the control's (a 200 "not allowed"); never a busy answer.
fn kept_out(o: &ProbeObservation, page: &str) -> bool {
    if o.http_status.is_some_and(crate::transport::is_busy_status) {
        return false;
    }
    match o.outcome {
        Outcome::RefusedHttp | Outcome::RefusedTls | Outcome::Answered => true,
        Outcome::Served => unlike(page, o),
        _ => false,
    }
}

/// The observation of this probe on this version whose origin says `what` and `shape`.
fn one<'a>(view: &VersionView<'a>, what: &str, shape: Shape) -> Option<&'a ProbeObservation> {
    view.all(ProbeId::LOOKALIKE_CLIENT_CERT)
        .find(|o| o.client_cert.is_some() && o.origin_says(what) && o.origin_says(shape.mark()))
}

impl Probe for LookalikeClientCert {
    fn spec(&self) -> &'static ProbeSpec {
        &SPEC
    }

    /// The first stranger in the first wave, beside the positive control.
    fn plan(&self, ctx: &ProbeContext) -> Plan {
        first_stranger(ctx)
    }

    /// The first look-alike and the other pair, only where the control was served and the first
    /// stranger kept out: elsewhere the server lets every name of the CA in (or none), and a
    /// look-alike would say nothing.
    fn follow_up(&self, ctx: &ProbeContext, first: &VersionView<'_>) -> Vec<Arc<dyn CertChooser>> {
        let Some(staging) = &ctx.staging else {
            return Vec::new();
        };
        let Some(page) = control_page(first) else {
            return Vec::new();
        };
        if !one(first, STRANGER_MARK, Shape::InCn).is_some_and(|o| kept_out(o, page)) {
            return Vec::new();
        }
        staging
            .lookalikes
            .iter()
            .enumerate()
            .flat_map(|(i, (stranger, lookalike))| {
                // The first stranger went in the first wave.
                let again = (i > 0).then(|| stranger.clone());
                again.into_iter().chain(std::iter::once(lookalike.clone()))
            })
            .map(|pair| Arc::new(Paired(pair)) as Arc<dyn CertChooser>)
            .collect()
    }

    /// A look-alike served the control's kind of page where the control was served and the
    /// stranger of its shape was kept out, on this version.
    fn judge<'a>(&self, view: &VersionView<'a>) -> Vec<Judged<'a>> {
        let Some(page) = control_page(view) else {
            return Vec::new();
        };
        [Shape::InCn, Shape::InOu, Shape::OneLine, Shape::InUri]
            .into_iter()
            .filter_map(|shape| {
                let stranger = one(view, STRANGER_MARK, shape).filter(|o| kept_out(o, page))?;
                let o = one(view, LOOKALIKE_MARK, shape)
                    .filter(|o| o.outcome == Outcome::Served && !unlike(page, o))?;
                let subject = |x: &ProbeObservation| {
                    x.client_cert
                        .as_ref()
                        .map_or_else(String::new, |c| c.subject.clone())
                };
                let how = match stranger.outcome {
                    Outcome::Served => format!(
                        "HTTP {} with a page wholly unlike the valid name's",
                        stranger.http_status.unwrap_or_default()
                    ),
                    _ => crate::probe::valid_client_cert::how_refused(stranger),
                };
                Some(Judged {
                    finding: Finding::new(
                        FindingId::LookalikeClientCertAccepted,
                        format!(
                            "{}: a certificate from the staging CA for `{}`, {}, was served HTTP \
                             {}, as the valid name was, while one of the very same shape without \
                             the valid name (`{}`) was kept out ({how}): the server lets only \
                             some names in and compares them loosely (a substring test, a \
                             pattern anchored at neither end, a subject read in a form that does \
                             not escape its separators).",
                            view.version,
                            subject(o),
                            shape.carries(),
                            o.http_status.unwrap_or_default(),
                            subject(stranger)
                        ),
                    ),
                    from: o,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::recorded::{obs, view, with_cert};

    const ORDERS: &str = r#"{"orders":[{"id":1001,"item":"widget","qty":3}],"customer":"acme"}"#;
    const NOT_ALLOWED: &str = "<h1>Not allowed</h1><p>this client is not on the list</p>";

    fn minted(outcome: Outcome, status: Option<u16>, what: &str, body: &str) -> ProbeObservation {
        let mut o = with_cert(obs(ProbeId::LOOKALIKE_CLIENT_CERT, outcome, status));
        o.body_excerpt = Some(body.to_owned());
        if let Some(c) = o.client_cert.as_mut().map(std::sync::Arc::make_mut) {
            c.origin = format!("minted: staging CA, {what} {}", Shape::InCn.mark());
        }
        o
    }

    fn control(outcome: Outcome, status: Option<u16>) -> ProbeObservation {
        let mut o = with_cert(obs(ProbeId::VALID_CLIENT_CERT, outcome, status));
        o.body_excerpt = Some(ORDERS.to_owned());
        if let Some(c) = o.client_cert.as_mut().map(std::sync::Arc::make_mut) {
            c.origin = crate::probe::STAGING_VALID_ORIGIN.to_owned();
        }
        o
    }

    fn judged(seen: Vec<ProbeObservation>) -> Vec<FindingId> {
        let v = view(&seen);
        LookalikeClientCert
            .judge(&v)
            .into_iter()
            .map(|j| j.finding.id)
            .collect()
    }

    #[test]
    fn a_lookalike_counts_only_beside_a_served_control_and_its_stranger_kept_out() {
        let served = || minted(Outcome::Served, Some(200), LOOKALIKE_MARK, ORDERS);
        let stranger = |outcome, status, body| minted(outcome, status, STRANGER_MARK, body);
        let ok = [control(Outcome::Served, Some(200))];
        let with = |more: Vec<ProbeObservation>| ok.iter().cloned().chain(more).collect();
        let found = vec![FindingId::LookalikeClientCertAccepted];
        // Refused over HTTP, or served a page wholly unlike the orders: an allowlist.
        let refused = stranger(Outcome::RefusedHttp, Some(403), "forbidden");
        assert_eq!(judged(with(vec![refused, served()])), found);
        let not_allowed = stranger(Outcome::Served, Some(200), NOT_ALLOWED);
        assert_eq!(judged(with(vec![not_allowed.clone(), served()])), found);
        // The look-alike got the "not allowed" page too: kept out.
        let lookalike_kept = minted(Outcome::Served, Some(200), LOOKALIKE_MARK, NOT_ALLOWED);
        assert!(judged(with(vec![not_allowed, lookalike_kept])).is_empty());
        // Every name of the CA gets in: no allowlist, nothing to say.
        let any_name = stranger(Outcome::Served, Some(200), ORDERS);
        assert!(judged(with(vec![any_name, served()])).is_empty());
        // A busy stranger is no refusal.
        let busy = stranger(Outcome::RefusedHttp, Some(429), "slow down");
        assert!(judged(with(vec![busy, served()])).is_empty());
        // The control refused: nothing shows which names get in.
        let refused = vec![
            control(Outcome::RefusedHttp, Some(403)),
            stranger(Outcome::RefusedHttp, Some(403), "forbidden"),
            served(),
        ];
        assert!(judged(refused).is_empty());
        // A stranger of another shape proves nothing for this one.
        let mut other_shape = stranger(Outcome::RefusedHttp, Some(403), "forbidden");
        if let Some(c) = other_shape
            .client_cert
            .as_mut()
            .map(std::sync::Arc::make_mut)
        {
            c.origin = format!("minted: staging CA, {STRANGER_MARK} {}", Shape::InOu.mark());
        }
        assert!(judged(with(vec![other_shape, served()])).is_empty());
    }

    /// A stranger's name keeps the look-alike's shape and never is the valid name.
    #[test]
    fn a_scrambled_name_keeps_its_shape() {
        assert_eq!(scrambled("test-client 2"), "xxxx-xxxxxx 0");
        assert_eq!(scrambled("Xx0"), "Yy1");
        assert_eq!(scrambled("a.B"), "x.X");
    }

    /// The pairs of a certificate with a subject of two attributes and a SPIFFE ID: in a CN, in an
    /// OU, its one-line subject held by its O alone (the stranger's CN scrambled), its URI name
    /// with more after it (the stranger's last segment scrambled).
    #[test]
    fn the_pairs_follow_the_valid_certificates_names() {
        let mut params = rcgen::CertificateParams::default();
        let mut dn = rcgen::DistinguishedName::new();
        dn.push(rcgen::DnType::OrganizationName, "acme");
        dn.push(rcgen::DnType::CommonName, "orders");
        params.distinguished_name = dn;
        params.subject_alt_names = vec![rcgen::SanType::URI(
            rcgen::string::Ia5String::try_from("spiffe://td/ns/dev/sa/orders").unwrap(),
        )];
        let key = rcgen::KeyPair::generate().unwrap();
        let der = params.self_signed(&key).unwrap().der().to_vec();
        let pairs = pair_names(Some("orders"), Some(&der));
        let shapes: Vec<Shape> = pairs.iter().map(|p| p.shape).collect();
        assert_eq!(
            shapes,
            [Shape::InCn, Shape::InOu, Shape::OneLine, Shape::InUri]
        );
        let value = |n: &Names| {
            n.subject
                .iter()
                .map(|(_, v)| format!("{v:?}"))
                .collect::<Vec<_>>()
                .join(" ")
        };
        assert!(
            value(&pairs[2].lookalike).contains("acme/CN=orders"),
            "{:?}",
            pairs[2]
        );
        assert!(
            value(&pairs[2].stranger).contains("acme/CN=xxxxxx"),
            "{:?}",
            pairs[2]
        );
        let uri = |n: &Names| format!("{:?}", n.sans);
        assert!(uri(&pairs[3].lookalike).contains(
            "spiffe://mtls-scan-lookalike.invalid/td/ns/dev/sa/orders/mtls-scan-lookalike"
        ));
        assert!(uri(&pairs[3].stranger).contains(
            "spiffe://mtls-scan-lookalike.invalid/td/ns/dev/sa/xxxxxx/mtls-scan-lookalike"
        ));
        // Without a certificate to read: the two of the common name alone.
        assert_eq!(pair_names(Some("orders"), None).len(), 2);
    }
}
