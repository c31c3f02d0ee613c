//! Judgement of an impostor run: which scenarios a careful client must refuse got its request (or
//! its certificate), whether the others were seen refused, and whether the control proves the
//! client reached the impostor at all. A run whose control got no request, and that shows nothing
//! careless either, is inconclusive: never a pass. A scenario a careful client must refuse in
//! which no refusal was seen (no connection, a time-out, connections not recorded) is incomplete:
//! never graded A.

use super::model::{
    ImpostorError, ImpostorRun, OfferedCert, RunMode, Scenario, ScenarioResult, ScenarioVerdict,
};
use super::pki::WRONG_HOST;
use crate::facts::{IncompleteProbe, TlsVersion};
use crate::finding::{mark_implied, remediation, Finding, FindingId};
use crate::report::TargetReport;
use crate::target::Target;
use crate::verdict::Verification;

/// What a run shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Judgement {
    /// Findings, root causes first, catalogue order.
    pub findings: Vec<Finding>,
    /// The control scenario got the client's request.
    pub control_reached: bool,
    /// Why the run is inconclusive, when it is: no request from the client reached the impostor.
    pub error: Option<String>,
    /// The scenarios a careful client must refuse in which no refusal could be seen, and why:
    /// the run is then incomplete (never graded A).
    pub incomplete: Vec<IncompleteProbe>,
    /// What else is worth saying (a handshake without a request, connections between scenarios).
    pub notes: Vec<String>,
}

fn versions(results: &[&ScenarioResult]) -> Vec<TlsVersion> {
    let mut v: Vec<TlsVersion> = results
        .iter()
        .flat_map(|r| r.versions_with_request())
        .collect();
    v.sort();
    v.dedup();
    v
}

fn with_scenarios(mut f: Finding, results: &[&ScenarioResult]) -> Finding {
    for r in results {
        f = f.with_evidence(&format!("scenario {}", r.scenario), r.summary());
    }
    f.tls_versions = versions(results);
    f
}

/// Judges a run.
pub fn judge(run: &ImpostorRun) -> Judgement {
    // A request over TLS: a plaintext one is judged on its own (below).
    let got = |s: Scenario| {
        run.scenario(s).filter(|r| {
            r.connections
                .iter()
                .any(|c| c.got_request() && !c.plaintext())
        })
    };
    // A plaintext HTTP request, in any scenario: whatever certificate it refused, the client
    // sent its request anyway, with no TLS at all, to the address it was given as https (the
    // control too: on one served port, the fallback after the last scenario's refusal is the
    // control's turn).
    let cleartext: Vec<&ScenarioResult> = run
        .scenarios
        .iter()
        .filter(|r| r.connections.iter().any(|c| c.plaintext()))
        .collect();
    let ca = format!(
        "{} (sha256 {}, {})",
        run.trusted_ca.subject, run.trusted_ca.sha256, run.trusted_ca.origin
    );
    let mut findings = Vec::new();

    let careless: Vec<&ScenarioResult> = [
        Scenario::SelfSigned,
        Scenario::UntrustedCa,
        Scenario::UnknownIssuer,
        Scenario::ForgedCa,
        Scenario::NonCaIssuer,
        Scenario::AnonymousSuite,
    ]
    .into_iter()
    .filter_map(got)
    .collect();
    if careless.is_empty() && !cleartext.is_empty() {
        let names: Vec<&str> = cleartext.iter().map(|r| r.scenario.as_str()).collect();
        let f = Finding::new(
            FindingId::ClientSkipsServerVerification,
            format!(
                "Given {}, the client sent its request in plaintext HTTP, with no TLS at \
                 all (scenario {}: a fallback once TLS failed, or no TLS ever): the worst kind of \
                 careless client, whatever certificate checks it makes, since anyone on the \
                 network path reads and alters what it sends, no certificate needed (cleartext \
                 transmission, CWE-319).",
                run.url,
                names.join(", ")
            ),
        )
        .with_evidence("trusted CA", ca.clone());
        findings.push(with_scenarios(f, &cleartext));
    }
    if !careless.is_empty() {
        // Only a client seen refusing the self-signed and the untrusted certificates checks
        // something: the issuer's name, then, and not the signature. One that took them too
        // checks nothing (curl -k), and one not seen refusing them is not known to check more.
        let refused = |s: Scenario| {
            run.scenario(s)
                .is_some_and(|r| run.verdict_of(r) == ScenarioVerdict::Refused)
        };
        let names_only = refused(Scenario::SelfSigned) && refused(Scenario::UntrustedCa);
        let signatures_only = names_only && refused(Scenario::ForgedCa);
        let what: Vec<&str> = careless
            .iter()
            .map(|r| match r.scenario {
                Scenario::SelfSigned => "self-signed",
                Scenario::UnknownIssuer => {
                    "issued by a CA it was not told to trust and sent without its issuer (it \
                     forgives \"unable to get local issuer certificate\", as a workaround for a \
                     server that leaves out its intermediate does: any certificate at all passes \
                     so)"
                }
                Scenario::ForgedCa if names_only => {
                    "issued in the trusted CA's name (and key identifier) but signed by another \
                     key, a forged CA (it refused the self-signed and the untrusted certificates: \
                     it checks the issuer's name, not the signature)"
                }
                Scenario::ForgedCa => {
                    "issued in the trusted CA's name (and key identifier) but signed by another \
                     key, a forged CA"
                }
                Scenario::NonCaIssuer if signatures_only => {
                    "signed by the key of an end-entity certificate (CA:FALSE) that the trusted \
                     CA issued for another name (it refused the self-signed, the untrusted and \
                     the forged certificates: it follows signatures to the trusted CA, but never \
                     asks whether each issuer may sign certificates, so anyone holding any \
                     certificate from that CA, a client certificate too, mints one for this \
                     server)"
                }
                Scenario::NonCaIssuer => {
                    "signed by the key of an end-entity certificate (CA:FALSE) that the trusted \
                     CA issued for another name (anyone holding any certificate from that CA \
                     mints one for this server)"
                }
                Scenario::AnonymousSuite => {
                    "none at all: the server picked an anonymous cipher suite the client offered \
                     (no certificate is sent with one; OpenSSL's `ALL:@SECLEVEL=0`, or a list \
                     naming `aNULL`, offers them), and the client went on"
                }
                _ => "issued by a CA it was not told to trust",
            })
            .collect();
        let plain = if cleartext.is_empty() {
            String::new()
        } else {
            let names: Vec<&str> = cleartext.iter().map(|r| r.scenario.as_str()).collect();
            format!(
                " Worse, it also sent its request in plaintext HTTP, with no TLS at all ({}): \
                 anyone on the path reads it, no certificate needed (CWE-319).",
                names.join(", ")
            )
        };
        // Only the insider's chain taken: the chain is checked, all but whether its issuers may
        // sign.
        let fails = if careless.iter().all(|r| r.scenario == Scenario::NonCaIssuer) {
            "it does not check that each certificate it follows to the trusted CA may issue \
             certificates (basicConstraints CA:TRUE), so anyone holding a certificate from that \
             CA can impersonate the server and read what the client sends"
        } else if careless
            .iter()
            .all(|r| r.scenario == Scenario::AnonymousSuite)
        {
            "it refused every certificate it was shown, but takes a server that shows none, so \
             anyone on the network path can impersonate the server and read what the client \
             sends: take the anonymous suites out of its cipher list (`DEFAULT`, or add \
             `!aNULL`)"
        } else {
            "it does not verify the server's certificate, so anyone on the network path can \
             impersonate the server and read what the client sends"
        };
        let f = Finding::new(
            FindingId::ClientSkipsServerVerification,
            format!(
                "The client sent its request to an impostor whose certificate for {} was {}: \
                 {fails}.{plain}",
                run.name,
                what.join(", and to one whose certificate was ")
            ),
        )
        .with_evidence("trusted CA", ca.clone());
        let mut all = careless.clone();
        all.extend(cleartext.iter().filter(|r| !careless.contains(r)));
        findings.push(with_scenarios(f, &all));
    }
    // Anonymous cipher suites offered (`DH_anon`, `ECDH_anon`): a server that picks one shows no
    // certificate at all, and what the client does then is its own: Python `urllib` and Perl
    // `IO::Socket::SSL` with `ALL:@SECLEVEL=0` refused every impostor (A, exit 0, an audit's)
    // and sent their requests to an `openssl s_server -nocert -cipher aNULL`; curl, Ruby and
    // Node with the same list refuse it ("couldn't get peer certificate": a finding read from
    // the ClientHello alone was false for them, an audit's, twenty-seventh session). A wrapped
    // run plays `anonymous-suite` (OpenSSL picking one) last, and judges it as the others;
    // where it was not played (serve mode, a run stopped before it), it is not proven either
    // way: the run is incomplete.
    let anonymous: Vec<&ScenarioResult> = run
        .scenarios
        .iter()
        .filter(|r| r.connections.iter().any(|c| !c.anonymous_suites.is_empty()))
        .collect();
    let anonymous_played = run.scenario(Scenario::AnonymousSuite).is_some();
    let anonymous_unproven =
        (careless.is_empty() && cleartext.is_empty() && !anonymous.is_empty() && !anonymous_played)
            .then(|| {
                let mut suites: Vec<&str> = Vec::new();
                for c in anonymous.iter().flat_map(|r| r.connections.iter()) {
                    for s in &c.anonymous_suites {
                        if !suites.contains(&s.as_str()) && suites.len() < 4 {
                            suites.push(s);
                        }
                    }
                }
                format!(
                "the client offered anonymous cipher suites in its ClientHello ({}{}): a server \
                 that picks one presents no certificate at all, and whether this client then \
                 refuses it (curl, Ruby, Node) or sends its request (Python `urllib`, Perl) is \
                 not tested: only a wrapped run plays the `anonymous-suite` scenario (not serve \
                 mode, nor a run stopped before it). Take them out of its cipher list \
                 (`DEFAULT`, or add `!aNULL`; an OpenSSL list such as `ALL:@SECLEVEL=0` or one \
                 naming `aNULL` turns them on)",
                suites.join(", "),
                if suites.len() == 4 { ", …" } else { "" },
            )
            });
    let name_blind: Vec<&ScenarioResult> =
        [Scenario::WrongHost, Scenario::WrongHostRequestsClientCert]
            .into_iter()
            .filter_map(got)
            .collect();
    if !name_blind.is_empty() {
        let names = if run.wrong_host_names.is_empty() {
            WRONG_HOST.to_owned()
        } else {
            run.wrong_host_names.join(" and ")
        };
        let f = Finding::new(
            FindingId::ClientSkipsHostnameCheck,
            format!(
                "The client sent its request to an impostor whose certificate, from the CA it \
                 trusts, names {names} and not {}: it does not check the host name, so any \
                 certificate from that CA impersonates this server.",
                run.name
            ),
        )
        .with_evidence("trusted CA", ca.clone());
        findings.push(with_scenarios(f, &name_blind));
    }
    if let Some(r) = got(Scenario::Expired) {
        let f = Finding::new(
            FindingId::ClientAcceptsExpiredServerCert,
            format!(
                "The client sent its request to an impostor whose certificate for {}, from the CA \
                 it trusts, had expired before the run: it does not check validity dates, so a \
                 retired or leaked server key keeps working against it.",
                run.name
            ),
        )
        .with_evidence("trusted CA", ca.clone());
        findings.push(with_scenarios(f, &[r]));
    }
    let handed: Vec<(&ScenarioResult, &OfferedCert)> = [
        Scenario::RequestsClientCert,
        Scenario::WrongHostRequestsClientCert,
    ]
    .into_iter()
    .filter_map(|s| run.scenario(s))
    .filter_map(|r| Some((r, r.offered_cert()?)))
    .collect();
    if let Some((_, cert)) = handed.first() {
        let to: Vec<String> = handed
            .iter()
            .enumerate()
            .map(|(i, (r, _))| {
                let whose = match r.scenario {
                    Scenario::WrongHostRequestsClientCert => format!(
                        "certificate, from the CA the client trusts, names another host than {} \
                         (a client that checks the name only after the handshake has presented \
                         its certificate by then)",
                        run.name
                    ),
                    _ => format!(
                        "certificate for {} comes from a CA the client does not trust",
                        run.name
                    ),
                };
                if i == 0 {
                    format!("its {whose}")
                } else {
                    format!("and by one whose {whose}")
                }
            })
            .collect();
        // What the client checks, and when: a client that presented its certificate and then sent
        // nothing checks the server after the handshake, when the certificate is out already.
        let sent_nothing = |s: Scenario| {
            handed
                .iter()
                .any(|(r, _)| r.scenario == s && !r.got_request())
        };
        let gave = |s: Scenario| handed.iter().any(|(r, _)| r.scenario == s);
        let when = if sent_nothing(Scenario::RequestsClientCert) {
            " It then sent no request: it checks the server only after the handshake (nginx \
             does, `proxy_ssl_verify on` included), when its certificate is out already, and no \
             setting makes such a client withhold it: give it an identity no other server \
             accepts (one per upstream, short-lived), trust only the upstream's own CA, or put a \
             client that verifies during the handshake in front of it."
        } else if !gave(Scenario::RequestsClientCert)
            && run
                .scenario(Scenario::RequestsClientCert)
                .is_some_and(|r| run.verdict_of(r) == ScenarioVerdict::Refused)
            && sent_nothing(Scenario::WrongHostRequestsClientCert)
        {
            " It refused the untrusted certificate and sent no request to the wrong host: it \
             checks the chain during the handshake but the host name after it (curl and Apache \
             `SSLProxyVerify require` with OpenSSL do), so any certificate from a CA it trusts \
             gets its identity: trust only a CA that issues this server's certificate alone, and \
             give it an identity no other server accepts."
        } else {
            ""
        };
        let mut f = Finding::new(
            FindingId::ClientSendsIdentityToUntrustedServer,
            format!(
                "Asked for a client certificate by an impostor it should have refused ({}), the \
                 client presented {} (sha256 {}).{when}",
                to.join("; "),
                cert.subject,
                cert.sha256
            ),
        )
        .with_evidence(
            "client certificate",
            format!("{} (sha256 {})", cert.subject, cert.sha256),
        )
        .with_evidence("client certificate issuer", cert.issuer.clone());
        let results: Vec<&ScenarioResult> = handed.iter().map(|(r, _)| *r).collect();
        f = with_scenarios(f, &results);
        let mut v: Vec<TlsVersion> = results
            .iter()
            .flat_map(|r| r.connections.iter())
            .filter(|c| c.client_cert.is_some())
            .filter_map(|c| c.tls_version)
            .collect();
        v.sort();
        v.dedup();
        f.tls_versions = v;
        findings.push(f);
    }
    mark_implied(&mut findings);
    remediation::attach(&mut findings, None);
    findings.sort_by_key(|f| (f.implied_by.is_some(), f.id));

    let control = run.scenario(Scenario::Control);
    let control_reached = control.is_some_and(ScenarioResult::got_request);
    let mut notes = Vec::new();
    if let Some(n) = &run.trusted_ca.note {
        notes.push(n.clone());
    }
    if let Some(n) = not_played_note(run) {
        notes.push(n);
    }
    let error = if control_reached {
        None
    } else {
        let mut what = control.map_or_else(
            || "the control scenario was not played".to_owned(),
            ScenarioResult::summary,
        );
        if let Some(tail) = control
            .and_then(|c| c.client.as_ref())
            .and_then(|c| c.stderr_tail.as_deref())
        {
            what.push_str(&format!("; its last stderr line: {tail:?}"));
        }
        let line = format!(
            "no request from the client reached the impostor: in the control scenario (a valid \
             certificate for {} from the CA it was told to trust) no request arrived: {what}",
            run.name
        );
        if findings.is_empty() {
            Some(line)
        } else {
            notes.push(format!(
                "{line}; the findings stand: each is a request the client sent to a server it \
                 should have refused"
            ));
            None
        }
    };
    let mut incomplete = Vec::new();
    incomplete.extend(anonymous_unproven.map(|reason| IncompleteProbe {
        probe: "anonymous-cipher-suites".to_owned(),
        tls_version: None,
        reason,
    }));
    for r in &run.scenarios {
        match run.verdict_of(r) {
            ScenarioVerdict::Refused
                if r.handshake_completed() && r.scenario == Scenario::AnonymousSuite =>
            {
                notes.push(format!(
                    "scenario {}: the client completed the anonymous handshake (no server \
                     certificate) and sent nothing: it refuses a server that shows none; no \
                     finding",
                    r.scenario
                ))
            }
            ScenarioVerdict::Refused if r.handshake_completed() => notes.push(format!(
                "scenario {}: the client completed the TLS handshake but sent nothing (it may \
                 check the certificate after the handshake); no finding",
                r.scenario
            )),
            ScenarioVerdict::Inconclusive(reason) => incomplete.push(IncompleteProbe {
                probe: r.scenario.as_str().to_owned(),
                tls_version: None,
                reason,
            }),
            _ => {}
        }
    }
    if run.mode == RunMode::Serve {
        let never: Vec<&str> = run
            .scenarios
            .iter()
            .filter(|r| r.connections.is_empty() && r.connections_not_recorded == 0)
            .map(|r| r.scenario.as_str())
            .collect();
        if !never.is_empty() {
            notes.push(format!(
                "never connected to while served: {} (each scenario needs a connection of its \
                 own: {})",
                never.join(", "),
                if run.port_per_scenario() {
                    "each has its own port, MTLS_IMPOSTOR_PORT_<SCENARIO>"
                } else {
                    "on one port they take turns per connection"
                }
            ));
        }
    }
    if !run.late_connections.is_empty() {
        notes.push(format!(
            "{} connection(s) came after serving reached {} and were closed unserved",
            run.late_connections.len(),
            run.ended_by.as_deref().unwrap_or("its end")
        ));
    }
    if run.stray_connections > 0 {
        notes.push(format!(
            "{} connection(s) arrived between scenarios and were closed unjudged",
            run.stray_connections
        ));
    }
    Judgement {
        findings,
        control_reached,
        error,
        incomplete,
        notes,
    }
}

/// The note that says why the grade is B at best when scenarios testing the client's
/// verification were left out (`--scenarios`), `None` when none was. It starts as `scan`'s
/// `--skip-probe` note does.
fn not_played_note(run: &ImpostorRun) -> Option<String> {
    let names: Vec<&str> = run.not_played.iter().map(|s| s.as_str()).collect();
    names.first()?;
    Some(format!(
        "graded B at best: scenario{} {} not played (--scenarios), so whether the client refuses \
         {} is not proven",
        if names.len() == 1 { "" } else { "s" },
        names.join(", "),
        if names.len() == 1 {
            "that server"
        } else {
            "those servers"
        }
    ))
}

/// The run as a target report (its URL is the impostor's), graded like a scanned target: the
/// JSON, text, SARIF, Markdown and annotations of `scan` all work on it.
pub fn target_report(run: &ImpostorRun) -> Result<TargetReport, ImpostorError> {
    let target = Target::parse(&run.url)?;
    let j = judge(run);
    let mut t = crate::engine::failed(&target, String::new());
    // Never reached: not judged (said in the JSON too, beside the F that fails the gate).
    t.judged = j.error.is_some().then_some(false);
    t.error = j.error;
    let mut seen: Vec<TlsVersion> = run
        .scenarios
        .iter()
        .flat_map(|r| r.connections.iter().filter_map(|c| c.tls_version))
        .collect();
    seen.sort();
    seen.dedup();
    t.tls_versions = seen;
    t.findings = j.findings.into_iter().map(Into::into).collect();
    t.notes = j.notes;
    t.incomplete = j.incomplete;
    if j.control_reached {
        t.verification = Verification::Verified;
    } else {
        t.verification = Verification::Unverified;
        t.verification_detail = Some("the control scenario got no request from the client".into());
    }
    t.scenarios_not_played = run
        .not_played
        .iter()
        .map(|s| s.as_str().to_owned())
        .collect();
    if t.error.is_none() {
        // A fresh report: no policy has marked anything yet, so every finding counts.
        // Incomplete, or a scenario testing the client's verification left out: B at best
        // (the report keeps the scenarios left out, so a regrade keeps the cap).
        let (score, grade) =
            crate::grade::grade_target(t.findings.iter().map(|f| &f.finding), t.is_unproven());
        t.score = score;
        t.grade = grade;
    }
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::super::client::ClientOutcome;
    use super::super::model::{
        CaSummary, ConnectionEnd, ConnectionRecord, OfferedCert, RunMode, ScenarioResult,
    };
    use super::*;
    use crate::grade::Grade;

    fn seen(request: bool) -> ConnectionRecord {
        ConnectionRecord {
            sni: Some("localhost".into()),
            tls_version: Some(TlsVersion::Tls13),
            handshake_completed: request,
            alert: (!request).then(|| "UnknownCA".to_owned()),
            app_data_bytes: if request { 40 } else { 0 },
            request: request.then(|| "GET / HTTP/1.1".to_owned()),
            end: Some(if request {
                ConnectionEnd::Request
            } else {
                ConnectionEnd::Alert
            }),
            ..ConnectionRecord::default()
        }
    }

    fn run(requests: &[(Scenario, bool)]) -> ImpostorRun {
        ImpostorRun {
            url: "https://localhost:4433/".into(),
            name: "localhost".into(),
            listen: "127.0.0.1:4433".into(),
            mode: RunMode::Wrapped,
            trusted_ca: CaSummary {
                origin: "minted for this run".into(),
                subject: "CN=t".into(),
                sha256: "00".into(),
                note: None,
            },
            client: Some("curl".into()),
            wrong_host_names: Vec::new(),
            late_connections: Vec::new(),
            not_played: Vec::new(),
            scenarios: requests
                .iter()
                .map(|(s, r)| ScenarioResult {
                    scenario: *s,
                    port: 4433,
                    connections: vec![seen(*r)],
                    connections_not_recorded: 0,
                    after_exit: 0,
                    client: None,
                    not_served: None,
                    ms: 1.0,
                })
                .collect(),
            stray_connections: 0,
            ended_by: None,
            duration_ms: 1.0,
        }
    }

    fn ids(t: &TargetReport) -> Vec<(&str, bool)> {
        t.findings
            .iter()
            .map(|f| (f.id.as_str(), f.implied_by.is_some()))
            .collect()
    }

    #[test]
    fn a_careful_client_gets_a() -> Result<(), ImpostorError> {
        let r = run(&[
            (Scenario::Control, true),
            (Scenario::SelfSigned, false),
            (Scenario::UntrustedCa, false),
            (Scenario::Expired, false),
            (Scenario::WrongHost, false),
        ]);
        let t = target_report(&r)?;
        assert!(t.findings.is_empty() && t.error.is_none());
        assert_eq!(t.grade, Grade::A);
        Ok(())
    }

    /// A client refusing every impostor but offering anonymous cipher suites may go on with a
    /// server that shows no certificate at all (Python, Perl with `ALL:@SECLEVEL=0`: A, exit 0,
    /// an audit's) or refuse it (curl, Ruby, Node: a finding read from the ClientHello was false
    /// for them, another audit's): not proven either way, incomplete, naming the suites.
    #[test]
    fn anonymous_suites_offered_are_unproven() -> Result<(), ImpostorError> {
        let mut r = run(&[
            (Scenario::Control, true),
            (Scenario::SelfSigned, false),
            (Scenario::UntrustedCa, false),
            (Scenario::Expired, false),
            (Scenario::WrongHost, false),
        ]);
        for s in &mut r.scenarios {
            for c in &mut s.connections {
                c.anonymous_suites = vec!["TLS_DH_anon_WITH_AES_256_GCM_SHA384".into()];
            }
        }
        let t = target_report(&r)?;
        assert!(t.findings.is_empty(), "{:?}", ids(&t));
        assert!(t.is_incomplete());
        assert!(t
            .incomplete
            .iter()
            .any(|i| i.probe == "anonymous-cipher-suites"
                && i.reason.contains("TLS_DH_anon_WITH_AES_256_GCM_SHA384")));
        assert_eq!(t.grade, Grade::B);
        Ok(())
    }

    #[test]
    fn a_client_that_trusts_anything_has_one_root_cause() -> Result<(), ImpostorError> {
        let r = run(&[
            (Scenario::Control, true),
            (Scenario::SelfSigned, true),
            (Scenario::UntrustedCa, true),
            (Scenario::Expired, true),
            (Scenario::WrongHost, true),
        ]);
        let t = target_report(&r)?;
        assert_eq!(
            ids(&t),
            [
                ("client-skips-server-verification", false),
                ("client-skips-hostname-check", true),
                ("client-accepts-expired-server-cert", true),
            ]
        );
        assert_eq!(t.grade, Grade::F);
        assert!(t
            .findings
            .iter()
            .all(|f| f.fixes.len() == remediation::Stack::ALL.len()));
        Ok(())
    }

    #[test]
    fn only_the_name_unchecked() -> Result<(), ImpostorError> {
        let r = run(&[
            (Scenario::Control, true),
            (Scenario::SelfSigned, false),
            (Scenario::WrongHost, true),
        ]);
        let t = target_report(&r)?;
        assert_eq!(ids(&t), [("client-skips-hostname-check", false)]);
        assert_eq!(t.grade, Grade::D);
        Ok(())
    }

    #[test]
    fn no_control_no_pass() -> Result<(), ImpostorError> {
        let r = run(&[(Scenario::Control, false)]);
        let t = target_report(&r)?;
        assert!(t
            .error
            .as_deref()
            .is_some_and(|e| e.starts_with("no request from the client reached the impostor")));
        assert_eq!(t.grade, Grade::F);
        Ok(())
    }

    #[test]
    fn an_identity_handed_over_is_a_finding() -> Result<(), ImpostorError> {
        let mut r = run(&[
            (Scenario::Control, true),
            (Scenario::RequestsClientCert, false),
        ]);
        if let Some(s) = r.scenarios.get_mut(1) {
            if let Some(c) = s.connections.get_mut(0) {
                c.alert = None;
                c.handshake_completed = true;
                c.client_cert = Some(OfferedCert {
                    subject: "CN=svc".into(),
                    issuer: "CN=ca".into(),
                    sha256: "ab".into(),
                });
            }
        }
        let t = target_report(&r)?;
        assert_eq!(
            ids(&t),
            [("client-sends-identity-to-untrusted-server", false)]
        );
        assert!(t
            .findings
            .first()
            .is_some_and(|f| f.detail.contains("CN=svc") && !f.detail.contains("PRIVATE")));
        Ok(())
    }

    #[test]
    fn scenarios_left_out_cap_the_grade_at_b_with_a_note() -> Result<(), ImpostorError> {
        // Served with `--scenarios expired,wrong-host` to a client that checks nothing but the
        // name and the dates (Apache `SSLProxyVerify none`): it graded A, exit 0, no note.
        let mut r = run(&[
            (Scenario::Control, true),
            (Scenario::Expired, false),
            (Scenario::WrongHost, false),
        ]);
        r.mode = RunMode::Serve;
        r.not_played = vec![
            Scenario::SelfSigned,
            Scenario::UntrustedCa,
            Scenario::ForgedCa,
        ];
        let t = target_report(&r)?;
        assert!(t.findings.is_empty() && t.incomplete.is_empty() && t.error.is_none());
        assert_eq!(t.grade, Grade::B);
        assert!(t.score <= 89, "{}", t.score);
        assert!(
            t.notes.iter().any(|n| n
                == "graded B at best: scenarios self-signed, untrusted-ca, forged-ca not played \
                    (--scenarios), so whether the client refuses those servers is not proven"),
            "{:?}",
            t.notes
        );
        // Graded again (a merge, a suppression): the cap stays, the report keeping what was
        // left out (it graded A before).
        let mut again = t.clone();
        crate::policy::regrade(&mut again);
        assert_eq!(again.grade, Grade::B);
        let back: Option<TargetReport> = serde_json::to_string(&t)
            .ok()
            .and_then(|json| serde_json::from_str(&json).ok());
        assert_eq!(
            back.map(|b| b.scenarios_not_played),
            Some(vec![
                "self-signed".to_owned(),
                "untrusted-ca".to_owned(),
                "forged-ca".to_owned()
            ])
        );
        // Every scenario played: A, no such note.
        r.not_played.clear();
        let t = target_report(&r)?;
        assert_eq!(t.grade, Grade::A);
        assert!(!t.notes.iter().any(|n| n.contains("not played")));
        Ok(())
    }

    #[test]
    fn the_forged_ca_text_claims_a_name_check_only_when_one_was_seen() -> Result<(), ImpostorError>
    {
        let detail = |t: &TargetReport| {
            t.findings
                .first()
                .map(|f| f.finding.detail.clone())
                .unwrap_or_default()
        };
        // curl -k: every untrusted certificate taken, the forged one too. It said "it checks the
        // issuer's name, not the signature".
        let all = run(&[
            (Scenario::Control, true),
            (Scenario::SelfSigned, true),
            (Scenario::UntrustedCa, true),
            (Scenario::ForgedCa, true),
        ]);
        let d = detail(&target_report(&all)?);
        assert!(
            d.contains("a forged CA") && !d.contains("issuer's name"),
            "{d}"
        );
        // A verifier that compares the issuer's name: the others refused, the forged one taken.
        let names = run(&[
            (Scenario::Control, true),
            (Scenario::SelfSigned, false),
            (Scenario::UntrustedCa, false),
            (Scenario::ForgedCa, true),
        ]);
        let d = detail(&target_report(&names)?);
        assert!(
            d.contains("it checks the issuer's name, not the signature"),
            "{d}"
        );
        // A verifier that follows issuer names and signatures to the trusted CA, never asking
        // whether an issuer may sign: only the insider's chain taken.
        let walk = run(&[
            (Scenario::Control, true),
            (Scenario::SelfSigned, false),
            (Scenario::UntrustedCa, false),
            (Scenario::ForgedCa, false),
            (Scenario::NonCaIssuer, true),
        ]);
        let t = target_report(&walk)?;
        let d = detail(&t);
        assert_eq!(t.grade, Grade::F);
        assert!(
            d.contains("end-entity certificate (CA:FALSE)")
                && d.contains("never asks whether each issuer may sign")
                && !d.contains("forged CA"),
            "{d}"
        );
        // Taken with the forged one too: no claim that signatures are checked.
        let both = run(&[
            (Scenario::Control, true),
            (Scenario::SelfSigned, false),
            (Scenario::UntrustedCa, false),
            (Scenario::ForgedCa, true),
            (Scenario::NonCaIssuer, true),
        ]);
        let d = detail(&target_report(&both)?);
        assert!(
            d.contains("a forged CA") && d.contains("CA:FALSE") && !d.contains("never asks"),
            "{d}"
        );
        Ok(())
    }

    #[test]
    fn the_identity_text_reads_right_with_both_scenarios() -> Result<(), ImpostorError> {
        let mut r = run(&[
            (Scenario::Control, true),
            (Scenario::RequestsClientCert, false),
            (Scenario::WrongHostRequestsClientCert, false),
        ]);
        for s in r.scenarios.iter_mut().skip(1) {
            if let Some(c) = s.connections.get_mut(0) {
                c.client_cert = Some(OfferedCert {
                    subject: "CN=svc".into(),
                    issuer: "CN=ca".into(),
                    sha256: "ab".into(),
                });
            }
        }
        let t = target_report(&r)?;
        let d = t
            .findings
            .iter()
            .find(|f| f.id == FindingId::ClientSendsIdentityToUntrustedServer)
            .map(|f| f.finding.detail.clone())
            .unwrap_or_default();
        assert!(
            d.starts_with(
                "Asked for a client certificate by an impostor it should have refused (its \
                 certificate for localhost comes from a CA the client does not trust; and by one \
                 whose certificate, from the CA the client trusts, names another host than \
                 localhost"
            ) && !d.contains("whose its"),
            "{d}"
        );
        Ok(())
    }

    /// The run of a careful client, with `change` applied to its self-signed scenario.
    fn careful_but(change: impl FnOnce(&mut ScenarioResult)) -> ImpostorRun {
        let mut r = run(&[
            (Scenario::Control, true),
            (Scenario::SelfSigned, false),
            (Scenario::UntrustedCa, false),
        ]);
        if let Some(s) = r.scenarios.get_mut(1) {
            change(s);
        }
        r
    }

    fn incomplete_of(t: &TargetReport) -> Vec<(&str, &str)> {
        t.incomplete
            .iter()
            .map(|i| (i.probe.as_str(), i.reason.as_str()))
            .collect()
    }

    #[test]
    fn no_connection_in_a_scenario_is_not_a_refusal() -> Result<(), ImpostorError> {
        let t = target_report(&careful_but(|s| s.connections.clear()))?;
        assert!(t.findings.is_empty() && t.error.is_none());
        let inc = incomplete_of(&t);
        assert_eq!(inc.len(), 1, "{inc:?}");
        assert!(inc.iter().all(|(p, why)| *p == "self-signed"
            && why.starts_with("the client made no connection in this scenario")
            && why.contains("-count=1")));
        assert_eq!(t.grade, Grade::B);
        Ok(())
    }

    #[test]
    fn serve_mode_names_every_scenario_never_connected_to() -> Result<(), ImpostorError> {
        let mut r = careful_but(|s| s.connections.clear());
        r.mode = RunMode::Serve;
        if let Some(s) = r.scenarios.get_mut(2) {
            s.connections.clear();
        }
        let t = target_report(&r)?;
        let inc = incomplete_of(&t);
        assert_eq!(
            inc.iter().map(|(p, _)| *p).collect::<Vec<_>>(),
            ["self-signed", "untrusted-ca"]
        );
        assert!(inc
            .iter()
            .all(|(_, why)| why.starts_with("no connection was served this scenario")));
        assert!(t
            .notes
            .iter()
            .any(|n| n.starts_with("never connected to while served: self-signed, untrusted-ca")));
        assert_eq!(t.grade, Grade::B);
        Ok(())
    }

    #[test]
    fn a_time_out_is_not_a_refusal() -> Result<(), ImpostorError> {
        for end in [None, Some(ConnectionEnd::TimedOut)] {
            let t = target_report(&careful_but(|s| {
                if let Some(c) = s.connections.get_mut(0) {
                    c.alert = None;
                    c.end = end;
                    c.detail = Some("the client did not finish the handshake within 30.0 s".into());
                }
            }))?;
            let inc = incomplete_of(&t);
            assert!(
                inc.len() == 1
                    && inc
                        .iter()
                        .all(|(_, why)| why.starts_with("the client's decision was not seen")),
                "{end:?}: {inc:?}"
            );
            assert_eq!(t.grade, Grade::B);
        }
        // The client killed at its limit: its connection closed, but it had not decided.
        let t = target_report(&careful_but(|s| {
            s.client = Some(ClientOutcome {
                timed_out: true,
                ms: 10_000.0,
                ..ClientOutcome::default()
            });
        }))?;
        assert!(incomplete_of(&t)
            .iter()
            .any(|(_, why)| why.contains("still running after 10.0 s")));
        Ok(())
    }

    #[test]
    fn refusals_seen_stay_careful() -> Result<(), ImpostorError> {
        // curl's host-name check: the handshake completed, then a close without a request.
        let t = target_report(&careful_but(|s| {
            if let Some(c) = s.connections.get_mut(0) {
                c.alert = None;
                c.handshake_completed = true;
                c.end = Some(ConnectionEnd::ClosedAfterHandshake);
            }
        }))?;
        assert!(t.incomplete.is_empty(), "{:?}", t.incomplete);
        assert_eq!(t.grade, Grade::A);
        assert!(t
            .notes
            .iter()
            .any(|n| n.contains("completed the TLS handshake")));
        // A close without an alert after the ClientHello (Node).
        let t = target_report(&careful_but(|s| {
            if let Some(c) = s.connections.get_mut(0) {
                c.alert = None;
                c.end = Some(ConnectionEnd::Closed);
            }
        }))?;
        assert_eq!(t.grade, Grade::A);
        // A connection that ended before its ClientHello shows nothing.
        let t = target_report(&careful_but(|s| {
            if let Some(c) = s.connections.get_mut(0) {
                c.alert = None;
                c.end = Some(ConnectionEnd::BeforeHello);
            }
        }))?;
        assert_eq!(t.grade, Grade::B);
        Ok(())
    }

    #[test]
    fn unrecorded_connections_and_unserved_scenarios_are_incomplete() -> Result<(), ImpostorError> {
        let t = target_report(&careful_but(|s| s.connections_not_recorded = 3))?;
        assert!(incomplete_of(&t)
            .iter()
            .any(|(_, why)| why.starts_with("3 connection(s) past the 32 recorded")));
        assert_eq!(t.grade, Grade::B);
        let t = target_report(&careful_but(|s| {
            s.connections.clear();
            s.not_served = Some("no key".into());
        }))?;
        assert!(incomplete_of(&t)
            .iter()
            .any(|(_, why)| why.starts_with("the impostor could not serve it")));
        // A request seen among unrecorded connections is a finding all the same.
        let t = target_report(&careful_but(|s| {
            s.connections = vec![seen(true)];
            s.connections_not_recorded = 3;
        }))?;
        assert!(t.incomplete.is_empty());
        assert_eq!(ids(&t), [("client-skips-server-verification", false)]);
        Ok(())
    }

    /// Every connection of the run gets a fingerprint and an accept time, one after the other.
    fn stamped(mut r: ImpostorRun, fp: &str) -> ImpostorRun {
        let mut at = 0.0;
        for s in &mut r.scenarios {
            for c in &mut s.connections {
                c.fingerprint = Some(fp.to_owned());
                c.at_ms = Some(at);
                at += 100.0;
            }
        }
        r
    }

    #[test]
    fn a_refusal_from_another_tls_client_is_not_the_clients() -> Result<(), ImpostorError> {
        let r = stamped(careful_but(|_| {}), "aaaa");
        assert_eq!(target_report(&r)?.grade, Grade::A);
        let mut r = r;
        if let Some(c) = r
            .scenarios
            .get_mut(1)
            .and_then(|s| s.connections.first_mut())
        {
            c.fingerprint = Some("bbbb".into());
        }
        let t = target_report(&r)?;
        let inc = incomplete_of(&t);
        assert!(
            inc.len() == 1
                && inc.iter().all(|(p, why)| *p == "self-signed"
                    && why.starts_with("the TLS client that sent the control its request")
                    && why.contains("aaaa")
                    && why.contains("bbbb")),
            "{inc:?}"
        );
        assert_eq!(t.grade, Grade::B);
        Ok(())
    }

    /// `slow-careless-call & curl -sf URL/health || kill $!`: the careless call's connection,
    /// open while curl refuses with an alert, closes (the kill) 1 ms after that alert: a close
    /// that may be the kill, not a refusal (a review's gate graded A, exit 0; with a Node gate,
    /// which closes without an alert, too). A close well after, or before, stands.
    #[test]
    fn a_close_right_after_another_connections_alert_is_doubted() -> Result<(), ImpostorError> {
        let call = |at: f64, ms: f64| ConnectionRecord {
            fingerprint: Some("py".into()),
            at_ms: Some(at),
            ms,
            alert: None,
            end: Some(ConnectionEnd::Closed),
            detail: Some("reset during the handshake".into()),
            ..seen(false)
        };
        let gate = ConnectionRecord {
            fingerprint: Some("curl".into()),
            at_ms: Some(166.5),
            ms: 2.9,
            ..seen(false)
        };
        let with = |killed: ConnectionRecord| {
            let mut r = run(&[(Scenario::Control, true), (Scenario::SelfSigned, false)]);
            if let Some(control) = r.scenarios.first_mut() {
                control.connections = vec![
                    ConnectionRecord {
                        fingerprint: Some("py".into()),
                        at_ms: Some(0.0),
                        ..seen(true)
                    },
                    ConnectionRecord {
                        fingerprint: Some("curl".into()),
                        at_ms: Some(50.0),
                        ..seen(true)
                    },
                ];
            }
            if let Some(s) = r.scenarios.get_mut(1) {
                s.connections = vec![killed, gate.clone()];
            }
            r
        };
        let t = target_report(&with(call(105.4, 65.3)))?;
        let inc = incomplete_of(&t);
        assert!(
            inc.len() == 1
                && inc.iter().all(|(p, why)| *p == "self-signed"
                    && why.contains("closed without an alert 1 ms after")),
            "{inc:?}"
        );
        assert_eq!(t.grade, Grade::B);
        // Its own refusal, well before the other's alert, or over a second after it: it stands.
        assert_eq!(target_report(&with(call(105.4, 20.0)))?.grade, Grade::A);
        assert_eq!(target_report(&with(call(105.4, 1200.0)))?.grade, Grade::A);
        // The gate a Node call, which refuses with a close and no alert: the same doubt.
        let mut r = with(call(105.4, 65.3));
        if let Some(gate) = r
            .scenarios
            .get_mut(1)
            .and_then(|s| s.connections.last_mut())
        {
            gate.alert = None;
            gate.end = Some(ConnectionEnd::ClosedAfterHandshake);
            gate.handshake_completed = true;
        }
        assert_eq!(target_report(&r)?.grade, Grade::B);
        // One client's own connections (curl's retries): its decisions, not doubted so (the
        // control's two requests of one client are doubted for their own reason).
        let mut own = with(call(105.4, 65.3));
        for s in &mut own.scenarios {
            for c in &mut s.connections {
                c.fingerprint = Some("py".into());
            }
        }
        let t = target_report(&own)?;
        assert!(
            incomplete_of(&t)
                .iter()
                .all(|(_, why)| !why.contains("closed without an alert")),
            "{:?}",
            incomplete_of(&t)
        );
        Ok(())
    }

    #[test]
    fn on_one_port_a_refusal_followed_by_a_request_is_doubted() -> Result<(), ImpostorError> {
        // Served on one port: control at 0 ms, self-signed refused at 100 ms, untrusted-ca
        // refused at 200 ms, then the same client's request in the control at 300 ms.
        let mut r = stamped(careful_but(|_| {}), "aaaa");
        r.mode = RunMode::Serve;
        let retry = ConnectionRecord {
            fingerprint: Some("aaaa".into()),
            at_ms: Some(300.0),
            ..seen(true)
        };
        if let Some(s) = r.scenarios.first_mut() {
            s.connections.push(retry.clone());
        }
        let t = target_report(&r)?;
        let inc = incomplete_of(&t);
        assert!(
            inc.len() == 1
                && inc.iter().all(|(p, why)| *p == "untrusted-ca"
                    && why.starts_with("a refusal was followed by a request")),
            "{inc:?}"
        );
        // Much later (a retry after a pause): doubted all the same (it graded A past 2 s).
        let mut late = r.clone();
        if let Some(c) = late
            .scenarios
            .first_mut()
            .and_then(|s| s.connections.last_mut())
        {
            c.at_ms = Some(5000.0);
        }
        assert_eq!(incomplete_of(&target_report(&late)?).len(), 1);
        assert_eq!(target_report(&late)?.grade, Grade::B);
        // A second round of refusals after it: the first round's was followed, still doubted.
        let mut rounds = late.clone();
        if let Some(s) = rounds.scenarios.get_mut(2) {
            s.connections.push(ConnectionRecord {
                fingerprint: Some("aaaa".into()),
                at_ms: Some(6000.0),
                ..seen(false)
            });
        }
        assert_eq!(target_report(&rounds)?.grade, Grade::B);
        // Wrapped, each scenario runs the client anew: not a retry.
        r.mode = RunMode::Wrapped;
        if let Some(s) = r.scenarios.first_mut() {
            s.connections.pop();
        }
        assert_eq!(target_report(&r)?.grade, Grade::A);
        Ok(())
    }

    #[test]
    fn a_careful_gate_before_a_careless_call_is_not_careful() -> Result<(), ImpostorError> {
        // `curl -sf URL/health && curl -k URL/data`: two requests in the control, one refusal
        // in each other scenario (the careless call never ran). It graded A.
        let mut r = stamped(careful_but(|_| {}), "aaaa");
        if let Some(s) = r.scenarios.first_mut() {
            s.connections.push(ConnectionRecord {
                fingerprint: Some("aaaa".into()),
                at_ms: Some(50.0),
                ..seen(true)
            });
        }
        let t = target_report(&r)?;
        let inc = incomplete_of(&t);
        assert!(
            inc.len() == 2
                && inc.iter().all(|(_, why)| why.starts_with(
                    "the control's client (ClientHello aaaa) made 2 connection(s) there (2 with \
                     a request), this scenario saw 1"
                )),
            "{inc:?}"
        );
        assert_eq!(t.grade, Grade::B);
        // The check retried until it passes (`for i in 1 2 3; do curl -sf URL/health && ok=1 &&
        // break; done; [ -n "$ok" ] && curl -k URL/data`): as many refusals as the control's
        // requests, or more, and still none shows the careless call refused. It graded A.
        let mut retries = r.clone();
        for s in retries.scenarios.iter_mut().skip(1) {
            let again = s.connections.clone();
            s.connections.extend(again.clone());
            s.connections.extend(again);
        }
        let t = target_report(&retries)?;
        let inc = incomplete_of(&t);
        assert!(
            inc.len() == 2
                && inc.iter().all(|(_, why)| why.contains(
                    "made 2 connections there (2 with a request), and a refusal does not show"
                )),
            "{inc:?}"
        );
        assert_eq!(t.grade, Grade::B);
        // A verified handshake-only check, then an unverified call (Python `connect()` and
        // `close()`, then a POST without verification): the control's first connection carried
        // no request, and counts all the same. It graded A.
        let mut probe = r.clone();
        if let Some(c) = probe
            .scenarios
            .first_mut()
            .and_then(|s| s.connections.first_mut())
        {
            c.app_data_bytes = 0;
            c.request = None;
            c.end = Some(ConnectionEnd::ClosedAfterHandshake);
            c.detail = Some("closed without a request".into());
        }
        let t = target_report(&probe)?;
        let inc = incomplete_of(&t);
        assert!(
            inc.len() == 2
                && inc.iter().all(|(_, why)| why.starts_with(
                    "the control's client (ClientHello aaaa) made 2 connection(s) there (1 with \
                     a request), this scenario saw 1"
                )),
            "{inc:?}"
        );
        assert_eq!(t.grade, Grade::B);
        // One connection per run, refused three times: careful.
        let mut once = stamped(careful_but(|_| {}), "aaaa");
        for s in once.scenarios.iter_mut().skip(1) {
            let again = s.connections.clone();
            s.connections.extend(again.clone());
            s.connections.extend(again);
        }
        assert_eq!(target_report(&once)?.grade, Grade::A);
        Ok(())
    }

    #[test]
    fn a_fallback_beside_a_refusal_is_never_a_pass() -> Result<(), ImpostorError> {
        // `curl -sSf URL || curl http://HOST:PORT/secret`: a refusal, then the request in
        // plaintext HTTP on the same port. It graded A.
        let mut r = stamped(careful_but(|_| {}), "aaaa");
        if let Some(s) = r.scenarios.get_mut(1) {
            s.connections.push(ConnectionRecord {
                end: Some(ConnectionEnd::Plaintext),
                app_data_bytes: 60,
                request: Some("GET /secret?token=<redacted> HTTP/1.1".into()),
                detail: Some("a plaintext HTTP request before any TLS ClientHello".into()),
                ..ConnectionRecord::default()
            });
        }
        let t = target_report(&r)?;
        assert_eq!(ids(&t), [("client-skips-server-verification", false)]);
        assert_eq!(t.grade, Grade::F);
        let f = t
            .findings
            .first()
            .map(|f| f.finding.detail.clone())
            .unwrap_or_default();
        assert!(f.contains("plaintext HTTP") && f.contains("worst"), "{f}");
        // On one served port, the fallback after the last scenario's refusal is the control's
        // turn: a plaintext request there is the same finding.
        let mut turn = stamped(careful_but(|_| {}), "aaaa");
        turn.mode = RunMode::Serve;
        if let Some(s) = turn.scenarios.first_mut() {
            s.connections.push(ConnectionRecord {
                end: Some(ConnectionEnd::Plaintext),
                app_data_bytes: 60,
                request: Some("GET /data HTTP/1.1".into()),
                ..ConnectionRecord::default()
            });
        }
        let t = target_report(&turn)?;
        assert_eq!(ids(&t), [("client-skips-server-verification", false)]);
        assert_eq!(t.grade, Grade::F);
        // `curl -sSf URL || curl -k --tlsv1.0 --tls-max 1.0 URL`: a refusal, then a ClientHello
        // the impostor cannot answer. Incomplete, never A.
        let mut r = stamped(careful_but(|_| {}), "aaaa");
        if let Some(s) = r.scenarios.get_mut(1) {
            s.connections.push(ConnectionRecord {
                fingerprint: Some("bbbb".into()),
                end: Some(ConnectionEnd::TlsError),
                detail: Some("peer is incompatible: Tls12NotOffered".into()),
                ..ConnectionRecord::default()
            });
        }
        let t = target_report(&r)?;
        let inc = incomplete_of(&t);
        assert!(
            inc.len() == 1
                && inc
                    .iter()
                    .all(|(_, why)| why.starts_with("beside the refusal, a connection could not")),
            "{inc:?}"
        );
        assert_eq!(t.grade, Grade::B);
        // Beside the refusal, a connection closed before a single byte (grpc-go's dial that
        // its time-out cancels: etcdctl, incomplete once in a loaded CI run): it carried nothing,
        // no fallback, so the refusal stands. The same closed after some bytes is unread.
        for (carried_nothing, grade) in [(true, Grade::A), (false, Grade::B)] {
            let mut r = stamped(careful_but(|_| {}), "aaaa");
            if let Some(s) = r.scenarios.get_mut(1) {
                s.connections.push(ConnectionRecord {
                    end: Some(ConnectionEnd::BeforeHello),
                    carried_nothing,
                    detail: Some("closed before a ClientHello".into()),
                    ..ConnectionRecord::default()
                });
            }
            assert_eq!(target_report(&r)?.grade, grade, "{carried_nothing}");
        }
        Ok(())
    }

    #[test]
    fn reports_without_end_read_as_they_were_written() -> Result<(), ImpostorError> {
        // An old report: no `end`, no fingerprint, no accept time.
        let mut r = run(&[
            (Scenario::Control, true),
            (Scenario::SelfSigned, false),
            (Scenario::WrongHost, false),
        ]);
        for c in r
            .scenarios
            .iter_mut()
            .flat_map(|s| s.connections.iter_mut())
        {
            c.end = None;
        }
        if let Some(c) = r
            .scenarios
            .get_mut(2)
            .and_then(|s| s.connections.first_mut())
        {
            c.alert = None;
            c.handshake_completed = true;
            c.detail = Some("closed without a request".into());
        }
        let t = target_report(&r)?;
        assert!(t.incomplete.is_empty(), "{:?}", t.incomplete);
        assert_eq!(t.grade, Grade::A);
        let verdicts: Vec<ScenarioVerdict> = r.scenarios.iter().map(|s| r.verdict_of(s)).collect();
        assert_eq!(
            verdicts,
            [
                ScenarioVerdict::Reached,
                ScenarioVerdict::Refused,
                ScenarioVerdict::Refused
            ]
        );
        // Old: no end and no detail was a connection cut short; now it says so.
        let cut = careful_but(|s| {
            if let Some(c) = s.connections.first_mut() {
                c.end = None;
                c.alert = None;
            }
        });
        assert_eq!(target_report(&cut)?.grade, Grade::B);
        let json = serde_json::to_string(&ConnectionEnd::CutShort).unwrap_or_default();
        assert_eq!(json, "\"cut-short\"");
        Ok(())
    }

    #[test]
    fn a_client_killed_while_it_retries_is_told_so() -> Result<(), ImpostorError> {
        let t = target_report(&careful_but(|s| {
            s.connections = vec![seen(false), seen(false), seen(false), seen(false)];
            s.client = Some(ClientOutcome {
                timed_out: true,
                ms: 3000.0,
                ..ClientOutcome::default()
            });
        }))?;
        let inc = incomplete_of(&t);
        assert!(
            inc.len() == 1
                && inc.iter().all(|(_, why)| why.starts_with(
                    "the client refused 4 time(s) but kept retrying until it was killed"
                )),
            "{inc:?}"
        );
        Ok(())
    }
}
