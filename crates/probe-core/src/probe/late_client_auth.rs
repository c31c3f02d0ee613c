//! Client authentication asked for after the handshake: TLS 1.3 post-handshake authentication and
//! TLS 1.2 renegotiation (Apache's `<Location> SSLVerifyClient require`, IIS). rustls offers
//! neither, so on a TLS version where the first wave saw no CertificateRequest, this probe asks
//! again through the late-auth transport ([`crate::transport::late`], OpenSSL) without a certificate.
//! When the server then asks, every certificate probe of the wave runs again that way, and the
//! judgement of that version reads these observations instead ([`judged_view`]).

use std::sync::Arc;

use rustls::SignatureScheme;

use crate::facts::{IncompleteProbe, Outcome, ProbeObservation, TlsVersion};
use crate::probe::{ProbeId, SkippedProbe};
use crate::target::Target;
use crate::transport::late::{self as late_auth, LateAuthExchange, LateAuthRequest};
use crate::transport::tls::CertChooser;
use crate::transport::{classify_status, Limits, UNPRESENTED};

/// The signature schemes a late probe picks its identity for: the server's are not known before
/// the (late) request, and P-256 is what every stack here accepts.
const SCHEMES: &[SignatureScheme] = &[
    SignatureScheme::ECDSA_NISTP256_SHA256,
    SignatureScheme::RSA_PSS_SHA256,
    SignatureScheme::RSA_PKCS1_SHA256,
];

/// Whether a first-wave baseline calls for the late probe: no CertificateRequest in the
/// handshake, and the server did not simply serve the request (a server that serves a client
/// that cannot answer a late request has no client auth to find). A refusal without a request
/// (Apache's 403 to a client without post-handshake auth, its `handshake_failure` to a client
/// that refuses renegotiation), another answer, or one that could not be read all call for it.
pub fn wanted(baseline: &ProbeObservation) -> bool {
    !baseline.late
        && ((!baseline.cert_requested
            && (baseline.handshake_completed || baseline.outcome == Outcome::RefusedTls)
            && matches!(
                baseline.outcome,
                Outcome::RefusedHttp
                    | Outcome::RefusedTls
                    | Outcome::Answered
                    | Outcome::Inconclusive
            ))
            || asked_again_12(baseline))
}

/// A TLS 1.2 baseline refused by an alert after its handshake was complete: a TLS 1.2 server
/// refuses a certificate in the handshake, so an alert after the request is about what came
/// next, a renegotiation the server asked for and this client declined (Node's
/// `socket.renegotiate()` after the request, serving whoever renegotiates, even without a
/// certificate). The late probe, which renegotiates, tells what it lets in.
fn asked_again_12(baseline: &ProbeObservation) -> bool {
    baseline.tls_version == TlsVersion::Tls12
        && baseline.cert_requested
        && baseline.handshake_completed
        && baseline.outcome == Outcome::RefusedTls
        && baseline.alert.is_some()
}

/// One late exchange: the probe's certificate picked in advance (none for the baseline), from the
/// CA names the late baseline was sent (`ca_names`, DER: a forged certificate claims one).
pub async fn run_one(
    target: &Target,
    id: ProbeId,
    version: TlsVersion,
    chooser: Option<&Arc<dyn CertChooser>>,
    ca_names: &[Vec<u8>],
    limits: Limits,
    header_trust: &Arc<dyn crate::transport::HeaderTrust>,
) -> Result<ProbeObservation, SkippedProbe> {
    let hints: Vec<&[u8]> = ca_names.iter().map(Vec::as_slice).collect();
    let identity = match chooser.map(|c| c.choose(&hints, SCHEMES)) {
        None => None,
        Some(Ok(identity)) => identity,
        // Not made is not refused: the probe is inconclusive (and not tried again).
        Some(Err(reason)) => {
            let exchange = LateAuthExchange {
                inconclusive: Some(format!("{UNPRESENTED}: {reason}")),
                ..LateAuthExchange::default()
            };
            return Ok(observation(id, version, &exchange, None));
        }
    };
    if chooser.is_some() {
        let reason = match &identity {
            Some(i) if late_auth::can_present(i) => None,
            Some(_) => Some(
                "not run after the handshake: the late-auth transport (OpenSSL) presents an \
                 Ed25519 or Ed448 certificate only with its own key",
            ),
            None => Some(
                "not run after the handshake: the server's late CertificateRequest named no CA \
                 to forge a certificate of, and no client certificate or staging CA names one",
            ),
        };
        if let Some(reason) = reason {
            return Err(SkippedProbe {
                id,
                reason: reason.into(),
            });
        }
    }
    let run = |identity: Option<crate::identity::ClientIdentity>| async move {
        let x = late_auth::run(LateAuthRequest {
            target,
            version,
            identity: identity.as_ref(),
            limits,
            path: None,
            header_trust: Some(header_trust),
        })
        .await;
        (x, identity)
    };
    let (mut exchange, mut identity) = run(identity).await;
    // Asked, but OpenSSL sent an empty Certificate: the key type is not among those the server
    // accepts (the schemes of a late request are encrypted, so P-256 went first). Once more with
    // the RSA identity; if that is not sent either, the probe presented nothing and proves nothing.
    let unsent = |x: &LateAuthExchange, identity: &Option<crate::identity::ClientIdentity>| {
        identity.is_some() && (x.asked.is_some() || x.handshake_cert_requested) && !x.cert_sent
    };
    let mut rsa_failed = None;
    if unsent(&exchange, &identity) {
        match chooser.map(|c| c.choose(&hints, RSA_SCHEMES)) {
            Some(Ok(Some(rsa))) if late_auth::can_present(&rsa) => {
                (exchange, identity) = run(Some(rsa)).await;
            }
            Some(Err(reason)) => rsa_failed = Some(reason),
            _ => {}
        }
    }
    if unsent(&exchange, &identity) {
        exchange.http_status = None;
        exchange.alert = None;
        exchange.inconclusive = Some(match rsa_failed {
            Some(reason) => format!(
                "{UNPRESENTED}: the P-256 certificate was not sent, and the RSA one could not \
                 be made: {reason}"
            ),
            None => UNPRESENTABLE.to_owned(),
        });
    }
    Ok(observation(
        id,
        version,
        &exchange,
        identity.map(|i| i.summary),
    ))
}

/// The protected page fetched through the late-auth transport with `chooser`'s certificate, as
/// a side door's reference ([`super::landing`]): on a server that asks for the certificate only
/// after the request (Apache `<Location>`), the rustls reference gets the refusal a client
/// without post-handshake authentication gets, while this one is served. `None` where no
/// certificate could be made for it.
pub async fn reference_page(
    target: &Target,
    version: TlsVersion,
    chooser: &Arc<dyn CertChooser>,
    limits: Limits,
    header_trust: &Arc<dyn crate::transport::HeaderTrust>,
) -> Option<crate::probe::knock::Seen> {
    use crate::transport::ExchangeResult;
    let identity = chooser
        .choose(&[], SCHEMES)
        .ok()
        .flatten()
        .filter(late_auth::can_present)?;
    let x = late_auth::run(LateAuthRequest {
        target,
        version,
        identity: Some(&identity),
        limits,
        path: None,
        header_trust: Some(header_trust),
    })
    .await;
    let outcome = match (x.http_status, &x.alert) {
        (Some(_), _) if x.speaks_websocket || x.says_nothing => Outcome::Inconclusive,
        (Some(status), _) => classify_status(status),
        (None, Some(_)) => Outcome::RefusedTls,
        _ => Outcome::Inconclusive,
    };
    Some(crate::probe::knock::Seen {
        result: ExchangeResult {
            outcome: Some(outcome),
            alert: x.alert,
            http_status: x.http_status,
            server_header: x.server_header,
            via: x.via,
            powered_by: x.powered_by,
            body_excerpt: x.body_excerpt,
            complete: x.http_status.is_some() && !x.truncated,
            truncated: x.truncated,
            body: x.body,
            tls_version: x.tls_version,
            detail: x.inconclusive,
            elapsed: x.elapsed,
            ..ExchangeResult::default()
        },
        cert_requested: x.handshake_cert_requested || x.asked.is_some(),
        let_in_by_page: false,
        acceptable_cas: Vec::new(),
    })
}

/// Why a late certificate probe proves nothing when neither of its keys could be presented (the
/// engine does not try such a probe again: the answer would be the same).
pub const UNPRESENTABLE: &str = "the server asked for a certificate but none could be presented: \
     it accepts none of the signature schemes the scan's keys (P-256, RSA) make";

/// The schemes that make a chooser pick its RSA identity.
const RSA_SCHEMES: &[SignatureScheme] = &[
    SignatureScheme::RSA_PSS_SHA256,
    SignatureScheme::RSA_PKCS1_SHA256,
];

/// The facts of a late exchange as an observation of `id`.
fn observation(
    id: ProbeId,
    version: TlsVersion,
    x: &LateAuthExchange,
    sent: Option<std::sync::Arc<crate::identity::IdentitySummary>>,
) -> ProbeObservation {
    let outcome = match (&x.inconclusive, x.http_status, &x.alert) {
        (_, Some(_), _) if x.speaks_websocket || x.says_nothing => Outcome::Inconclusive,
        (_, Some(status), _) => classify_status(status),
        (_, None, Some(_)) => Outcome::RefusedTls,
        _ if closed_after_our_certificate(x) => Outcome::RefusedTls,
        _ => Outcome::Inconclusive,
    };
    // A body read whole is a page; one past the cap is kept as read apart. Tokenised once.
    let (page, body_numbers) = if x.http_status.is_some() {
        super::page::page_hashes(&x.body)
    } else {
        (None, Vec::new())
    };
    let (body_page, body_page_read) = if x.truncated {
        (None, page.filter(|_| !x.body.is_empty()))
    } else {
        (page, None)
    };
    ProbeObservation {
        id,
        tls_version: version,
        client_cert: sent.filter(|_| x.cert_sent),
        cert_requested: x.handshake_cert_requested || x.asked.is_some(),
        acceptable_cas: x.acceptable_cas.clone(),
        acceptable_ca_names: x.ca_names.clone(),
        signature_schemes: Default::default(),
        alert: x.alert.clone(),
        http_status: x.http_status,
        alpn: None,
        server_header: x.server_header.clone(),
        via: x.via.clone(),
        powered_by: x.powered_by.clone(),
        location: x.location.clone(),
        auth_challenge: None,
        body_excerpt: x.body_excerpt.clone(),
        body_page,
        body_page_read,
        body_numbers,
        body_json_pairs: if x.http_status.is_some() && super::page::compares_json_pairs(id) {
            super::page::json_pairs(&x.body, id == ProbeId::VALID_CLIENT_CERT)
        } else {
            Vec::new()
        },
        body_names_certificates: x.body_names_certificates,
        body_cut: x.http_status.is_some() && x.truncated,
        body_speaks_of_refusal: crate::text::speaks_of_refusal_in_any_language(&x.body),
        outcome,
        detail: x.inconclusive.clone(),
        ms: (x.elapsed.as_secs_f64() * 1000.0 * 100.0).round() / 100.0,
        attempts: 1,
        late: true,
        asked_after_handshake: x.asked,
        handshake_completed: x.tls_version.is_some(),
    }
}

/// The server asked for a certificate after the handshake, was sent ours, and closed the
/// connection without an alert or an answer (Node's `renegotiate({ rejectUnauthorized: true })`
/// on a certificate it does not trust): a refusal by a bare close, which counts as one only
/// where it repeats (the engine asks again, as for the first wave's bare closes) and beside a
/// client that got an answer on the version (the verdict's rule for every bare close).
pub fn closed_after_our_certificate(x: &LateAuthExchange) -> bool {
    x.asked.is_some()
        && x.cert_sent
        && x.http_status.is_none()
        && x.alert.is_none()
        && x.inconclusive.as_deref() == Some(crate::transport::late::CLOSED_WITHOUT_ANSWER)
}

/// The late baseline of `version`, when the late wave ran there.
pub fn late_baseline(obs: &[ProbeObservation], version: TlsVersion) -> Option<&ProbeObservation> {
    obs.iter()
        .find(|o| o.late && o.id == ProbeId::NO_CLIENT_CERT && o.tls_version == version)
}

/// The observations that judge `version`: the late ones when the late baseline is conclusive
/// (the server asked for a certificate after the handshake, or answered a client that lets it
/// ask late without asking: served, refused or answered it), else the first wave's. A first wave
/// refused in the handshake without a CertificateRequest (rustls refusing a renegotiation) says
/// nothing about client certificates; the late answer does.
pub fn judged_view(obs: &[ProbeObservation], version: TlsVersion) -> Vec<&ProbeObservation> {
    let late = late_baseline(obs, version).is_some_and(judges);
    obs.iter()
        .filter(|o| o.tls_version == version && o.late == late)
        .collect()
}

/// Whether a late baseline says enough to judge its version: the server asked for a
/// certificate, after the handshake or inside it, or gave it an answer that could be read.
fn judges(late_baseline: &ProbeObservation) -> bool {
    late_baseline.asked_after_handshake.is_some()
        || late_baseline.cert_requested
        || late_baseline.outcome.is_conclusive()
}

/// A first-wave baseline that called for the late probe and got an HTTP answer without any
/// CertificateRequest (Apache's 403 to a client without post-handshake authentication), where
/// the late baseline could not be read or did not run: whether the server asks after the
/// handshake is unknown, so the version is incomplete, and what the first wave found stands,
/// said to be unconfirmed (never a pass on a missing answer). (A refusal in the handshake is
/// [`super::no_client_cert::refused_before_asking`]'s.)
pub fn late_unread(
    nc: &ProbeObservation,
    late: Option<&ProbeObservation>,
) -> Option<IncompleteProbe> {
    let asked_again = asked_again_12(nc);
    if !wanted(nc)
        || (nc.outcome == Outcome::RefusedTls && !asked_again)
        || !nc.outcome.is_conclusive()
    {
        return None;
    }
    let late_said = match late {
        Some(l) if judges(l) => return None,
        Some(l) => format!(
            "could not be read: {}",
            l.detail.as_deref().unwrap_or("no answer")
        ),
        None => "did not run".to_owned(),
    };
    let answer = nc
        .http_status
        .map_or_else(|| "an answer".to_owned(), |st| format!("HTTP {st}"));
    let first = if asked_again {
        format!(
            "the server cut the connection off with an alert ({}) after the request, once the \
             handshake was complete (TLS 1.2 refuses a certificate in the handshake: a \
             renegotiation it asked for, which the scan's client declines?)",
            nc.alert.as_deref().unwrap_or("an alert")
        )
    } else {
        format!(
            "the server answered {answer} without asking for a client certificate in the \
             handshake"
        )
    };
    Some(IncompleteProbe {
        probe: nc.id.as_str().to_owned(),
        tls_version: Some(nc.tls_version),
        reason: format!(
            "{first}, and the late-auth probe (OpenSSL, which accepts renegotiation and offers \
             post-handshake authentication), which shows whether it asks after the handshake, \
             {late_said}"
        ),
    })
}

/// Whether the late baseline calls for the certificate probes through the late-auth transport:
/// the server asked for a certificate, after the handshake or (to OpenSSL, not to rustls) inside it.
pub fn certificates_wanted(late_baseline: &ProbeObservation) -> bool {
    late_baseline.late && late_baseline.cert_requested
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::LateAsk;

    fn obs(late: bool, asked: Option<LateAsk>, outcome: Outcome) -> ProbeObservation {
        ProbeObservation {
            id: ProbeId::NO_CLIENT_CERT,
            tls_version: TlsVersion::Tls13,
            client_cert: None,
            cert_requested: asked.is_some(),
            acceptable_cas: Vec::new(),
            acceptable_ca_names: Vec::new(),
            signature_schemes: Default::default(),
            alert: None,
            http_status: Some(403),
            alpn: None,
            server_header: None,
            via: None,
            powered_by: None,
            location: None,
            auth_challenge: None,
            body_excerpt: None,
            body_page: None,
            body_page_read: None,
            body_numbers: Vec::new(),
            body_json_pairs: Vec::new(),
            body_names_certificates: false,
            body_cut: false,
            body_speaks_of_refusal: false,
            outcome,
            detail: None,
            ms: 1.0,
            attempts: 1,
            late,
            asked_after_handshake: asked,
            handshake_completed: true,
        }
    }

    #[test]
    fn late_view_replaces_the_first_wave_when_the_late_baseline_is_conclusive() {
        let first = obs(false, None, Outcome::RefusedHttp);
        assert!(wanted(&first));
        let asked = obs(true, Some(LateAsk::PostHandshake), Outcome::RefusedTls);
        let both = [first.clone(), asked];
        let view = judged_view(&both, TlsVersion::Tls13);
        assert!(view.len() == 1 && view.iter().all(|o| o.late));

        // Not asked, but answered: the late answer judges (it is what a client that lets the
        // server ask late gets), and no certificate probe runs late.
        let not_asked = [first.clone(), obs(true, None, Outcome::Served)];
        assert!(!certificates_wanted(&not_asked[1]));
        let view = judged_view(&not_asked, TlsVersion::Tls13);
        assert!(view.len() == 1 && view.iter().all(|o| o.late));
        assert!(judged_view(&not_asked, TlsVersion::Tls12).is_empty());

        // Not asked and unreadable: the first wave's view stands (and the verdict calls a first
        // wave refused without a request incomplete).
        let unreadable = [first.clone(), obs(true, None, Outcome::Inconclusive)];
        let view = judged_view(&unreadable, TlsVersion::Tls13);
        assert!(view.len() == 1 && view.iter().all(|o| !o.late));
        assert!(late_baseline(&unreadable, TlsVersion::Tls13).is_some_and(|o| o.late));

        // Asked late, then unreadable: still the late view, whose baseline is unjudged.
        let asked_unread = [
            first.clone(),
            obs(true, Some(LateAsk::Renegotiation), Outcome::Inconclusive),
        ];
        assert!(certificates_wanted(&asked_unread[1]));
        let view = judged_view(&asked_unread, TlsVersion::Tls13);
        assert!(view.len() == 1 && view.iter().all(|o| o.late));

        // A refusal in the handshake without a request calls for the late probe.
        let mut refused = obs(false, None, Outcome::RefusedTls);
        refused.handshake_completed = false;
        refused.http_status = None;
        assert!(wanted(&refused));

        // A server that served the first wave's anonymous request is judged on that.
        assert!(!wanted(&obs(false, None, Outcome::Served)));

        // TLS 1.2, asked in the handshake, cut off by an alert after the request (Node's
        // renegotiation after the request, declined): the late probe runs, and the version is
        // incomplete while it cannot be read, never passed on the alert.
        let mut cut = obs(false, Some(LateAsk::Renegotiation), Outcome::RefusedTls);
        cut.tls_version = TlsVersion::Tls12;
        cut.alert = Some("HandshakeFailure".into());
        cut.http_status = None;
        assert!(wanted(&cut));
        assert!(late_unread(&cut, None).is_some_and(|i| i.reason.contains("after the request")));
        // The same on TLS 1.3 (its refusal comes after the handshake) or in the handshake: not.
        let mut tls13 = cut.clone();
        tls13.tls_version = TlsVersion::Tls13;
        assert!(!wanted(&tls13));
        let mut in_handshake = cut.clone();
        in_handshake.handshake_completed = false;
        assert!(!wanted(&in_handshake));
    }
}
