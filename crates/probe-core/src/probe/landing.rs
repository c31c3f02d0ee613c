//! Where a served side door landed: on the protected site, or on a page the server gives anyway.
//!
//! A side door (another SNI name with the protected `Host`, a session resumed from another name)
//! that is served a 2xx is a bypass only if the page is the protected site's. Two pages a server
//! gives whatever the `Host` are not: the door name's own site, and the page for any `Host` the
//! server does not know (an SNI router that sends the door name to another backend, whose default
//! site answers). So a served door is judged against controls on the same name, without a
//! certificate: its own `Host` (when that is another `Host` than the protected one), and a `Host`
//! nobody serves (`mtls-scan-<random>.invalid`). A page unlike both is specific to the protected
//! `Host`: a bypass. A page like one of them may still be the protected site's (a default backend
//! can be the protected app; a server that ignores `Host` serves the protected app to every
//! name), so the protected site's page, fetched with the scan's valid certificate when there is
//! one, decides. Without one, only a page like the name's own and unlike the unknown `Host`'s (a
//! name that routes the protected `Host` to its own site) is told apart; the rest stays unsure,
//! and the target incomplete, never passed.
//!
//! Pages are compared as a user would: the same status, and the same tokens in the same places,
//! where a `Host` an answer asked for counts as one placeholder (default pages echo it), and a
//! token may differ where it is a number or a date, or where the same control asked twice got
//! two different ones (nonces, CSRF tokens, request ids).

use super::side_door::{authority_of, knock, Door, Seen};
use super::{FirstWave, ScanContext};
use crate::facts::TlsVersion;
use crate::target::Target;
use crate::transport::Sni;

/// One control: the `Host` it asked for, what it got, and what it got when asked again at once
/// (what differs between the two changes from one answer to the next).
#[derive(Debug, Clone)]
pub struct Control {
    /// The `Host` asked for.
    pub host: String,
    /// What it got.
    pub seen: Seen,
    /// What it got the second time.
    pub again: Option<Seen>,
}

/// The controls a served door was judged against, as far as they were needed.
#[derive(Debug, Clone, Default)]
pub struct Controls {
    /// The `Host` the door (and the reference) asked for: the protected one.
    pub protected_host: String,
    /// The door's name asking for its own `Host` (none without SNI, or when the name's own
    /// `Host` is the protected one or one nobody serves).
    pub own: Option<Control>,
    /// The door's name asking for a `Host` nobody serves.
    pub unknown: Option<Control>,
    /// The protected name and `Host` with the scan's valid certificate, fetched only when the
    /// controls did not already show the door's page specific to the protected `Host`.
    pub reference: Option<Control>,
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

/// A body as tokens, the `Host` it asked for as one placeholder, and whether it was cut short.
struct Page {
    tokens: Vec<Vec<u8>>,
    cut: bool,
}

impl Page {
    fn of(seen: &Seen, host: &str) -> Page {
        let r = &seen.result;
        Page {
            tokens: tokens(&without_host(&r.body, host)),
            cut: r.truncated || !r.complete,
        }
    }
}

/// A placeholder for the `Host` an answer asked for (a byte no text holds).
const HOST_MARK: u8 = 0x01;

/// `body` with every occurrence of `host` (with its port, then without) as [`HOST_MARK`], ASCII
/// case ignored.
fn without_host(body: &[u8], host: &str) -> Vec<u8> {
    let bare = match host.rsplit_once(':') {
        Some((h, port)) if port.bytes().all(|b| b.is_ascii_digit()) => h,
        _ => host,
    };
    let mut out = body.to_vec();
    for needle in [host.as_bytes(), bare.as_bytes()] {
        if needle.is_empty() {
            continue;
        }
        let mut next = Vec::with_capacity(out.len());
        let mut i = 0;
        while i < out.len() {
            match out.get(i..i + needle.len()) {
                Some(w) if w.eq_ignore_ascii_case(needle) => {
                    next.push(HOST_MARK);
                    i += needle.len();
                }
                _ => {
                    next.extend(out.get(i).copied());
                    i += 1;
                }
            }
        }
        out = next;
    }
    out
}

/// The tokens of a body: runs of word characters, and every other character but white space
/// alone.
fn tokens(body: &[u8]) -> Vec<Vec<u8>> {
    let word = |b: &u8| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'+' | b'/' | b'=');
    let mut out = Vec::new();
    let mut rest = body;
    while let Some(&first) = rest.first() {
        let len = if word(&first) {
            rest.iter().position(|b| !word(b)).unwrap_or(rest.len())
        } else {
            1
        };
        let (token, tail) = rest.split_at(len.max(1).min(rest.len()));
        rest = tail;
        if !token.iter().all(u8::is_ascii_whitespace) {
            out.push(token.to_vec());
        }
    }
    out
}

/// A number or a date: digits, and the separators a date holds.
fn number_like(token: &[u8]) -> bool {
    token.iter().any(u8::is_ascii_digit)
        && token
            .iter()
            .all(|b| b.is_ascii_digit() || matches!(b, b'-' | b'/' | b'+'))
}

/// Where a control asked twice got different tokens (nothing when it was not asked twice, or the
/// two differ in length or status).
fn changing(c: &Control) -> Option<Vec<bool>> {
    let again = c.again.as_ref()?;
    if c.seen.status() != again.status() {
        return None;
    }
    let (a, b) = (Page::of(&c.seen, &c.host), Page::of(again, &c.host));
    (a.tokens.len() == b.tokens.len()).then(|| {
        a.tokens
            .iter()
            .zip(&b.tokens)
            .map(|(x, y)| x != y)
            .collect()
    })
}

/// Whether two bodies are the same page: the same tokens in the same places but where both are
/// numbers or where `changing` (learned on a page of the same length) says one changes. A body
/// cut short is compared on the tokens it holds whole, which the other must hold too.
fn same_tokens(a: &Page, b: &Page, changing: &[Vec<bool>]) -> bool {
    let whole = |p: &Page| {
        if p.cut {
            p.tokens.len().saturating_sub(1)
        } else {
            p.tokens.len()
        }
    };
    let (la, lb) = (a.tokens.len(), b.tokens.len());
    let n = match (a.cut, b.cut) {
        (false, false) if la == lb => la,
        (false, false) => return false,
        (true, false) if lb >= whole(a) => whole(a),
        (false, true) if la >= whole(b) => whole(b),
        (true, true) => whole(a).min(whole(b)),
        _ => return false,
    };
    if n == 0 && (a.cut || b.cut) {
        return false;
    }
    let learned: Vec<&Vec<bool>> = changing
        .iter()
        .filter(|v| v.len() == la || v.len() == lb)
        .collect();
    (0..n).all(|i| match (a.tokens.get(i), b.tokens.get(i)) {
        (Some(x), Some(y)) => {
            x == y
                || (number_like(x) && number_like(y))
                || learned.iter().any(|v| v.get(i) == Some(&true))
        }
        _ => false,
    })
}

/// Whether `a` (asked with `Host` `a_host`) and `b` are the same page: both served, the same
/// status, the same tokens (see [`same_tokens`]).
fn same_page(a: &Seen, a_host: &str, b: &Seen, b_host: &str, changing: &[Vec<bool>]) -> bool {
    a.served()
        && b.served()
        && a.status() == b.status()
        && (a.result.body == b.result.body
            || same_tokens(&Page::of(a, a_host), &Page::of(b, b_host), changing))
}

/// Judges a served door against its controls. The protected site's own page, when it was fetched
/// with the certificate, outranks the rest: a door served that page is in, even on a name that
/// answers every `Host` alike.
pub fn landing(door: &Seen, c: &Controls) -> Landing {
    let changing: Vec<Vec<bool>> = [&c.own, &c.unknown, &c.reference]
        .into_iter()
        .flatten()
        .filter_map(changing)
        .collect();
    let like = |ctl: &Control| {
        [Some(&ctl.seen), ctl.again.as_ref()]
            .into_iter()
            .flatten()
            .any(|seen| same_page(door, &c.protected_host, seen, &ctl.host, &changing))
    };
    if c.reference.as_ref().is_some_and(like) {
        return Landing::Protected;
    }
    if let Some(own) = &c.own {
        if let Some(why) = own.seen.unreadable() {
            return Landing::Unsure(format!("its own Host's answer could not be read: {why}"));
        }
    }
    if let Some(unknown) = &c.unknown {
        if let Some(why) = unknown.seen.unreadable() {
            return Landing::Unsure(format!(
                "the answer to Host {} (a name nobody serves) could not be read: {why}",
                unknown.host
            ));
        }
    }
    let like_own = c.own.as_ref().is_some_and(like);
    let like_unknown = c.unknown.as_ref().is_some_and(like);
    if !like_own && !like_unknown {
        return Landing::Protected;
    }
    let unknown_host = c.unknown.as_ref().map_or("", |u| u.host.as_str());
    let page = match (like_own, like_unknown) {
        (true, true) => format!(
            "the page the name gives every Host (its own, and {unknown_host} that nobody serves)"
        ),
        (true, false) => "the page the name gives its own Host".to_owned(),
        _ => format!("the page any unknown Host gets (as Host {unknown_host} did)"),
    };
    match &c.reference {
        Some(r) if r.seen.served() => Landing::Elsewhere(format!(
            "{page}, not the protected site's (its page with the client certificate differs)"
        )),
        Some(r) => Landing::Unsure(format!(
            "it got {page}, and the protected site's own page could not be read with the client \
             certificate to tell them apart ({})",
            r.seen.describe()
        )),
        // A name that routes the protected Host to its own site, unlike any other Host.
        None if like_own && !like_unknown => Landing::Elsewhere(page),
        None => Landing::Unsure(format!(
            "it got {page}: that may be a catch-all or default site, or the protected one; give \
             a client certificate (`client-cert`, `client-key`) or a staging CA so the scan can \
             tell"
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

/// A door's exchange without a certificate and without a session.
fn plain<'a>(
    scan: &'a ScanContext,
    version: TlsVersion,
    sni: Sni,
    host: Option<String>,
) -> Door<'a> {
    Door {
        version,
        sni,
        host,
        headers: Vec::new(),
        sessions: None,
        cert: None,
        scan,
    }
}

/// The door `make` makes, asked twice at once, as a control for `host`.
async fn twice<'a>(target: &Target, make: impl Fn() -> Door<'a>, host: String) -> Control {
    let (seen, again) =
        futures_util::future::join(knock(target, make()), knock(target, make())).await;
    Control {
        host,
        seen,
        again: Some(again),
    }
}

/// Fetches the controls a served door on `version` with server name `sni` needs, and judges it:
/// its own `Host` (when `with_own` and the door has a name) and an unknown `Host`, each asked
/// twice, all at once; then, unless that showed the page specific to the protected `Host`, the
/// protected site's page with the scan's valid certificate (when it has one), fetched twice once
/// per target and version.
pub async fn judge_served(
    target: &Target,
    scan: &ScanContext,
    first: &FirstWave,
    version: TlsVersion,
    sni: &Sni,
    door: &Seen,
    with_own: bool,
) -> (Landing, Controls) {
    let own_host = match sni {
        Sni::Name(name) if with_own => Some(authority_of(name, target.port)),
        _ => None,
    };
    let unknown = unknown_host(target.port);
    let (own, unknown) = futures_util::future::join(
        async {
            match own_host {
                Some(h) => {
                    let make = || plain(scan, version, sni.clone(), Some(h.clone()));
                    Some(twice(target, make, h.clone()).await)
                }
                None => None,
            }
        },
        twice(
            target,
            || plain(scan, version, sni.clone(), Some(unknown.clone())),
            unknown.clone(),
        ),
    )
    .await;
    let mut controls = Controls {
        protected_host: target.authority(),
        own,
        unknown: Some(unknown),
        reference: None,
    };
    let verdict = landing(door, &controls);
    if verdict == Landing::Protected {
        return (verdict, controls);
    }
    let Some(cert) = super::valid_client_cert::chooser(&scan.probes) else {
        return (verdict, controls);
    };
    let cell = first.knocks.reference_cell(version);
    let (seen, again) = cell
        .get_or_init(|| async {
            let with_cert = || Door {
                cert: Some(cert.clone()),
                ..plain(scan, version, Sni::Target, None)
            };
            futures_util::future::join(knock(target, with_cert()), knock(target, with_cert())).await
        })
        .await
        .clone();
    controls.reference = Some(Control {
        host: target.authority(),
        seen,
        again: Some(again),
    });
    (landing(door, &controls), controls)
}

/// How an exchange with `sni` on `target` is named in evidence: `SNI name`, or `no SNI`.
pub fn sni_label(sni: &Sni, target: &Target) -> String {
    match sni {
        Sni::Omit => "no SNI".to_owned(),
        Sni::Name(n) => format!("SNI {n}"),
        Sni::Target if target.host.parse::<std::net::IpAddr>().is_ok() => "no SNI".to_owned(),
        Sni::Target => format!("SNI {}", target.host),
    }
}

/// The controls as evidence lines: (what was asked, what it got); `label` names the door's SNI.
pub fn evidence(controls: &Controls, label: &str, target: &Target) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if let Some(own) = &controls.own {
        out.push((format!("{label} + its own Host"), own.seen.describe()));
    }
    if let Some(unknown) = &controls.unknown {
        out.push((
            format!("{label} + Host {}", unknown.host),
            unknown.seen.describe(),
        ));
    }
    if let Some(r) = &controls.reference {
        out.push((
            format!(
                "{} + Host {} with the client certificate",
                sni_label(&Sni::Target, target),
                target.authority()
            ),
            r.seen.describe(),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::side_door::recorded::{http, inconclusive, refused_tls};

    const PROTECTED: &str = "secure.test:8443";
    const UNKNOWN: &str = "mtls-scan-0.invalid:8443";

    /// A control asked once.
    fn once(host: &str, seen: Seen) -> Option<Control> {
        Some(Control {
            host: host.to_owned(),
            seen,
            again: None,
        })
    }

    /// A control asked twice.
    fn asked_twice(host: &str, seen: Seen, again: Seen) -> Option<Control> {
        Some(Control {
            host: host.to_owned(),
            seen,
            again: Some(again),
        })
    }

    fn controls(own: Option<Seen>, unknown: Seen, reference: Option<Seen>) -> Controls {
        Controls {
            protected_host: PROTECTED.to_owned(),
            own: own.and_then(|o| once("public.test:8443", o)),
            unknown: once(UNKNOWN, unknown),
            reference: reference.and_then(|r| once(PROTECTED, r)),
        }
    }

    fn same(a: &Seen, b: &Seen) -> bool {
        same_page(a, PROTECTED, b, PROTECTED, &[])
    }

    #[test]
    fn pages_differing_only_in_numbers_and_dates_are_the_same_page() {
        let a = http(
            200,
            "<p>Welcome</p> served 2026-12-01 10:00:01, request 4711",
        );
        let b = http(
            200,
            "<p>Welcome</p> served 2026-12-01 10:00:02, request 4712",
        );
        assert!(same(&a, &b));
        // Words differ: another page.
        assert!(!same(&http(200, "secret area"), &http(200, "public area")));
        // A bundle hash is not a number: two app shells that differ only in it are two pages.
        assert!(!same(
            &http(200, "<script src=/main.3f9a8c1b.js>"),
            &http(200, "<script src=/main.77e0d2aa.js>")
        ));
        // Another status, or not served: another page.
        assert!(!same(&http(200, "x"), &http(203, "x")));
        assert!(!same(&http(404, "x"), &http(404, "x")));
        // Whitespace alone does not make another page.
        assert!(same(&http(200, "a  b\r\n"), &http(200, "a b\n")));
    }

    #[test]
    fn tokens_that_changed_between_two_asks_may_differ() {
        let door = http(200, "<input name=csrf value=aZ3kQ9xx> welcome");
        let unknown = asked_twice(
            UNKNOWN,
            http(200, "<input name=csrf value=Yb7pL2yy> welcome"),
            http(200, "<input name=csrf value=Qq1wE4zz> welcome"),
        );
        let c = Controls {
            protected_host: PROTECTED.to_owned(),
            own: None,
            unknown,
            reference: None,
        };
        // The door's page is the unknown Host's, nonce aside: unsure without a reference.
        assert!(matches!(landing(&door, &c), Landing::Unsure(_)));
        // The same nonce both times: the token is not known to change, so the door's differs.
        let c = Controls {
            unknown: asked_twice(
                UNKNOWN,
                http(200, "<input name=csrf value=Yb7pL2yy> welcome"),
                http(200, "<input name=csrf value=Yb7pL2yy> welcome"),
            ),
            ..c
        };
        assert_eq!(landing(&door, &c), Landing::Protected);
    }

    #[test]
    fn a_page_that_echoes_the_host_it_was_asked_is_one_page() {
        // A default page names the Host it was asked for: the door's and the unknown Host's are
        // the same page.
        let door = http(200, "<h1>No site is configured at secure.test:8443</h1>");
        let c = controls(
            Some(http(200, "public area")),
            http(
                200,
                "<h1>No site is configured at MTLS-SCAN-0.invalid:8443</h1>",
            ),
            None,
        );
        assert!(matches!(landing(&door, &c), Landing::Unsure(_)));
        // Without the port too.
        let door = http(200, "Welcome to secure.test");
        let c = controls(None, http(200, "Welcome to mtls-scan-0.invalid"), None);
        assert!(matches!(landing(&door, &c), Landing::Unsure(_)));
    }

    #[test]
    fn cut_bodies_compare_what_both_hold_whole() {
        let mut a = http(200, "same start then 12345 and more words");
        let mut b = http(200, "same start then 67");
        a.result.truncated = true;
        b.result.truncated = true;
        assert!(same(&a, &b));
        let mut c = http(200, "other start then 1");
        c.result.truncated = true;
        assert!(!same(&a, &c));
        // A complete short page is not the start of a long cut one.
        let short = http(200, "same");
        assert!(!same(&a, &short));
        // A body that stalled is cut too, not whole.
        let mut stalled = http(200, "same start then 9");
        stalled.result.complete = false;
        assert!(same(&stalled, &http(200, "same start then 9 and the rest")));
    }

    #[test]
    fn a_page_specific_to_the_protected_host_is_protected() {
        let door = http(200, "secret area");
        let c = controls(
            Some(http(200, "public area")),
            http(200, "public area"),
            None,
        );
        assert_eq!(landing(&door, &c), Landing::Protected);
        // An unknown Host refused or not found: the door's page is still specific.
        let c = controls(
            Some(http(200, "public area")),
            http(404, "no such site"),
            None,
        );
        assert_eq!(landing(&door, &c), Landing::Protected);
    }

    #[test]
    fn the_names_own_page_unlike_any_other_hosts_is_elsewhere() {
        let door = http(200, "public area, served at 10:00:01");
        let c = controls(
            Some(http(200, "public area, served at 10:00:02")),
            http(200, "default site"),
            None,
        );
        let Landing::Elsewhere(page) = landing(&door, &c) else {
            panic!("the name's own page is elsewhere");
        };
        assert_eq!(page, "the page the name gives its own Host");
    }

    #[test]
    fn a_page_every_host_gets_needs_the_protected_page_to_tell() {
        // A catch-all public site, or a server that ignores Host and serves the protected site
        // to the other name: the same pages without a certificate.
        let door = http(200, "one page");
        let without = controls(Some(http(200, "one page")), http(200, "one page"), None);
        let Landing::Unsure(why) = landing(&door, &without) else {
            panic!("a catch-all without a reference must stay unsure");
        };
        assert!(
            why.contains("every Host") && why.contains("client certificate"),
            "{why}"
        );
        // The protected page is that page: in.
        let c = controls(
            Some(http(200, "one page")),
            http(200, "one page"),
            Some(http(200, "one page")),
        );
        assert_eq!(landing(&door, &c), Landing::Protected);
        // The protected page differs: a catch-all, said so.
        let c = controls(
            Some(http(200, "one page")),
            http(200, "one page"),
            Some(http(200, "admin console")),
        );
        let Landing::Elsewhere(page) = landing(&door, &c) else {
            panic!("a catch-all unlike the protected page is elsewhere");
        };
        assert!(
            page.contains("with the client certificate differs"),
            "{page}"
        );
    }

    #[test]
    fn the_unknown_hosts_page_needs_the_protected_sites_page_to_tell() {
        let door = http(200, "default site");
        let without = controls(
            Some(http(200, "public area")),
            http(200, "default site"),
            None,
        );
        let Landing::Unsure(why) = landing(&door, &without) else {
            panic!("a default page without a reference must stay unsure");
        };
        assert!(why.contains("any unknown Host gets"), "{why}");
        // The protected site's page differs: the door landed on the default site.
        let other = controls(
            Some(http(200, "public area")),
            http(200, "default site"),
            Some(http(200, "secret area")),
        );
        assert!(matches!(landing(&door, &other), Landing::Elsewhere(_)));
        // It is the protected site's page: the default backend is the protected site.
        let same = controls(
            Some(http(200, "public area")),
            http(200, "default site"),
            Some(http(200, "default site")),
        );
        assert_eq!(landing(&door, &same), Landing::Protected);
    }

    #[test]
    fn a_reference_that_could_not_be_read_is_unsure_never_a_pass() {
        for door_like in ["public area", "default site"] {
            let door = http(200, door_like);
            for reference in [
                refused_tls("certificate_unknown").asked(),
                inconclusive("timed out"),
                http(503, "busy"),
            ] {
                let c = controls(
                    Some(http(200, "public area")),
                    http(200, "default site"),
                    Some(reference),
                );
                assert!(
                    matches!(landing(&door, &c), Landing::Unsure(_)),
                    "{door_like}: {:?}",
                    landing(&door, &c)
                );
            }
        }
    }

    #[test]
    fn unreadable_controls_are_unsure_never_a_pass() {
        let door = http(200, "secret area");
        let c = controls(
            Some(inconclusive("timed out")),
            http(200, "public area"),
            None,
        );
        assert!(matches!(landing(&door, &c), Landing::Unsure(_)));
        let c = controls(Some(http(200, "public area")), http(503, "busy"), None);
        assert!(matches!(landing(&door, &c), Landing::Unsure(_)));
        // The protected page read with the certificate settles it anyway.
        let c = controls(
            Some(inconclusive("timed out")),
            http(503, "busy"),
            Some(http(200, "secret area")),
        );
        assert_eq!(landing(&door, &c), Landing::Protected);
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

    #[test]
    fn labels_name_the_sni_sent() {
        let t = Target::parse("https://secure.test/").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(sni_label(&Sni::Omit, &t), "no SNI");
        assert_eq!(sni_label(&Sni::Target, &t), "SNI secure.test");
        let ip = Target::parse("https://127.0.0.1:8443/").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(sni_label(&Sni::Target, &ip), "no SNI");
    }
}
