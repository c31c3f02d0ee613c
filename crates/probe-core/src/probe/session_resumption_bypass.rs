//! `session-resumption-bypass`: a resumed handshake asks for no certificate. Where the protected
//! name refuses an anonymous client, get a session without a certificate on a name that needs none
//! (no SNI, or a sibling name of the served certificate or the configuration; TLS 1.3 ticket or
//! TLS 1.2 session), then offer it with the protected name and ask for the protected resource. A
//! resumed handshake without a CertificateRequest that is served 2xx, on the protected site's page
//! (judged against the donor name's controls, [`super::landing`]), is a bypass. Each version the protected name refuses on is tried, with the
//! first name whose session the protected name resumes (every name it tries, until one does). The donor's first connection asks for the protected
//! `Host` and is the one the SNI probe reads (`side_door::SharedKnocks`): the session is handed
//! out in the handshake, whatever the request. The controls, for a resumed session that lands on
//! the donor's own site or a default one, are fetched only when the offer is served.
//!
//! The protected name is its own donor too, on each version where its anonymous handshake
//! completes and the refusal comes over HTTP (an application's 401/403; not nginx's own
//! certificate page, which its TLS module gives a resumed session alike): a session made there
//! without a certificate, resumed on the same name and `Host`, must be refused as the fresh one
//! was. Node.js with `rejectUnauthorized: false` reports `socket.authorized` true on a TLS 1.3
//! resumption without a certificate (nodejs/node#35317), so an application that checks it lets
//! such a session in.

use std::sync::Arc;

use futures_util::future::BoxFuture;
use futures_util::FutureExt as _;

#[cfg(test)]
use super::landing::Control;
use super::landing::{self, Controls, Landing};
use super::side_door::{
    anonymous_not_served, authority_of, candidate_names, knock, name_refused_at_hello,
    shared_knock, Door, Seen, RETRY_AFTER,
};
use super::{FirstWave, ProbeSpec, ScanContext, Start, TargetOutcome, TargetProbe};
use crate::facts::{IncompleteProbe, ProbeId, TlsVersion};
use crate::finding::{Finding, FindingId};
use crate::target::Target;
use crate::transport::tls::CrossNameSessions;
use crate::transport::Sni;

impl ProbeId {
    /// `session-resumption-bypass`: A session from another name, resumed on the protected one.
    pub const SESSION_RESUMPTION_BYPASS: ProbeId = ProbeId::new("session-resumption-bypass");
}

/// The probe.
pub struct SessionResumptionBypass;

static SPEC: ProbeSpec = ProbeSpec {
    id: ProbeId::SESSION_RESUMPTION_BYPASS,
    presents: "no certificate: a session from a name that needs none (the names `sni-host-mismatch-bypass` tries: no SNI, the sibling names, the host in capitals, the certificate's other names, a random name under the parent domain and, for a name of two labels, one under it), then offered with the protected SNI and `Host`, per TLS version; on a 2xx, the controls of `sni-host-mismatch-bypass`. Where the protected name's anonymous handshake completes and an application refuses it over HTTP (or, having asked for a certificate, closes it without an answer), a session made there is offered on the same name too; and a session from each other port of the host named with `sibling-port` (a public server sharing the protected one's ticket keys or session cache), asked with the protected name then the names above, offered on the protected port; on TLS 1.2, the first session not resumed asked for again by session ID alone (no ticket); a resumed session served on the protected name itself compared with the valid certificate's page",
    needs: "a target that does not serve an anonymous client (refuses it, redirects it, answers 404 …)",
    findings: &[FindingId::SessionResumptionBypass],
};

/// One attempt: the donor name, what it gave, what the protected name did with it, and, when the
/// offer was resumed and served without a CertificateRequest, where it landed.
struct Attempt {
    donor: String,
    /// The donor is the protected name itself (same SNI and `Host`): a served resumption is the
    /// protected page, no controls needed.
    same_name: bool,
    /// The donor is another port of the host (`sibling_ports`), asked with the protected name:
    /// a session offered back lands on the protected server, name and `Host`, no controls needed.
    port: Option<u16>,
    /// The TLS 1.2 session was asked for and offered by session ID alone (no ticket).
    by_id: bool,
    got: Seen,
    offered: Option<Seen>,
    landed: Option<(Landing, Controls)>,
}

async fn attempt(
    target: &Target,
    scan: &ScanContext,
    first: &FirstWave,
    version: TlsVersion,
    donors: &[(Sni, String)],
    port: Option<u16>,
) -> Vec<Attempt> {
    let mut out = Vec::new();
    // On TLS 1.2, a session the protected server did not resume is asked for once more by
    // session ID alone (no ticket): a server with its own ticket keys may share its session
    // cache with the donor (HAProxy's binds in one process: an audit's stock configuration with
    // `sibling-port` was A, exit 0, where `s_client -no_ticket` resumed and got the orders).
    let mut by_id_asked = version != TlsVersion::Tls12;
    // Every candidate name's session until one settles the version: the list is bounded
    // ([`super::side_door::MAX_NAMES`] of the certificate's, the configured ones, a random
    // name or two). A cap of three names here once left the rest in silence: a server whose
    // names keep session keys of their own, but for one that shares the protected name's,
    // would have passed unseen.
    for donor in donors {
        if scan.limits.expired() {
            break;
        }
        let sni = &donor.0;
        let mut waits = RETRY_AFTER.iter();
        let mut earlier: Option<Attempt> = None;
        let mut own_host = false;
        loop {
            // The first try takes its session from the knock it shares with the SNI probe.
            let shared = earlier.is_none() && port.is_none();
            let donating = Donating {
                shared,
                own_host,
                version,
                port,
                by_id: false,
            };
            let mut a = donate_and_offer(target, scan, first, donating, donor)
                .boxed()
                .await;
            if !own_host && wants_own_host(&a, sni) {
                own_host = true;
                let protected = a;
                let donating = Donating {
                    shared: false,
                    own_host,
                    ..donating
                };
                a = donate_and_offer(target, scan, first, donating, donor)
                    .boxed()
                    .await;
                a = merged(a, protected);
            }
            if let Some(e) = earlier.take() {
                a = merged(a, e);
            }
            let unreadable = unread(&a);
            // A readable offer settles the version when it was resumed and then refused or
            // landed on the protected site; one not resumed (this donor's sessions are not
            // honoured on the protected name: another name's may be, a server with a ticket key
            // per name), or one that landed elsewhere or unsure, lets the next donor try.
            let settled = a.offered.as_ref().is_some_and(|o| o.result.resumed)
                && !matches!(
                    a.landed,
                    Some((Landing::Elsewhere(_) | Landing::Unsure(_), _))
                );
            // A ticket is spent by its first use: an offer that could not be read is tried
            // again with a fresh session from the donor, as is a donor that could not be read.
            match (unreadable && !scan.limits.expired(), waits.next()) {
                (true, Some(wait)) => {
                    earlier = Some(a);
                    tokio::time::sleep(*wait).await;
                }
                _ => {
                    // A donor name closed before the server's certificate each time, where the
                    // protected name gets past it, is refused by the server: no session from it.
                    if port.is_none() && a.offered.is_none() && !a.by_id {
                        let donor_door = Door::anonymous(scan, version, sni.clone());
                        name_refused_at_hello(target, donor_door, &mut a.got).await;
                    }
                    let not_resumed = a
                        .offered
                        .as_ref()
                        .is_some_and(|o| !o.result.resumed && o.unreadable().is_none());
                    out.push(a);
                    // One that stayed unreadable (kept for the report) lets the next try.
                    if settled && !unreadable {
                        return out;
                    }
                    if not_resumed && !by_id_asked && !scan.limits.expired() {
                        by_id_asked = true;
                        let donating = Donating {
                            shared: false,
                            own_host,
                            by_id: true,
                            ..donating
                        };
                        let mut b = donate_and_offer(target, scan, first, donating, donor)
                            .boxed()
                            .await;
                        // An offer by ID that could not be read (a close without an alert, as
                        // GnuTLS gives the full handshake it falls back to) is asked again, as
                        // the ticket's was, so a close that repeats is the server's refusal.
                        for wait in RETRY_AFTER {
                            if !unread(&b) || scan.limits.expired() {
                                break;
                            }
                            tokio::time::sleep(wait).await;
                            let again = donate_and_offer(target, scan, first, donating, donor)
                                .boxed()
                                .await;
                            b = merged(again, b);
                        }
                        let resumed = b.offered.as_ref().is_some_and(|o| o.result.resumed);
                        let landed_elsewhere = matches!(
                            b.landed,
                            Some((Landing::Elsewhere(_) | Landing::Unsure(_), _))
                        );
                        out.push(b);
                        if resumed && !landed_elsewhere {
                            return out;
                        }
                    }
                    break;
                }
            }
        }
    }
    out
}

/// The donor asked for the protected `Host` was not served (an HTTP error, an alert, a close)
/// and its session was not resumed: the server may have dropped it for that answer (nginx
/// removes a session from its cache before its own certificate page; OpenSSL after a fatal
/// alert, or a close without close_notify, when it keeps sessions by ID). So once more, the
/// donor asking for its own `Host`, as its clients do; not after nginx's own certificate page,
/// which nginx gives there only when the donor name is the protected server itself (another
/// server's name gets 421), whose own `Host` fares the same. Without SNI, the protected `Host` is
/// the donor's own.
fn wants_own_host(a: &Attempt, sni: &Sni) -> bool {
    let r = &a.got.result;
    matches!(sni, Sni::Name(_))
        && !a.got.served()
        && !crate::checks::refusal::nginx_own_certificate_page(
            r.http_status,
            r.body_excerpt.as_deref(),
            r.server_header.as_deref(),
        )
        && a.offered.as_ref().is_some_and(|o| !o.result.resumed)
}

/// The attempt proves nothing yet: its offer could not be read, or, with no offer made, its donor
/// could not be (it might have handed out a session unseen).
fn unread(a: &Attempt) -> bool {
    match &a.offered {
        Some(offered) => offered.unreadable().is_some(),
        None => donor_unreadable(&a.got).is_some(),
    }
}

/// `now`, after `then` ended the same way: a close without an alert that happened twice is
/// confirmed; an offer `now` could not make (no session) leaves `then`'s, with its control, so
/// an offer that could not be read keeps the probe incomplete rather than silently clean.
fn merged(mut now: Attempt, then: Attempt) -> Attempt {
    now.got = now.got.confirmed_by(&then.got);
    match (now.offered.take(), then.offered) {
        (Some(offer), Some(earlier)) => now.offered = Some(offer.confirmed_by(&earlier)),
        (None, Some(earlier)) => {
            now.offered = Some(earlier);
            now.landed = then.landed;
        }
        (offer, None) => now.offered = offer,
    }
    now
}

/// How a donor is asked for its session.
#[derive(Clone, Copy)]
struct Donating {
    /// The donor's first connection is the knock the SNI probe reads too.
    shared: bool,
    /// The donor name asks for its own `Host`, not the protected one.
    own_host: bool,
    version: TlsVersion,
    /// The donor is this other port of the host, asked with the protected name and its own port.
    port: Option<u16>,
    /// TLS 1.2 sessions by session ID alone, on connections of their own (never the shared
    /// knock's).
    by_id: bool,
}

/// Gets a session from the donor name without a certificate (asking for the protected `Host`:
/// the session is handed out in the handshake, whatever the request; `shared`, the knock the SNI
/// probe reads too), then, when one was handed out, offers it with the protected name. When that
/// offer is resumed and served without a CertificateRequest, where it landed is judged
/// ([`landing`]): a resumed session routed to the donor name's site (HAProxy routes a resumed
/// TLS 1.2 session by the name stored in it), its own page or the one any unknown `Host` gets,
/// served nothing protected.
async fn donate_and_offer(
    target: &Target,
    scan: &ScanContext,
    first: &FirstWave,
    donating: Donating,
    (sni, shown): &(Sni, String),
) -> Attempt {
    let Donating {
        shared,
        own_host,
        version,
        port,
        by_id,
    } = donating;
    let store = || {
        Arc::new(if by_id {
            CrossNameSessions::by_session_id()
        } else {
            CrossNameSessions::default()
        })
    };
    let door = |sni: Sni, host: Option<String>, sessions: Option<Arc<CrossNameSessions>>| Door {
        version,
        sni,
        host,
        path: None,
        headers: Vec::new(),
        sessions,
        cert: None,
        method: None,
        h2c_via: None,
        http1_only: false,
        scan,
    };
    let (got, sessions) = if let Some(port) = port {
        // The other port's server, asked as its clients ask it: the host on that port.
        let sessions = store();
        let mut donor = target.on_port(port);
        // A session is handed out in the handshake, whatever the request: the user's headers
        // (a token) stay with the target they were given for.
        donor.headers = crate::target::ExtraHeaders::default();
        let got = knock(&donor, door(sni.clone(), None, Some(sessions.clone()))).await;
        (got, sessions)
    } else if shared && !by_id {
        let knock = shared_knock(target, scan, first, version, sni).await;
        (knock.seen.clone(), knock.sessions.clone())
    } else {
        let sessions = store();
        let host = match sni {
            Sni::Name(name) if own_host => Some(authority_of(name, target.port)),
            _ => None,
        };
        let got = knock(target, door(sni.clone(), host, Some(sessions.clone()))).await;
        (got, sessions)
    };
    // A donor that asked for a certificate optionally and let us in without one still handed
    // out a session: offered like any other.
    let mut offered = if !sessions.holds_any() {
        None
    } else {
        Some(knock(target, door(Sni::Target, None, Some(sessions))).await)
    };
    let same_name = matches!(sni, Sni::Target) && port.is_none();
    let landed = match &mut offered {
        // Another port's session, or the protected name's own, resumed on the protected name,
        // `Host` and port: the protected server's page, unless it is a page of its own.
        Some(o) if opened(o) && (port.is_some() || same_name) => {
            own_landing(target, scan, first, version, o)
                .boxed()
                .await
                .map(|l| (l, Controls::default()))
        }
        // The donor name's own `Host` is a control (a sibling name is never the protected one);
        // without SNI there is none. The protected name's own session needs none: same name,
        // same `Host`, the protected page.
        Some(o) if opened(o) && !same_name => {
            Some(landing::judge_served(target, scan, first, version, sni, o, true).await)
        }
        // Resumed without a CertificateRequest and refused (403, 421 …), but with the protected
        // page for a body: let in whatever the status (HAProxy `http-request return status 403`
        // with the data where `ssl_c_used` is false); the donor's own page and the protected
        // name's own refusal page are no such door.
        Some(o) if o.result.resumed && !o.cert_requested && !o.served() => {
            let donor_page = got.result.body_excerpt.clone();
            let front_page = first
                .observations
                .iter()
                .find(|f| f.id == ProbeId::NO_CLIENT_CERT && !f.late && f.tls_version == version)
                .and_then(|f| f.body_excerpt.clone());
            let same_as = |p: &Option<String>| {
                p.as_deref()
                    .zip(o.result.body_excerpt.as_deref())
                    .is_some_and(|(p, b)| !p.trim().is_empty() && super::page::same_excerpt(p, b))
            };
            if same_as(&donor_page) {
                None
            } else {
                landing::judge_unserved(target, scan, first, version, o, front_page.as_deref())
                    .await
            }
        }
        _ => None,
    };
    Attempt {
        donor: shown.to_owned(),
        same_name,
        port,
        by_id,
        got,
        offered,
        landed,
    }
}

/// Where a session offered back on the protected name, `Host` and port (its own, or another
/// port's) and served landed, when not on the protected page: a page wholly unlike the one the
/// valid certificate is served that reads as a refusal (HAProxy's `http-request return status
/// 200 "<h1>Sign in</h1> … needs your client certificate" unless { ssl_c_used }`: an audit's was
/// called a critical bypass) is elsewhere; one wholly unlike it that does not read so, or one
/// that reads as a refusal without a valid certificate's page to compare it with, is unsure.
/// `None` on the protected page, on a page that shares its words (it may carry its data), or on
/// a page that does not read as a refusal without a valid certificate (a 2xx the fresh
/// anonymous connection never got).
async fn own_landing(
    target: &Target,
    scan: &ScanContext,
    first: &FirstWave,
    version: TlsVersion,
    offered: &Seen,
) -> Option<Landing> {
    let body = offered.result.body_excerpt.as_deref().unwrap_or_default();
    let refuses = crate::text::speaks_of_certificates(body.as_bytes())
        || crate::text::speaks_of_refusal(body.as_bytes());
    let valid_page = landing::protected_page_excerpt(target, scan, first, version).await;
    match landing::is_the_protected_page(target, scan, first, version, offered).await {
        Some(true) => None,
        // Wholly unlike the protected page (sharing under a quarter of its words): a page of
        // its own, that refuses or not.
        Some(false)
            if valid_page
                .as_deref()
                .is_some_and(|v| super::page::wholly_unlike(v, body)) =>
        {
            Some(if refuses {
                Landing::Elsewhere(
                    "a page of its own that refuses the caller, not the one the valid \
                     certificate is served"
                        .to_owned(),
                )
            } else {
                Landing::Unsure(
                    "its page is not the one the valid certificate is served".to_owned(),
                )
            })
        }
        // Not the protected page, but sharing its words: it may carry the protected data beside
        // words of its own (an audit's orders under "no client certificate was presented", or
        // echoing `"client_certificate":"none"`, were called a page that refuses: A, exit 0).
        Some(false) => None,
        None if refuses => Some(Landing::Unsure(
            "its page reads as a refusal (it speaks of certificates or of refusing the \
             caller), and without a valid certificate's page it cannot be told from the \
             protected one"
                .to_owned(),
        )),
        None => None,
    }
}

/// Resumed and served without a CertificateRequest: in, wherever it landed.
fn opened(offered: &Seen) -> bool {
    offered.result.resumed && !offered.cert_requested && offered.served()
}

/// How the report names a donor (as `sni-host-mismatch-bypass` names the same name): `no SNI`,
/// `SNI public.test`, `SNI a random name under .corp.test`.
fn donor_label(donor: &str) -> String {
    super::side_door::recorded_name(donor)
}

impl TargetProbe for SessionResumptionBypass {
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
            // The SNI probe's names, in its order: its knocks are these donors' first
            // connections. The host in capitals too: a server that routes names by exact case
            // may hand out a session there without a certificate.
            let donors = candidate_names(target, first);
            let mut out = TargetOutcome::default();
            // Each version on its own connections: all at once.
            let versions: Vec<TlsVersion> = anonymous_not_served(first)
                .iter()
                .map(|o| o.tls_version)
                .collect();
            let own = [(Sni::Target, format!("{} itself", target.host))];
            let mut own_versions: Vec<TlsVersion> = anonymous_not_served(first)
                .into_iter()
                .filter(|o| refused_by_the_application(o))
                .map(|o| o.tls_version)
                .chain(
                    first
                        .observations
                        .iter()
                        .filter(|o| closed_after_asking(o))
                        .map(|o| o.tls_version),
                )
                .collect();
            own_versions.sort();
            own_versions.dedup();
            // The other ports the user named, each the donor of its own attempt: with the
            // protected name, then the names the SNI probe tries (a public port with a
            // certificate of its own and strict SNI refuses the protected name: an audit's
            // HAProxy sharing one ticket key file across them was A, exit 0).
            let ports: Vec<(u16, Vec<(Sni, String)>)> = target
                .sibling_ports
                .iter()
                .filter(|&&p| p != target.port)
                .map(|&p| {
                    let named = donors
                        .iter()
                        .map(|(sni, n)| (sni.clone(), format!("port {p} ({})", donor_label(n))));
                    let all = std::iter::once((Sni::Target, format!("port {p}")))
                        .chain(named)
                        .collect();
                    (p, all)
                })
                .collect();
            let by_port = |v: TlsVersion| {
                futures_util::future::join_all(
                    ports
                        .iter()
                        .map(move |(p, d)| attempt(target, scan, first, v, d, Some(*p))),
                )
                .map(|per_port| per_port.into_iter().flatten().collect::<Vec<Attempt>>())
            };
            let (tried, own_tried, port_tried) = futures_util::future::join3(
                futures_util::future::join_all(
                    versions
                        .iter()
                        .map(|&v| attempt(target, scan, first, v, &donors, None)),
                ),
                futures_util::future::join_all(
                    own_versions
                        .iter()
                        .map(|&v| attempt(target, scan, first, v, &own, None)),
                ),
                futures_util::future::join_all(versions.iter().map(|&v| by_port(v))),
            )
            .await;
            // The deadline cut the donors short: the names left were never offered (a silent
            // stop here would read as every session refused).
            if scan.limits.expired() {
                out.incomplete.push(IncompleteProbe {
                    probe: SPEC.id.as_str().to_owned(),
                    tls_version: None,
                    reason: format!(
                        "not every name's session was offered: {} first",
                        crate::transport::DEADLINE_EXPIRED
                    ),
                });
            }
            // The names a session was asked of, on some version (not those past the donors a
            // version needed): a baseline's door found through another is not re-checked.
            let asked: Vec<&str> = tried.iter().flatten().map(|a| a.donor.as_str()).collect();
            // Another port's session first: where it lets the scan in, its detail names the
            // shared keys (a session from the protected name itself would be let in as well).
            for (&version, attempts) in versions.iter().zip(&port_tried) {
                judge(target, version, attempts, &mut out);
            }
            // A port named that handed out no session on any name, on any version, was never a
            // donor: said, so that its silence is not read as a door found shut.
            // One that refused every name in its handshake without asking for a certificate
            // (strict SNI: a name it serves was not among them) was not tried at all: the target
            // is graded B at best, as for a probe that did not run (an audit's strict-SNI port
            // sharing ticket keys was A, exit 0, without `--sni-name` for its own name).
            for (p, _) in &ports {
                let of_port = || port_tried.iter().flatten().filter(|a| a.port == Some(*p));
                if of_port().next().is_none() || of_port().any(|a| a.offered.is_some()) {
                    continue;
                }
                // (An alert before the server's certificate: `unrecognized_name`, a handshake
                // failure.)
                let refused_unasked = of_port().all(|a| {
                    a.got.result.http_status.is_none()
                        && !a.got.cert_requested
                        && a.got.result.alert.is_some()
                });
                let versions = TlsVersion::list(&versions);
                if refused_unasked {
                    let note = format!(
                        "sibling port {p} refused every name tried (the protected name and the \
                         names the SNI probe tries, on {versions}) in its handshake without \
                         asking for a certificate: no session from it was offered to the \
                         protected port. Give a name it serves with `sni-name` to have it \
                         tried; the target is graded B at best while it is not."
                    );
                    out.skipped.push(super::SkippedProbe {
                        id: SPEC.id,
                        reason: format!("{}: {note}", super::SkippedProbe::PARTLY_RUN),
                    });
                    out.notes.push(note);
                } else {
                    out.notes.push(format!(
                        "sibling port {p} handed out no session without a certificate (asked with \
                         the protected name and the names the SNI probe tries, on {versions}): \
                         nothing from it was offered to the protected port"
                    ));
                }
            }
            out.sni_names_tried = donors
                .iter()
                .filter(|(_, n)| asked.contains(&n.as_str()))
                .map(|(_, n)| donor_label(n))
                .collect();
            // The protected name's own session first: where both let the scan in, its detail
            // names the cause (resumption itself, on any name).
            for (version, attempts) in own_versions.into_iter().zip(own_tried) {
                judge(target, version, &attempts, &mut out);
            }
            for (version, attempts) in versions.into_iter().zip(tried) {
                judge(target, version, &attempts, &mut out);
            }
            out
        }
        .boxed()
    }
}

/// The anonymous client's handshake completed after a CertificateRequest (so there is a
/// certificate check a resumption could skip) and the application refused it over HTTP: 401/403,
/// a redirect to a login page, 404 …; a session may have been handed out on the protected name
/// itself. Not a busy answer (429, 502–504: it says nothing), and not the TLS module's own
/// refusal (nginx's certificate pages, 495/496, a late CertificateRequest's 403), which reads
/// the session's certificate (none) on a resumed connection as on a fresh one.
fn refused_by_the_application(o: &crate::facts::ProbeObservation) -> bool {
    use crate::facts::Outcome;
    o.cert_requested
        && matches!(o.outcome, Outcome::RefusedHttp | Outcome::Answered)
        && !o.http_status.is_some_and(crate::transport::is_busy_status)
        && !crate::checks::refusal::tls_module_refusal(o)
}

/// The protected name's own donor was refused over HTTP: read, not served, and not a busy
/// answer (which says nothing about the certificate); or, asked for a certificate, closed after
/// the handshake without an answer to its request ([`closed_after_asking`]).
fn donor_refused(got: &Seen) -> bool {
    let refused = got.unreadable().is_none()
        && !got.served()
        && got
            .status()
            .is_some_and(|s| !crate::transport::is_busy_status(s));
    refused || (got.cert_requested && got.result.closed_unanswered && got.status().is_none())
}

/// The anonymous baseline, asked for a certificate, got through the handshake and was closed
/// without an alert or an answer to its request on every attempt: an application that drops a
/// client whose socket is not authorised (Node's `if (!req.socket.authorized)
/// req.socket.destroy()`). Its own session is offered back on the same name as where it refused
/// over HTTP: on TLS 1.3 Node's `authorized` holds for a session resumed from such a connection
/// (nodejs/node#35317; review Y's: B, exit 3, where `openssl s_client -sess_in` got the orders).
fn closed_after_asking(o: &crate::facts::ProbeObservation) -> bool {
    o.id == ProbeId::NO_CLIENT_CERT
        && !o.late
        && o.cert_requested
        && o.handshake_completed
        && o.outcome == crate::facts::Outcome::Inconclusive
        && o.http_status.is_none()
        && o.alert.is_none()
}

/// Why the donor might have handed out a session that was not seen, when it might: not once it
/// answered over HTTP, whatever the status (a busy 503 included): the handshake, where sessions
/// are handed out, was over.
fn donor_unreadable(got: &Seen) -> Option<String> {
    if got.status().is_some() {
        return None;
    }
    got.unreadable()
}

fn judge(target: &Target, version: TlsVersion, attempts: &[Attempt], out: &mut TargetOutcome) {
    // No session was offered, and a donor could not be read: it might have handed one out.
    // (A donor asked by session ID is judged on its own below.)
    if attempts.iter().all(|a| a.offered.is_none()) {
        if let Some((a, why)) = attempts
            .iter()
            .filter(|a| !a.by_id)
            .find_map(|a| donor_unreadable(&a.got).map(|why| (a, why)))
        {
            out.incomplete.push(IncompleteProbe {
                probe: SPEC.id.as_str().to_owned(),
                tls_version: Some(version),
                reason: format!("session from {}: {why}", a.donor),
            });
        }
    }
    for a in attempts {
        let session = if a.by_id { "session ID" } else { "session" };
        let Some(offered) = &a.offered else {
            // The session by ID (a cache shared with another server) was never asked for: its
            // donor could not be read, though the same name answered the ticket's.
            if let Some(why) = donor_unreadable(&a.got).filter(|_| a.by_id) {
                out.incomplete.push(IncompleteProbe {
                    probe: SPEC.id.as_str().to_owned(),
                    tls_version: Some(version),
                    reason: format!("{session} from {}: {why}", a.donor),
                });
            }
            continue;
        };
        if let Some(why) = offered.unreadable() {
            out.incomplete.push(IncompleteProbe {
                probe: SPEC.id.as_str().to_owned(),
                tls_version: Some(version),
                reason: format!("{session} from {} offered: {why}", a.donor),
            });
            continue;
        }
        let unsure_refusal = matches!(a.landed, Some((Landing::Unsure(_), _)));
        if !opened(offered) && !unsure_refusal {
            continue;
        }
        // The protected name's own donor is the control of its offer: a fresh anonymous
        // connection on the same name and `Host`, asked just before. Only when it was refused
        // (read, not served, not busy) does a served resumption prove the session let it in.
        if a.same_name && !donor_refused(&a.got) {
            continue;
        }
        // A resumed session that lands on a page the donor name gives anyway served nothing
        // protected; where the controls could not tell, the door is neither shut nor proved
        // open. A served offer the controls were not fetched for is judged unsure too.
        let (landed, controls) = match &a.landed {
            Some((l, c)) => (l.clone(), Some(c)),
            None if a.same_name || a.port.is_some() => (Landing::Protected, None),
            None => (
                Landing::Unsure("where it landed was not judged".to_owned()),
                None,
            ),
        };
        match landed {
            Landing::Protected => {}
            Landing::Elsewhere(page) => {
                out.notes.push(format!(
                    "{version}: a session from {} was resumed with SNI {} and served without a \
                     certificate, but the page is {page}: no bypass.",
                    a.donor, target.host
                ));
                continue;
            }
            Landing::Unsure(why) => {
                out.incomplete.push(IncompleteProbe {
                    probe: SPEC.id.as_str().to_owned(),
                    tls_version: Some(version),
                    reason: if offered.served() {
                        format!("session from {} was resumed and served, but {why}", a.donor)
                    } else {
                        format!("session from {} was resumed: {why}", a.donor)
                    },
                });
                continue;
            }
        }
        let detail = if a.port.is_some() {
            format!(
                "{version}: a session obtained without a certificate on {} of {} (a server \
                 that asks for none) was resumed on port {} with SNI {} and {} for {}, \
                 while a fresh anonymous connection is not served: the two servers share their \
                 session-ticket keys or session cache, and the protected one lets a resumed \
                 session in though no certificate was ever sent (Node.js shares `ticketKeys` so \
                 even with rejectUnauthorized: true on TLS 1.3, nodejs/node#35317).",
                a.donor,
                target.host,
                target.port,
                target.host,
                landing::answer_words(offered),
                target.authority()
            )
        } else if a.same_name {
            format!(
                "{version}: a session obtained without a certificate on {} itself ({}) was \
                 resumed on the same name and {} for {}, while a fresh \
                 anonymous connection is not served: the server lets a resumed session in though \
                 no certificate was ever sent (Node.js with rejectUnauthorized: false reports \
                 socket.authorized true on a TLS 1.3 resumption without one, nodejs/node#35317).",
                target.host,
                if a.got.status().is_some() {
                    "refused over HTTP"
                } else {
                    "closed after the handshake without an answer"
                },
                landing::answer_words(offered),
                target.authority()
            )
        } else {
            format!(
                "{version}: a session obtained without a certificate with {} was resumed with SNI \
                 {} and {} for {}, while a fresh anonymous connection is not served.",
                a.donor,
                target.host,
                landing::answer_words(offered),
                target.authority()
            )
        };
        let mut f = Finding::new(FindingId::SessionResumptionBypass, detail);
        f.tls_versions = vec![version];
        if !a.same_name && a.port.is_none() {
            f.sni_names.push(donor_label(&a.donor));
        }
        f.evidence.insert(
            format!("{version}: session from {}", a.donor),
            a.got.describe(),
        );
        if let Some(c) = controls {
            let name = donor_label(&a.donor);
            for (k, v) in landing::evidence(c, &name, target) {
                f.evidence.insert(format!("{version}: {k}"), v);
            }
        }
        let offer = if a.port.is_some() {
            format!(
                "{version}: resumed on port {} with SNI {} + Host {}",
                target.port,
                target.host,
                target.authority()
            )
        } else if a.same_name {
            format!(
                "{version}: resumed on {} itself + Host {}",
                target.host,
                target.authority()
            )
        } else {
            format!(
                "{version}: resumed with SNI {} + Host {}",
                target.host,
                target.authority()
            )
        };
        f.evidence.insert(offer, offered.describe());
        match out.findings.iter_mut().find(|e| e.id == f.id) {
            Some(e) => {
                // The detail names every version the finding covers: a new one adds its sentence.
                if !e.tls_versions.contains(&version) {
                    e.tls_versions.push(version);
                    super::sni_host_mismatch_bypass::add_version_detail(&mut e.detail, &f.detail);
                }
                e.evidence.append(&mut f.evidence);
                for name in f.sni_names {
                    if !e.sni_names.contains(&name) {
                        e.sni_names.push(name);
                    }
                }
            }
            None => out.findings.push(f),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Severity;
    use crate::probe::side_door::recorded::{failed, http, inconclusive, refused_tls};

    fn target() -> Target {
        Target::parse("https://secure.test/admin").unwrap_or_else(|e| panic!("{e}"))
    }

    /// An attempt judged as the probe judges it: the donor's answer (asked for its own `Host`
    /// here) as the own control, an unknown `Host` not found.
    fn attempt(donor: &str, got: Seen, offered: Option<Seen>) -> Attempt {
        let own = got.clone();
        judged_against(
            Attempt {
                donor: donor.to_owned(),
                same_name: false,
                port: None,
                by_id: false,
                got,
                offered,
                landed: None,
            },
            own,
            http(404, "no such site"),
        )
    }

    /// `a`, its served offer judged against `own` and an unknown `Host` that got `unknown`.
    fn judged_against(a: Attempt, own: Seen, unknown: Seen) -> Attempt {
        judged_with(a, own, unknown, None)
    }

    /// `a`, its served offer judged against `own`, an unknown `Host` that got `unknown`, and the
    /// protected page with the certificate, `reference`.
    fn judged_with(mut a: Attempt, own: Seen, unknown: Seen, reference: Option<Seen>) -> Attempt {
        a.landed = a.offered.as_ref().filter(|o| opened(o)).map(|o| {
            let c = Controls {
                secrets: Default::default(),
                holder: Vec::new(),
                aliases: Vec::new(),
                front: None,
                protected_host: "secure.test".to_owned(),
                own: Some(Control {
                    host: a.donor.clone(),
                    seen: own,
                    again: None,
                }),
                unknown: Some(Control {
                    host: "mtls-scan-0.invalid".to_owned(),
                    seen: unknown,
                    again: None,
                }),
                reference: reference.map(|seen| Control {
                    host: "secure.test".to_owned(),
                    seen,
                    again: None,
                }),
            };
            (landing::landing(o, &c), c)
        });
        a
    }

    fn judged(per_version: Vec<(TlsVersion, Vec<Attempt>)>) -> TargetOutcome {
        let mut out = TargetOutcome::default();
        for (version, attempts) in per_version {
            judge(&target(), version, &attempts, &mut out);
        }
        out
    }

    fn ids(out: &TargetOutcome) -> Vec<(FindingId, Severity, Vec<TlsVersion>)> {
        out.findings
            .iter()
            .map(|f| (f.id, f.severity, f.tls_versions.clone()))
            .collect()
    }

    /// A session from the public name, resumed on the protected one and served its page.
    fn bypass() -> Attempt {
        attempt(
            "www.secure.test",
            http(200, "public home page"),
            Some(http(200, "admin console").resumed()),
        )
    }

    /// A bypass on TLS 1.3 and on TLS 1.2 is one finding whose detail names both (audit T02:
    /// before, the detail said "TLS 1.3: …" alone while `tls_versions` held both).
    #[test]
    fn a_bypass_on_two_versions_is_said_on_both() {
        let out = judged(vec![
            (TlsVersion::Tls13, vec![bypass()]),
            (TlsVersion::Tls12, vec![bypass(), bypass()]),
        ]);
        assert_eq!(
            ids(&out),
            [(
                FindingId::SessionResumptionBypass,
                Severity::Critical,
                vec![TlsVersion::Tls13, TlsVersion::Tls12]
            )]
        );
        // The same door on both: one sentence naming both, once however many doors opened.
        assert_eq!(
            out.findings[0].detail,
            "TLS 1.3, TLS 1.2: a session obtained without a certificate with www.secure.test was \
             resumed with SNI secure.test and served HTTP 200 for secure.test, while a fresh \
             anonymous connection is not served."
        );
        // Another door on the second version: its own sentence follows.
        let other = attempt(
            "public.secure.test",
            http(200, "public home page"),
            Some(http(200, "admin console").resumed()),
        );
        let out = judged(vec![
            (TlsVersion::Tls13, vec![bypass()]),
            (TlsVersion::Tls12, vec![other]),
        ]);
        let detail = &out.findings[0].detail;
        assert!(
            detail.starts_with("TLS 1.3: a session obtained without a certificate with www.")
                && detail.contains(
                    ". TLS 1.2: a session obtained without a certificate with public.secure.test"
                ),
            "{detail}"
        );
    }

    #[test]
    fn a_resumed_session_served_without_a_certificate_request_is_a_bypass() {
        let out = judged(vec![(TlsVersion::Tls13, vec![bypass()])]);
        assert_eq!(
            ids(&out),
            [(
                FindingId::SessionResumptionBypass,
                Severity::Critical,
                vec![TlsVersion::Tls13]
            )]
        );
        assert!(out.incomplete.is_empty());
        let f = &out.findings[0];
        assert!(
            f.detail.starts_with(
                "TLS 1.3: a session obtained without a certificate with www.secure.test was resumed with SNI secure.test and served HTTP 200 for secure.test"
            ),
            "{}",
            f.detail
        );
        assert_eq!(
            f.evidence
                .get("TLS 1.3: resumed with SNI secure.test + Host secure.test")
                .map(String::as_str),
            Some("no CertificateRequest; session resumed; HTTP 200; body \"admin console\"")
        );
        assert!(f
            .evidence
            .contains_key("TLS 1.3: session from www.secure.test"));
    }

    #[test]
    fn a_bypass_on_both_versions_is_one_finding_on_both() {
        let out = judged(vec![
            (TlsVersion::Tls13, vec![bypass()]),
            (
                TlsVersion::Tls12,
                vec![attempt(
                    "no SNI",
                    http(404, "no such site"),
                    Some(http(200, "admin console").resumed()),
                )],
            ),
        ]);
        assert_eq!(
            ids(&out),
            [(
                FindingId::SessionResumptionBypass,
                Severity::Critical,
                vec![TlsVersion::Tls13, TlsVersion::Tls12]
            )]
        );
        // Per version: the donor, the offer, and the two controls.
        assert_eq!(out.findings[0].evidence.len(), 8);
        assert!(out.findings[0]
            .evidence
            .contains_key("TLS 1.2: no SNI + Host mtls-scan-0.invalid"));
    }

    /// A session made on the protected name itself (refused over HTTP), then offered there.
    fn own_session(got: Seen, offered: Option<Seen>) -> Attempt {
        Attempt {
            donor: "secure.test itself".to_owned(),
            same_name: true,
            port: None,
            by_id: false,
            got,
            offered,
            landed: None,
        }
    }

    #[test]
    fn the_protected_names_own_session_served_on_resumption_is_a_bypass_refused_is_not() {
        // Node.js with rejectUnauthorized: false: `authorized` is true on a resumed TLS 1.3
        // session without a certificate, so the application's 401 turns into a 200.
        let a = own_session(
            http(401, "client certificate required"),
            Some(http(200, "hello").resumed()),
        );
        let out = judged(vec![(TlsVersion::Tls13, vec![a])]);
        assert_eq!(
            ids(&out),
            vec![(
                FindingId::SessionResumptionBypass,
                Severity::Critical,
                vec![TlsVersion::Tls13]
            )]
        );
        let f = &out.findings[0];
        assert!(f.detail.contains("secure.test itself"), "{}", f.detail);
        assert!(f.detail.contains("nodejs/node#35317"), "{}", f.detail);
        assert!(out.incomplete.is_empty() && out.notes.is_empty());
        // Refused again on resumption (the session keeps "no certificate"), not resumed, or a
        // CertificateRequest on the offer (a full handshake): nothing.
        for offered in [
            http(401, "client certificate required").resumed(),
            http(200, "hello"),
            {
                let mut s = http(200, "hello").resumed();
                s.cert_requested = true;
                s
            },
        ] {
            let a = own_session(http(401, "client certificate required"), Some(offered));
            let out = judged(vec![(TlsVersion::Tls13, vec![a])]);
            assert!(out.findings.is_empty(), "{:?}", ids(&out));
            assert!(out.incomplete.is_empty(), "{:?}", out.incomplete);
        }
        // A donor that was served (the application answers differently each time) or busy is
        // no control: no finding, whatever the offer got.
        for got in [http(200, "hello"), http(503, "busy")] {
            let a = own_session(got, Some(http(200, "hello").resumed()));
            let out = judged(vec![(TlsVersion::Tls13, vec![a])]);
            assert!(out.findings.is_empty(), "{:?}", ids(&out));
        }
        // An offer that could not be read: incomplete, never clean.
        let a = own_session(
            http(401, "client certificate required"),
            Some(inconclusive("reset")),
        );
        let out = judged(vec![(TlsVersion::Tls13, vec![a])]);
        assert!(out.findings.is_empty());
        assert_eq!(out.incomplete.len(), 1, "{:?}", out.incomplete);
    }

    #[test]
    fn only_an_application_refusal_makes_the_protected_name_its_own_donor() {
        use crate::facts::Outcome;
        use crate::probe::recorded::obs;
        let asked = |outcome, status| {
            let mut o = obs(ProbeId::NO_CLIENT_CERT, outcome, status);
            o.cert_requested = true;
            o
        };
        let mut app = asked(Outcome::RefusedHttp, Some(401));
        app.body_excerpt = Some("client certificate required".into());
        assert!(refused_by_the_application(&app));
        let redirect = asked(Outcome::Answered, Some(302));
        assert!(refused_by_the_application(&redirect));
        // No certificate check to skip: nothing asked for one.
        let mut public = redirect.clone();
        public.cert_requested = false;
        assert!(!refused_by_the_application(&public));
        // A busy answer says nothing.
        assert!(!refused_by_the_application(&asked(
            Outcome::Answered,
            Some(503)
        )));
        let tls = obs(ProbeId::NO_CLIENT_CERT, Outcome::RefusedTls, None);
        assert!(!refused_by_the_application(&tls));
        let mut nginx = asked(Outcome::RefusedHttp, Some(400));
        nginx.body_excerpt =
            Some("<html><head><title>400 No required SSL certificate was sent</title>".into());
        nginx.server_header = Some("nginx".into());
        assert!(!refused_by_the_application(&nginx));
        let mut nginx_495 = asked(Outcome::RefusedHttp, Some(495));
        nginx_495.server_header = Some("nginx".into());
        assert!(!refused_by_the_application(&nginx_495));
    }

    #[test]
    fn landing_on_the_donors_own_site_is_no_bypass_with_the_protected_page_to_tell() {
        // HAProxy routes a resumed TLS 1.2 session by the name stored in it.
        let offer = || Attempt {
            donor: "www.secure.test".to_owned(),
            same_name: false,
            port: None,
            by_id: false,
            got: http(200, "public home page"),
            offered: Some(http(200, "public home page").resumed()),
            landed: None,
        };
        let a = judged_with(
            offer(),
            http(200, "public home page"),
            http(404, "none"),
            Some(http(200, "admin console")),
        );
        let out = judged(vec![(TlsVersion::Tls12, vec![a])]);
        assert!(out.findings.is_empty(), "{:?}", ids(&out));
        assert!(out.incomplete.is_empty(), "{:?}", out.incomplete);
        assert_eq!(out.notes.len(), 1, "{:?}", out.notes);
        assert!(out.notes[0].contains("the page the name gives its own Host"));
        // Without it, the donor's own site and the protected one under a Host alias look alike.
        let a = judged_against(offer(), http(200, "public home page"), http(404, "none"));
        let out = judged(vec![(TlsVersion::Tls12, vec![a])]);
        assert!(out.findings.is_empty(), "{:?}", ids(&out));
        assert_eq!(out.incomplete.len(), 1, "{:?}", out.incomplete);
        assert!(out.notes.is_empty());
    }

    #[test]
    fn landing_on_the_page_any_unknown_host_gets_is_unsure_without_a_certificate() {
        // An SNI router sends the donor's resumed session to a backend whose default site
        // answers any Host it does not know: no proof either way without the protected page.
        let a = judged_against(
            Attempt {
                donor: "www.secure.test".to_owned(),
                same_name: false,
                port: None,
                by_id: false,
                got: http(200, "public home page"),
                offered: Some(http(200, "default site, request 4711").resumed()),
                landed: None,
            },
            http(200, "public home page"),
            http(200, "default site, request 4712"),
        );
        let out = judged(vec![(TlsVersion::Tls12, vec![a])]);
        assert!(out.findings.is_empty(), "{:?}", ids(&out));
        assert_eq!(out.incomplete.len(), 1, "{:?}", out.incomplete);
        assert!(out.incomplete[0].reason.contains("any unknown Host gets"));
    }

    #[test]
    fn a_served_offer_never_judged_is_incomplete_not_a_finding() {
        let mut a = bypass();
        a.landed = None;
        let out = judged(vec![(TlsVersion::Tls13, vec![a])]);
        assert!(out.findings.is_empty(), "{:?}", ids(&out));
        assert_eq!(out.incomplete.len(), 1, "{:?}", out.incomplete);
    }

    #[test]
    fn a_refused_or_fresh_handshake_raises_nothing() {
        let out = judged(vec![(
            TlsVersion::Tls13,
            vec![
                // Not resumed: a full handshake, a CertificateRequest and an alert.
                attempt(
                    "no SNI",
                    http(200, "public"),
                    Some(refused_tls("CertificateRequired")),
                ),
                // Resumed, but the application refused it.
                attempt(
                    "www.secure.test",
                    http(200, "public"),
                    Some(http(403, "forbidden").resumed()),
                ),
                // Served after a full handshake that asked for a certificate.
                attempt(
                    "api.secure.test",
                    http(200, "public"),
                    Some(http(200, "admin console").asked()),
                ),
                // Resumed and served, yet the server asked for a certificate anew.
                attempt(
                    "b.secure.test",
                    http(200, "public"),
                    Some(http(200, "admin console").resumed().asked()),
                ),
                // The donor name itself asked for a certificate: nothing offered.
                attempt("c.secure.test", refused_tls("CertificateRequired"), None),
            ],
        )]);
        assert!(out.findings.is_empty(), "{:?}", ids(&out));
        assert!(out.incomplete.is_empty(), "{:?}", out.incomplete);
    }

    #[test]
    fn a_served_offer_whose_control_could_not_be_read_is_incomplete() {
        let a = judged_against(bypass(), http(503, "upstream busy"), http(404, "none"));
        let out = judged(vec![(TlsVersion::Tls13, vec![a])]);
        assert!(out.findings.is_empty(), "{:?}", ids(&out));
        assert_eq!(out.incomplete.len(), 1);
        assert!(
            out.incomplete[0]
                .reason
                .contains("its own Host's answer could not be read: HTTP 503"),
            "{}",
            out.incomplete[0].reason
        );
        let a = judged_against(bypass(), http(200, "home"), inconclusive("timed out"));
        let out = judged(vec![(TlsVersion::Tls13, vec![a])]);
        assert!(out.findings.is_empty(), "{:?}", ids(&out));
        assert_eq!(out.incomplete.len(), 1);
        // Read, and another site than the offer's: the bypass stands.
        let out = judged(vec![(TlsVersion::Tls13, vec![bypass()])]);
        assert_eq!(out.findings.len(), 1);
        assert!(out.findings[0]
            .evidence
            .contains_key("TLS 1.3: SNI www.secure.test + its own Host"));
    }

    #[test]
    fn a_donor_that_answered_any_status_handed_out_what_it_would() {
        // The protected upstream was busy, but the handshake (where sessions come) was over.
        let out = judged(vec![(
            TlsVersion::Tls12,
            vec![attempt("www.secure.test", http(503, "busy"), None)],
        )]);
        assert!(out.findings.is_empty() && out.incomplete.is_empty());
    }

    #[test]
    fn a_donor_refused_the_protected_host_is_asked_its_own_when_nothing_resumed() {
        let www = Sni::Name("www.secure.test".into());
        let not_resumed = || Some(http(403, "forbidden"));
        // Refused the protected Host, session not resumed: the server may have dropped it.
        assert!(wants_own_host(
            &attempt("www.secure.test", http(403, "forbidden"), not_resumed()),
            &www
        ));
        assert!(wants_own_host(
            &attempt(
                "www.secure.test",
                refused_tls("HandshakeFailure"),
                not_resumed()
            ),
            &www
        ));
        // Served, resumed, no session, or no SNI (the protected Host is its own): as it was.
        for (a, sni) in [
            (
                attempt("www.secure.test", http(200, "home"), not_resumed()),
                &www,
            ),
            (
                attempt(
                    "www.secure.test",
                    http(403, "forbidden"),
                    Some(http(403, "no").resumed()),
                ),
                &www,
            ),
            (
                attempt("www.secure.test", http(403, "forbidden"), None),
                &www,
            ),
            (
                attempt("no SNI", http(403, "forbidden"), not_resumed()),
                &Sni::Omit,
            ),
        ] {
            assert!(!wants_own_host(&a, sni), "{}", a.got.describe());
        }
        // nginx's own certificate page: the donor name is the protected server itself.
        let mut page = http(
            400,
            "<html><head><title>400 No required SSL certificate was sent</title></head>",
        );
        page.result.server_header = Some("nginx/1.22.1".into());
        assert!(!wants_own_host(
            &attempt("www.secure.test", page, not_resumed()),
            &www
        ));
    }

    #[test]
    fn a_retry_that_got_no_session_keeps_the_earlier_offer() {
        let earlier = attempt(
            "www.secure.test",
            http(403, "forbidden"),
            Some(inconclusive("connection reset")),
        );
        let now = attempt("www.secure.test", http(200, "home"), None);
        let kept = merged(now, earlier);
        assert!(kept
            .offered
            .as_ref()
            .and_then(Seen::unreadable)
            .is_some_and(|why| why == "connection reset"));
        let out = judged(vec![(TlsVersion::Tls12, vec![kept])]);
        assert_eq!(out.incomplete.len(), 1, "{:?}", out.incomplete);
        // A new offer replaces the earlier one.
        let now = attempt(
            "www.secure.test",
            http(200, "home"),
            Some(http(403, "no").resumed()),
        );
        let earlier = attempt("www.secure.test", http(403, "x"), Some(http(403, "old")));
        let kept = merged(now, earlier);
        assert_eq!(
            kept.offered.map(|o| o.result.body_excerpt),
            Some(Some("no".to_owned()))
        );
    }

    #[test]
    fn a_session_by_id_is_read_like_the_tickets() {
        // lighttpd over GnuTLS: the ticket from no SNI is not resumed on the protected name (a
        // full handshake, a CertificateRequest, a close without an alert); asked again by
        // session ID, the same close.
        let close = || {
            let mut s = refused_tls("x").asked();
            s.result.alert = None;
            s.result.unconfirmed = true;
            s.result.detail = Some("connection ended during the handshake".into());
            s
        };
        let by_id = |got: Seen, offered: Option<Seen>| Attempt {
            by_id: true,
            ..attempt("no SNI", got, offered)
        };
        let ticket = || {
            attempt(
                "no SNI",
                http(200, "public"),
                Some(close().confirmed_by(&close())),
            )
        };
        // Seen once: unread, and the reason names the session ID.
        let out = judged(vec![(
            TlsVersion::Tls12,
            vec![ticket(), by_id(http(200, "public"), Some(close()))],
        )]);
        assert!(out.findings.is_empty(), "{:?}", ids(&out));
        assert_eq!(out.incomplete.len(), 1, "{:?}", out.incomplete);
        assert!(out.incomplete[0]
            .reason
            .starts_with("session ID from no SNI offered: "));
        // Seen twice (asked again and merged): the server's refusal, nothing unread.
        let twice = merged(
            by_id(http(200, "public"), Some(close())),
            by_id(http(200, "public"), Some(close())),
        );
        let out = judged(vec![(TlsVersion::Tls12, vec![ticket(), twice])]);
        assert!(out.findings.is_empty() && out.incomplete.is_empty());
        // Its donor unread and no session offered, beside a ticket that was read: the shared
        // cache was never tried, so unread too (before: silently complete).
        let out = judged(vec![(
            TlsVersion::Tls12,
            vec![ticket(), by_id(inconclusive("timed out after 5 s"), None)],
        )]);
        assert_eq!(
            out.incomplete
                .iter()
                .map(|i| i.reason.as_str())
                .collect::<Vec<_>>(),
            ["session ID from no SNI: timed out after 5 s"]
        );
    }

    #[test]
    fn an_unreadable_offer_is_incomplete_never_a_finding() {
        let out = judged(vec![(
            TlsVersion::Tls12,
            vec![attempt(
                "no SNI",
                http(200, "public"),
                Some(inconclusive(
                    "connection closed without an alert after the request",
                )),
            )],
        )]);
        assert!(out.findings.is_empty(), "{:?}", ids(&out));
        assert_eq!(
            out.incomplete,
            [IncompleteProbe {
                probe: "session-resumption-bypass".to_owned(),
                tls_version: Some(TlsVersion::Tls12),
                reason: "session from no SNI offered: connection closed without an alert after the request"
                    .to_owned(),
            }]
        );
    }

    #[test]
    fn donors_that_could_not_be_read_leave_the_version_incomplete() {
        // Every donor timed out or failed: no session was ever offered, nothing was proved.
        let out = judged(vec![(
            TlsVersion::Tls12,
            vec![
                attempt("no SNI", inconclusive("timed out after 5 s"), None),
                attempt("www.secure.test", failed("connection refused"), None),
            ],
        )]);
        assert!(out.findings.is_empty());
        assert_eq!(out.incomplete.len(), 1);
        assert_eq!(out.incomplete[0].tls_version, Some(TlsVersion::Tls12));
        assert_eq!(
            out.incomplete[0].reason,
            "session from no SNI: timed out after 5 s"
        );
        // Donors that refused (or handed out no session) prove the door shut: complete.
        let out = judged(vec![(
            TlsVersion::Tls12,
            vec![
                attempt("no SNI", refused_tls("certificate required").asked(), None),
                attempt("www.secure.test", http(200, "public"), None),
            ],
        )]);
        assert!(out.findings.is_empty() && out.incomplete.is_empty());
        // An offer that failed outright is incomplete too, not a refusal.
        let out = judged(vec![(
            TlsVersion::Tls13,
            vec![attempt(
                "no SNI",
                http(200, "public"),
                Some(failed("connection reset")),
            )],
        )]);
        assert!(out.findings.is_empty());
        assert_eq!(
            out.incomplete[0].reason,
            "session from no SNI offered: connection reset"
        );
    }
}
