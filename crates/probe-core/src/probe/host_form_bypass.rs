//! `host-form-bypass`: a rule that refuses the anonymous client by the `Host` header as written
//! (HAProxy `http-request deny if { req.hdr(host) -i api.example } !{ ssl_c_used }`, nginx `if
//! ($http_host = …)`, Apache `<If "%{HTTP_HOST} == …">`, an application's `if request.host ==
//! …`) lets the same request in under another spelling of the same name, which every client may
//! send and every router takes for the same site: the port written out (`api.example:443`) or
//! left off, a trailing dot (`api.example.`), capitals (`API.EXAMPLE`), a leading zero in the port
//! (`api.example:0443`, which a rule that takes the port as optional lets by).
//!
//! Where the protected name answered an anonymous client over HTTP without serving it (401, 403,
//! a redirect to sign in, 404; not nginx's own certificate page, which its TLS module answers
//! before any header is read), the same request goes again on the same name, once per spelling,
//! on the newest version it was refused on. A 2xx is a door where the page is the protected
//! site's: the very page the valid certificate is served (a page merely unlike the one a `Host`
//! nobody serves gets may be a canonical-host notice or an error of its own: unsure without a
//! valid certificate, never a finding), while the protected `Host` asked again stays refused
//! ([`super::landing::judge_served_spelled`]); the spelling is then asked twice more beside
//! the protected `Host` twice, and must be served each time while that stays refused. A door is
//! tried on every other version the protected name refused on, so that the finding names each.
//! An answer that could not be read, or a page that cannot be told apart, leaves the target
//! incomplete, never passed.

use futures_util::future::{join_all, BoxFuture};
use futures_util::FutureExt as _;

use super::landing::{self, Controls, Landing};
use super::side_door::{anonymous_not_served, authority_of, knock, Door, Seen};
use super::{FirstWave, ProbeSpec, ScanContext, Start, TargetOutcome, TargetProbe};
use crate::facts::{IncompleteProbe, Outcome, ProbeId, ProbeObservation, TlsVersion};
use crate::finding::{Finding, FindingId};
use crate::target::Target;
use crate::transport::Sni;

impl ProbeId {
    /// `host-form-bypass`: the protected `Host` spelled otherwise.
    pub const HOST_FORM_BYPASS: ProbeId = ProbeId::new("host-form-bypass");
}

/// The probe.
pub struct HostFormBypass;

static SPEC: ProbeSpec = ProbeSpec {
    id: ProbeId::HOST_FORM_BYPASS,
    presents: "no certificate, the protected SNI, and the protected `Host` spelled otherwise: its port written out (`:443`) or left off, a trailing dot, capitals, a leading zero in its port; one request each, on the newest version the protected name answered an anonymous client over HTTP without serving it (not nginx's own certificate page); on a 2xx, a door only where the page is the very one the valid certificate is served (a `Host` nobody serves and the protected `Host` again as controls; without `client-cert` or a staging CA, incomplete), then the spelling twice more beside the protected `Host` twice; a door, on every other version refused over HTTP too",
    needs: "a target that answers an anonymous client over HTTP without serving it (401, 403, a redirect, 404 …)",
    findings: &[FindingId::HostFormBypass],
};

/// One other spelling of the protected `Host`: the header, and how it differs, in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spelling {
    /// The `Host` header sent.
    pub host: String,
    /// How it differs from the target's own (`without its port`, `with a trailing dot` …).
    pub how: &'static str,
}

/// The other spellings of `target`'s `Host` ([`Target::authority`]) that name the same site: the
/// port written out where it is the default and left off where it is not, a trailing dot (a DNS
/// name only), capitals (where the name has letters). Each differs from the authority.
pub fn spellings(target: &Target) -> Vec<Spelling> {
    let is_ip = target.host.parse::<std::net::IpAddr>().is_ok();
    let bare = if target.host.contains(':') {
        format!("[{}]", target.host)
    } else {
        target.host.clone()
    };
    let mut out = vec![if target.port == 443 {
        Spelling {
            host: format!("{bare}:443"),
            how: "with its default port written out",
        }
    } else {
        Spelling {
            host: bare.clone(),
            how: "without its port",
        }
    }];
    if !is_ip && !target.host.ends_with('.') {
        out.push(Spelling {
            host: authority_of(&format!("{}.", target.host), target.port),
            how: "with a trailing dot",
        });
    }
    let upper = target.host.to_ascii_uppercase();
    if !is_ip && upper != target.host {
        out.push(Spelling {
            host: authority_of(&upper, target.port),
            how: "in capitals",
        });
    }
    // The same port with a leading zero: a rule that takes the port as optional
    // (`^api\.example(:8443)?$`) lets it by, and routers that ignore the port, or read it as a
    // number, serve the same site.
    out.push(Spelling {
        host: format!("{bare}:0{}", target.port),
        how: "with a leading zero in its port",
    });
    let own = target.authority();
    out.retain(|s| s.host != own);
    out
}

/// The first wave's anonymous answers over HTTP that did not serve (a refusal status, a redirect,
/// 404 …; not a busy one, nor nginx's own certificate page, which no `Host` changes), newest
/// version first: the refusals a `Host` rule may give.
fn refused_over_http(first: &FirstWave) -> Vec<&ProbeObservation> {
    anonymous_not_served(first)
        .into_iter()
        .filter(|o| matches!(o.outcome, Outcome::RefusedHttp | Outcome::Answered))
        .filter(|o| o.http_status.is_some())
        .filter(|o| {
            !matches!(o.http_status, Some(495 | 496))
                && !crate::checks::refusal::nginx_own_certificate_page(
                    o.http_status,
                    o.body_excerpt.as_deref(),
                    o.server_header.as_deref(),
                )
        })
        .collect()
}

/// What one spelling got on one version, and where a served one landed.
struct Tried {
    spelling: Spelling,
    version: TlsVersion,
    seen: Seen,
    landed: Option<(Landing, Controls)>,
    /// The spelling asked twice more and the protected `Host` twice beside it, for a door.
    confirmed: Option<Confirmation>,
}

/// The second look at a door: the spelling twice more, the protected `Host` twice, at once.
struct Confirmation {
    spelled: [Seen; 2],
    front: [Seen; 2],
}

impl Confirmation {
    /// Served each time while the protected `Host` stayed refused (read, not served).
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
            "served {served} of 2 times more{}, the protected Host beside it: {}",
            if others.is_empty() {
                String::new()
            } else {
                format!(" (otherwise: {})", others.join(" / "))
            },
            front.join(" / ")
        )
    }
}

impl Tried {
    /// A door: served, on the protected site, and so again while the protected `Host` stayed
    /// refused.
    fn door(&self) -> bool {
        self.seen.served()
            && matches!(self.landed, Some((Landing::Protected, _)))
            && self.confirmed.as_ref().is_some_and(Confirmation::holds)
    }
}

/// A request without a certificate on the protected SNI with `host` on `version`.
fn door<'a>(scan: &'a ScanContext, version: TlsVersion, host: Option<String>) -> Door<'a> {
    Door {
        version,
        sni: Sni::Target,
        host,
        headers: Vec::new(),
        sessions: None,
        cert: None,
        scan,
    }
}

/// Asks for the protected path with `spelling` on `version`; a served answer is judged against
/// the controls, and one on the protected site looked at again.
async fn try_spelling(
    target: &Target,
    scan: &ScanContext,
    first: &FirstWave,
    version: TlsVersion,
    spelling: Spelling,
) -> Tried {
    let seen = knock(target, door(scan, version, Some(spelling.host.clone()))).await;
    let mut tried = Tried {
        spelling,
        version,
        seen,
        landed: None,
        confirmed: None,
    };
    if !tried.seen.served() {
        return tried;
    }
    let landed = landing::judge_served_spelled(
        target,
        scan,
        first,
        version,
        &tried.seen,
        &tried.spelling.host,
    )
    .await;
    if landed.0 == Landing::Protected {
        let spelled = || knock(target, door(scan, version, Some(tried.spelling.host.clone())));
        let front = || knock(target, door(scan, version, None));
        let (s1, s2, f1, f2) = tokio::join!(spelled(), spelled(), front(), front());
        tried.confirmed = Some(Confirmation {
            spelled: [s1, s2],
            front: [f1, f2],
        });
    }
    tried.landed = Some(landed);
    tried
}

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
fn judge(target: &Target, refusals: &[&ProbeObservation], tried: &[Tried], out: &mut TargetOutcome) {
    let own = target.authority();
    for t in tried {
        let v = t.version;
        if let Some(why) = t.seen.unreadable() {
            out.incomplete.push(IncompleteProbe {
                probe: SPEC.id.as_str().to_owned(),
                tls_version: Some(v),
                reason: format!("Host {} ({}): {why}", t.spelling.host, t.spelling.how),
            });
            continue;
        }
        match &t.landed {
            Some((Landing::Unsure(why), _)) => out.incomplete.push(IncompleteProbe {
                probe: SPEC.id.as_str().to_owned(),
                tls_version: Some(v),
                reason: format!(
                    "Host {} ({}) was served HTTP {} where Host {own} is not, but {why}",
                    t.spelling.host,
                    t.spelling.how,
                    t.seen.status().unwrap_or_default()
                ),
            }),
            Some((Landing::Elsewhere(page), _)) => out.notes.push(format!(
                "{v}: Host {} ({}) was served, but the page is {page}: no bypass.",
                t.spelling.host, t.spelling.how
            )),
            Some((Landing::Protected, _)) if !t.door() => {
                let words = t
                    .confirmed
                    .as_ref()
                    .map_or_else(|| "not asked again".to_owned(), Confirmation::words);
                out.incomplete.push(IncompleteProbe {
                    probe: SPEC.id.as_str().to_owned(),
                    tls_version: Some(v),
                    reason: format!(
                        "Host {} ({}) was served the protected page where Host {own} is not, \
                         but not again alike ({words}): the server does not answer the same \
                         request alike from one connection to the next",
                        t.spelling.host, t.spelling.how
                    ),
                });
            }
            _ => {}
        }
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
                .map(|d| format!("Host {} ({})", d.spelling.host, d.spelling.how))
                .collect();
            let body = format!(
                "without a certificate, on SNI {}, {} {} served the protected page, where Host \
                 {own} is {refusal}.",
                target.host,
                here.join(" and "),
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
    let mut f = Finding::new(
        FindingId::HostFormBypass,
        format!(
            "{} The rule that refuses an anonymous client compares the Host header as written; \
             any client may spell it so.",
            told.join(" ")
        ),
    );
    f.tls_versions = versions;
    for o in refusals {
        f.evidence.insert(
            format!("{}: Host {own}", o.tls_version),
            refusal_words(o),
        );
    }
    for t in tried {
        let key = format!("{}: Host {}", t.version, t.spelling.host);
        f.evidence.insert(key.clone(), t.seen.describe());
        if let Some(c) = &t.confirmed {
            f.evidence.insert(format!("{key}, asked again"), c.words());
        }
        if std::ptr::eq(t, *first_door) {
            if let Some((_, controls)) = &t.landed {
                let label = landing::sni_label(&Sni::Target, target);
                for (k, v) in landing::evidence(controls, &label, target) {
                    f.evidence.insert(format!("{}: {k}", t.version), v);
                }
            }
        }
    }
    out.findings.push(f);
}

impl TargetProbe for HostFormBypass {
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
            let refusals = refused_over_http(first);
            let Some(newest) = refusals.first() else {
                return TargetOutcome::default();
            };
            let mut tried: Vec<Tried> = join_all(
                spellings(target)
                    .into_iter()
                    .map(|s| try_spelling(target, scan, first, newest.tls_version, s)),
            )
            .boxed()
            .await;
            // A door on the newest version is tried on every other one refused over HTTP.
            let open: Vec<Spelling> = tried
                .iter()
                .filter(|t| t.door())
                .map(|t| t.spelling.clone())
                .collect();
            for o in refusals.iter().skip(1) {
                let more = join_all(
                    open.iter()
                        .map(|s| try_spelling(target, scan, first, o.tls_version, s.clone())),
                )
                .boxed()
                .await;
                tried.extend(more);
            }
            let mut out = TargetOutcome::default();
            judge(target, &refusals, &tried, &mut out);
            out
        }
        .boxed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::side_door::recorded::{http, inconclusive};

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
            signature_schemes: Vec::new(),
            alert: None,
            http_status: Some(403),
            alpn: None,
            server_header: None,
            via: None,
            body_excerpt: Some("client certificate required".to_owned()),
            body_names_certificates: false,
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
            host: host.to_owned(),
            how,
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
            landed: landed.map(|l| (l, Controls::default())),
            confirmed: confirmed.map(|(spelled_again, front_refused)| Confirmation {
                spelled: [
                    orders(),
                    if spelled_again { orders() } else { refused() },
                ],
                front: [
                    refused(),
                    if front_refused { refused() } else { orders() },
                ],
            }),
        }
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
        assert!(f.evidence.contains_key("TLS 1.2: Host secure.test, asked again"));
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
            tried(v, spelled("a", "x"), served(), Some(Landing::Protected), Some((false, true))),
            tried(v, spelled("b", "x"), served(), Some(Landing::Protected), Some((true, false))),
            tried(v, spelled("c", "x"), inconclusive("reset"), None, None),
            tried(
                v,
                spelled("d", "x"),
                served(),
                Some(Landing::Unsure("it got the page any unknown Host gets".to_owned())),
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
        judge(&target(), &refusals, &all, &mut out);
        assert!(out.findings.is_empty(), "{:?}", out.findings);
        let reasons: Vec<&str> = out.incomplete.iter().map(|i| i.reason.as_str()).collect();
        assert_eq!(reasons.len(), 4, "{reasons:?}");
        assert!(reasons[0].starts_with("Host a (x) was served the protected page") && reasons[0].contains("served 1 of 2 times more"));
        assert!(reasons[1].starts_with("Host b (x)"));
        assert!(reasons[2].starts_with("Host c (x): reset"));
        assert!(reasons[3].contains("the page any unknown Host gets"));
        assert_eq!(out.notes.len(), 1);
        assert!(out.notes[0].contains("Host e (x) was served, but the page is a page of its own: no bypass."));
    }

    fn hosts(url: &str) -> Vec<String> {
        let t = Target::parse(url).unwrap_or_else(|e| panic!("{e}"));
        spellings(&t).into_iter().map(|s| s.host).collect()
    }

    /// The spellings name the same site as the target's own `Host`, and never repeat it.
    #[test]
    fn spellings_of_a_name_and_of_addresses() {
        assert_eq!(
            hosts("https://api.example/x"),
            [
                "api.example:443",
                "api.example.",
                "API.EXAMPLE",
                "api.example:0443"
            ]
        );
        assert_eq!(
            hosts("https://secure.test:8443/"),
            [
                "secure.test",
                "secure.test.:8443",
                "SECURE.TEST:8443",
                "secure.test:08443"
            ]
        );
        assert_eq!(
            hosts("https://127.0.0.1:8443/"),
            ["127.0.0.1", "127.0.0.1:08443"]
        );
        assert_eq!(hosts("https://[::1]/"), ["[::1]:443", "[::1]:0443"]);
    }
}
