//! `sni-host-mismatch-bypass`: the TLS layer picks its client-certificate policy by the SNI name,
//! the HTTP layer picks the site by `Host`. Where the protected name refuses an anonymous client,
//! connect without a certificate under another SNI (none; the other names of the served
//! certificate; the configured sibling names; the host in capitals; at most 8; then random names
//! under the parent domain and under a name of two labels) and ask for the protected `Host`. A 2xx is a bypass when the page is
//! the protected site's, judged against controls on the same name ([`super::landing`]): not its
//! own `Host`'s page (a catch-all public site), unlike an unknown `Host`'s (a default site), or
//! the page the valid certificate gets. `421 Misdirected Request` is the right answer and is kept as evidence. The first connection of each name is shared with the
//! session-resumption probe, which takes its session from it (`side_door::SharedKnocks`).
//!
//! Every name is tried on the newest version the protected name refused on. A name that refused
//! that version ([`Seen::version_refused`]: HAProxy's crt-list `ssl-max-ver TLSv1.2` on the
//! sibling's line, Go's `MaxVersion`) is no shut door: it is tried again on the next version the
//! protected name refused on, then on one it does not speak, until it speaks one. A door is also
//! tried on the next version the protected name refused on, so that the finding names every
//! version it is open on; a door a follow-up found (a certificate from an unknown CA, forged
//! headers) is, with the same certificate or header family that let it in. Those knocks
//! are the ones the session-resumption probe takes its sessions from on that version (no SNI and
//! the sibling names), so they mostly cost no connection of their own.

use futures_util::future::{join_all, BoxFuture};
use futures_util::FutureExt as _;

use super::client_cert_header_spoofing::ForgedHeaders;
#[cfg(test)]
use super::landing::Control;
use super::landing::{self, Controls, Landing};
use super::side_door::{
    anonymous_not_served, candidate_names, knock, knock_again, knock_spread, name_refused_at_hello,
    recorded_name, shared_knock, Door, Seen,
};
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
    presents: "no certificate, another SNI (none, every `sni-name`, the host in capitals, then the served certificate's other names while fewer than 8 are listed, those left over named in a note, then a random name under the parent domain and, for a name of two labels, one under it) and the protected `Host`, on the newest version the protected name refuses on (a name that refuses that version, on the next; a door found without a certificate, on the next too, so the finding names each version it is open on); then, on a 2xx, the same SNI with its own `Host` and with one nobody serves, and the protected page with the valid certificate when one is given. On a name that did not serve the protected `Host` either: a certificate from an unknown CA where it asked for one (every `sni-name`, then up to 8 names per version), the forged headers of `client-cert-header-spoofing` where it answered over HTTP (every `sni-name`, then up to 8; a name left untried makes the target B at best), each judged against controls that carry the same and, to be a door, like the protected page fetched with the client certificate; a door found so, on the next version the protected name refuses too, with the same",
    needs: "a target that does not serve an anonymous client (refuses it, redirects it, answers 404 …)",
    findings: &[FindingId::SniHostMismatchBypass],
};

/// A note naming the served certificate's names no candidate took, when there are any.
fn untried_names_note(
    target: &Target,
    first: &FirstWave,
    tried: &[(Sni, String)],
) -> Option<String> {
    let tried: Vec<String> = tried
        .iter()
        .map(|(_, shown)| shown.to_ascii_lowercase())
        .collect();
    // The configured names past the cap, then the certificate's that no candidate took.
    let mut left: Vec<String> = target
        .names
        .iter()
        .skip(super::side_door::MAX_GIVEN_NAMES)
        .map(|n| n.to_ascii_lowercase())
        .collect();
    left.extend(super::side_door::untried_served_names(
        target, first, &tried,
    ));
    let shown: Vec<&str> = left.iter().take(5).map(String::as_str).collect();
    (!left.is_empty()).then(|| {
        format!(
            "{} more name{} (configured past the first 16, or on the served certificate) than the \
             side doors try per target ({}{}): give those served with another client-certificate \
             policy as `sni-name`, first.",
            left.len(),
            if left.len() == 1 { "" } else { "s" },
            shown.join(", "),
            if left.len() > shown.len() {
                ", …"
            } else {
                ""
            }
        )
    })
}

/// The configured names past [`super::side_door::MAX_GIVEN_NAMES`], which no side door tries:
/// said, and the target B at best, never silently passed.
fn given_past_the_cap(target: &Target) -> Option<String> {
    let past = target
        .names
        .len()
        .saturating_sub(super::side_door::MAX_GIVEN_NAMES);
    (past > 0).then(|| {
        format!(
            "{past} `sni-name` value{} past the first {} {} not tried",
            if past == 1 { "" } else { "s" },
            super::side_door::MAX_GIVEN_NAMES,
            if past == 1 { "was" } else { "were" }
        )
    })
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

/// How the report records a name tried (`sni_names_tried`, a finding's `sni_names`): its label,
/// the random name under the parent domain as such (each run draws another), and what went with
/// it (a follow-up's certificate or headers), so that a baseline's door counts as fixed only
/// where the same was tried again.
fn recorded(t: &Tried) -> String {
    let base = recorded_name(&t.shown);
    match &t.with {
        None => base,
        Some(with) => format!("{base} with {with}"),
    }
}

/// What one candidate showed.
struct Tried {
    sni: Sni,
    shown: String,
    protected: Seen,
    /// Where the door landed, judged against its controls, when it was served.
    landed: Option<(Landing, Controls)>,
    /// What was sent besides the other name, when anything was (a follow-up behind an
    /// application's refusal: a certificate from an unknown CA, forged headers).
    with: Option<String>,
    /// A door found open on an earlier version, tried again on this one.
    again: Option<Again>,
}

/// A door tried again on the next version the protected name refuses: the version it was found
/// open on, and what the protected name itself got with the same on this one, when that was
/// asked (a follow-up's door served, or answered past the refusal: a redirect, 404 …). Said in
/// the finding whatever it got ([`retried_elsewhere`]): the version stays named as tried.
struct Again {
    found_on: TlsVersion,
    front: Option<Seen>,
}

impl Tried {
    /// How the evidence and reasons name it: the name, and what went with it.
    fn named(&self) -> String {
        match &self.with {
            None => label(&self.shown),
            Some(with) => format!("{} with {with}", label(&self.shown)),
        }
    }

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
    let door = Door::anonymous(scan, version, sni.clone());
    // The first attempt is the knock the session-resumption probe takes its session from.
    let shared = shared_knock(target, scan, first, version, &sni).await;
    let mut protected = knock_again(target, door.clone(), shared.seen.clone()).await;
    name_refused_at_hello(target, door, &mut protected).await;
    let landed = if protected.served() {
        let with_own = own_host_is_another(target, &sni);
        Some(landing::judge_served(target, scan, first, version, &sni, &protected, with_own).await)
    } else {
        // A refusal (403, 421 …) whose body is the protected page lets the client in all the
        // same; the front door's own refusal page is no door of this name.
        let front_page = front_refusal_page(first, version);
        landing::judge_unserved(target, scan, first, version, &mut protected, front_page).await
    };
    Tried {
        sni,
        shown,
        protected,
        landed,
        with: None,
        again: None,
    }
}

/// The body of the protected name's own anonymous refusal over HTTP on `version` (the first
/// wave's), when it gave one.
fn front_refusal_page(first: &FirstWave, version: TlsVersion) -> Option<&str> {
    first
        .observations
        .iter()
        .find(|o| o.id == ProbeId::NO_CLIENT_CERT && !o.late && o.tls_version == version)
        .and_then(|o| o.body_excerpt.as_deref())
        .filter(|b| !b.trim().is_empty())
}

/// Doors that answered an anonymous client over HTTP without serving it are tried again with
/// forged headers (about 20 requests each), per version, at most: the host in capitals, no SNI
/// and six of the certificate's other names (a cap of 2 left a correct server whose certificate
/// names one sibling at B for the door it never tried; a cap of 4 left an HAProxy whose fifth
/// name passes the client's header on at B, exit 0 under the default threshold).
const MAX_FOLLOWED: usize = 8;

/// Doors that asked for a certificate are tried again with one from an unknown CA (1 request
/// each), per version, at most (as many as [`MAX_FOLLOWED`]: the note names one cap).
const MAX_CERT_FOLLOWED: usize = 8;
const _: () = assert!(MAX_CERT_FOLLOWED == MAX_FOLLOWED);

/// What a door that did not serve the anonymous client is worth trying again with: a
/// certificate from an unknown CA where the name asked for one (refused in the handshake too:
/// Go `RequireAnyClientCert` on the other names), forged headers where it answered over HTTP
/// (401, 403, a redirect to a login page, 400, 404 …). Nothing where it served, refused the
/// version, answered 421 (the right answer) or could not be read or was busy.
fn worth_following(seen: &Seen) -> (bool, bool) {
    if seen.served()
        || seen.version_refused()
        || seen.unreadable().is_some()
        || seen.status() == Some(421)
    {
        return (false, false);
    }
    let over_http = matches!(
        seen.result.outcome,
        Some(Outcome::RefusedHttp | Outcome::Answered)
    ) && seen.status().is_some();
    // nginx's TLS module answers its certificate pages (400 "No required SSL certificate was
    // sent", 495, 496) before any header is read: forged headers get the same page there.
    let r = &seen.result;
    let tls_module_page = crate::checks::refusal::nginx_certificate_refusal(
        r.http_status,
        r.body_excerpt.as_deref(),
        r.server_header.as_deref(),
    );
    (seen.cert_requested, over_http && !tls_module_page)
}

/// Where another name lets the anonymous client through the handshake to an application that
/// refuses the protected `Host`, or asks it for a certificate, what gets past an application that
/// trusts its TLS layer goes too, on at most [`MAX_FOLLOWED`] such names per version (the others
/// named in a note): a certificate from an unknown CA where the name asked for one (Go
/// `GetConfigForClient` with `RequestClientCert` or `RequireAnyClientCert` on the other names,
/// before a handler that admits any certificate), and the forged headers of
/// `client-cert-header-spoofing` (HAProxy setting `X-SSL-Client-Verify` only `if { ssl_fc_sni -i
/// protected }`). A served one is judged against controls that carry the same, and is a door only
/// where its page is the protected one fetched with the client certificate
/// ([`landing::judge_served_with`]); one that could not be read is kept (incomplete); refused
/// ones add nothing. A door found so is tried on the next version the protected name refuses
/// too, with what let it in and judged the same way ([`try_again_with`]), so that the finding
/// names every version it is open on (a fix for one version alone is no fix).
async fn follow_ups(
    target: &Target,
    scan: &ScanContext,
    first: &FirstWave,
    rounds: &[Round],
    walked: &[Vec<(usize, Tried)>],
) -> (Vec<(usize, Tried)>, Option<String>, Vec<IncompleteProbe>) {
    let mut headers: Option<Vec<super::client_cert_header_spoofing::ForgedRequest>> = None;
    let given = super::side_door::sibling_names_within(target, first, 0);
    let mut out = Vec::new();
    let mut unread: Vec<IncompleteProbe> = Vec::new();
    let mut left: Vec<String> = Vec::new();
    // Doors found on the round before, tried here with what let them in.
    let mut carried: Vec<Carried> = Vec::new();
    for (i, round) in rounds.iter().enumerate() {
        let next_spoken = rounds.get(i + 1).is_some_and(|r| r.spoken);
        if round.spoken {
            let now = std::mem::take(&mut carried);
            let again = join_all(
                now.iter()
                    .map(|c| try_again_with(target, scan, first, round.version, c)),
            )
            .await;
            for (mut c, t) in now.into_iter().zip(again) {
                if t.bypass() && next_spoken {
                    c.found_on = round.version;
                    carried.push(c);
                }
                out.push((i, t));
            }
        }
        // Not a door's second version: a door is followed by nothing but its own confirmation.
        let here: Vec<&Tried> = walked
            .iter()
            .filter(|w| !w.iter().any(|(_, t)| t.bypass()))
            .flatten()
            .filter(|(j, t)| *j == i && t.with.is_none())
            .map(|(_, t)| t)
            .collect();
        // Each kind of follow-up on every name the user gave (`sni-name`: what the user knows
        // routes elsewhere is always tried), then on the first others it is worth on, in
        // candidate order, while fewer than `max` are.
        let firsts = |kind: fn((bool, bool)) -> bool, max: usize| -> Vec<&Tried> {
            let (mine, found): (Vec<&Tried>, Vec<&Tried>) = here
                .iter()
                .copied()
                .filter(|t| kind(worth_following(&t.protected)))
                .partition(|t| matches!(&t.sni, Sni::Name(n) if given.contains(n)));
            let room = max.saturating_sub(mine.len());
            mine.into_iter()
                .chain(found.into_iter().take(room))
                .collect()
        };
        let with_cert = firsts(|w| w.0, MAX_CERT_FOLLOWED);
        let with_headers = firsts(|w| w.1, MAX_FOLLOWED);
        left.extend(
            here.iter()
                .filter(|t| {
                    let (c, h) = worth_following(&t.protected);
                    (c && !with_cert.iter().any(|x| std::ptr::eq(*x, **t)))
                        || (h && !with_headers.iter().any(|x| std::ptr::eq(*x, **t)))
                })
                .map(|t| format!("{} ({})", label(&t.shown), round.version)),
        );
        let doors: Vec<&Tried> = here
            .iter()
            .copied()
            .filter(|t| {
                with_cert.iter().any(|x| std::ptr::eq(*x, *t))
                    || with_headers.iter().any(|x| std::ptr::eq(*x, *t))
            })
            .collect();
        for t in doors {
            let cert_worth = with_cert.iter().any(|x| std::ptr::eq(*x, t));
            let headers_worth = with_headers.iter().any(|x| std::ptr::eq(*x, t));
            let door = |cert, headers| Door {
                version: round.version,
                sni: t.sni.clone(),
                host: None,
                path: None,
                headers,
                sessions: None,
                cert,
                method: None,
                h2c_via: None,
                http1_only: false,
                scan,
            };
            // What goes, and for a batch of headers its families one at a time.
            let mut tries: Vec<(String, landing::Presented, &[ForgedHeaders])> = Vec::new();
            if cert_worth {
                let unknown_ca = super::untrusted_client_cert::chooser(&scan.probes);
                tries.push((
                    "a certificate from an unknown CA".to_owned(),
                    landing::Presented {
                        cert: Some(unknown_ca),
                        headers: Vec::new(),
                    },
                    &[],
                ));
            }
            // Built only where the headers go: a door worth a certificate alone (nginx `on`'s
            // other name, whose refusal is its own certificate page) sends none, and building
            // them (the headers' certificate, its base64 and every batch) cost 1.1M
            // instructions per scan.
            let forged: &[super::client_cert_header_spoofing::ForgedRequest] = if headers_worth {
                headers
                    .get_or_insert_with(|| {
                        super::client_cert_header_spoofing::forged_header_requests(scan, first)
                    })
                    .as_slice()
            } else {
                &[]
            };
            // The connection each header try goes on (`connection_of_each`), in order.
            let mut connection: Vec<usize> = Vec::new();
            for f in forged.iter() {
                connection.push(f.connection);
                tries.push((
                    f.request.0.clone(),
                    landing::Presented {
                        cert: None,
                        headers: f.request.1.clone(),
                    },
                    &f.alone,
                ));
            }
            // The certificate alone on its own connection; the headers' requests (no
            // certificate: one door) share connections, one per batch of a verify value
            // (`connection_of_each`), an answer after a connection's first standing only where
            // it is the name's own refusal (`knock_spread`).
            let (with_cert, with_headers): (Vec<_>, Vec<_>) =
                tries.iter().partition(|(_, p, _)| p.cert.is_some());
            let own_refusal = t.protected.result.body_excerpt.as_deref();
            let same_refusal = |seen: &Seen| {
                seen.status().is_some()
                    && seen.status() == t.protected.status()
                    && landing::tells_nothing_past(seen, own_refusal)
            };
            let headed_door = door(None, Vec::new());
            let (certified, headed) = tokio::join!(
                join_all(
                    with_cert
                        .iter()
                        .map(|(_, p, _)| knock(target, door(p.cert.clone(), Vec::new())))
                ),
                knock_spread(
                    target,
                    &headed_door,
                    with_headers
                        .iter()
                        .map(|(_, p, _)| p.headers.clone())
                        .collect(),
                    &connection,
                    same_refusal,
                )
            );
            // (In `tries`' order: the certificate first.)
            let seen: Vec<Seen> = certified.into_iter().chain(headed).collect();
            // Names with `_` or `.` unanswered where the other requests were answered: the
            // server refuses such names (Envoy's edge setting, HAProxy `reject` on `_`), which lets
            // nothing in (as `client-cert-header-spoofing` reads it).
            let aliased = |p: &landing::Presented| {
                p.headers
                    .iter()
                    .any(|(n, _)| super::client_cert_header_spoofing::aliased_name(n.as_str()))
            };
            let others_answered = tries
                .iter()
                .zip(&seen)
                .any(|((_, p, _), s)| !aliased(p) && s.unreadable().is_none());
            // A batch unanswered where others were answered: a head too large for the server
            // (uWSGI's 4 KB buffer); its families go one at a time, and what they got stands in
            // for it (one still unanswered keeps it unread).
            let refused_with = t.protected.status();
            let mut outcomes: Vec<(String, landing::Presented, Seen)> = Vec::new();
            for ((with, presented, alone), seen) in tries.into_iter().zip(seen) {
                // As `client-cert-header-spoofing` does: each family alone where the batch was
                // not answered as the anonymous request was (unanswered: a head too large for
                // the server; 400/413/431: a family it chokes on).
                let split = !seen.served()
                    && !alone.is_empty()
                    && super::client_cert_header_spoofing::wants_singles(&seen, refused_with);
                if !split {
                    outcomes.push((with, presented, seen));
                    continue;
                }
                let singles = join_all(
                    alone
                        .iter()
                        .map(|(_, h)| knock(target, door(None, h.clone()))),
                )
                .await;
                for ((label, h), single) in alone.iter().zip(singles) {
                    outcomes.push((
                        label.clone(),
                        landing::Presented {
                            cert: None,
                            headers: h.clone(),
                        },
                        single,
                    ));
                }
            }
            // The protected name itself with what went to the other name.
            let front_with = |p: &landing::Presented| {
                knock(
                    target,
                    Door {
                        sni: Sni::Target,
                        ..door(p.cert.clone(), p.headers.clone())
                    },
                )
            };
            let (mut judged_one, mut changed_settled) = (false, false);
            for (with, presented, mut seen) in outcomes {
                // Names with `_` or `.` closed or reset without any status where others were
                // answered: the server refuses the names (a busy answer or a time-out stays
                // unread).
                let refused_names = aliased(&presented)
                    && others_answered
                    && super::client_cert_header_spoofing::names_refused(&seen);
                // Refused (403 …) with the protected page for a body: let in all the same, unless
                // the protected name itself gives the same to the same (its own door, which the
                // certificate and header probes judge); the name's own refusal page is a refusal.
                if !judged_one && !seen.served() && seen.unreadable().is_none() {
                    let own_refusal = t.protected.result.body_excerpt.as_deref();
                    let judged = landing::judge_unserved(
                        target,
                        scan,
                        first,
                        round.version,
                        &mut seen,
                        own_refusal,
                    )
                    .await;
                    if let Some(judged) = judged {
                        if seen.let_in_by_page {
                            let front = front_with(&presented).await;
                            let same = front.result.body_excerpt.is_some()
                                && front.result.body_excerpt == seen.result.body_excerpt;
                            if front.served() || same {
                                continue;
                            }
                        }
                        judged_one = true;
                        let tried = Tried {
                            sni: t.sni.clone(),
                            shown: t.shown.clone(),
                            protected: seen,
                            landed: Some(judged),
                            with: Some(with),
                            again: None,
                        };
                        let carry = next_spoken.then_some((presented, round.version));
                        keep(&mut out, &mut carried, i, tried, carry);
                        continue;
                    }
                }
                // A refusal turned into another answer past it (a redirect, 404, 500): whether
                // that lets the request in cannot be told on this path, unless the front door
                // answers the same to the same (the header and certificate probes' to judge).
                // Once per name: its other such answers say no more.
                if let Some(st) = seen.status().filter(|st| {
                    !seen.served()
                        && Some(*st) != refused_with
                        && super::client_cert_header_spoofing::past_the_refusal(*st)
                }) {
                    if !changed_settled {
                        changed_settled = true;
                        let front = front_with(&presented).await;
                        if front.status() != Some(st) {
                            unread.push(IncompleteProbe {
                                probe: SPEC.id.as_str().to_owned(),
                                tls_version: Some(round.version),
                                reason: format!(
                                    "{} with {with} and Host {} was answered HTTP {st} where it \
                                     was refused without ({}), and the protected name with the \
                                     same got {}: whether that lets the request in cannot be \
                                     told on this path",
                                    label(&t.shown),
                                    target.authority(),
                                    t.protected.describe(),
                                    front.describe()
                                ),
                            });
                        }
                    }
                    continue;
                }
                let landed = if seen.served() && !judged_one {
                    // The protected name itself, with the same: served too, this is no door of
                    // another name but the front door's own (the certificate and header probes
                    // judge that), and nothing is kept here.
                    if front_with(&presented).await.served() {
                        continue;
                    }
                    let with_own = own_host_is_another(target, &t.sni);
                    let judged = landing::judge_served_with(
                        target,
                        scan,
                        first,
                        round.version,
                        &t.sni,
                        &seen,
                        with_own,
                        &presented,
                    )
                    .await;
                    // A page of the name's own (a notice, an enrolment page) leaves the next
                    // served one to be judged.
                    judged_one = !matches!(judged.0, Landing::Elsewhere(_));
                    Some(judged)
                } else if seen.unreadable().is_some() && !refused_names {
                    None
                } else {
                    continue;
                };
                let tried = Tried {
                    sni: t.sni.clone(),
                    shown: t.shown.clone(),
                    protected: seen,
                    landed,
                    with: Some(with),
                    again: None,
                };
                let carry = next_spoken.then_some((presented, round.version));
                keep(&mut out, &mut carried, i, tried, carry);
            }
        }
    }
    let note = (!left.is_empty()).then(|| {
        format!(
            "{} did not serve an anonymous client either and {} not tried again with a \
             certificate from an unknown CA or forged headers (at most {MAX_FOLLOWED} names per \
             version are, beside every `sni-name`): give a name that \
             routes elsewhere as `sni-name` to have it tried; the target is graded B at best \
             while a door is left untried.",
            left.join(", "),
            if left.len() == 1 { "was" } else { "were" }
        )
    });
    (out, note, unread)
}

/// The other names that asked for a client certificate naming CAs the protected name does not
/// name in their CertificateRequest and did not serve the protected `Host` anonymously: a client
/// holding a certificate from such a CA may pass their TLS layer. Public roots (an audit's
/// HAProxy crt-list line for a partner name trusting the system bundle served `secure.test`'s
/// orders to a partner CA's certificate under SNI `public.test`: A, exit 0), or a partner's own
/// CA (an audit's Go `GetConfigForClient` and HAProxy crt-list trusting `Other CA` for
/// `partner.test` before one handler routing by `Host`: A, exit 0). Whether such a client is then
/// served the protected `Host` cannot be told without such a certificate, so the note that says
/// so leaves the target B at best. Each name once, with how many such CAs it named and the first
/// (public roots first). CAs the protected name names itself are left out:
/// `client-ca-public-roots` says its public ones.
fn foreign_ca_siblings(first: &FirstWave, walked: &[Vec<(usize, Tried)>]) -> Vec<String> {
    let front: Vec<&Vec<u8>> = first
        .observations
        .iter()
        .filter(|o| o.id == ProbeId::NO_CLIENT_CERT)
        .flat_map(|o| o.acceptable_ca_names.iter())
        .collect();
    let mut out: Vec<(String, String)> = Vec::new();
    for t in walked.iter().flatten().map(|(_, t)| t) {
        if t.with.is_some() || t.bypass() || !t.protected.cert_requested {
            continue;
        }
        let own: Vec<Vec<u8>> = t
            .protected
            .acceptable_cas
            .iter()
            .filter(|name| !front.contains(name))
            .cloned()
            .collect();
        let name = label(&t.shown);
        if own.is_empty() || out.iter().any(|(n, _)| *n == name) {
            continue;
        }
        let roots = crate::checks::public_roots::public_roots_among(&own);
        let more = match (roots.first(), roots.len()) {
            (Some(first), 1) => format!("1 public root: {first}"),
            (Some(first), n) => format!("{n} public roots, {first} among them"),
            // A protected name that names no CA (a check by hand after the handshake) leaves
            // nothing to tell a partner's CA from its own: only public roots are said (an
            // audit's Go name checking by hand beside siblings naming the client CA was B).
            (None, _) if front.is_empty() => continue,
            (None, _) => {
                let mut shown: Vec<String> = Vec::new();
                for n in own.iter().map(|n| crate::text::describe_name(n)) {
                    if !shown.contains(&n) {
                        shown.push(n);
                    }
                }
                match shown.as_slice() {
                    [one] => format!("1 CA of its own: {one}"),
                    [first, ..] => format!("{} CAs of its own, {first} among them", shown.len()),
                    [] => continue,
                }
            }
        };
        out.push((name, more));
    }
    out.into_iter()
        .map(|(name, more)| format!("{name} ({more})"))
        .collect()
}

/// The record that leaves the target B at best (never A) where doors were left untried for
/// the name caps, as for a probe that did not run (`note`: which, and why).
fn untried_doors(note: &str) -> super::SkippedProbe {
    super::SkippedProbe {
        id: SPEC.id,
        reason: format!("{}: {note}", super::SkippedProbe::PARTLY_RUN),
    }
}

/// Keeps a door a follow-up tried (`i`: its name's place), and where it let the client in and
/// `carry` holds what was presented and the version (a next version the protected name refuses
/// is spoken), carries it there to be tried with the same.
fn keep(
    out: &mut Vec<(usize, Tried)>,
    carried: &mut Vec<Carried>,
    i: usize,
    tried: Tried,
    carry: Option<(landing::Presented, TlsVersion)>,
) {
    if let Some((presented, found_on)) = carry.filter(|_| tried.bypass()) {
        carried.push(Carried {
            sni: tried.sni.clone(),
            shown: tried.shown.clone(),
            with: tried.with.clone().unwrap_or_default(),
            presented,
            found_on,
        });
    }
    out.push((i, tried));
}

/// A door a follow-up found on one version, carried to the next the protected name refuses:
/// the name, and what let it in (the certificate, or the family of forged headers).
struct Carried {
    sni: Sni,
    shown: String,
    with: String,
    presented: landing::Presented,
    /// The version it was found open on (the last, once it is open on two).
    found_on: TlsVersion,
}

/// Tries a door a follow-up found on an earlier version on `version`, with the same presented,
/// judged as the follow-up was: no door where the protected name itself is served with the same
/// (the certificate and header probes' to judge), else against controls that carry the same.
/// Whatever it got is kept, so that the finding names the version as tried
/// ([`retried_elsewhere`]): served, unread, refused, or an answer past the refusal (a redirect,
/// 404 …), which is asked of the protected name with the same too.
async fn try_again_with(
    target: &Target,
    scan: &ScanContext,
    first: &FirstWave,
    version: TlsVersion,
    c: &Carried,
) -> Tried {
    let door = |sni: Sni| Door {
        version,
        sni,
        host: None,
        path: None,
        headers: c.presented.headers.clone(),
        sessions: None,
        cert: c.presented.cert.clone(),
        method: None,
        h2c_via: None,
        http1_only: false,
        scan,
    };
    let mut seen = knock(target, door(c.sni.clone())).await;
    let was = seen.result.outcome;
    // Refused with the protected page for a body: let in here too (the protected name itself
    // given the same page, or served, is its own door).
    if !seen.served() && seen.unreadable().is_none() {
        if let Some(judged) =
            landing::judge_unserved(target, scan, first, version, &mut seen, None).await
        {
            let mut front = None;
            let mut landed = Some(judged);
            if seen.let_in_by_page {
                let f = knock(target, door(Sni::Target)).await;
                if f.served()
                    || (f.result.body_excerpt.is_some()
                        && f.result.body_excerpt == seen.result.body_excerpt)
                {
                    seen.let_in_by_page = false;
                    seen.result.outcome = was;
                    landed = None;
                }
                front = Some(f);
            }
            return Tried {
                sni: c.sni.clone(),
                shown: c.shown.clone(),
                protected: seen,
                landed,
                with: Some(c.with.clone()),
                again: Some(Again {
                    found_on: c.found_on,
                    front,
                }),
            };
        }
    }
    let past_the_refusal = !seen.served()
        && seen.unreadable().is_none()
        && seen
            .status()
            .is_some_and(super::client_cert_header_spoofing::past_the_refusal);
    let front = if seen.served() || past_the_refusal {
        Some(knock(target, door(Sni::Target)).await)
    } else {
        None
    };
    let landed = match &front {
        Some(f) if seen.served() && !f.served() => {
            let with_own = own_host_is_another(target, &c.sni);
            Some(
                landing::judge_served_with(
                    target,
                    scan,
                    first,
                    version,
                    &c.sni,
                    &seen,
                    with_own,
                    &c.presented,
                )
                .await,
            )
        }
        _ => None,
    };
    Tried {
        sni: c.sni.clone(),
        shown: c.shown.clone(),
        protected: seen,
        landed,
        with: Some(c.with.clone()),
        again: Some(Again {
            found_on: c.found_on,
            front,
        }),
    }
}

/// Tries one name on each round's version in turn, while it refuses the version
/// ([`Seen::version_refused`]): what it showed on each, by the round's index.
async fn walk(
    target: &Target,
    scan: &ScanContext,
    first: &FirstWave,
    rounds: &[Round],
    (sni, shown): (Sni, String),
) -> Vec<(usize, Tried)> {
    let mut out: Vec<(usize, Tried)> = Vec::new();
    for (i, round) in rounds.iter().enumerate() {
        let mut t = try_one(
            target,
            scan,
            first,
            round.version,
            (sni.clone(), shown.clone()),
        )
        .await;
        // Tried here because it was a door on the version before (the last door it was).
        t.again = out
            .iter()
            .rev()
            .find(|(_, before)| before.bypass())
            .and_then(|(j, _)| rounds.get(*j))
            .map(|r| Again {
                found_on: r.version,
                front: None,
            });
        // A name that refused this version is tried on the next; a door is tried on the next
        // version the protected name refuses too, or does not speak, so that the finding names
        // every version the door is open on (a fix for one version alone is no fix: an audit's
        // HAProxy crt-list capping secure.test at TLS 1.2 had its door named on TLS 1.2 alone,
        // while public.test served the orders on TLS 1.3 too).
        let again = t.protected.version_refused() || (t.bypass() && rounds.get(i + 1).is_some());
        out.push((i, t));
        if !again {
            break;
        }
    }
    out
}

/// A version the names are tried on, and what the protected name did there without a
/// certificate, in words that end a sentence.
struct Round {
    version: TlsVersion,
    refusal: String,
    /// The HTTP status the protected name answered an anonymous client with there, if any.
    status: Option<u16>,
    /// The protected name speaks this version (and refused the anonymous client there), as
    /// opposed to a version tried only for names that refused every one it speaks.
    spoken: bool,
}

/// How the protected name's own refusal is worded.
fn refusal_words(refused: Outcome) -> &'static str {
    match refused {
        Outcome::RefusedTls => "refused in the TLS layer",
        Outcome::Answered => "did not serve (a redirect or an error page)",
        _ => "refused over HTTP",
    }
}

/// The versions to try names on, in order: each one where the protected name did not serve an
/// anonymous client, newest first; then each it does not speak (a name that refuses every
/// version the protected one speaks may serve the protected `Host` on another). None when the
/// protected name served an anonymous client everywhere (nothing to get around).
fn rounds(first: &FirstWave) -> Vec<Round> {
    let refused = anonymous_not_served(first);
    let Some(newest) = refused.first() else {
        return Vec::new();
    };
    let elsewhere = format!(
        "{} (on {})",
        refusal_words(newest.outcome),
        newest.tls_version
    );
    let mut out: Vec<Round> = refused
        .iter()
        .map(|o| Round {
            version: o.tls_version,
            refusal: refusal_words(o.outcome).to_owned(),
            status: o.http_status,
            spoken: true,
        })
        .collect();
    for o in first.observations.iter().filter(|o| {
        o.id == ProbeId::NO_CLIENT_CERT && !o.late && o.outcome == Outcome::UnsupportedVersion
    }) {
        if !out.iter().any(|r| r.version == o.tls_version) {
            out.push(Round {
                version: o.tls_version,
                refusal: format!("does not speak {}, and {elsewhere}", o.tls_version),
                status: None,
                spoken: false,
            });
        }
    }
    out
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
            let rounds = rounds(first);
            let names = candidate_names(target, first);
            let note = untried_names_note(target, first, &names).filter(|_| !rounds.is_empty());
            let walked = join_all(
                names
                    .into_iter()
                    .map(|c| walk(target, scan, first, &rounds, c)),
            )
            .await;
            let (behind, untried, unread) = follow_ups(target, scan, first, &rounds, &walked).await;
            let mut tried_names: Vec<String> = Vec::new();
            let walked_first = walked.iter().filter_map(|w| w.first());
            for (_, t) in walked_first.chain(behind.iter()) {
                let name = recorded(t);
                if !tried_names.contains(&name) {
                    tried_names.push(name);
                }
            }
            let mut out = TargetOutcome {
                sni_names_tried: tried_names,
                ..TargetOutcome::default()
            };
            out.notes.extend(note);
            // Doors left untried for the caps: what they would have shown is not proven.
            let left: Vec<String> = untried
                .iter()
                .cloned()
                .chain(given_past_the_cap(target).filter(|_| !rounds.is_empty()))
                .collect();
            if !left.is_empty() {
                out.skipped.push(untried_doors(&left.join(" ")));
            }
            out.notes.extend(untried);
            out.incomplete.extend(unread);
            let foreign = foreign_ca_siblings(first, &walked);
            if !foreign.is_empty() {
                let note = format!(
                    "{} asked for a client certificate naming CAs the protected name does not \
                     name: a client with a certificate from such a CA may pass the TLS layer \
                     there, and whether it is then served Host {} cannot be told without one \
                     (the scanner holds no such certificate with its key). Answer 421 to this \
                     Host on such a name, or trust the client CA alone there; the target is \
                     graded B at best while this stands.",
                    foreign.join(", "),
                    target.authority()
                );
                out.skipped.push(untried_doors(&note));
                out.notes.push(note);
            }
            // Round by round: what was tried there, and what the same names answered before
            // (each a refusal of that version, or they would not have been tried again).
            for (i, round) in rounds.iter().enumerate() {
                let (mut here, mut earlier) = (Vec::new(), Vec::new());
                for (j, t) in walked.iter().flatten() {
                    match rounds.get(*j) {
                        // A door tried again on this version was no refusal before.
                        Some(r) if *j < i && t.protected.version_refused() => {
                            earlier.push((r.version, t))
                        }
                        _ if *j == i => here.push(t),
                        _ => {}
                    }
                }
                // The follow-ups on this round's names (never a name's walk over versions).
                here.extend(behind.iter().filter(|(j, _)| *j == i).map(|(_, t)| t));
                judge(target, round, &here, &earlier, &mut out);
            }
            let again = walked.iter().flatten().chain(behind.iter());
            retried_elsewhere(target, &rounds, again, &mut out);
            let versions: Vec<String> = rounds.iter().map(|r| r.version.to_string()).collect();
            let no_door = walked.iter().filter(|w| !w.iter().any(|(_, t)| t.bypass()));
            for (_, t) in no_door.filter_map(|w| w.last()) {
                if t.protected.version_refused() {
                    out.notes.push(format!(
                        "{} refused every TLS version tried ({}) before its certificate: no \
                         door there on the versions scanned.",
                        label(&t.shown),
                        versions.join(", ")
                    ));
                }
            }
            out
        }
        .boxed()
    }
}

/// Doors found open on one version and tried again on the next the protected name refuses,
/// where they were no door (`tried`: every name tried, by round): the finding names each such
/// version as tried and what it got there, in its detail and evidence, so that a version left
/// out of its `tls_versions` is never left out silently. An answer past the refusal (a redirect,
/// 404 …) that the protected name itself does not give to the same is unread there: the target
/// is incomplete for that version (whether the door is open there cannot be told on this path),
/// and no finding is raised for it. (An answer that could not be read, or a page the controls
/// could not place, is already incomplete: [`judge`].)
fn retried_elsewhere<'a>(
    target: &Target,
    rounds: &[Round],
    tried: impl Iterator<Item = &'a (usize, Tried)>,
    out: &mut TargetOutcome,
) {
    for (i, t) in tried {
        let (Some(again), Some(round)) = (&t.again, rounds.get(*i)) else {
            continue;
        };
        if t.bypass() {
            continue;
        }
        let version = round.version;
        let seen = &t.protected;
        // What the protected name itself answers with the same: asked for a follow-up's door;
        // for a door without a certificate, its anonymous answer on this version.
        let front_status = match &again.front {
            Some(front) => front.status(),
            None => round.status,
        };
        let front_served = again.front.as_ref().is_some_and(Seen::served);
        let past = seen.status().filter(|st| {
            !seen.served()
                && seen.unreadable().is_none()
                && super::client_cert_header_spoofing::past_the_refusal(*st)
        });
        let said = if seen.unreadable().is_some() || t.unsure().is_some() {
            "could not be read (see the incomplete probes)".to_owned()
        } else if let Some((Landing::Elsewhere(page), _)) = &t.landed {
            format!("served, but the page is {page}: no door there")
        } else if seen.served() && front_served {
            "served, as the protected name itself is with the same: no door of another name \
             there (the certificate and header probes judge that)"
                .to_owned()
        } else if let Some(st) = past.filter(|st| front_status != Some(*st)) {
            out.incomplete.push(IncompleteProbe {
                probe: SPEC.id.as_str().to_owned(),
                tls_version: Some(version),
                reason: format!(
                    "{}, a door on {}, was answered HTTP {st} with Host {} on {version} (neither \
                     a 2xx nor a refusal), where the protected name itself {}: whether the door \
                     is open on {version} cannot be told on this path",
                    t.named(),
                    again.found_on,
                    target.authority(),
                    match (&again.front, front_status) {
                        (Some(_), Some(f)) => format!("got HTTP {f} with the same"),
                        (Some(f), None) => format!("got, with the same: {}", f.describe()),
                        (None, Some(f)) => format!("answered HTTP {f} without a certificate"),
                        (None, None) => round.refusal.clone(),
                    }
                ),
            });
            format!(
                "answered HTTP {st}, neither a 2xx nor a refusal, and not what the protected \
                 name itself answers the same: whether it is open there could not be read (see \
                 the incomplete probes)"
            )
        } else if let Some(st) = past {
            format!("answered HTTP {st}, as the protected name itself is: no door there")
        } else if seen.version_refused() {
            format!("refused {version} before its certificate: no door there on {version}")
        } else {
            format!("refused ({}): shut there", seen.describe())
        };
        let sentence = format!(
            " {}, open on {}, was tried again on {version}: {said}.",
            t.named(),
            again.found_on
        );
        let key = format!("{version}: {} + Host {}", t.named(), target.authority());
        match out
            .findings
            .iter_mut()
            .find(|f| f.id == FindingId::SniHostMismatchBypass)
        {
            Some(f) => {
                f.detail.push_str(&sentence);
                f.evidence.entry(key).or_insert_with(|| seen.describe());
            }
            None => out.notes.push(sentence.trim_start().to_owned()),
        }
    }
}

/// Adds to a finding's `detail` (`TLS 1.3: …`) the sentence of another version it covers
/// (`TLS 1.2: …`): the versions share one sentence where the rest of it is the same (`TLS 1.3,
/// TLS 1.2: …`); else the sentence follows, so that the detail names every version.
pub(crate) fn add_version_detail(detail: &mut String, more: &str) {
    let body = |d: &str| {
        d.split_once(": ")
            .map(|(v, b)| (v.to_owned(), b.to_owned()))
    };
    match (body(detail), body(more)) {
        (Some((versions, was)), Some((version, now))) if was == now => {
            *detail = format!("{versions}, {version}: {was}");
        }
        _ => {
            detail.push(' ');
            detail.push_str(more);
        }
    }
}

/// Judges the names tried on one version (`earlier`: what the names that refused a version
/// before answered there), into `out`: one finding for every version a door opened on.
fn judge(
    target: &Target,
    round: &Round,
    tried: &[&Tried],
    earlier: &[(TlsVersion, &Tried)],
    out: &mut TargetOutcome,
) {
    let (version, refusal) = (round.version, round.refusal.as_str());
    let doors: Vec<&Tried> = tried.iter().copied().filter(|t| t.bypass()).collect();
    // A name's follow-ups (each batch of forged headers) that landed elsewhere say it once, with
    // how many more landed alike.
    let alike_after = |t: &Tried| -> Option<usize> {
        let elsewhere = |o: &Tried| {
            o.with.is_some()
                && o.shown == t.shown
                && matches!(o.landed, Some((Landing::Elsewhere(_), _)))
        };
        let same: Vec<&&Tried> = tried.iter().filter(|o| elsewhere(o)).collect();
        match same.first() {
            Some(first) if t.with.is_some() && !std::ptr::eq(**first, t) => None,
            _ => Some(same.len().saturating_sub(1)),
        }
    };
    for t in tried {
        if let Some(why) = t.protected.unreadable() {
            out.incomplete.push(IncompleteProbe {
                probe: SPEC.id.as_str().to_owned(),
                tls_version: Some(version),
                reason: format!("{}: {why}", t.named()),
            });
        }
        if let Some(why) = t.unsure() {
            out.incomplete.push(IncompleteProbe {
                probe: SPEC.id.as_str().to_owned(),
                tls_version: Some(version),
                reason: if t
                    .protected
                    .status()
                    .is_some_and(|st| !(200..300).contains(&st))
                {
                    format!("{} with Host {}: {why}", t.named(), target.authority())
                } else {
                    format!("{} was served the protected Host, but {why}", t.named())
                },
            });
        }
        if let Some((Landing::Elsewhere(page), _)) = &t.landed {
            let Some(more) = alike_after(t) else {
                continue;
            };
            let more = match (t.with.is_some(), more) {
                (false, _) | (true, 0) => String::new(),
                (true, n) => format!(
                    " ({n} more request{} to that name, with other headers or a certificate, \
                     landed alike)",
                    if n == 1 { "" } else { "s" }
                ),
            };
            out.notes.push(format!(
                "{version}: {} with Host {} was served{}, but the page is {page}: no bypass.{more}",
                t.named(),
                target.authority(),
                if t.with.is_none() {
                    " without a certificate"
                } else {
                    ""
                }
            ));
        }
    }
    let Some(first_door) = doors.first() else {
        return;
    };
    let names: Vec<String> = doors.iter().map(|t| t.named()).collect();
    let mut f = Finding::new(
        FindingId::SniHostMismatchBypass,
        format!(
            "{version}: {}{} with Host {} was {} while the protected name itself {refusal}.",
            if doors.iter().all(|t| t.with.is_none()) {
                "without a certificate, "
            } else {
                ""
            },
            names.join(", "),
            target.authority(),
            landing::answer_words(&first_door.protected)
        ),
    );
    f.tls_versions = vec![version];
    for d in &doors {
        if !f.sni_names.contains(&recorded(d)) {
            f.sni_names.push(recorded(d));
        }
    }
    for t in tried {
        f.evidence.insert(
            format!("{} + Host {}", t.named(), target.authority()),
            t.protected.describe(),
        );
        if let Some((_, controls)) = &t.landed {
            for (k, v) in landing::evidence(controls, &label(&t.shown), target) {
                f.evidence.insert(k, v);
            }
        }
    }
    // How the names let in here answered the versions they refused.
    let refused_before = earlier
        .iter()
        .filter(|(_, e)| doors.iter().any(|d| d.sni == e.sni))
        .map(|(v, t)| {
            (
                format!("{v}: {} + Host {}", label(&t.shown), target.authority()),
                t.protected.describe(),
            )
        });
    // Doors on two versions are one finding; the later version's evidence names it, and its
    // sentence follows the first one's in the detail (which names every version it covers).
    match out.findings.iter_mut().find(|e| e.id == f.id) {
        Some(e) => {
            e.tls_versions.push(version);
            add_version_detail(&mut e.detail, &f.detail);
            for name in std::mem::take(&mut f.sni_names) {
                if !e.sni_names.contains(&name) {
                    e.sni_names.push(name);
                }
            }
            let later = f
                .evidence
                .into_iter()
                .map(|(k, v)| (format!("{version}: {k}"), v));
            e.evidence.extend(later.chain(refused_before));
        }
        None => {
            f.evidence.extend(refused_before);
            out.findings.push(f);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Severity;
    use crate::probe::side_door::recorded::{
        alert_before_certificate, failed, http, inconclusive, refused_tls, version_refused,
    };

    fn target() -> Target {
        Target::parse("https://secure.test:8443/admin").unwrap_or_else(|e| panic!("{e}"))
    }

    /// A served certificate with many names fills the 8 candidates no more: the configured
    /// sibling names, the host in capitals and the random name are always tried, the
    /// certificate's names fill what is left, and those left over are named in a note (before:
    /// eleven names on the certificate pushed out `sni-name`'s, and the door it named was never
    /// tried: A).
    #[test]
    fn configured_names_are_never_crowded_out_by_the_certificate_s() {
        let names: Vec<String> = std::iter::once("secure.test".to_owned())
            .chain((1..=9).map(|i| format!("a{i}.test")))
            .chain(["public.test".to_owned()])
            .collect();
        let key = rcgen::KeyPair::generate().unwrap_or_else(|e| panic!("{e}"));
        let cert = rcgen::CertificateParams::new(names)
            .and_then(|p| p.self_signed(&key))
            .unwrap_or_else(|e| panic!("{e}"));
        let first = FirstWave {
            observations: Vec::new(),
            chains: vec![(TlsVersion::Tls13, vec![cert.der().clone()])],
            knocks: Default::default(),
            whole: None,
        };
        let mut t = target();
        t.names = vec!["public.test".to_owned(), "Legacy.test".to_owned()];
        let shown: Vec<String> = candidate_names(&t, &first)
            .into_iter()
            .map(|(_, s)| s)
            .collect();
        // secure.test has two labels: a random name under `.test` (a `*.test` sibling) and one
        // under `.secure.test` (a `*.secure.test` beside the apex), with one label.
        let label = first.knocks.random_label(|| unreachable!("drawn already"));
        assert_eq!(
            shown,
            [
                "no SNI".to_owned(),
                "public.test".to_owned(),
                "legacy.test".to_owned(),
                "SECURE.TEST".to_owned(),
                "a1.test".to_owned(),
                "a2.test".to_owned(),
                "a3.test".to_owned(),
                "a4.test".to_owned(),
                format!("mtls-scan-{label:08x}.test"),
                format!("mtls-scan-{label:08x}.secure.test"),
            ]
        );
        assert_eq!(
            shown[8..]
                .iter()
                .map(|n| recorded_name(n))
                .collect::<Vec<_>>(),
            [
                "SNI a random name under .test",
                "SNI a random name under .secure.test"
            ]
        );
        let note = untried_names_note(&t, &first, &candidate_names(&t, &first)).unwrap_or_default();
        assert!(
            note.starts_with(
                "5 more names (configured past the first 16, or on the served certificate)"
            ) && note.contains("(a5.test, a6.test, a7.test, a8.test, a9.test)"),
            "{note}"
        );
        // Without configured names the certificate's fill the room left.
        t.names.clear();
        let shown: Vec<String> = candidate_names(&t, &first)
            .into_iter()
            .map(|(_, s)| s)
            .collect();
        assert_eq!(shown.len(), 10);
        assert_eq!(
            shown[2..8],
            ["a1.test", "a2.test", "a3.test", "a4.test", "a5.test", "a6.test"].map(str::to_owned)
        );
        // A name of three labels: one random name, under its parent; an address: none.
        let deep = Target::parse("https://api.corp.test/").unwrap_or_else(|e| panic!("{e}"));
        let shown: Vec<String> = candidate_names(&deep, &first)
            .into_iter()
            .map(|(_, s)| s)
            .collect();
        assert!(shown.contains(&format!("mtls-scan-{label:08x}.corp.test")));
        assert!(!shown.iter().any(|n| n.ends_with(".api.corp.test")));
        let ip = Target::parse("https://127.0.0.1:8443/").unwrap_or_else(|e| panic!("{e}"));
        assert!(super::super::side_door::random_names(&ip, &first).is_empty());
        let one = Target::parse("https://localhost/").unwrap_or_else(|e| panic!("{e}"));
        assert!(super::super::side_door::random_names(&one, &first).is_empty());
    }

    /// Another name asking for a certificate naming public roots (a partner name trusting the
    /// system bundle) or a CA of its own is said, with the target B at best: a client with a
    /// certificate from such a CA may be served the protected `Host` there. CAs the protected
    /// name names too, a name that named none of its own, and follow-ups' knocks are not.
    #[test]
    fn another_name_asking_for_public_cas_keeps_the_target_from_a() {
        let public: Vec<u8> = webpki_roots::TLS_SERVER_ROOTS
            .first()
            .map(|a| {
                rustls::DistinguishedName::in_sequence(a.subject.as_ref())
                    .as_ref()
                    .to_vec()
            })
            .unwrap_or_default();
        let private = rustls::DistinguishedName::in_sequence(b"\x31\x00")
            .as_ref()
            .to_vec();
        let asking = |cas: Vec<Vec<u8>>| {
            let mut seen = refused_tls("CertificateRequired");
            seen.acceptable_cas = cas;
            seen
        };
        let wave = |front: Vec<Vec<u8>>| {
            let mut nc =
                crate::probe::recorded::obs(ProbeId::NO_CLIENT_CERT, Outcome::RefusedTls, None);
            nc.acceptable_ca_names = front;
            FirstWave {
                observations: vec![nc],
                chains: Vec::new(),
                knocks: Default::default(),
                whole: None,
            }
        };
        let partner = door(
            "public.test",
            asking(vec![private.clone(), public.clone()]),
            None,
        );
        let own_only = door("legacy.test", asking(vec![private.clone()]), None);
        let mut followed = door("other.test", asking(vec![public.clone()]), None);
        followed.with = Some("a certificate from an unknown CA".to_owned());
        let walked = vec![vec![(0, partner)], vec![(0, own_only)], vec![(0, followed)]];
        let said = foreign_ca_siblings(&wave(vec![private.clone()]), &walked);
        assert_eq!(said.len(), 1, "{said:?}");
        assert!(
            said[0].starts_with("SNI public.test (1 public root: "),
            "{said:?}"
        );
        // The protected name names the same root: `client-ca-public-roots` says it there.
        assert!(foreign_ca_siblings(&wave(vec![private.clone(), public]), &walked).is_empty());
        // A partner's own CA, which the protected name does not name, is said too (an audit's
        // Go `GetConfigForClient` trusting `Other CA` for partner.test: A, exit 0).
        let other = {
            let mut b = openssl::x509::X509NameBuilder::new().unwrap();
            b.append_entry_by_text("CN", "Other CA").unwrap();
            b.build().to_der().unwrap()
        };
        let partner = vec![vec![(0, door("partner.test", asking(vec![other]), None))]];
        let said = foreign_ca_siblings(&wave(vec![private]), &partner);
        assert_eq!(said, ["SNI partner.test (1 CA of its own: CN=Other CA)"]);
        // A protected name naming no CA: only public roots can be told apart.
        assert!(foreign_ca_siblings(&wave(Vec::new()), &partner).is_empty());
        assert_eq!(foreign_ca_siblings(&wave(Vec::new()), &walked).len(), 1);
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
                aliases: Vec::new(),
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
        let sni = match shown {
            "no SNI" => Sni::Omit,
            name => Sni::Name(name.to_owned()),
        };
        Tried {
            sni,
            shown: shown.to_owned(),
            protected,
            landed,
            with: None,
            again: None,
        }
    }

    /// A follow-up behind an application's refusal, served on the protected site, is a door
    /// named with what went with it, and the finding does not say "without a certificate".
    #[test]
    fn a_door_behind_an_application_is_named_with_what_got_past_it() {
        let mut t = door(
            "public.test",
            http(200, "ledger"),
            Some(http(200, "brochure")),
        );
        t.with = Some("a certificate from an unknown CA".to_owned());
        let out = judged(TlsVersion::Tls13, Outcome::RefusedTls, &[t]);
        let f = &out.findings[0];
        assert_eq!(
            f.detail,
            "TLS 1.3: SNI public.test with a certificate from an unknown CA with Host \
             secure.test:8443 was served HTTP 200 while the protected name itself refused in the \
             TLS layer."
        );
        assert!(f.evidence.contains_key(
            "SNI public.test with a certificate from an unknown CA + Host secure.test:8443"
        ));
        assert_eq!(worth_following(&http(403, "no")), (false, true));
        assert_eq!(
            worth_following(&http(302, "to the login page")),
            (false, true)
        );
        assert_eq!(worth_following(&http(421, "misdirected")), (false, false));
        assert_eq!(worth_following(&http(200, "ok")), (false, false));
        assert_eq!(worth_following(&http(503, "busy")), (false, false));
        // nginx's own certificate page is answered before any header is read.
        let mut page = http(
            400,
            "<html><head><title>400 No required SSL certificate was sent</title></head>",
        );
        page.result.server_header = Some("nginx/1.22.1".to_owned());
        assert_eq!(worth_following(&page), (false, false));
    }

    /// What [`judge`] makes of `tried` on `version` where the protected name ended `refused`,
    /// with nothing tried before.
    fn judged(version: TlsVersion, refused: Outcome, tried: &[Tried]) -> TargetOutcome {
        let mut out = TargetOutcome::default();
        let round = Round {
            version,
            refusal: refusal_words(refused).to_owned(),
            status: None,
            spoken: true,
        };
        judge(
            &target(),
            &round,
            &tried.iter().collect::<Vec<_>>(),
            &[],
            &mut out,
        );
        out
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
        let out = judged(TlsVersion::Tls12, Outcome::RefusedTls, &tried);
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
        let out = judged(TlsVersion::Tls13, Outcome::RefusedTls, &tried);
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
        let out = judged(TlsVersion::Tls13, Outcome::RefusedHttp, &tried);
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
        let out = judged(TlsVersion::Tls13, Outcome::RefusedTls, &tried);
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
        let out = judged(TlsVersion::Tls13, Outcome::RefusedTls, &catch_all(None));
        assert!(out.findings.is_empty() && out.notes.is_empty());
        assert_eq!(out.incomplete.len(), 1, "{:?}", out.incomplete);
        // It is the protected page: a bypass.
        let tried = catch_all(Some(http(200, "<html>welcome</html>")));
        let out = judged(TlsVersion::Tls13, Outcome::RefusedTls, &tried);
        assert_eq!(out.findings.len(), 1);
        assert!(out.findings[0]
            .evidence
            .contains_key("SNI secure.test + Host secure.test:8443 with the client certificate"));
    }

    /// Every batch of forged headers behind one name that landed on the name's own page is said
    /// once, with how many more did (16 notes alike before); the anonymous door is said apart.
    #[test]
    fn follow_ups_that_landed_alike_are_said_once_per_name() {
        let catch_all = |with: Option<&str>| {
            let mut t = door_with(
                "public.test",
                http(200, "<html>welcome</html>"),
                Some(http(200, "<html>welcome</html>")),
                http(200, "<html>welcome</html>"),
                Some(http(200, "<html>admin console</html>")),
            );
            t.with = with.map(str::to_owned);
            t
        };
        let tried = [
            catch_all(None),
            catch_all(Some("forged headers (a)")),
            catch_all(Some("forged headers (b)")),
            catch_all(Some("forged headers (c)")),
        ];
        let out = judged(TlsVersion::Tls13, Outcome::RefusedTls, &tried);
        assert!(out.findings.is_empty() && out.incomplete.is_empty());
        assert_eq!(out.notes.len(), 2, "{:?}", out.notes);
        assert!(out.notes[0].contains("was served without a certificate"));
        assert!(out.notes[0].ends_with("no bypass."));
        assert!(out.notes[1].contains("SNI public.test with forged headers (a)"));
        assert!(out.notes[1].ends_with(
            "no bypass. (2 more requests to that name, with other headers or a certificate, \
             landed alike)"
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
        let out = judged(TlsVersion::Tls13, Outcome::RefusedTls, &tried);
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
        let out = judged(TlsVersion::Tls13, Outcome::RefusedTls, &tried);
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
        let out = judged(TlsVersion::Tls13, Outcome::RefusedTls, &tried);
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
        let out = judged(TlsVersion::Tls13, Outcome::RefusedTls, &tried);
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
            door(
                "no SNI",
                inconclusive("timed out after 10.0 s after the handshake began"),
                None,
            ),
            door("other.test", http(421, "Misdirected Request"), None),
        ];
        let out = judged(TlsVersion::Tls13, Outcome::RefusedTls, &tried);
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
            door(
                "no SNI",
                inconclusive("connection reset after the request"),
                None,
            ),
            door("other.test", http(200, "admin"), Some(http(404, "no"))),
        ];
        let out = judged(TlsVersion::Tls13, Outcome::RefusedTls, &tried);
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
        let out = judged(TlsVersion::Tls13, Outcome::RefusedTls, &tried);
        assert!(out.findings.is_empty());
        let reasons: Vec<&str> = out.incomplete.iter().map(|i| i.reason.as_str()).collect();
        assert_eq!(reasons, ["no SNI: not a TLS server: garbage"]);
    }

    #[test]
    fn a_name_that_refuses_the_version_is_no_shut_door_and_is_judged_where_it_speaks() {
        // HAProxy, crt-list `public.test [verify none ssl-max-ver TLSv1.2]`, routed by Host:
        // public.test refuses TLS 1.3, and serves the protected Host on TLS 1.2.
        let on13 = [
            door("no SNI", refused_tls("CertificateRequired"), None),
            door("public.test", version_refused("ProtocolVersion"), None),
        ];
        let out = judged(TlsVersion::Tls13, Outcome::RefusedTls, &on13);
        // Neither a finding nor unread: the name is tried again on TLS 1.2.
        assert!(
            out.findings.is_empty() && out.incomplete.is_empty(),
            "{out:?}"
        );
        assert!(on13[1].protected.version_refused() && !on13[0].protected.version_refused());
        let on12 = [door(
            "public.test",
            http(200, "secret area"),
            Some(http(200, "public area")),
        )];
        let earlier = [(TlsVersion::Tls13, &on13[1])];
        let mut out = TargetOutcome::default();
        let round = Round {
            version: TlsVersion::Tls12,
            refusal: refusal_words(Outcome::RefusedTls).to_owned(),
            status: None,
            spoken: true,
        };
        judge(&target(), &round, &[&on12[0]], &earlier, &mut out);
        assert_eq!(
            ids(&out),
            [(
                FindingId::SniHostMismatchBypass,
                Severity::Critical,
                vec![TlsVersion::Tls12]
            )]
        );
        let f = &out.findings[0];
        assert!(
            f.detail
                .starts_with("TLS 1.2: without a certificate, SNI public.test"),
            "{}",
            f.detail
        );
        // How the name answered the version it refused is evidence too.
        assert_eq!(
            f.evidence
                .get("TLS 1.3: SNI public.test + Host secure.test:8443")
                .map(String::as_str),
            Some("no CertificateRequest; alert ProtocolVersion")
        );
        assert!(f
            .evidence
            .contains_key("SNI public.test + Host secure.test:8443"));
    }

    #[test]
    fn doors_on_two_versions_are_one_finding_naming_both() {
        let mut out = TargetOutcome::default();
        for (version, shown) in [
            (TlsVersion::Tls13, "public.test"),
            (TlsVersion::Tls12, "no SNI"),
        ] {
            let round = Round {
                version,
                refusal: refusal_words(Outcome::RefusedTls).to_owned(),
                status: None,
                spoken: true,
            };
            let tried = [door(shown, http(200, "secret area"), None)];
            judge(&target(), &round, &[&tried[0]], &[], &mut out);
        }
        assert_eq!(
            ids(&out),
            [(
                FindingId::SniHostMismatchBypass,
                Severity::Critical,
                vec![TlsVersion::Tls13, TlsVersion::Tls12]
            )]
        );
        let evidence = &out.findings[0].evidence;
        assert!(evidence.contains_key("SNI public.test + Host secure.test:8443"));
        assert!(evidence.contains_key("TLS 1.2: no SNI + Host secure.test:8443"));
        // The detail names both versions (before: "TLS 1.3: …" alone, audit T02); the same door
        // on both is one sentence.
        let detail = &out.findings[0].detail;
        assert!(
            detail.starts_with("TLS 1.3: without a certificate, SNI public.test with Host")
                && detail.contains(
                    ". TLS 1.2: without a certificate, no SNI with Host secure.test:8443 was \
                     served HTTP 200"
                ),
            "{detail}"
        );
    }

    #[test]
    fn the_same_door_on_two_versions_is_one_sentence_naming_both() {
        let mut out = TargetOutcome::default();
        for version in [TlsVersion::Tls13, TlsVersion::Tls12] {
            let round = Round {
                version,
                refusal: refusal_words(Outcome::RefusedTls).to_owned(),
                status: None,
                spoken: true,
            };
            let tried = [door("public.test", http(200, "secret area"), None)];
            judge(&target(), &round, &[&tried[0]], &[], &mut out);
        }
        assert_eq!(
            out.findings[0].detail,
            "TLS 1.3, TLS 1.2: without a certificate, SNI public.test with Host secure.test:8443 \
             was served HTTP 200 while the protected name itself refused in the TLS layer."
        );
    }

    /// A door found on TLS 1.3 and tried again on TLS 1.2, where it is none: the finding keeps
    /// TLS 1.3 alone and says what TLS 1.2 got. A redirect the protected name itself does not
    /// give to the same is unread there (incomplete on TLS 1.2); the protected name's own answer,
    /// or a refusal, is a shut door there (before: dropped without a word).
    #[test]
    fn a_door_tried_again_where_it_is_none_is_said_so() {
        let rounds = [TlsVersion::Tls13, TlsVersion::Tls12].map(|version| Round {
            version,
            refusal: refusal_words(Outcome::RefusedTls).to_owned(),
            status: None,
            spoken: true,
        });
        let run = |on12: Seen, front: Option<Seen>| {
            let mut out = TargetOutcome::default();
            let mut open = door(
                "public.test",
                http(200, "secret area"),
                Some(http(200, "public area")),
            );
            open.with = Some("forged headers".to_owned());
            judge(&target(), &rounds[0], &[&open], &[], &mut out);
            let mut again = door("public.test", on12, None);
            again.with = Some("forged headers".to_owned());
            again.again = Some(Again {
                found_on: TlsVersion::Tls13,
                front,
            });
            let tried = [(0, open), (1, again)];
            judge(&target(), &rounds[1], &[&tried[1].1], &[], &mut out);
            retried_elsewhere(&target(), &rounds, tried.iter(), &mut out);
            out
        };
        let out = run(
            http(302, "to the login page"),
            Some(refused_tls("HandshakeFailure")),
        );
        assert_eq!(
            ids(&out),
            [(
                FindingId::SniHostMismatchBypass,
                Severity::Critical,
                vec![TlsVersion::Tls13]
            )]
        );
        let f = &out.findings[0];
        assert!(
            f.detail.contains(
                "SNI public.test with forged headers, open on TLS 1.3, was tried again on TLS \
                 1.2: answered HTTP 302, neither a 2xx nor a refusal"
            ),
            "{}",
            f.detail
        );
        assert!(f
            .evidence
            .contains_key("TLS 1.2: SNI public.test with forged headers + Host secure.test:8443"));
        assert!(
            out.incomplete.len() == 1
                && out.incomplete[0].tls_version == Some(TlsVersion::Tls12)
                && out.incomplete[0].reason.contains("was answered HTTP 302"),
            "{:?}",
            out.incomplete
        );
        // The protected name itself answers the same redirect to the same: shut there.
        let out = run(
            http(302, "to the login page"),
            Some(http(302, "to the login page")),
        );
        assert!(out.incomplete.is_empty(), "{:?}", out.incomplete);
        assert!(out.findings[0]
            .detail
            .contains("answered HTTP 302, as the protected name itself is: no door there"));
        // Refused: shut there, said so.
        let out = run(http(403, "forbidden"), None);
        assert!(out.incomplete.is_empty(), "{:?}", out.incomplete);
        assert_eq!(out.findings[0].tls_versions, [TlsVersion::Tls13]);
        assert!(out.findings[0]
            .detail
            .contains("was tried again on TLS 1.2: refused ("));
    }

    /// A door a follow-up found on TLS 1.3, tried on TLS 1.2 with the same, is one finding
    /// naming both versions, the later one's evidence under its version.
    #[test]
    fn a_follow_up_door_on_two_versions_is_one_finding_naming_both() {
        let mut out = TargetOutcome::default();
        for version in [TlsVersion::Tls13, TlsVersion::Tls12] {
            let round = Round {
                version,
                refusal: refusal_words(Outcome::RefusedTls).to_owned(),
                status: None,
                spoken: true,
            };
            let mut t = door(
                "public.test",
                http(200, "secret area"),
                Some(http(200, "public area")),
            );
            t.with = Some("a certificate from an unknown CA".to_owned());
            judge(&target(), &round, &[&t], &[], &mut out);
        }
        assert_eq!(
            ids(&out),
            [(
                FindingId::SniHostMismatchBypass,
                Severity::Critical,
                vec![TlsVersion::Tls13, TlsVersion::Tls12]
            )]
        );
        let f = &out.findings[0];
        assert_eq!(
            f.sni_names,
            ["SNI public.test with a certificate from an unknown CA"]
        );
        assert!(f.evidence.contains_key(
            "TLS 1.2: SNI public.test with a certificate from an unknown CA + Host secure.test:8443"
        ));
    }

    /// The random name is recorded as such (each run draws another: a baseline's door found
    /// through it is re-checked by the next random one), and what went with a name is recorded
    /// with it.
    #[test]
    fn names_are_recorded_the_same_on_every_run() {
        let random = door(
            "mtls-scan-1ab96091.corp.test",
            http(200, "secret area"),
            None,
        );
        assert_eq!(recorded(&random), "SNI a random name under .corp.test");
        let plain = door("public.test", http(200, "secret area"), None);
        assert_eq!(recorded(&plain), "SNI public.test");
        let none = door("no SNI", http(200, "secret area"), None);
        assert_eq!(recorded(&none), "no SNI");
        let mut with = door("mtls-scan-notrandom.corp.test", http(200, "x"), None);
        with.with = Some("forged headers".to_owned());
        assert_eq!(
            recorded(&with),
            "SNI mtls-scan-notrandom.corp.test with forged headers"
        );
    }

    #[test]
    fn names_are_tried_on_every_refused_version_newest_first_then_on_unspoken_ones() {
        use crate::probe::recorded::obs;
        let baseline = |version, outcome| {
            let mut o = obs(ProbeId::NO_CLIENT_CERT, outcome, None);
            o.tls_version = version;
            o
        };
        let wave = |observations| FirstWave {
            observations,
            ..FirstWave::default()
        };
        let versions = |first: &FirstWave| -> Vec<(TlsVersion, String)> {
            rounds(first)
                .into_iter()
                .map(|r| (r.version, r.refusal))
                .collect()
        };
        let both = wave(vec![
            baseline(TlsVersion::Tls12, Outcome::RefusedTls),
            baseline(TlsVersion::Tls13, Outcome::RefusedTls),
        ]);
        assert_eq!(
            versions(&both),
            [
                (TlsVersion::Tls13, "refused in the TLS layer".to_owned()),
                (TlsVersion::Tls12, "refused in the TLS layer".to_owned())
            ]
        );
        // The protected name speaks TLS 1.2 only: a name that refuses it is tried on TLS 1.3.
        let legacy = wave(vec![
            baseline(TlsVersion::Tls13, Outcome::UnsupportedVersion),
            baseline(TlsVersion::Tls12, Outcome::RefusedTls),
        ]);
        assert_eq!(
            versions(&legacy),
            [
                (TlsVersion::Tls12, "refused in the TLS layer".to_owned()),
                (
                    TlsVersion::Tls13,
                    "does not speak TLS 1.3, and refused in the TLS layer (on TLS 1.2)".to_owned()
                )
            ]
        );
        // Served anonymously, or no refusal at all: nothing to get around.
        let open = wave(vec![
            baseline(TlsVersion::Tls13, Outcome::UnsupportedVersion),
            baseline(TlsVersion::Tls12, Outcome::Served),
        ]);
        assert!(versions(&open).is_empty());
    }
}
