//! What the side-door probes (SNI/Host mismatch, session resumption, forged headers) share: the
//! baseline's refusal they try to get around, the sibling names to try, and one exchange with
//! everything they vary.

use std::sync::Arc;

pub use super::knock::{Seen, SharedKnock, SharedKnocks};
use super::{FirstWave, ScanContext};
use crate::facts::{Outcome, ProbeId, ProbeObservation, TlsVersion};
use crate::target::Target;
use crate::transport::tls::{CertChooser, CrossNameSessions, SharedRecord};
use crate::transport::{self, ExchangeSetup, Sni};

/// Names tried per target at most, besides the random names ([`random_names`]: at most 2).
pub const MAX_NAMES: usize = 8;

/// The first wave's baselines (not the late-auth ones) where the protected name did not serve an
/// anonymous client: refused it (TLS, 401/403 …), or answered without serving (a redirect to a
/// login page, 404, 500), but not busy (429, 502–504). A side door that gets a 2xx there is worth knowing. Newest version first.
pub fn anonymous_not_served(first: &FirstWave) -> Vec<&ProbeObservation> {
    let mut refused: Vec<&ProbeObservation> = first
        .observations
        .iter()
        .filter(|o| o.id == ProbeId::NO_CLIENT_CERT && !o.late)
        .filter(|o| {
            matches!(
                o.outcome,
                Outcome::RefusedTls | Outcome::RefusedHttp | Outcome::Answered
            )
        })
        // A busy answer (429, 502–504) is no refusal to get around: the version is incomplete.
        .filter(|o| !o.http_status.is_some_and(crate::transport::is_busy_status))
        .collect();
    refused.sort_by_key(|o| o.tls_version);
    refused
}

/// Whether the whole first wave shows a client without a certificate served over HTTP/1.1 on
/// `version` (`no-client-cert-http1`, where h2 refused it): a door that only HTTP/1.1 carries
/// (a WebSocket's opening, a request target in absolute form) then opens nothing of its own,
/// and is not said to (a review's Go server refusing h2 alone got `path-form-bypass` and a
/// WebSocket door beside the HTTP/1.1 one). Waits for the wave's end.
pub async fn served_over_http1(first: &FirstWave, version: TlsVersion) -> bool {
    first.whole_observations().await.is_some_and(|whole| {
        whole.iter().any(|o| {
            o.id == ProbeId::NO_CLIENT_CERT_HTTP1
                && o.tls_version == version
                && o.outcome == Outcome::Served
        })
    })
}

/// The target's configured sibling names (`sni-name`: every one, they are what the user knows),
/// then the DNS names the served certificate holds besides the target's host (wildcards made
/// concrete) while fewer than [`MAX_NAMES`] are listed; case-insensitively distinct.
pub fn sibling_names(target: &Target, first: &FirstWave) -> Vec<String> {
    sibling_names_within(target, first, MAX_NAMES)
}

/// [`sibling_names`], with the certificate's names listed while fewer than `room` are.
pub fn sibling_names_within(target: &Target, first: &FirstWave, room: usize) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    let mut push = |n: String, given: bool| {
        let n = n.trim_end_matches('.').to_ascii_lowercase();
        if !n.is_empty()
            && !n.eq_ignore_ascii_case(&target.host)
            && !names.contains(&n)
            && (given || names.len() < room)
        {
            names.push(n);
        }
    };
    for n in target.names.iter().take(MAX_GIVEN_NAMES) {
        push(n.clone(), true);
    }
    for name in served_names(first) {
        push(name, false);
    }
    names
}

/// The server names the side doors try, with how they are shown: no SNI, every configured
/// sibling name (`sni-name`), the host in capitals, then the served certificate's other names
/// while fewer than [`MAX_NAMES`] are listed (those left over are said in a note), then the random
/// names ([`random_names`]: one label per target, the same for every side door,
/// [`SharedKnocks::random_label`]). The SNI probe tries each with the protected `Host`; the
/// session-resumption probe takes sessions from them, in this order.
pub fn candidate_names(target: &Target, first: &FirstWave) -> Vec<(Sni, String)> {
    let mut out: Vec<(Sni, String)> = Vec::new();
    let is_name = target.host.parse::<std::net::IpAddr>().is_err();
    if is_name {
        out.push((Sni::Omit, "no SNI".to_owned()));
    }
    let given = sibling_names_within(target, first, 0);
    for n in &given {
        out.push((Sni::Name(n.clone()), n.clone()));
    }
    if is_name {
        let upper = target.host.to_ascii_uppercase();
        if upper != target.host {
            out.push((Sni::Name(upper.clone()), upper));
        }
    }
    // The random names come after the certificate's own names, beyond their room: the
    // follow-ups (a certificate from an unknown CA, forged headers) go to the first few names
    // only, and a name the server really serves is a likelier door than a made-up one (an
    // audit's Go sibling letting any certificate in lost its finding when the random names took
    // its place, and a fifth name of the certificate, a door, fell out of the list).
    let randoms = if is_name {
        random_names(target, first)
    } else {
        Vec::new()
    };
    let room = MAX_NAMES.saturating_sub(out.len()) + given.len();
    for n in sibling_names_within(target, first, room) {
        if !given.contains(&n) {
            out.push((Sni::Name(n.clone()), n));
        }
    }
    for random in randoms {
        out.push((Sni::Name(random.clone()), random));
    }
    out
}

/// The random names the side doors try for a target named by a DNS name (one label per target,
/// [`SharedKnocks::random_label`]): one under the parent domain (a wildcard sibling, `*.corp.test`
/// beside `secure.corp.test`, or `*.test` beside `secure.test`), and for a name of two labels, one
/// under the name itself too (`*.example.com` beside the apex `example.com`). None for an address
/// or a name of one label.
pub fn random_names(target: &Target, first: &FirstWave) -> Vec<String> {
    let host = target.host.trim_end_matches('.');
    if host.parse::<std::net::IpAddr>().is_ok() {
        return Vec::new();
    }
    let Some((_, parent)) = host.split_once('.').filter(|(_, p)| !p.is_empty()) else {
        return Vec::new();
    };
    let label = first.knocks.random_label(rand_u32);
    let mut out = vec![format!("mtls-scan-{label:08x}.{parent}")];
    if !parent.contains('.') {
        out.push(format!("mtls-scan-{label:08x}.{host}"));
    }
    out
}

fn rand_u32() -> u32 {
    let mut b = [0u8; 4];
    // A random label only avoids colliding with real names; a failed draw keeps the zeros.
    let _ = aws_lc_rs::rand::fill(&mut b);
    u32::from_be_bytes(b)
}

/// How a report records a name tried (`sni_names_tried`, a finding's `sni_names`): `no SNI`,
/// `SNI public.test`, and the random name under the parent domain as such (each run draws
/// another), so that a baseline's door counts as fixed only where the same was tried again.
pub fn recorded_name(shown: &str) -> String {
    let random = shown
        .strip_prefix("mtls-scan-")
        .and_then(|rest| rest.split_once('.'))
        .filter(|(hex, _)| hex.len() == 8 && hex.bytes().all(|b| b.is_ascii_hexdigit()));
    match random {
        Some((_, parent)) => format!("SNI a random name under .{parent}"),
        None if shown == "no SNI" => shown.to_owned(),
        None => format!("SNI {shown}"),
    }
}

/// Configured sibling names tried per target at most.
pub const MAX_GIVEN_NAMES: usize = 16;

/// The served certificate's DNS names, wildcards made concrete; not those no client can send as
/// a server name (`api.example.com:8443`, `a_b`: an audit's certificate kept a correct server
/// incomplete, "not a server name", on every scan).
fn served_names(first: &FirstWave) -> Vec<String> {
    first
        .chains
        .first()
        .and_then(|(_, c)| c.first())
        .map(|leaf| {
            san_dns_names(leaf.as_ref())
                .into_iter()
                .map(|n| n.replacen("*.", "mtls-scan-sibling.", 1))
                .filter(|n| {
                    matches!(
                        rustls_pki_types::ServerName::try_from(n.as_str()),
                        Ok(rustls_pki_types::ServerName::DnsName(_))
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The IP addresses in the served certificate's subjectAltName.
pub(crate) fn served_addresses(first: &FirstWave) -> Vec<std::net::IpAddr> {
    use x509_parser::extensions::GeneralName;
    let Some(leaf) = first.chains.first().and_then(|(_, c)| c.first()) else {
        return Vec::new();
    };
    san_entries(leaf.as_ref(), |g| match g {
        GeneralName::IPAddress(b) => match b.len() {
            4 => <[u8; 4]>::try_from(*b).ok().map(std::net::IpAddr::from),
            16 => <[u8; 16]>::try_from(*b).ok().map(std::net::IpAddr::from),
            _ => None,
        },
        _ => None,
    })
}

/// Whether the served certificate names `host`: an address in its subjectAltName, or a DNS name
/// there (any case, a trailing dot ignored), a wildcard covering one label.
pub(crate) fn certifies(first: &FirstWave, host: &str) -> bool {
    if let Ok(ip) = host.parse::<std::net::IpAddr>() {
        return served_addresses(first).contains(&ip);
    }
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let Some(leaf) = first.chains.first().and_then(|(_, c)| c.first()) else {
        return false;
    };
    san_dns_names(leaf.as_ref()).iter().any(|n| {
        let n = n.trim_end_matches('.').to_ascii_lowercase();
        match n.strip_prefix("*.") {
            Some(parent) => host
                .split_once('.')
                .is_some_and(|(label, rest)| !label.is_empty() && rest == parent),
            None => !n.is_empty() && n == host,
        }
    })
}

/// How many of the served certificate's other names no side door tries (beyond the room left
/// by the configured names and the probes' own candidates): said in a note, never silently.
pub fn untried_served_names(target: &Target, first: &FirstWave, tried: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for n in served_names(first) {
        let n = n.trim_end_matches('.').to_ascii_lowercase();
        if !n.is_empty()
            && !n.eq_ignore_ascii_case(&target.host)
            && !tried.contains(&n)
            && !out.contains(&n)
        {
            out.push(n);
        }
    }
    out
}

fn san_dns_names(der: &[u8]) -> Vec<String> {
    use x509_parser::extensions::GeneralName;
    san_entries(der, |g| match g {
        GeneralName::DNSName(d) => Some(crate::text::sanitize(d.as_bytes(), 253)),
        _ => None,
    })
}

/// The subjectAltName entries of the certificate `der` that `pick` keeps (at most 64).
fn san_entries<T>(
    der: &[u8],
    pick: impl Fn(&x509_parser::extensions::GeneralName<'_>) -> Option<T>,
) -> Vec<T> {
    let Ok((_, cert)) = x509_parser::parse_x509_certificate(der) else {
        return Vec::new();
    };
    let Ok(Some(san)) = cert.subject_alternative_name() else {
        return Vec::new();
    };
    san.value
        .general_names
        .iter()
        .filter_map(pick)
        .take(64)
        .collect()
}

/// One request of a side-door probe: no certificate, the given SNI, `Host` and headers.
#[derive(Clone)]
pub struct Door<'a> {
    /// The version pinned.
    pub version: TlsVersion,
    /// The server name sent.
    pub sni: Sni,
    /// The `Host` header, when not the target's.
    pub host: Option<String>,
    /// The path (and query) asked for, when not the target's.
    pub path: Option<String>,
    /// Extra headers.
    pub headers: Vec<(http::HeaderName, http::HeaderValue)>,
    /// A session store shared with another exchange.
    pub sessions: Option<Arc<CrossNameSessions>>,
    /// The certificate presented when asked: none but for a control of what the protected site
    /// serves with the scan's valid certificate ([`super::landing`]), and for forged headers sent
    /// with the certificate from an unknown CA a TLS layer lets through
    /// ([`super::client_cert_header_spoofing`]).
    pub cert: Option<Arc<dyn CertChooser>>,
    /// The request's method, when not GET.
    pub method: Option<http::Method>,
    /// Asked through an h2c tunnel opened by an `Upgrade: h2c` on this path
    /// ([`ExchangeSetup::h2c_via`]).
    pub h2c_via: Option<String>,
    /// Offering HTTP/1.1 alone (a proxy that clears a header for h2 requests alone passes an
    /// HTTP/1.1 client's own copy).
    pub http1_only: bool,
    /// The scan.
    pub scan: &'a ScanContext,
}

/// Headers one request of a door carries beside the door's own ([`knock_each`]).
pub type HeaderSet = Vec<(http::HeaderName, http::HeaderValue)>;

impl<'a> Door<'a> {
    /// A GET of the target's `Host` and path on `version` with server name `sni`: no
    /// certificate, no extra header, no shared session.
    pub fn anonymous(scan: &'a ScanContext, version: TlsVersion, sni: Sni) -> Self {
        Door {
            version,
            sni,
            host: None,
            path: None,
            headers: Vec::new(),
            sessions: None,
            cert: None,
            method: None,
            h2c_via: None,
            http1_only: false,
            scan,
        }
    }

    /// This door with `set` beside its own headers.
    fn with(&self, set: &HeaderSet) -> Self {
        Door {
            headers: self.headers.iter().chain(set).cloned().collect(),
            ..self.clone()
        }
    }
}

/// Waits before the attempts after the first of an exchange that could not be read (as the
/// engine's retries of the handshake probes): a dropped burst or a passing stall is not a shut door.
pub const RETRY_AFTER: [std::time::Duration; 2] = [
    std::time::Duration::from_millis(25),
    std::time::Duration::from_millis(250),
];

/// Runs one side-door exchange under the target's concurrency limits. An exchange that could not
/// be read ([`Seen::unreadable`]) is tried again, up to twice, unless it offered a shared session
/// (a ticket is spent by its first use: the caller repeats the donor's exchange instead).
pub async fn knock(target: &Target, door: Door<'_>) -> Seen {
    let first = knock_once(target, &door).await;
    if door.sessions.is_some() {
        return first;
    }
    knock_again(target, door, first).await
}

/// Goes on from `first`, an earlier attempt of `door` (which must share no session): tried again,
/// up to twice, while it could not be read, each attempt confirming the one before.
pub async fn knock_again(target: &Target, door: Door<'_>, first: Seen) -> Seen {
    let mut seen = first;
    for wait in RETRY_AFTER {
        if seen.unreadable().is_none() || door.scan.limits.expired() {
            break;
        }
        // A close without an alert right after the CertificateRequest is confirmed at once (as
        // the engine confirms the handshake probes'): the server read the certificate and hung
        // up, so it is answering; a wait is for a dropped burst or a stall.
        let bare_close = seen.result.outcome == Some(crate::facts::Outcome::RefusedTls)
            && seen.result.unconfirmed;
        if !bare_close {
            tokio::time::sleep(wait).await;
        }
        seen = knock_once(target, &door).await.confirmed_by(&seen);
    }
    seen
}

/// Settles `seen`, the last of the knocks of `door` (another name than the protected one, or none)
/// when it closed before the server's certificate on every attempt ([`knock_again`] and the
/// session probe's donors try while it is unread, unless the scan's time is up): where the
/// protected name, asked now, gets past its certificate, the close is the server refusing this
/// name (HAProxy's `tcp-request content reject` on an SNI it does not route, as an
/// `unrecognized_name` alert would say it), marked a refusal in the handshake. No HTTP is reached
/// through it, so there is no door (it was unread: exit 3 on a correct server, review X's SNI
/// router). Anything else, and a protected name that cannot be read either, is left as it is.
pub async fn name_refused_at_hello(target: &Target, door: Door<'_>, seen: &mut Seen) {
    let closed_each_time = !matches!(door.sni, Sni::Target)
        && !door.scan.limits.expired()
        && seen.unreadable().is_some()
        && seen.result.outcome == Some(crate::facts::Outcome::Inconclusive)
        && seen
            .result
            .detail
            .as_deref()
            .is_some_and(|d| d.starts_with(crate::facts::CLOSED_BEFORE_SERVER_CERTIFICATE));
    if !closed_each_time {
        return;
    }
    let front = Door {
        sni: Sni::Target,
        host: None,
        sessions: None,
        ..door
    };
    let asked = knock(target, front).await;
    if asked.unreadable().is_some() || asked.version_refused() {
        return;
    }
    seen.result.outcome = Some(crate::facts::Outcome::RefusedTls);
    seen.result.unconfirmed = false;
    seen.result.detail = Some(format!(
        "{} on every attempt, while the protected name's handshake went on: the server refuses \
         this name",
        crate::facts::CLOSED_BEFORE_SERVER_CERTIFICATE
    ));
}

/// The first anonymous knock with the protected `Host` on `version` with server name `sni`,
/// shared on this target (see [`SharedKnocks`]): made by the first caller, awaited by the others.
pub async fn shared_knock(
    target: &Target,
    scan: &ScanContext,
    first: &FirstWave,
    version: TlsVersion,
    sni: &Sni,
) -> SharedKnock {
    let cell = first.knocks.cell(version, sni);
    cell.get_or_init(|| async {
        let sessions = Arc::new(CrossNameSessions::default());
        let door = Door {
            version,
            sni: sni.clone(),
            host: None,
            path: None,
            headers: Vec::new(),
            sessions: Some(sessions.clone()),
            cert: None,
            method: None,
            h2c_via: None,
            http1_only: false,
            scan,
        };
        SharedKnock {
            seen: knock_once(target, &door).await,
            sessions,
        }
    })
    .await
    .clone()
}

/// The exchange of `door`, offering `alpn`, its version `versions` (the door's alone).
fn door_setup<'a>(
    target: &Target,
    door: &'a Door<'_>,
    versions: &'a [TlsVersion],
    alpn: transport::Alpn,
) -> ExchangeSetup<'a> {
    ExchangeSetup {
        await_alert: true,
        sni: door.sni.clone(),
        host: door.host.clone(),
        path: door.path.as_deref(),
        headers: door.headers.clone(),
        sessions: door.sessions.clone(),
        pacer: Some(door.scan.permits.pacer(&target.server_key())),
        header_trust: Some(door.scan.probes.header_trust.clone()),
        method: door.method.clone().unwrap_or(http::Method::GET),
        h2c_via: door.h2c_via.as_deref(),
        // (A tunnel's exchange is no WebSocket path's: its `via` may answer 426.)
        open_websockets: door.h2c_via.is_none(),
        alpn,
        ..ExchangeSetup::new(
            &door.scan.probes.provider,
            versions,
            door.cert.clone(),
            door.scan.limits,
        )
    }
}

/// Whether `door` asks to upgrade its connection (a WebSocket's opening, an h2c tunnel): over
/// HTTP/1.1 alone, since h2 has no `Upgrade` and forbids the headers.
fn upgrades(door: &Door<'_>) -> bool {
    door.h2c_via.is_some()
        || door.headers.iter().any(|(n, _)| n == http::header::UPGRADE)
        // A request target in absolute form is HTTP/1.1's alone: over h2 it would be the
        // request as written again (`path-form-bypass`).
        || door.path.as_deref().is_some_and(transport::is_absolute_form)
}

/// The protocols `door` offers: HTTP/1.1 alone where it asks to upgrade its connection (a
/// WebSocket's opening: h2 has no `Upgrade`, and forbids the headers) or is told to
/// ([`Door::http1_only`]), else h2 and HTTP/1.1.
fn offered_alpn(door: &Door<'_>) -> transport::Alpn {
    if upgrades(door) || door.http1_only {
        transport::Alpn::Http1Only
    } else {
        transport::Alpn::Both
    }
}

/// An answer reset at its h2 stream, which [`knock_once`] asks again over HTTP/1.1.
fn reset_over_h2(result: &transport::ExchangeResult) -> bool {
    result.stream_reset && result.alpn.as_deref() == Some("h2")
}

/// A `421 Misdirected Request` over h2, which [`knock_once`] asks again over HTTP/1.1: RFC 9113
/// names 421 for h2's reuse of a connection, and a server may check the `Host` against the SNI
/// name there alone (a review's Go server answering 421 over h2 and serving the protected
/// `Host` behind another SNI name over HTTP/1.1: B, exit 0).
fn misdirected_over_h2(result: &transport::ExchangeResult) -> bool {
    result.http_status == Some(421) && result.alpn.as_deref() == Some("h2")
}

/// Runs `door` once per header set of `sets` (each beside the door's own headers), and returns
/// what each saw, in order: as many as one keep-alive connection carries (HTTP/1.1 one
/// request after another while the answers come quickly, the transport's keep-alive budget; h2
/// as streams), the others each on a connection of its own ([`knock`]). The connection's first
/// request is the door's own first knock (tried again while unreadable, as [`knock`] does). A
/// later request's answer stands only where `stands` takes it (the refusal the door tries to get
/// around, say): any other answer, one that could not be read, or a stream reset, is asked again
/// alone on a fresh connection, and that answer stands, so nothing a server keeps per connection
/// lets a door in. The other way round it cannot help: every request on one connection reaches
/// one backend of a fleet balanced per connection, so sets that try the same door belong on
/// connections of their own ([`knock_spread`]). A door sharing a session, or asking to upgrade
/// its connection, knocks once per set.
pub async fn knock_each(
    target: &Target,
    door: &Door<'_>,
    sets: Vec<HeaderSet>,
    stands: impl Fn(&Seen) -> bool,
) -> Vec<Seen> {
    let apart = sets.len() < 2
        || door.sessions.is_some()
        || upgrades(door)
        || sets
            .iter()
            .flatten()
            .any(|(n, _)| n == http::header::UPGRADE);
    if apart {
        return futures_util::future::join_all(
            sets.iter().map(|set| knock(target, door.with(set))),
        )
        .await;
    }
    let shared = carried(target, door, &sets, offered_alpn(door), Carry::Paced).await;
    tracing::debug!(
        target: "probe_core::side_door",
        url = %target.url,
        version = ?door.version,
        sni = ?door.sni,
        host = ?door.host,
        asked = sets.len(),
        carried = shared.len(),
        statuses = ?shared.iter().map(Seen::status).collect::<Vec<_>>(),
        "knocked on one connection"
    );
    futures_util::future::join_all(sets.iter().enumerate().map(|(i, set)| {
        let seen = shared.get(i).cloned();
        let stands = &stands;
        async move {
            match seen {
                Some(seen) if i == 0 && !reset_over_h2(&seen.result) => {
                    knock_again(target, door.with(set), seen).await
                }
                Some(seen)
                    if i > 0
                        && seen.unreadable().is_none()
                        && !reset_over_h2(&seen.result)
                        && stands(&seen) =>
                {
                    seen
                }
                _ => knock(target, door.with(set)).await,
            }
        }
    }))
    .await
}

/// What one connection of [`carried`] carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Carry {
    /// The asks while the answers come quickly (the transport's keep-alive budget); the rest are
    /// not asked.
    Paced,
    /// Every ask while the connection stays open, however slowly answered
    /// ([`ExchangeSetup::carry_all`]).
    All,
    /// [`Carry::All`], each later ask with the cookies the earlier answers set, as a browser's
    /// ([`ExchangeSetup::carry_cookies`]).
    AllWithCookies,
}

/// `door` asked once per header set of `sets` (each beside the door's own headers) on one
/// connection offering `alpn`, one request after another (HTTP/1.1 keep-alive, while the answers
/// come quickly: the transport's keep-alive budget; h2 as streams): the answers as that
/// connection carried them, in order, fewer than `sets` where it ended first, none asked again.
/// `carry` says how much the connection carries ([`Carry`]). For a door that needs them on one
/// connection ([`knock_each`]; a check made once per connection, `second-request-bypass`).
pub async fn carried(
    target: &Target,
    door: &Door<'_>,
    sets: &[HeaderSet],
    alpn: transport::Alpn,
    carry: Carry,
) -> Vec<Seen> {
    let _permit = door.scan.permits.acquire(&target.server_key()).await;
    let record = SharedRecord::default();
    let versions = [door.version];
    let setup = ExchangeSetup {
        headers_per_ask: sets,
        carry_all: carry != Carry::Paced,
        carry_cookies: carry == Carry::AllWithCookies,
        ..door_setup(target, door, &versions, alpn)
    };
    let path = door.path.clone().unwrap_or_else(|| target.path.clone());
    let paths = vec![path; sets.len()];
    let results = transport::run_paths(target, setup, &record, &paths).await;
    let (cert_requested, acceptable_cas) = {
        let r = record.lock();
        (r.cert_requested, r.acceptable_cas.clone())
    };
    results
        .into_iter()
        .map(|result| Seen {
            result,
            cert_requested,
            let_in_by_page: false,
            acceptable_cas: acceptable_cas.clone(),
        })
        .collect()
}

/// [`knock_each`] on several connections at once: header set `i` goes on connection
/// `connection[i]` (the sets of one index share one, in order); a set without an index knocks
/// alone. The answers in the order of `sets`.
pub async fn knock_spread(
    target: &Target,
    door: &Door<'_>,
    sets: Vec<HeaderSet>,
    connection: &[usize],
    stands: impl Fn(&Seen) -> bool,
) -> Vec<Seen> {
    let count = connection.iter().max().map_or(0, |m| m + 1);
    let groups: Vec<Vec<usize>> = (0..count)
        .map(|c| {
            (0..sets.len())
                .filter(|&i| connection.get(i) == Some(&c))
                .collect()
        })
        .collect();
    let stands = &stands;
    let answered = futures_util::future::join_all(groups.iter().map(|at| {
        let group: Vec<HeaderSet> = at.iter().filter_map(|&i| sets.get(i).cloned()).collect();
        knock_each(target, door, group, stands)
    }))
    .await;
    let mut seen: Vec<Option<Seen>> = vec![None; sets.len()];
    for (at, got) in groups.iter().zip(answered) {
        for (&i, s) in at.iter().zip(got) {
            if let Some(slot) = seen.get_mut(i) {
                *slot = Some(s);
            }
        }
    }
    futures_util::future::join_all(seen.into_iter().zip(&sets).map(|(s, set)| async move {
        match s {
            Some(s) => s,
            None => knock(target, door.with(set)).await,
        }
    }))
    .await
}

async fn knock_once(target: &Target, door: &Door<'_>) -> Seen {
    let _permit = door.scan.permits.acquire(&target.server_key()).await;
    let record = match &door.sessions {
        Some(s) => s.next_record(),
        None => SharedRecord::default(),
    };
    let versions = [door.version];
    let setup = |alpn| door_setup(target, door, &versions, alpn);
    // A door offering a session it holds spends it; one recording the session it gets (the
    // first knock of a name, shared with the resumption probe) may be asked again without it.
    let offers_a_session = door.sessions.as_ref().is_some_and(|s| s.holds_any());
    let mut result = transport::run(target, setup(offered_alpn(door)), &record).await;
    let (mut cert_requested, mut acceptable_cas) = {
        let r = record.lock();
        (r.cert_requested, r.acceptable_cas.clone())
    };
    // Reset at its stream over h2 (Tomcat resets an h2 request whose `Host` is not its SNI name,
    // where HTTP/1.1 gets its 400: a correct server was incomplete): asked again offering
    // HTTP/1.1 alone, whose HTTP answer stands for it. Not for a door offering a session (its
    // ticket is spent); a door recording one is asked again without it.
    let misdirected = misdirected_over_h2(&result);
    if (reset_over_h2(&result) || misdirected) && !offers_a_session {
        let record = SharedRecord::default();
        let unshared = Door {
            sessions: None,
            ..door.clone()
        };
        let again = transport::run(
            target,
            door_setup(target, &unshared, &versions, transport::Alpn::Http1Only),
            &record,
        )
        .await;
        // A 421 stands where HTTP/1.1 answers 421 too (nginx, Apache: both protocols).
        if again.http_status.is_some() && !(misdirected && again.http_status == Some(421)) {
            (cert_requested, acceptable_cas) = {
                let r = record.lock();
                (r.cert_requested, r.acceptable_cas.clone())
            };
            let why = result.detail.take().unwrap_or_default();
            result = again;
            let said = result.detail.take();
            let h2 = if misdirected {
                "over h2 it was answered 421 Misdirected Request".to_owned()
            } else {
                format!("over h2 the stream was reset ({why})")
            };
            result.detail = Some(match said {
                Some(d) => format!("{h2}; over HTTP/1.1: {d}"),
                None => format!("{h2}; asked over HTTP/1.1"),
            });
        }
    }
    tracing::debug!(
        target: "probe_core::side_door",
        url = %target.url,
        version = ?door.version,
        sni = ?door.sni,
        host = ?door.host,
        headers = door.headers.len(),
        sessions = door.sessions.is_some(),
        outcome = ?result.outcome,
        status = ?result.http_status,
        detail = ?result.detail,
        "knocked"
    );
    Seen {
        result,
        cert_requested,
        let_in_by_page: false,
        acceptable_cas,
    }
}

/// `name:port`, or `name` on 443: the `Host` a client of that name sends.
pub fn authority_of(name: &str, port: u16) -> String {
    if port == 443 {
        name.to_owned()
    } else {
        format!("{name}:{port}")
    }
}

/// Side-door exchanges as the transport records them, for the probes' judgement tests.
#[cfg(test)]
pub(crate) mod recorded {
    use super::Seen;
    use crate::facts::{Outcome, TlsVersion};
    use crate::transport::{classify_status, ExchangeResult};

    /// An HTTP answer `status` (classed as the transport classes it) with `body`, after a
    /// handshake without a CertificateRequest.
    pub fn http(status: u16, body: &str) -> Seen {
        Seen {
            result: ExchangeResult {
                outcome: Some(classify_status(status)),
                http_status: Some(status),
                body_excerpt: (!body.is_empty()).then(|| body.to_owned()),
                body: body.as_bytes().to_vec(),
                content_type: Some("text/plain".to_owned()),
                tls_version: Some(TlsVersion::Tls13),
                complete: true,
                ..ExchangeResult::default()
            },
            cert_requested: false,
            let_in_by_page: false,
            acceptable_cas: Vec::new(),
        }
    }

    /// A CertificateRequest, then the TLS alert `alert` (no certificate was sent).
    pub fn refused_tls(alert: &str) -> Seen {
        Seen {
            result: ExchangeResult {
                outcome: Some(Outcome::RefusedTls),
                alert: Some(alert.to_owned()),
                ..ExchangeResult::default()
            },
            cert_requested: true,
            let_in_by_page: false,
            acceptable_cas: Vec::new(),
        }
    }

    /// Reached, but nothing could be read as an answer: `detail` says why.
    pub fn inconclusive(detail: &str) -> Seen {
        Seen {
            result: ExchangeResult {
                outcome: Some(Outcome::Inconclusive),
                detail: Some(detail.to_owned()),
                ..ExchangeResult::default()
            },
            cert_requested: false,
            let_in_by_page: false,
            acceptable_cas: Vec::new(),
        }
    }

    /// The exchange failed before any answer: no alert (a connection that failed, not TLS).
    pub fn failed(detail: &str) -> Seen {
        Seen {
            result: ExchangeResult {
                outcome: Some(Outcome::Error),
                detail: Some(detail.to_owned()),
                ..ExchangeResult::default()
            },
            cert_requested: false,
            let_in_by_page: false,
            acceptable_cas: Vec::new(),
        }
    }

    /// The handshake refused with `alert` before the server's certificate, as a refusal of the
    /// version (`protocol_version`, `handshake_failure`): the name does not speak it.
    pub fn version_refused(alert: &str) -> Seen {
        Seen {
            result: ExchangeResult {
                outcome: Some(Outcome::UnsupportedVersion),
                alert: Some(alert.to_owned()),
                detail: Some(format!("refused before its certificate: {alert}")),
                ..ExchangeResult::default()
            },
            cert_requested: false,
            let_in_by_page: false,
            acceptable_cas: Vec::new(),
        }
    }

    /// The handshake refused with `alert` before the server's certificate (an unknown name).
    pub fn alert_before_certificate(alert: &str) -> Seen {
        Seen {
            result: ExchangeResult {
                outcome: Some(Outcome::Error),
                alert: Some(alert.to_owned()),
                ..ExchangeResult::default()
            },
            cert_requested: false,
            let_in_by_page: false,
            acceptable_cas: Vec::new(),
        }
    }

    impl Seen {
        /// The same, after a handshake that sent a CertificateRequest.
        pub fn asked(mut self) -> Self {
            self.cert_requested = true;
            self
        }

        /// The same, over a resumed session.
        pub fn resumed(mut self) -> Self {
            self.result.resumed = true;
            self
        }
    }
}

#[cfg(test)]
mod tests {
    use super::recorded::{
        alert_before_certificate, failed, http, inconclusive, refused_tls, version_refused,
    };
    use super::{shared_knock, Sni};

    #[tokio::test]
    async fn a_shared_knock_is_one_connection_for_all_its_callers(
    ) -> Result<(), Box<dyn std::error::Error>> {
        use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
        use std::sync::Arc;

        use crate::facts::TlsVersion;
        // A server that accepts and hangs up at once, counting connections.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let port = listener.local_addr()?.port();
        let accepted = Arc::new(AtomicUsize::new(0));
        let counter = accepted.clone();
        let server = tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                counter.fetch_add(1, SeqCst);
                drop(socket);
            }
        });
        let scanner = crate::engine::Scanner::new(&crate::engine::ScanOptions {
            timeout: std::time::Duration::from_secs(2),
            system_roots: false,
            ..crate::engine::ScanOptions::default()
        })?;
        let scan = scanner.context();
        let target = crate::target::Target::parse(&format!("https://127.0.0.1:{port}/"))?;
        let first = super::FirstWave::default();
        let www = Sni::Name("www.example.test".into());
        let (a, b) = tokio::join!(
            shared_knock(&target, scan, &first, TlsVersion::Tls13, &www),
            shared_knock(&target, scan, &first, TlsVersion::Tls13, &www)
        );
        assert!(Arc::ptr_eq(&a.sessions, &b.sessions));
        assert_eq!(accepted.load(SeqCst), 1);
        // Another version or another name is another connection.
        let _ = shared_knock(&target, scan, &first, TlsVersion::Tls12, &www).await;
        let _ = shared_knock(&target, scan, &first, TlsVersion::Tls13, &Sni::Omit).await;
        assert_eq!(accepted.load(SeqCst), 3);
        // A hang-up is no answer: each probe tries again on connections of its own.
        assert!(a.seen.unreadable().is_some());
        server.abort();
        Ok(())
    }

    #[test]
    fn a_close_without_an_alert_is_a_refusal_only_when_it_repeats() {
        let close = || {
            let mut s = refused_tls("x");
            s.result.alert = None;
            s.result.unconfirmed = true;
            s.result.detail = Some("connection ended without an alert".into());
            s
        };
        assert!(close().unreadable().is_some());
        assert_eq!(close().confirmed_by(&close()).unreadable(), None);
        assert!(close().confirmed_by(&http(200, "x")).unreadable().is_some());
    }

    #[test]
    fn a_version_refusal_is_read_but_flagged_as_no_shut_door() {
        let refused = version_refused("ProtocolVersion");
        // Asking again on the same version would get the same: not retried, not unread.
        assert_eq!(refused.unreadable(), None);
        assert!(refused.version_refused());
        for other in [
            http(200, "x"),
            refused_tls("certificate required"),
            alert_before_certificate("unrecognised name"),
            inconclusive("timed out"),
        ] {
            assert!(!other.version_refused(), "{}", other.describe());
        }
    }

    #[test]
    fn only_an_answer_or_a_refusal_is_readable() {
        for readable in [
            http(200, "x"),
            http(403, "no"),
            http(302, ""),
            refused_tls("certificate required"),
            alert_before_certificate("unrecognised name"),
        ] {
            assert_eq!(readable.unreadable(), None, "{}", readable.describe());
        }
        assert_eq!(
            inconclusive("timed out").unreadable().as_deref(),
            Some("timed out")
        );
        assert_eq!(
            failed("connection refused").unreadable().as_deref(),
            Some("connection refused")
        );
        // A busy door is not a shut one, even when it answers so every time.
        for status in [429, 502, 503, 504] {
            let why = http(status, "busy").unreadable();
            assert!(
                why.as_deref()
                    .is_some_and(|w| w.contains(&status.to_string())),
                "{status}: {why:?}"
            );
            assert!(http(status, "busy")
                .confirmed_by(&http(status, "busy"))
                .unreadable()
                .is_some());
        }
        assert_eq!(http(500, "oops").unreadable(), None);
    }
}
