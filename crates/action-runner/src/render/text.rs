//! Terminal text: a table per target, one line per finding with its fix, implied findings folded
//! under their root cause, then the probes (`(late)`: through the transport that lets the server
//! ask for the certificate after the request; `PHA`/`reneg.`: it did, by TLS 1.3 post-handshake
//! auth or TLS 1.2 renegotiation; `(staging CA)`, `(no key id)`: [`probe_suffix`]). Colour only
//! when asked (the caller decides for a tty).
//!
//! Every string from the report goes through `clean`: a control character (a line break, an
//! escape sequence a server slipped into a header) is shown as `\xx`, never sent to the terminal.

use std::fmt::Write as _;

use anstyle::{AnsiColor, Style};
use probe_core::facts::{Outcome, ProbeId, ProbeObservation};
use probe_core::finding::Severity;
use probe_core::grade::Grade;
use probe_core::impostor::{ImpostorRun, ScenarioVerdict};
use probe_core::report::{Report, ReportedFinding, TargetReport};
use probe_core::verdict::Layer;

struct Paint {
    on: bool,
}

impl Paint {
    fn s(&self, style: Style, text: &str) -> String {
        if self.on {
            format!("{style}{text}{style:#}")
        } else {
            text.to_owned()
        }
    }
}

/// Report text for a terminal line: control characters, and the invisible ones that reorder or
/// hide text (bidi overrides, zero-width), as `\xx` (their UTF-8 bytes in hex), and the runner's
/// legacy command `##[` broken (`## [`), read anywhere in a line.
pub(crate) fn clean(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let invisible = matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}');
        if c.is_control() || invisible {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("\\{b:02x}"));
            }
        } else {
            out.push(c);
        }
    }
    probe_core::text::break_legacy_commands(&out)
}

/// [`clean`] text that starts a line: a leading `::` (a workflow command, when the report is
/// printed in a GitHub Actions step) gets its first colon as `\3a`.
fn clean_line(text: &str) -> String {
    let cleaned = clean(text);
    let trimmed = cleaned.trim_start();
    match trimmed.strip_prefix("::") {
        Some(rest) => {
            let indent = cleaned.strip_suffix(trimmed).unwrap_or("");
            format!("{indent}\\3a:{rest}")
        }
        None => cleaned,
    }
}

fn severity_style(s: Severity) -> Style {
    match s {
        Severity::Critical => AnsiColor::Red.on_default().bold(),
        Severity::High => AnsiColor::Red.on_default(),
        Severity::Medium => AnsiColor::Yellow.on_default(),
        Severity::Low => AnsiColor::Cyan.on_default(),
        Severity::Info => AnsiColor::BrightBlack.on_default(),
    }
}

fn grade_style(g: Grade) -> Style {
    match g {
        Grade::A | Grade::B => AnsiColor::Green.on_default().bold(),
        Grade::C => AnsiColor::Yellow.on_default().bold(),
        Grade::D | Grade::F => AnsiColor::Red.on_default().bold(),
    }
}

/// Renders the report; `color` adds ANSI styles.
pub fn render(report: &Report, color: bool) -> String {
    let p = Paint { on: color };
    let mut out = String::new();
    for t in &report.targets {
        target(&mut out, t, report.impostor_run(t), &p);
    }
    // Suppressed findings are shown, marked, and never counted.
    let tally = report.tally();
    let (findings, critical) = (tally.findings, tally.critical);
    let suppressed = if tally.suppressed > 0 {
        format!(" · {} suppressed", tally.suppressed)
    } else {
        String::new()
    };
    if let Some(line) = report.incomplete_line() {
        let _ = writeln!(
            out,
            "{} {}",
            p.s(AnsiColor::Yellow.on_default().bold(), "INCOMPLETE"),
            clean(&line)
        );
    }
    if !report.fixed.is_empty() {
        let named: Vec<String> = report
            .fixed
            .iter()
            .map(|f| format!("{} on {}", f.id, clean(&f.url)))
            .collect();
        let _ = writeln!(
            out,
            "{} {} finding{} of the baseline: {}",
            p.s(AnsiColor::Green.on_default().bold(), "FIXED"),
            report.fixed.len(),
            if report.fixed.len() == 1 { "" } else { "s" },
            named.join(", ")
        );
    }
    for f in &report.not_rechecked {
        let _ = writeln!(
            out,
            "{} {} on {} (in the baseline; not fixed: {})",
            p.s(AnsiColor::Yellow.on_default().bold(), "NOT RE-CHECKED"),
            f.finding.id,
            clean(&f.url),
            clean(&f.why)
        );
    }
    if report.targets.is_empty() {
        let _ = writeln!(
            out,
            "{} no target was scanned: there is no grade",
            p.s(Style::new().bold(), "Overall")
        );
        return out;
    }
    if !report.impostor.is_empty()
        && report
            .targets
            .iter()
            .all(|t| t.error.is_some() && report.impostor_run(t).is_some())
    {
        let _ = writeln!(
            out,
            "{} not judged: no request from the client reached the impostor · {:.0} ms",
            p.s(Style::new().bold(), "Overall"),
            report.duration_ms
        );
        return out;
    }
    // Why a B is not an A, when probes that did not run alone hold it there.
    let capped = super::capped::capped_line(report)
        .map(|why| format!(" · {why}"))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "{} {} (score {}){capped} · {} target{} · {} finding{} ({} critical){suppressed} · {:.0} ms",
        p.s(Style::new().bold(), "Overall grade"),
        p.s(grade_style(report.grade), report.grade.as_str()),
        report.score,
        report.targets.len(),
        if report.targets.len() == 1 { "" } else { "s" },
        findings,
        if findings == 1 { "" } else { "s" },
        critical,
        report.duration_ms
    );
    out
}

fn target(out: &mut String, t: &TargetReport, run: Option<&ImpostorRun>, p: &Paint) {
    if let (Some(run), Some(_)) = (run, &t.error) {
        // No request from the client reached the impostor: not judged, not careless (no grade
        // shown).
        let _ = writeln!(
            out,
            "{}  not judged (no request from the client reached the impostor)",
            p.s(Style::new().bold().underline(), &clean_line(&t.url)),
        );
        impostor(out, t, run, p);
        out.push('\n');
        return;
    }
    // A target that could not be scanned is graded F so that no threshold passes it; the line
    // says so, so that its F does not read as a verdict on what the server lets in.
    let _ = writeln!(
        out,
        "{}  grade {} (score {}{})",
        p.s(Style::new().bold().underline(), &clean_line(&t.url)),
        p.s(grade_style(t.grade), t.grade.as_str()),
        t.score,
        if t.error.is_some() {
            ": not scanned, no verdict"
        } else {
            ""
        }
    );
    if let Some(run) = run {
        impostor(out, t, run, p);
        out.push('\n');
        return;
    }
    if let Some(e) = &t.error {
        let _ = writeln!(
            out,
            "  {} could not be scanned: {}",
            p.s(AnsiColor::Red.on_default().bold(), "ERROR"),
            clean(e)
        );
        out.push('\n');
        return;
    }
    verdict(out, t);
    incomplete(out, t, p, "could not be read");
    findings(out, t, p);
    for s in &t.skipped_probes {
        let _ = writeln!(
            out,
            "  {} {} skipped: {}",
            p.s(AnsiColor::BrightBlack.on_default(), "·"),
            s.id,
            clean(&s.reason)
        );
    }
    for n in &t.notes {
        let _ = writeln!(
            out,
            "  {} note: {}",
            p.s(AnsiColor::BrightBlack.on_default(), "·"),
            clean(n)
        );
    }
    if !t.sni_names_tried.is_empty() {
        let _ = writeln!(
            out,
            "  {} side doors: the protected Host tried with {}",
            p.s(AnsiColor::BrightBlack.on_default(), "·"),
            clean(&t.sni_names_tried.join(", "))
        );
    }
    let _ = writeln!(out, "  probes:");
    probe_table(out, t);
    out.push('\n');
}

/// A line per reason an incomplete probe (or impostor scenario) gives: the probes that give it,
/// with their TLS versions, `what` went wrong and why ([`super::incomplete::by_reason`]).
fn incomplete(out: &mut String, t: &TargetReport, p: &Paint, what: &str) {
    for (reason, probes) in super::incomplete::by_reason(t) {
        let _ = writeln!(
            out,
            "  {} {} {what}: {}",
            p.s(AnsiColor::Yellow.on_default().bold(), "INCOMPLETE"),
            clean(&probes),
            clean(reason)
        );
    }
}

/// An impostor run (`mtls-scan impostor`): the client, the trusted CA, the findings, then what
/// each scenario saw (the client's output is never shown, only its exit and a sanitised line).
fn impostor(out: &mut String, t: &TargetReport, run: &ImpostorRun, p: &Paint) {
    let _ = writeln!(
        out,
        "  client {} · name {} · trusts {} ({}) · {}",
        clean(run.client.as_deref().unwrap_or("(served)")),
        clean(&run.name),
        clean(&run.trusted_ca.subject),
        clean(&run.trusted_ca.origin),
        name_of(run.mode)
    );
    if let Some(e) = &t.error {
        let _ = writeln!(
            out,
            "  {} {}",
            p.s(AnsiColor::Red.on_default().bold(), "INCONCLUSIVE"),
            clean(e)
        );
    } else {
        incomplete(out, t, p, "refusal not seen");
        findings(out, t, p);
    }
    for n in &t.notes {
        let _ = writeln!(out, "  note: {}", clean(n));
    }
    let _ = writeln!(out, "  scenarios:");
    for r in &run.scenarios {
        let (word, style) = match run.verdict_of(r) {
            ScenarioVerdict::Reached => ("reached", AnsiColor::Green.on_default()),
            ScenarioVerdict::NotReached => ("NOT REACHED", AnsiColor::Yellow.on_default().bold()),
            ScenarioVerdict::Accepted => ("ACCEPTED", AnsiColor::Red.on_default().bold()),
            ScenarioVerdict::CertificateSent => ("CERT SENT", AnsiColor::Red.on_default().bold()),
            ScenarioVerdict::Refused => ("refused", AnsiColor::Green.on_default()),
            _ => ("INCOMPLETE", AnsiColor::Yellow.on_default().bold()),
        };
        let _ = writeln!(
            out,
            "    {:<21} {} {} {:>7.0} ms",
            r.scenario.as_str(),
            p.s(style, &format!("{word:<11}")),
            truncate(&clean(&r.summary()), 110),
            r.ms
        );
    }
    if let Some(why) = &run.ended_by {
        let _ = writeln!(out, "  served until {}", clean(why));
    }
}

/// A serde enum's name (`optional`, `not-attempted`…).
fn name_of(value: impl serde::Serialize) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// Client auth, where it is enforced, the TLS versions, and whether the positive control got in.
fn verdict(out: &mut String, t: &TargetReport) {
    let versions: Vec<&str> = t.tls_versions.iter().map(|v| v.as_str()).collect();
    let enforced = match t.enforced_at {
        Some(Layer::Tls) => " (in the TLS handshake)",
        Some(Layer::Http) => " (by the TLS module over HTTP)",
        Some(Layer::PostHandshake) => " (after the request, by TLS 1.3 post-handshake auth)",
        Some(Layer::Renegotiation) => " (after the request, by TLS 1.2 renegotiation)",
        None => "",
    };
    let _ = writeln!(
        out,
        "  client auth: {}{enforced} · TLS {}",
        name_of(t.client_auth),
        versions.join(", ")
    );
    let verification = name_of(t.verification);
    match &t.verification_detail {
        Some(why) => {
            let _ = writeln!(out, "  verification: {verification} ({})", clean(why));
        }
        None => {
            let _ = writeln!(out, "  verification: {verification}");
        }
    }
}

/// Each root cause with its fix, the findings it implies folded under it.
fn findings(out: &mut String, t: &TargetReport, p: &Paint) {
    if t.findings.is_empty() {
        let _ = writeln!(
            out,
            "  {} no findings",
            p.s(AnsiColor::Green.on_default(), "✓")
        );
    }
    for root in t.findings.iter().filter(|f| f.implied_by.is_none()) {
        finding(out, root, p, "  ");
        for implied in t.findings.iter().filter(|f| f.implied_by == Some(root.id)) {
            let _ = writeln!(
                out,
                "      └ also {} {} ({}), implied by the above",
                p.s(severity_style(implied.severity), implied.severity.as_str()),
                implied.id,
                versions_of(implied)
            );
        }
    }
}

fn versions_of(f: &ReportedFinding) -> String {
    f.tls_versions
        .iter()
        .map(|v| v.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

fn finding(out: &mut String, f: &ReportedFinding, p: &Paint, indent: &str) {
    let sev = format!("{:<8}", f.severity.as_str().to_uppercase());
    let marks = match (&f.marks.suppressed, f.marks.baseline) {
        (Some(s), _) => format!(
            " {}",
            p.s(
                AnsiColor::BrightBlack.on_default(),
                &format!(
                    "(suppressed until {}: {}; not counted)",
                    clean(&s.expires),
                    clean(&s.reason)
                )
            )
        ),
        (None, Some(probe_core::policy::BaselineState::New)) => " (new since the baseline)".into(),
        _ => String::new(),
    };
    // A finding seen over no TLS version (the impostor's plaintext request) has none to list.
    let versions = versions_of(f);
    let versions = if versions.is_empty() {
        String::new()
    } else {
        format!(", {versions}")
    };
    let _ = writeln!(
        out,
        "{indent}{} {} {} [{}{versions}]{marks}",
        p.s(severity_style(f.severity), &sev),
        p.s(Style::new().bold(), f.id.as_str()),
        clean(&f.title),
        clean(&f.cwe),
    );
    let _ = writeln!(out, "{indent}         {}", clean_line(&f.detail));
    let _ = writeln!(out, "{indent}         fix: {}", clean(&f.remediation));
    if let Some(g) = f.fixes.iter().find(|x| x.guessed) {
        let _ = writeln!(
            out,
            "{indent}         {} (guessed stack):\n{}",
            clean_line(&g.stack),
            g.fix
                .lines()
                // The fix's own indentation (Go's tabs) as spaces: a tab would show as `\09`.
                .map(|l| format!(
                    "{indent}           {}",
                    clean_line(&l.replace('\t', "    "))
                ))
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
}

/// How the server asked for the certificate after the handshake (`post-handshake`,
/// `renegotiation`), when it did.
pub(crate) fn asked_late(o: &ProbeObservation) -> Option<String> {
    let ask = serde_json::to_value(o.asked_after_handshake?).ok()?;
    ask.as_str().map(str::to_owned)
}

/// Longest answer shown in a probe line (the JSON report has it whole).
const MAX_ANSWER: usize = 60;

/// The probe table: a line per observation, each column at least as wide as its widest cell in
/// this target's table (a staging-CA or late probe's name, a long alert), so the lines stay aligned.
/// A refusal the verdict could not count ([`super::incomplete::unread`]) shows as `unread`, its
/// answer kept, pointing at the INCOMPLETE lines above.
fn probe_table(out: &mut String, t: &TargetReport) {
    let rows: Vec<[String; 6]> = t.probes.iter().map(|o| probe_row(t, o)).collect();
    let width = |c: usize| {
        rows.iter()
            .map(|r| r.get(c).map_or(0, |s| s.chars().count()))
            .max()
            .unwrap_or(0)
    };
    // The widths a usual table needs, so that tables of different targets line up alike.
    let (id_w, outcome_w, result_w) = (width(0).max(28), width(3).max(12), width(4).max(22));
    for [id, tls, requested, outcome, result, ms] in &rows {
        let line = format!(
            "    {id:<id_w$} TLS {tls}  {requested} → {outcome:<outcome_w$} {result:<result_w$} {ms:>7} ms"
        );
        let _ = writeln!(out, "{}", line.trim_end());
    }
}

fn probe_row(t: &TargetReport, o: &ProbeObservation) -> [String; 6] {
    let requested = match (asked_late(o).as_deref(), o.cert_requested) {
        (Some("post-handshake"), _) => "cert req. (PHA)",
        (Some(_), _) => "cert req. (reneg.)",
        (None, true) => "cert requested",
        (None, false) => "no cert request",
    };
    let mut id = o.id.as_str().to_owned();
    id.push_str(probe_suffix(o));
    if o.late {
        id.push_str(" (late)");
    }
    let sent = match (&o.client_cert, o.cert_requested) {
        (Some(_), _) => "cert sent",
        (None, true) => "no cert sent",
        (None, false) => "-",
    };
    let result = match (o.outcome, o.http_status, &o.alert) {
        (_, Some(st), _) => format!("HTTP {st}"),
        (Outcome::RefusedTls, None, Some(a)) => format!("alert {a}"),
        (Outcome::RefusedTls, None, None) => "closed".to_owned(),
        (Outcome::UnsupportedVersion, ..) => "version not spoken".to_owned(),
        (_, None, _) => o.detail.clone().unwrap_or_else(|| "error".to_owned()),
    };
    let (outcome, result) = if super::incomplete::unread(t, o) {
        (
            "unread".to_owned(),
            format!(
                "{}: not counted (see INCOMPLETE)",
                truncate(&clean(&result), MAX_ANSWER - 20)
            ),
        )
    } else {
        (name_of(o.outcome), truncate(&clean(&result), MAX_ANSWER))
    };
    [
        id,
        o.tls_version.as_str().to_owned(),
        format!("{requested:<18} {sent:<12}"),
        outcome,
        result,
        format!("{:.1}", o.ms),
    ]
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_owned()
    } else {
        let mut t: String = s.chars().take(n.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// What a probe table adds to a probe's id to tell apart two observations of one probe and
/// version: ` (staging CA)` for the staging CA's own control beside `client-cert`'s (and for
/// `cert-without-key` on the staging CA's certificate where `client-cert` was refused), ` (no key
/// id)` for the forgery sent again without an authority key identifier beside the linked one,
/// ` (with its CA)` for the certificate from an unknown CA sent again with its CA's certificate,
/// ` (with a valid cert)` for the same sent with a valid client certificate after it, ` (with the
/// real CA)` for the same sent with the certificate of the CA the server trusts (and the forgery
/// sent so), ` (with a CA of that name)` for the forgery sent with a self-signed CA
/// certificate of ours carrying the copied name, ` (issued by client-cert)` for a certificate
/// the valid certificate signed (` (issued by a staging leaf)` where the staging CA's did),
/// ` (with its CA)` too for a staging certificate sent again with the staging CA's certificate,
/// ` (stranger)` and ` (look-alike)` for the names `lookalike-client-cert` tells apart.
pub(crate) fn probe_suffix(o: &ProbeObservation) -> &'static str {
    if probe_core::probe::staging_valid(o)
        || (o.id == ProbeId::CERT_WITHOUT_KEY
            && o.origin_says(probe_core::probe::cert_without_key::STAGING_WITHOUT_KEY_ORIGIN))
    {
        " (staging CA)"
    } else if o.id == ProbeId::FORGED_CLIENT_CERT && o.origin_says("no key identifier") {
        " (no key id)"
    } else if (o.id == ProbeId::UNTRUSTED_CLIENT_CERT
        && o.origin_says(probe_core::identity::forge::WITH_ITS_CA_MARK))
        || o.origin_says(probe_core::probe::STAGING_WITH_CA_MARK)
    {
        " (with its CA)"
    } else if o.id == ProbeId::UNTRUSTED_CLIENT_CERT
        && o.origin_says(probe_core::identity::forge::WITH_VALID_CERT_MARK)
    {
        " (with a valid cert)"
    } else if (o.id == ProbeId::UNTRUSTED_CLIENT_CERT || o.id == ProbeId::FORGED_CLIENT_CERT)
        && o.origin_says(probe_core::identity::forge::WITH_TRUSTED_CA_MARK)
    {
        " (with the real CA)"
    } else if o.id == ProbeId::FORGED_CLIENT_CERT
        && o.origin_says(probe_core::identity::forge::WITH_IMPOSTOR_CA_MARK)
    {
        " (with a CA of that name)"
    } else if o.origin_says(probe_core::probe::lookalike_client_cert::STRANGER_MARK) {
        " (stranger)"
    } else if o.origin_says(probe_core::probe::lookalike_client_cert::LOOKALIKE_MARK) {
        " (look-alike)"
    } else if o.id == ProbeId::FORGED_CLIENT_CERT
        && o.origin_says(probe_core::identity::forge::ISSUED_BY_STAGING_HOLDER_MARK)
    {
        " (issued by a staging leaf)"
    } else if o.id == ProbeId::FORGED_CLIENT_CERT
        && o.origin_says(probe_core::identity::forge::ISSUED_BY_HOLDER_MARK)
    {
        " (issued by client-cert)"
    } else {
        ""
    }
}
