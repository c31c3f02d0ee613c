//! `sni-host-mismatch-bypass`: the TLS layer picks its client-certificate policy by the SNI name,
//! the HTTP layer picks the site by `Host`. Where the protected name refuses an anonymous client,
//! connect without a certificate under another SNI (none; the other names of the served
//! certificate; the configured sibling names; the host in capitals; a random name under the
//! parent domain; at most 8) and ask for the protected `Host`. A 2xx is a bypass when the page is
//! the protected site's, judged against controls on the same name ([`super::landing`]): not its
//! own `Host`'s page (a catch-all public site), unlike an unknown `Host`'s (a default site), or
//! the page the valid certificate gets. `421 Misdirected Request` is the right answer and is kept as evidence. The first connection of each name is shared with the
//! session-resumption probe, which takes its session from it (`side_door::SharedKnocks`).

use futures_util::future::{join_all, BoxFuture};
use futures_util::FutureExt as _;

use super::side_door::{
    anonymous_not_served, knock_again, shared_knock, sibling_names, Door, Seen,
};
#[cfg(test)]
use super::landing::Control;
use super::landing::{self, Controls, Landing};
use super::{FirstWave, ProbeSpec, ScanContext, Start, TargetOutcome, TargetProbe};
use crate::facts::{IncompleteProbe, Outcome, ProbeId, TlsVersion};
use crate::finding::{Finding, FindingId};
use crate::target::Target;
use crate::transport::Sni;

impl ProbeId {
    /// `sni-host-mismatch-bypass`: Another SNI name with the protected `Host`.
    pub const SNI_HOST_MISMATCH_BYPASS: ProbeId = ProbeId::new("sni-host-mismatch-bypass");
}

/// The probe.
pub struct SniHostMismatchBypass;

static SPEC: ProbeSpec = ProbeSpec {
    id: ProbeId::SNI_HOST_MISMATCH_BYPASS,
    presents: "no certificate, another SNI (none, the served certificate's other names, `sni-name`, the host in capitals, a random name under the parent domain; at most 8) and the protected `Host`; then, on a 2xx, the same SNI with its own `Host` and with one nobody serves, and the protected page with the valid certificate when one is given",
    needs: "a target that does not serve an anonymous client (refuses it, redirects it, answers 404 …)",
    findings: &[FindingId::SniHostMismatchBypass],
};

/// The server names tried, with how they are shown.
fn candidates(target: &Target, first: &FirstWave) -> Vec<(Sni, String)> {
    let mut out: Vec<(Sni, String)> = Vec::new();
    let is_name = target.host.parse::<std::net::IpAddr>().is_err();
    if is_name {
        out.push((Sni::Omit, "no SNI".to_owned()));
    }
    for n in sibling_names(target, first) {
        out.push((Sni::Name(n.clone()), n));
    }
    if is_name {
        let upper = target.host.to_ascii_uppercase();
        if upper != target.host {
            out.push((Sni::Name(upper.clone()), upper));
        }
        if let Some((_, parent)) = target.host.split_once('.').filter(|(_, p)| p.contains('.')) {
            let random = format!("mtls-scan-{:08x}.{parent}", rand_u32());
            out.push((Sni::Name(random.clone()), random));
        }
    }
    out.truncate(super::side_door::MAX_NAMES);
    out
}

fn rand_u32() -> u32 {
    let mut b = [0u8; 4];
    // A random label only avoids colliding with real names; a failed draw keeps the zeros.
    let _ = aws_lc_rs::rand::fill(&mut b);
    u32::from_be_bytes(b)
}

/// Whether the name's own `Host` is a control: not for the protected host in another spelling
/// (its own `Host` is the protected one). The random name's is (a `*.parent` site may serve it).
fn own_host_is_another(target: &Target, sni: &Sni) -> bool {
    match sni {
        Sni::Name(n) => !n.trim_end_matches('.').eq_ignore_ascii_case(&target.host),
        _ => false,
    }
}

/// How a candidate is named in evidence and reasons: `SNI name`, or `no SNI`.
fn label(shown: &str) -> String {
    if shown == "no SNI" {
        shown.to_owned()
    } else {
        format!("SNI {shown}")
    }
}

/// What one candidate showed.
struct Tried {
    shown: String,
    protected: Seen,
    /// Where the door landed, judged against its controls, when it was served.
    landed: Option<(Landing, Controls)>,
}

impl Tried {
    /// Served with the protected `Host`, but the controls could not tell where it landed.
    fn unsure(&self) -> Option<&str> {
        match &self.landed {
            Some((Landing::Unsure(why), _)) => Some(why),
            _ => None,
        }
    }

    /// Served without a certificate on the protected site: a door, whether or not that name
    /// asked for one (optionally): nothing was presented either way.
    fn bypass(&self) -> bool {
        self.protected.served() && matches!(self.landed, Some((Landing::Protected, _)))
    }
}

async fn try_one(
    target: &Target,
    scan: &ScanContext,
    first: &FirstWave,
    version: TlsVersion,
    (sni, shown): (Sni, String),
) -> Tried {
    let door = Door {
        version,
        sni: sni.clone(),
        host: None,
        headers: Vec::new(),
        sessions: None,
        cert: None,
        scan,
    };
    // The first attempt is the knock the session-resumption probe takes its session from.
    let shared = shared_knock(target, scan, first, version, &sni).await;
    let protected = knock_again(target, door, shared.seen.clone()).await;
    let landed = if protected.served() {
        let with_own = own_host_is_another(target, &sni);
        Some(landing::judge_served(target, scan, first, version, &sni, &protected, with_own).await)
    } else {
        None
    };
    Tried {
        shown,
        protected,
        landed,
    }
}

impl TargetProbe for SniHostMismatchBypass {
    fn spec(&self) -> &'static ProbeSpec {
        &SPEC
    }

    fn starts(&self) -> Start {
        Start::AfterFirstWave
    }

    fn run<'a>(
        &'a self,
        target: &'a Target,
        scan: &'a ScanContext,
        first: Option<&'a FirstWave>,
    ) -> BoxFuture<'a, TargetOutcome> {
        async move {
            let Some(first) = first else {
                return TargetOutcome::default();
            };
            let Some(refused) = anonymous_not_served(first).into_iter().next() else {
                return TargetOutcome::default();
            };
            let version = refused.tls_version;
            let tried = join_all(
                candidates(target, first)
                    .into_iter()
                    .map(|c| try_one(target, scan, first, version, c)),
            )
            .await;
            judge(target, version, refused.outcome, &tried)
        }
        .boxed()
    }
}

fn judge(target: &Target, version: TlsVersion, refused: Outcome, tried: &[Tried]) -> TargetOutcome {
    let mut out = TargetOutcome::default();
    let refusal = match refused {
        Outcome::RefusedTls => "refused in the TLS layer",
        Outcome::Answered => "did not serve (a redirect or an error page)",
        _ => "refused over HTTP",
    };
    let doors: Vec<&Tried> = tried.iter().filter(|t| t.bypass()).collect();
    for t in tried {
        if let Some(why) = t.protected.unreadable() {
            out.incomplete.push(IncompleteProbe {
                probe: SPEC.id.as_str().to_owned(),
                tls_version: Some(version),
                reason: format!("{}: {why}", label(&t.shown)),
            });
        }
        if let Some(why) = t.unsure() {
            out.incomplete.push(IncompleteProbe {
                probe: SPEC.id.as_str().to_owned(),
                tls_version: Some(version),
                reason: format!(
                    "{} was served the protected Host, but {why}",
                    label(&t.shown)
                ),
            });
        }
        if let Some((Landing::Elsewhere(page), _)) = &t.landed {
            out.notes.push(format!(
                "{version}: {} with Host {} was served without a certificate, but the page is \
                 {page}: no bypass.",
                label(&t.shown),
                target.authority()
            ));
        }
    }
    let Some(first_door) = doors.first() else {
        return out;
    };
    let names: Vec<String> = doors.iter().map(|t| label(&t.shown)).collect();
    let mut f = Finding::new(
        FindingId::SniHostMismatchBypass,
        format!(
            "{version}: without a certificate, {} with Host {} was served HTTP {} while the \
             protected name itself {refusal}.",
            names.join(", "),
            target.authority(),
            first_door.protected.status().unwrap_or_default()
        ),
    );
    f.tls_versions = vec![version];
    for t in tried {
        f.evidence.insert(
            format!("{} + Host {}", label(&t.shown), target.authority()),
            t.protected.describe(),
        );
        if let Some((_, controls)) = &t.landed {
            for (k, v) in landing::evidence(controls, &label(&t.shown), target) {
                f.evidence.insert(k, v);
            }
        }
    }
    out.findings.push(f);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Severity;
    use crate::probe::side_door::recorded::{
        alert_before_certificate, failed, http, inconclusive, refused_tls,
    };

    fn target() -> Target {
        Target::parse("https://secure.test:8443/admin").unwrap_or_else(|e| panic!("{e}"))
    }

    /// A door judged as the probe judges it: a served one against `own` and an unknown `Host`
    /// that was not found.
    fn door(shown: &str, protected: Seen, own: Option<Seen>) -> Tried {
        door_against(shown, protected, own, http(404, "no such site"))
    }

    /// A door, a served one judged against `own` and an unknown `Host` that got `unknown`.
    fn door_against(shown: &str, protected: Seen, own: Option<Seen>, unknown: Seen) -> Tried {
        door_with(shown, protected, own, unknown, None)
    }

    /// A door, a served one judged against `own`, an unknown `Host` that got `unknown`, and the
    /// protected page with the certificate, `reference`.
    fn door_with(
        shown: &str,
        protected: Seen,
        own: Option<Seen>,
        unknown: Seen,
        reference: Option<Seen>,
    ) -> Tried {
        let landed = protected.served().then(|| {
            let c = Controls {
                secrets: Default::default(),
                holder: Vec::new(),
                front: None,
                protected_host: "secure.test:8443".to_owned(),
                own: own.map(|seen| Control {
                    host: format!("{shown}:8443"),
                    seen,
                    again: None,
                }),
                unknown: Some(Control {
                    host: "mtls-scan-0.invalid:8443".to_owned(),
                    seen: unknown,
                    again: None,
                }),
                reference: reference.map(|seen| Control {
                    host: "secure.test:8443".to_owned(),
                    seen,
                    again: None,
                }),
            };
            (landing::landing(&protected, &c), c)
        });
        Tried {
            shown: shown.to_owned(),
            protected,
            landed,
        }
    }

    /// Each finding's id, severity and versions.
    fn ids(out: &TargetOutcome) -> Vec<(FindingId, Severity, Vec<TlsVersion>)> {
        out.findings
            .iter()
            .map(|f| (f.id, f.severity, f.tls_versions.clone()))
            .collect()
    }

    #[test]
    fn another_name_served_the_protected_host_is_a_bypass() {
        let tried = [
            door("no SNI", refused_tls("CertificateRequired"), None),
            door(
                "public.test",
                http(200, "admin console"),
                Some(http(200, "public home page")),
            ),
            door("SECURE.TEST", http(421, "Misdirected Request"), None),
        ];
        let out = judge(&target(), TlsVersion::Tls12, Outcome::RefusedTls, &tried);
        assert_eq!(
            ids(&out),
            [(
                FindingId::SniHostMismatchBypass,
                Severity::Critical,
                vec![TlsVersion::Tls12]
            )]
        );
        assert!(out.incomplete.is_empty(), "{:?}", out.incomplete);
        let f = &out.findings[0];
        assert!(
            f.detail.starts_with("TLS 1.2: without a certificate, SNI public.test with Host secure.test:8443 was served HTTP 200")
                && f.detail.ends_with("refused in the TLS layer."),
            "{}",
            f.detail
        );
        // Every name tried is evidence, the right answer (421) included.
        assert_eq!(
            f.evidence
                .get("SNI SECURE.TEST + Host secure.test:8443")
                .map(String::as_str),
            Some("no CertificateRequest; HTTP 421; body \"Misdirected Request\"")
        );
        assert_eq!(
            f.evidence
                .get("SNI public.test + its own Host")
                .map(String::as_str),
            Some("no CertificateRequest; HTTP 200; body \"public home page\"")
        );
        assert!(f.evidence.contains_key("no SNI + Host secure.test:8443"));
    }

    #[test]
    fn a_served_door_whose_control_could_not_be_read_is_incomplete() {
        let tried = [door(
            "public.test",
            http(200, "admin console"),
            Some(inconclusive("timed out after 5 s")),
        )];
        let out = judge(&target(), TlsVersion::Tls13, Outcome::RefusedTls, &tried);
        assert!(out.findings.is_empty(), "{:?}", ids(&out));
        assert_eq!(out.incomplete.len(), 1);
        assert!(
            out.incomplete[0].reason.starts_with(
                "SNI public.test was served the protected Host, but its own Host's answer could not be read"
            ),
            "{}",
            out.incomplete[0].reason
        );
    }

    #[test]
    fn no_sni_served_is_a_bypass_and_names_every_door() {
        let tried = [
            door("no SNI", http(200, "admin console"), None),
            door(
                "api.secure.test",
                http(204, ""),
                Some(http(404, "not here")),
            ),
        ];
        let out = judge(&target(), TlsVersion::Tls13, Outcome::RefusedHttp, &tried);
        assert_eq!(
            ids(&out),
            [(
                FindingId::SniHostMismatchBypass,
                Severity::Critical,
                vec![TlsVersion::Tls13]
            )]
        );
        let detail = &out.findings[0].detail;
        assert!(
            detail.contains("no SNI, SNI api.secure.test with Host")
                && detail.ends_with("refused over HTTP."),
            "{detail}"
        );
    }

    #[test]
    fn a_catch_all_public_site_is_no_bypass_once_the_protected_page_tells() {
        let catch_all = |reference| {
            [door_with(
                "www.secure.test",
                http(200, "<html>welcome</html>"),
                Some(http(200, "<html>welcome</html>")),
                http(200, "<html>welcome</html>"),
                reference,
            )]
        };
        let tried = catch_all(Some(http(200, "<html>admin console</html>")));
        let out = judge(&target(), TlsVersion::Tls13, Outcome::RefusedTls, &tried);
        assert!(out.findings.is_empty(), "{:?}", ids(&out));
        assert!(out.incomplete.is_empty(), "{:?}", out.incomplete);
        assert!(
            out.notes.len() == 1
                && out.notes[0].contains("the page the name gives every Host")
                && out.notes[0].ends_with("differs): no bypass."),
            "{:?}",
            out.notes
        );
        // Without it, the catch-all and a server that serves the protected site to every name
        // look alike: incomplete, never passed.
        let out = judge(&target(), TlsVersion::Tls13, Outcome::RefusedTls, &catch_all(None));
        assert!(out.findings.is_empty() && out.notes.is_empty());
        assert_eq!(out.incomplete.len(), 1, "{:?}", out.incomplete);
        // It is the protected page: a bypass.
        let tried = catch_all(Some(http(200, "<html>welcome</html>")));
        let out = judge(&target(), TlsVersion::Tls13, Outcome::RefusedTls, &tried);
        assert_eq!(out.findings.len(), 1);
        assert!(out.findings[0].evidence.contains_key(
            "SNI secure.test + Host secure.test:8443 with the client certificate"
        ));
    }

    #[test]
    fn the_page_any_unknown_host_gets_is_incomplete_without_the_protected_page() {
        // HAProxy routing by SNI: the public backend's default site answers the protected Host
        // as it answers any Host it does not know. It may be the protected site, or not.
        let tried = [door_against(
            "public.test",
            http(200, "default site"),
            Some(http(200, "public area")),
            http(200, "default site"),
        )];
        let out = judge(&target(), TlsVersion::Tls13, Outcome::RefusedTls, &tried);
        assert!(out.findings.is_empty(), "{:?}", ids(&out));
        assert_eq!(out.incomplete.len(), 1, "{:?}", out.incomplete);
        assert!(
            out.incomplete[0]
                .reason
                .contains("any unknown Host gets (as Host mtls-scan-0.invalid:8443 did)"),
            "{}",
            out.incomplete[0].reason
        );
        // An unknown Host served another page: the door's page is the protected Host's own.
        let tried = [door_against(
            "public.test",
            http(200, "secret area"),
            Some(http(200, "public area")),
            http(200, "default site"),
        )];
        let out = judge(&target(), TlsVersion::Tls13, Outcome::RefusedTls, &tried);
        assert_eq!(out.findings.len(), 1, "{:?}", out.incomplete);
        assert!(out.findings[0]
            .evidence
            .contains_key("SNI public.test + Host mtls-scan-0.invalid:8443"));
    }

    #[test]
    fn misdirected_refused_or_asked_for_a_certificate_raises_nothing() {
        let tried = [
            door("no SNI", http(421, "Misdirected Request"), None),
            door("other.test", refused_tls("CertificateRequired"), None),
            door("api.secure.test", http(403, "forbidden"), None),
            door("SECURE.TEST", http(401, "who are you"), None),
        ];
        let out = judge(&target(), TlsVersion::Tls13, Outcome::RefusedTls, &tried);
        assert!(out.findings.is_empty(), "{:?}", ids(&out));
        assert!(out.incomplete.is_empty(), "{:?}", out.incomplete);
    }

    #[test]
    fn a_name_that_asks_optionally_and_serves_without_a_certificate_is_a_door() {
        // Go with RequireAndVerifyClientCert for the protected name, VerifyClientCertIfGiven for
        // the others, routing by Host: no certificate was sent, the protected page came back.
        let tried = [door(
            "optional.secure.test",
            http(200, "admin console").asked(),
            Some(http(200, "optional site").asked()),
        )];
        let out = judge(&target(), TlsVersion::Tls13, Outcome::RefusedTls, &tried);
        assert_eq!(
            ids(&out),
            [(
                FindingId::SniHostMismatchBypass,
                Severity::Critical,
                vec![TlsVersion::Tls13]
            )]
        );
    }

    #[test]
    fn an_unreadable_answer_is_incomplete_never_a_finding_nor_a_pass() {
        let tried = [
            door("no SNI", inconclusive("timed out after 10.0 s after the handshake began"), None),
            door("other.test", http(421, "Misdirected Request"), None),
        ];
        let out = judge(&target(), TlsVersion::Tls13, Outcome::RefusedTls, &tried);
        assert!(out.findings.is_empty(), "{:?}", ids(&out));
        assert_eq!(
            out.incomplete,
            [IncompleteProbe {
                probe: "sni-host-mismatch-bypass".to_owned(),
                tls_version: Some(TlsVersion::Tls13),
                reason: "no SNI: timed out after 10.0 s after the handshake began".to_owned(),
            }]
        );
        // Beside a door found elsewhere, it stays incomplete and the door is still a finding.
        let tried = [
            door("no SNI", inconclusive("connection reset after the request"), None),
            door("other.test", http(200, "admin"), Some(http(404, "no"))),
        ];
        let out = judge(&target(), TlsVersion::Tls13, Outcome::RefusedTls, &tried);
        assert_eq!(out.findings.len(), 1);
        assert_eq!(out.incomplete.len(), 1);
    }

    #[test]
    fn a_failed_door_is_incomplete_and_an_unknown_name_alert_is_a_refusal() {
        let tried = [
            door("no SNI", failed("not a TLS server: garbage"), None),
            door(
                "www.secure.test",
                alert_before_certificate("unrecognised name"),
                None,
            ),
        ];
        let out = judge(&target(), TlsVersion::Tls13, Outcome::RefusedTls, &tried);
        assert!(out.findings.is_empty());
        let reasons: Vec<&str> = out.incomplete.iter().map(|i| i.reason.as_str()).collect();
        assert_eq!(reasons, ["no SNI: not a TLS server: garbage"]);
    }
}
