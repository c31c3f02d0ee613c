//! The protected page served outright through another name of the server: a sibling site that
//! asks for no certificate and proxies to the same application (nginx `server_name public.test`
//! beside `secure.test` with `ssl_verify_client on`), or a default site that takes any `Host` and
//! proxies to it (`server_name _` beside the protected block). Neither needs an SNI trick nor a
//! forged header: the name is the door. nginx, Apache and Caddy refuse the protected `Host`
//! behind another name (421), so `sni-host-mismatch-bypass` never gets there; the header probe's
//! knock of a sibling's own `Host` ([`super::siblings`]) reads that name's page, and one more knock
//! asks the protected name for a `Host` nobody serves.
//!
//! Judged only with a valid certificate (`client-cert`, or the staging CA's): a page is a door only
//! where it is the very page that certificate is served on the protected name and path (a public
//! sibling serves pages of its own), and only when asked twice more it is served so while the
//! protected name, asked twice beside it without a certificate, stays refused. Where a path nobody
//! serves gets that page too on that name (a single-page application's shell, or an application
//! that answers every path alike), it is unsure: incomplete, never passed.

use crate::facts::{IncompleteProbe, Outcome, ProbeId, TlsVersion};
use crate::finding::{Finding, FindingId};
use crate::probe::landing;
use crate::probe::side_door::{knock, Door, Seen};
use crate::probe::{FirstWave, ScanContext};
use crate::target::Target;
use crate::transport::Sni;

/// A name (or `Host`) other than the protected one, or, on the protected one, another method, a
/// health checker's `User-Agent` or the root with the protected path in the headers that
/// override it: a way of asking for the protected page without a certificate.
pub(super) struct OtherName {
    /// The server name sent.
    pub(super) sni: Sni,
    /// The `Host` sent.
    pub(super) host: String,
    /// How a finding or a reason names it.
    pub(super) words: String,
    /// The method, when not GET ([`another_method`]).
    pub(super) method: Option<http::Method>,
    /// The `User-Agent` sent, when not the scan's own ([`health_checkers`]).
    pub(super) user_agent: Option<&'static str>,
    /// The protected path, named in the headers that override the request's path, `/` being
    /// asked instead ([`url_override`]).
    pub(super) overridden_to: Option<String>,
    /// Asks to upgrade to a WebSocket ([`websocket`]).
    pub(super) upgrade: bool,
    /// The protected authority, named in the headers a proxy sets for the host the client
    /// asked for ([`FORWARDED_HOSTS`]): an application that routes by them behind a site that
    /// asks for no certificate and passes the client's own copy.
    pub(super) forwarded_host: Option<String>,
    /// Carries a token nobody issued ([`made_up_token`]).
    pub(super) token: bool,
    /// A header by which it says it is a health check or an internal call ([`health_marks`]):
    /// its name (as written in reasons and findings) and value.
    pub(super) mark: Option<(&'static str, &'static str)>,
}

impl OtherName {
    /// The protected name (or `Host`) `sni`/`host` asked for the protected path with GET.
    pub(super) fn name(sni: Sni, host: String, words: String) -> OtherName {
        OtherName {
            sni,
            host,
            words,
            method: None,
            user_agent: None,
            overridden_to: None,
            upgrade: false,
            forwarded_host: None,
            token: false,
            mark: None,
        }
    }

    /// The door's exchange without a certificate on `version`, for `path` (the target's when
    /// `None`).
    pub(super) fn door<'a>(
        &self,
        scan: &'a ScanContext,
        version: TlsVersion,
        path: Option<String>,
    ) -> Door<'a> {
        let mut headers: Vec<(http::HeaderName, http::HeaderValue)> = self
            .user_agent
            .and_then(|ua| http::HeaderValue::from_str(ua).ok())
            .map(|ua| (http::header::USER_AGENT, ua))
            .into_iter()
            .collect();
        if let Some(v) = self
            .overridden_to
            .as_deref()
            .and_then(|p| http::HeaderValue::from_str(p).ok())
        {
            for name in URL_OVERRIDES {
                headers.push((http::HeaderName::from_static(name), v.clone()));
            }
        }
        if self.upgrade {
            headers.extend(crate::transport::websocket::opening_headers());
        }
        if self.token {
            let token = made_up_token_value();
            for (name, value) in [
                (http::header::AUTHORIZATION, format!("Bearer {token}")),
                (http::HeaderName::from_static("x-api-key"), token),
            ] {
                if let Ok(v) = http::HeaderValue::from_str(&value) {
                    headers.push((name, v));
                }
            }
        }
        if let Some((name, value)) = self.mark {
            if let Ok(name) = http::HeaderName::from_bytes(name.as_bytes()) {
                headers.push((name, http::HeaderValue::from_static(value)));
            }
        }
        if let Some(authority) = self.forwarded_host.as_deref() {
            for name in FORWARDED_HOSTS {
                if let Ok(v) = http::HeaderValue::from_str(authority) {
                    headers.push((http::HeaderName::from_static(name), v));
                }
            }
            if let Ok(v) = http::HeaderValue::from_str(&format!("host=\"{authority}\"")) {
                headers.push((http::header::FORWARDED, v));
            }
        }
        Door {
            path: path.or_else(|| self.overridden_to.as_ref().map(|_| "/".to_owned())),
            headers,
            method: self.method.clone(),
            h2c_via: None,
            http1_only: false,
            ..landing::plain(scan, version, self.sni.clone(), Some(self.host.clone()))
        }
    }
}

/// The headers a proxy sets for the host the client asked for (besides RFC 7239's `Forwarded:
/// host=`): Flask's and Werkzeug's `ProxyFix(x_host=1)`, Django's `USE_X_FORWARDED_HOST`,
/// Express's `trust proxy` and Symfony's trusted headers route by them. A default site that asks
/// for no certificate and passes the client's own copy lets it name the protected host (a
/// review's nginx `default_server` before Flask `host_matching`: A, exit 0, while `curl -H
/// 'X-Forwarded-Host: api.local'` got the orders).
const FORWARDED_HOSTS: [&str; 3] = ["x-forwarded-host", "x-original-host", "x-host"];

/// The headers that name the request's real target to an application behind IIS ARR and the
/// frameworks that honoured them (Symfony before 3.4.14, Zend: CVE-2018-14773): a front that
/// checks the certificate per path sees another path.
const URL_OVERRIDES: [&str; 2] = ["x-original-url", "x-rewrite-url"];

/// The root asked instead of the protected path, that path named in `X-Original-URL` and
/// `X-Rewrite-URL` (an audit's nginx `location /orders` check before a PHP front controller
/// routing by `X-Original-URL`: A, exit 0). `None` where the protected path is the root.
pub(super) fn url_override(target: &Target) -> Option<OtherName> {
    (target.path != "/").then(|| OtherName {
        sni: Sni::Target,
        host: target.authority(),
        words: format!(
            "a GET to / on the protected name with the protected path in X-Original-URL and \
             X-Rewrite-URL ({})",
            crate::text::sanitize(target.path.as_bytes(), 200)
        ),
        method: None,
        user_agent: None,
        overridden_to: Some(target.path.clone()),
        upgrade: false,
        forwarded_host: None,
        token: false,
        mark: None,
    })
}

/// The protected name, `Host` and path asked with GET as a WebSocket client opens its socket
/// (`Upgrade: websocket`, `Connection: Upgrade`, a key and version 13, over HTTP/1.1): a check
/// skipped for upgrades (nginx `if` on `$http_upgrade`, HAProxy `!is_ws`, a middleware that
/// leaves `Upgrade` requests to the WebSocket handler) lets the anonymous client into the
/// protected application by adding one header (an audit's Go, nginx and HAProxy: B, exit 0).
pub(super) fn websocket(target: &Target) -> OtherName {
    OtherName {
        sni: Sni::Target,
        host: target.authority(),
        words: "a GET to the protected name and path asking to upgrade to a WebSocket \
                (Upgrade: websocket)"
            .to_owned(),
        method: None,
        user_agent: None,
        overridden_to: None,
        upgrade: true,
        forwarded_host: None,
        token: false,
        mark: None,
    }
}

/// The `User-Agent`s of the health checkers and monitors that carry no client certificate, as
/// they send them: Kubernetes' kubelet, AWS's load balancers, Google Cloud's, Prometheus and its
/// Blackbox Exporter, Envoy's and Consul's health checks, each alone (a prefix matcher, HAProxy
/// `hdr_beg(user-agent)`, takes only the first name), then the hosted monitors together in one
/// (UptimeRobot, Pingdom, Route 53, Datadog, StatusCake, Site24x7: they send a browser-like
/// string, matched by a name inside it; not led by `Mozilla/`, which a rule serving browsers a
/// landing page takes: a review's correct nginx was exit 3 so), and the cloud balancers' and
/// old monitors' together, led by Azure Front Door's (Cloudflare's load balancer, Nagios
/// `check_http`, HAProxy's and Go's defaults: a review's nginx exemptions, A, exit 0). A front that exempts them from the certificate by name
/// (nginx `if ($http_user_agent ~ kube-probe)`, HAProxy `hdr_beg(user-agent) ELB-HealthChecker`)
/// lets in anyone who says so (audits' nginx and HAProxy, and a review's nginx exempting
/// `Prometheus/`, `Blackbox Exporter/`, `Envoy/HC`, `Consul Health Check`, UptimeRobot, Pingdom
/// and Route 53: A, exit 0).
const HEALTH_CHECKERS: [&str; 9] = [
    "kube-probe/1.31",
    "ELB-HealthChecker/2.0",
    "GoogleHC/1.0",
    "Prometheus/2.53.0",
    "Blackbox Exporter/0.25.0",
    "Envoy/HC",
    "Consul Health Check",
    "UptimeRobot/2.0 (http://www.uptimerobot.com/) Pingdom.com_bot_version_1.4 \
     Amazon-Route53-Health-Check-Service Datadog/Synthetics StatusCake Site24x7",
    "Edge Health Probe Cloudflare-Traffic-Manager check_http/v2.4 (nagios-plugins) HAProxy \
     Go-http-client/1.1",
];

/// The protected name, `Host` and path asked with GET as each health checker
/// ([`HEALTH_CHECKERS`]).
pub(super) fn health_checkers(target: &Target) -> Vec<OtherName> {
    HEALTH_CHECKERS
        .iter()
        .map(|ua| OtherName {
            sni: Sni::Target,
            host: target.authority(),
            words: format!(
                "a GET to the protected name and path as a health checker (User-Agent: {ua})"
            ),
            method: None,
            user_agent: Some(ua),
            overridden_to: None,
            upgrade: false,
            forwarded_host: None,
            token: false,
            mark: None,
        })
        .collect()
}

/// A token nobody issued: `mtls-scan-` and 32 random hex digits (a failed draw keeps zeros).
fn made_up_token_value() -> String {
    let mut b = [0u8; 16];
    let _ = aws_lc_rs::rand::fill(&mut b);
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!("mtls-scan-{hex}")
}

/// The protected name, `Host` and path asked with GET carrying a token nobody issued
/// (`Authorization: Bearer …`, `X-API-Key: …`): a gateway or middleware that lets a request
/// carrying a token past the certificate check (the token to be checked "later", or "mTLS or a
/// token" with only the token's presence looked at) lets anyone in who makes one up (a
/// review's nginx `if ($http_authorization)` before an application that never checked it: A,
/// exit 0).
pub(super) fn made_up_token(target: &Target) -> OtherName {
    OtherName {
        token: true,
        ..OtherName::name(
            Sni::Target,
            target.authority(),
            "a GET to the protected name and path carrying a token nobody issued \
             (Authorization: Bearer, X-API-Key)"
                .to_owned(),
        )
    }
}

/// What a health check or an internal call says of itself besides its `User-Agent`: the health
/// answer's media type (`Accept: application/health+json`, the IETF draft's, which Spring Boot,
/// .NET and Kubernetes' probes of some charts ask for), gRPC's `Content-Type` (a gRPC health
/// check's), and Envoy's mark of a request from inside the mesh (`X-Envoy-Internal: true`, which
/// Envoy sets for callers it trusts and an application behind it may take for proof). A front or
/// middleware exempting any of them from the certificate lets in anyone who sends it (a review's
/// nginx on `$http_accept` and Flask on `request.content_type`: A, exit 0). Each in a request
/// of its own: together, an application that answers an `Accept` it cannot serve 406 or a gRPC
/// `Content-Type` 415 (Spring) refused the one an exemption let in (a review's: A, exit 0).
const HEALTH_MARKS: [(&str, &str); 3] = [
    ("X-Envoy-Internal", "true"),
    ("Accept", "application/health+json"),
    ("Content-Type", "application/grpc"),
];

/// The protected name, `Host` and path asked with GET carrying each of [`HEALTH_MARKS`].
pub(super) fn health_marks(target: &Target) -> Vec<OtherName> {
    HEALTH_MARKS
        .iter()
        .map(|&(name, value)| OtherName {
            mark: Some((name, value)),
            ..OtherName::name(
                Sni::Target,
                target.authority(),
                format!(
                    "a GET to the protected name and path as a health check or an internal \
                     call ({name}: {value})"
                ),
            )
        })
        .collect()
}

/// A request method no server gives a meaning to: what a check scoped to the methods it names
/// (Apache `<Limit GET POST OPTIONS>`) leaves open, asked with no effect on the server.
pub(super) const UNKNOWN_METHOD: &[u8] = b"MTLSSCAN";

/// The protected name, `Host` and path asked with `method` instead of GET: a check scoped to some
/// methods (Apache `<Limit GET HEAD>` around `Require`, which leaves every other method open; a
/// handler that checks GET alone) lets an anonymous POST through to the protected application
/// (an audit's: A, exit 0). A door found so is `client-cert-optional`: the anonymous client gets in.
pub(super) fn another_method(target: &Target, method: http::Method) -> OtherName {
    OtherName {
        sni: Sni::Target,
        host: target.authority(),
        words: if method.as_str().as_bytes() == UNKNOWN_METHOD {
            format!("a request of a method of no meaning ({method}) to the protected name and path")
        } else {
            format!(
                "{} {method} to the protected name and path",
                if method == http::Method::OPTIONS {
                    "an"
                } else {
                    "a"
                }
            )
        },
        method: Some(method),
        user_agent: None,
        overridden_to: None,
        upgrade: false,
        forwarded_host: None,
        token: false,
        mark: None,
    }
}

/// The anonymous GET got past the handshake on `version` and was refused over HTTP (by the
/// application, not the TLS module's own page): where a POST's answer says something.
fn get_refused_over_http(first: &FirstWave, version: TlsVersion) -> bool {
    use crate::facts::Outcome;
    first.observations.iter().any(|o| {
        o.id == ProbeId::NO_CLIENT_CERT
            && !o.late
            && o.tls_version == version
            && o.outcome == Outcome::RefusedHttp
            && !crate::checks::refusal::tls_module_refusal(o)
    })
}

/// Without a valid certificate to tell the protected page: the protected name, `Host` and path
/// asked as `other` (a POST, a health checker's GET) where the anonymous GET got past the
/// handshake on `version` and was refused over HTTP. Served a page of its own (not one speaking
/// of refusal or of certificates), it may be the protected application behind a check scoped to
/// some methods (Apache `<Limit GET HEAD>`) or exempting health checkers: unsure, incomplete,
/// never passed (an anonymous scan of such a server was B, exit 0). A server refusing in the
/// handshake gets no knock (neither the method nor the `User-Agent` is known there).
pub(super) async fn anonymous_asked_otherwise(
    target: &Target,
    scan: &ScanContext,
    first: &FirstWave,
    version: TlsVersion,
    other: &OtherName,
) -> Option<IncompleteProbe> {
    if !get_refused_over_http(first, version) {
        return None;
    }
    let seen = knock(target, other.door(scan, version, None)).await;
    let unsure = served_its_own_page(first, version, other, &seen, false)?;
    (!shell_to_any_method(target, scan, version, other, &seen).await).then_some(unsure)
}

/// Whether `other` is the method of no meaning and `seen`, its answer on the protected path, is
/// the page the same method gets on a path nobody serves: a catch-all (a single-page app's
/// shell, a router's fallback) that answers any method and path alike, no sign of the protected
/// application (a review's Go 1.22 router checking `GET` and `POST /admin/orders` before a `/`
/// fallback: exit 3). One request more, only where that page would leave the target unsure.
pub(super) async fn shell_to_any_method(
    target: &Target,
    scan: &ScanContext,
    version: TlsVersion,
    other: &OtherName,
    seen: &Seen,
) -> bool {
    if other
        .method
        .as_ref()
        .is_none_or(|m| m.as_str().as_bytes() != UNKNOWN_METHOD)
    {
        return false;
    }
    let nobody = crate::probe::spelled::unknown_path("");
    let same = |a: &Seen| {
        a.served()
            && a.result
                .body_excerpt
                .as_deref()
                .zip(seen.result.body_excerpt.as_deref())
                .is_some_and(|(a, b)| crate::probe::page::same_excerpt(a, b))
    };
    let shell = knock(target, other.door(scan, version, Some(nobody.clone()))).await;
    if !same(&shell) {
        return false;
    }
    // And a plain GET there gets it too: an application serving its data to any method on any
    // path (GET elsewhere 404) is no shell (a review's: exit 0 in a first version).
    let get = OtherName::name(other.sni.clone(), other.host.clone(), String::new());
    same(&knock(target, get.door(scan, version, Some(nobody))).await)
}

/// `seen`, the anonymous answer to `other` (a POST, a health checker's GET) where GET was refused
/// over HTTP on `version`: served a page of its own (not one speaking of refusal, certificates or
/// rate limits), the target is incomplete. Without a valid certificate its page cannot be
/// compared; with one, a POST's page other than the one GET is served with the certificate is no
/// proof either way: an API answers a POST with a page of its own (`201 {"created":…}`), and a
/// REST API behind `<Limit GET HEAD>` took anonymous POSTs and DELETEs while such a scan was A,
/// exit 0 (an audit's Apache and HAProxy).
pub(super) fn served_its_own_page(
    first: &FirstWave,
    version: TlsVersion,
    other: &OtherName,
    seen: &Seen,
    with_identity: bool,
) -> Option<IncompleteProbe> {
    if !get_refused_over_http(first, version) {
        return None;
    }
    // A socket opened and then closed with a refusal is refused as a page would be; one that
    // served a message, closed otherwise (graphql-ws's 4406 to a client offering no
    // subprotocol), or said nothing, cannot be told from the protected application.
    let socket_refused = seen.result.outcome == Some(Outcome::RefusedHttp);
    if other.upgrade && seen.result.informational_status == Some(101) && !socket_refused {
        return Some(switched_without_a_certificate(version, other));
    }
    let body = seen.result.body.as_slice();
    let own_page = seen.result.body_excerpt.as_deref().is_some_and(|b| {
        crate::probe::page::distinct_tokens(b) >= crate::probe::page::MIN_PAGE_TOKENS
    });
    // To the method of no meaning, a page saying the method is not supported is a refusal of it
    // (a 200 `{"error":"unsupported_method"}`, a framework's "Method Not Allowed" page: exit 3).
    let method_refused = other
        .method
        .as_ref()
        .is_some_and(|m| m.as_str().as_bytes() == UNKNOWN_METHOD)
        && crate::text::speaks_of_method_refusal(body);
    let refusal_words = crate::text::speaks_of_refusal(body)
        || crate::text::speaks_of_certificates(body)
        || crate::text::speaks_of_rate_limiting(body)
        || method_refused;
    if !seen.served() || !own_page || refusal_words {
        return None;
    }
    let how = if other.upgrade {
        "a check skipped for WebSocket upgrades (nginx `if` on `$http_upgrade`, HAProxy `!is_ws`, \
         a middleware leaving `Upgrade` requests to the socket's handler) lets anyone who asks \
         for one into the protected application so"
    } else if other.token {
        "a check that lets a request carrying a token past the certificate, the token itself \
         never checked, lets anyone who makes one up into the protected application so"
    } else if other.mark.is_some() {
        "a front exempting health checks or internal calls by a header (nginx `if` on \
         `$http_accept` or `$content_type`, a middleware trusting `X-Envoy-Internal`) lets \
         anyone who sends it into the protected application so"
    } else if other.user_agent.is_some() {
        "a front exempting health checkers by User-Agent (nginx `if ($http_user_agent ~ \
         kube-probe)`, HAProxy `hdr_beg(user-agent)`) lets anyone who names one into the \
         protected application so"
    } else {
        "a check scoped to some methods (Apache `<Limit GET HEAD>` around `Require`, a handler \
         checking GET alone) lets the anonymous client into the protected application so"
    };
    let why = if with_identity {
        "but its page is not the one the valid certificate is served for GET (an API answers a \
         POST with a page of its own), so whether the protected application took it cannot be \
         told from outside. Refuse clients without a certificate whatever the method"
    } else {
        "but whether this is its page cannot be told without a valid certificate. Give \
         `client-cert` (or a staging CA) to compare"
    };
    Some(IncompleteProbe {
        probe: ProbeId::CLIENT_CERT_HEADER_SPOOFING.as_str().to_owned(),
        tls_version: Some(version),
        reason: format!(
            "without a certificate, {} was served ({}) where GET was refused: {how}, {why}",
            other.words,
            seen.describe()
        ),
    })
}

/// The protected path switched to a WebSocket for a client without a certificate where its GET
/// was refused over HTTP: the socket's handler skipped the check, and whether the socket then
/// carries the protected data (or asks for a token of its own) cannot be read from outside:
/// incomplete, never passed.
fn switched_without_a_certificate(version: TlsVersion, other: &OtherName) -> IncompleteProbe {
    IncompleteProbe {
        probe: ProbeId::CLIENT_CERT_HEADER_SPOOFING.as_str().to_owned(),
        tls_version: Some(version),
        reason: format!(
            "without a certificate, {} was answered HTTP 101 Switching Protocols where GET was \
             refused: the WebSocket handler took a client without a certificate, and what the \
             socket carries cannot be read here. Check the certificate before the upgrade",
            other.words
        ),
    }
}

/// What asking through another name showed.
pub(super) enum Verdict {
    /// The protected page, served again twice while the protected name stays refused.
    Door(Finding),
    /// A page like the protected one that could not be settled: why.
    Unsure(IncompleteProbe),
    /// Another page, a refusal, or a shell every path gets.
    Shut,
}

/// A `Host` nobody serves on the protected name, as the door of a default site.
pub(super) fn unknown_host(target: &Target) -> OtherName {
    let host = landing::unknown_host(target.port);
    OtherName {
        forwarded_host: Some(target.authority()),
        token: false,
        ..OtherName::name(
            Sni::Target,
            host.clone(),
            format!(
                "the protected name with a Host nobody serves ({}) and the protected one in \
                 X-Forwarded-Host",
                crate::text::sanitize(host.as_bytes(), 260)
            ),
        )
    }
}

/// The protected name and `Host` with a sibling name (every `sni-name`, then the served
/// certificate's others, at most [`MAX_FORWARDED_SIBLINGS`]) in the headers a proxy sets for the
/// host the client asked for ([`FORWARDED_HOSTS`], `Forwarded: host=`): an application that
/// exempts its public hostname read from them (Express `trust proxy`'s `req.hostname`) behind a
/// front that passes the client's own copy (nginx setting none, Apache's mod_proxy appending its
/// own after it) lets anyone who names that host in (review B's: A, exit 0).
pub(super) fn forwarded_siblings(target: &Target, first: &FirstWave) -> Vec<OtherName> {
    crate::probe::side_door::sibling_names(target, first)
        .into_iter()
        .filter(|n| !n.eq_ignore_ascii_case(&target.host))
        .take(MAX_FORWARDED_SIBLINGS)
        .map(|name| OtherName {
            forwarded_host: Some(name.clone()),
            token: false,
            ..OtherName::name(
                Sni::Target,
                target.authority(),
                format!(
                    "the protected name and Host with {} (another name of this server) in \
                     X-Forwarded-Host",
                    crate::text::sanitize(name.as_bytes(), 260)
                ),
            )
        })
        .collect()
}

/// The sibling names [`forwarded_siblings`] names at most.
const MAX_FORWARDED_SIBLINGS: usize = 3;

/// The server's default site, reached without SNI: a `Host` nobody serves, and each address the
/// served certificate names (at most [`MAX_ADDRESSES`]) as the `Host`. A handshake without SNI
/// gets the default server's TLS settings, and a `Host` no server block names gets its site: a
/// catch-all `default_server` that asks for no certificate and proxies to the protected
/// application serves it there (a review's nginx: `curl https://127.0.0.1/api/orders` got the
/// orders, the certificate naming `IP:127.0.0.1`; A, exit 0). Only for a target named by a DNS
/// name (one named by an address is asked without SNI already).
pub(super) fn default_site(target: &Target, first: &FirstWave) -> Vec<OtherName> {
    if target.host.parse::<std::net::IpAddr>().is_ok() {
        return Vec::new();
    }
    let unknown = landing::unknown_host(target.port);
    let mut out = vec![OtherName {
        forwarded_host: Some(target.authority()),
        token: false,
        ..OtherName::name(
            Sni::Omit,
            unknown.clone(),
            format!(
                "no SNI with a Host nobody serves ({}: the server's default site) and the \
                 protected one in X-Forwarded-Host",
                crate::text::sanitize(unknown.as_bytes(), 260)
            ),
        )
    }];
    let named = |ip: std::net::IpAddr| match ip {
        std::net::IpAddr::V4(v4) => v4.to_string(),
        std::net::IpAddr::V6(v6) => format!("[{v6}]"),
    };
    let served: Vec<std::net::IpAddr> = crate::probe::side_door::served_addresses(first)
        .into_iter()
        .take(MAX_ADDRESSES)
        .collect();
    for ip in &served {
        let host = crate::probe::side_door::authority_of(&named(*ip), target.port);
        out.push(OtherName::name(
            Sni::Omit,
            host.clone(),
            format!("no SNI with Host {host} (an address the served certificate names)"),
        ));
    }
    // The address the scan connects to (`--resolve`): a site for the server's own address
    // (`server_name 127.0.0.1`: monitoring by address) proxying to the protected application
    // serves it to a request naming that address (review B's nginx: A, exit 0).
    if let Some(ip) = target.connect_to.filter(|ip| !served.contains(ip)) {
        let host = crate::probe::side_door::authority_of(&named(ip), target.port);
        out.push(OtherName::name(
            Sni::Omit,
            host.clone(),
            format!("no SNI with Host {host} (the address scanned)"),
        ));
    }
    out
}

/// The served certificate's addresses ([`default_site`]) tried at most.
const MAX_ADDRESSES: usize = 2;

/// A body of fewer tokens than a page's that is still compared with the protected page: this
/// long, it is a value of its own (an API key, a token), not a health answer.
const MIN_VALUE_BYTES: usize = 16;

/// Judges `seen`, the answer `other` got for the protected path without a certificate on
/// `version` ([`Verdict`]).
pub(super) async fn judge(
    target: &Target,
    scan: &ScanContext,
    first: &FirstWave,
    version: TlsVersion,
    other: &OtherName,
    seen: &Seen,
) -> Verdict {
    // Refused (403 …) with the very page the valid certificate is served for a body: let in all
    // the same (review A: a health checker's User-Agent answered so was A, exit 0).
    let mut marked = seen.clone();
    let let_in = landing::let_in_by_its_page(target, scan, first, version, &mut marked, None).await;
    let seen = &marked;
    // A page of its own, or a value long enough to be nobody else's (a key, a token: an audit's
    // default server handing `sk_live_…` to anyone was A, exit 0); a bare `ok` or `healthy` says
    // nothing of which page it is.
    let own_page = seen.result.body_excerpt.as_deref().is_some_and(|b| {
        crate::probe::page::distinct_tokens(b) >= crate::probe::page::MIN_PAGE_TOKENS
            || b.trim().len() >= MIN_VALUE_BYTES
    });
    if !seen.served() || !own_page {
        return Verdict::Shut;
    }
    let aliases = vec![other.host.clone()];
    let protected = |s: Seen, more: Vec<String>| {
        let mut aliases = aliases.clone();
        aliases.extend(more);
        async move {
            landing::is_the_protected_page_with(target, scan, first, version, &s, aliases).await
        }
    };
    let likeness = landing::likeness_to_the_protected_page(
        target,
        scan,
        first,
        version,
        seen,
        aliases.clone(),
    )
    .await;
    // `/` asked plainly, for the door of `X-Original-URL`: a page it serves anyone proves nothing
    // of the headers.
    let root_plainly = || {
        knock(
            target,
            Door {
                path: Some("/".to_owned()),
                ..landing::plain(scan, version, Sni::Target, None)
            },
        )
    };
    match likeness {
        Some(landing::Likeness::Same) => {}
        // A field apart from the protected page (`"client_verified":false` where the valid
        // certificate's page says `true`): the protected application telling its caller apart,
        // or a page of its own on the same template, cannot be told. Never passed.
        Some(landing::Likeness::Near) => {
            if other.overridden_to.is_some() {
                let root = root_plainly().await;
                let same = root
                    .result
                    .body_excerpt
                    .as_deref()
                    .zip(seen.result.body_excerpt.as_deref())
                    .is_some_and(|(a, b)| crate::probe::page::same_excerpt(a, b));
                if root.served() && same {
                    return Verdict::Shut;
                }
            }
            return Verdict::Unsure(IncompleteProbe {
                probe: ProbeId::CLIENT_CERT_HEADER_SPOOFING.as_str().to_owned(),
                tls_version: Some(version),
                reason: format!(
                    "without a certificate, {} was served a page much like the one the valid \
                     certificate is served on the protected name (a few words apart: {}): the \
                     protected application telling its caller apart, or another page on the same \
                     template, cannot be told",
                    other.words,
                    seen.describe()
                ),
            });
        }
        Some(landing::Likeness::Cut) => {
            return Verdict::Unsure(IncompleteProbe {
                probe: ProbeId::CLIENT_CERT_HEADER_SPOOFING.as_str().to_owned(),
                tls_version: Some(version),
                reason: format!(
                    "without a certificate, {} was served a page cut too short to tell whether \
                     it is the one the valid certificate is served on the protected name ({})",
                    other.words,
                    seen.describe()
                ),
            });
        }
        // A health checker's `User-Agent` (or a made-up token) served a page of its own where
        // the plain GET was refused: its own health answer, unless it holds most of the
        // protected page's values (data scoped to the certificate's name, shown whole to a
        // caller without one: the caller's own records in it). Then unsure, never passed.
        Some(landing::Likeness::Other)
            if (other.user_agent.is_some() || other.token || other.mark.is_some())
                && get_refused_over_http(first, version)
                && landing::own_page_not_refusing(seen) =>
        {
            let reached =
                landing::holds_the_protected_pages_values(target, scan, first, version, seen).await;
            if !reached {
                return Verdict::Shut;
            }
            return Verdict::Unsure(IncompleteProbe {
                probe: ProbeId::CLIENT_CERT_HEADER_SPOOFING.as_str().to_owned(),
                tls_version: Some(version),
                reason: format!(
                    "without a certificate, {} was served a page of its own ({}) where GET was \
                     refused, holding most of the values of the page the valid certificate is \
                     served (its records' ids, names, amounts): the request may reach the protected \
                     application past a front {}, and whether that page is the protected data \
                     telling its caller apart (orders scoped to the certificate's name, shown \
                     whole to a caller without one) cannot be told. {}",
                    other.words,
                    seen.describe(),
                    if other.token {
                        "letting a request carrying a token past the certificate"
                    } else if other.mark.is_some() {
                        "exempting health checks or internal calls by a header"
                    } else {
                        "exempting health checkers by User-Agent"
                    },
                    if other.token {
                        "Verify every token wherever one may stand in for the certificate"
                    } else if other.mark.is_some() {
                        "Exempt health checks by path (a `/healthz` the application serves), \
                         never by a header the client writes"
                    } else {
                        "Exempt health checkers by path (a `/healthz` the application serves), \
                         never by User-Agent"
                    }
                ),
            });
        }
        Some(landing::Likeness::Other) | None => return Verdict::Shut,
    }
    let door = |path: Option<String>| other.door(scan, version, path);
    // A page every path gets on that name (a single-page application's shell, or an
    // application that answers every path alike): whether anything protected is in it cannot
    // be told from outside. Not asked on the protected name itself (another method, a health
    // checker's `User-Agent`): there the same request plainly was refused that page, so what
    // let it in is the method or the name, whatever the page holds.
    let protected_name = other.sni == Sni::Target && other.host == target.authority();
    let nobody = crate::probe::spelled::unknown_path("");
    let every_path = !protected_name && {
        let shell = knock(target, door(Some(nobody.clone()))).await;
        shell.served() && protected(shell, vec![nobody]).await == Some(true)
    };
    // The root asked plainly serves that page too: the headers proved nothing.
    if other.overridden_to.is_some() {
        let root = root_plainly().await;
        if root.served() && protected(root, Vec::new()).await == Some(true) {
            return Verdict::Shut;
        }
    }
    if every_path {
        return Verdict::Unsure(IncompleteProbe {
            probe: ProbeId::CLIENT_CERT_HEADER_SPOOFING.as_str().to_owned(),
            tls_version: Some(version),
            reason: format!(
                "without a certificate, {} was served the very page the valid certificate is \
                 served on the protected name, and so was a path nobody serves there: a page \
                 every path gets (a single-page application's shell, or an application that \
                 answers every path alike), so whether the protected application is open that way \
                 cannot be told. Scan a path only the valid certificate may see",
                other.words
            ),
        });
    }
    let front = || landing::plain(scan, version, Sni::Target, None);
    let (mut d1, mut d2, f1, f2) = tokio::join!(
        knock(target, door(None)),
        knock(target, door(None)),
        knock(target, front()),
        knock(target, front())
    );
    if let_in {
        for d in [&mut d1, &mut d2] {
            landing::let_in_by_its_page(target, scan, first, version, d, None).await;
        }
    }
    let served_again = d1.served() && d2.served();
    let same_again = served_again
        && protected(d1.clone(), Vec::new()).await == Some(true)
        && protected(d2.clone(), Vec::new()).await == Some(true);
    let front_shut = [&f1, &f2]
        .iter()
        .all(|f| !f.served() && f.unreadable().is_none());
    if same_again && front_shut {
        let (id, through) = match (&other.method, other.user_agent) {
            _ if other.overridden_to.is_some() => (
                FindingId::ClientCertHeaderSpoofing,
                "the application takes the path to serve from X-Original-URL or X-Rewrite-URL \
                 (IIS ARR's headers; Symfony before 3.4.14 and Zend honoured them: \
                 CVE-2018-14773), so a check of the certificate per path in front of it sees \
                 another path. Strip those headers at the front (or stop honouring them), or \
                 require the certificate on every path"
                    .to_owned(),
            ),
            _ if other.token => (
                FindingId::ClientCertOptional,
                "the anonymous client gets the protected application with a token nobody \
                 issued (Authorization: Bearer, X-API-Key): a request carrying a token is let \
                 past the certificate check and nothing checks the token. Verify every token \
                 (signature, issuer, audience, expiry) wherever one may stand in for the \
                 certificate, or require the certificate in the handshake"
                    .to_owned(),
            ),
            _ if other.mark.is_some() => (
                FindingId::ClientCertOptional,
                format!(
                    "the anonymous client gets the protected application by calling itself a \
                     health check or an internal call ({}): an exemption by a header the client \
                     writes is open to anyone who sends it. Point health checks at a path of \
                     their own that serves nothing protected, strip `X-Envoy-Internal` at the \
                     edge (Envoy `internal_address_config`), or require the certificate in the \
                     handshake",
                    other
                        .mark
                        .map(|(n, v)| format!("{n}: {v}"))
                        .unwrap_or_default()
                ),
            ),
            _ if other.upgrade => (
                FindingId::ClientCertOptional,
                "the anonymous client gets the protected application by asking to upgrade to a \
                 WebSocket: the check is skipped for requests carrying `Upgrade` (nginx `if` on \
                 `$http_upgrade`, HAProxy `!is_ws`, a middleware leaving upgrades to the socket's \
                 handler), and the application serves them as any GET. Check the certificate \
                 before any request is told apart (`ssl_verify_client on`), WebSocket upgrades \
                 included"
                    .to_owned(),
            ),
            (_, Some(ua)) => (
                FindingId::ClientCertOptional,
                format!(
                    "the anonymous client gets the protected application by calling itself a \
                     health checker (User-Agent: {ua}): an exemption by User-Agent for load \
                     balancers' or Kubernetes' probes is open to anyone who sends it. Point \
                     health checks at a path of their own that serves nothing protected, or \
                     exempt them by listener or address at the balancer, never by a header"
                ),
            ),
            (Some(m), None) => (
                FindingId::ClientCertOptional,
                format!(
                    "the anonymous client gets the protected application by asking with {m}: the \
                     check covers some methods only ({}). Check every method: require the \
                     certificate in the handshake (`ssl_verify_client on`, `SSLVerifyClient \
                     require`), or run the check before any method is told apart (Apache: \
                     `<RequireAll>`, never `<Limit>`)",
                    if *m == http::Method::OPTIONS {
                        "CORS preflights let through: a check skipped for OPTIONS before an \
                         application that serves the page to any method"
                    } else if m.as_str().as_bytes() == UNKNOWN_METHOD {
                        "Apache `<Limit GET POST OPTIONS>` around `Require`, which leaves every \
                         method it does not name open (PUT and DELETE too) before PHP or a CGI \
                         that serves the page to any method"
                    } else {
                        "Apache `<Limit GET HEAD>` around `Require`, an nginx or Lua check on \
                         `$request_method`, a handler checking GET alone"
                    }
                ),
            ),
            // The protected `Host` itself, another name in X-Forwarded-Host (review B's Express
            // exempting its public hostname behind nginx and Apache: A, exit 0).
            (None, None)
                if other.forwarded_host.is_some()
                    && other.host == target.authority()
                    && other.sni == Sni::Target =>
            {
                (
                    FindingId::ClientCertHeaderSpoofing,
                    "the application exempts a host name it reads from X-Forwarded-Host (Express \
                     `trust proxy`'s `req.hostname`, Flask's `ProxyFix(x_host=1)`) from its \
                     certificate check, and the front passes the client's own copy: set it at \
                     the front (nginx `proxy_set_header X-Forwarded-Host $host`, Apache \
                     `RequestHeader unset X-Forwarded-Host early` before mod_proxy adds its own), \
                     or check the certificate whatever the host"
                        .to_owned(),
                )
            }
            (None, None) => (
                FindingId::OtherNameBypass,
                if other.forwarded_host.is_some() {
                    "the protected application is reached through another name of this server \
                     (an application that routes by X-Forwarded-Host takes the client's own \
                     copy where the site in front passes it: set it at every site, nginx \
                     `proxy_set_header X-Forwarded-Host $host`, or trust it from no client)"
                        .to_owned()
                } else {
                    "the protected application is reached through another name of this server"
                        .to_owned()
                },
            ),
        };
        let mut f = Finding::new(
            id,
            format!(
                "{version}: without a certificate, {} was served the very page the valid \
                 certificate is served on the protected name ({}{}), three times, while the \
                 protected name refused a client without one ({}): {through}.",
                other.words,
                crate::text::sanitize(target.authority().as_bytes(), 260),
                crate::text::sanitize(target.path.as_bytes(), 200),
                f1.describe()
            ),
        );
        f.tls_versions = vec![version];
        f.evidence
            .insert(format!("{version}: {}", other.words), seen.describe());
        f.evidence.insert(
            format!("{version}: {}, asked again", other.words),
            format!("{}; {}", d1.describe(), d2.describe()),
        );
        f.evidence.insert(
            format!("{version}: the protected name, no certificate"),
            format!("{}; {}", f1.describe(), f2.describe()),
        );
        return Verdict::Door(f);
    }
    Verdict::Unsure(IncompleteProbe {
        probe: ProbeId::CLIENT_CERT_HEADER_SPOOFING.as_str().to_owned(),
        tls_version: Some(version),
        reason: format!(
            "without a certificate, {} was served the very page the valid certificate is served \
             on the protected name, but asked again it {}: whether the protected application is \
             open that way cannot be told",
            other.words,
            if !same_again {
                "was not served that page each time"
            } else {
                "was served it while the protected name, asked beside it, was not refused each time"
            }
        ),
    })
}
