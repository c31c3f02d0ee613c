//! Judgement: from one target's observations to its client-auth level and findings. "Accepted"
//! is judged by the HTTP answer, never by a completed handshake alone.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::facts::LateAsk;
use crate::facts::ProbeId;
use crate::facts::{Outcome, ProbeObservation, TlsVersion};
use crate::finding::{Finding, FindingId, Severity};
use crate::probe::late_client_auth::judged_view;

/// What the server does about client certificates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ClientAuth {
    /// It never asks for one.
    None,
    /// It asks, but serves a request without one.
    Optional,
    /// Without one it is refused, in the handshake or by the server's immediate HTTP rejection.
    Required,
    /// The target could not be judged.
    Unknown,
}

/// Where a missing certificate is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Layer {
    /// In the TLS handshake (an alert, or a close).
    Tls,
    /// Over HTTP after the handshake, by the TLS module's own answer (nginx 400, 495, 496).
    Http,
    /// After the request, by a TLS 1.3 post-handshake CertificateRequest (per-path client auth).
    PostHandshake,
    /// After the request, by a TLS 1.2 renegotiation (per-path client auth).
    Renegotiation,
}

impl Layer {
    fn late(ask: LateAsk) -> Layer {
        match ask {
            LateAsk::PostHandshake => Layer::PostHandshake,
            LateAsk::Renegotiation => Layer::Renegotiation,
        }
    }
}

/// The judgement of one target.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    /// The weakest level seen across TLS versions.
    pub client_auth: ClientAuth,
    /// Where the refusal happens, when required.
    pub enforced_at: Option<Layer>,
    /// Versions the server spoke.
    pub tls_versions: Vec<TlsVersion>,
    /// Findings, root causes first.
    pub findings: Vec<Finding>,
    /// Why the target could not be judged.
    pub error: Option<String>,
    /// Whether the positive control got in.
    pub verification: Verification,
    /// Why the positive control was not attempted or not verified, in a sentence.
    pub verification_detail: Option<String>,
    /// Probes that could have raised a finding but could not be read.
    pub incomplete: Vec<IncompleteProbe>,
}

/// The observation of `id` among those that judge one version.
fn find<'a>(view: &[&'a ProbeObservation], id: ProbeId) -> Option<&'a ProbeObservation> {
    view.iter().copied().find(|o| o.id == id)
}

fn summary(o: &ProbeObservation) -> String {
    let mut s = if o.cert_requested {
        "CertificateRequest sent".to_owned()
    } else {
        "no CertificateRequest".to_owned()
    };
    if let Some(c) = &o.client_cert {
        s.push_str(&format!("; presented {} (sha256 {})", c.subject, c.sha256));
    }
    if let Some(a) = &o.alert {
        s.push_str(&format!("; alert {a}"));
    }
    match o.http_status {
        Some(st) => s.push_str(&format!("; HTTP {st}")),
        None if o.outcome == Outcome::RefusedTls => s.push_str("; refused in the TLS layer"),
        None => {}
    }
    if let Some(d) = &o.detail {
        s.push_str(&format!("; {d}"));
    }
    s
}

/// Collects per-version findings into one finding per id, merging versions and evidence.
#[derive(Default)]
struct Collector(BTreeMap<FindingId, Finding>);

impl Collector {
    fn add(&mut self, v: TlsVersion, f: Finding, probe: &ProbeObservation) {
        let key = format!("{} ({v})", probe.id);
        let entry = self.0.entry(f.id).or_insert_with(|| f.clone());
        entry.severity = entry.severity.max(f.severity);
        if !entry.tls_versions.contains(&v) {
            entry.tls_versions.push(v);
        }
        entry.evidence.extend(f.evidence);
        entry.evidence.insert(key, summary(probe));
        if let Some(c) = &probe.client_cert {
            entry.evidence.insert(
                "identity".into(),
                format!("{}: {} (sha256 {})", c.origin, c.subject, c.sha256),
            );
        }
    }
}

/// A probe that could have raised a finding, but whose answer could not be read (after its
/// retries): the target is then incomplete.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncompleteProbe {
    /// The probe's stable id.
    pub probe: String,
    /// The TLS version it was pinned to, when it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_version: Option<TlsVersion>,
    /// Why it could not be read.
    pub reason: String,
}

impl IncompleteProbe {
    fn of(o: &ProbeObservation) -> Self {
        Self {
            probe: o.id.as_str().to_owned(),
            tls_version: Some(o.tls_version),
            reason: o
                .detail
                .clone()
                .unwrap_or_else(|| "no answer could be read".to_owned()),
        }
    }
}

/// True when an HTTP refusal is the TLS module's own, not the application's: nginx's 400 pages
/// "No required SSL certificate was sent" and "The SSL certificate error", and the 495/496
/// statuses nginx (and others copying it) use for certificate errors.
pub fn tls_module_refusal(o: &ProbeObservation) -> bool {
    match o.http_status {
        Some(495 | 496) => true,
        Some(400) => o.body_excerpt.as_deref().is_some_and(|b| {
            b.contains("No required SSL certificate was sent")
                || b.contains("The SSL certificate error")
        }),
        _ => false,
    }
}

/// Judges one target from its observations.
pub fn judge(obs: &[ProbeObservation]) -> Verdict {
    let views: Vec<(TlsVersion, Vec<&ProbeObservation>)> = TlsVersion::ALL
        .into_iter()
        .map(|v| (v, judged_view(obs, v)))
        .collect();
    let spoken: Vec<TlsVersion> = views
        .iter()
        .filter(|(_, view)| {
            find(view, ProbeId::NoClientCert).is_some_and(|o| o.outcome.is_conclusive())
        })
        .map(|(v, _)| *v)
        .collect();
    // A version whose baseline could not be read, while another was: that version is unjudged.
    let mut incomplete: Vec<IncompleteProbe> = views
        .iter()
        .filter_map(|(_, view)| find(view, ProbeId::NoClientCert))
        .filter(|o| o.outcome.is_unreadable())
        .filter(|_| !spoken.is_empty())
        .map(IncompleteProbe::of)
        .collect();
    if spoken.is_empty() {
        return Verdict {
            client_auth: ClientAuth::Unknown,
            enforced_at: None,
            tls_versions: Vec::new(),
            findings: Vec::new(),
            error: Some(unjudgeable(obs)),
            verification: Verification::NotAttempted,
            verification_detail: None,
            incomplete,
        };
    }

    let mut level: Option<(ClientAuth, Option<Layer>)> = None;
    let mut control = Control::default();
    let mut found = Collector::default();
    for (v, view) in views.iter().filter(|(v, _)| spoken.contains(v)) {
        let v = *v;
        let Some(nc) = find(view, ProbeId::NoClientCert) else {
            continue;
        };
        // A refusal after a late CertificateRequest is the TLS module's own (mod_ssl answers
        // 403 when the late handshake fails): the late request itself shows the TLS layer asked.
        let late = nc.asked_after_handshake.map(Layer::late);
        let by_tls_module =
            nc.outcome == Outcome::RefusedHttp && (late.is_some() || tls_module_refusal(nc));
        let here = if !nc.cert_requested {
            (ClientAuth::None, None)
        } else {
            match nc.outcome {
                Outcome::RefusedTls => (ClientAuth::Required, Some(late.unwrap_or(Layer::Tls))),
                Outcome::RefusedHttp if by_tls_module => {
                    (ClientAuth::Required, Some(late.unwrap_or(Layer::Http)))
                }
                _ => (ClientAuth::Optional, None),
            }
        };
        level = Some(match level {
            Some(prev) if prev.0 <= here.0 => prev,
            _ => here,
        });

        if !nc.cert_requested {
            control.never_asked.push(v);
            let f = match (nc.outcome, nc.http_status) {
                (Outcome::Served, Some(st)) => Finding::new(
                    FindingId::ClientCertNotRequested,
                    format!("{v}: the server never asked for a client certificate and served HTTP {st}."),
                ),
                (_, Some(st)) => Finding::new(
                    FindingId::ClientCertNotRequested,
                    format!(
                        "{v}: the server never asked for a client certificate; without one it answered HTTP {st}, \
                         so another authentication may guard this path, but mutual TLS is not in place."
                    ),
                )
                .with_severity(Severity::High),
                _ => continue,
            };
            found.add(v, f, nc);
            // Nothing about certificates the server never asked for.
            continue;
        }

        // Served without a certificate: every other probe here can only add findings implied
        // by this root cause, so an unreadable one leaves nothing unjudged.
        let open_door = nc.outcome == Outcome::Served;
        match (nc.outcome, nc.http_status) {
            (Outcome::Served, Some(st)) => found.add(
                v,
                Finding::new(
                    FindingId::ClientCertOptional,
                    format!("{v}: the server asked for a client certificate, then served HTTP {st} without one."),
                ),
                nc,
            ),
            (Outcome::Answered, Some(st)) => found.add(
                v,
                Finding::new(
                    FindingId::ClientCertOptional,
                    format!(
                        "{v}: the handshake completed without a client certificate and the server answered \
                         HTTP {st}; the TLS layer lets anonymous clients in. Scan a path that answers 2xx to confirm."
                    ),
                )
                .with_severity(Severity::Medium),
                nc,
            ),
            (Outcome::RefusedHttp, Some(st)) if !by_tls_module => found.add(
                v,
                Finding::new(
                    FindingId::ClientCertEnforcedByApp,
                    format!(
                        "{v}: the TLS layer let the handshake complete without a certificate; the \
                         application then refused with HTTP {st}. Client certificates are optional at \
                         the TLS layer and enforced by the application."
                    ),
                ),
                nc,
            ),
            _ => {}
        }

        for o in view.iter().filter(|o| o.id != ProbeId::NoClientCert) {
            if o.outcome.is_unreadable() && !open_door {
                incomplete.push(IncompleteProbe::of(o));
            }
        }

        for (probe, id, what) in ACCEPTANCE {
            for o in view.iter().filter(|o| o.id == *probe) {
                if o.client_cert.is_some() && o.outcome == Outcome::Served {
                    let st = o.http_status.unwrap_or_default();
                    found.add(
                        v,
                        Finding::new(*id, format!("{v}: {what} was served HTTP {st}.")),
                        o,
                    );
                }
            }
        }
        forged_implied_by_untrusted(view, v, &mut found);

        if let Some(valid) =
            find(view, ProbeId::ValidClientCert).filter(|o| o.client_cert.is_some())
        {
            if valid.outcome == Outcome::Served {
                control.verified.push(v);
            } else if valid.outcome.is_unreadable() {
                control.unreadable.push(v);
            } else {
                control.refused.push(v);
                let how = match (valid.http_status, &valid.alert) {
                    (Some(st), _) => format!("HTTP {st}"),
                    (None, Some(a)) => format!("alert {a}"),
                    (None, None) => valid.detail.clone().unwrap_or_else(|| "a refusal".into()),
                };
                found.add(
                    v,
                    Finding::new(
                        FindingId::EnforcementUnverified,
                        format!("{v}: the valid client certificate got {how}, so refusals on this version prove nothing."),
                    ),
                    valid,
                );
            }
        } else if find(view, ProbeId::ValidClientCert).is_some() {
            control.unpresented.push(v);
        }
    }

    let mut findings: Vec<Finding> = found.0.into_values().collect();
    mark_implied(&mut findings);
    sort_findings(&mut findings);
    let (client_auth, enforced_at) = level.unwrap_or((ClientAuth::Unknown, None));
    Verdict {
        client_auth,
        enforced_at,
        tls_versions: spoken,
        findings,
        error: None,
        verification: control.status(),
        verification_detail: control.detail(),
        incomplete,
    }
}

/// A server that serves a certificate from an unknown CA serves a forged one too. When no
/// forged probe ran on this version (the server advertised no CA name to copy), the finding is
/// still reported, implied by the untrusted one, so no report reads as if forging were refused.
fn forged_implied_by_untrusted(view: &[&ProbeObservation], v: TlsVersion, found: &mut Collector) {
    let forged_ran = view.iter().any(|o| o.id == ProbeId::ForgedClientCert);
    let untrusted_in = view.iter().copied().find(|o| {
        o.id == ProbeId::UntrustedClientCert
            && o.client_cert.is_some()
            && o.outcome == Outcome::Served
    });
    if let (false, Some(o)) = (forged_ran, untrusted_in) {
        found.add(
            v,
            Finding::new(
                FindingId::ForgedClientCertAccepted,
                format!(
                    "{v}: not probed directly (the server advertised no CA name to copy), but a \
                     server that serves a certificate from an unknown CA serves a forged one too."
                ),
            ),
            o,
        );
    }
}

/// Orders findings for reports: root causes first, then by severity (worst first), then by id.
pub fn sort_findings(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        a.implied_by
            .is_some()
            .cmp(&b.implied_by.is_some())
            .then(b.severity.cmp(&a.severity))
            .then(a.id.cmp(&b.id))
    });
}

/// The probes whose 2xx proves a finding: (probe, finding, what was presented).
const ACCEPTANCE: &[(ProbeId, FindingId, &str)] = &[
    (
        ProbeId::UntrustedClientCert,
        FindingId::UntrustedClientCertAccepted,
        "a certificate issued by a CA minted for this scan",
    ),
    (
        ProbeId::ForgedClientCert,
        FindingId::ForgedClientCertAccepted,
        "a certificate whose issuer name was copied from an advertised CA, signed by our own key,",
    ),
    (
        ProbeId::CertWithoutKey,
        FindingId::ClientKeyPossessionNotVerified,
        "the valid certificate with CertificateVerify signed by another key",
    ),
    (
        ProbeId::ExpiredClientCert,
        FindingId::ExpiredClientCertAccepted,
        "an expired certificate from the staging CA",
    ),
    (
        ProbeId::NotYetValidClientCert,
        FindingId::NotYetValidClientCertAccepted,
        "a not-yet-valid certificate from the staging CA",
    ),
    (
        ProbeId::WrongEkuClientCert,
        FindingId::WrongEkuClientCertAccepted,
        "a certificate from the staging CA with EKU serverAuth only",
    ),
];

/// Whether the positive control got in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verification {
    /// The valid certificate was served on every version it was presented on.
    Verified,
    /// The valid certificate was refused on some version: enforcement could not be verified there.
    Unverified,
    /// No positive control was given (or the server never asked for a certificate).
    NotAttempted,
}

/// Where the positive control stood, per TLS version.
#[derive(Default)]
struct Control {
    verified: Vec<TlsVersion>,
    refused: Vec<TlsVersion>,
    /// Its answer could not be read.
    unreadable: Vec<TlsVersion>,
    /// The server never asked for a certificate.
    never_asked: Vec<TlsVersion>,
    /// It ran, was asked, and presented nothing (no identity of a usable key type).
    unpresented: Vec<TlsVersion>,
}

impl Control {
    fn status(&self) -> Verification {
        match (self.verified.is_empty(), self.refused.is_empty()) {
            (true, true) => Verification::NotAttempted,
            (false, true) if self.unreadable.is_empty() => Verification::Verified,
            _ => Verification::Unverified,
        }
    }

    fn detail(&self) -> Option<String> {
        let list = |vs: &[TlsVersion]| {
            vs.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(" and ")
        };
        if !self.refused.is_empty() {
            return Some(format!(
                "the valid certificate was refused on {}",
                list(&self.refused)
            ));
        }
        if !self.unreadable.is_empty() {
            return Some(format!(
                "the answer to the valid certificate could not be read on {}",
                list(&self.unreadable)
            ));
        }
        if !self.verified.is_empty() {
            return None;
        }
        if !self.unpresented.is_empty() {
            return Some("the server asked, but the valid identity could not be presented".into());
        }
        if !self.never_asked.is_empty() {
            return Some("the server never asked for a client certificate".into());
        }
        Some("no client identity the server should accept was given".into())
    }
}

/// A finding is implied by a more fundamental one when that one is a critical root cause on every
/// TLS version where it holds. Each rule: (implied, implied by); the first that applies wins, so
/// the most fundamental cause comes first.
const IMPLICATIONS: &[(FindingId, FindingId)] = &[
    (
        FindingId::UntrustedClientCertAccepted,
        FindingId::ClientCertOptional,
    ),
    (
        FindingId::ForgedClientCertAccepted,
        FindingId::ClientCertOptional,
    ),
    (
        FindingId::ForgedClientCertAccepted,
        FindingId::UntrustedClientCertAccepted,
    ),
    (
        FindingId::ClientKeyPossessionNotVerified,
        FindingId::ClientCertOptional,
    ),
    (
        FindingId::ExpiredClientCertAccepted,
        FindingId::ClientCertOptional,
    ),
    (
        FindingId::ExpiredClientCertAccepted,
        FindingId::UntrustedClientCertAccepted,
    ),
    (
        FindingId::ExpiredClientCertAccepted,
        FindingId::ForgedClientCertAccepted,
    ),
    (
        FindingId::NotYetValidClientCertAccepted,
        FindingId::ClientCertOptional,
    ),
    (
        FindingId::NotYetValidClientCertAccepted,
        FindingId::UntrustedClientCertAccepted,
    ),
    (
        FindingId::NotYetValidClientCertAccepted,
        FindingId::ForgedClientCertAccepted,
    ),
    (
        FindingId::WrongEkuClientCertAccepted,
        FindingId::ClientCertOptional,
    ),
    (
        FindingId::WrongEkuClientCertAccepted,
        FindingId::UntrustedClientCertAccepted,
    ),
    (
        FindingId::WrongEkuClientCertAccepted,
        FindingId::ForgedClientCertAccepted,
    ),
];

fn mark_implied(findings: &mut [Finding]) {
    for (implied, by) in IMPLICATIONS {
        let cover: Option<Vec<TlsVersion>> = findings
            .iter()
            .find(|f| f.id == *by && f.severity == Severity::Critical && f.implied_by.is_none())
            .map(|f| f.tls_versions.clone());
        let Some(cover) = cover else { continue };
        for f in findings
            .iter_mut()
            .filter(|f| f.id == *implied && f.implied_by.is_none())
        {
            if f.tls_versions.iter().all(|v| cover.contains(v)) {
                f.implied_by = Some(*by);
            }
        }
    }
}

fn unjudgeable(obs: &[ProbeObservation]) -> String {
    let baseline: Vec<&ProbeObservation> = obs
        .iter()
        .filter(|o| o.id == ProbeId::NoClientCert)
        .collect();
    if !baseline.is_empty()
        && baseline
            .iter()
            .all(|o| o.outcome == Outcome::UnsupportedVersion)
    {
        return "the server speaks neither TLS 1.3 nor TLS 1.2".to_owned();
    }
    baseline
        .iter()
        .find_map(|o| o.detail.clone())
        .unwrap_or_else(|| "no probe reached a conclusion".to_owned())
}
