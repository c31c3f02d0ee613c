//! Terminal text: a table per target, one line per finding with its fix, implied findings folded
//! under their root cause, then the probes. Colour only when asked (the caller decides for a tty).

use std::fmt::Write as _;

use anstyle::{AnsiColor, Style};
use probe_core::finding::{Finding, Severity};
use probe_core::grade::Grade;
use probe_core::observation::{Outcome, ProbeObservation};
use probe_core::report::{Report, TargetReport};

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
        target(&mut out, t, &p);
    }
    // Suppressed findings are shown, marked, and never counted.
    let counted = || report.findings().filter(|(_, f)| f.suppressed.is_none());
    let findings = counted().count();
    let critical = counted()
        .filter(|(_, f)| f.severity >= Severity::Critical)
        .count();
    let suppressed = report.findings().count() - findings;
    let suppressed = if suppressed > 0 {
        format!(" · {suppressed} suppressed")
    } else {
        String::new()
    };
    if let Some(line) = report.incomplete_line() {
        let _ = writeln!(
            out,
            "{} {line}",
            p.s(AnsiColor::Yellow.on_default().bold(), "INCOMPLETE")
        );
    }
    let _ = writeln!(
        out,
        "{} {} (score {}) · {} target{} · {} finding{} ({} critical){suppressed} · {:.0} ms",
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

fn target(out: &mut String, t: &TargetReport, p: &Paint) {
    let versions: Vec<&str> = t.tls_versions.iter().map(|v| v.as_str()).collect();
    let auth = serde_json::to_value(t.client_auth)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    let enforced = match t.enforced_at {
        Some(probe_core::verdict::Layer::Tls) => " (in the TLS handshake)",
        Some(probe_core::verdict::Layer::Http) => " (by the TLS module over HTTP)",
        Some(probe_core::verdict::Layer::PostHandshake) => {
            " (after the request, by TLS 1.3 post-handshake auth)"
        }
        Some(probe_core::verdict::Layer::Renegotiation) => {
            " (after the request, by TLS 1.2 renegotiation)"
        }
        None => "",
    };
    let _ = writeln!(
        out,
        "{}  grade {} (score {})",
        p.s(Style::new().bold().underline(), &t.url),
        p.s(grade_style(t.grade), t.grade.as_str()),
        t.score
    );
    if let Some(e) = &t.error {
        let _ = writeln!(
            out,
            "  {} could not be scanned: {e}",
            p.s(AnsiColor::Red.on_default().bold(), "ERROR")
        );
        out.push('\n');
        return;
    }
    let _ = writeln!(
        out,
        "  client auth: {auth}{enforced} · TLS {}",
        versions.join(", ")
    );
    let verification = serde_json::to_value(t.verification)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    match &t.verification_detail {
        Some(why) => {
            let _ = writeln!(out, "  verification: {verification} ({why})");
        }
        None => {
            let _ = writeln!(out, "  verification: {verification}");
        }
    }
    for i in &t.incomplete {
        let on = i
            .tls_version
            .map_or_else(String::new, |v| format!(" ({v})"));
        let _ = writeln!(
            out,
            "  {} {}{on} could not be read: {}",
            p.s(AnsiColor::Yellow.on_default().bold(), "INCOMPLETE"),
            i.probe,
            i.reason
        );
    }
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
    for s in &t.skipped_probes {
        let _ = writeln!(
            out,
            "  {} {} skipped: {}",
            p.s(AnsiColor::BrightBlack.on_default(), "·"),
            s.id,
            s.reason
        );
    }
    let _ = writeln!(out, "  probes:");
    for o in &t.probes {
        probe_line(out, o);
    }
    out.push('\n');
}

fn versions_of(f: &Finding) -> String {
    f.tls_versions
        .iter()
        .map(|v| v.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

fn finding(out: &mut String, f: &Finding, p: &Paint, indent: &str) {
    let sev = format!("{:<8}", f.severity.as_str().to_uppercase());
    let marks = match (&f.suppressed, f.baseline) {
        (Some(s), _) => format!(
            " {}",
            p.s(
                AnsiColor::BrightBlack.on_default(),
                &format!(
                    "(suppressed until {}: {}; not counted)",
                    s.expires, s.reason
                )
            )
        ),
        (None, Some(probe_core::policy::BaselineState::New)) => " (new since the baseline)".into(),
        _ => String::new(),
    };
    let _ = writeln!(
        out,
        "{indent}{} {} {} [{}, {}]{marks}",
        p.s(severity_style(f.severity), &sev),
        p.s(Style::new().bold(), f.id.as_str()),
        f.title,
        f.cwe,
        versions_of(f)
    );
    let _ = writeln!(out, "{indent}         {}", f.detail);
    let _ = writeln!(out, "{indent}         fix: {}", f.remediation);
    if let Some(g) = f.fixes.iter().find(|x| x.guessed) {
        let _ = writeln!(
            out,
            "{indent}         {} (guessed stack):\n{}",
            g.stack,
            g.fix
                .lines()
                .map(|l| format!("{indent}           {l}"))
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
}

fn probe_line(out: &mut String, o: &ProbeObservation) {
    let requested = if o.cert_requested {
        "cert requested"
    } else {
        "no cert request"
    };
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
    let outcome = serde_json::to_value(o.outcome)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "    {:<28} TLS {}  {:<15} {:<12} → {:<13} {:<22} {:>7.1} ms",
        o.id.as_str(),
        o.tls_version.as_str(),
        requested,
        sent,
        outcome,
        truncate(&result, 60),
        o.ms
    );
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
