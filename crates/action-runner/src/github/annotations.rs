//! Annotations: one workflow command per root-cause finding, worst first, with its title and
//! one-line fix; implied findings are folded into their root cause's annotation, and suppressed
//! ones (accepted in the config) are left to the summary. At most
//! [`PER_LEVEL`] per level (GitHub shows no more than that per step), then one notice that says
//! where the rest are.

use probe_core::finding::Severity;
use probe_core::report::{Report, ReportedFinding, TargetReport};

use super::commands::Command;

/// Annotations shown per level (error, warning, notice).
pub const PER_LEVEL: usize = 10;

/// The annotation level of a severity: critical and high are errors, medium and low warnings,
/// info a notice.
pub fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium | Severity::Low => "warning",
        Severity::Info => "notice",
    }
}

/// The first line of a text (annotations are one line).
pub fn one_line(s: &str) -> &str {
    s.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("")
}

/// The one-line message of a root-cause finding: severity, title, target, fix, and the findings
/// it implies. Shared by the log annotations and the check run's.
pub fn finding_message(t: &TargetReport, f: &ReportedFinding) -> String {
    let implied: Vec<String> = t
        .findings
        .iter()
        .filter(|i| i.implied_by == Some(f.id))
        .map(|i| format!("{} ({})", i.id, i.severity))
        .collect();
    let mut message = format!(
        "[{}] {} on {}. Fix: {}",
        f.severity,
        one_line(&f.title),
        t.url,
        one_line(&f.remediation)
    );
    if !implied.is_empty() {
        message.push_str(&format!(
            " Also implied by this root cause: {}.",
            implied.join(", ")
        ));
    }
    message
}

fn finding_command(t: &TargetReport, f: &ReportedFinding) -> Command {
    Command::new(level(f.severity), finding_message(t, f))
        .property("title", format!("mtls-scan: {} ({})", f.id, t.host_port))
}

/// The annotations of a report, worst first; `rest_hint` says where the ones left out are.
/// Room is kept at each level for `last`, the caller's final annotations (errors, and the warning
/// that the targets are incomplete under `fail-on-incomplete: false`: an audit's was the eleventh
/// warning, which GitHub drops), so that GitHub, which shows [`PER_LEVEL`] per level and step,
/// shows those too.
pub fn annotations(report: &Report, rest_hint: &str, last: &[Command]) -> Vec<Command> {
    let reserved = |level: &str| last.iter().filter(|c| c.name() == level).count();
    // Targets that could not be scanned rank above every finding.
    let mut ranked: Vec<Command> = report
        .errored()
        .map(|t| {
            let why = t.error.as_deref().unwrap_or("unknown error");
            Command::error(format!("{} could not be scanned: {}", t.url, one_line(why))).property(
                "title",
                format!("mtls-scan: target not scanned ({})", t.host_port),
            )
        })
        .collect();
    let mut roots: Vec<(&TargetReport, &ReportedFinding)> =
        report.findings().filter(|(_, f)| f.counts()).collect();
    roots.sort_by_key(|(_, f)| std::cmp::Reverse(f.severity)); // stable: target, then report order
    ranked.extend(roots.into_iter().map(|(t, f)| finding_command(t, f)));

    let mut shown = Vec::new();
    let caps = [
        PER_LEVEL.saturating_sub(reserved("error")),
        PER_LEVEL.saturating_sub(reserved("warning")),
        PER_LEVEL.saturating_sub(reserved("notice")),
    ];
    let (mut per_level, mut left_out) = ([0usize; 3], [0usize; 3]);
    for c in ranked {
        let i = match c.name() {
            "error" => 0,
            "warning" => 1,
            _ => 2,
        };
        let (Some(n), Some(rest), Some(cap)) =
            (per_level.get_mut(i), left_out.get_mut(i), caps.get(i))
        else {
            continue;
        };
        if *n < *cap {
            *n += 1;
            shown.push(c);
        } else {
            *rest += 1;
        }
    }
    // The notice that counts the rest is a notice too: it takes the last notice's place.
    if left_out.iter().sum::<usize>() > 0 && per_level[2] == caps[2] {
        if let Some(i) = shown.iter().rposition(|c| c.name() == "notice") {
            shown.remove(i);
            left_out[2] += 1;
        }
    }
    let total: usize = left_out.iter().sum();
    if total > 0 {
        let parts: Vec<String> = ["error", "warning", "notice"]
            .iter()
            .zip(left_out)
            .filter(|(_, n)| *n > 0)
            .map(|(l, n)| format!("{n} {l}{}", if n == 1 { "" } else { "s" }))
            .collect();
        shown.push(
            Command::notice(format!(
                "{total} more finding{} not annotated ({}; GitHub shows at most {PER_LEVEL} per level, the step's own final ones among them): {rest_hint}.",
                if total == 1 { " is" } else { "s are" },
                parts.join(", ")
            ))
            .property("title", "mtls-scan: more findings"),
        );
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::*;
    use probe_core::finding::{Finding, FindingId};

    fn target(n: usize, findings: Vec<Finding>) -> TargetReport {
        crate::testing::target(&format!("https://h{n}.example/"), findings)
    }

    #[test]
    fn worst_first_capped_per_level_with_implied_folded() {
        let mut targets: Vec<TargetReport> = (0..12)
            .map(|n| {
                target(
                    n,
                    vec![Finding::new(
                        FindingId::NotYetValidClientCertAccepted,
                        "medium",
                    )],
                )
            })
            .collect();
        let mut implied = Finding::new(FindingId::ForgedClientCertAccepted, "implied");
        implied.implied_by = Some(FindingId::UntrustedClientCertAccepted);
        targets.push(target(
            12,
            vec![
                Finding::new(FindingId::UntrustedClientCertAccepted, "root"),
                implied,
            ],
        ));
        let report = Report::new(targets, 1.0);
        let lines: Vec<String> = annotations(&report, "see the summary", &[])
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(lines.len(), 12, "{lines:#?}");
        assert!(lines.first().is_some_and(|l| l.starts_with("::error title=mtls-scan%3A untrusted-client-cert-accepted (h12.example%3A443)::[critical]")
            && l.contains("Also implied by this root cause: forged-client-cert-accepted (critical).")));
        assert_eq!(
            lines.iter().filter(|l| l.starts_with("::warning ")).count(),
            PER_LEVEL
        );
        assert!(
            !lines.iter().any(|l| l.contains("[critical] Forged")),
            "implied findings are not annotated alone"
        );
        assert_eq!(
            lines.last().map(String::as_str),
            Some("::notice title=mtls-scan%3A more findings::2 more findings are not annotated (2 warnings; GitHub shows at most 10 per level, the step's own final ones among them): see the summary.")
        );
    }

    #[test]
    fn every_level_stays_within_what_github_shows() {
        let mut targets = Vec::new();
        for n in 0..11 {
            targets.push(target(
                n,
                vec![Finding::new(FindingId::ClientCertEnforcedByApp, "info")],
            ));
        }
        for n in 11..21 {
            targets.push(target(
                n,
                vec![Finding::new(FindingId::ClientCertOptional, "critical")],
            ));
        }
        let report = Report::new(targets, 1.0);
        let last = [Command::error("a"), Command::error("b")];
        let shown = annotations(&report, "see the summary", &last);
        let count = |name: &str| shown.iter().filter(|c| c.name() == name).count();
        assert_eq!(
            count("error"),
            PER_LEVEL - 2,
            "two errors kept for the caller"
        );
        assert_eq!(
            count("notice"),
            PER_LEVEL,
            "nine findings and the notice that counts the rest"
        );
        assert_eq!(
            shown.last().map(ToString::to_string).as_deref(),
            Some("::notice title=mtls-scan%3A more findings::4 more findings are not annotated (2 errors, 2 notices; GitHub shows at most 10 per level, the step's own final ones among them): see the summary.")
        );
        // The caller's final warning (targets incomplete, `fail-on-incomplete: false`) keeps its
        // place among twelve warnings of findings.
        let warned: Vec<TargetReport> = (0..12)
            .map(|n| {
                target(
                    n,
                    vec![Finding::new(FindingId::ServerCertExpiring, "soon")
                        .with_severity(Severity::Low)],
                )
            })
            .collect();
        let last = [Command::warning("11 of 11 targets are incomplete")];
        let shown = annotations(&Report::new(warned, 1.0), "see the summary", &last);
        let warnings = shown.iter().filter(|c| c.name() == "warning").count();
        assert_eq!(warnings + last.len(), PER_LEVEL, "{shown:?}");
    }
}
