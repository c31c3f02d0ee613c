//! Hand-built reports for the renderers' snapshot tests: every state a renderer has to show, with
//! fixed timings so that a snapshot changes only when a renderer does.
//!
//! [`every_state`] holds, in one report: every finding of the catalogue (`FindingId::ALL`), root
//! causes with the findings they imply, a suppressed finding, the baseline's `new`, `unchanged`,
//! `fixed` and not re-checked states, a target whose client auth is asked after the request (late probes, TLS
//! 1.3 post-handshake auth and TLS 1.2 renegotiation), an incomplete target, a target that could
//! not be scanned, skipped probes, a server certificate, notes, per-stack fixes, and server text
//! that tries to break out of every format ([`HOSTILE`]).

use probe_core::facts::{ProbeObservation, TlsVersion};
use probe_core::finding::{Finding, FindingId, StackFix};
use probe_core::policy::{BaselineState, Suppressed};
use probe_core::report::{Report, ReportedFinding, TargetReport};
use probe_core::target::Target;
use probe_core::verdict::{ClientAuth, Layer, Verification};
use serde_json::{json, Value};

/// Server text that tries everything: a workflow command after an escaped and a real line break,
/// a Markdown table row, a code span and a fence, HTML, a link, emphasis, entities, a mention, a
/// right-to-left override and control characters.
pub const HOSTILE: &str = "x%0A::error::pwned\n::warning::injected\r\n| a | b |\n`code` ```\n\
                           <script>alert(1)</script><img src=x> [l](javascript:x) *b* _i_ &amp; \
                           $x$ @team #1 \u{202E}rtl\u{7}bell\u{1b}[31mred";

/// Every state at once (see the module's documentation); grades set by hand.
pub fn every_state() -> Report {
    let mut report = Report::new(
        vec![
            every_finding(),
            late_auth(),
            app_enforced(),
            incomplete(),
            unscannable(),
            hostile(),
        ],
        1234.5,
    );
    report.fixed = serde_json::from_value(json!([
        {"url": "https://api.example.com:443/v1", "id": "client-cert-not-requested"},
        {"url": "https://gone.example.com:443/", "id": "server-cert-expired"}
    ]))
    .unwrap_or_else(|e| panic!("fixed findings: {e}"));
    // A baseline finding on the incomplete target: not fixed, kept; its reason quotes the
    // server (hostile text).
    report.not_rechecked = vec![probe_core::report::NotRechecked {
        url: "https://flaky.example.com:8443/".into(),
        host_port: "flaky.example.com:8443".into(),
        why: format!("the target is incomplete: {HOSTILE}"),
        finding: finding(
            FindingId::TlsConfigExposed,
            "GET /actuator/env showed client-auth=want",
        ),
    }];
    report
}

/// A target as the engine leaves it before judging (every new report field at its default).
fn target(url: &str) -> TargetReport {
    let t = Target::parse(url).unwrap_or_else(|e| panic!("{url}: {e}"));
    let mut r = probe_core::engine::failed(&t, String::new());
    r.error = None;
    r.tls_versions = vec![TlsVersion::Tls13, TlsVersion::Tls12];
    r
}

/// A finding as the engine builds one: seen on both versions, with evidence.
fn finding(id: FindingId, detail: &str) -> ReportedFinding {
    let mut f = Finding::new(id, detail)
        .with_evidence(
            "no-client-cert (TLS 1.3)",
            "CertificateRequest sent; HTTP 200",
        )
        .with_evidence(
            "no-client-cert (TLS 1.2)",
            "CertificateRequest sent; HTTP 200",
        );
    f.tls_versions = vec![TlsVersion::Tls13, TlsVersion::Tls12];
    f.into()
}

/// One probe's facts; `extra` overrides the defaults (a served request on TLS 1.3).
fn probe(id: &str, extra: Value) -> ProbeObservation {
    let mut o = json!({
        "id": id, "tls_version": "1.3", "client_cert": null, "cert_requested": true,
        "acceptable_cas": ["O=Example, CN=Example Client CA"], "alert": null,
        "http_status": 200, "alpn": "http/1.1", "server_header": "nginx/1.22.1",
        "body_excerpt": "{\"ok\":true}", "outcome": "served", "ms": 1.5
    });
    if let (Some(o), Value::Object(extra)) = (o.as_object_mut(), extra) {
        o.extend(extra);
    }
    serde_json::from_value(o).unwrap_or_else(|e| panic!("probe {id}: {e}"))
}

fn client_cert(subject: &str) -> Value {
    json!({
        "origin": "generated", "subject": subject, "issuer": "CN=mtls-scan untrusted CA",
        "sha256": "00".repeat(32), "key": "EC 256 (prime256v1)",
        "not_before": "2025-01-01T00:00:00Z", "not_after": "2026-01-01T00:00:00Z"
    })
}

/// Every finding of the catalogue on one target: the first two are root causes, each of the
/// others implied by one of them in turn, except three that show the policy's states
/// (suppressed, new, unchanged).
fn every_finding() -> TargetReport {
    let mut t = target("https://api.example.com/v1");
    t.client_auth = ClientAuth::Optional;
    t.verification = Verification::Verified;
    t.grade = probe_core::grade::Grade::F;
    t.score = 20;
    let roots = [
        FindingId::ClientCertOptional,
        FindingId::UntrustedClientCertAccepted,
    ];
    for (n, id) in FindingId::ALL.iter().enumerate() {
        let mut f = finding(
            *id,
            &format!("{id}: what the probes saw, in the engine's words."),
        );
        if !roots.contains(id) {
            f.implied_by = roots.get(n % 2).copied();
        }
        t.findings.push(f);
    }
    // The root causes, with per-stack fixes (one of them the stack the server seems to run),
    // then the policy's states on three findings of their own.
    if let Some(root) = t.findings.iter_mut().find(|f| f.id == roots[0]) {
        root.fixes = vec![
            StackFix {
                stack: "nginx".into(),
                fix: "ssl_verify_client on;\nssl_client_certificate /etc/nginx/client-ca.pem;"
                    .into(),
                guessed: true,
            },
            StackFix {
                stack: "Go".into(),
                fix: "ClientAuth: tls.RequireAndVerifyClientCert,".into(),
                guessed: false,
            },
        ];
        root.marks.baseline = Some(BaselineState::Unchanged);
    }
    if let Some(root) = t.findings.iter_mut().find(|f| f.id == roots[1]) {
        root.marks.baseline = Some(BaselineState::New);
    }
    if let Some(f) = t
        .findings
        .iter_mut()
        .find(|f| f.id == FindingId::ClientCertEnforcedByApp)
    {
        f.implied_by = None;
        f.marks.suppressed = Some(Suppressed {
            reason: "the health check is anonymous by design".into(),
            expires: "2099-12-31".into(),
        });
    }
    t.probes = vec![
        probe("no-client-cert", json!({})),
        probe("no-client-cert", json!({"tls_version": "1.2", "ms": 2.25})),
        probe(
            "untrusted-client-cert",
            json!({"client_cert": client_cert("CN=mtls-scan untrusted client")}),
        ),
        probe(
            "forged-client-cert",
            json!({"client_cert": client_cert("CN=mtls-scan forged client"), "alert": null}),
        ),
        // The same forgery sent again without an authority key identifier: told apart.
        probe(
            "forged-client-cert",
            json!({"client_cert": {
                "origin": "forged: advertised CA name, no key identifier, our signature",
                "subject": "CN=mtls-scan forged client", "issuer": "O=Example, CN=Example Client CA",
                "sha256": "11".repeat(32), "key": "EC 256 (prime256v1)",
                "not_before": "2025-01-01T00:00:00Z", "not_after": "2026-01-01T00:00:00Z"
            }, "ms": 1.75}),
        ),
    ];
    t.skipped_probes = serde_json::from_value(json!([
        {"id": "expired-client-cert", "reason": "needs an issuing CA (issuing-ca-cert and issuing-ca-key)"}
    ]))
    .unwrap_or_else(|e| panic!("skipped probes: {e}"));
    t.server_certificate = serde_json::from_value(json!({
        "subject": "CN=api.example.com", "issuer": "CN=Example Issuing CA", "sans": ["DNS:api.example.com"],
        "not_before": "2025-01-01T00:00:00Z", "not_after": "2025-03-01T00:00:00Z", "days_left": 12,
        "key": "RSA 1024", "signature_algorithm": "sha1WithRSAEncryption", "sha256": "ab".repeat(32),
        "trust": "untrusted", "trust_error": "UnknownIssuer", "host": "api.example.com",
        "host_matches": true, "chain": [], "tls_versions": ["1.3", "1.2"]
    }))
    .unwrap_or_else(|e| panic!("server certificate: {e}"));
    t.tags = vec!["payments".into()];
    t
}

/// Client auth asked only after the request, on a path (Apache's per-location `require`): the
/// first wave sees no CertificateRequest, the late wave sees TLS 1.3 post-handshake auth and TLS
/// 1.2 renegotiation. Enforced; no findings.
fn late_auth() -> TargetReport {
    let mut t = target("https://admin.example.com/admin/");
    t.client_auth = ClientAuth::Required;
    t.enforced_at = Some(Layer::PostHandshake);
    t.verification = Verification::Verified;
    t.grade = probe_core::grade::Grade::A;
    t.score = 100;
    let refused = |v: &str, ask: &str| {
        json!({
            "tls_version": v, "late": true, "asked_after_handshake": ask, "http_status": null,
            "alert": "CertificateRequired", "outcome": "refused-tls", "server_header": null,
            "body_excerpt": null, "ms": 3.0
        })
    };
    t.probes = vec![
        probe(
            "no-client-cert",
            json!({"cert_requested": false, "acceptable_cas": [], "http_status": 403,
                "outcome": "answered", "body_excerpt": "Forbidden"}),
        ),
        probe("no-client-cert", refused("1.3", "post-handshake")),
        probe("no-client-cert", refused("1.2", "renegotiation")),
        probe(
            "valid-client-cert",
            json!({"late": true, "asked_after_handshake": "post-handshake",
                "client_cert": client_cert("CN=ci client")}),
        ),
    ];
    t
}

/// A handshake without a certificate completes and the application answers 401: an info finding.
fn app_enforced() -> TargetReport {
    let mut t = target("https://app.example.com/api");
    t.client_auth = ClientAuth::Optional;
    t.verification = Verification::NotAttempted;
    t.grade = probe_core::grade::Grade::B;
    t.score = 88;
    t.findings = vec![finding(
        FindingId::ClientCertEnforcedByApp,
        "TLS 1.3 and 1.2: served without a certificate, then refused by the application (HTTP 401).",
    )];
    t.probes = vec![probe(
        "no-client-cert",
        json!({"http_status": 401, "outcome": "answered", "body_excerpt": "Unauthorized"}),
    )];
    t
}

/// A probe that could have raised a finding could not be read, even after retries; the positive
/// control was refused, so enforcement is unverified; the server certificate expires soon.
fn incomplete() -> TargetReport {
    let mut t = target("https://flaky.example.com:8443/");
    t.client_auth = ClientAuth::Required;
    t.enforced_at = Some(Layer::Tls);
    t.verification = Verification::Unverified;
    t.verification_detail = Some("the valid certificate was refused: UnknownCA".into());
    t.grade = probe_core::grade::Grade::B;
    t.score = 85;
    t.findings = vec![
        finding(
            FindingId::EnforcementUnverified,
            "the valid certificate was refused: refusals prove nothing.",
        ),
        finding(
            FindingId::ServerCertExpiring,
            "expires in 12 days (2025-03-01).",
        ),
    ];
    t.incomplete = serde_json::from_value(json!([
        {"probe": "untrusted-client-cert", "tls_version": "1.2", "reason": "no answer within 10 s (3 attempts)"},
        {"probe": "forged-client-cert", "tls_version": "1.2", "reason": "no answer within 10 s (3 attempts)"},
        {"probe": "forged-client-cert", "tls_version": "1.3", "reason": "no answer within 10 s (3 attempts)"},
        {"probe": "self-signed-client-cert", "tls_version": "1.3", "reason": "reset by peer (2 attempts)"}
    ]))
    .unwrap_or_else(|e| panic!("incomplete: {e}"));
    t.probes = vec![
        probe(
            "no-client-cert",
            json!({"http_status": null, "alert": "CertificateRequired", "outcome": "refused-tls"}),
        ),
        probe(
            "untrusted-client-cert",
            json!({"tls_version": "1.2", "http_status": null, "outcome": "inconclusive",
                "detail": "no answer within 10 s", "attempts": 3, "ms": 10000.0,
                "client_cert": client_cert("CN=mtls-scan untrusted client")}),
        ),
        // Refusals the verdict could not count (listed in `incomplete`): shown as unread.
        probe(
            "forged-client-cert",
            json!({"tls_version": "1.2", "http_status": null, "outcome": "refused-tls",
                "detail": "peer closed connection without sending TLS close_notify",
                "client_cert": client_cert("CN=mtls-scan forged client")}),
        ),
        probe(
            "self-signed-client-cert",
            json!({"http_status": null, "outcome": "refused-tls",
                "alert": "BadCertificateStatusResponse",
                "client_cert": client_cert("CN=mtls-scan self-signed client")}),
        ),
        // A refusal read as one, with the staging CA's valid certificate: its row stays aligned.
        probe(
            "valid-client-cert",
            json!({"http_status": null, "outcome": "refused-tls", "alert": "UnknownCA",
            "client_cert": {
                "origin": "minted: staging CA, valid", "subject": "CN=mtls-scan staging client",
                "issuer": "CN=Example Staging CA", "sha256": "00".repeat(32),
                "key": "EC 256 (prime256v1)", "not_before": "2025-01-01T00:00:00Z",
                "not_after": "2026-01-01T00:00:00Z"
            }}),
        ),
    ];
    t
}

/// A target that could not be scanned at all.
fn unscannable() -> TargetReport {
    let t = Target::parse("https://down.example.com/").unwrap_or_else(|e| panic!("{e}"));
    probe_core::engine::failed(&t, "connection refused (os error 111)".to_owned())
}

/// Server text that a Markdown renderer could turn into links: URLs (any case, `ftp`), `www.`
/// names, e-mail and `mailto:` addresses, a mention and an issue reference.
pub const LINKS: &str = "see https://evil.example/login?x=1 or HTTPS://EVIL.EXAMPLE, \
                         ftp://files.evil.example/a, (www.evil.example) WWW.Evil.Example/x, \
                         admin@evil.example mailto:root@evil.example @octocat #42";

/// A target whose server puts [`LINKS`] everywhere it can.
/// A target whose Server header names a stack listed only when recognised (lighttpd, measured
/// `lighttpd/1.4.69`): a missing client certificate served, the catalogue's fixes attached as
/// the engine attaches them (lighttpd's first, the backend-header caveat, stunnel and Hitch
/// after it, then the ten listed stacks).
pub fn recognised_lighttpd() -> Report {
    use probe_core::finding::remediation::{self, Stack};
    let mut t = target("https://lighttpd.example.com/");
    t.client_auth = ClientAuth::Optional;
    t.enforced_at = None;
    t.grade = probe_core::grade::Grade::F;
    t.score = 0;
    t.probes = vec![probe(
        "no-client-cert",
        json!({"server_header": "lighttpd/1.4.69", "body_excerpt": "ok"}),
    )];
    let mut findings = vec![Finding::new(
        FindingId::ClientCertOptional,
        "TLS 1.3, TLS 1.2: the handshake completed without a certificate and the server answered HTTP 200.",
    )];
    remediation::attach_from_server_header(&mut findings, Some(Stack::Lighttpd));
    t.findings = findings.into_iter().map(Into::into).collect();
    Report::new(vec![t], 3.5)
}

pub fn links() -> Report {
    Report::new(
        vec![hostile_with("https://links.example.com/", LINKS)],
        1234.5,
    )
}

/// A server that puts [`HOSTILE`] text everywhere it can: headers, body, alert, CA names,
/// certificate names, and so in the findings' details and evidence.
fn hostile() -> TargetReport {
    hostile_with("https://evil.example.com/", HOSTILE)
}

/// A server at `url` that puts `text` everywhere it can.
fn hostile_with(url: &str, text: &'static str) -> TargetReport {
    let mut t = target(url);
    t.client_auth = ClientAuth::Optional;
    t.verification = Verification::NotAttempted;
    t.verification_detail = Some(text.into());
    t.notes = vec![text.into()];
    t.grade = probe_core::grade::Grade::F;
    t.score = 0;
    let mut f = finding(FindingId::ClientCertOptional, text);
    f.evidence.insert(text.into(), text.into());
    f.fixes = vec![StackFix {
        stack: text.into(),
        fix: format!("```\n</details></pre><script>\n````\n{text}").into(),
        guessed: true,
    }];
    let mut implied = finding(FindingId::UntrustedClientCertAccepted, text);
    implied.implied_by = Some(FindingId::ClientCertOptional);
    t.findings = vec![f, implied];
    t.probes = vec![probe(
        "no-client-cert",
        json!({"acceptable_cas": [text], "alert": text, "server_header": text,
            "body_excerpt": text, "detail": text, "signature_schemes": [text],
            "client_cert": client_cert(text)}),
    )];
    t.skipped_probes =
        serde_json::from_value(json!([{"id": "forged-client-cert", "reason": text}]))
            .unwrap_or_else(|e| panic!("skipped: {e}"));
    t.server_certificate = serde_json::from_value(json!({
        "subject": text, "issuer": text, "sans": [text], "not_before": text,
        "not_after": text, "days_left": -3, "key": text, "signature_algorithm": text,
        "sha256": "cd".repeat(32), "trust": "unknown", "host": "evil.example.com",
        "host_matches": null, "chain": [], "tls_versions": ["1.3"]
    }))
    .unwrap_or_else(|e| panic!("server certificate: {e}"));
    t
}

/// A fleet of `n` targets in the shape of [`every_state`]'s: each with findings (fixes,
/// evidence, implied findings), a server certificate and probes; grades spread over A–F.
pub fn fleet(n: usize) -> Report {
    let shapes = [
        every_finding(),
        late_auth(),
        app_enforced(),
        incomplete(),
        hostile(),
    ];
    let targets = (0..n)
        .map(|i| {
            let mut t = shapes
                .get(i % shapes.len())
                .cloned()
                .unwrap_or_else(|| target("https://x.example/"));
            t.url = format!("https://api-{i}.fleet.example.com/v1");
            t.host_port = format!("api-{i}.fleet.example.com:443");
            t
        })
        .collect();
    Report::new(targets, 1.0)
}

/// A target with no finding, graded B only because probes testing admission did not run
/// (`not_run`, for want of a staging CA) or were switched off (`off`, `--skip-probe`), its note
/// saying so as the engine writes it.
pub fn capped_at_b(not_run: &[&str], off: &[&str]) -> Report {
    Report::new(
        vec![capped_target("https://capped.example.com/", not_run, off)],
        12.5,
    )
}

/// Targets graded B beside others graded B for their own findings (a low finding), and one
/// graded A: `capped` lists each capped target's probes that did not run and those switched off,
/// `for_findings` how many targets are B for a finding.
pub fn capped_beside_b(capped: &[(&[&str], &[&str])], for_findings: usize) -> Report {
    let mut targets: Vec<TargetReport> = capped
        .iter()
        .enumerate()
        .map(|(i, (not_run, off))| {
            capped_target(&format!("https://capped{i}.example.com/"), not_run, off)
        })
        .collect();
    for i in 0..for_findings {
        let mut t = target(&format!("https://low{i}.example.com/"));
        t.client_auth = ClientAuth::Required;
        t.enforced_at = Some(Layer::Tls);
        t.verification = Verification::Verified;
        t.grade = probe_core::grade::Grade::B;
        t.score = 92;
        t.findings = vec![finding(
            FindingId::ServerCertExpiring,
            "expires in 12 days (2025-03-01).",
        )];
        t.probes = vec![probe(
            "no-client-cert",
            json!({"http_status": null, "alert": "CertificateRequired", "outcome": "refused-tls"}),
        )];
        targets.push(t);
    }
    let mut a = target("https://a.example.com/");
    a.client_auth = ClientAuth::Required;
    a.enforced_at = Some(Layer::Tls);
    a.verification = Verification::Verified;
    a.grade = probe_core::grade::Grade::A;
    a.score = 100;
    targets.push(a);
    Report::new(targets, 12.5)
}

/// A target graded B only because probes testing admission did not run (`not_run`) or were
/// switched off (`off`), its note saying so.
fn capped_target(url: &str, not_run: &[&str], off: &[&str]) -> TargetReport {
    let mut t = target(url);
    t.client_auth = ClientAuth::Required;
    t.enforced_at = Some(Layer::Tls);
    t.verification = Verification::Verified;
    t.grade = probe_core::grade::Grade::B;
    t.score = 89;
    let mut skipped: Vec<Value> = not_run
        .iter()
        .map(|id| json!({"id": id, "reason": "needs an issuing CA (issuing-ca-cert and issuing-ca-key)"}))
        .collect();
    skipped.extend(
        off.iter()
            .map(|id| json!({"id": id, "reason": "switched off"})),
    );
    t.skipped_probes =
        serde_json::from_value(Value::Array(skipped)).unwrap_or_else(|e| panic!("skipped: {e}"));
    if !not_run.is_empty() {
        t.notes.push(format!(
            "graded B at best: {} did not run, so what they try is not proven (the skipped lines \
             say why: most need a staging CA the server trusts)",
            not_run.join(", ")
        ));
    }
    if !off.is_empty() {
        t.notes.push(format!(
            "graded B at best: {} switched off (`--skip-probe`), so what it tries is not proven",
            off.join(", ")
        ));
    }
    t.probes = vec![probe(
        "no-client-cert",
        json!({"http_status": null, "alert": "CertificateRequired", "outcome": "refused-tls"}),
    )];
    t
}
