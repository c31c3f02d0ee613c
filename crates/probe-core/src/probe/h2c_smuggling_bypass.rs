//! `h2c-smuggling-bypass`: a front that checks the client certificate per path on the requests it
//! reads (nginx `ssl_verify_client optional` and `if ($ssl_client_verify != SUCCESS) { return
//! 403; }` in `location /admin`, HAProxy `http-request deny if { path_beg /admin } !{ ssl_c_used
//! }`, Apache `<Location /admin> Require expr %{SSL_CLIENT_VERIFY} == 'SUCCESS'`), and forwards the
//! `Upgrade` header of the other paths to a backend that speaks h2c (the WebSocket lines every
//! proxy guide gives: `proxy_set_header Upgrade $http_upgrade`), relays the connection blind once
//! the backend answers `101 Switching Protocols` to an `Upgrade: h2c`: every request over that
//! tunnel reaches the backend unread by the front's rule ("h2c smuggling", Bishop Fox 2020).
//!
//! Where the protected name answered an anonymous client over HTTP without serving it (401, 403,
//! a redirect, 404; not nginx's own certificate page), an `Upgrade: h2c` goes without a
//! certificate on `/`, a path nobody serves (which a catch-all location forwards), then the paths
//! WebSocket locations take (`/ws/`, `/websocket`, `/socket.io/`), until one is switched, on the
//! newest version refused so
//! ([`crate::transport::h2c`]). Where it is switched, the path as written is asked over HTTP/2
//! through the tunnel. A 2xx is a door only where its page is the very page the valid certificate
//! is served (without `client-cert` or a staging CA: incomplete; a page much like it, sharing its
//! words, cut short or never ended: incomplete), not a page every path gets through the tunnel (an HTML shell: no door; data:
//! incomplete), and only when two more tries through the tunnel are answered no otherwise (served,
//! or broken off: a backend that ends its tunnels early serves some only) while the path asked
//! directly, twice beside them, stays refused. A tunnel whose answer could not be read, or that
//! the server ended before the path each of 3 times, and an upgrade that got no answer at all (a
//! time-out), leave the target incomplete; an upgrade refused, answered as any request, or closed
//! opens no tunnel (no request went past the front).

use futures_util::future::BoxFuture;
use futures_util::FutureExt as _;

use super::landing;
use super::side_door::{knock, Door, Seen};
use super::spelled::{refused_over_http, unknown_path};
use super::{FirstWave, ProbeSpec, ScanContext, Start, TargetOutcome, TargetProbe};
use crate::facts::{IncompleteProbe, Outcome, ProbeId, ProbeObservation, TlsVersion};
use crate::finding::{Finding, FindingId};
use crate::target::Target;
use crate::transport::h2c::Tunnel;
use crate::transport::Sni;

impl ProbeId {
    /// `h2c-smuggling-bypass`: the protected path asked through an h2c tunnel.
    pub const H2C_SMUGGLING_BYPASS: ProbeId = ProbeId::new("h2c-smuggling-bypass");
}

/// The probe.
pub struct H2cSmugglingBypass;

static SPEC: ProbeSpec = ProbeSpec {
    id: ProbeId::H2C_SMUGGLING_BYPASS,
    presents: "no certificate, the protected SNI and `Host`, an HTTP/1.1 `Upgrade: h2c` (with `HTTP2-Settings`) on `/`, a path nobody serves, then `/ws/`, `/websocket` and `/socket.io/` (where a proxy forwards `Upgrade` on its WebSocket location alone) until one is switched; where a server switches protocols (101), the protected path asked over HTTP/2 through that tunnel; on a 2xx, a door only where the page is the very one the valid certificate is served (without `client-cert` or a staging CA, or a page much like it, incomplete) and not the page a path nobody serves gets through the tunnel (an HTML shell: no door; data: incomplete), then through the tunnel twice more (served or broken off, never answered otherwise) beside the path asked directly twice (refused each time); on the newest version the protected name answered an anonymous client over HTTP without serving it (not nginx's own certificate page)",
    needs: "a target that answers an anonymous client over HTTP without serving it (401, 403, a redirect, 404 …)",
    findings: &[FindingId::H2cSmugglingBypass],
};

impl TargetProbe for H2cSmugglingBypass {
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
            match first {
                Some(first) => run(target, scan, first).await,
                None => TargetOutcome::default(),
            }
        }
        .boxed()
    }
}

/// A request without a certificate on the protected SNI and `Host` for the path as written:
/// through an h2c tunnel opened on `via`, or directly (`None`); `path` asks another path.
fn door<'a>(
    scan: &'a ScanContext,
    version: TlsVersion,
    via: Option<&str>,
    path: Option<String>,
) -> Door<'a> {
    Door {
        version,
        sni: Sni::Target,
        host: None,
        path,
        headers: Vec::new(),
        sessions: None,
        cert: None,
        method: None,
        h2c_via: via.map(str::to_owned),
        http1_only: false,
        scan,
    }
}

/// The path without its query.
fn bare(path: &str) -> &str {
    path.split('?').next().unwrap_or(path)
}

/// The sentence a refusal of the path as written is told with.
fn refusal_words(o: &ProbeObservation) -> String {
    let status = o.http_status.unwrap_or_default();
    match o.outcome {
        Outcome::RefusedHttp => format!("refused with HTTP {status}"),
        _ => format!("answered HTTP {status} without serving it"),
    }
}

/// The paths WebSocket locations are most often given, where a proxy may forward `Upgrade` alone.
const WEBSOCKET_PATHS: [&str; 3] = ["/ws/", "/websocket", "/socket.io/"];

/// What the upgrades got where none opened a tunnel that answered.
#[derive(Default)]
struct NoTunnel {
    /// Paths whose tunnel the server ended after the upgrade's own answer, before the path.
    ended: Vec<String>,
    /// Paths whose upgrade got no answer at all (a time-out, a failure), not a close: why.
    unanswered: Vec<String>,
}

/// The first path whose `Upgrade: h2c` was switched, and what the path as written got through
/// that tunnel; else what the upgrades got.
async fn open_tunnel(
    target: &Target,
    scan: &ScanContext,
    version: TlsVersion,
) -> Result<(String, Seen), NoTunnel> {
    // `/`, a path nobody serves (a catch-all location forwards it where `/` is served by the
    // front itself or guarded too), then the paths WebSocket locations take, where a proxy
    // forwards `Upgrade` alone (nginx's `location /ws/ { proxy_set_header Upgrade
    // $http_upgrade; … }`): the first that switches is the tunnel.
    let mut vias: Vec<String> = Vec::new();
    if bare(&target.path) != "/" {
        vias.push("/".to_owned());
    }
    vias.push(unknown_path(""));
    let own = bare(&target.path).trim_end_matches('/').to_owned();
    vias.extend(
        WEBSOCKET_PATHS
            .iter()
            .filter(|p| p.trim_end_matches('/') != own)
            .map(|p| (*p).to_owned()),
    );
    let mut got: Vec<String> = Vec::new();
    let mut none = NoTunnel::default();
    for via in vias {
        let seen = knock(target, door(scan, version, Some(&via), None)).await;
        match seen.result.h2c {
            Some(Tunnel::Opened) => return Ok((via, seen)),
            Some(Tunnel::EndedAfterStreamOne) => none.ended.push(via.clone()),
            // No answer to the upgrade and no close either (a time-out): whether a backend
            // behind took it cannot be told. A close (or an alert) is the server's answer to
            // it: no request went past the front.
            _ => {
                if let Some(why) = seen.unreadable().filter(|_| {
                    !seen.result.closed_unanswered
                        && seen.result.alert.is_none()
                        && seen.status().is_none()
                }) {
                    none.unanswered.push(format!("{via}: {why}"));
                }
            }
        }
        got.push(format!("{via}: {}", seen.describe()));
    }
    tracing::debug!(target: "probe_core::h2c", url = %target.url, ?got, "no h2c tunnel");
    Err(none)
}

/// Runs the probe on `target`.
async fn run(target: &Target, scan: &ScanContext, first: &FirstWave) -> TargetOutcome {
    let mut out = TargetOutcome::default();
    let refusals = refused_over_http(first);
    let Some(newest) = refusals.first() else {
        return out;
    };
    let version = newest.tls_version;
    let refusal = refusal_words(newest);
    let path = &target.path;
    let (via, mut seen) = match open_tunnel(target, scan, version).await {
        Ok(opened) => opened,
        Err(none) => {
            // A tunnel ended before the path was asked, on each of 3 tries: the path may be
            // served on another (an Apache event-MPM backend serves it where its stream
            // comes first), so it is unread, never passed.
            if !none.ended.is_empty() {
                out.incomplete.push(IncompleteProbe {
                    probe: ProbeId::H2C_SMUGGLING_BYPASS.as_str().to_owned(),
                    tls_version: Some(version),
                    reason: format!(
                        "an `Upgrade: h2c` without a certificate on {} was switched (101), but \
                         the server ended the HTTP/2 connection (GOAWAY) before answering {path} \
                         on it each of 3 times, so whether {path} is served through such a \
                         tunnel could not be read",
                        none.ended.join(" and ")
                    ),
                });
            } else if !none.unanswered.is_empty() {
                out.incomplete.push(IncompleteProbe {
                    probe: ProbeId::H2C_SMUGGLING_BYPASS.as_str().to_owned(),
                    tls_version: Some(version),
                    reason: format!(
                        "an `Upgrade: h2c` without a certificate got no answer ({}): whether a \
                         backend behind the server took it cannot be told",
                        none.unanswered.join("; ")
                    ),
                });
            }
            return out;
        }
    };
    let incomplete = |reason: String| IncompleteProbe {
        probe: ProbeId::H2C_SMUGGLING_BYPASS.as_str().to_owned(),
        tls_version: Some(version),
        reason,
    };
    let opened = format!(
        "an `Upgrade: h2c` on {via} without a certificate was switched (101): HTTP/2 then flowed \
         over that connection, past any rule that reads only the HTTP/1.1 request (a proxy's)"
    );
    let answer = |t: &Seen| match t.status() {
        Some(status) => format!(
            "answered HTTP {status}{}",
            t.result
                .body_excerpt
                .as_deref()
                .map(|b| format!(" (\"{}\")", crate::text::sanitize(b.as_bytes(), 60)))
                .unwrap_or_default()
        ),
        None => t.describe(),
    };
    if let Some(why) = seen.unreadable() {
        out.incomplete.push(incomplete(format!(
            "{opened}, but {path} asked through that tunnel could not be read: {why}"
        )));
        return out;
    }
    // Refused through the tunnel with the protected page for a body (an application that
    // refuses and writes on): let in all the same. Refused, its page not read to its end: unread.
    let refusal_page = newest.body_excerpt.as_deref();
    landing::let_in_by_its_page(target, scan, first, version, &mut seen, refusal_page).await;
    if let Some(why) = landing::refusal_cut(&seen) {
        out.incomplete.push(incomplete(format!(
            "{opened}, and {path} asked through that tunnel: {why}"
        )));
        return out;
    }
    if !seen.served() {
        out.notes.push(format!(
            "{version}: {opened}; {path} asked through it was {}: no bypass there. Where a \
             proxy relays such upgrades, what follows them passes its rules unread (forward \
             `Upgrade` only on WebSocket paths, and only `websocket`).",
            answer(&seen)
        ));
        return out;
    }
    // A body that never ended (a stall, not the cap) is no page to compare.
    if !seen.result.complete && !seen.result.truncated {
        out.incomplete.push(incomplete(format!(
            "{opened}, and {path} asked through that tunnel was answered HTTP {}, but its body \
             did not end: it cannot be told which page it is",
            seen.status().unwrap_or_default()
        )));
        return out;
    }
    let status = seen.status().unwrap_or_default();
    let shown = vec![path.clone(), bare(path).to_owned()];
    match landing::likeness_to_the_protected_page(
        target,
        scan,
        first,
        version,
        &seen,
        shown.clone(),
    )
    .await
    {
        None => {
            out.incomplete.push(incomplete(format!(
                "{opened}, and {path} asked through that tunnel was served HTTP {status} where \
                 asked directly it is {refusal}, but without the page the valid certificate is \
                 served, whether it is the protected page cannot be told: give a client \
                 certificate (`client-cert`, `client-key`) or a staging CA"
            )));
            return out;
        }
        Some(landing::Likeness::Cut) => {
            out.incomplete.push(incomplete(format!(
                "{opened}, and {path} asked through that tunnel was served HTTP {status} where \
                 asked directly it is {refusal}, but its answer was cut too short to tell \
                 whether it is the page the valid certificate is served"
            )));
            return out;
        }
        Some(landing::Likeness::Near) => {
            out.incomplete.push(incomplete(format!(
                "{opened}, and {path} asked through that tunnel was served HTTP {status} where \
                 asked directly it is {refusal}: a page much like the one the valid certificate \
                 is served, but not the same (the protected page telling its caller apart, or \
                 another page on the same template, cannot be told)"
            )));
            return out;
        }
        Some(landing::Likeness::Other) => {
            // Another page, but one sharing the protected page's words (the same items beside a
            // caller told apart in more than a field or two: an audit's `"client_verified":
            // false, "user": null`, read as another page, B, exit 0) may be the protected data
            // all the same: unsure. Only a page wholly unlike it is none.
            let valid = landing::protected_page_excerpt(target, scan, first, version).await;
            let body = seen.result.body_excerpt.as_deref().unwrap_or_default();
            if valid
                .as_deref()
                .is_some_and(|v| super::page::wholly_unlike(v, body))
            {
                out.notes.push(format!(
                    "{version}: {opened}; {path} asked through it was served HTTP {status}, but \
                     a page wholly unlike the one the valid certificate is served: no bypass."
                ));
            } else {
                out.incomplete.push(incomplete(format!(
                    "{opened}, and {path} asked through that tunnel was served HTTP {status} \
                     where asked directly it is {refusal}: a page that is not the one the valid \
                     certificate is served but shares its words (the protected data beside a \
                     caller told apart, or another page of the site, cannot be told)"
                )));
            }
            return out;
        }
        Some(landing::Likeness::Same) => {}
    }
    // The page any path gets through the tunnel (a backend's shell): no door where it is an
    // HTML shell, unsure where it is data.
    let nobody = unknown_path("");
    let control = knock(
        target,
        door(scan, version, Some(&via), Some(nobody.clone())),
    )
    .await;
    let mut masked = shown.clone();
    masked.push(nobody.clone());
    let everywhere = control.served()
        && control.result.h2c == Some(Tunnel::Opened)
        && landing::is_the_protected_page_with(target, scan, first, version, &control, masked)
            .await
            == Some(true);
    if everywhere && !landing::looks_like_a_shell(&control) {
        out.incomplete.push(incomplete(format!(
            "{opened}, and {path} asked through that tunnel was served the protected page, but \
             so is {nobody} through it, and it is no HTML page: the protected data left open at \
             every path, or a page every path gets, cannot be told"
        )));
        return out;
    }
    if everywhere {
        out.notes.push(format!(
            "{version}: {opened}; {path} asked through it was served the page the valid \
             certificate is served, but so is {nobody} through it: an HTML shell every path \
             gets, no bypass."
        ));
        return out;
    }
    let tunnelled = || knock(target, door(scan, version, Some(&via), None));
    let direct = || knock(target, door(scan, version, None, None));
    let (t1, t2, d1, d2) = tokio::join!(tunnelled(), tunnelled(), direct(), direct());
    // Through the tunnel never read otherwise (served, or broken off: a backend that ends its
    // tunnel after the upgrade's own answer serves the path only when its stream comes first, as
    // an Apache event-MPM backend behind HAProxy did on one tunnel of three, the others ended by
    // GOAWAY, never refused; the page it served is already the protected one, without a
    // certificate), while the path asked directly stays refused.
    let through = |t: &Seen| {
        matches!(
            t.result.h2c,
            Some(Tunnel::Opened | Tunnel::EndedAfterStreamOne)
        ) && (t.served() || (t.unreadable().is_some() && t.status().is_none()))
    };
    let holds = [&t1, &t2].iter().all(|t| through(t))
        && [&d1, &d2]
            .iter()
            .all(|d| !d.served() && d.unreadable().is_none());
    let again = format!(
        "through the tunnel again: {} / {}; directly beside it: {} / {}",
        t1.describe(),
        t2.describe(),
        d1.describe(),
        d2.describe()
    );
    if !holds {
        out.incomplete.push(incomplete(format!(
            "{opened}, and {path} asked through that tunnel was served the protected page \
             where asked directly it is {refusal}, but not again alike ({again}): the server \
             does not answer the same request alike from one connection to the next"
        )));
        return out;
    }
    let sni = if target.host.parse::<std::net::IpAddr>().is_ok() {
        String::new()
    } else {
        format!(" on SNI {}", target.host)
    };
    let mut f = Finding::new(
        FindingId::H2cSmugglingBypass,
        format!(
            "{version}: without a certificate{sni}, an HTTP/1.1 `Upgrade: h2c` on {via} was \
             switched (101 Switching Protocols), and {path} asked over HTTP/2 through that \
             tunnel was served the protected page, where asked directly it is {refusal}. The \
             rule that refuses it reads only HTTP/1.1 requests (a proxy's, forwarding the \
             `Upgrade` header to a backend that speaks h2c, which then relays the connection \
             without reading it; or a server's own that does not hold for HTTP/2 streams)."
        ),
    );
    f.tls_versions = vec![version];
    f.evidence
        .insert(format!("{version}: path {path} asked directly"), refusal);
    f.evidence.insert(
        format!("{version}: path {path} through an h2c tunnel opened on {via}"),
        seen.describe(),
    );
    f.evidence
        .insert(format!("{version}: asked again"), again.clone());
    f.evidence.insert(
        format!("{version}: {nobody} through the tunnel"),
        control.describe(),
    );
    out.findings.push(f);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_paths() {
        assert_eq!(bare("/admin?x=1"), "/admin");
        assert_eq!(bare("/"), "/");
        assert_eq!(bare("/?q"), "/");
    }
}
