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

/// What the stranger's origin says: a certificate of the staging CA for a name of its own.
pub const STRANGER_MARK: &str = "a stranger's name";
/// What a look-alike's origin says: a name that contains the valid one.
pub const LOOKALIKE_MARK: &str = "a look-alike of the valid name";

/// The probe.
pub struct LookalikeClientCert;

static SPEC: ProbeSpec = ProbeSpec {
    id: ProbeId::LOOKALIKE_CLIENT_CERT,
    presents: "a certificate from the staging CA for a name of its own (`CN=mtls-scan stranger`); where the staging CA's control (the valid name) was served and that stranger refused (the server lets only some names in), two more from the staging CA whose names merely contain the valid certificate's common name: `CN=mtls-scan-NAME-lookalike`, and `OU=CN=NAME, CN=mtls-scan lookalike` (a substring test or an unanchored pattern over the CN or the subject DN, as nginx `$ssl_client_s_dn ~ \"CN=NAME\"` or HAProxy `-m sub`, lets them in)",
    needs: "a staging CA the server trusts (`issuing-ca-*`), and a common name in the valid certificate",
    findings: &[FindingId::LookalikeClientCertAccepted],
};

/// The stranger, where the staging CA is given.
fn stranger(ctx: &ProbeContext) -> Plan {
    match &ctx.staging {
        Some(s) if !s.lookalikes.is_empty() => {
            Plan::Run(Some(Arc::new(Paired(s.stranger.clone()))))
        }
        Some(_) => Plan::Skip(
            "the valid certificate has no common name for a look-alike to contain".into(),
        ),
        None => Plan::Skip("needs a staging CA the server trusts (its certificate and key)".into()),
    }
}

/// A positive control (`client-cert`, or the staging CA's own: the valid name) was served a 2xx
/// on this version.
fn control_served(view: &VersionView<'_>) -> bool {
    view.all(ProbeId::VALID_CLIENT_CERT).any(|o| {
        o.client_cert.is_some() && o.outcome == Outcome::Served && !view.served_another_page(o)
    })
}

/// The stranger was refused on this version (over HTTP by the application, or in the handshake by
/// a verifier that reads the name): the server lets only some names in.
fn stranger_refused<'a>(view: &VersionView<'a>) -> Option<&'a ProbeObservation> {
    view.all(ProbeId::LOOKALIKE_CLIENT_CERT).find(|o| {
        o.client_cert.is_some()
            && o.origin_says(STRANGER_MARK)
            && matches!(o.outcome, Outcome::RefusedHttp | Outcome::RefusedTls)
            && !o.http_status.is_some_and(crate::transport::is_busy_status)
    })
}

impl Probe for LookalikeClientCert {
    fn spec(&self) -> &'static ProbeSpec {
        &SPEC
    }

    /// The stranger in the first wave, beside the staging CA's control.
    fn plan(&self, ctx: &ProbeContext) -> Plan {
        stranger(ctx)
    }

    /// The look-alikes, only where the control was served and the stranger refused: elsewhere
    /// the server lets every name of the CA in (or none), and a look-alike would say nothing.
    fn follow_up(&self, ctx: &ProbeContext, first: &VersionView<'_>) -> Vec<Arc<dyn CertChooser>> {
        let Some(staging) = &ctx.staging else {
            return Vec::new();
        };
        if !control_served(first) || stranger_refused(first).is_none() {
            return Vec::new();
        }
        staging
            .lookalikes
            .iter()
            .map(|pair| Arc::new(Paired(pair.clone())) as Arc<dyn CertChooser>)
            .collect()
    }

    /// A look-alike served (the page the control got, not another), where the control was served
    /// and the stranger refused on this version.
    fn judge<'a>(&self, view: &VersionView<'a>) -> Vec<Judged<'a>> {
        let Some(stranger) = stranger_refused(view) else {
            return Vec::new();
        };
        if !control_served(view) {
            return Vec::new();
        }
        let how = crate::probe::valid_client_cert::how_refused(stranger);
        view.all(self.id())
            .filter(|o| {
                o.client_cert.is_some()
                    && o.origin_says(LOOKALIKE_MARK)
                    && o.outcome == Outcome::Served
                    && !view.served_another_page(o)
            })
            .map(|o| {
                let name = o.client_cert.as_ref().map_or("", |c| c.subject.as_str());
                let status = o.http_status.unwrap_or_default();
                Judged {
                    finding: Finding::new(
                        FindingId::LookalikeClientCertAccepted,
                        format!(
                            "{}: a certificate from the staging CA for `{name}` was served HTTP \
                             {status}, as the valid name was, while one for a name of its own was \
                             refused ({how}): the server lets only some names in and compares them \
                             loosely (a substring, or a pattern not anchored at both ends).",
                            view.version
                        ),
                    ),
                    from: o,
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::recorded::{obs, view, with_cert};

    fn minted(outcome: Outcome, status: Option<u16>, origin: &str) -> ProbeObservation {
        let mut o = with_cert(obs(ProbeId::LOOKALIKE_CLIENT_CERT, outcome, status));
        if let Some(c) = o.client_cert.as_mut() {
            c.origin = format!("minted: staging CA, {origin}");
        }
        o
    }

    fn control(outcome: Outcome, status: Option<u16>) -> ProbeObservation {
        let mut o = with_cert(obs(ProbeId::VALID_CLIENT_CERT, outcome, status));
        if let Some(c) = o.client_cert.as_mut() {
            c.origin = crate::probe::STAGING_VALID_ORIGIN.to_owned();
        }
        o
    }

    #[test]
    fn a_lookalike_counts_only_beside_a_served_control_and_a_refused_stranger() {
        let judged = |seen: Vec<ProbeObservation>| {
            let v = view(&seen);
            LookalikeClientCert
                .judge(&v)
                .into_iter()
                .map(|j| j.finding.id)
                .collect::<Vec<_>>()
        };
        let served = minted(Outcome::Served, Some(200), LOOKALIKE_MARK);
        let open = vec![
            control(Outcome::Served, Some(200)),
            minted(Outcome::RefusedHttp, Some(403), STRANGER_MARK),
            served.clone(),
        ];
        assert_eq!(judged(open), vec![FindingId::LookalikeClientCertAccepted]);
        // Every name of the CA gets in: no allowlist, nothing to say.
        let any_name = vec![
            control(Outcome::Served, Some(200)),
            minted(Outcome::Served, Some(200), STRANGER_MARK),
            served.clone(),
        ];
        assert!(judged(any_name).is_empty());
        // The control refused: nothing shows which names get in.
        let refused = vec![
            control(Outcome::RefusedHttp, Some(403)),
            minted(Outcome::RefusedHttp, Some(403), STRANGER_MARK),
            served.clone(),
        ];
        assert!(judged(refused).is_empty());
        // A busy stranger is no refusal.
        let busy = vec![
            control(Outcome::Served, Some(200)),
            minted(Outcome::RefusedHttp, Some(429), STRANGER_MARK),
            served,
        ];
        assert!(judged(busy).is_empty());
        // An exact allowlist refuses the look-alike.
        let exact = vec![
            control(Outcome::Served, Some(200)),
            minted(Outcome::RefusedHttp, Some(403), STRANGER_MARK),
            minted(Outcome::RefusedHttp, Some(403), LOOKALIKE_MARK),
        ];
        assert!(judged(exact).is_empty());
    }
}
