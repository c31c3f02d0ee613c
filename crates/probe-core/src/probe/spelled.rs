//! What the request-spelling side doors share (`host-form-bypass`, `path-form-bypass`): a rule
//! that refuses the anonymous client by the request as written (its `Host`, its path) lets the
//! same request in spelled otherwise, which every router takes for the same resource. Where the
//! protected name answered an anonymous client over HTTP without serving it, each spelling goes
//! once on the newest version refused so; a 2xx is a door only where its page is the very page
//! the valid certificate is served (a page of the server's own for that spelling is none:
//! unsure without a valid certificate, never a finding), and then only when the spelling is
//! served twice more while the request as written, asked twice beside it, stays refused. A door
//! is tried on every other version refused over HTTP, so that the finding names each.

use futures_util::future::join_all;
use futures_util::FutureExt as _;

use super::landing::{self, Controls, Landing};
use super::side_door::{anonymous_not_served, knock, Door, Seen};
use super::{FirstWave, ScanContext, TargetOutcome};
use crate::facts::{IncompleteProbe, Outcome, ProbeId, ProbeObservation, TlsVersion};
use crate::finding::{Finding, FindingId};
use crate::target::Target;
use crate::transport::Sni;

/// What part of the request a probe spells otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// The `Host` header.
    Host,
    /// The path.
    Path,
}

/// One probe's spellings: which part, its probe and finding ids.
#[derive(Debug, Clone, Copy)]
pub struct Kind {
    /// The part spelled otherwise.
    pub part: Part,
    /// The probe's id (its incomplete lines).
    pub probe: ProbeId,
    /// The finding a door raises.
    pub finding: FindingId,
}

impl Kind {
    /// The part as written in the request, as evidence and reasons name it (`Host
    /// secure.test:8443`, `path /admin`).
    fn own(self, target: &Target) -> String {
        match self.part {
            Part::Host => format!("Host {}", target.authority()),
            Part::Path => format!("path {}", target.path),
        }
    }

    /// The noun of the closing sentence.
    fn noun(self) -> &'static str {
        match self.part {
            Part::Host => "Host header",
            Part::Path => "path",
        }
    }
}

/// One other spelling of the request: the `Host` or the path sent, and how it differs.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Spelling {
    /// The `Host` header sent, when it is the part spelled.
    pub host: Option<String>,
    /// The path (and query) sent, when it is the part spelled.
    pub path: Option<String>,
    /// How it differs from the request as written (`without its port`, `with a doubled slash` …).
    pub how: &'static str,
    /// The value of the verify headers a proxy sets after checking a certificate
    /// ([`VERIFY_HEADERS`]), forged with the spelling: a proxy that sets (or clears) them only
    /// under a rule on the `Host` or the path as written passes the client's own copy with
    /// another spelling. `None`: no header.
    pub forged: Option<&'static str>,
}

/// The verify headers forged with a refused spelling, each with the values proxies give a
/// verified certificate (HAProxy `%[ssl_c_verify]` is `0`, nginx `$ssl_client_verify` and
/// mod_ssl `SUCCESS`).
const VERIFY_HEADERS: [&str; 3] = [
    "x-ssl-client-verify",
    "ssl-client-verify",
    "x-client-verify",
];

/// The values forged ([`VERIFY_HEADERS`]), one request each.
const VERIFY_VALUES: [&str; 2] = ["0", "SUCCESS"];

/// An Envoy-style forwarded certificate forged beside the verify headers: an application taking
/// any `X-Forwarded-Client-Cert` for a verified client behind a proxy that sets it only under a
/// rule on the `Host` or path as written (review X's two: A, exit 0 with the full identity).
const FORGED_XFCC: &str =
    "Hash=6d746c732d7363616e2d666f726765642d78666363;Subject=\"CN=mtls-scan\"";

impl Spelling {
    /// The forged headers it carries.
    fn headers(&self) -> Vec<(http::HeaderName, http::HeaderValue)> {
        let Some(value) = self.forged else {
            return Vec::new();
        };
        VERIFY_HEADERS
            .iter()
            .map(|name| (*name, value))
            .chain([("x-forwarded-client-cert", FORGED_XFCC)])
            .map(|(name, value)| {
                (
                    http::HeaderName::from_static(name),
                    http::HeaderValue::from_static(value),
                )
            })
            .collect()
    }

    /// The request as written with the same forged headers (none where it forges none): the
    /// front door a forged spelling is a door beside.
    fn front(&self) -> Option<Spelling> {
        self.forged.map(|forged| Spelling {
            forged: Some(forged),
            ..Spelling::default()
        })
    }
}

impl Spelling {
    /// As evidence and reasons name it: `Host secure.test`, `path //admin`.
    fn shown(&self) -> String {
        format!("{}{}", self.part(), self.forged_words())
    }

    /// Shown, with how it differs.
    fn named(&self) -> String {
        format!("{} ({}){}", self.part(), self.how, self.forged_words())
    }

    /// The part spelled: `Host secure.test`, `path //admin`.
    fn part(&self) -> String {
        match (&self.host, &self.path) {
            (Some(h), _) => format!("Host {h}"),
            (None, Some(p)) => format!("path {p}"),
            (None, None) => "the request as written".to_owned(),
        }
    }

    /// ` with X-SSL-Client-Verify: 0 forged (…)` where it forges the verify headers.
    fn forged_words(&self) -> String {
        self.forged.map_or_else(String::new, |v| {
            format!(
                " with X-SSL-Client-Verify: {v} forged (and ssl-client-verify, X-Client-Verify, \
                 X-Forwarded-Client-Cert)"
            )
        })
    }
}

/// The first wave's anonymous answers over HTTP that did not serve (a refusal status, a redirect,
/// 404 …; not a busy one, nor nginx's own certificate page, which its TLS module answers before
/// any header is read), newest version first: the refusals a rule on the request may give.
pub fn refused_over_http(first: &FirstWave) -> Vec<&ProbeObservation> {
    anonymous_not_served(first)
        .into_iter()
        .filter(|o| matches!(o.outcome, Outcome::RefusedHttp | Outcome::Answered))
        .filter(|o| o.http_status.is_some())
        .filter(|o| {
            !crate::checks::refusal::nginx_certificate_refusal(
                o.http_status,
                o.body_excerpt.as_deref(),
                o.server_header.as_deref(),
            )
        })
        .collect()
}

/// The excerpt of the first wave's anonymous refusal over HTTP on `version` (the request as
/// written), when it carried a page.
fn anonymous_refusal_page(first: &FirstWave, version: TlsVersion) -> Option<&str> {
    refused_over_http(first)
        .into_iter()
        .find(|o| o.tls_version == version)
        .and_then(|o| o.body_excerpt.as_deref())
        .filter(|b| !b.trim().is_empty())
}

/// What one spelling got on one version, and where a served one landed.
struct Tried {
    spelling: Spelling,
    version: TlsVersion,
    seen: Seen,
    landed: Option<(Landing, Option<Controls>)>,
    /// The spelling asked twice more and the request as written twice beside it, for a door.
    confirmed: Option<Confirmation>,
    /// Where the spelling was closed without an answer: what asking again got.
    closes: Option<Confirmation>,
}

/// The second look at a door: the spelling twice more, the request as written twice, at once.
struct Confirmation {
    spelled: [Seen; 2],
    front: [Seen; 2],
}

impl Confirmation {
    /// Served each time while the request as written stayed refused (read, not served).
    fn holds(&self) -> bool {
        self.spelled.iter().all(Seen::served)
            && self
                .front
                .iter()
                .all(|f| !f.served() && f.unreadable().is_none())
    }

    /// What the second look got, in words.
    fn words(&self) -> String {
        let served = self.spelled.iter().filter(|s| s.served()).count();
        let front: Vec<String> = self.front.iter().map(Seen::describe).collect();
        let others: Vec<String> = self
            .spelled
            .iter()
            .filter(|s| !s.served())
            .map(Seen::describe)
            .collect();
        format!(
            "served {served} of 2 times more{}, the request as written beside it: {}",
            if others.is_empty() {
                String::new()
            } else {
                format!(" (otherwise: {})", others.join(" / "))
            },
            front.join(" / ")
        )
    }

    /// Closed without an answer each time while the request as written was refused over HTTP
    /// beside it (read, not served): the server's own answer to the spelling (nginx `return
    /// 444` on a path or `Host` it takes for an attack), not a failure of the connection.
    fn closed_each_time(&self) -> bool {
        self.spelled
            .iter()
            .all(|s| s.result.closed_unanswered && s.unreadable().is_some())
            && self
                .front
                .iter()
                .all(|f| !f.served() && f.unreadable().is_none() && f.status().is_some())
    }
}

impl Tried {
    /// Closed without an answer, and so twice more while the request as written was refused over
    /// HTTP beside it: unread all the same, said so in one line per version.
    fn closed_each_time(&self) -> bool {
        self.seen.result.closed_unanswered
            && self
                .closes
                .as_ref()
                .is_some_and(Confirmation::closed_each_time)
    }

    /// A door: served, on the protected site, and so again while the request as written stayed
    /// refused.
    fn door(&self) -> bool {
        self.seen.served()
            && matches!(self.landed, Some((Landing::Protected, _)))
            && self.confirmed.as_ref().is_some_and(Confirmation::holds)
    }
}

/// A request without a certificate on the protected SNI with `spelling` (none: as written) on
/// `version`.
fn door<'a>(scan: &'a ScanContext, version: TlsVersion, spelling: Option<&Spelling>) -> Door<'a> {
    Door {
        host: spelling.and_then(|s| s.host.clone()),
        path: spelling.and_then(|s| s.path.clone()),
        headers: spelling.map(Spelling::headers).unwrap_or_default(),
        ..Door::anonymous(scan, version, Sni::Target)
    }
}

/// One anonymous request with `spelling` on `version` (retried while unreadable, as every
/// spelling is), unjudged: where a redirect chain goes on.
pub(crate) async fn ask(
    target: &Target,
    scan: &ScanContext,
    version: TlsVersion,
    spelling: &Spelling,
) -> Seen {
    knock(target, door(scan, version, Some(spelling))).await
}

/// Asks for the protected resource with `spelling` on `version`; a served answer is judged
/// against the page the valid certificate gets, and one on the protected site looked at again.
async fn try_spelling(
    target: &Target,
    scan: &ScanContext,
    first: &FirstWave,
    version: TlsVersion,
    part: Part,
    spelling: Spelling,
) -> Tried {
    let seen = knock(target, door(scan, version, Some(&spelling))).await;
    let mut tried = Tried {
        spelling,
        version,
        seen,
        landed: None,
        confirmed: None,
        closes: None,
    };
    // Closed without an answer: asked twice more beside the request as written twice. Closed
    // each time while that is refused over HTTP, it is the server's answer to the spelling; an
    // answer read on another try stands for it (a served one is judged as any).
    if tried.seen.result.closed_unanswered && tried.seen.unreadable().is_some() {
        let front_spelling = tried.spelling.front();
        let spelled = || knock(target, door(scan, version, Some(&tried.spelling)));
        let front = || knock(target, door(scan, version, front_spelling.as_ref()));
        let (s1, s2, f1, f2) = tokio::join!(spelled(), spelled(), front(), front());
        let again = Confirmation {
            spelled: [s1, s2],
            front: [f1, f2],
        };
        let answered = again
            .spelled
            .iter()
            .position(|s| s.served())
            .or_else(|| again.spelled.iter().position(|s| s.unreadable().is_none()));
        match answered {
            Some(i) => {
                let [s1, s2] = again.spelled;
                tried.seen = if i == 0 { s1 } else { s2 };
            }
            _ => tried.closes = Some(again),
        }
    }
    // Refused with the protected page for a body (a front rule on the request as written, then
    // an application that refuses and writes the page on: review A's, A, exit 0): let in all the
    // same, judged as a spelling served.
    let refusal_page = anonymous_refusal_page(first, version);
    let marked =
        landing::let_in_by_its_page(target, scan, first, version, &mut tried.seen, refusal_page)
            .await;
    if !tried.seen.served() {
        return tried;
    }
    let landed = match (part, &tried.spelling.host) {
        (Part::Host, Some(host)) => {
            let (l, c) =
                landing::judge_served_spelled(target, scan, first, version, &tried.seen, host)
                    .await;
            (l, Some(c))
        }
        _ => (
            judge_path(target, scan, first, version, &tried.spelling, &tried.seen).await,
            None,
        ),
    };
    if landed.0 == Landing::Protected {
        let front_spelling = tried.spelling.front();
        let spelled = || knock(target, door(scan, version, Some(&tried.spelling)));
        let front = || knock(target, door(scan, version, front_spelling.as_ref()));
        let (mut s1, mut s2, f1, f2) = tokio::join!(spelled(), spelled(), front(), front());
        if marked {
            for s in [&mut s1, &mut s2] {
                landing::let_in_by_its_page(target, scan, first, version, s, refusal_page).await;
            }
        }
        tried.confirmed = Some(Confirmation {
            spelled: [s1, s2],
            front: [f1, f2],
        });
    }
    tried.landed = Some(landed);
    tried
}

/// The script segment a PHP front controller is asked by, as its path info follows it.
const FRONT_CONTROLLER: &str = "/index.php/";

/// `seen` with every link through the front controller's script written as the application's
/// own (`/shop/index.php/account` as `/shop/account`; with JSON's escaped slashes too).
fn without_front_controller(seen: &Seen) -> Seen {
    let mut out = seen.clone();
    for (from, to) in [(FRONT_CONTROLLER, "/"), (r"\/index.php\/", r"\/")] {
        out.result.body = replaced(&out.result.body, from.as_bytes(), to.as_bytes());
    }
    out
}

/// `body` with every `from` replaced by `to`.
fn replaced(body: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len());
    let mut last = 0;
    for at in memchr::memmem::find_iter(body, from) {
        out.extend_from_slice(body.get(last..at).unwrap_or_default());
        out.extend_from_slice(to);
        last = at + from.len();
    }
    out.extend_from_slice(body.get(last..).unwrap_or_default());
    out
}

/// Where a served path spelling landed: only the very page the valid certificate is served on
/// the path as written is the protected one, and not where a path nobody serves is served that
/// page without a certificate too (a page every path gets: an application's catch-all).
async fn judge_path(
    target: &Target,
    scan: &ScanContext,
    first: &FirstWave,
    version: TlsVersion,
    spelled: &Spelling,
    seen: &Seen,
) -> Landing {
    // A front controller asked by its script's name links through it (`/shop/index.php/account`
    // where the page the valid certificate is served links `/shop/account`: Symfony and Laravel
    // take their base URL from the script asked; a review's was A, exit 0): compared with the
    // script taken out of its links.
    let through_script;
    let seen = match spelled.path.as_deref() {
        Some(p) if p.contains(FRONT_CONTROLLER) && !target.path.contains("index.php") => {
            through_script = without_front_controller(seen);
            &through_script
        }
        _ => seen,
    };
    // The paths a page may show (a `self` link, a breadcrumb), masked in both pages.
    let mut shown: Vec<String> = vec![target.path.clone()];
    shown.extend(spelled.path.iter().cloned());
    for p in shown.clone() {
        if let Some((bare, _)) = p.split_once('?') {
            shown.push(bare.to_owned());
        }
    }
    // As a page may write them: JSON with its slashes escaped (PHP's `json_encode`), HTML with
    // them as character references (OWASP's encoders), percent-encoded in a `next=` link.
    for p in shown.clone() {
        for slash in ["\\/", "&#x2F;", "&#47;", "%2F"] {
            shown.push(p.replace('/', slash));
        }
    }
    let same = landing::is_the_protected_page_with;
    let likeness = landing::likeness_to_the_protected_page;
    match likeness(target, scan, first, version, seen, shown.clone()).await {
        None => {
            // Without the valid page, the very HTML shell, byte for byte, that a path nobody
            // serves at the root is served without a certificate too: the shell every path of a
            // single-page app gets, no door (a review's nginx before an SPA: exit 3 without an
            // identity). Anything else stays unsure.
            let control = Spelling {
                path: Some(unknown_path("")),
                how: "a path nobody serves",
                ..Spelling::default()
            };
            let shell = landing::looks_like_a_shell(seen) && !seen.result.body.is_empty() && {
                let got = knock(target, door(scan, version, Some(&control))).await;
                got.served() && got.result.body == seen.result.body
            };
            if shell {
                Landing::Elsewhere(format!(
                    "the HTML shell any path gets without a certificate, byte for byte (as {} \
                     did)",
                    control.shown()
                ))
            } else {
                Landing::Unsure(
                    "without the page the valid certificate is served on the path as written (no \
                     valid certificate given, or it was not served), whether it is the protected \
                     page cannot be told: give a client certificate (`client-cert`, \
                     `client-key`) or a staging CA"
                        .to_owned(),
                )
            }
        }
        // Another page without a certificate, holding most of the protected page's values:
        // orders scoped to the certificate's name, shown whole to a caller without one (a
        // review's nginx guarding `= /orders` before a case-insensitive router was A, exit 0).
        // Unsure, never passed.
        Some(landing::Likeness::Other)
            if landing::own_page_not_refusing(seen)
                && landing::holds_the_protected_pages_values(
                    target, scan, first, version, seen,
                )
                .await =>
        {
            Landing::Unsure(
                "without a certificate it is served a page of its own holding most of the values \
                 of the page the valid certificate is served on the path as written (its \
                 records' ids, names, amounts): the protected data telling its caller apart \
                 (scoped to the certificate's name, shown whole to a caller without one) cannot \
                 be told from another page"
                    .to_owned(),
            )
        }
        Some(landing::Likeness::Other) => Landing::Elsewhere(
            "unlike the page the valid certificate is served on the path as written".to_owned(),
        ),
        // A field apart (`"client_verified":false` where the valid certificate's page says
        // `true`): the protected data telling its caller apart, or a public page on the same
        // template (an audit's Deno router served the ledger so to `/ADMIN/orders`: A, exit 0).
        Some(landing::Likeness::Cut) => Landing::Unsure(
            "its answer was cut too short to tell whether it is the page the valid certificate \
             is served on the path as written"
                .to_owned(),
        ),
        Some(landing::Likeness::Near) => Landing::Unsure(
            "its page is much like the one the valid certificate is served on the path as \
             written, but not the same (a field or two apart: the protected page telling its \
             caller apart, or another page on the same template, cannot be told)"
                .to_owned(),
        ),
        Some(landing::Likeness::Same) => {
            // A path nobody serves, at the root and beside the path as written (a catch-all
            // under /admin/ serves the same shell to any path there).
            let nobody: Vec<String> = {
                let path = target.path.split('?').next().unwrap_or_default();
                let parent = path.rsplit_once('/').map_or("", |(p, _)| p);
                let mut out = vec![unknown_path("")];
                if !parent.is_empty() {
                    out.push(unknown_path(parent));
                }
                out
            };
            for path in nobody {
                let control = Spelling {
                    path: Some(path),
                    how: "a path nobody serves",
                    ..Spelling::default()
                };
                let got = knock(target, door(scan, version, Some(&control))).await;
                let mut masked = shown.clone();
                masked.extend(control.path.iter().cloned());
                if got.served()
                    && same(target, scan, first, version, &got, masked).await == Some(true)
                {
                    let beside = control
                        .path
                        .as_deref()
                        .is_some_and(|p| p.rfind('/') != Some(0));
                    // At the root, a shell every path of the site gets (a single-page app): no
                    // door. Beside the path only, it may be that shell under `/admin/`, or the
                    // protected page served to any path there: which cannot be told. Nor where
                    // the page is data, not an HTML shell: the protected data left open at every
                    // path (an audit's router served its ledger to any path but the guarded
                    // one: A, exit 0).
                    return if beside || !landing::looks_like_a_shell(&got) {
                        Landing::Unsure(format!(
                            "{} was served that page without a certificate too: a shell every \
                             path {} gets, or the protected page left open {}, cannot be told \
                             apart",
                            control.shown(),
                            if beside { "there" } else { "of the site" },
                            if beside {
                                "under the whole directory"
                            } else {
                                "at every path (it is no HTML page)"
                            }
                        ))
                    } else {
                        Landing::Elsewhere(format!(
                            "the page any path gets without a certificate (as {} did)",
                            control.shown()
                        ))
                    };
                }
            }
            Landing::Protected
        }
    }
}

pub(crate) use super::landing::unknown_path;

/// The sentence a refusal on `o`'s version is told with.
fn refusal_words(o: &ProbeObservation) -> String {
    let status = o.http_status.unwrap_or_default();
    match o.outcome {
        Outcome::RefusedHttp => format!("refused with HTTP {status}"),
        _ => format!("answered HTTP {status} without serving it"),
    }
}

/// Judges what the spellings got into `out`: unread answers and unsure pages as incomplete, a
/// page elsewhere as a note, doors as one finding naming every version they are open on.
fn judge(
    target: &Target,
    kind: Kind,
    refusals: &[&ProbeObservation],
    tried: &[Tried],
    out: &mut TargetOutcome,
) {
    let own = kind.own(target);
    // Spellings closed each time beside a refusal of the request as written, per version: one
    // unread line each (a close is no refusal, however often it repeats: the guide's first rule).
    let mut closed: Vec<(TlsVersion, Vec<String>, String)> = Vec::new();
    for t in tried {
        let v = t.version;
        if t.closed_each_time() {
            let front = t.closes.as_ref().map_or_else(String::new, |c| {
                let statuses: Vec<String> = c
                    .front
                    .iter()
                    .map(|f| format!("HTTP {}", f.status().unwrap_or_default()))
                    .collect();
                statuses.join(", ")
            });
            match closed.iter_mut().find(|(cv, _, _)| *cv == v) {
                Some((_, names, _)) => names.push(t.spelling.named()),
                None => closed.push((v, vec![t.spelling.named()], front)),
            }
            continue;
        }
        if let Some(why) = t.seen.unreadable() {
            let again = t.closes.as_ref().map_or_else(String::new, |c| {
                format!(
                    "; asked again: {} / {}; {own} beside it: {} / {}",
                    c.spelled[0].describe(),
                    c.spelled[1].describe(),
                    c.front[0].describe(),
                    c.front[1].describe()
                )
            });
            out.incomplete.push(IncompleteProbe {
                probe: kind.probe.as_str().to_owned(),
                tls_version: Some(v),
                reason: format!("{}: {why}{again}", t.spelling.named()),
            });
            continue;
        }
        // Refused, its page not read to its end (it stalled or broke off): a handler that refuses
        // and writes on sends the protected page after the refusal (review A: a spelling's 403
        // whose orders came after a stall was A, exit 0), as the first wave holds for its own.
        if let Some(why) = landing::refusal_cut(&t.seen) {
            out.incomplete.push(IncompleteProbe {
                probe: kind.probe.as_str().to_owned(),
                tls_version: Some(v),
                reason: format!("{}: {why}", t.spelling.named()),
            });
            continue;
        }
        match &t.landed {
            Some((Landing::Unsure(why), _)) => out.incomplete.push(IncompleteProbe {
                probe: kind.probe.as_str().to_owned(),
                tls_version: Some(v),
                reason: format!(
                    "{} was served HTTP {} where {own} is not: {why}",
                    t.spelling.named(),
                    t.seen.status().unwrap_or_default()
                ),
            }),
            Some((Landing::Elsewhere(page), _)) => out.notes.push(format!(
                "{v}: {} was served, but the page is {page}: no bypass.",
                t.spelling.named()
            )),
            Some((Landing::Protected, _)) if !t.door() => {
                let words = t
                    .confirmed
                    .as_ref()
                    .map_or_else(|| "not asked again".to_owned(), Confirmation::words);
                out.incomplete.push(IncompleteProbe {
                    probe: kind.probe.as_str().to_owned(),
                    tls_version: Some(v),
                    reason: format!(
                        "{} was served the protected page where {own} is not, but not again \
                         alike ({words}): the server does not answer the same request alike from \
                         one connection to the next",
                        t.spelling.named()
                    ),
                });
            }
            _ => {}
        }
    }
    for (v, names, front) in closed {
        out.incomplete.push(IncompleteProbe {
            probe: kind.probe.as_str().to_owned(),
            tls_version: Some(v),
            reason: format!(
                "{} got no answer: the server closed the connection without one each of 3 times, \
                 while {own} was refused beside it ({front}). nginx `return 444` drops what it \
                 takes for an attack so, and so would a door that lets the spelling in on some \
                 connections only: a close is no refusal. Where the server drops such requests \
                 on purpose, `--skip-probe {}` leaves them out",
                names.join(", "),
                kind.probe.as_str()
            ),
        });
    }
    let doors: Vec<&Tried> = tried.iter().filter(|t| t.door()).collect();
    let Some(first_door) = doors.first() else {
        return;
    };
    let mut versions: Vec<TlsVersion> = Vec::new();
    for d in &doors {
        if !versions.contains(&d.version) {
            versions.push(d.version);
        }
    }
    // Versions whose sentence is the same share it (`TLS 1.3, TLS 1.2: …`).
    let mut sentences: Vec<(Vec<TlsVersion>, String)> = Vec::new();
    for (v, body) in versions.iter().map(|v| {
        let refusal = refusals
            .iter()
            .find(|o| o.tls_version == *v)
            .map_or_else(|| "refused it".to_owned(), |o| refusal_words(o));
        let here: Vec<String> = doors
            .iter()
            .filter(|d| d.version == *v)
            .map(|d| d.spelling.named())
            .collect();
        let listed = match here.split_last() {
            Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
            _ => here.join(""),
        };
        // No SNI goes to an address.
        let sni = if target.host.parse::<std::net::IpAddr>().is_ok() {
            String::new()
        } else {
            format!("on SNI {}, ", target.host)
        };
        let body = format!(
            "without a certificate, {sni}{listed} {} served the protected page, where {own} is \
             {refusal}.",
            if here.len() == 1 { "was" } else { "were" }
        );
        (*v, body)
    }) {
        match sentences.iter_mut().find(|(_, b)| *b == body) {
            Some((vs, _)) => vs.push(v),
            None => sentences.push((vec![v], body)),
        }
    }
    let told: Vec<String> = sentences
        .iter()
        .map(|(vs, body)| {
            let vs: Vec<String> = vs.iter().map(ToString::to_string).collect();
            format!("{}: {body}", vs.join(", "))
        })
        .collect();
    let forged = if doors.iter().any(|d| d.spelling.forged.is_some()) {
        " The forged verify headers got in with that spelling alone: the proxy sets (or clears) \
         them under a rule on the request as written and passes the client's own copy \
         otherwise; set or clear them on every request."
    } else {
        ""
    };
    let mut f = Finding::new(
        kind.finding,
        format!(
            "{} The rule that refuses an anonymous client compares the {} as written; any \
             client may spell it so.{forged}",
            told.join(" "),
            kind.noun()
        ),
    );
    f.tls_versions = versions;
    for o in refusals {
        f.evidence
            .insert(format!("{}: {own}", o.tls_version), refusal_words(o));
    }
    for t in tried {
        let key = format!("{}: {}", t.version, t.spelling.shown());
        f.evidence.insert(key.clone(), t.seen.describe());
        if let Some(c) = &t.confirmed {
            f.evidence.insert(format!("{key}, asked again"), c.words());
        }
        if std::ptr::eq(t, *first_door) {
            if let Some((_, Some(controls))) = &t.landed {
                let label = landing::sni_label(&Sni::Target, target);
                for (k, v) in landing::evidence(controls, &label, target) {
                    f.evidence.insert(format!("{}: {k}", t.version), v);
                }
            }
        }
    }
    out.findings.push(f);
}

/// Runs `kind`'s spellings on `target`: each on the newest version the protected name answered an
/// anonymous client over HTTP without serving it, a door on every other such version too.
pub async fn run(
    target: &Target,
    scan: &ScanContext,
    first: &FirstWave,
    kind: Kind,
    spellings: Vec<Spelling>,
) -> TargetOutcome {
    let refusals = refused_over_http(first);
    let Some(newest) = refusals.first() else {
        return TargetOutcome::default();
    };
    let mut tried: Vec<Tried> = join_all(
        spellings
            .into_iter()
            .map(|s| try_spelling(target, scan, first, newest.tls_version, kind.part, s)),
    )
    .boxed()
    .await;
    // A spelling refused over HTTP as the request as written is: again with the verify headers
    // forged (a proxy that sets them only under a rule on the request as written, HAProxy
    // `set-header … if { req.hdr(host) -i … }` or `path_beg`, Apache `RequestHeader set …
    // "expr=%{HTTP_HOST} == …"`, passes the client's own copy with another spelling: an audit's
    // three were A, exit 0). Without a valid certificate too: a forged spelling served there
    // cannot be told for the protected page, so it is unsure (exit 3), never passed (review X's
    // `location /api/` setting `X-Forwarded-Client-Cert` before an application that lower-cases
    // paths, asked for `/API/orders` with the client's own: B, exit 0 anonymously).
    let refused_spelling = tried
        .iter()
        .any(|t| t.seen.result.outcome == Some(Outcome::RefusedHttp));
    if refused_spelling {
        // A value the request as written already gets in with is the headers alone
        // (`client-cert-header-spoofing` says so): no spelling needed, none tried.
        let front_with = join_all(VERIFY_VALUES.iter().map(|v| {
            let front = Spelling {
                forged: Some(v),
                ..Spelling::default()
            };
            async move {
                let seen = knock(target, door(scan, newest.tls_version, Some(&front))).await;
                (*v, seen.result.outcome == Some(Outcome::RefusedHttp))
            }
        }))
        .await;
        let values: Vec<&'static str> = front_with
            .into_iter()
            .filter_map(|(v, refused)| refused.then_some(v))
            .collect();
        let forged: Vec<Spelling> = tried
            .iter()
            .filter(|t| t.seen.result.outcome == Some(Outcome::RefusedHttp))
            .flat_map(|t| {
                values.iter().map(|v| Spelling {
                    forged: Some(v),
                    ..t.spelling.clone()
                })
            })
            .collect();
        let more = join_all(
            forged
                .into_iter()
                .map(|s| try_spelling(target, scan, first, newest.tls_version, kind.part, s)),
        )
        .boxed()
        .await;
        tried.extend(more);
    }
    // A door on the newest version is tried on every other one refused over HTTP.
    let open: Vec<Spelling> = tried
        .iter()
        .filter(|t| t.door())
        .map(|t| t.spelling.clone())
        .collect();
    for o in refusals.iter().skip(1) {
        let more = join_all(
            open.iter()
                .map(|s| try_spelling(target, scan, first, o.tls_version, kind.part, s.clone())),
        )
        .boxed()
        .await;
        tried.extend(more);
    }
    // A spelling only HTTP/1.1 carries (the target in absolute form), served where HTTP/1.1
    // serves a client without a certificate anyway: no door of its own.
    let http1_only = |t: &Tried| {
        t.spelling
            .path
            .as_deref()
            .is_some_and(crate::transport::is_absolute_form)
    };
    let mut http1_open = Vec::new();
    for t in tried.iter().filter(|t| t.door() && http1_only(t)) {
        if super::side_door::served_over_http1(first, t.version).await {
            http1_open.push(t.version);
        }
    }
    tried.retain(|t| !(http1_only(t) && http1_open.contains(&t.version)));
    let mut out = TargetOutcome::default();
    judge(target, kind, &refusals, &tried, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::side_door::recorded::{http, inconclusive};

    const HOST: Kind = super::super::host_form_bypass::KIND;

    /// A front controller's page, its links through the script written as the application's
    /// own (JSON's escaped slashes too); nothing else changed.
    #[test]
    fn links_through_the_front_controller_are_the_applications() {
        let body = br#"<a href="/shop/index.php/account">a</a> {"next":"\/shop\/index.php\/orders?page=2"} /index.phpx"#;
        let seen = http(200, &String::from_utf8_lossy(body));
        let rewritten = without_front_controller(&seen);
        assert_eq!(
            String::from_utf8_lossy(&rewritten.result.body),
            r#"<a href="/shop/account">a</a> {"next":"\/shop\/orders?page=2"} /index.phpx"#
        );
        assert_eq!(replaced(b"abcabc", b"bc", b""), b"aa");
        assert_eq!(replaced(b"", b"bc", b"x"), b"");
    }

    fn target() -> Target {
        Target::parse("https://secure.test:8443/").unwrap_or_else(|e| panic!("{e}"))
    }

    fn refusal(version: TlsVersion) -> ProbeObservation {
        ProbeObservation {
            id: ProbeId::NO_CLIENT_CERT,
            tls_version: version,
            client_cert: None,
            cert_requested: true,
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
            body_excerpt: Some("client certificate required".to_owned()),
            body_page: None,
            body_page_read: None,
            body_numbers: Vec::new(),
            body_json_pairs: Vec::new(),
            body_names_certificates: false,
            body_cut: false,
            body_speaks_of_refusal: false,
            outcome: Outcome::RefusedHttp,
            detail: None,
            ms: 1.0,
            attempts: 1,
            late: false,
            asked_after_handshake: None,
            handshake_completed: true,
        }
    }

    fn spelled(host: &str, how: &'static str) -> Spelling {
        Spelling {
            host: Some(host.to_owned()),
            how,
            ..Spelling::default()
        }
    }

    fn tried(
        version: TlsVersion,
        spelling: Spelling,
        seen: Seen,
        landed: Option<Landing>,
        confirmed: Option<(bool, bool)>,
    ) -> Tried {
        let orders = || http(200, "{\"orders\":[1001]}").asked();
        let refused = || http(403, "client certificate required").asked();
        Tried {
            spelling,
            version,
            seen,
            landed: landed.map(|l| (l, None)),
            confirmed: confirmed.map(|(spelled_again, front_refused)| Confirmation {
                spelled: [orders(), if spelled_again { orders() } else { refused() }],
                front: [refused(), if front_refused { refused() } else { orders() }],
            }),
            closes: None,
        }
    }

    /// A spelling closed without an answer three times while the request as written is refused
    /// over HTTP beside it stays unread (a close is no refusal), said in one line naming
    /// `--skip-probe`; one whose request as written was not answered beside it stays unread too,
    /// saying what asking again got. Neither is a finding.
    #[test]
    fn a_spelling_closed_each_time_is_unread_never_refused() {
        let closed = || {
            let mut s =
                inconclusive("no HTTP response: connection closed before message completed");
            s.result.outcome = None;
            s.result.closed_unanswered = true;
            s
        };
        let refused = || http(403, "client certificate required");
        let spelling = Spelling {
            path: Some("/%61dmin".to_owned()),
            how: "its first letter percent-encoded",
            ..Spelling::default()
        };
        let tried = |front_ok: bool| Tried {
            spelling: spelling.clone(),
            version: TlsVersion::Tls13,
            seen: closed(),
            landed: None,
            confirmed: None,
            closes: Some(Confirmation {
                spelled: [closed(), closed()],
                front: [refused(), if front_ok { refused() } else { closed() }],
            }),
        };
        let target =
            Target::parse("https://secure.test:8443/admin").unwrap_or_else(|e| panic!("{e}"));
        let kind = super::super::path_form_bypass::KIND;
        let mut out = TargetOutcome::default();
        judge(&target, kind, &[], &[tried(true)], &mut out);
        assert!(out.findings.is_empty() && out.notes.is_empty());
        assert_eq!(out.incomplete.len(), 1, "{:?}", out.incomplete);
        let reason = &out.incomplete[0].reason;
        assert!(
            reason.contains("/%61dmin")
                && reason.contains("a close is no refusal")
                && reason.contains("--skip-probe path-form-bypass"),
            "{reason}"
        );
        let mut out = TargetOutcome::default();
        judge(&target, kind, &[], &[tried(false)], &mut out);
        assert_eq!(
            out.incomplete.len(),
            1,
            "the request as written unanswered beside it"
        );
        assert!(out.incomplete[0].reason.contains("asked again"));
    }

    /// A door on both versions is one finding naming both (one sentence, the versions shared),
    /// with the spelling, how it differs and the refusal it got past.
    #[test]
    fn a_confirmed_door_on_two_versions_is_one_finding() {
        let refusals = [refusal(TlsVersion::Tls13), refusal(TlsVersion::Tls12)];
        let refusals: Vec<&ProbeObservation> = refusals.iter().collect();
        let door = |v| {
            tried(
                v,
                spelled("secure.test", "without its port"),
                http(200, "{\"orders\":[1001]}").asked(),
                Some(Landing::Protected),
                Some((true, true)),
            )
        };
        let shut = tried(
            TlsVersion::Tls13,
            spelled("SECURE.TEST:8443", "in capitals"),
            http(403, "client certificate required").asked(),
            None,
            None,
        );
        let mut out = TargetOutcome::default();
        judge(
            &target(),
            HOST,
            &refusals,
            &[door(TlsVersion::Tls13), shut, door(TlsVersion::Tls12)],
            &mut out,
        );
        assert!(out.incomplete.is_empty(), "{:?}", out.incomplete);
        let [f] = out.findings.as_slice() else {
            panic!("{:?}", out.findings);
        };
        assert_eq!(f.id, FindingId::HostFormBypass);
        assert_eq!(f.tls_versions, [TlsVersion::Tls13, TlsVersion::Tls12]);
        assert!(
            f.detail.starts_with(
                "TLS 1.3, TLS 1.2: without a certificate, on SNI secure.test, Host secure.test \
                 (without its port) was served the protected page, where Host secure.test:8443 \
                 is refused with HTTP 403."
            ),
            "{}",
            f.detail
        );
        assert!(f.evidence.contains_key("TLS 1.3: Host SECURE.TEST:8443"));
        assert!(f
            .evidence
            .contains_key("TLS 1.2: Host secure.test, asked again"));
    }

    /// Served once but not again alike, or the protected Host served beside it: no finding, and
    /// the target incomplete (never passed); an unread answer and an unsure page likewise; a page
    /// elsewhere is a note.
    #[test]
    fn what_is_not_a_confirmed_door_is_unread_or_noted() {
        let refusals = [refusal(TlsVersion::Tls13)];
        let refusals: Vec<&ProbeObservation> = refusals.iter().collect();
        let v = TlsVersion::Tls13;
        let served = || http(200, "{\"orders\":[1001]}").asked();
        let all = [
            tried(
                v,
                spelled("a", "x"),
                served(),
                Some(Landing::Protected),
                Some((false, true)),
            ),
            tried(
                v,
                spelled("b", "x"),
                served(),
                Some(Landing::Protected),
                Some((true, false)),
            ),
            tried(v, spelled("c", "x"), inconclusive("reset"), None, None),
            tried(
                v,
                spelled("d", "x"),
                served(),
                Some(Landing::Unsure(
                    "it got the page any unknown Host gets".to_owned(),
                )),
                None,
            ),
            tried(
                v,
                spelled("e", "x"),
                served(),
                Some(Landing::Elsewhere("a page of its own".to_owned())),
                None,
            ),
        ];
        let mut out = TargetOutcome::default();
        judge(&target(), HOST, &refusals, &all, &mut out);
        assert!(out.findings.is_empty(), "{:?}", out.findings);
        let reasons: Vec<&str> = out.incomplete.iter().map(|i| i.reason.as_str()).collect();
        assert_eq!(reasons.len(), 4, "{reasons:?}");
        assert!(
            reasons[0].starts_with("Host a (x) was served the protected page")
                && reasons[0].contains("served 1 of 2 times more")
        );
        assert!(reasons[1].starts_with("Host b (x)"));
        assert!(reasons[2].starts_with("Host c (x): reset"));
        assert!(reasons[3].contains("the page any unknown Host gets"));
        assert_eq!(out.notes.len(), 1);
        assert!(out.notes[0]
            .contains("Host e (x) was served, but the page is a page of its own: no bypass."));
    }
}
