//! The forged headers through the server's other names, each asked for the protected path on its
//! own `Host`. A server that requires a certificate on the protected name and proxies it to an
//! application that trusts `X-SSL-Client-Verify` may serve a sibling site on the same address
//! (another `server` block, virtual host or Caddy site) that asks for no certificate and proxies
//! to the same application without stripping the headers: no SNI trick is needed, the sibling's
//! own name is the door (nginx, Apache and Caddy refuse the protected `Host` behind it, 421, so
//! `sni-host-mismatch-bypass` never gets that far).
//!
//! Tried on the names the user gave (`sni-name`, every one) and the served certificate's first
//! [`MAX_SERVED`] others, on the newest version the protected name did not serve an anonymous
//! client on, and only where the name got past the handshake without a certificate (its first
//! knock, shared with the SNI probe, says so at no cost). A sibling that refuses its own `Host`
//! over HTTP (401, 403 …) gets the forged headers as the protected name would, judged the same
//! way: served where refused without them, twice beside two refusals, is the finding, unless the
//! same values under names nobody reads are served too (a site that serves any request carrying
//! enough headers). Tried only where the protected name itself let no forged header in, and not
//! on a name of the served certificate that refuses with the very page the protected name's
//! headers were already sent past, where the target was given by address (the same site, as a
//! server scanned by address names itself).

use std::future::Future;

use futures_util::future::join_all;
use futures_util::FutureExt as _;

use crate::facts::TlsVersion;
use crate::facts::{IncompleteProbe, Outcome, ProbeId};
use crate::probe::side_door::{
    anonymous_not_served, authority_of, knock, recorded_name, shared_knock, sibling_names_within,
    Seen,
};
use crate::probe::{FirstWave, ScanContext, TargetOutcome};
use crate::target::Target;
use crate::transport::Sni;

/// The served certificate's other names tried on their own `Host` at most, beside every name
/// the user gave: as many as the SNI probe lists (a cap of 2 left an nginx whose fourth name, a
/// sibling site proxying to the protected application without stripping the headers, untried:
/// A, exit 0). Each costs one request on its own `Host` (its handshake is the SNI probe's), and
/// the forged headers only where that is refused over HTTP.
pub(super) const MAX_SERVED: usize = crate::probe::side_door::MAX_NAMES;

/// The server name and `Host` a refusal was seen on: the protected ones (the default), or a
/// sibling name's own.
#[derive(Debug, Clone, Default)]
pub(super) struct Entrance {
    /// The server name sent.
    pub(super) sni: Sni,
    /// The `Host` sent, when not the target's.
    pub(super) host: Option<String>,
    /// The sibling name, for a sibling's own `Host` (`None`: the protected name).
    pub(super) sibling: Option<String>,
}

impl Entrance {
    /// How a finding or a reason names it: empty for the protected name.
    pub(super) fn words(&self) -> String {
        match (&self.sibling, &self.host) {
            (Some(name), Some(host)) => format!(
                "SNI {} with its own Host {} (another name of this server)",
                crate::text::sanitize(name.as_bytes(), 253),
                crate::text::sanitize(host.as_bytes(), 260)
            ),
            _ => String::new(),
        }
    }
}

/// The refusal the forged headers were sent past on the protected name: its status and page.
pub(super) struct FrontRefusal {
    /// Its HTTP status.
    pub(super) status: Option<u16>,
    /// The excerpt of its page.
    pub(super) body: Option<String>,
}

/// Whether a redirect sends the caller to sign in (its `Location` speaks of it): a refusal of
/// the sibling's own, unlike a redirect to its canonical name or to a page of its site.
fn to_sign_in(seen: &Seen) -> bool {
    seen.status().is_some_and(|st| (300..400).contains(&st))
        && seen
            .result
            .location
            .as_deref()
            .is_some_and(crate::text::sends_to_sign_in)
}

/// Whether a sibling's own answer is a refusal the forged headers may get around: an HTTP
/// refusal (401, 403, an application's 400 …) that is not a busy answer, not a `421` (the
/// server's routing, which no header changes) and not nginx's own certificate page; or a
/// redirect to sign in ([`to_sign_in`]).
fn refused_over_http(seen: &Seen) -> bool {
    let Some(status) = seen.status() else {
        return false;
    };
    if to_sign_in(seen) {
        return true;
    }
    seen.result.outcome == Some(Outcome::RefusedHttp)
        && status != 421
        && !crate::transport::is_busy_status(status)
        && !crate::checks::refusal::nginx_own_certificate_page(
            Some(status),
            seen.result.body_excerpt.as_deref(),
            seen.result.server_header.as_deref(),
        )
}

/// The forged headers through every sibling name that refuses its own `Host` over HTTP; stops
/// at the first that lets them in. With the outcome, the names they were sent through (`SNI
/// public.test`). `front`: the refusal they were sent past on the protected name, if they
/// were: on a target given by address, a name of the served certificate (not one the user gave)
/// that refuses with the very same page is taken for the same site (the certificate names the
/// address's server), and the headers are not sent again there. `spoof`: the forged headers sent past a
/// sibling's refusal (the entrance, the version and what its own `Host` got), judged.
pub(super) async fn through_siblings<F, Fut>(
    target: &Target,
    scan: &ScanContext,
    first: &FirstWave,
    front: Option<&FrontRefusal>,
    spoof: F,
) -> (TargetOutcome, Vec<String>)
where
    F: Fn(Entrance, TlsVersion, Seen) -> Fut,
    Fut: Future<Output = TargetOutcome>,
{
    let mut out = TargetOutcome::default();
    let mut spoofed = Vec::new();
    let Some(version) = anonymous_not_served(first).first().map(|o| o.tls_version) else {
        return (out, spoofed);
    };
    let given = sibling_names_within(target, first, 0);
    let by_address = target.host.parse::<std::net::IpAddr>().is_ok();
    let mut names = sibling_names_within(target, first, given.len().saturating_add(MAX_SERVED));
    // The random names under the parent domain (and under a two-label name itself), last: a
    // wildcard site (`*.corp.test` beside `secure.corp.test`, proxying to the same application)
    // serves the protected page on its own `Host` to anyone, under a name the certificate need
    // not hold (an audit's Caddy: A, exit 0).
    for random in crate::probe::side_door::random_names(target, first) {
        if !names.contains(&random) {
            names.push(random);
        }
    }
    if names.is_empty() {
        other_names(target, scan, first, version, Vec::new(), &mut out)
            .boxed()
            .await;
        return (out, spoofed);
    }
    // A name refused in the handshake asks for a certificate whatever the `Host`: nothing for
    // headers to get around there (its first knock is the SNI probe's too). Nor where nginx's
    // own certificate page answered it: the name's server block asked for a certificate and
    // requires one, and its own `Host` picks the same block.
    let past_tls: Vec<String> = join_all(names.iter().map(|name| async move {
        let sni = Sni::Name(name.clone());
        let seen = shared_knock(target, scan, first, version, &sni).await.seen;
        let nginx_page = crate::checks::refusal::nginx_own_certificate_page(
            seen.status(),
            seen.result.body_excerpt.as_deref(),
            seen.result.server_header.as_deref(),
        );
        (seen.status().is_some() && !nginx_page).then(|| name.clone())
    }))
    .await
    .into_iter()
    .flatten()
    .collect();
    let entrance = |name: &String| Entrance {
        sni: Sni::Name(name.clone()),
        host: Some(authority_of(name, target.port)),
        sibling: Some(name.clone()),
    };
    // A name asked for the protected path on its own `Host`, without a certificate.
    let ask_own = |name: &String| {
        let e = entrance(name);
        knock(
            target,
            crate::probe::landing::plain(scan, version, e.sni, e.host),
        )
    };
    let own: Vec<Seen> = join_all(past_tls.iter().map(ask_own)).await;
    // Names that served the protected path outright on their own `Host`: judged after the
    // headers ([`super::other_names`]).
    let mut served_outright: Vec<(super::other_names::OtherName, Seen)> = Vec::new();
    for (name, own) in past_tls.iter().zip(own) {
        out.sni_names_tried.push(recorded_name(name));
        let e = entrance(name);
        if own.served() {
            served_outright.push((
                super::other_names::OtherName::name(
                    e.sni.clone(),
                    e.host.clone().unwrap_or_default(),
                    e.words(),
                ),
                own.clone(),
            ));
        }
        if let Some(why) = own.unreadable() {
            out.incomplete.push(IncompleteProbe {
                probe: ProbeId::CLIENT_CERT_HEADER_SPOOFING.as_str().to_owned(),
                tls_version: Some(version),
                reason: format!(
                    "{}, asked for the protected path without a certificate, could not be \
                     read ({why}): whether forged client-certificate headers get in there was \
                     not tried",
                    e.words()
                ),
            });
            continue;
        }
        if !refused_over_http(&own) {
            continue;
        }
        let same_as_front = front.is_some_and(|f| {
            f.status == own.status()
                && match (&f.body, &own.result.body_excerpt) {
                    (Some(a), Some(b)) => crate::probe::page::same_excerpt(a, b),
                    (None, None) => true,
                    _ => false,
                }
        });
        // Only for a target given by address: a name of the certificate is then most likely the
        // address's own. Given by name, another name of the certificate refusing with the very
        // page is as likely a sibling site proxying to the same application without stripping
        // the headers (a review's nginx and Apache, `optional` with the application's 403 on the
        // protected name, the sibling passing the client's headers on: B, exit 0).
        if same_as_front && by_address && !given.contains(name) {
            continue;
        }
        let words = e.words();
        spoofed.push(recorded_name(name));
        let got = spoof(e, version, own).await;
        out.notes.extend(got.notes);
        out.incomplete
            .extend(got.incomplete.into_iter().map(|mut i| {
                i.reason = format!("{words}: {}", i.reason);
                i
            }));
        if !got.findings.is_empty() {
            out.findings.extend(got.findings);
            break;
        }
    }
    // The names refused before their own `Host` was asked (nginx's certificate page to the
    // protected `Host` behind them): asked on their own `Host` here, where a valid certificate
    // can tell their page.
    let unasked: Vec<&String> = names.iter().filter(|n| !past_tls.contains(n)).collect();
    if crate::probe::valid_client_cert::chooser(&scan.probes).is_some() && !unasked.is_empty() {
        let seen = join_all(unasked.iter().map(|name| ask_own(name))).await;
        for (name, own) in unasked.into_iter().zip(seen) {
            if own.served() {
                let e = entrance(name);
                served_outright.push((
                    super::other_names::OtherName::name(
                        e.sni.clone(),
                        e.host.clone().unwrap_or_default(),
                        e.words(),
                    ),
                    own,
                ));
            }
        }
    }
    other_names(target, scan, first, version, served_outright, &mut out)
        .boxed()
        .await;
    (out, spoofed)
}

/// The protected page served outright through another name ([`super::other_names`]): the
/// siblings that served their own `Host`, and a `Host` nobody serves on the protected name (a
/// default site), asked only where a valid certificate shows the protected page (one connection
/// more). Stops at the first door.
async fn other_names(
    target: &Target,
    scan: &ScanContext,
    first: &FirstWave,
    version: TlsVersion,
    mut candidates: Vec<(super::other_names::OtherName, Seen)>,
    out: &mut TargetOutcome,
) {
    use super::other_names::{
        another_method, default_site, forwarded_siblings, health_checkers, health_marks, judge,
        made_up_token, unknown_host, websocket, Verdict,
    };
    // The anonymous client asking otherwise than the scan's GET: a POST, as each health
    // checker, opening a WebSocket, carrying a token nobody issued and as a health check or an
    // internal call by its headers, where its GET was refused over HTTP.
    let mut asked_otherwise = vec![another_method(target, http::Method::POST)];
    asked_otherwise.extend(health_checkers(target));
    // A WebSocket's opening goes over HTTP/1.1 alone: where HTTP/1.1 serves a client without a
    // certificate anyway (`no-client-cert-http1`), it opens nothing of its own.
    if !crate::probe::side_door::served_over_http1(first, version).await {
        asked_otherwise.push(websocket(target));
    }
    asked_otherwise.push(made_up_token(target));
    asked_otherwise.extend(health_marks(target));
    // A method no rule names: a check scoped to the methods it lists (Apache `<Limit GET POST
    // OPTIONS>` around `Require`) leaves every other one open, and PHP or a CGI serves the page
    // to any (a review's: A, exit 0, while PUT and DELETE got the orders). A method of no
    // meaning, never PUT or DELETE: a scan changes nothing on the server. Without a valid
    // certificate, a page of its own served to it where GET was refused is unsure, as a POST's.
    let unknown_method = http::Method::from_bytes(super::other_names::UNKNOWN_METHOD)
        .ok()
        .map(|m| another_method(target, m));
    if crate::probe::valid_client_cert::chooser(&scan.probes).is_none() {
        asked_otherwise.extend(unknown_method);
        let unsure = join_all(asked_otherwise.iter().map(|other| {
            super::other_names::anonymous_asked_otherwise(target, scan, first, version, other)
        }))
        .await;
        out.incomplete.extend(unsure.into_iter().flatten());
        return;
    }
    // With the valid certificate's page to compare, OPTIONS too: a check that lets CORS
    // preflights through before an application that serves any method (an audit's nginx Lua
    // before PHP: A, exit 0). Without it, an OPTIONS answered a page of its own says nothing
    // (frameworks describe their API to OPTIONS).
    asked_otherwise.push(another_method(target, http::Method::OPTIONS));
    asked_otherwise.extend(unknown_method);
    // And the root with the protected path in the headers that override it.
    asked_otherwise.extend(super::other_names::url_override(target));
    let mut unknown = vec![unknown_host(target)];
    unknown.extend(default_site(target, first));
    unknown.extend(forwarded_siblings(target, first));
    let seen = join_all(
        unknown
            .iter()
            .chain(&asked_otherwise)
            .map(|o| knock(target, o.door(scan, version, None))),
    )
    .await;
    for (other, seen) in unknown.into_iter().chain(asked_otherwise).zip(seen) {
        candidates.push((other, seen));
    }
    for (other, seen) in &candidates {
        match judge(target, scan, first, version, other, seen)
            .boxed()
            .await
        {
            Verdict::Door(mut f) => {
                // The same door on each other version the protected name refuses: a finding
                // names every version it is open on (an audit's curl found TLS 1.2 open too,
                // the finding said TLS 1.3); one refused or unread there adds nothing.
                for also in anonymous_not_served(first)
                    .iter()
                    .map(|o| o.tls_version)
                    .filter(|v| *v != version)
                {
                    let again = knock(target, other.door(scan, also, None)).await;
                    if let Verdict::Door(g) = judge(target, scan, first, also, other, &again)
                        .boxed()
                        .await
                    {
                        f.detail.push_str(&format!(" The same on {also}."));
                        f.tls_versions.extend(g.tls_versions);
                        f.evidence.extend(g.evidence);
                    }
                }
                out.findings.push(f);
                return;
            }
            Verdict::Unsure(i) => out.incomplete.push(i),
            // A POST (or a method of no meaning) served a page of its own where GET was refused:
            // unsure (a health checker
            // served a page other than the protected one is its own health answer).
            Verdict::Shut
                if other.method.as_ref().is_some_and(|m| {
                    *m == http::Method::POST
                        || m.as_str().as_bytes() == super::other_names::UNKNOWN_METHOD
                }) || other.upgrade =>
            {
                if let Some(unsure) =
                    super::other_names::served_its_own_page(first, version, other, seen, true)
                {
                    if !super::other_names::shell_to_any_method(target, scan, version, other, seen)
                        .await
                    {
                        out.incomplete.push(unsure);
                    }
                }
            }
            Verdict::Shut => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::side_door::recorded::http;

    fn redirect(status: u16, location: &str) -> Seen {
        let mut seen = http(status, "");
        seen.result.location = Some(location.to_owned());
        seen
    }

    /// A sibling's own refusals worth the forged headers: an HTTP refusal, or a redirect to sign
    /// in; not a redirect to its canonical name or another page, 421, a busy answer, a page served,
    /// or nginx's own certificate page.
    #[test]
    fn refusals_worth_the_headers_are_told_from_the_rest() {
        assert!(refused_over_http(&http(403, "forbidden")));
        assert!(refused_over_http(&http(401, "unauthorized")));
        assert!(refused_over_http(&redirect(
            302,
            "https://public.test/login?next=/"
        )));
        assert!(refused_over_http(&redirect(303, "/oauth2/start?rd=%2F")));
        assert!(refused_over_http(&redirect(
            302,
            "https://idp.example/SAML2/SSO"
        )));
        assert!(!refused_over_http(&redirect(301, "https://example.test/")));
        assert!(!refused_over_http(&redirect(302, "/en/")));
        assert!(!refused_over_http(&http(302, "")));
        assert!(!refused_over_http(&http(421, "misdirected request")));
        assert!(!refused_over_http(&http(503, "busy")));
        assert!(!refused_over_http(&http(200, "public area")));
        let mut page = http(
            400,
            "<html><head><title>400 No required SSL certificate was sent</title></head>",
        );
        page.result.server_header = Some("nginx/1.22.1".to_owned());
        assert!(!refused_over_http(&page));
    }
}
