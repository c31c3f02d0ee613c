//! Judgement: from one target's observations to its client-auth level and findings. "Accepted"
//! is judged by the HTTP answer, never by a completed handshake alone.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::checks::refusal::tls_module_refusal;
pub use crate::facts::IncompleteProbe;
use crate::facts::LateAsk;
use crate::facts::ProbeId;
use crate::facts::{Outcome, ProbeObservation, TlsVersion};
use crate::finding::{Finding, FindingId};
use crate::probe::late_client_auth::{judged_view, late_baseline, late_unread};
use crate::probe::no_client_cert::{misdirected, refused_before_asking};
use crate::probe::{registry, VersionView};

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

fn summary(o: &ProbeObservation) -> String {
    let mut s = match o.request_timing() {
        Some("") => "CertificateRequest sent".to_owned(),
        Some(when) => format!("CertificateRequest{when}"),
        None => "no CertificateRequest".to_owned(),
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
        // The text says why the finding has its severity: a version that raises it (served 200
        // on TLS 1.2 where TLS 1.3 was only answered 404) brings its own words.
        if f.severity > entry.severity {
            entry.detail.clone_from(&f.detail);
        } else if f.severity == entry.severity
            && !entry.tls_versions.is_empty()
            && !entry.tls_versions.contains(&v)
        {
            // The same words on another version: one sentence naming both ("TLS 1.3, TLS 1.2:
            // … served HTTP 200."), not the first version's alone beside `tls_versions`.
            let rest = f.detail.strip_prefix(&format!("{v}: "));
            let before = entry.detail.split_once(": ").filter(|(named, _)| {
                named
                    .split(", ")
                    .all(|n| TlsVersion::ALL.iter().any(|x| x.to_string() == n))
            });
            if let (Some(rest), Some((named, old))) = (rest, before) {
                if rest == old {
                    entry.detail = format!("{named}, {v}: {old}");
                }
            }
        }
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

/// Judges one target from its handshake probes' observations: the client-auth level (from the
/// baseline), each registered probe's findings per TLS version, the positive control, and the
/// probes that could not be read. Implications and the grade are the engine's, once the target
/// probes have added theirs.
pub fn judge(obs: &[ProbeObservation]) -> Verdict {
    judge_skipping(obs, &[])
}

/// [`judge`], knowing the probes that were switched off (`--skip-probe`): a finding implied for
/// one of them says that it was switched off, not that it could not run.
pub fn judge_skipping(obs: &[ProbeObservation], skipped: &[ProbeId]) -> Verdict {
    let mut verdict = judge_versions(obs, skipped);
    staging_served_elsewhere(&mut verdict.incomplete, obs);
    verdict
}

/// How the reason a staging probe is unread begins where the staging CA's valid certificate was
/// refused on that version too.
const STAGING_CONTROL_REFUSED: &str =
    "the server does not accept certificates from the staging CA: its valid certificate";

/// A staging probe unread on a version because the staging CA's valid certificate was refused
/// there, where the same certificate was served on another version or after a renegotiation
/// (Apache `<Location>` `require` beside a site's `optional`: 403 on TLS 1.3 without
/// post-handshake auth, served after a TLS 1.2 renegotiation): the reason says so, so that it does
/// not read as a staging CA the server does not trust.
fn staging_served_elsewhere(incomplete: &mut [IncompleteProbe], obs: &[ProbeObservation]) {
    for unread in incomplete
        .iter_mut()
        .filter(|i| i.reason.starts_with(STAGING_CONTROL_REFUSED))
    {
        let mut served: Vec<String> = obs
            .iter()
            .filter(|o| crate::probe::staging_valid(o) && o.outcome == Outcome::Served)
            .filter(|o| o.late || Some(o.tls_version) != unread.tls_version)
            .map(|o| {
                format!(
                    "{}{}",
                    o.tls_version,
                    if o.late { " after the handshake" } else { "" }
                )
            })
            .collect();
        served.sort();
        served.dedup();
        if !served.is_empty() {
            unread.reason.push_str(&format!(
                "; yet on {} the same certificate was served: the staging CA is trusted, and                  this version refuses it on its own (a request after the handshake this client                  cannot answer, or a rule of its own)",
                served.join(", ")
            ));
        }
    }
}

/// [`judge_skipping`] before the reasons are set against each other across versions.
fn judge_versions(obs: &[ProbeObservation], skipped: &[ProbeId]) -> Verdict {
    let views: Vec<VersionView<'_>> = TlsVersion::ALL
        .into_iter()
        .map(|v| VersionView {
            version: v,
            observations: judged_view(obs, v),
        })
        .collect();
    let spoken: Vec<TlsVersion> = views
        .iter()
        .filter(|view| {
            view.of(ProbeId::NO_CLIENT_CERT)
                .is_some_and(|o| o.outcome.is_conclusive())
        })
        .map(|view| view.version)
        .collect();
    // A version whose baseline could not be read, while another was: that version is unjudged.
    let incomplete: Vec<IncompleteProbe> = views
        .iter()
        .filter_map(|view| view.of(ProbeId::NO_CLIENT_CERT))
        .filter(|o| o.outcome.is_unreadable())
        .filter(|_| !spoken.is_empty())
        .map(|o| {
            let mut unread = IncompleteProbe::of(o);
            // Closed before the server's certificate, where another version was answered: what
            // a server that does not speak this version does when it closes without saying so.
            if unread.reason.contains("before the server's certificate") {
                // TLS 1.3 has no CBC suites: only a TLS 1.2 close may be for them.
                let (suites, cbc_fix) = if o.tls_version == TlsVersion::Tls12 {
                    (
                        ", or offers on it only cipher suites the scanner does not (CBC only: \
                         uvicorn `--ssl-ciphers TLSv1`)",
                        format!(
                            "; if its {} suites are CBC only, give it ECDHE with AES-GCM or \
                             ChaCha20 (uvicorn `--ssl-ciphers ECDHE+AESGCM:ECDHE+CHACHA20`)",
                            o.tls_version
                        ),
                    )
                } else {
                    ("", String::new())
                };
                unread.reason.push_str(&format!(
                    "; {} was answered: a server that does not speak {v}{suites}, and closes \
                     without an alert (Python asyncio: aiohttp, uvicorn, hypercorn) looks the \
                     same as one that drops these handshakes, so this version stays unjudged. If \
                     the server speaks only {}, say so (`tls-versions`){cbc_fix}",
                    crate::facts::TlsVersion::list(&spoken),
                    crate::facts::TlsVersion::list(&spoken),
                    v = o.tls_version,
                ));
            }
            unread
        })
        .collect();
    // No version's anonymous baseline could be read, but other probes were answered (a server
    // that closes on a client without a certificate in a way that cannot be read, and lets
    // certificates in): what they show stands (a certificate let in is a finding whatever the
    // baseline), and each version is incomplete. Nothing answered at all: not scanned.
    let reached: Vec<TlsVersion> = views
        .iter()
        .filter(|view| view.observations.iter().any(|o| o.outcome.is_conclusive()))
        .map(|view| view.version)
        .collect();
    if spoken.is_empty() && !reached.is_empty() {
        let mut judging = Judging {
            incomplete,
            forged_switched_off: skipped.contains(&ProbeId::FORGED_CLIENT_CERT),
            ..Judging::default()
        };
        for view in views.iter().filter(|view| reached.contains(&view.version)) {
            judging.baseline_unread(view);
        }
        // A version nothing was answered on, its baseline unread too: said, not left out.
        judging.incomplete.extend(
            views
                .iter()
                .filter(|view| !reached.contains(&view.version))
                .filter_map(|view| view.of(ProbeId::NO_CLIENT_CERT))
                .filter(|o| o.outcome.is_unreadable())
                .map(IncompleteProbe::of),
        );
        return judging.verdict(reached);
    }
    let unread_beside_spoken: Vec<TlsVersion> = reached
        .iter()
        .copied()
        .filter(|v| !spoken.contains(v))
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
    let mut judging = Judging {
        incomplete,
        forged_switched_off: skipped.contains(&ProbeId::FORGED_CLIENT_CERT),
        ..Judging::default()
    };
    for view in views.iter().filter(|view| spoken.contains(&view.version)) {
        judging.version(view, obs);
    }
    // A version whose baseline could not be read beside a spoken one, where other probes were
    // answered: what they show stands there too (a certificate let in on TLS 1.2 only).
    for view in views
        .iter()
        .filter(|view| unread_beside_spoken.contains(&view.version))
    {
        judging.baseline_unread(view);
    }
    judging.verdict(spoken)
}

/// A finding lowered to medium because the client got through the handshake to an answer that
/// is neither a 2xx nor a refusal (a 404, a redirect, a 400 to a bare GET), on a path where the
/// valid certificate was not served either: whether it would be let in cannot be told on this
/// path. The finding stands (the TLS layer let it through), and the target is incomplete: a
/// medium grade alone would pass the default threshold (C) on an API whose `/` answers 404.
fn unconfirmed_on_this_path(
    view: &VersionView<'_>,
    j: &crate::probe::Judged<'_>,
) -> Option<IncompleteProbe> {
    use crate::finding::Severity;
    let o = j.from;
    if let Some(u) = unsettled_by_the_application(view, j) {
        return Some(u);
    }
    if o.outcome != Outcome::Answered
        || j.finding.severity != Severity::Medium
        || view.control_served()
        || o.http_status.is_some_and(crate::transport::is_busy_status)
    {
        return None;
    }
    Some(IncompleteProbe {
        probe: o.id.as_str().to_owned(),
        tls_version: Some(view.version),
        reason: format!(
            "got through the handshake and was answered HTTP {}, neither a 2xx nor a refusal, \
             and nothing was served a 2xx on this path: whether it is let in cannot be told \
             here. Scan a path that answers 2xx to an authorised client",
            o.http_status.unwrap_or_default()
        ),
    })
}

/// A bad certificate the TLS layer let through to an HTTP refusal that left a medium finding (the
/// TLS layer refuses a client without one: HAProxy `crt-ignore-err` before an ACL on the subject;
/// any other medium from an HTTP refusal counts too): only the application stands in its way,
/// and without `client-cert` (whose subject and names every bad certificate then claims) whether
/// it checks the name or something else cannot be told. The medium finding stands, and the
/// target is incomplete: a medium alone would pass the default threshold (C) where a certificate
/// carrying the right name gets in.
fn unsettled_by_the_application(
    view: &VersionView<'_>,
    j: &crate::probe::Judged<'_>,
) -> Option<IncompleteProbe> {
    let o = j.from;
    let valid_given = view
        .of(ProbeId::VALID_CLIENT_CERT)
        .is_some_and(|v| v.client_cert.is_some());
    if o.outcome != Outcome::RefusedHttp
        || j.finding.severity != crate::finding::Severity::Medium
        || valid_given
    {
        return None;
    }
    Some(IncompleteProbe {
        probe: o.id.as_str().to_owned(),
        tls_version: Some(view.version),
        reason: format!(
            "got through the TLS layer (which refuses a client without a certificate) and was \
             refused with HTTP {}: whether the application checks the certificate's name, which \
             a certificate with the right one would pass, cannot be told without a valid \
             certificate. Give `client-cert`",
            o.http_status.unwrap_or_default()
        ),
    })
}

/// A version where the server asked no client for a certificate and answered the baseline a
/// refusal that every run of the valid certificate's probe there
/// got too (late or not), none served: a server asking only by renegotiation on TLS 1.2 answers
/// every TLS 1.3 client 403, the valid one too (Node's `renegotiate`, which throws on TLS 1.3;
/// Tomcat's CLIENT-CERT over JSSE, which cannot ask after a TLS 1.3 handshake). Nothing is let
/// in there and nothing is proved of another authentication (an audit's: D, exit 1, on correct
/// servers), where the valid certificate was served on another version: its
/// `client-cert-not-requested` is not raised, and it sets no client-auth level.
fn refused_everyone(nc: &ProbeObservation, obs: &[ProbeObservation]) -> bool {
    let Some(st) = nc.http_status else {
        return false;
    };
    let mut valid = obs
        .iter()
        .filter(|o| o.id == ProbeId::VALID_CLIENT_CERT && o.tls_version == nc.tls_version)
        .peekable();
    // The valid certificate served on another version: the server does use client
    // certificates, on that one (without it, a server asking nobody and refusing everyone alike,
    // a token API, is mutual TLS not in place: the finding stands).
    let served_elsewhere = obs.iter().any(|o| {
        o.id == ProbeId::VALID_CLIENT_CERT
            && o.tls_version != nc.tls_version
            && o.outcome == Outcome::Served
            && o.client_cert.is_some()
    });
    nc.outcome != Outcome::Served
        && !nc.cert_requested
        && served_elsewhere
        && valid.peek().is_some()
        && valid.all(|v| v.outcome != Outcome::Served && v.http_status == Some(st))
}

/// Refusals by a bare close or reset (no alert, no HTTP answer), each the same on two attempts,
/// where no client got an HTTP answer on this version: a TLS terminator whose backend
/// is down, or a network path that resets every connection after the handshake, closes the same
/// way for everyone, the anonymous client of a server that would let it in included. Such a
/// close is the server's decision about the certificate only beside a client it answered (the
/// positive control, or an anonymous client refused with a 403); without one it is unread (the guide's first rule: a reset is not a refusal). Node, the JDK,
/// Puma and lighttpd over GnuTLS refuse this way: give `client-cert` to judge them in full.
fn bare_closes_unconfirmed(view: &VersionView<'_>) -> Vec<IncompleteProbe> {
    // Another client on this version got an HTTP answer (not a busy one): the path behind the
    // TLS layer works, so a close that only some clients get is the TLS layer's decision.
    let http_answered = view.observations.iter().any(|o| {
        o.http_status
            .is_some_and(|st| !crate::transport::is_busy_status(st))
    });
    if view.control_not_refused() || http_answered {
        return Vec::new();
    }
    let mut out: Vec<IncompleteProbe> = Vec::new();
    for o in view.observations.iter().filter(|o| {
        o.id != ProbeId::VALID_CLIENT_CERT
            && o.id != ProbeId::NO_CLIENT_CERT_HTTP1
            && o.id != ProbeId::NO_CLIENT_CERT_NO_ALPN
            && o.cert_requested
            && o.outcome == Outcome::RefusedTls
            && o.alert.is_none()
    }) {
        if out.iter().any(|i| i.probe == o.id.as_str()) {
            continue;
        }
        out.push(IncompleteProbe {
            probe: o.id.as_str().to_owned(),
            tls_version: Some(view.version),
            reason: format!(
                "closed without an alert or an HTTP answer ({}), and no positive control was \
                 answered on this version: a server that refuses this way (Node, the JDK, Puma) \
                 and a terminator whose backend is down look the same from outside. Give \
                 `client-cert`/`client-key` (or a staging CA) so that a served control shows \
                 the close is a refusal",
                o.detail.as_deref().unwrap_or("a bare close")
            ),
        });
    }
    out
}

/// What an unread certificate probe's reason adds where the server broke the connection off
/// after the handshake, on every attempt, without an answer to the request (an h2 GOAWAY with an
/// error, a reset, a close), while it answered other clients on this version: a failure of the
/// server's on that certificate, or a refusal it does not state, which the scan cannot take for a
/// refusal (the guide's first rule). Node 20 with `rejectUnauthorized: false` fails so on a forged
/// certificate whose signature fails and that names no key identifier; Bun with
/// `rejectUnauthorized: true` refuses so on TLS 1.2 (close_notify right after the handshake; named
/// only where the connection ended by a close): the user learns where to look, and what makes the
/// answer readable, instead of a bare error.
fn failed_on_this_certificate(
    view: &VersionView<'_>,
    o: &ProbeObservation,
) -> Option<&'static str> {
    let broken_off = o.client_cert.is_some()
        && o.handshake_completed
        && o.http_status.is_none()
        && o.alert.is_none()
        && o.attempts >= 2
        && o.outcome == Outcome::Inconclusive
        && o.detail
            .as_deref()
            .is_some_and(|d| d.starts_with("no HTTP response:") && ended_by_the_server(d));
    let others_answered = view.observations.iter().any(|x| {
        x.http_status
            .is_some_and(|st| !crate::transport::is_busy_status(st))
    });
    if !(broken_off && others_answered) {
        return None;
    }
    // Bun's refusal is a close (close_notify), never an h2 error or a reset.
    let a_close = o.detail.as_deref().is_some_and(|d| {
        let d = d.to_ascii_lowercase();
        !["reset", "connection error", "go away", "goaway"]
            .iter()
            .any(|w| d.contains(w))
    });
    Some(if view.version == TlsVersion::Tls12 && a_close {
        ". The server broke the connection off after the handshake without answering this \
         certificate's request, on every attempt, while it answered other clients: either a \
         failure of its own on this certificate (Node.js 20 with `rejectUnauthorized: false` \
         and lighttpd with `ssl.verifyclient.enforce = \"disable\"` do so for a certificate \
         whose signature fails and that names no key identifier, OpenSSL's `EVP lib` error in \
         their logs) or a refusal it does not state in the handshake (Bun with `rejectUnauthorized: true` sends \
         close_notify right after a TLS 1.2 handshake to any certificate it does not trust). \
         From outside the two look alike, and a close after a TLS 1.2 handshake is not taken \
         for a refusal (a server that lets a certificate in on some connections closes the \
         others so); its error log tells which. A server that refuses in the handshake (an \
         alert), or speaks TLS 1.3 alone, is read"
    } else {
        ". The server broke the connection off after the handshake without answering this \
         certificate's request, on every attempt, while it answered other clients: a failure of \
         its own on this certificate (Node.js 20 with `rejectUnauthorized: false` and lighttpd \
         with `ssl.verifyclient.enforce = \"disable\"` do so for a certificate whose signature \
         fails and that names no key identifier, OpenSSL's `EVP lib` error in their logs), not a \
         refusal it stated, so it is not taken for one; its error log tells which"
    })
}

/// Whether an unanswered request's reason says the server ended the connection (a reset, a
/// close, an h2 connection error or GOAWAY), not that its answer could not be parsed.
fn ended_by_the_server(detail: &str) -> bool {
    let d = detail.to_ascii_lowercase();
    [
        "reset",
        "connection error",
        "go away",
        "goaway",
        "closed",
        "ended",
        "broken pipe",
    ]
    .iter()
    .any(|w| d.contains(w))
}

/// What the versions judged so far add up to.
#[derive(Default)]
struct Judging {
    /// The weakest client-auth level seen, and where it is enforced.
    level: Option<(ClientAuth, Option<Layer>)>,
    /// Where the positive control stands.
    control: Control,
    /// The findings, merged across versions.
    found: Collector,
    /// The probes that could have raised a finding and could not be read.
    incomplete: Vec<IncompleteProbe>,
    /// The forged-certificate probe was switched off (`--skip-probe forged-client-cert`).
    forged_switched_off: bool,
}

impl Judging {
    /// Lists `o`'s probe as unread on `v` with `reason`, once per probe and version (the forged
    /// probe has one observation per name it forged).
    fn unread_once(&mut self, o: &ProbeObservation, v: TlsVersion, reason: String) {
        if !self.listed(o, v) {
            self.incomplete.push(IncompleteProbe {
                probe: o.id.as_str().to_owned(),
                tls_version: Some(v),
                reason,
            });
        }
    }

    /// Whether `o`'s probe is already listed as unread on `v`.
    fn listed(&self, o: &ProbeObservation, v: TlsVersion) -> bool {
        self.incomplete
            .iter()
            .any(|i| i.probe == o.id.as_str() && i.tls_version == Some(v))
    }

    /// Judges one version whose anonymous baseline could not be read while other probes were
    /// answered: every probe's findings (a certificate let in needs no baseline to be one), the
    /// baseline unread, and no level.
    fn baseline_unread(&mut self, view: &VersionView<'_>) {
        let v = view.version;
        for probe in registry::PROBES {
            for j in probe.judge(view) {
                self.found.add(v, j.finding, j.from);
            }
        }
        forged_implied_by_untrusted(view, self.forged_switched_off, &mut self.found);
        self.control.see(view);
        let answered: Vec<&str> = view
            .observations
            .iter()
            .filter(|o| o.outcome.is_conclusive())
            .map(|o| o.id.as_str())
            .fold(Vec::new(), |mut ids, id| {
                if !ids.contains(&id) {
                    ids.push(id);
                }
                ids
            });
        for o in view
            .observations
            .iter()
            .filter(|o| !o.outcome.is_conclusive())
        {
            if self.listed(o, v) {
                continue;
            }
            let mut unread = IncompleteProbe::of(o);
            if o.outcome == Outcome::UnsupportedVersion {
                unread.reason = format!(
                    "refused {v} (the version), while other probes on {v} got through ({}): \
                     servers behind this address set up differently?",
                    answered.join(", ")
                );
            } else if o.id == ProbeId::NO_CLIENT_CERT {
                unread.reason.push_str(&format!(
                    "; other probes on {v} were read ({}: answered, or refused in a way \
                     that says so), but how the server treats a client without a certificate \
                     could not be read: what it requires is unknown",
                    answered.join(", ")
                ));
            }
            self.incomplete.push(unread);
        }
    }

    /// Judges one version the server spoke: its level, every probe's findings, what stays unread.
    fn version(&mut self, view: &VersionView<'_>, obs: &[ProbeObservation]) {
        let v = view.version;
        let Some(nc) = view.of(ProbeId::NO_CLIENT_CERT) else {
            return;
        };
        // Refused before any CertificateRequest, and no late answer to judge instead: what this
        // version does about certificates is unknown, so it sets no level and is incomplete.
        let late = late_baseline(obs, v);
        let unread = refused_before_asking(nc, late).or_else(|| misdirected(nc));
        // A version where everyone is refused alike, the valid certificate too, says nothing of
        // what the server requires (the other version's enforcement is the target's).
        let everyone_refused = refused_everyone(nc, obs);
        if unread.is_none() && !everyone_refused {
            let here = level_of(nc, view);
            self.level = Some(match self.level {
                Some(prev) if prev.0 <= here.0 => prev,
                _ => here,
            });
        }
        // An HTTP answer without any CertificateRequest whose late probe could not be read: the
        // first wave's judgement stands (never a pass on a missing answer), said to be
        // unconfirmed, and the version is incomplete.
        let late_unread = late_unread(nc, late);
        let mut unconfirmed: Vec<IncompleteProbe> = Vec::new();
        for probe in registry::PROBES {
            for mut j in probe.judge(view) {
                if probe.id() == ProbeId::NO_CLIENT_CERT
                    && j.finding.id == FindingId::ClientCertNotRequested
                    && everyone_refused
                {
                    continue;
                }
                if late_unread.is_some()
                    && probe.id() == ProbeId::NO_CLIENT_CERT
                    && j.finding.id != FindingId::ClientCaPublicRoots
                {
                    j.finding.detail.push_str(
                        " Unconfirmed: the late-auth probe, which would show a request for a \
                         certificate after the handshake, could not be read.",
                    );
                }
                if let Some(u) = unconfirmed_on_this_path(view, &j) {
                    if !unconfirmed.iter().any(|x| x.probe == u.probe) {
                        unconfirmed.push(u);
                    }
                }
                self.found.add(v, j.finding, j.from);
            }
        }
        self.incomplete.extend(unconfirmed);
        self.incomplete.extend(bare_closes_unconfirmed(view));
        if let Some(unread) = unread {
            self.incomplete.push(unread);
            return;
        }
        self.incomplete.extend(late_unread);
        // Busy after its retries: what an anonymous client gets is unknown (it may be served),
        // so whatever it raised stands, and the version stays incomplete.
        if let Some(busy) = busy(nc) {
            self.incomplete.push(busy);
        } else if nc.late {
            // The late view judged this version, but the first wave's anonymous request stayed
            // busy: the side doors, which start from that refusal, were not tried here.
            let first = obs
                .iter()
                .find(|o| !o.late && o.id == ProbeId::NO_CLIENT_CERT && o.tls_version == v);
            if let Some(mut skipped) = first.and_then(busy) {
                skipped.reason = format!(
                    "{}; the side doors (other names, resumed sessions, forwarded headers) were \
                     not tried on this version",
                    skipped.reason
                );
                self.incomplete.push(skipped);
            }
        }
        // Served over HTTP/1.1 where h2 refused, a page that cannot be told for the protected one
        // (asked for a certificate or not).
        for o in view
            .all(ProbeId::NO_CLIENT_CERT_HTTP1)
            .chain(view.all(ProbeId::NO_CLIENT_CERT_NO_ALPN))
        {
            if let Some(reason) = crate::probe::no_client_cert_http1::unsure(view, o) {
                self.unread_once(o, v, reason);
            }
        }
        if !nc.cert_requested {
            // Nothing about certificates the server never asked for.
            self.control.never_asked.push(v);
            return;
        }
        // A 2xx page wholly unlike the one the valid certificate is served (a refusal page
        // served with 2xx, or a public one): whether the anonymous client and the certificates
        // that got the same page were let in cannot be told, and the side doors, which start
        // from a refusal, did not run.
        // And a refusal by status whose body is the protected page: no refusal can be read.
        for o in &view.observations {
            let reason = if view.served_another_page(o) {
                format!(
                    "served HTTP {} with the page a client without a certificate gets, not the \
                     page the valid certificate is served (wholly unlike it, or speaking of \
                     refusal or of certificates where that one does not): a refusal served as a \
                     success (nginx `error_page 495 496 =200`) or a public page; whether \
                     anything protected is let through cannot be told from outside{}. Answer \
                     refused clients with a 4xx, or scan a path only the valid certificate may \
                     see",
                    o.http_status.unwrap_or_default(),
                    if o.id == ProbeId::NO_CLIENT_CERT {
                        ", and the side doors, which start from a refusal, were not tried"
                    } else {
                        ""
                    }
                )
            } else if view.served_a_refusal_uncompared(o) {
                format!(
                    "served HTTP {} with a short answer that says it refuses the caller (in the \
                     evidence), the answer a client without a certificate gets, and no valid \
                     certificate's page to compare it with: an API's refusal answered as a \
                     success, most likely, but whether anything protected is let through cannot \
                     be told from outside{}. Give `client-cert`/`client-key` (or a staging CA), \
                     or answer refused clients with a 4xx",
                    o.http_status.unwrap_or_default(),
                    if o.id == ProbeId::NO_CLIENT_CERT {
                        ", and the side doors, which start from a refusal, were not tried"
                    } else {
                        ""
                    }
                )
            } else if view.refused_as_the_control(o) {
                format!(
                    "refused with HTTP {st}, as the valid certificate was: the refusal may be for \
                     something else than the certificate (a token the request lacks, the path), \
                     so it proves no enforcement. Give what the request needs besides the \
                     certificate (`-H 'Authorization: …'`, a path that answers 2xx to the valid \
                     certificate)",
                    st = o.http_status.unwrap_or_default()
                )
            } else if let Some(scheme) = view.refused_for_other_credentials(o) {
                format!(
                    "refused with HTTP 401 asking for `{scheme}` credentials (`WWW-Authenticate`), \
                     not for a certificate: the refusal is of what the request lacked, and whether \
                     a certificate is required besides it cannot be told (a token API behind an \
                     optional certificate lets in anyone with a token). Give `client-cert` (the \
                     valid certificate then shows whether it gets in alone) or the credentials \
                     (`-H 'Authorization: …'`)"
                )
            } else if view.refused_with_the_valid_document(o)
                && !view.refused_with_the_valid_page_as_written(o)
            {
                format!(
                    "{} HTTP {}, but its body is the very JSON document the valid certificate is \
                     served with 2xx, its data and all, but for the caller's name, which says it \
                     refuses (in the evidence): a client that reads the body gets the data \
                     whatever the status, so the status proves no refusal. Send no protected \
                     content with a refusal (end the handler after it)",
                    if o.outcome == Outcome::RefusedHttp {
                        "refused with"
                    } else {
                        "answered"
                    },
                    o.http_status.unwrap_or_default()
                )
            } else if view.refused_with_the_valid_page_as_written(o) {
                format!(
                    "{} HTTP {}, but its body is, or holds whole (its parts in order, lines of \
                     its own between them at most), the very page the valid certificate is \
                     served with 2xx: a client that reads the body gets it whatever the status, so the \
                     status proves no refusal. Send no protected content with a refusal or a \
                     redirect (end the handler after it)",
                    if o.outcome == Outcome::RefusedHttp {
                        "refused with"
                    } else {
                        "answered"
                    },
                    o.http_status.unwrap_or_default()
                )
            } else if view.refused_with_the_valid_data(o) {
                format!(
                    "{} HTTP {}, but its body holds most of the values of the JSON document the \
                     valid certificate is served with 2xx, under the same names, in another form \
                     (re-serialised, escaped, inside an error envelope): a client that reads the \
                     body gets the data whatever the status, so the status proves no refusal. \
                     Send no protected content with a refusal or a redirect (end the handler \
                     after it)",
                    if o.outcome == Outcome::RefusedHttp {
                        "refused with"
                    } else {
                        "answered"
                    },
                    o.http_status.unwrap_or_default()
                )
            } else if view.refused_with_a_page_uncompared(o) {
                format!(
                    "refused with HTTP {}, but its body is a page of its own that says nothing \
                     of refusing the caller (in the evidence): a handler that sets the status \
                     and writes the protected page on (no `return`) serves it whatever the \
                     status, and without a valid certificate's page it cannot be compared. Give \
                     `client-cert`/`client-key` (or a staging CA), or answer refused clients \
                     with a short refusal",
                    o.http_status.unwrap_or_default()
                )
            } else if view.refused_with_its_body_unread(o) {
                format!(
                    "{} HTTP {}, but its body was not read to its end (it stalled, broke off or \
                     went on past the {} KB read): a handler that refuses and writes on sends the \
                     protected page after the refusal, a slow query or a long error page later, \
                     and what was not read cannot be told to hold none. Answer a refused client \
                     at once, with a short body, and end the handler there",
                    if o.outcome == Outcome::RefusedHttp {
                        "refused with"
                    } else {
                        "answered"
                    },
                    o.http_status.unwrap_or_default(),
                    crate::transport::REFUSAL_BODY_CAP / 1024
                )
            } else {
                continue;
            };
            self.unread_once(o, v, reason);
        }
        // Served without a certificate: every other probe here can only add findings implied
        // by this root cause, so an unreadable one leaves nothing unjudged.
        let open_door = nc.outcome == Outcome::Served
            && !view.served_another_page(nc)
            && !view.served_a_refusal_uncompared(nc);
        // The HTTP/1.1 baseline refused with an alert (`no_application_protocol`) is an h2-only
        // server (noted), no door left unread; a close or a time-out there stays unread.
        for o in view
            .observations
            .iter()
            .filter(|o| o.id != ProbeId::NO_CLIENT_CERT)
            .filter(|o| {
                o.id != ProbeId::NO_CLIENT_CERT_HTTP1
                    || o.http_status.is_some()
                    || o.alert.is_none()
            })
            .filter(|_| !open_door)
            .filter(|o| !stood_in_for(view, o))
        {
            // A version refusal where the baseline got through (the same ClientHello): a
            // load balancer's other backend or a rate limiter, not an answer about certificates.
            let unread = o.outcome.is_unreadable() || o.outcome == Outcome::UnsupportedVersion;
            if unread {
                let mut unread = IncompleteProbe::of(o);
                if let Some(why) = failed_on_this_certificate(view, o) {
                    unread.reason.push_str(why);
                }
                self.incomplete.push(unread);
            } else if let Some(busy) = busy(o) {
                self.incomplete.push(busy);
            } else if !o.cert_requested
                && o.id != ProbeId::NO_CLIENT_CERT_HTTP1
                && o.id != ProbeId::NO_CLIENT_CERT_NO_ALPN
            {
                // (The HTTP/1.1 baseline presents nothing, and judges its own answer.)
                self.not_asked_here(v, o);
            }
        }
        if !open_door {
            self.flaws_unproven(view);
        }
        forged_implied_by_untrusted(view, self.forged_switched_off, &mut self.found);
        if let Some(u) = crate::probe::unknown_ca_meets_only_the_application(view) {
            let valid = view
                .of(ProbeId::VALID_CLIENT_CERT)
                .filter(|o| o.client_cert.is_some());
            let settle = match valid.and_then(|o| o.http_status) {
                Some(st) => format!(
                    "the valid certificate was refused too (HTTP {st}): scan a path it is served \
                     on (the certificate from an unknown CA then claims its subject there)"
                ),
                None if valid.is_some() => "the valid certificate got no HTTP answer: scan a \
                                            path it is served on"
                    .to_owned(),
                None => "that cannot be told without a valid certificate: give client-cert (the \
                         certificate from an unknown CA then claims its subject)"
                    .to_owned(),
            };
            self.incomplete.push(IncompleteProbe {
                probe: u.id.as_str().to_owned(),
                tls_version: Some(v),
                reason: format!(
                    "a certificate from an unknown CA got through the handshake to HTTP {}, as a \
                     client without one got HTTP {}: the TLS layer may verify nothing (nginx \
                     optional_no_ca, Apache optional_no_ca, Node rejectUnauthorized: false, Tomcat optionalNoCA) and \
                     leave the application a check that reads the subject and never the chain; \
                     {settle}",
                    u.http_status.unwrap_or_default(),
                    nc.http_status.unwrap_or_default()
                ),
            });
        }
        self.control.see(view);
    }

    /// The probes that present a certificate the server should accept but for one flaw
    /// (`cert-without-key`, and the staging probes: expired, not yet valid, wrong EKU) and were
    /// refused where their control was not let in: the refusal may be the server refusing the
    /// certificate whatever its flaw, so the probe is unread on this version, never a pass. The
    /// control of `cert-without-key` is the positive control; that of a staging probe, the
    /// staging CA's own valid certificate ([`VersionView::staging_control`]). A control refused
    /// in the handshake (or by the TLS module's own page) leaves every refusal unproven; one let
    /// through the handshake and refused by the application (401/403) leaves the HTTP refusals
    /// unproven, not a refusal in the handshake, which its TLS layer made for this flaw alone;
    /// one answered 3xx/404 leaves them to [`crate::probe::served_with`], unless the positive
    /// control was served 2xx on this path: then such an answer to a control is its refusal
    /// (nginx `error_page 495 496 =302`), and the probes it answered alike are unread too. A
    /// staging probe refused with `UnknownCA` is unread whatever its control got: the server
    /// did not recognise the staging CA.
    fn flaws_unproven(&mut self, view: &VersionView<'_>) {
        use crate::probe::valid_client_cert::how_refused;
        use crate::probe::STAGING_PROBES;
        let v = view.version;
        let at_tls = |o: &ProbeObservation| {
            o.outcome == Outcome::RefusedTls
                || (o.outcome == Outcome::RefusedHttp && tls_module_refusal(o))
        };
        let positive = view
            .of(ProbeId::VALID_CLIENT_CERT)
            .filter(|o| o.client_cert.is_some());
        // The staging CA's certificates claim `client-cert`'s subject only where it is given
        // (without it, the staging CA's own certificate is the positive control).
        let claims =
            positive.is_some_and(|p| view.staging_control().is_none_or(|s| !std::ptr::eq(p, s)));
        // Let in: served (not the page every refused client gets), or answered 3xx/404 on a path
        // where nothing was served 2xx (the path's own answer, not a refusal).
        let let_in = |c: &ProbeObservation| match c.outcome {
            Outcome::Served => !view.served_another_page(c) && !view.served_a_refusal_uncompared(c),
            Outcome::Answered => !view.control_served(),
            _ => false,
        };
        for o in view.observations.iter().filter(|o| {
            o.client_cert.is_some()
                && matches!(
                    o.outcome,
                    Outcome::RefusedTls | Outcome::RefusedHttp | Outcome::Answered
                )
        }) {
            let staging = STAGING_PROBES.contains(&o.id);
            if !staging && o.id != ProbeId::CERT_WITHOUT_KEY {
                continue;
            }
            // The staging CA's certificate with another key went where `client-cert` was
            // refused: that one is judged against the staging CA's own control, and stands for
            // this one, which proves nothing.
            let on_staging = o.id == ProbeId::CERT_WITHOUT_KEY
                && o.origin_says(crate::probe::cert_without_key::STAGING_WITHOUT_KEY_ORIGIN);
            if o.id == ProbeId::CERT_WITHOUT_KEY
                && !on_staging
                && view.all(ProbeId::CERT_WITHOUT_KEY).any(|s| {
                    s.client_cert.is_some()
                        && s.origin_says(crate::probe::cert_without_key::STAGING_WITHOUT_KEY_ORIGIN)
                })
            {
                continue;
            }
            // `decrypt_error` is the server finding CertificateVerify false: the key was checked,
            // whatever it makes of the certificate (an audit's nginx `ssl_verify_depth 0`, which
            // refuses every certificate, called this refusal "as the valid certificate was").
            if o.id == ProbeId::CERT_WITHOUT_KEY && o.alert.as_deref() == Some("DecryptError") {
                continue;
            }
            let control = if staging || on_staging {
                view.staging_control()
            } else {
                positive
            };
            let reason = match control {
                _ if staging && o.alert.as_deref() == Some("UnknownCA") => {
                    "the server does not accept certificates from the staging CA: this one got \
                     alert UnknownCA (give a staging CA the server trusts, with the rest of its \
                     chain in issuing-ca-cert)"
                        .to_owned()
                }
                Some(c) if let_in(c) => continue,
                // Answered where the control was let in: served_with's to judge.
                _ if o.outcome == Outcome::Answered && control.is_none_or(let_in) => continue,
                Some(c) if c.outcome == Outcome::RefusedHttp && !at_tls(c) && at_tls(o) => continue,
                // The control got through the handshake, certificate and all, to mod_ssl's
                // "Cannot perform Post-Handshake Authentication" (a `<Location>` asking again on
                // TLS 1.3, whatever the handshake took), where this one was refused in the
                // handshake with an alert: the TLS layer that took the control refused this one
                // for its flaw (an audit's Apache, vhost `optional` and a `<Location>` `require`:
                // every staging probe on TLS 1.3 was unread, exit 3).
                Some(c)
                    if crate::checks::refusal::mod_ssl_no_pha_page(c)
                        && c.handshake_completed
                        && o.outcome == Outcome::RefusedTls
                        && o.alert.is_some() =>
                {
                    continue
                }
                Some(c) if c.outcome.is_unreadable() => format!(
                    "refused with {}, but the answer to the {} could not be read: whether that \
                     certificate gets in on this version is unknown",
                    how_refused(o),
                    control_name(staging)
                ),
                Some(c) if staging => format!(
                    "{STAGING_CONTROL_REFUSED}{} got {} as this one got {}, so this refusal proves nothing (a \
                     staging CA the server does not trust, a pinned certificate, or name \
                     constraints of the staging CA that {})",
                    if claims {
                        " (claiming the subject and names of `client-cert`)"
                    } else {
                        ""
                    },
                    how_refused(c),
                    how_refused(o),
                    if claims {
                        "the claimed names break"
                    } else {
                        "its certificates break"
                    }
                ),
                Some(c) => format!(
                    "refused with {}, as the valid certificate was ({}): this refusal proves \
                     nothing",
                    how_refused(o),
                    how_refused(c)
                ),
                None if staging || on_staging => format!(
                    "refused with {}, and the staging CA's own valid certificate was not tried \
                     or not presented on this version: whether the server accepts certificates \
                     from the staging CA is unknown",
                    how_refused(o)
                ),
                None => continue,
            };
            self.unread_once(o, v, reason);
        }
        // After the handshake `cert-without-key` cannot run on an Ed25519 or Ed448 certificate
        // (the late-auth transport cannot mismatch such a key): where the positive control was
        // refused there, nothing stands in for it, as its refusal would on a handshake server.
        let refused_late = positive.filter(|c| {
            c.late
                && matches!(c.outcome, Outcome::RefusedTls | Outcome::RefusedHttp)
                && !let_in(c)
                && view.of(ProbeId::CERT_WITHOUT_KEY).is_none()
        });
        if let Some(c) = refused_late {
            self.incomplete.push(IncompleteProbe {
                probe: ProbeId::CERT_WITHOUT_KEY.as_str().to_owned(),
                tls_version: Some(v),
                reason: format!(
                    "not run after the handshake (the late-auth transport presents an Ed25519 \
                     or Ed448 certificate only with its own key), and the valid certificate was refused \
                     ({}): nothing on this version shows what a certificate the server accepts \
                     gets. Give a client-cert this server trusts",
                    how_refused(c)
                ),
            });
        }
    }

    /// A probe's connection that was not asked for a certificate where the baseline's was (the
    /// same ClientHello to the same name): another backend behind the address (a TCP load
    /// balancer in front of a half-rolled-out fleet), or a server that asks some connections
    /// only. Served, it is an anonymous client let in; any other answer says nothing about the
    /// probe's certificate, which was never sent, so the probe is unread.
    fn not_asked_here(&mut self, v: TlsVersion, o: &ProbeObservation) {
        match (o.outcome, o.http_status) {
            (Outcome::Served, Some(st)) => self.found.add(
                v,
                Finding::new(
                    FindingId::ClientCertNotRequested,
                    format!(
                        "{v}: the {} connection was not asked for a client certificate, though \
                         the same handshake was asked on the baseline's, and was served HTTP \
                         {st} without one: some connections to this address get in anonymously \
                         (another backend behind a load balancer?).",
                        o.id
                    ),
                ),
                o,
            ),
            _ => self.incomplete.push(IncompleteProbe {
                probe: o.id.as_str().to_owned(),
                tls_version: Some(v),
                reason: format!(
                    "its connection was not asked for a client certificate (the baseline's \
                     was), so its certificate was never sent; {}",
                    match o.http_status {
                        Some(st) => format!("the server answered HTTP {st}"),
                        None => "the TLS layer refused it".to_owned(),
                    }
                ),
            }),
        }
    }

    /// The verdict over the versions spoken.
    fn verdict(self, spoken: Vec<TlsVersion>) -> Verdict {
        let mut findings: Vec<Finding> = self.found.0.into_values().collect();
        sort_findings(&mut findings);
        let (client_auth, enforced_at) = self.level.unwrap_or((ClientAuth::Unknown, None));
        Verdict {
            client_auth,
            enforced_at,
            tls_versions: spoken,
            findings,
            error: None,
            verification: self.control.status(),
            verification_detail: self.control.detail(),
            incomplete: self.incomplete,
        }
    }
}

/// The control a one-flaw probe is judged against, as the reasons name it.
fn control_name(staging: bool) -> &'static str {
    if staging {
        "staging CA's own valid certificate"
    } else {
        "valid certificate"
    }
}

/// A probe whose answer stayed busy after its retries (429, 502–504: a rate limit, an overloaded
/// or failed upstream): it says nothing of what the request would get, so it is unread.
fn busy(o: &ProbeObservation) -> Option<IncompleteProbe> {
    let status = o
        .http_status
        .filter(|&s| crate::transport::is_busy_status(s))?;
    Some(IncompleteProbe {
        probe: o.id.as_str().to_owned(),
        tls_version: Some(o.tls_version),
        reason: format!(
            "{} on {} attempt{}{}: says nothing of what the request would get. A rate limit: \
             exempt the scanner's address, or scan again with fewer requests at once \
             (`--per-host 1`) or later; an upstream that failed: scan once it is back",
            crate::transport::busy_status_words(status),
            o.attempts,
            if o.attempts == 1 { "" } else { "s" },
            if o.cert_requested && o.client_cert.is_none() && o.handshake_completed {
                " (the TLS layer let the handshake complete without a certificate)"
            } else {
                ""
            }
        ),
    })
}

/// The client-auth level one version's baseline shows, and where a missing certificate is refused.
/// A refusal after a late request is the TLS module's (mod_ssl's 403) unless a certificate it
/// should have refused got through the same late handshake to the application: then the module
/// verifies nothing (`optional_no_ca`) and the level is optional.
fn level_of(nc: &ProbeObservation, view: &VersionView<'_>) -> (ClientAuth, Option<Layer>) {
    let late = nc.asked_after_handshake.map(Layer::late);
    if !nc.cert_requested {
        return (ClientAuth::None, None);
    }
    let let_through = || {
        view.observations.iter().any(|o| {
            o.late
                && o.id != ProbeId::VALID_CLIENT_CERT
                // valid certificates of the CA for other names: served is no laxness
                && o.id != ProbeId::LOOKALIKE_CLIENT_CERT
                && ((o.outcome == Outcome::Served && o.client_cert.is_some())
                    || crate::probe::let_through_to_the_application(o))
        })
    };
    // Let in over HTTP/1.1 while h2 refused: optional, whatever h2 said.
    use crate::probe::Probe as _;
    let over_http1 = !crate::probe::no_client_cert_http1::NoClientCertHttp1
        .judge(view)
        .is_empty()
        || !crate::probe::no_client_cert_no_alpn::NoClientCertNoAlpn
            .judge(view)
            .is_empty();
    match nc.outcome {
        _ if over_http1 => (ClientAuth::Optional, None),
        Outcome::RefusedTls => (ClientAuth::Required, Some(late.unwrap_or(Layer::Tls))),
        Outcome::RefusedHttp if nc.late && let_through() => (ClientAuth::Optional, None),
        Outcome::RefusedHttp if tls_module_refusal(nc) => {
            (ClientAuth::Required, Some(late.unwrap_or(Layer::Http)))
        }
        _ => (ClientAuth::Optional, None),
    }
}

/// A server that serves a certificate from an unknown CA serves a forged one too. When no
/// forged probe ran on this version (the server advertised no CA name to copy, or the probe was
/// switched off), the finding is still reported, implied by the untrusted one, so no report reads
/// as if forging were refused; its text says which of the two kept the probe from running.
fn forged_implied_by_untrusted(view: &VersionView<'_>, switched_off: bool, found: &mut Collector) {
    let v = view.version;
    let forged_ran = view.all(ProbeId::FORGED_CLIENT_CERT).next().is_some();
    // Served the page every refused client gets is no certificate let in (it is unread). Let in
    // only when sent with its own CA's certificate (a verifier that forgives errors above the
    // leaf) says nothing of a forged leaf, which that CA did not sign.
    let untrusted_in = view.all(ProbeId::UNTRUSTED_CLIENT_CERT).find(|o| {
        o.client_cert.is_some()
            && o.outcome == Outcome::Served
            && !view.served_another_page(o)
            && !view.served_a_refusal_uncompared(o)
            && !o.origin_says(crate::identity::forge::WITH_ITS_CA_MARK)
    });
    if let (false, Some(o)) = (forged_ran, untrusted_in) {
        found.add(
            v,
            Finding::new(
                FindingId::ForgedClientCertAccepted,
                format!(
                    "{v}: not probed directly ({}), but a server that serves a certificate from \
                     an unknown CA serves a forged one too.",
                    if switched_off {
                        "the forged-client-cert probe was switched off"
                    } else {
                        "the server advertised no CA name to copy"
                    }
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
    /// Let through the handshake and answered neither 2xx nor a refusal (a 404, a redirect):
    /// the path does not answer 2xx to it. Refused is what `refused` holds.
    answered: Vec<(TlsVersion, Option<u16>)>,
    /// Its answer could not be read.
    unreadable: Vec<TlsVersion>,
    /// The server never asked for a certificate.
    never_asked: Vec<TlsVersion>,
    /// It ran, was asked, and presented nothing (no identity of a usable key type).
    unpresented: Vec<TlsVersion>,
    /// Its connection was not asked for a certificate, though the baseline's was.
    not_asked: Vec<TlsVersion>,
}

impl Control {
    /// Where the positive control stands on one version the server asked on.
    fn see(&mut self, view: &VersionView<'_>) {
        let v = view.version;
        // Where `client-cert` could not be presented, the staging CA's control stands in.
        let control = view
            .of(ProbeId::VALID_CLIENT_CERT)
            .filter(|o| !stood_in_for(view, o))
            .or_else(|| view.staging_control());
        match control {
            Some(o) if !o.cert_requested => self.not_asked.push(v),
            Some(o) if o.client_cert.is_none() => self.unpresented.push(v),
            Some(o) if o.outcome == Outcome::Served => self.verified.push(v),
            Some(o)
                if o.outcome.is_unreadable()
                    || o.http_status.is_some_and(crate::transport::is_busy_status) =>
            {
                self.unreadable.push(v)
            }
            Some(o) if o.outcome == Outcome::Answered => self.answered.push((v, o.http_status)),
            Some(_) => self.refused.push(v),
            None => {}
        }
    }

    fn status(&self) -> Verification {
        match (
            self.verified.is_empty(),
            self.refused.is_empty() && self.answered.is_empty(),
        ) {
            // Attempted, but no answer could be read, or it was never asked: unverified, not
            // "not attempted".
            (true, true) if !self.unreadable.is_empty() || !self.not_asked.is_empty() => {
                Verification::Unverified
            }
            (true, true) => Verification::NotAttempted,
            (false, true) if self.unreadable.is_empty() && self.not_asked.is_empty() => {
                Verification::Verified
            }
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
        if let Some((_, status)) = self.answered.first() {
            let versions: Vec<TlsVersion> = self.answered.iter().map(|(v, _)| *v).collect();
            return Some(format!(
                "the valid certificate got through the handshake but was answered HTTP {}, not \
                 a 2xx, on {}: the path scanned does not answer 2xx to it",
                status.unwrap_or_default(),
                list(&versions)
            ));
        }
        if !self.unreadable.is_empty() {
            return Some(format!(
                "the answer to the valid certificate could not be read on {}",
                list(&self.unreadable)
            ));
        }
        if !self.not_asked.is_empty() {
            return Some(format!(
                "the valid certificate's connection was not asked for one on {} (the \
                 baseline's was)",
                list(&self.not_asked)
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

/// `o` is `client-cert`'s positive control or `cert-without-key`, unpresented on its version (the
/// server asked only for signature schemes its key cannot make), and the staging CA's
/// certificate presented in its place there: that one is judged, and this one proves nothing
/// and leaves nothing unread. So is `client-cert`'s positive control refused where the staging
/// CA's, standing in for it, was served.
fn stood_in_for(view: &VersionView<'_>, o: &ProbeObservation) -> bool {
    // `client-cert` refused (revoked, without clientAuth, from a CA the server does not take)
    // where the staging CA's certificate, standing in for it, was served: that one proves the
    // server lets a valid client in (review C: such correct servers were B, "unverified").
    if crate::probe::valid_client_cert::refused_beside_a_served_stand_in(view, o) {
        return true;
    }
    let unpresented = o.cert_requested
        && o.client_cert.is_none()
        && o.outcome == Outcome::Inconclusive
        && o.detail
            .as_deref()
            .is_some_and(|d| d.starts_with(crate::transport::UNPRESENTED));
    if !unpresented {
        return false;
    }
    match o.id {
        ProbeId::VALID_CLIENT_CERT => {
            !crate::probe::staging_valid(o)
                && view
                    .staging_control()
                    .is_some_and(|s| s.client_cert.is_some())
        }
        ProbeId::CERT_WITHOUT_KEY => view.all(ProbeId::CERT_WITHOUT_KEY).any(|s| {
            s.client_cert.is_some()
                && s.origin_says(crate::probe::cert_without_key::STAGING_WITHOUT_KEY_ORIGIN)
        }),
        _ => false,
    }
}

fn unjudgeable(obs: &[ProbeObservation]) -> String {
    let baseline: Vec<&ProbeObservation> = obs
        .iter()
        .filter(|o| o.id == ProbeId::NO_CLIENT_CERT)
        .collect();
    if !baseline.is_empty()
        && baseline
            .iter()
            .all(|o| o.outcome == Outcome::UnsupportedVersion)
    {
        // `protocol_version` says the version is not spoken; `handshake_failure` (or another
        // alert) says the version is, but nothing this scanner offers on it is taken: an audit
        // found DHE-only, AES-CCM-only, X448-only, static-RSA-only and RSA-PSS-keyed servers
        // all called TLS 1.0 servers.
        let apart: Vec<String> = baseline
            .iter()
            .filter(|o| o.alert.as_deref().is_some_and(|a| a != "ProtocolVersion"))
            .map(|o| {
                format!(
                    "{}: alert {}",
                    o.tls_version,
                    o.alert.as_deref().unwrap_or_default()
                )
            })
            .collect();
        if apart.is_empty() {
            return "the server speaks neither TLS 1.3 nor TLS 1.2".to_owned();
        }
        return format!(
            "the server refused every handshake the scanner can offer ({}): it has no cipher \
             suite, key exchange group or signature algorithm in common with it (the scanner \
             offers AES-GCM and ChaCha20 suites with ECDHE over X25519, P-256, P-384 and P-521; \
             not DHE, static RSA, AES-CCM, X448, or RSA-PSS and Ed448 server keys), or speaks \
             neither TLS 1.3 nor TLS 1.2; `openssl s_client` shows what it chose",
            apart.join("; ")
        );
    }
    // A version whose handshake went through (the server sent its certificate, perhaps asked for
    // one) and then ended unread says more than another version's `protocol_version`: an audit's
    // TLS 1.2-only nginx `stream` terminator, closing on every client without a certificate, was
    // called "refused before its certificate" for its TLS 1.3 alert.
    // A WebSocket path whose socket was unread (see `transport::websocket`): silence (a socket
    // waiting for the client's first message), a failure, a close it cannot judge.
    if let Some(o) = baseline
        .iter()
        .find(|o| o.http_status == Some(101) && o.outcome.is_unreadable())
    {
        let said = o
            .detail
            .as_deref()
            .unwrap_or("a WebSocket opened and was unread");
        let silent = said.contains("sent nothing within");
        return format!(
            "on {}: {said}. {}",
            o.tls_version,
            if silent {
                "A WebSocket API that waits for the client's first message serves nothing this \
                 scan can read, so what it lets a client without a certificate do is unknown"
            } else {
                "What the socket lets a client without a certificate do is unknown"
            }
        );
    }
    if let Some(o) = baseline
        .iter()
        .find(|o| o.handshake_completed && o.outcome.is_unreadable())
    {
        let asked = if o.cert_requested {
            "asked for a client certificate, "
        } else {
            ""
        };
        return format!(
            "on {v} the handshake went through (the server sent its certificate, {asked}then the \
             connection ended unread: {}); a server that closes on every client without a \
             certificate looks the same as one that drops the scanner, so nothing is judged. With \
             `client-cert` (a certificate the server trusts) served on TLS 1.3, a close right \
             after a TLS 1.3 handshake that repeats counts as a refusal; after a TLS 1.2 \
             handshake a close never does (a server that serves a certificate on one connection \
             in four and closes the others looks the same), so a TLS 1.2-only server that \
             refuses so stays incomplete",
            o.detail.as_deref().unwrap_or("no answer"),
            v = o.tls_version,
        );
    }
    baseline
        .iter()
        .find_map(|o| o.detail.clone())
        .unwrap_or_else(|| "no probe reached a conclusion".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Severity;
    use crate::probe::recorded::{obs, with_cert};

    /// Baselines refused before the server's certificate on both versions: with
    /// `protocol_version` everywhere the server speaks neither; with `handshake_failure`
    /// somewhere it speaks one but takes nothing the scanner offers, and the error says which
    /// (DHE-only, AES-CCM-only, X448-only servers were called TLS 1.0 servers).
    #[test]
    fn a_server_refusing_every_handshake_says_whether_the_version_or_the_parameters() {
        let refused = |version, alert: &str| {
            let mut o = obs(ProbeId::NO_CLIENT_CERT, Outcome::UnsupportedVersion, None);
            o.tls_version = version;
            o.cert_requested = false;
            o.alert = Some(alert.into());
            o
        };
        let old = [
            refused(TlsVersion::Tls13, "ProtocolVersion"),
            refused(TlsVersion::Tls12, "ProtocolVersion"),
        ];
        assert_eq!(
            unjudgeable(&old),
            "the server speaks neither TLS 1.3 nor TLS 1.2"
        );
        let dhe = [
            refused(TlsVersion::Tls13, "ProtocolVersion"),
            refused(TlsVersion::Tls12, "HandshakeFailure"),
        ];
        let said = unjudgeable(&dhe);
        assert!(
            said.starts_with("the server refused every handshake the scanner can offer (TLS 1.2: alert HandshakeFailure)")
                && said.contains("no cipher suite, key exchange group or signature algorithm in common"),
            "{said}"
        );
        // TLS 1.3 not spoken, TLS 1.2's handshake through and then a close (an nginx `stream`
        // terminator refusing every client without a certificate): said as such.
        let mut closed12 = obs(ProbeId::NO_CLIENT_CERT, Outcome::Inconclusive, None);
        closed12.tls_version = TlsVersion::Tls12;
        closed12.handshake_completed = true;
        closed12.detail =
            Some("no HTTP response: connection closed before message completed".into());
        let stream = [refused(TlsVersion::Tls13, "ProtocolVersion"), closed12];
        let said = unjudgeable(&stream);
        assert!(
            said.starts_with("on TLS 1.2 the handshake went through (the server sent its certificate, asked for a client certificate, then the connection ended unread: no HTTP response")
                && said.contains("a TLS 1.2-only server that refuses so stays incomplete")
                && !said.contains("ProtocolVersion"),
            "{said}"
        );
    }

    /// A version asking nobody and refusing everyone alike, the valid certificate too, says
    /// nothing where the valid certificate was served on the other (TLS 1.3 beside TLS 1.2
    /// renegotiation); without that, it is mutual TLS not in place (a token API), high.
    #[test]
    fn a_version_refusing_everyone_alike_counts_only_beside_one_that_serves_the_certificate() {
        let at = |id, outcome, status, version| {
            let mut o = obs(id, outcome, status);
            o.tls_version = version;
            o.cert_requested = false;
            o.acceptable_cas = Vec::new();
            o.handshake_completed = true;
            o
        };
        let nc13 = at(
            ProbeId::NO_CLIENT_CERT,
            Outcome::RefusedHttp,
            Some(403),
            TlsVersion::Tls13,
        );
        let valid13 = at(
            ProbeId::VALID_CLIENT_CERT,
            Outcome::RefusedHttp,
            Some(403),
            TlsVersion::Tls13,
        );
        let mut valid12 = at(
            ProbeId::VALID_CLIENT_CERT,
            Outcome::Served,
            Some(200),
            TlsVersion::Tls12,
        );
        valid12.cert_requested = true;
        let valid12 = with_cert(valid12);
        assert!(refused_everyone(
            &nc13,
            &[nc13.clone(), valid13.clone(), valid12]
        ));
        assert!(!refused_everyone(&nc13, &[nc13.clone(), valid13.clone()]));
        let token = judge(&[nc13.clone(), valid13]);
        assert!(token
            .findings
            .iter()
            .any(|f| f.id == FindingId::ClientCertNotRequested && f.severity == Severity::High));
    }

    /// A baseline on TLS 1.2 that rustls saw refused after the handshake, without any
    /// CertificateRequest: a server renegotiating after the request, and rustls refusing to.
    fn refused_renegotiation(id: ProbeId) -> ProbeObservation {
        let mut o = obs(id, Outcome::RefusedTls, None);
        o.tls_version = TlsVersion::Tls12;
        o.cert_requested = false;
        o.acceptable_cas = Vec::new();
        o.alert = Some("HandshakeFailure".into());
        o.handshake_completed = true;
        o
    }

    /// The late (OpenSSL) observation of `id` on TLS 1.2.
    fn late(
        id: ProbeId,
        outcome: Outcome,
        status: Option<u16>,
        ask: Option<LateAsk>,
    ) -> ProbeObservation {
        let mut o = obs(id, outcome, status);
        o.tls_version = TlsVersion::Tls12;
        o.late = true;
        o.cert_requested = ask.is_some();
        o.asked_after_handshake = ask;
        o.acceptable_cas = Vec::new();
        o.alert = (outcome == Outcome::RefusedTls).then(|| "HandshakeFailure".into());
        o.handshake_completed = true;
        o
    }

    fn unsupported_13(id: ProbeId) -> ProbeObservation {
        let mut o = obs(id, Outcome::UnsupportedVersion, None);
        o.cert_requested = false;
        o.alert = Some("ProtocolVersion".into());
        o
    }

    /// The first wave of a TLS 1.2-only renegotiating server: every probe refused alike.
    fn first_wave() -> Vec<ProbeObservation> {
        [
            ProbeId::NO_CLIENT_CERT,
            ProbeId::UNTRUSTED_CLIENT_CERT,
            ProbeId::FORGED_CLIENT_CERT,
        ]
        .into_iter()
        .flat_map(|id| [unsupported_13(id), refused_renegotiation(id)])
        .collect()
    }

    fn roots(v: &Verdict) -> Vec<(FindingId, Severity)> {
        v.findings.iter().map(|f| (f.id, f.severity)).collect()
    }

    /// A server that serves a certificate from an unknown CA, with no forged probe run: the
    /// implied forged-client-cert-accepted says why the probe did not run, the server's missing
    /// CA names, or `--skip-probe forged-client-cert`.
    #[test]
    fn an_implied_forged_finding_says_why_the_probe_did_not_run() {
        let seen = [
            obs(ProbeId::NO_CLIENT_CERT, Outcome::RefusedTls, None),
            with_cert(obs(
                ProbeId::UNTRUSTED_CLIENT_CERT,
                Outcome::Served,
                Some(200),
            )),
        ];
        let forged = |v: &Verdict| {
            v.findings
                .iter()
                .find(|f| f.id == FindingId::ForgedClientCertAccepted)
                .map(|f| f.detail.clone())
                .unwrap_or_default()
        };
        let not_run = forged(&judge(&seen));
        assert!(
            not_run.contains("not probed directly (the server advertised no CA name to copy)"),
            "{not_run}"
        );
        let off = forged(&judge_skipping(&seen, &[ProbeId::FORGED_CLIENT_CERT]));
        assert!(
            off.contains("not probed directly (the forged-client-cert probe was switched off)"),
            "{off}"
        );
        assert!(!off.contains("advertised"), "{off}");

        // Let in only when sent with its own CA's certificate (errors above the leaf forgiven):
        // a forged leaf, which that CA did not sign, is not implied.
        let mut with_its_ca = with_cert(obs(
            ProbeId::UNTRUSTED_CLIENT_CERT,
            Outcome::Served,
            Some(200),
        ));
        if let Some(c) = with_its_ca
            .client_cert
            .as_mut()
            .map(std::sync::Arc::make_mut)
        {
            c.origin = format!(
                "minted: unknown CA, {}",
                crate::identity::forge::WITH_ITS_CA_MARK
            );
        }
        let alone = with_cert(obs(
            ProbeId::UNTRUSTED_CLIENT_CERT,
            Outcome::RefusedTls,
            None,
        ));
        let v = judge(&[
            obs(ProbeId::NO_CLIENT_CERT, Outcome::RefusedTls, None),
            alone,
            with_its_ca,
        ]);
        assert!(
            roots(&v).contains(&(FindingId::UntrustedClientCertAccepted, Severity::Critical)),
            "{:?}",
            roots(&v)
        );
        assert!(forged(&v).is_empty(), "{}", forged(&v));
    }

    /// The anonymous baseline unread on every version (a server that hangs up on a client
    /// without a certificate), other probes answered: a certificate let in is a finding all the
    /// same, the baselines are incomplete with what was answered, the control is read, and
    /// nothing is "not scanned". Nothing answered at all: not scanned.
    #[test]
    fn a_door_beside_an_unread_baseline_is_reported() {
        let at = |mut o: ProbeObservation, v| {
            o.tls_version = v;
            o
        };
        let mut seen = Vec::new();
        for v in TlsVersion::ALL {
            let mut nc = obs(ProbeId::NO_CLIENT_CERT, Outcome::Inconclusive, None);
            nc.detail = Some("no HTTP response: connection closed (3 attempts)".into());
            seen.push(at(nc, v));
            seen.push(at(
                with_cert(obs(
                    ProbeId::UNTRUSTED_CLIENT_CERT,
                    Outcome::Served,
                    Some(200),
                )),
                v,
            ));
            seen.push(at(
                with_cert(obs(ProbeId::VALID_CLIENT_CERT, Outcome::Served, Some(200))),
                v,
            ));
        }
        let v = judge(&seen);
        assert_eq!(v.error, None);
        assert_eq!(v.client_auth, ClientAuth::Unknown);
        assert_eq!(v.verification, Verification::Verified);
        assert!(
            roots(&v).contains(&(FindingId::UntrustedClientCertAccepted, Severity::Critical)),
            "{:?}",
            roots(&v)
        );
        let unread: Vec<(&str, Option<TlsVersion>)> = v
            .incomplete
            .iter()
            .map(|i| (i.probe.as_str(), i.tls_version))
            .collect();
        assert_eq!(
            unread,
            [
                ("no-client-cert", Some(TlsVersion::Tls13)),
                ("no-client-cert", Some(TlsVersion::Tls12))
            ]
        );
        assert!(v.incomplete.iter().all(|i| i
            .reason
            .contains("were read (untrusted-client-cert, valid-client-cert: answered")));

        let nothing: Vec<ProbeObservation> = seen
            .iter()
            .filter(|o| o.id == ProbeId::NO_CLIENT_CERT)
            .cloned()
            .collect();
        let v = judge(&nothing);
        assert!(v.error.is_some() && v.findings.is_empty());

        // Nothing answered on TLS 1.2, its baseline unread too: said, not left out.
        let mut one_reached: Vec<ProbeObservation> = seen
            .iter()
            .filter(|o| o.tls_version == TlsVersion::Tls13 || o.id == ProbeId::NO_CLIENT_CERT)
            .cloned()
            .collect();
        one_reached.retain(|o| o.tls_version == TlsVersion::Tls13 || o.outcome.is_unreadable());
        let v = judge(&one_reached);
        assert!(
            v.incomplete
                .iter()
                .any(|i| i.probe == "no-client-cert" && i.tls_version == Some(TlsVersion::Tls12)),
            "{:?}",
            v.incomplete
        );

        // Beside a spoken version: the certificate let in on the unread one is a finding too.
        let mut beside = vec![obs(ProbeId::NO_CLIENT_CERT, Outcome::RefusedTls, None)];
        beside.extend(
            seen.iter()
                .filter(|o| o.tls_version == TlsVersion::Tls12)
                .cloned(),
        );
        let v = judge(&beside);
        assert!(
            roots(&v).contains(&(FindingId::UntrustedClientCertAccepted, Severity::Critical)),
            "{:?}",
            roots(&v)
        );
        assert!(v
            .incomplete
            .iter()
            .any(|i| i.probe == "no-client-cert" && i.tls_version == Some(TlsVersion::Tls12)));

        // Every baseline refused the version, while other probes got through (a balancer over a
        // TLS 1.3-only and a TLS 1.2-only server): never clean.
        let mut split = Vec::new();
        for v in TlsVersion::ALL {
            split.push(at(
                obs(ProbeId::NO_CLIENT_CERT, Outcome::UnsupportedVersion, None),
                v,
            ));
            split.push(at(
                with_cert(obs(
                    ProbeId::UNTRUSTED_CLIENT_CERT,
                    Outcome::RefusedTls,
                    None,
                )),
                v,
            ));
        }
        split.push(with_cert(obs(
            ProbeId::VALID_CLIENT_CERT,
            Outcome::Served,
            Some(200),
        )));
        let v = judge(&split);
        assert!(v.error.is_none());
        assert!(
            v.incomplete.iter().any(|i| i.probe == "no-client-cert"
                && i.reason
                    .contains("while other probes on TLS 1.3 got through")),
            "{:?}",
            v.incomplete
        );
    }

    /// A finding raised on both versions takes the words of the one that gives it its severity:
    /// A version closed before the server's certificate beside one answered: unjudged, and the
    /// reason says what a server that does not speak it and says nothing looks like (asyncio).
    #[test]
    fn a_version_closed_before_the_certificate_beside_an_answered_one_says_what_it_may_be() {
        let mut closed = obs(ProbeId::NO_CLIENT_CERT, Outcome::Inconclusive, None);
        closed.tls_version = TlsVersion::Tls12;
        closed.detail =
            Some("TLS handshake failed before the server's certificate: tls handshake eof".into());
        let v = judge(&[
            obs(ProbeId::NO_CLIENT_CERT, Outcome::RefusedTls, None),
            closed,
        ]);
        assert!(
            v.incomplete
                .iter()
                .any(|i| i.tls_version == Some(TlsVersion::Tls12)
                    && i.reason.contains("does not speak TLS 1.2")
                    && i.reason.contains("TLS 1.3 was answered")),
            "{:?}",
            v.incomplete
        );
    }

    /// The same words on both versions are one sentence naming both, as `tls_versions` does.
    #[test]
    fn a_finding_alike_on_both_versions_names_both() {
        let on = |v: TlsVersion| {
            let mut nc = obs(ProbeId::NO_CLIENT_CERT, Outcome::RefusedTls, None);
            nc.tls_version = v;
            let mut served = with_cert(obs(
                ProbeId::UNTRUSTED_CLIENT_CERT,
                Outcome::Served,
                Some(200),
            ));
            served.tls_version = v;
            [nc, served]
        };
        let all: Vec<ProbeObservation> = on(TlsVersion::Tls13)
            .into_iter()
            .chain(on(TlsVersion::Tls12))
            .collect();
        let v = judge(&all);
        let f = v
            .findings
            .iter()
            .find(|f| f.id == FindingId::UntrustedClientCertAccepted)
            .unwrap_or_else(|| panic!("{:?}", roots(&v)));
        assert!(
            f.detail.starts_with("TLS 1.3, TLS 1.2: ") && f.detail.matches("TLS 1.2").count() == 1,
            "{}",
            f.detail
        );
    }

    /// served 200 on TLS 1.2 is said, not the TLS 1.3 answer that alone would be medium.
    #[test]
    fn a_finding_says_what_raised_its_severity() {
        let mut anonymous12 = obs(ProbeId::NO_CLIENT_CERT, Outcome::RefusedTls, None);
        anonymous12.tls_version = TlsVersion::Tls12;
        let mut served12 = with_cert(obs(
            ProbeId::UNTRUSTED_CLIENT_CERT,
            Outcome::Served,
            Some(200),
        ));
        served12.tls_version = TlsVersion::Tls12;
        let v = judge(&[
            obs(ProbeId::NO_CLIENT_CERT, Outcome::RefusedTls, None),
            with_cert(obs(
                ProbeId::UNTRUSTED_CLIENT_CERT,
                Outcome::Answered,
                Some(404),
            )),
            anonymous12,
            served12,
        ]);
        let f = v
            .findings
            .iter()
            .find(|f| f.id == FindingId::UntrustedClientCertAccepted)
            .unwrap_or_else(|| panic!("{:?}", roots(&v)));
        assert!(f.severity > Severity::Medium, "{:?}", f.severity);
        assert!(
            f.detail.starts_with("TLS 1.2") && f.detail.contains("served HTTP 200"),
            "{}",
            f.detail
        );
        assert_eq!(f.tls_versions, [TlsVersion::Tls13, TlsVersion::Tls12]);
    }

    /// An anonymous client let through the handshake to a 404 on a path where nothing was
    /// served: the finding stands at medium, and the target is incomplete (a C alone passes the
    /// default threshold). With the valid certificate served on the path, it is judged.
    #[test]
    fn a_path_that_serves_nothing_leaves_an_open_door_unconfirmed() {
        let mut anonymous = obs(ProbeId::NO_CLIENT_CERT, Outcome::Answered, Some(404));
        anonymous.handshake_completed = true;
        let v = judge(&[anonymous.clone()]);
        assert!(
            v.findings
                .iter()
                .any(|f| f.id == FindingId::ClientCertOptional && f.severity == Severity::Medium),
            "{:?}",
            v.findings
        );
        assert!(
            v.incomplete
                .iter()
                .any(|i| i.probe == "no-client-cert" && i.reason.contains("HTTP 404")),
            "{:?}",
            v.incomplete
        );
        let mut valid = with_cert(obs(ProbeId::VALID_CLIENT_CERT, Outcome::Served, Some(200)));
        valid.handshake_completed = true;
        let v = judge(&[anonymous, valid]);
        assert!(v.incomplete.is_empty(), "{:?}", v.incomplete);
    }

    /// The valid certificate answered 404 (a path with no page) where every other client was
    /// refused in the handshake: those refusals prove the checks; no enforcement-unverified
    /// finding, and the verification says what happened, not "refused".
    #[test]
    fn a_valid_certificate_answered_404_beside_handshake_refusals_is_no_finding() {
        let refused = |id| {
            let mut o = with_cert(obs(id, Outcome::RefusedTls, None));
            o.alert = Some("UnknownCA".into());
            o
        };
        let mut anonymous = obs(ProbeId::NO_CLIENT_CERT, Outcome::RefusedTls, None);
        anonymous.alert = Some("CertificateRequired".into());
        let mut valid = with_cert(obs(
            ProbeId::VALID_CLIENT_CERT,
            Outcome::Answered,
            Some(404),
        ));
        valid.handshake_completed = true;
        let v = judge(&[
            anonymous,
            refused(ProbeId::UNTRUSTED_CLIENT_CERT),
            refused(ProbeId::FORGED_CLIENT_CERT),
            valid,
        ]);
        assert!(v.findings.is_empty(), "{:?}", v.findings);
        assert!(
            v.verification_detail
                .as_deref()
                .is_some_and(|d| d.contains("answered HTTP 404, not a 2xx")),
            "{:?}",
            v.verification_detail
        );
    }

    /// A forged certificate whose connection the server broke off after the handshake on every
    /// attempt (Node 20's GOAWAY INTERNAL_ERROR), beside an anonymous client it answered 403:
    /// unread, and the reason says what the break-off is; a time-out, one attempt, or no other
    /// client answered, says nothing more.
    #[test]
    fn a_certificate_broken_off_on_every_attempt_is_unread_and_said_so() {
        let mut anonymous = obs(ProbeId::NO_CLIENT_CERT, Outcome::RefusedHttp, Some(403));
        anonymous.handshake_completed = true;
        let broken = |detail: &str, attempts: u8| {
            let mut o = with_cert(obs(
                ProbeId::FORGED_CLIENT_CERT,
                Outcome::Inconclusive,
                None,
            ));
            o.handshake_completed = true;
            o.alert = None;
            o.attempts = attempts;
            o.detail = Some(detail.into());
            o
        };
        let goaway = "no HTTP response: http2 error: connection error received: unexpected \
                      internal error encountered (3 attempts)";
        let reason = |seen: &[ProbeObservation]| {
            let v = judge(seen);
            v.incomplete
                .iter()
                .find(|i| i.probe == "forged-client-cert")
                .map(|i| i.reason.clone())
                .unwrap_or_default()
        };
        let said = reason(&[anonymous.clone(), broken(goaway, 3)]);
        // No client got an HTTP answer: the anonymous one refused with an alert.
        let mut refused_in_tls = obs(ProbeId::NO_CLIENT_CERT, Outcome::RefusedTls, None);
        refused_in_tls.alert = Some("CertificateRequired".into());
        assert!(
            said.starts_with(goaway)
                && said.contains("broke the connection off")
                && said.contains("Node.js 20")
                && !said.contains("Bun"),
            "{said}"
        );
        // On TLS 1.2 the same break-off may be a refusal never stated in the handshake: Bun's
        // close_notify (measured, `bun-serve-required`); the reason names both and what is read.
        let closed = "no HTTP response: connection closed before message completed (3 attempts)";
        let on_tls12 = |mut o: ProbeObservation| {
            o.tls_version = TlsVersion::Tls12;
            o
        };
        let said = reason(&[on_tls12(anonymous.clone()), on_tls12(broken(closed, 3))]);
        assert!(
            said.starts_with(closed)
                && said.contains("Node.js 20")
                && said.contains("Bun with `rejectUnauthorized: true`")
                && said.contains("speaks TLS 1.3 alone"),
            "{said}"
        );
        // An h2 error is no close_notify: Node 20's alone.
        let said = reason(&[on_tls12(anonymous.clone()), on_tls12(broken(goaway, 3))]);
        assert!(
            said.contains("Node.js 20") && !said.contains("Bun"),
            "{said}"
        );
        for seen in [
            vec![
                anonymous.clone(),
                broken("timed out after 10 s after the handshake began", 3),
            ],
            vec![
                anonymous.clone(),
                broken("no HTTP response: invalid HTTP version parsed", 3),
            ],
            vec![anonymous.clone(), broken(goaway, 1)],
            vec![refused_in_tls, broken(goaway, 3)],
        ] {
            let said = reason(&seen);
            assert!(
                !said.is_empty() && !said.contains("broke the connection off"),
                "{said}"
            );
        }
    }

    /// Every refusal a bare close (no alert, no HTTP answer anywhere): unread, whatever the
    /// grade; beside a served control or an HTTP answer to another client, a refusal.
    #[test]
    fn bare_closes_are_refusals_only_beside_an_answer() {
        let bare = |id| {
            let mut o = obs(id, Outcome::RefusedTls, None);
            o.alert = None;
            o.detail =
                Some("reset right after the handshake (the same on 2 attempts: a refusal)".into());
            if id != ProbeId::NO_CLIENT_CERT {
                o = with_cert(o);
            }
            o
        };
        let seen = [
            bare(ProbeId::NO_CLIENT_CERT),
            bare(ProbeId::UNTRUSTED_CLIENT_CERT),
        ];
        let v = judge(&seen);
        let probes: Vec<&str> = v.incomplete.iter().map(|i| i.probe.as_str()).collect();
        assert_eq!(
            probes,
            ["no-client-cert", "untrusted-client-cert"],
            "{:?}",
            v.incomplete
        );
        assert!(v.incomplete[0].reason.contains("closed without an alert"));
        let mut valid = with_cert(obs(ProbeId::VALID_CLIENT_CERT, Outcome::Served, Some(200)));
        valid.handshake_completed = true;
        let v = judge(&[seen[0].clone(), seen[1].clone(), valid]);
        assert!(v.incomplete.is_empty(), "{:?}", v.incomplete);
        // The anonymous client refused with a 403 by the application: the path answers.
        let mut app = obs(ProbeId::NO_CLIENT_CERT, Outcome::RefusedHttp, Some(403));
        app.handshake_completed = true;
        let v = judge(&[app, seen[1].clone()]);
        assert!(v.incomplete.is_empty(), "{:?}", v.incomplete);
    }

    /// A TCP balancer over a strict backend and a forgotten one: the baseline is asked and
    /// refused, but a certificate probe's connection lands where nothing is asked.
    #[test]
    fn a_probe_connection_not_asked_where_the_baseline_was_is_judged() {
        let strict = |id| with_cert(obs(id, Outcome::RefusedTls, None));
        let open = |id, outcome, status| {
            let mut o = obs(id, outcome, status);
            o.cert_requested = false;
            o.acceptable_cas = Vec::new();
            o
        };
        let baseline = obs(ProbeId::NO_CLIENT_CERT, Outcome::RefusedTls, None);
        // Served there: an anonymous client got in.
        let v = judge(&[
            baseline.clone(),
            strict(ProbeId::UNTRUSTED_CLIENT_CERT),
            open(ProbeId::EXPIRED_CLIENT_CERT, Outcome::Served, Some(200)),
        ]);
        assert_eq!(
            roots(&v),
            [(FindingId::ClientCertNotRequested, Severity::Critical)]
        );
        assert!(
            v.findings[0]
                .detail
                .contains("expired-client-cert connection was not asked"),
            "{}",
            v.findings[0].detail
        );
        // Refused there: its certificate was never sent, so it proves nothing.
        for (outcome, status) in [
            (Outcome::RefusedHttp, Some(403)),
            (Outcome::Answered, Some(500)),
            (Outcome::RefusedTls, None),
        ] {
            let v = judge(&[
                baseline.clone(),
                strict(ProbeId::UNTRUSTED_CLIENT_CERT),
                open(ProbeId::EXPIRED_CLIENT_CERT, outcome, status),
            ]);
            assert!(v.findings.is_empty(), "{:?}", roots(&v));
            assert_eq!(v.incomplete.len(), 1, "{outcome:?}");
            assert_eq!(v.incomplete[0].probe, "expired-client-cert");
            assert!(v.incomplete[0].reason.contains("not asked"));
        }
        // The positive control's connection not asked: unverified, and said why.
        let v = judge(&[
            baseline.clone(),
            open(ProbeId::VALID_CLIENT_CERT, Outcome::RefusedHttp, Some(403)),
        ]);
        assert_eq!(v.verification, Verification::Unverified);
        assert!(v
            .verification_detail
            .is_some_and(|d| d.contains("not asked")));
        assert_eq!(v.incomplete.len(), 1);
        // Asked everywhere and refused, where the staging CA's own certificate is served:
        // complete, nothing found.
        let v = judge(&[
            baseline,
            staging_control(Outcome::Served, Some(200)),
            strict(ProbeId::EXPIRED_CLIENT_CERT),
        ]);
        assert!(v.findings.is_empty() && v.incomplete.is_empty());
    }

    /// The valid certificate minted from the staging CA, presented and answered so.
    fn staging_control(outcome: Outcome, status: Option<u16>) -> ProbeObservation {
        let mut o = with_cert(obs(ProbeId::VALID_CLIENT_CERT, outcome, status));
        if let Some(c) = o.client_cert.as_mut().map(std::sync::Arc::make_mut) {
            c.origin = crate::probe::STAGING_VALID_ORIGIN.into();
        }
        o
    }

    /// The probes unread on TLS 1.3, by id.
    fn unread(v: &Verdict) -> Vec<&str> {
        v.incomplete.iter().map(|i| i.probe.as_str()).collect()
    }

    /// `client-cert` refused, the staging CA's valid certificate served: `cert-without-key` on
    /// the staging CA's certificate is judged against that control and stands for the one on
    /// `client-cert`'s, which proves nothing (before: unread, exit 3). Served, it is the finding;
    /// without the staging control, unread.
    #[test]
    fn the_staging_ca_stands_in_for_a_refused_client_cert_without_its_key() {
        let without_key_on_staging = |outcome, status| {
            let mut o = with_cert(obs(ProbeId::CERT_WITHOUT_KEY, outcome, status));
            if let Some(c) = o.client_cert.as_mut().map(std::sync::Arc::make_mut) {
                c.origin = crate::probe::cert_without_key::STAGING_WITHOUT_KEY_ORIGIN.into();
            }
            o
        };
        let mut seen = vec![
            obs(ProbeId::NO_CLIENT_CERT, Outcome::RefusedTls, None),
            with_cert(obs(ProbeId::VALID_CLIENT_CERT, Outcome::RefusedTls, None)),
            staging_control(Outcome::Served, Some(200)),
            with_cert(obs(ProbeId::CERT_WITHOUT_KEY, Outcome::RefusedTls, None)),
        ];
        assert_eq!(unread(&judge(&seen)), ["cert-without-key"], "alone: unread");
        seen.push(without_key_on_staging(Outcome::RefusedTls, None));
        let v = judge(&seen);
        assert!(unread(&v).is_empty(), "{:?}", v.incomplete);
        seen.pop();
        seen.push(without_key_on_staging(Outcome::Served, Some(200)));
        assert!(judge(&seen)
            .findings
            .iter()
            .any(|f| f.id == FindingId::ClientKeyPossessionNotVerified));
        seen.pop();
        seen.push(without_key_on_staging(Outcome::RefusedTls, None));
        seen.remove(2);
        assert_eq!(
            unread(&judge(&seen)),
            ["cert-without-key"],
            "no staging control: the staging one unread"
        );
    }

    /// A certificate the server should accept but for one flaw, refused where its control was
    /// not let in, proves nothing: unread, never a pass. Its control: the positive control for
    /// `cert-without-key`, the staging CA's own valid certificate for the staging probes.
    #[test]
    fn a_refusal_where_the_control_was_refused_is_unread() {
        let baseline = obs(ProbeId::NO_CLIENT_CERT, Outcome::RefusedTls, None);
        let refused = |id| with_cert(obs(id, Outcome::RefusedTls, None));
        let flaws = [
            refused(ProbeId::CERT_WITHOUT_KEY),
            refused(ProbeId::EXPIRED_CLIENT_CERT),
            refused(ProbeId::NOT_YET_VALID_CLIENT_CERT),
            refused(ProbeId::WRONG_EKU_CLIENT_CERT),
        ];
        let all_four = [
            "cert-without-key",
            "expired-client-cert",
            "not-yet-valid-client-cert",
            "wrong-eku-client-cert",
        ];
        // The control (minted from the staging CA, no client-cert) refused in the handshake:
        // all four unread; the staging ones say the staging CA is not accepted.
        let mut seen = vec![baseline.clone(), staging_control(Outcome::RefusedTls, None)];
        seen.extend(flaws.iter().cloned());
        let v = judge(&seen);
        assert_eq!(unread(&v), all_four);
        assert!(v.incomplete[1]
            .reason
            .contains("does not accept certificates from the staging CA"));
        // `cert-without-key` refused with decrypt_error: the key was checked, whatever the
        // server makes of the certificate.
        let mut decrypt = seen.clone();
        if let Some(o) = decrypt.get_mut(2) {
            o.alert = Some("DecryptError".into());
        }
        assert_eq!(unread(&judge(&decrypt)), &all_four[1..]);
        // Refused by the application (403) while these were refused in the handshake: their
        // TLS layer refused them for the flaw alone. Refused over HTTP too: unread.
        seen[1] = staging_control(Outcome::RefusedHttp, Some(403));
        assert!(unread(&judge(&seen)).is_empty());
        let mut http = seen.clone();
        for o in http.iter_mut().skip(2) {
            (o.outcome, o.http_status) = (Outcome::RefusedHttp, Some(403));
        }
        assert_eq!(unread(&judge(&http)), all_four);
        // Answered 404 (the path answers no 2xx): refusals in the handshake still prove
        // something; with every other client refused there, nothing needed the path's 2xx, so
        // no enforcement-unverified finding (the verification says what the control got).
        seen[1] = staging_control(Outcome::Answered, Some(404));
        let v = judge(&seen);
        assert!(unread(&v).is_empty(), "{:?}", v.incomplete);
        assert!(
            !v.findings
                .iter()
                .any(|f| f.id == FindingId::EnforcementUnverified),
            "{:?}",
            v.findings
        );
        assert!(v
            .verification_detail
            .as_deref()
            .is_some_and(|d| d.contains("does not answer 2xx")));
        // client-cert served; the staging CA's own certificate refused (UnknownCA): the staging
        // probes unread, cert-without-key proves its point.
        let mut unknown = staging_control(Outcome::RefusedTls, None);
        unknown.alert = Some("UnknownCA".into());
        seen[1] = with_cert(obs(ProbeId::VALID_CLIENT_CERT, Outcome::Served, Some(200)));
        seen.insert(2, unknown);
        assert_eq!(unread(&judge(&seen)), &all_four[1..]);
        // Its staging control not tried at all: unread as well.
        seen.remove(2);
        assert_eq!(unread(&judge(&seen)), &all_four[1..]);
        // Served, but this one got UnknownCA: never a pass.
        seen.insert(2, staging_control(Outcome::Served, Some(200)));
        assert!(unread(&judge(&seen)).is_empty());
        if let Some(o) = seen.get_mut(4) {
            o.alert = Some("UnknownCA".into());
        }
        assert_eq!(unread(&judge(&seen)), ["expired-client-cert"]);
    }

    /// A rate limiter (nginx `limit_req` answers 503) in front of an application that serves
    /// everyone: the baseline still busy after its retries raises what the handshake proved (the
    /// TLS layer let it in: medium), and the version is incomplete, never complete at grade C;
    /// a busy certificate probe is unread too.
    #[test]
    fn busy_answers_are_unread_never_judged() {
        let mut busy = obs(ProbeId::NO_CLIENT_CERT, Outcome::Answered, Some(503));
        busy.attempts = 3;
        let v = judge(&[
            busy,
            with_cert(obs(
                ProbeId::UNTRUSTED_CLIENT_CERT,
                Outcome::RefusedTls,
                None,
            )),
        ]);
        assert_eq!(
            roots(&v),
            [(FindingId::ClientCertOptional, Severity::Medium)]
        );
        assert_eq!(v.incomplete.len(), 1, "{:?}", v.incomplete);
        assert_eq!(v.incomplete[0].probe, "no-client-cert");
        assert!(
            v.incomplete[0].reason.contains("HTTP 503")
                && v.incomplete[0].reason.contains("3 attempts"),
            "{}",
            v.incomplete[0].reason
        );
        let v = judge(&[
            obs(ProbeId::NO_CLIENT_CERT, Outcome::RefusedTls, None),
            with_cert(obs(
                ProbeId::EXPIRED_CLIENT_CERT,
                Outcome::Answered,
                Some(429),
            )),
        ]);
        assert_eq!(v.incomplete.len(), 1, "{:?}", v.incomplete);
        assert_eq!(v.incomplete[0].probe, "expired-client-cert");
        // Busy where the valid certificate is served: still no refusal, never "enforced".
        let mut busy = obs(ProbeId::NO_CLIENT_CERT, Outcome::Answered, Some(503));
        busy.attempts = 3;
        let v = judge(&[
            busy,
            with_cert(obs(ProbeId::VALID_CLIENT_CERT, Outcome::Served, Some(200))),
            with_cert(obs(
                ProbeId::EXPIRED_CLIENT_CERT,
                Outcome::Answered,
                Some(503),
            )),
        ]);
        assert_eq!(
            roots(&v),
            [
                (FindingId::ClientCertOptional, Severity::Medium),
                (FindingId::ExpiredClientCertAccepted, Severity::Medium)
            ]
        );
        assert_eq!(v.incomplete.len(), 2, "{:?}", v.incomplete);
        // Not busy: a 500 after the handshake is an answer (the TLS layer let it in); with
        // nothing served a 2xx on the path, whether it is let in is unconfirmed: incomplete.
        let v = judge(&[
            obs(ProbeId::NO_CLIENT_CERT, Outcome::RefusedTls, None),
            with_cert(obs(
                ProbeId::EXPIRED_CLIENT_CERT,
                Outcome::Answered,
                Some(500),
            )),
        ]);
        assert_eq!(v.incomplete.len(), 1, "{:?}", v.incomplete);
        assert!(v.incomplete[0].reason.contains("answered HTTP 500"));
        assert_eq!(
            roots(&v),
            [(FindingId::ExpiredClientCertAccepted, Severity::Medium)]
        );
    }

    #[test]
    fn served_after_a_renegotiation_that_asked_nothing_is_never_requested() {
        let mut all = first_wave();
        all.push(late(
            ProbeId::NO_CLIENT_CERT,
            Outcome::Served,
            Some(200),
            None,
        ));
        let v = judge(&all);
        assert_eq!(
            roots(&v),
            [(FindingId::ClientCertNotRequested, Severity::Critical)]
        );
        assert_eq!((v.client_auth, v.enforced_at), (ClientAuth::None, None));
        assert_eq!(v.tls_versions, [TlsVersion::Tls12]);
        assert!(v.incomplete.is_empty(), "{:?}", v.incomplete);
        let f = &v.findings[0];
        assert!(
            f.detail.contains("neither in the handshake nor after it"),
            "{}",
            f.detail
        );
        assert!(
            f.evidence.values().any(|e| e.contains("HTTP 200")),
            "{:?}",
            f.evidence
        );
    }

    #[test]
    fn an_unreadable_late_answer_after_a_refusal_without_a_request_is_incomplete() {
        let mut stalled = late(ProbeId::NO_CLIENT_CERT, Outcome::Inconclusive, None, None);
        stalled.detail = Some("no complete answer within 2000 ms (3 attempts)".into());
        stalled.attempts = 3;
        let mut all = first_wave();
        all.push(stalled);
        let v = judge(&all);
        assert!(v.findings.is_empty());
        assert_eq!(v.client_auth, ClientAuth::Unknown, "never none, never A");
        assert_eq!(v.error, None);
        assert_eq!(v.incomplete.len(), 1, "{:?}", v.incomplete);
        let i = &v.incomplete[0];
        assert_eq!(
            (i.probe.as_str(), i.tls_version),
            ("no-client-cert", Some(TlsVersion::Tls12))
        );
        assert!(
            i.reason.contains("before asking for a client certificate"),
            "{}",
            i.reason
        );
        assert!(
            i.reason.contains("HandshakeFailure") && i.reason.contains("3 attempts"),
            "{}",
            i.reason
        );
    }

    /// Apache's per-location `SSLVerifyClient require` on TLS 1.3: rustls offers no
    /// post-handshake authentication, so the first wave gets 403 without any request; when the
    /// late probe (which would be asked) cannot be read, the version is unread, not "mutual TLS
    /// is not in place".
    #[test]
    fn an_http_refusal_without_a_request_and_an_unread_late_probe_is_incomplete() {
        let first: Vec<ProbeObservation> = [
            ProbeId::NO_CLIENT_CERT,
            ProbeId::UNTRUSTED_CLIENT_CERT,
            ProbeId::FORGED_CLIENT_CERT,
        ]
        .into_iter()
        .map(|id| {
            let mut o = obs(id, Outcome::RefusedHttp, Some(403));
            o.tls_version = TlsVersion::Tls12;
            o.cert_requested = false;
            o.acceptable_cas = Vec::new();
            o.handshake_completed = true;
            o
        })
        .collect();
        // Without any late baseline, then with one that timed out three times.
        let mut stalled = late(ProbeId::NO_CLIENT_CERT, Outcome::Inconclusive, None, None);
        stalled.detail = Some("no complete answer within 2000 ms (3 attempts)".into());
        let with_stalled: Vec<ProbeObservation> = first.iter().cloned().chain([stalled]).collect();
        for (all, said) in [(first.clone(), "did not run"), (with_stalled, "3 attempts")] {
            let v = judge(&all);
            // The first wave's judgement stands, unconfirmed, and the version is incomplete.
            assert_eq!(
                roots(&v),
                [(FindingId::ClientCertNotRequested, Severity::High)]
            );
            assert!(
                v.findings[0].detail.contains("Unconfirmed"),
                "{}",
                v.findings[0].detail
            );
            assert_eq!(v.incomplete.len(), 1, "{:?}", v.incomplete);
            let reason = &v.incomplete[0].reason;
            assert!(
                reason.contains("HTTP 403") && reason.contains(said),
                "{reason}"
            );
        }

        // The late probe asked after the handshake and was refused: judged, complete.
        let mut all = first;
        all.push(late(
            ProbeId::NO_CLIENT_CERT,
            Outcome::RefusedHttp,
            Some(403),
            Some(LateAsk::Renegotiation),
        ));
        let v = judge(&all);
        assert!(v.incomplete.is_empty(), "{:?}", v.incomplete);
        assert_eq!(v.client_auth, ClientAuth::Required);
    }

    #[test]
    fn a_refusal_without_a_request_is_never_silent() {
        // No late probe at all (it could not run).
        let v = judge(&first_wave());
        assert_eq!(v.incomplete.len(), 1, "{:?}", v.incomplete);
        assert!(v.incomplete[0].reason.contains("no late-auth probe ran"));
        assert_eq!(v.client_auth, ClientAuth::Unknown);

        // The late client refused before any request too.
        let mut all = first_wave();
        all.push(late(
            ProbeId::NO_CLIENT_CERT,
            Outcome::RefusedTls,
            None,
            None,
        ));
        let v = judge(&all);
        assert_eq!(v.incomplete.len(), 1, "{:?}", v.incomplete);
        assert!(v.incomplete[0]
            .reason
            .contains("also to the late-auth client"));
        assert!(v.findings.is_empty());

        // Another version judged required: that level stands, this version is incomplete.
        let mut all: Vec<ProbeObservation> = first_wave()
            .into_iter()
            .filter(|o| o.tls_version == TlsVersion::Tls12)
            .collect();
        all.push(obs(ProbeId::NO_CLIENT_CERT, Outcome::RefusedTls, None));
        all.push(with_cert(obs(
            ProbeId::UNTRUSTED_CLIENT_CERT,
            Outcome::RefusedTls,
            None,
        )));
        let v = judge(&all);
        assert_eq!(
            (v.client_auth, v.enforced_at),
            (ClientAuth::Required, Some(Layer::Tls))
        );
        assert_eq!(v.tls_versions, [TlsVersion::Tls13, TlsVersion::Tls12]);
        assert_eq!(v.incomplete.len(), 1);
        assert_eq!(v.incomplete[0].tls_version, Some(TlsVersion::Tls12));
    }

    /// The first wave's anonymous request stayed busy (a rate limit), the late wave got through
    /// and was asked and refused: the version is judged by the late wave, but the side doors,
    /// which start from the first wave's refusal, were skipped: incomplete, never complete.
    #[test]
    fn side_doors_skipped_for_a_busy_first_wave_leave_it_incomplete() {
        let ask = Some(LateAsk::Renegotiation);
        let mut busy = obs(ProbeId::NO_CLIENT_CERT, Outcome::Answered, Some(429));
        (busy.tls_version, busy.cert_requested, busy.attempts) = (TlsVersion::Tls12, false, 3);
        let all = [
            unsupported_13(ProbeId::NO_CLIENT_CERT),
            busy,
            late(ProbeId::NO_CLIENT_CERT, Outcome::RefusedTls, None, ask),
            with_cert(late(
                ProbeId::UNTRUSTED_CLIENT_CERT,
                Outcome::RefusedTls,
                None,
                ask,
            )),
        ];
        let v = judge(&all);
        assert_eq!(v.client_auth, ClientAuth::Required);
        assert!(v.findings.is_empty(), "{:?}", roots(&v));
        assert_eq!(v.incomplete.len(), 1, "{:?}", v.incomplete);
        assert!(v.incomplete[0].reason.contains("HTTP 429"));
        assert!(v.incomplete[0].reason.contains("side doors"));
    }

    #[test]
    fn a_renegotiation_that_asks_is_judged_as_before() {
        // Apache's <Location> SSLVerifyClient require on TLS 1.2.
        let mut all = first_wave();
        let ask = Some(LateAsk::Renegotiation);
        all.push(late(
            ProbeId::NO_CLIENT_CERT,
            Outcome::RefusedTls,
            None,
            ask,
        ));
        all.push(with_cert(late(
            ProbeId::UNTRUSTED_CLIENT_CERT,
            Outcome::RefusedTls,
            None,
            ask,
        )));
        all.push(with_cert(late(
            ProbeId::FORGED_CLIENT_CERT,
            Outcome::RefusedTls,
            None,
            ask,
        )));
        let v = judge(&all);
        assert_eq!(
            (v.client_auth, v.enforced_at),
            (ClientAuth::Required, Some(Layer::Renegotiation))
        );
        assert!(v.findings.is_empty() && v.incomplete.is_empty(), "{v:?}");

        // Asked late, served without a certificate: optional.
        let mut all = first_wave();
        all.push(late(
            ProbeId::NO_CLIENT_CERT,
            Outcome::Served,
            Some(200),
            ask,
        ));
        all.push(with_cert(late(
            ProbeId::UNTRUSTED_CLIENT_CERT,
            Outcome::Served,
            Some(200),
            ask,
        )));
        let v = judge(&all);
        assert_eq!(v.client_auth, ClientAuth::Optional);
        assert!(roots(&v).contains(&(FindingId::ClientCertOptional, Severity::Critical)));
        assert!(roots(&v).contains(&(FindingId::UntrustedClientCertAccepted, Severity::Critical)));
    }

    #[test]
    fn a_first_wave_answer_without_a_request_is_judged_alike_by_the_late_one() {
        // rustls got 401 without a CertificateRequest, OpenSSL too: high, as before.
        let mut first = obs(ProbeId::NO_CLIENT_CERT, Outcome::RefusedHttp, Some(401));
        first.cert_requested = false;
        first.handshake_completed = true;
        let mut second = first.clone();
        second.late = true;
        let v = judge(&[first.clone(), second]);
        assert_eq!(
            roots(&v),
            [(FindingId::ClientCertNotRequested, Severity::High)]
        );
        assert_eq!(v.client_auth, ClientAuth::None);
        assert!(v.incomplete.is_empty());
        // Without the late answer, whether it asks after the handshake is unknown: the finding
        // stands, unconfirmed, and the target is incomplete.
        let v = judge(&[first]);
        assert_eq!(
            roots(&v),
            [(FindingId::ClientCertNotRequested, Severity::High)]
        );
        assert_eq!(v.incomplete.len(), 1);
    }
}
