//! Where a served side door landed: on the protected site, or on a page the server gives anyway.
//!
//! A side door (another SNI name with the protected `Host`, a session resumed from another name)
//! that is served a 2xx is a bypass only if the page is the protected site's. Two pages a server
//! gives whatever the `Host` are not: the door name's own site answering every `Host` alike (a
//! catch-all), and the page for any `Host` the server does not know (an SNI router that sends the
//! door name to another backend, whose default site answers). So a served door is judged against
//! controls on the same name, without a certificate: its own `Host`, and a `Host` nobody serves
//! (`mtls-scan-<random>.invalid`). A page like the own one is no bypass; one unlike the unknown
//! `Host`'s is specific to the protected `Host`, a bypass. One like the unknown `Host`'s could be
//! either (a default backend may be the protected site itself): the protected site's page, fetched
//! with the scan's valid certificate when there is one, tells; without one the door stays unsure,
//! and the target incomplete, never passed.
//!
//! Pages are compared as a user would: the same status and the same body once the tokens that
//! change from one answer to the next (anything holding a digit, or 20 characters or more: dates,
//! counters, nonces, CSRF tokens) are masked.

use super::side_door::{authority_of, knock, Door, Seen};
use super::ScanContext;
use crate::facts::TlsVersion;
use crate::target::Target;
use crate::transport::Sni;

/// The controls a served door was judged against, as far as they were needed.
#[derive(Debug, Clone, Default)]
pub struct Controls {
    /// The door's name asking for its own `Host` (none without SNI, or when the caller has it).
    pub own: Option<Seen>,
    /// The door's name asking for a `Host` nobody serves: the name shown, what it got.
    pub unknown: Option<(String, Seen)>,
    /// The protected name and `Host` with the scan's valid certificate, fetched only when the
    /// door's page is the unknown `Host`'s too.
    pub reference: Option<Seen>,
}

/// Where a served door landed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Landing {
    /// On the protected site: its page is specific to the protected `Host`, or is the one the
    /// valid certificate is served.
    Protected,
    /// On a page the server gives anyway; what that page is.
    Elsewhere(String),
    /// Could not be told; why.
    Unsure(String),
}

/// Whether two answers are the same page: both served, the same status, and the same body once
/// volatile tokens are masked (see the module's doc).
pub fn same_page(a: &Seen, b: &Seen) -> bool {
    if !(a.served() && b.served()) || a.status() != b.status() {
        return false;
    }
    let (ra, rb) = (&a.result, &b.result);
    if ra.body == rb.body {
        return true;
    }
    let (ta, tb) = (masked(&ra.body), masked(&rb.body));
    if !(ra.truncated || rb.truncated) {
        return ta == tb;
    }
    // A body cut at the cap ends in a token that may be cut too: compare what both hold whole.
    let whole = ta.len().min(tb.len()).saturating_sub(1);
    whole > 0 && ta.get(..whole) == tb.get(..whole)
}

/// Tokens of a body, volatile ones (a digit in them, or 20 characters or more) as one mask.
fn masked(body: &[u8]) -> Vec<&[u8]> {
    const MASK: &[u8] = b"\x00";
    let word = |b: &u8| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'+' | b'/' | b'=');
    let mut out = Vec::new();
    let mut rest = body;
    while let Some(&first) = rest.first() {
        let len = if word(&first) {
            rest.iter().position(|b| !word(b)).unwrap_or(rest.len())
        } else {
            1
        };
        let (token, tail) = rest.split_at(len.max(1));
        rest = tail;
        if token.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let volatile = token.len() >= 20 || token.iter().any(u8::is_ascii_digit);
        out.push(if volatile { MASK } else { token });
    }
    out
}

/// Judges a served door against its controls. The protected site's own page, when it was fetched
/// with the certificate, outranks the rest: a door served that page is in, even on a name that
/// answers every `Host` alike (a server that ignores `Host` and picks only its client-auth policy
/// by SNI serves the protected site to the other name).
pub fn landing(door: &Seen, c: &Controls) -> Landing {
    if c.reference.as_ref().is_some_and(|r| same_page(door, r)) {
        return Landing::Protected;
    }
    if let Some(own) = &c.own {
        if let Some(why) = own.unreadable() {
            return Landing::Unsure(format!("its own Host's answer could not be read: {why}"));
        }
        if same_page(door, own) {
            return Landing::Elsewhere(match &c.reference {
                Some(r) if r.served() => "the page the name gives its own Host, not the \
                                          protected site's (its page with the client certificate \
                                          differs)"
                    .to_owned(),
                Some(r) => format!(
                    "the page the name gives its own Host (the protected site's own page could \
                     not be read with the client certificate to rule it out: {})",
                    r.describe()
                ),
                None => "the page the name gives its own Host (a catch-all; given a client \
                         certificate, the scan also checks it is not the protected site's page)"
                    .to_owned(),
            });
        }
    }
    let Some((unknown_host, unknown)) = &c.unknown else {
        return Landing::Protected;
    };
    if let Some(why) = unknown.unreadable() {
        return Landing::Unsure(format!(
            "the answer to Host {unknown_host} (a name nobody serves) could not be read: {why}"
        ));
    }
    if !same_page(door, unknown) {
        return Landing::Protected;
    }
    match &c.reference {
        Some(r) if r.served() => Landing::Elsewhere(format!(
            "the page any unknown Host gets (as Host {unknown_host} did), not the protected \
             site's (its page with the client certificate differs)"
        )),
        Some(r) => Landing::Unsure(format!(
            "it got the page any unknown Host gets (as Host {unknown_host} did), and the protected \
             site's own page could not be read with the client certificate to tell them apart \
             ({})",
            r.describe()
        )),
        None => Landing::Unsure(format!(
            "it got the page any unknown Host gets (as Host {unknown_host} did): that may be a \
             default site or the protected one; give a client certificate (`client-cert`, \
             `client-key`) or a staging CA so the scan can tell"
        )),
    }
}

/// A `Host` nobody serves (RFC 2606 `.invalid`), on the target's port.
fn unknown_host(port: u16) -> String {
    let mut b = [0u8; 4];
    // A random label only avoids a name someone configured; a failed draw keeps the zeros.
    let _ = aws_lc_rs::rand::fill(&mut b);
    authority_of(
        &format!("mtls-scan-{:08x}.invalid", u32::from_be_bytes(b)),
        port,
    )
}

/// Fetches the controls a served door on `version` with server name `sni` needs, and judges it:
/// its own `Host` (when `own` is not given and the door has a name) and an unknown `Host` at once,
/// then, only when the door's page is one of theirs (so not plainly the protected `Host`'s own),
/// the protected site's page with the scan's valid certificate (when it has one).
pub async fn judge_served(
    target: &Target,
    scan: &ScanContext,
    version: TlsVersion,
    sni: &Sni,
    door: &Seen,
    own: Option<Seen>,
) -> (Landing, Controls) {
    let plain = |sni: Sni, host: Option<String>| Door {
        version,
        sni,
        host,
        headers: Vec::new(),
        sessions: None,
        cert: None,
        scan,
    };
    let own_door = match (&own, sni) {
        (None, Sni::Name(name)) => Some(plain(sni.clone(), Some(authority_of(name, target.port)))),
        _ => None,
    };
    let shown = unknown_host(target.port);
    let (fetched_own, unknown) = futures_util::future::join(
        async {
            match own_door {
                Some(d) => Some(knock(target, d).await),
                None => None,
            }
        },
        knock(target, plain(sni.clone(), Some(shown.clone()))),
    )
    .await;
    let mut controls = Controls {
        own: own.or(fetched_own),
        unknown: Some((shown, unknown)),
        reference: None,
    };
    let verdict = landing(door, &controls);
    // Only a page like a control's can be told better by the protected page; a control that
    // could not be read stays unsure whatever it shows.
    let like_a_control = controls.own.as_ref().is_some_and(|o| same_page(door, o))
        || controls
            .unknown
            .as_ref()
            .is_some_and(|(_, u)| same_page(door, u));
    if matches!(verdict, Landing::Protected) || !like_a_control {
        return (verdict, controls);
    }
    let Some(cert) = super::valid_client_cert::chooser(&scan.probes) else {
        return (verdict, controls);
    };
    let reference = Door {
        cert: Some(cert),
        ..plain(Sni::Target, None)
    };
    controls.reference = Some(knock(target, reference).await);
    (landing(door, &controls), controls)
}

/// The controls as evidence lines: (what was asked, what it got).
pub fn evidence(controls: &Controls, name: &str, target: &Target) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if let Some(own) = &controls.own {
        out.push((format!("{name} + its own Host"), own.describe()));
    }
    if let Some((host, unknown)) = &controls.unknown {
        out.push((format!("{name} + Host {host}"), unknown.describe()));
    }
    if let Some(r) = &controls.reference {
        out.push((
            format!(
                "SNI {} + Host {} with the client certificate",
                target.host,
                target.authority()
            ),
            r.describe(),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::side_door::recorded::{http, inconclusive, refused_tls};

    fn unknown(seen: Seen) -> Option<(String, Seen)> {
        Some(("mtls-scan-0.invalid:8443".to_owned(), seen))
    }

    #[test]
    fn pages_differing_only_in_volatile_tokens_are_the_same_page() {
        let a = http(
            200,
            "<p>Welcome</p><input name=csrf value=\"aZ3kQ9\"> 2026-12-01 10:00:01",
        );
        let b = http(
            200,
            "<p>Welcome</p><input name=csrf value=\"Yb7pL2\"> 2026-12-01 10:00:02",
        );
        assert!(same_page(&a, &b));
        let long = http(200, "token abcdefghijklmnopqrstuvwxyzABCDEF end");
        let other = http(200, "token ZYXWVUTSRQPONMLKJIHGFEDCBAzyxwvu end");
        assert!(same_page(&long, &other));
        // Words differ: another page.
        assert!(!same_page(
            &http(200, "secret area"),
            &http(200, "public area")
        ));
        // Another status, or not served: another page.
        assert!(!same_page(&http(200, "x"), &http(203, "x")));
        assert!(!same_page(&http(404, "x"), &http(404, "x")));
        // Whitespace alone does not make another page.
        assert!(same_page(&http(200, "a  b\r\n"), &http(200, "a b\n")));
    }

    #[test]
    fn truncated_bodies_compare_what_both_hold_whole() {
        let mut a = http(200, "same start then 12345");
        let mut b = http(200, "same start then 67");
        a.result.truncated = true;
        b.result.truncated = true;
        assert!(same_page(&a, &b));
        let mut c = http(200, "other start then 1");
        c.result.truncated = true;
        assert!(!same_page(&a, &c));
    }

    #[test]
    fn a_page_specific_to_the_protected_host_is_protected() {
        let door = http(200, "secret area");
        let c = Controls {
            own: Some(http(200, "public area")),
            unknown: unknown(http(200, "public area")),
            reference: None,
        };
        assert_eq!(landing(&door, &c), Landing::Protected);
        // An unknown Host refused or not found: the door's page is still specific.
        let c = Controls {
            unknown: unknown(http(404, "no such site")),
            ..c
        };
        assert_eq!(landing(&door, &c), Landing::Protected);
    }

    #[test]
    fn the_names_own_page_is_elsewhere() {
        let door = http(200, "public area, served at 10:00:01");
        let c = Controls {
            own: Some(http(200, "public area, served at 10:00:02")),
            unknown: unknown(http(200, "public area, served at 10:00:03")),
            reference: None,
        };
        assert!(matches!(landing(&door, &c), Landing::Elsewhere(_)));
    }

    #[test]
    fn the_unknown_hosts_page_needs_the_protected_sites_page_to_tell() {
        let door = http(200, "default site");
        let without = Controls {
            own: Some(http(200, "public area")),
            unknown: unknown(http(200, "default site")),
            reference: None,
        };
        let Landing::Unsure(why) = landing(&door, &without) else {
            panic!("a default page without a reference must stay unsure");
        };
        assert!(why.contains("client certificate"), "{why}");
        // The protected site's page differs: the door landed on the default site.
        let other = Controls {
            reference: Some(http(200, "secret area")),
            ..without.clone()
        };
        assert!(matches!(landing(&door, &other), Landing::Elsewhere(_)));
        // It is the protected site's page: the default backend is the protected site.
        let same = Controls {
            reference: Some(http(200, "default site")),
            ..without.clone()
        };
        assert_eq!(landing(&door, &same), Landing::Protected);
        // The certificate was refused: still unsure.
        let refused = Controls {
            reference: Some(refused_tls("certificate_unknown").asked()),
            ..without
        };
        assert!(matches!(landing(&door, &refused), Landing::Unsure(_)));
    }

    #[test]
    fn the_protected_page_on_a_name_that_ignores_host_is_protected() {
        // The server picks its client-auth policy by SNI and ignores Host: the other name serves
        // the protected site for any Host, its own included.
        let door = http(200, "secret area");
        let c = Controls {
            own: Some(http(200, "secret area")),
            unknown: unknown(http(200, "secret area")),
            reference: Some(http(200, "secret area")),
        };
        assert_eq!(landing(&door, &c), Landing::Protected);
        // Without the protected page, a catch-all it stays.
        let c = Controls {
            reference: None,
            ..c
        };
        assert!(matches!(landing(&door, &c), Landing::Elsewhere(_)));
        // With it, and it differs: a catch-all public site, said so.
        let c = Controls {
            reference: Some(http(200, "admin console")),
            ..c
        };
        let Landing::Elsewhere(page) = landing(&door, &c) else {
            panic!("a catch-all unlike the protected page is elsewhere");
        };
        assert!(
            page.contains("with the client certificate differs"),
            "{page}"
        );
    }

    #[test]
    fn unreadable_controls_are_unsure_never_a_pass() {
        let door = http(200, "secret area");
        let c = Controls {
            own: Some(inconclusive("timed out")),
            unknown: unknown(http(200, "public area")),
            reference: None,
        };
        assert!(matches!(landing(&door, &c), Landing::Unsure(_)));
        let c = Controls {
            own: Some(http(200, "public area")),
            unknown: unknown(http(503, "busy")),
            reference: None,
        };
        assert!(matches!(landing(&door, &c), Landing::Unsure(_)));
    }

    #[test]
    fn unknown_hosts_are_random_invalid_names() {
        let a = unknown_host(8443);
        assert!(
            a.starts_with("mtls-scan-") && a.ends_with(".invalid:8443"),
            "{a}"
        );
        assert_eq!(unknown_host(443).matches(':').count(), 0);
    }
}
