//! `second-request-bypass`: a check that remembers it was made, not what it found. An
//! application that lets TLS through without a certificate and refuses over HTTP may check once
//! per connection (a flag on the socket set before the result is known: `if
//! (!socket.checked) { socket.checked = true; if (!authorized) return 403 }`) or once per session
//! (a session opened by the refusal, its cookie set on the 403, marked checked): the anonymous
//! client's first request is refused, and its next one on the same connection, or any request
//! carrying the cookie the refusal set, gets in. A review's Node application of each kind was A,
//! exit 0: every other door asks once per connection, or without the cookies.
//!
//! Where the anonymous GET got past the handshake and was not served (a refusal over HTTP, a
//! redirect, a 404; not nginx's own certificate page, which its TLS module answers), on every
//! version it was so: the protected path is asked three times on one keep-alive connection
//! (HTTP/1.1, each request after the answer before; and over HTTP/2, each stream after the
//! answer before, where the anonymous GET spoke it), and then, where a refusal set cookies, once
//! more on a fresh connection with them (on the newest such version), and, where neither opened,
//! three times on one connection again, each later request carrying the cookies the earlier
//! answers on it set (a session that counts only on the connection that opened it). A later answer, or the one
//! with the cookies, served where the first was refused is judged by its page: with a valid
//! certificate (`client-cert`, or the staging CA's), a door only where it is the very page that
//! certificate is served, and only when it is so again on a fresh connection while a request
//! without the cookies stays refused beside it (a page much like it, or cut short, is unsure);
//! without one, a page of its own (not one speaking of refusal, certificates or rate limits)
//! leaves the target incomplete: whether it is the protected page cannot be told. An answer that
//! could not be read leaves it incomplete, never passed; a busy one (429, 502–504) is no door.

use futures_util::future::BoxFuture;
use futures_util::FutureExt as _;

use super::landing::{self, Likeness};
use super::side_door::{carried, knock, Carry, Door, HeaderSet, Seen};
use super::{FirstWave, ProbeSpec, ScanContext, Start, TargetOutcome, TargetProbe};
use crate::facts::{IncompleteProbe, Outcome, ProbeId, TlsVersion};
use crate::finding::{Finding, FindingId};
use crate::target::Target;
use crate::transport::{self, Sni};

impl ProbeId {
    /// `second-request-bypass`: the refused request asked again on its connection, and with the
    /// cookies its refusal set.
    pub const SECOND_REQUEST_BYPASS: ProbeId = ProbeId::new("second-request-bypass");
}

/// The probe.
pub struct SecondRequestBypass;

static SPEC: ProbeSpec = ProbeSpec {
    id: ProbeId::SECOND_REQUEST_BYPASS,
    presents: "no certificate, and the protected name, `Host` and path asked three times on one keep-alive connection (HTTP/1.1, each request once the one before is answered), and on one HTTP/2 connection where the anonymous GET spoke it (each stream once the one before is answered), on every version the anonymous GET got past the handshake and was not served (not nginx's own certificate page), then, where those refusals set cookies, once more on a fresh connection carrying them (`Cookie:` with each `name=value` set), on the newest such version, and where neither way opened, three times on one connection again, each later request with the cookies the earlier answers set (a session kept on its connection), on every such version, over HTTP/2 too where the anonymous GET spoke it (a later stream the server does not answer, its connection ended, is none carried); a later request, or the one with the cookies, served where the first was refused is a door only where its page is the very one the valid certificate is served (`client-cert` or a staging CA), asked so again on a fresh connection (the requests again, or the cookies again beside a request without them, which must stay refused); without a valid certificate, a page of its own there (not one speaking of refusal, certificates or rate limits) leaves the target incomplete; an answer that could not be read, twice, too; a busy one (429, 502–504) is no door",
    needs: "a target that lets an anonymous client through the handshake and does not serve it (401, 403, a redirect, 404 …)",
    findings: &[FindingId::ClientCertOptional],
};

impl TargetProbe for SecondRequestBypass {
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
            let versions = refused_versions(first);
            match versions.split_first() {
                Some((&newest, others)) => run(target, scan, first, newest, others).await,
                None => TargetOutcome::default(),
            }
        }
        .boxed()
    }
}

/// The versions, newest first, on which the anonymous GET got past the handshake and was
/// answered over HTTP without being served, the TLS module's own refusal page (nginx's 400 "No
/// required SSL certificate was sent") and busy statuses aside.
fn refused_versions(first: &FirstWave) -> Vec<TlsVersion> {
    TlsVersion::ALL
        .into_iter()
        .filter(|&v| {
            first.observations.iter().any(|o| {
                o.id == ProbeId::NO_CLIENT_CERT
                    && !o.late
                    && o.tls_version == v
                    && matches!(o.outcome, Outcome::RefusedHttp | Outcome::Answered)
                    && o.http_status.is_some_and(|s| !transport::is_busy_status(s))
                    && !crate::checks::refusal::tls_module_refusal(o)
            })
        })
        .collect()
}

/// How the requests on one connection are asked ([`ask_on_one_connection`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Way {
    /// [`Carry::All`], or [`Carry::AllWithCookies`] for the later requests to carry the cookies
    /// the earlier answers set.
    carry: Carry,
    /// Over HTTP/2, each stream opened once the one before is answered (a check made once per
    /// h2 connection, its first stream's: a review's Go server checking HTTP/1.1 on every
    /// request was A, exit 0, asked over HTTP/1.1 alone); else over HTTP/1.1.
    h2: bool,
}

/// Three requests over HTTP/1.1.
const PLAIN: Way = Way {
    carry: Carry::All,
    h2: false,
};

/// What one way of asking again came to.
enum Verdict {
    /// A door, proved twice.
    Door(Finding),
    /// A page that may be the protected one, or answers that could not be read: why.
    Unsure(IncompleteProbe),
    /// Refused again, or another page.
    Shut,
}

async fn run(
    target: &Target,
    scan: &ScanContext,
    first: &FirstWave,
    version: TlsVersion,
    others: &[TlsVersion],
) -> TargetOutcome {
    let door = landing::plain(scan, version, Sni::Target, None);
    let asked = ask_on_one_connection(target, &door, PLAIN).await;
    let cookies = cookies_of(&asked);
    // The connection's door on every version refused over HTTP, each judged on its own (a
    // check made once per connection on TLS 1.2 alone: a review's, A, exit 0 when the newest
    // version alone was asked); the cookies' on the newest, then tried on the others.
    let on_others = futures_util::future::join_all(others.iter().map(|&other| async move {
        let door = landing::plain(scan, other, Sni::Target, None);
        let asked = ask_on_one_connection(target, &door, PLAIN).await;
        judge_connection(target, scan, first, other, &door, &asked, PLAIN).await
    }));
    // And over HTTP/2 on every such version the anonymous GET spoke it.
    let over_h2 = futures_util::future::join_all(
        std::iter::once(version)
            .chain(others.iter().copied())
            .filter(|&v| spoke_h2(first, v))
            .map(|v| async move {
                let door = landing::plain(scan, v, Sni::Target, None);
                let way = Way { h2: true, ..PLAIN };
                let asked = ask_on_one_connection(target, &door, way).await;
                judge_connection(target, scan, first, v, &door, &asked, way).await
            }),
    );
    let (newest, on_others, with_cookies, over_h2) = futures_util::future::join4(
        judge_connection(target, scan, first, version, &door, &asked, PLAIN),
        on_others,
        async {
            if cookies.is_empty() {
                Verdict::Shut
            } else {
                judge_cookies(target, scan, first, version, &door, &cookies).await
            }
        },
        over_h2,
    )
    .await;
    let mut out = TargetOutcome::default();
    let (door_found, unsure_connection) =
        one_door(std::iter::once(newest).chain(on_others).chain(over_h2));
    // Neither way opened while the refusals set cookies: the connection once more, each later
    // request carrying the cookies the earlier answers on it set, as a browser's would (a
    // session that counts only on the connection that opened it: a review's, A, exit 0 with
    // the cookies on a fresh connection and the connection without them).
    let (door_found, unsure_connection) = match door_found {
        None if !cookies.is_empty() && matches!(with_cookies, Verdict::Shut) => {
            // Over HTTP/1.1 on every such version, and over HTTP/2 where the anonymous GET spoke
            // it (a server closing every HTTP/1.1 connection after its answer keeps the session
            // on an h2 connection alone: a review's Go server, A, exit 0).
            let ways: Vec<(TlsVersion, Way)> = std::iter::once(version)
                .chain(others.iter().copied())
                .flat_map(|v| {
                    let http1 = Way {
                        carry: Carry::AllWithCookies,
                        ..PLAIN
                    };
                    let h2 = Way { h2: true, ..http1 };
                    std::iter::once((v, http1)).chain(spoke_h2(first, v).then_some((v, h2)))
                })
                .collect();
            let carried_cookies =
                futures_util::future::join_all(ways.iter().map(|&(v, way)| async move {
                    let door = landing::plain(scan, v, Sni::Target, None);
                    let asked = ask_on_one_connection(target, &door, way).await;
                    judge_connection(target, scan, first, v, &door, &asked, way).await
                }))
                .await;
            let (found, unsure) = one_door(carried_cookies);
            match found {
                Some(f) => (Some(f), Vec::new()),
                None => (None, unsure_connection.into_iter().chain(unsure).collect()),
            }
        }
        found => (found, unsure_connection),
    };
    match door_found {
        Some(f) => out.findings.push(f),
        None => out.incomplete.extend(unsure_connection),
    }
    match with_cookies {
        Verdict::Door(mut f) => {
            // A door is tried on every other version refused over HTTP too, so that the
            // finding names each it opens on.
            for &other in others {
                let door = landing::plain(scan, other, Sni::Target, None);
                let seen = knock(target, with_cookies_of(&door, &cookies)).await;
                let open = seen.served()
                    && landing::is_the_protected_page(target, scan, first, other, &seen).await
                        == Some(true);
                if open {
                    f.tls_versions.push(other);
                    f.evidence
                        .insert(format!("{other}: asked so again"), seen.describe());
                }
            }
            out.findings.push(f);
        }
        Verdict::Unsure(i) => out.incomplete.push(i),
        Verdict::Shut => {}
    }
    out
}

/// One finding for a connection's door, naming every version it opened on; else why each
/// version was unsure.
fn one_door(
    verdicts: impl IntoIterator<Item = Verdict>,
) -> (Option<Finding>, Vec<IncompleteProbe>) {
    let mut door_found: Option<Finding> = None;
    let mut unsure = Vec::new();
    for v in verdicts {
        match v {
            Verdict::Door(f) => match door_found.as_mut() {
                Some(found) => {
                    for v in f.tls_versions {
                        if !found.tls_versions.contains(&v) {
                            found.tls_versions.push(v);
                        }
                    }
                    found.evidence.extend(f.evidence);
                }
                None => door_found = Some(f),
            },
            Verdict::Unsure(i) => unsure.push(i),
            Verdict::Shut => {}
        }
    }
    (door_found, unsure)
}

/// Requests asked on one connection ([`ask_on_one_connection`]): a check that lets in only a
/// connection's third request is found too (a review's, A, exit 0 with two).
const ASKED_ON_ONE: usize = 3;

/// The protected path asked [`ASKED_ON_ONE`] times on one connection: over HTTP/1.1, each
/// request written once the one before is answered; offering h2 too where HTTP/1.1 got no
/// answer (a server speaking h2 alone). Asked once more while the first answer could not be read.
/// `way` says how ([`Way`]): over HTTP/2, `h2` offered first, twice.
async fn ask_on_one_connection(target: &Target, door: &Door<'_>, way: Way) -> Vec<Seen> {
    let sets: Vec<HeaderSet> = vec![Vec::new(); ASKED_ON_ONE];
    let mut asked = Vec::new();
    let alpns: &[transport::Alpn] = if way.h2 {
        &[transport::Alpn::Both, transport::Alpn::Both]
    } else {
        &[
            transport::Alpn::Http1Only,
            transport::Alpn::Http1Only,
            transport::Alpn::Both,
        ]
    };
    for &alpn in alpns {
        asked = carried(target, door, &sets, alpn, way.carry).await;
        let answered = asked.first().is_some_and(|s| s.status().is_some());
        if answered || door.scan.limits.expired() {
            break;
        }
        tokio::time::sleep(super::side_door::RETRY_AFTER[0]).await;
    }
    asked
}

/// Whether the anonymous GET of the first wave spoke HTTP/2 on `version`.
fn spoke_h2(first: &FirstWave, version: TlsVersion) -> bool {
    first.observations.iter().any(|o| {
        o.id == ProbeId::NO_CLIENT_CERT
            && !o.late
            && o.tls_version == version
            && o.alpn.as_deref() == Some("h2")
    })
}

/// Whether `seen` is a refusal that a second request could get around: read, not served.
fn refused(seen: &Seen) -> bool {
    !seen.served() && seen.unreadable().is_none() && seen.status().is_some()
}

/// The cookies the refusals among `asked` set (the later one of a name winning).
fn cookies_of(asked: &[Seen]) -> Vec<String> {
    transport::jar(
        asked
            .iter()
            .filter(|s| refused(s))
            .flat_map(|s| &s.result.set_cookies),
    )
}

/// The names of `cookies` (never their values), sanitised, for a report.
fn cookie_names(cookies: &[String]) -> String {
    cookies
        .iter()
        .map(|c| {
            let name = c.split_once('=').map_or(c.as_str(), |(n, _)| n);
            crate::text::sanitize(name.as_bytes(), 60)
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// What the page of `seen`, served without a certificate where the same request was refused,
/// is: the protected page ([`Likeness::Same`]), unsure ([`Likeness::Near`], [`Likeness::Cut`],
/// or a page of its own without a valid certificate to compare it with), or nothing to say.
async fn page_of(
    target: &Target,
    scan: &ScanContext,
    first: &FirstWave,
    version: TlsVersion,
    seen: &Seen,
) -> Option<Likeness> {
    if !seen.served() {
        return None;
    }
    let body = seen.result.body.as_slice();
    let own_page = seen.result.body_excerpt.as_deref().is_some_and(|b| {
        super::page::distinct_tokens(b) >= super::page::MIN_PAGE_TOKENS || b.trim().len() >= 16
    });
    let words = crate::text::speaks_of_refusal(body)
        || crate::text::speaks_of_certificates(body)
        || crate::text::speaks_of_rate_limiting(body);
    match landing::likeness_to_the_protected_page(target, scan, first, version, seen, Vec::new())
        .await
    {
        Some(l) => Some(l),
        // Without a valid certificate (or where its page was not served): a page of its own may
        // be the protected one.
        None if own_page && !words => Some(Likeness::Near),
        None => None,
    }
}

/// `Ok` where `seen`, served without a certificate as `served` says (the protected path …), is
/// the very page the valid certificate is served; else what that comes to: nothing to say
/// ([`Verdict::Shut`]: refused, another page, no page of its own), or unsure (a page much like
/// it, one cut short, or a page of its own without a valid certificate to compare it with), for
/// a check made once per `per` (connection, session).
async fn the_protected_page(
    target: &Target,
    scan: &ScanContext,
    first: &FirstWave,
    version: TlsVersion,
    seen: &Seen,
    served: &str,
    per: &str,
) -> Result<(), Verdict> {
    let with_identity = super::valid_client_cert::chooser(&scan.probes).is_some();
    match page_of(target, scan, first, version, seen).await {
        Some(Likeness::Same) => Ok(()),
        None | Some(Likeness::Other) => Err(Verdict::Shut),
        Some(Likeness::Near | Likeness::Cut) => Err(unsure(
            version,
            if with_identity {
                format!(
                    "without a certificate, the protected path {served}: a page much like the one the valid certificate is served, or cut too short to tell; whether the check is made once per {per} cannot be told"
                )
            } else {
                format!(
                    "without a certificate, the protected path {served}: an application that checks the certificate once per {per} lets the anonymous client in so, but whether this is the protected page cannot be told without a valid certificate. Give `client-cert` (or a staging CA) to compare"
                )
            },
        )),
    }
}

fn unsure(version: TlsVersion, reason: String) -> Verdict {
    Verdict::Unsure(IncompleteProbe {
        probe: ProbeId::SECOND_REQUEST_BYPASS.as_str().to_owned(),
        tls_version: Some(version),
        reason,
    })
}

/// `asked` (a connection's answers, in order) with each later one that is a refusal carrying the
/// very page the valid certificate is served, not the first's own page, marked let in by its page
/// ([`landing::let_in_by_its_page`]): a server that checks a connection's first request and
/// answers the later ones 403 with the page written on (review A's, A, exit 0).
async fn let_in_by_their_pages(
    target: &Target,
    scan: &ScanContext,
    first: &FirstWave,
    version: TlsVersion,
    mut asked: Vec<Seen>,
) -> Vec<Seen> {
    if let Some((one, rest)) = asked.split_first_mut() {
        let own = one.result.body_excerpt.clone();
        for s in rest {
            landing::let_in_by_its_page(target, scan, first, version, s, own.as_deref()).await;
        }
    }
    asked
}

/// Judges the requests on one connection, asked as `way` says: a later one served where the
/// first was refused. Over HTTP/2, a connection that spoke HTTP/1.1 is nothing to judge (the
/// HTTP/1.1 way asks that).
async fn judge_connection(
    target: &Target,
    scan: &ScanContext,
    first: &FirstWave,
    version: TlsVersion,
    door: &Door<'_>,
    asked: &[Seen],
    way: Way,
) -> Verdict {
    let with_cookies = way.carry == Carry::AllWithCookies;
    let asked = &let_in_by_their_pages(target, scan, first, version, asked.to_vec()).await;
    if way.h2
        && asked
            .first()
            .is_none_or(|s| s.result.alpn.as_deref() != Some("h2"))
    {
        return Verdict::Shut;
    }
    let asked_so = if with_cookies && way.h2 {
        "asked three times on one HTTP/2 connection (each stream once the one before was answered), each later stream with the cookies the earlier answers set,"
    } else if with_cookies {
        "asked three times on one connection, each later request with the cookies the earlier answers set,"
    } else if way.h2 {
        "asked three times on one HTTP/2 connection (each stream once the one before was answered)"
    } else {
        "asked three times on one connection"
    };
    let Some(one) = asked.first() else {
        return unsure(
            version,
            format!("without a certificate, the protected path {asked_so} got no answer that could be read"),
        );
    };
    if let Some(why) = one.unreadable() {
        return unsure(
            version,
            format!(
                "without a certificate, the protected path {asked_so}: the first request could not \
                 be read ({why})"
            ),
        );
    }
    // Served at once (a server that serves some anonymous requests and not others): the first
    // wave's probes judge that; nothing here is a second request's doing.
    if !refused(one) {
        return Verdict::Shut;
    }
    // The later requests' answers: the first served (the door), else the first that could not
    // be read; a busy one (429, 502–504: a limiter, a proxy's stale upstream connection) is no
    // page and no door. None at all: the connection ended after the refusal (`Connection:
    // close`), and nothing is kept on it.
    let later = |asked: &[Seen]| -> Option<Seen> {
        let rest = asked.get(1..).unwrap_or_default();
        let not_busy = |s: &&Seen| !s.status().is_some_and(transport::is_busy_status);
        rest.iter()
            .filter(not_busy)
            .find(|s| s.served())
            .or_else(|| {
                rest.iter()
                    .filter(not_busy)
                    .find(|s| s.unreadable().is_some())
            })
            .cloned()
    };
    let Some(two) = later(asked) else {
        return Verdict::Shut;
    };
    let two = &two;
    if let Some(why) = two.unreadable() {
        // Asked once more: a later request left unanswered on a kept-alive connection (a
        // server that closes it without saying so) is no door, but it is no refusal either.
        let again = ask_on_one_connection(target, door, way).await;
        match (again.first(), later(&again)) {
            (Some(a), Some(b)) if refused(a) && b.unreadable().is_some() => {
                return unsure(
                    version,
                    format!(
                        "without a certificate, the protected path was refused on a connection's \
                         first request ({}) and a later request on that connection could not be \
                         read, twice ({why})",
                        one.describe()
                    ),
                );
            }
            (Some(a), Some(b)) if refused(a) && b.served() => {
                return Box::pin(judge_connection(
                    target, scan, first, version, door, &again, way,
                ))
                .await;
            }
            _ => return Verdict::Shut,
        }
    }
    let later_one = if with_cookies {
        "a later one carrying the cookies the refusal set"
    } else {
        "a later one"
    };
    let served = format!(
        "was refused on a connection's first request ({}) and served on {later_one} ({})",
        one.describe(),
        two.describe()
    );
    let per = if with_cookies {
        "session kept on its connection"
    } else {
        "connection"
    };
    if let Err(v) = the_protected_page(target, scan, first, version, two, &served, per).await {
        return v;
    }
    // Proved again on a fresh connection: refused first, the protected page second.
    let again = ask_on_one_connection(target, door, way).await;
    let again = let_in_by_their_pages(target, scan, first, version, again).await;
    let proved = match (again.first(), later(&again)) {
        (Some(a), Some(b)) if refused(a) && b.served() => {
            landing::is_the_protected_page(target, scan, first, version, &b).await == Some(true)
        }
        _ => false,
    };
    if !proved {
        return unsure(
            version,
            format!(
                "without a certificate, the protected path was refused on a connection's first \
                 request ({}) and served the very page the valid certificate is served on \
                 {later_one} ({}), but not so again on a fresh connection ({}): whether the check \
                 is made once per {per} cannot be told",
                one.describe(),
                two.describe(),
                again
                    .iter()
                    .map(Seen::describe)
                    .collect::<Vec<_>>()
                    .join("; then ")
            ),
        );
    }
    let over = if way.h2 {
        " (HTTP/2, a later stream)"
    } else {
        ""
    };
    let how = if with_cookies {
        format!(
            "on a later request of the same connection{over} carrying the cookies the refusal set \
             ({}), on two connections: the check is made once per session kept on its connection \
             and remembered as made, not as passed (a session opened and marked checked before \
             the certificate is judged)",
            cookie_names(&one.result.set_cookies)
        )
    } else {
        format!(
            "on a later request of the same connection{over}, on two connections: the check is \
             made once per connection and remembered as made, not as passed (a flag on the socket \
             set before the certificate is judged), or one of the servers behind a balancer that \
             routes each request does not check"
        )
    };
    let mut f = Finding::new(
        FindingId::ClientCertOptional,
        format!(
            "{version}: without a certificate, the protected path ({}{}) was refused on a \
             connection's first request ({}) and served the very page the valid certificate is \
             served {how}. Check every request, and keep the check's result, never the fact it \
             ran: require the certificate in the handshake where the stack can \
             (`ssl_verify_client on`, `SSLVerifyClient require`, `rejectUnauthorized: true`).",
            crate::text::sanitize(target.authority().as_bytes(), 260),
            crate::text::sanitize(target.path.as_bytes(), 200),
            one.describe()
        ),
    );
    f.tls_versions = vec![version];
    let over = if way.h2 { " (HTTP/2)" } else { "" };
    let over = if with_cookies {
        format!("{over}, with cookies")
    } else {
        over.to_owned()
    };
    f.evidence.insert(
        format!("{version}{over}: one connection, first request"),
        one.describe(),
    );
    f.evidence.insert(
        format!("{version}{over}: one connection, a later request"),
        two.describe(),
    );
    f.evidence.insert(
        format!("{version}{over}: a fresh connection, its requests"),
        again
            .iter()
            .map(Seen::describe)
            .collect::<Vec<_>>()
            .join("; then "),
    );
    Verdict::Door(f)
}

/// The door with a `Cookie` header holding `cookies`.
fn with_cookies_of<'a>(door: &Door<'a>, cookies: &[String]) -> Door<'a> {
    let mut d = door.clone();
    if let Ok(v) = http::HeaderValue::from_str(&cookies.join("; ")) {
        d.headers.push((http::header::COOKIE, v));
    }
    d
}

/// Judges the protected path asked on a fresh connection with the cookies the refusals set.
async fn judge_cookies(
    target: &Target,
    scan: &ScanContext,
    first: &FirstWave,
    version: TlsVersion,
    door: &Door<'_>,
    cookies: &[String],
) -> Verdict {
    let names = cookie_names(cookies);
    let seen = knock(target, with_cookies_of(door, cookies)).await;
    if let Some(why) = seen.unreadable() {
        return unsure(
            version,
            format!(
                "without a certificate, the protected path asked with the cookies its refusal \
                 set ({names}) could not be read ({why})"
            ),
        );
    }
    let served = format!(
        "asked with the cookies its refusal set ({names}) was served ({})",
        seen.describe()
    );
    if let Err(v) =
        the_protected_page(target, scan, first, version, &seen, &served, "session").await
    {
        return v;
    }
    // Proved again beside a request without them, which must stay refused.
    let (again, without) = futures_util::future::join(
        knock(target, with_cookies_of(door, cookies)),
        knock(target, door.clone()),
    )
    .await;
    let again_same = again.served()
        && landing::is_the_protected_page(target, scan, first, version, &again).await == Some(true);
    let without_refused = refused(&without);
    if !(again_same && without_refused) {
        return unsure(
            version,
            format!(
                "without a certificate, the protected path asked with the cookies its refusal \
                 set ({names}) was served the very page the valid certificate is served ({}), but \
                 asked again {}: whether the check is made once per session cannot be told",
                seen.describe(),
                if again_same {
                    format!("without them it was not refused ({})", without.describe())
                } else {
                    format!(
                        "with them it was not served that page ({})",
                        again.describe()
                    )
                }
            ),
        );
    }
    let mut f = Finding::new(
        FindingId::ClientCertOptional,
        format!(
            "{version}: without a certificate, the protected path ({}{}) was refused ({}) and \
             served the very page the valid certificate is served when asked again with the \
             cookies that refusal set ({names}), twice, while a request without them stayed \
             refused: the check is made once per session and remembered as made, not as passed \
             (a session opened and marked checked before the certificate is judged). Keep the \
             check's result in the session, never the fact it ran, and check the certificate \
             on every request (it is on every connection): require it in the handshake where the \
             stack can (`ssl_verify_client on`, `SSLVerifyClient require`, \
             `rejectUnauthorized: true`).",
            crate::text::sanitize(target.authority().as_bytes(), 260),
            crate::text::sanitize(target.path.as_bytes(), 200),
            without.describe()
        ),
    );
    f.tls_versions = vec![version];
    f.evidence.insert(
        format!("{version}: with the cookies the refusal set ({names})"),
        format!("{}; {}", seen.describe(), again.describe()),
    );
    f.evidence
        .insert(format!("{version}: without them"), without.describe());
    Verdict::Door(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seen(status: u16, cookies: &[&str]) -> Seen {
        let mut s = crate::probe::side_door::recorded::http(status, "refused");
        s.result.set_cookies = cookies.iter().map(|c| (*c).to_owned()).collect();
        s
    }

    /// The refusals' cookies, the later of a name winning; a served answer's never count.
    #[test]
    fn cookies_come_from_refusals_alone() {
        let asked = [
            seen(403, &["sid=one", "csrf=x"]),
            seen(403, &["sid=two"]),
            seen(200, &["served=1"]),
        ];
        assert_eq!(cookies_of(&asked), ["csrf=x", "sid=two"]);
        assert_eq!(cookie_names(&cookies_of(&asked)), "csrf, sid");
        assert!(cookies_of(&[seen(200, &["a=b"])]).is_empty());
    }

    /// Only names reach a report: values never do.
    #[test]
    fn cookie_names_keep_no_value() {
        let names = cookie_names(&["session=s3cr3t-value".to_owned()]);
        assert_eq!(names, "session");
        assert!(!names.contains("s3cr3t"));
    }
}
