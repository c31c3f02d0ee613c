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

/// Where a look-alike carries the valid common name; its stranger has the same shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// Inside another CN: `CN=mtls-scan-NAME-lookalike`.
    InCn,
    /// As `CN=NAME` in an OU: `OU=CN=NAME, CN=mtls-scan-lookalike`.
    InOu,
}

impl Shape {
    /// What an origin of this shape says.
    pub fn mark(self) -> &'static str {
        match self {
            Shape::InCn => "(in its CN)",
            Shape::InOu => "(in an OU)",
        }
    }
}

/// The probe.
pub struct LookalikeClientCert;

static SPEC: ProbeSpec = ProbeSpec {
    id: ProbeId::LOOKALIKE_CLIENT_CERT,
    presents: "certificates from the staging CA in pairs of one shape: a look-alike whose name merely contains the valid certificate's common name, and a stranger with that name scrambled (`x` for each letter): `CN=mtls-scan-NAME-lookalike`, and `OU=CN=NAME, CN=mtls-scan-lookalike`; the first stranger in the first wave, the rest only where a positive control was served and that stranger kept out (refused, or served a page wholly unlike the control's: the server lets only some names in); a look-alike served the control's kind of page where its own stranger was kept out is the finding (a substring test or a pattern anchored at neither end, as nginx `$ssl_client_s_dn ~ \"CN=NAME\"` or HAProxy `-m sub`, lets it in; a check anchored at one end, `^NAME`, cannot be told from outside from a deliberate family of names and is not judged)",
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
        [Shape::InCn, Shape::InOu]
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
                            "{}: a certificate from the staging CA for `{}` was served HTTP {}, \
                             as the valid name was, while one of the very same shape without \
                             the valid name (`{}`) was kept out ({how}): the server lets only \
                             some names in and compares them loosely (a substring test, or a \
                             pattern anchored at neither end).",
                            view.version,
                            subject(o),
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
        if let Some(c) = o.client_cert.as_mut() {
            c.origin = format!("minted: staging CA, {what} {}", Shape::InCn.mark());
        }
        o
    }

    fn control(outcome: Outcome, status: Option<u16>) -> ProbeObservation {
        let mut o = with_cert(obs(ProbeId::VALID_CLIENT_CERT, outcome, status));
        o.body_excerpt = Some(ORDERS.to_owned());
        if let Some(c) = o.client_cert.as_mut() {
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
        if let Some(c) = other_shape.client_cert.as_mut() {
            c.origin = format!("minted: staging CA, {STRANGER_MARK} {}", Shape::InOu.mark());
        }
        assert!(judged(with(vec![other_shape, served()])).is_empty());
    }
}
