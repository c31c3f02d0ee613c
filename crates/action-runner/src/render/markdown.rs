//! Markdown: the job summary (and `--format markdown`). The grade and threshold first; for a
//! fleet (more than one target) an overview table with every target in one row, worst first;
//! then per target, in the same order, a table, each root-cause finding with its fix, per-stack
//! fixes, evidence and the findings it implies folded in `<details>` (an info finding in one
//! line), and the probes. A server certificate already shown for an earlier target is not shown
//! again.
//!
//! Every string that comes from the report goes through [`text`] (or [`rich`]), which turns every
//! character that means something to Markdown or HTML into an entity and line breaks into a
//! visible `↵`: a server can neither break a table nor inject HTML. The only tags are ours. What
//! a server sent goes through [`server_text`] (and [`rich`]), which also keeps GitHub's autolinker
//! from making a link of it.
//! The output stays under a byte limit (GitHub refuses a step summary over 1 MiB): whole sections
//! are left out from the end, and the summary says so.

use std::fmt::Write as _;

use probe_core::checks::server_cert::ServerTrust;
use probe_core::facts::{Outcome, ProbeObservation};
use probe_core::finding::Severity;
use probe_core::grade::Grade;
use probe_core::policy::BaselineState;
use probe_core::report::{Report, ReportedFinding, TargetReport};
use probe_core::verdict::{ClientAuth, Layer, Verification};

/// GitHub's limit on one step's summary.
pub const SUMMARY_LIMIT: usize = 1024 * 1024;

/// Longest text kept from one report string (before escaping).
const MAX_FIELD: usize = 2_000;
/// Most evidence entries shown per finding.
const MAX_EVIDENCE: usize = 40;

/// How to render.
#[derive(Debug, Clone, Default)]
pub struct Options<'a> {
    /// The `fail-under` grade, shown beside the grade (ignored with `fail_on_new`).
    pub threshold: Option<Grade>,
    /// `fail-on: new` (`--fail-on new`): the run fails on findings new against the baseline, not
    /// on the grade; the summary says how many there are instead of comparing the grade.
    pub fail_on_new: bool,
    /// `fail-on-incomplete: false`: an incomplete target does not fail the run, so the header
    /// shows ⚠️ for it instead of ❌ (the incomplete line still says which probes were not read).
    pub incomplete_passes: bool,
    /// How the run's settings are named where the Markdown names one: the Action's inputs
    /// (`fail-on-incomplete: false`) by default, the command line's flags
    /// (`--fail-on-incomplete false`) where set.
    pub flags: bool,
    /// Most bytes to write; `0` means [`SUMMARY_LIMIT`].
    pub limit: usize,
    /// Where the full reports are (JSON report, SARIF), named when sections are left out.
    pub full_reports: Option<(&'a str, &'a str)>,
    /// Without `full_reports`: how to get the JSON report, as Markdown (the front end's words,
    /// e.g. a flag), named when sections are left out.
    pub json_hint: Option<&'a str>,
}

/// Renders the report as Markdown, under [`SUMMARY_LIMIT`].
pub fn render(report: &Report, threshold: Option<Grade>) -> String {
    render_with(
        report,
        &Options {
            threshold,
            ..Options::default()
        },
    )
}

/// Renders the report with options.
pub fn render_with(report: &Report, options: &Options<'_>) -> String {
    let limit = if options.limit == 0 {
        SUMMARY_LIMIT
    } else {
        options.limit
    };
    let mut sections = vec![header(report, options)];
    let order = worst_first(report);
    if report.targets.len() > 1 {
        sections.extend(overview(report, &order));
    }
    let mut certs: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for (n, i) in order.iter().enumerate() {
        if let Some(t) = report.targets.get(*i) {
            let run = report.impostor_run(t);
            target_sections(&mut sections, n + 1, t, run, &mut certs);
            if let Some(run) = run {
                sections.push(impostor_scenarios(run));
            }
        }
    }
    let elsewhere = match (options.full_reports, options.json_hint) {
        (Some((json, sarif)), _) => format!(
            "the report file <code>{}</code> and the SARIF file <code>{}</code>",
            text(json),
            text(sarif)
        ),
        (None, Some(hint)) => format!("the JSON report ({hint})"),
        (None, None) => "the JSON report".to_owned(),
    };
    assemble(sections, limit, &elsewhere)
}

/// Joins whole sections while they fit, keeping room for the note that says some were left out.
fn assemble(sections: Vec<String>, limit: usize, elsewhere: &str) -> String {
    let total: usize = sections.iter().map(String::len).sum();
    if total <= limit {
        return sections.concat();
    }
    const NOTE_ROOM: usize = 1_024;
    let budget = limit.saturating_sub(NOTE_ROOM);
    let mut out = String::new();
    let mut left_out = 0usize;
    for s in &sections {
        if left_out == 0 && out.len() + s.len() <= budget {
            out.push_str(s);
        } else {
            left_out += 1;
        }
    }
    let _ = write!(
        out,
        "\n---\n\n**✂️ Summary truncated:** {left_out} of {} sections left out to stay under {} KiB \
         (GitHub's limit for a job summary is 1 MiB). Everything is in {elsewhere}.\n",
        sections.len(),
        limit / 1024
    );
    if out.len() > limit {
        // Only when the limit is absurdly small: cut on a character boundary.
        let mut end = limit;
        while !out.is_char_boundary(end) {
            end -= 1;
        }
        out.truncate(end);
    }
    out
}

/// Most new findings named in the header (all are marked in the sections below).
const MAX_NEW_NAMED: usize = 10;

fn header(report: &Report, options: &Options<'_>) -> String {
    let mut s = String::new();
    // With `fail-on: new`, the new findings decide (as `exit::Gate` does), never the grade.
    let (threshold, new) = if options.fail_on_new {
        (None, Some(probe_core::policy::new_findings(report)))
    } else {
        (options.threshold, None)
    };
    let below = threshold.is_some_and(|t| crate::exit::below(report, t));
    let fails = below || new.as_ref().is_some_and(|n| !n.is_empty());
    let incomplete = report.incomplete().next().is_some();
    let icon =
        if report.errored().next().is_some() || fails || (incomplete && !options.incomplete_passes)
        {
            "❌"
        } else if report.grade >= Grade::B && !incomplete {
            "✅"
        } else {
            "⚠️"
        };
    if report.targets.is_empty() {
        let _ = writeln!(s, "## ❌ mtls-scan: no target was scanned\n");
        if let Some(shard) = report.shard {
            let _ = writeln!(
                s,
                "Shard {}/{} holds no target: nothing was scanned, so there is no grade. \
                 Use no more shards than targets.\n",
                shard.index, shard.count
            );
        }
        return s;
    }
    let errored = report.errored().count();
    // What fails the check besides the grade (and the new findings): said beside the grade, so
    // that a grade that meets the threshold does not read as a pass.
    let mut also_fails = Vec::new();
    if errored > 0 {
        also_fails.push(format!(
            "{errored} target{} could not be scanned",
            if errored == 1 { "" } else { "s" }
        ));
    }
    if incomplete && !options.incomplete_passes {
        let n = report.incomplete().count();
        also_fails.push(format!(
            "{n} target{} incomplete",
            if n == 1 { " is" } else { "s are" }
        ));
    }
    // `mtls-scan impostor` whose client's requests never reached the impostor: not judged, so no
    // grade (the F and 0 of the JSON only make the gate fail, as for a target that could not be
    // scanned).
    let not_judged = !report.impostor.is_empty()
        && report
            .targets
            .iter()
            .all(|t| t.error.is_some() && report.impostor_run(t).is_some());
    if not_judged {
        let _ = writeln!(s, "## ❌ mtls-scan impostor: not judged\n");
        let _ = writeln!(
            s,
            "**Not judged: no request from the client reached the impostor** (the control \
             scenario, a valid certificate from the CA it was told to trust, got no request), so \
             there is no grade: this check fails (exit 3) until the client reaches it.\n"
        );
        let _ = writeln!(
            s,
            "<sub>{} · {:.0} ms</sub>\n",
            text(&report.tool),
            report.duration_ms
        );
        return s;
    }
    let status = match (errored > 0, incomplete) {
        (true, _) => " · not every target scanned",
        (false, true) => " · incomplete",
        (false, false) => "",
    };
    let _ = writeln!(s, "## {icon} mtls-scan: grade {}{status}\n", report.grade);
    let tally = report.tally();
    let findings = if tally.suppressed > 0 {
        format!("{} (+{} suppressed)", tally.findings, tally.suppressed)
    } else {
        tally.findings.to_string()
    };
    let _ = writeln!(
        s,
        "| Grade | Score | Threshold (fail-under) | Targets | Findings | Critical |"
    );
    let _ = writeln!(s, "|---|---|---|---|---|---|");
    let _ = writeln!(
        s,
        "| **{}** | {} | {} | {} | {} | {} |\n",
        report.grade,
        report.score,
        match (&new, threshold) {
            (Some(_), _) => "none (fail-on new)".to_owned(),
            (None, Some(t)) => t.to_string(),
            (None, None) => "none".to_owned(),
        },
        report.targets.len(),
        findings,
        tally.critical
    );
    match (&new, threshold) {
        (Some(new), _) if new.is_empty() && !also_fails.is_empty() => {
            let _ = writeln!(
                s,
                "**No new finding against the baseline, but this check fails: {}.**\n",
                also_fails.join(" and ")
            );
        }
        (Some(new), _) if new.is_empty() => {
            let _ = writeln!(s, "No new finding against the baseline.\n");
        }
        (Some(new), _) => {
            let named: Vec<String> = new.iter().take(MAX_NEW_NAMED).map(|n| text(n)).collect();
            let more = if new.len() > MAX_NEW_NAMED {
                format!(", and {} more", new.len() - MAX_NEW_NAMED)
            } else {
                String::new()
            };
            let _ = writeln!(
                s,
                "**{} new finding{} against the baseline: this check fails.** ({}{more})\n",
                new.len(),
                if new.len() == 1 { "" } else { "s" },
                named.join(", ")
            );
        }
        (None, Some(t)) if below => {
            let capped = super::capped::capped_line(report)
                .map(|why| format!(" {}.", text(&why)))
                .unwrap_or_default();
            let _ = writeln!(
                s,
                "**The grade {} is below the threshold {t}: this check fails.**{capped}\n",
                report.grade
            );
        }
        // Below it only for what could not be scanned (graded F): that is the failure.
        (None, Some(t)) if !also_fails.is_empty() && report.grade < t => {
            let _ = writeln!(
                s,
                "**This check fails: {}** (graded {} for that; what was scanned meets the \
                 threshold {t}).\n",
                also_fails.join(" and "),
                report.grade
            );
        }
        (None, Some(t)) if !also_fails.is_empty() => {
            let _ = writeln!(
                s,
                "**The grade {} meets the threshold {t}, but this check fails: {}.**\n",
                report.grade,
                also_fails.join(" and ")
            );
        }
        (None, Some(t)) => {
            let _ = writeln!(s, "The grade {} meets the threshold {t}.\n", report.grade);
        }
        (None, None) if !also_fails.is_empty() => {
            let _ = writeln!(s, "**This check fails: {}.**\n", also_fails.join(" and "));
        }
        (None, None) => {}
    }
    if errored > 0 {
        let _ = writeln!(
            s,
            "**{errored} target{} could not be scanned**: the check fails until {} can be reached.\n",
            if errored == 1 { "" } else { "s" },
            if errored == 1 { "it" } else { "they" }
        );
    }
    if let Some(line) = report.incomplete_line() {
        let passes = match (options.incomplete_passes, options.flags) {
            (true, false) => " (`fail-on-incomplete: false`: this does not fail the check)",
            (true, true) => " (`--fail-on-incomplete false`: this does not fail the run)",
            (false, _) => "",
        };
        let _ = writeln!(
            s,
            "**⚠️ Incomplete:** {}.{passes} Each incomplete target's section below lists every \
             probe not read, and why.\n",
            server_text(&line)
        );
    }
    if !report.fixed.is_empty() {
        let _ = writeln!(
            s,
            "<details><summary>✅ {} finding{} of the baseline fixed</summary>\n",
            report.fixed.len(),
            if report.fixed.len() == 1 { "" } else { "s" }
        );
        for f in &report.fixed {
            let _ = writeln!(
                s,
                "- <code>{}</code> on {}",
                text(f.id.as_str()),
                text(&f.url)
            );
        }
        let _ = writeln!(s, "\n</details>\n");
    }
    if !report.not_rechecked.is_empty() {
        let n = report.not_rechecked.len();
        let _ = writeln!(
            s,
            "**⚠️ {n} finding{} of the baseline not re-checked** (not fixed: this run could not \
             have seen {}):\n",
            if n == 1 { "" } else { "s" },
            if n == 1 { "it" } else { "them" }
        );
        for f in &report.not_rechecked {
            let _ = writeln!(
                s,
                "- <code>{}</code> on {}: {}",
                text(f.finding.id.as_str()),
                text(&f.url),
                server_text(&f.why)
            );
        }
        let _ = writeln!(s);
    }
    let _ = writeln!(
        s,
        "<sub>{} · {:.0} ms</sub>\n",
        text(&report.tool),
        report.duration_ms
    );
    s
}

/// The targets' indices, worst first: not scanned, then by grade, score, incomplete, and the
/// order given.
fn worst_first(report: &Report) -> Vec<usize> {
    let mut order: Vec<usize> = (0..report.targets.len()).collect();
    order.sort_by_key(|i| {
        report
            .targets
            .get(*i)
            .map(|t| (t.error.is_none(), t.grade, t.score, !t.is_incomplete(), *i))
    });
    order
}

/// Most rows of the overview (the rest are in the details and the JSON report).
const MAX_OVERVIEW_ROWS: usize = 2_000;

/// Rows per overview section (each its own table, so a cut summary keeps whole tables).
const OVERVIEW_CHUNK: usize = 100;

/// Every target in one row, worst first: sections of [`OVERVIEW_CHUNK`] rows.
fn overview(report: &Report, order: &[usize]) -> Vec<String> {
    let mut sections = Vec::new();
    let rows: Vec<usize> = order.iter().copied().take(MAX_OVERVIEW_ROWS).collect();
    for (c, chunk) in rows.chunks(OVERVIEW_CHUNK).enumerate() {
        let mut s = String::new();
        if c == 0 {
            let _ = writeln!(s, "### Targets, worst first\n");
        }
        let _ = writeln!(
            s,
            "| # | Target | Grade | Client auth | Root findings | Incomplete |"
        );
        let _ = writeln!(s, "|---|---|---|---|---|---|");
        for (k, i) in chunk.iter().enumerate() {
            let Some(t) = report.targets.get(*i) else {
                continue;
            };
            overview_row(&mut s, c * OVERVIEW_CHUNK + k + 1, t);
        }
        s.push('\n');
        sections.push(s);
    }
    if order.len() > MAX_OVERVIEW_ROWS {
        sections.push(format!(
            "{} more targets: see the details below and the JSON report.\n\n",
            order.len() - MAX_OVERVIEW_ROWS
        ));
    }
    sections
}

fn overview_row(s: &mut String, n: usize, t: &TargetReport) {
    // Suppressed roots are shown apart, never counted.
    let (counted, suppressed): (Vec<&ReportedFinding>, Vec<&ReportedFinding>) = t
        .findings
        .iter()
        .filter(|f| f.is_root())
        .partition(|f| f.marks.suppressed.is_none());
    let worst = counted.iter().map(|f| f.severity).max();
    let findings = match (counted.len(), worst, suppressed.len()) {
        (0, _, 0) => "0".to_owned(),
        (0, _, s) => format!("0 (+{s} suppressed)"),
        (k, Some(w), 0) => format!("{k} (worst: {})", w.as_str()),
        (k, Some(w), s) => format!("{k} (worst: {}, +{s} suppressed)", w.as_str()),
        (k, None, _) => k.to_string(),
    };
    let grade = if t.error.is_some() {
        "not scanned".to_owned()
    } else {
        format!("**{}** ({})", t.grade, t.score)
    };
    let incomplete = if t.is_incomplete() {
        format!("⚠️ {} probe(s)", t.incomplete.len())
    } else {
        "no".to_owned()
    };
    let _ = writeln!(
        s,
        "| {n} | {} | {grade} | {} | {findings} | {incomplete} |",
        text(&t.url),
        client_auth(t)
    );
}

fn client_auth(t: &TargetReport) -> String {
    let level = match t.client_auth {
        ClientAuth::None => "none",
        ClientAuth::Optional => "optional",
        ClientAuth::Required => "required",
        ClientAuth::Unknown => "unknown",
    };
    match t.enforced_at {
        Some(Layer::Tls) => format!("{level} (in the TLS handshake)"),
        Some(Layer::Http) => format!("{level} (by the TLS module over HTTP)"),
        Some(Layer::PostHandshake) => {
            format!("{level} (after the request, by TLS 1.3 post-handshake auth)")
        }
        Some(Layer::Renegotiation) => {
            format!("{level} (after the request, by TLS 1.2 renegotiation)")
        }
        None => level.to_owned(),
    }
}

fn verification(t: &TargetReport) -> String {
    let word = match t.verification {
        Verification::Verified => "verified: the valid certificate got in",
        Verification::Unverified => "unverified",
        Verification::NotAttempted => "not attempted",
    };
    match &t.verification_detail {
        Some(why) => format!("{word} ({})", server_text(why)),
        None => word.to_owned(),
    }
}

fn severity_label(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "🔴 Critical",
        Severity::High => "🟠 High",
        Severity::Medium => "🟡 Medium",
        Severity::Low => "🔵 Low",
        Severity::Info => "⚪ Info",
    }
}

fn versions(f: &ReportedFinding) -> String {
    f.tls_versions
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

fn target_sections(
    out: &mut Vec<String>,
    n: usize,
    t: &TargetReport,
    run: Option<&probe_core::impostor::ImpostorRun>,
    certs: &mut std::collections::HashMap<String, usize>,
) {
    let mut s = String::new();
    let tls: Vec<&str> = t.tls_versions.iter().map(|v| v.as_str()).collect();
    let tls = if tls.is_empty() {
        "none".to_owned()
    } else {
        tls.join(", ")
    };
    if let Some(run) = run {
        // The client half: the scan half's columns (client auth, verification) mean nothing
        // here, and a client whose requests never reached the impostor was not judged (no grade).
        let grade = if t.error.is_some() {
            "not judged".to_owned()
        } else {
            format!("**{}** ({})", t.grade, t.score)
        };
        let heading = if t.error.is_some() {
            "not judged".to_owned()
        } else {
            format!("grade {}", t.grade)
        };
        let _ = writeln!(s, "### {n}. {} — impostor, {heading}\n", text(&t.url));
        let _ = writeln!(
            s,
            "| Impostor URL | Grade | Client | TLS versions | Control |"
        );
        let _ = writeln!(s, "|---|---|---|---|---|");
        let control = if t.error.is_none()
            && run
                .scenario(probe_core::impostor::Scenario::Control)
                .is_some_and(probe_core::impostor::ScenarioResult::got_request)
        {
            "reached: the client sent its request"
        } else {
            "not reached"
        };
        let _ = writeln!(
            s,
            "| {} | {grade} | {} | {tls} | {control} |\n",
            text(&t.url),
            run.client.as_deref().map_or_else(
                || "served".to_owned(),
                |c| format!("<code>{}</code>", text(c))
            ),
        );
    } else {
        let incomplete = if t.error.is_none() && t.is_incomplete() {
            ", incomplete"
        } else {
            ""
        };
        let _ = writeln!(
            s,
            "### {n}. {} — grade {}{incomplete}\n",
            text(&t.url),
            t.grade
        );
        let _ = writeln!(
            s,
            "| URL | Grade | Client auth | TLS versions | Verification |"
        );
        let _ = writeln!(s, "|---|---|---|---|---|");
        let _ = writeln!(
            s,
            "| {} | **{}** ({}) | {} | {tls} | {} |\n",
            text(&t.url),
            t.grade,
            t.score,
            client_auth(t),
            verification(t)
        );
    }
    if let Some(c) = &t.server_certificate {
        let trust = match c.trust {
            ServerTrust::Trusted => "trusted",
            ServerTrust::Untrusted => "not trusted",
            ServerTrust::Unknown => "trust not checked",
        };
        let line = format!(
            "{} · issued by {} · expires {} ({} days) · {trust}",
            server_text(&c.subject),
            server_text(&c.issuer),
            server_text(&c.not_after),
            c.days_left
        );
        match certs.get(&line) {
            Some(first) => {
                let _ = writeln!(s, "**Server certificate:** the same as target {first}'s\n");
            }
            None => {
                let _ = writeln!(s, "**Server certificate:** {line}\n");
                certs.insert(line, n);
            }
        }
    }
    for note in &t.notes {
        let _ = writeln!(s, "**Note:** {}\n", rich(note));
    }
    if let (Some(e), Some(_)) = (&t.error, run) {
        let _ = writeln!(s, "**Not judged:** {}\n", server_text(e));
    } else if let Some(e) = &t.error {
        let _ = writeln!(s, "**Could not be scanned:** {}\n", server_text(e));
    } else if t.findings.is_empty() && t.is_incomplete() {
        let _ = writeln!(
            s,
            "No findings in what could be read: the target is incomplete.\n"
        );
    } else if t.findings.is_empty() {
        let _ = writeln!(s, "✅ No findings.\n");
    }
    if t.error.is_none() {
        incomplete(&mut s, t, run.is_some());
    }
    out.push(s);
    for root in t.findings.iter().filter(|f| f.is_root()) {
        out.push(finding(t, root));
    }
    // Findings whose root cause is missing (should not happen) are shown on their own.
    for orphan in t.findings.iter().filter(|f| {
        f.implied_by
            .is_some_and(|r| !t.findings.iter().any(|x| x.id == r && x.is_root()))
    }) {
        out.push(finding(t, orphan));
    }
    if !t.probes.is_empty() || !t.skipped_probes.is_empty() {
        out.push(probes(t));
    }
}

/// Most reasons listed per incomplete target (the rest are in the JSON report).
const MAX_INCOMPLETE: usize = 20;

/// A target's incomplete probes (or an impostor run's scenarios that saw no refusal): a line per
/// reason, naming the probes and TLS versions that gave it ([`super::incomplete::by_reason`]).
fn incomplete(s: &mut String, t: &TargetReport, impostor: bool) {
    let reasons = super::incomplete::by_reason(t);
    if reasons.is_empty() {
        return;
    }
    let what = if impostor {
        "no refusal was seen where these scenarios expected one"
    } else {
        "these probes could not be read, so this target cannot be graded A"
    };
    let _ = writeln!(s, "**⚠️ Incomplete:** {what}:\n");
    for (reason, probes) in reasons.iter().take(MAX_INCOMPLETE) {
        let _ = writeln!(s, "- <code>{}</code>: {}", text(probes), rich(reason));
    }
    if reasons.len() > MAX_INCOMPLETE {
        let _ = writeln!(
            s,
            "- … {} more reasons in the JSON report",
            reasons.len() - MAX_INCOMPLETE
        );
    }
    s.push('\n');
}

fn finding(t: &TargetReport, f: &ReportedFinding) -> String {
    let mut s = String::new();
    if f.severity == Severity::Info && f.marks.suppressed.is_none() {
        // An info finding is one line.
        let _ = writeln!(
            s,
            "- {} <code>{}</code>: {}. {}\n",
            severity_label(f.severity),
            text(f.id.as_str()),
            text(&f.title),
            rich(&f.detail)
        );
        return s;
    }
    let _ = writeln!(
        s,
        "#### {}: {}\n",
        severity_label(f.severity),
        text(&f.title)
    );
    let new = if f.marks.baseline == Some(BaselineState::New) {
        " · 🆕 new since the baseline"
    } else {
        ""
    };
    let _ = writeln!(
        s,
        "<code>{}</code> · {} · {}{new}\n",
        text(f.id.as_str()),
        text(&f.cwe),
        text(&versions(f))
    );
    if let Some(sup) = &f.marks.suppressed {
        let _ = writeln!(
            s,
            "**Suppressed** until {} (not counted in the grade): {}\n",
            text(&sup.expires),
            text(&sup.reason)
        );
    }
    let _ = writeln!(s, "**Seen:** {}\n", rich(&f.detail));
    let _ = writeln!(s, "**Fix:** {}\n", rich(&f.remediation));
    fixes(&mut s, f);
    evidence(&mut s, f);
    implied(&mut s, t, f);
    s
}

/// The per-stack fixes, folded.
fn fixes(s: &mut String, f: &ReportedFinding) {
    if f.fixes.is_empty() {
        return;
    }
    let _ = writeln!(
        s,
        "<details><summary>Fixes per stack ({})</summary>\n",
        f.fixes.len()
    );
    for fix in &f.fixes {
        let guessed = if fix.guessed {
            " (the stack this server seems to run)"
        } else {
            ""
        };
        let _ = writeln!(s, "**{}**{guessed}\n", server_text(&fix.stack));
        let _ = writeln!(s, "{}", code_block(&fix.fix));
    }
    let _ = writeln!(s, "</details>\n");
}

/// The evidence table (at most [`MAX_EVIDENCE`] rows), folded.
fn evidence(s: &mut String, f: &ReportedFinding) {
    if f.evidence.is_empty() {
        return;
    }
    let _ = writeln!(s, "<details><summary>Evidence</summary>\n");
    let _ = writeln!(s, "| What | Seen |");
    let _ = writeln!(s, "|---|---|");
    for (k, v) in f.evidence.iter().take(MAX_EVIDENCE) {
        let _ = writeln!(s, "| {} | {} |", server_text(k), server_text(v));
    }
    if f.evidence.len() > MAX_EVIDENCE {
        let _ = writeln!(
            s,
            "| … | {} more in the JSON report |",
            f.evidence.len() - MAX_EVIDENCE
        );
    }
    let _ = writeln!(s, "\n</details>\n");
}

/// The findings a root cause implies (fixed with it), folded.
fn implied(s: &mut String, t: &TargetReport, f: &ReportedFinding) {
    let implied: Vec<&ReportedFinding> = t
        .findings
        .iter()
        .filter(|i| i.implied_by == Some(f.id) && f.is_root())
        .collect();
    if implied.is_empty() {
        return;
    }
    let _ = writeln!(
        s,
        "<details><summary>{} more finding{} implied by this root cause (fixed with it)</summary>\n",
        implied.len(),
        if implied.len() == 1 { "" } else { "s" }
    );
    for i in implied {
        let _ = writeln!(
            s,
            "- {} <code>{}</code>: {} ({}). {}",
            severity_label(i.severity),
            text(i.id.as_str()),
            text(&i.title),
            text(&versions(i)),
            rich(&i.detail)
        );
    }
    let _ = writeln!(s, "\n</details>\n");
}

fn outcome(o: Outcome) -> &'static str {
    match o {
        Outcome::Served => "served",
        Outcome::RefusedTls => "refused (TLS)",
        Outcome::RefusedHttp => "refused (HTTP)",
        Outcome::Answered => "answered",
        Outcome::UnsupportedVersion => "version not spoken",
        Outcome::Error => "error",
        Outcome::Inconclusive => "inconclusive",
    }
}

fn answer(o: &ProbeObservation) -> String {
    match (o.http_status, &o.alert, &o.detail) {
        (Some(st), _, _) => format!("HTTP {st}"),
        (None, Some(a), _) => format!("alert {}", server_text(a)),
        (None, None, Some(d)) => server_text(d),
        (None, None, None) => "—".to_owned(),
    }
}

/// What each scenario of an impostor run (`mtls-scan impostor`) saw of the client.
fn impostor_scenarios(run: &probe_core::impostor::ImpostorRun) -> String {
    use probe_core::impostor::ScenarioVerdict;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "<details><summary>Impostor scenarios for {} ({}, name {}, trusting {})</summary>\n",
        text(run.client.as_deref().unwrap_or("a served client")),
        text(&run.url),
        text(&run.name),
        text(&run.trusted_ca.subject)
    );
    let _ = writeln!(s, "| Scenario | Served | Verdict | Seen from the server |");
    let _ = writeln!(s, "|---|---|---|---|");
    for r in &run.scenarios {
        let verdict = match run.verdict_of(r) {
            ScenarioVerdict::Reached => "✅ reached",
            ScenarioVerdict::NotReached => "⚠️ not reached",
            ScenarioVerdict::Accepted => "❌ request accepted",
            ScenarioVerdict::CertificateSent => "❌ certificate sent",
            ScenarioVerdict::Refused => "✅ refused",
            _ => "⚠️ no refusal seen",
        };
        let _ = writeln!(
            s,
            "| <code>{}</code> | {} | {verdict} | {} |",
            text(r.scenario.as_str()),
            text(r.scenario.description()),
            server_text(&r.summary())
        );
    }
    let _ = writeln!(s, "\n</details>\n");
    s
}

fn probes(t: &TargetReport) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "<details><summary>Probes of {} ({})</summary>\n",
        text(&t.host_port),
        t.probes.len()
    );
    if !t.probes.is_empty() {
        let _ = writeln!(s, "| Probe | TLS | Cert requested | Certificate sent | Outcome | Answer | Server header | Body |");
        let _ = writeln!(s, "|---|---|---|---|---|---|---|---|");
        for o in &t.probes {
            let sent = o
                .client_cert
                .as_ref()
                .map_or_else(|| "—".to_owned(), |c| server_text(&c.subject));
            let requested = match super::text::asked_late(o) {
                Some(how) => format!("after the request ({how})"),
                None if o.cert_requested => "yes".to_owned(),
                None => "no".to_owned(),
            };
            let suffix = super::text::probe_suffix(o);
            let late = if o.late { " (late)" } else { "" };
            let _ = writeln!(
                s,
                "| {}{suffix}{late} | {} | {} | {} | {} | {} | {} | {} |",
                text(o.id.as_str()),
                o.tls_version.as_str(),
                requested,
                sent,
                if super::incomplete::unread(t, o) {
                    format!(
                        "⚠️ unread: {}, not counted (see Incomplete)",
                        outcome(o.outcome)
                    )
                } else {
                    outcome(o.outcome).to_owned()
                },
                answer(o),
                o.server_header
                    .as_deref()
                    .map_or_else(|| "—".to_owned(), server_text),
                o.body_excerpt
                    .as_deref()
                    .map_or_else(|| "—".to_owned(), server_text),
            );
        }
        s.push('\n');
    }
    let mut cas: Vec<&String> = t.probes.iter().flat_map(|o| &o.acceptable_cas).collect();
    cas.sort();
    cas.dedup();
    if !cas.is_empty() {
        let _ = writeln!(s, "Acceptable client-CA names the server advertised:\n");
        for ca in cas {
            let _ = writeln!(s, "- {}", server_text(ca));
        }
        s.push('\n');
    }
    if !t.skipped_probes.is_empty() {
        let _ = writeln!(s, "Probes not run:\n");
        for p in &t.skipped_probes {
            let _ = writeln!(
                s,
                "- <code>{}</code>: {}",
                text(p.id.as_str()),
                server_text(&p.reason)
            );
        }
        s.push('\n');
    }
    let _ = writeln!(s, "</details>\n");
    s
}

/// A code block as an HTML `<pre>` block: its content is entity-escaped, so nothing in it can
/// close the block or become a tag; line breaks are kept. A line that would start with `::` gets
/// its first colon as an entity: the Markdown may be printed where the runner reads workflow
/// commands (`--format markdown` on stdout).
fn code_block(code: &str) -> String {
    let body: Vec<String> = clip(code, MAX_FIELD * 2)
        .lines()
        .map(|l| {
            let line = text(&l.replace('\t', "    "));
            let trimmed = line.trim_start();
            match trimmed.strip_prefix(':') {
                Some(rest) if rest.starts_with(':') => {
                    let indent = line.strip_suffix(trimmed).unwrap_or("");
                    format!("{indent}&#58;{rest}")
                }
                _ => line.clone(),
            }
        })
        .collect();
    format!("<pre><code>{}</code></pre>\n", body.join("\n"))
}

fn clip(s: &str, max_chars: usize) -> std::borrow::Cow<'_, str> {
    match s.char_indices().nth(max_chars) {
        None => std::borrow::Cow::Borrowed(s),
        Some((end, _)) => std::borrow::Cow::Owned(format!("{}…", s.get(..end).unwrap_or(s))),
    }
}

/// Escapes untrusted text for GitHub Markdown and HTML, as inline literal text: safe in a
/// paragraph, a heading, a `<summary>` and a table cell. Line breaks become a visible `↵`. For
/// what a server (or a client under test) sent, use [`server_text`]: this keeps a URL the user
/// gave a link.
pub fn text(s: &str) -> String {
    escape(s, false)
}

/// A word joiner (U+2060, invisible), written as its entity so the Markdown shows it.
const JOINER: &str = "&#8288;";

/// [`text`], for what a server sent (a body excerpt, a `Server` header, a certificate's names, an
/// error that quotes them): nothing in it can become a link either. GitHub's GFM autolinks
/// (cmark-gfm's autolink extension) fire on `http://`, `https://` and `ftp://` at a raw `:`
/// followed by `//`, and on `www.` at a raw `w`, both while parsing (an entity there stops them);
/// e-mail addresses (`a@b.example`, `mailto:`, `xmpp:`) are found after parsing, in the text
/// with its entities decoded, as GitHub finds `@mentions` and `#123` references. So a word
/// joiner goes where no rule can match across it: after a `:` before a `/`, between `www` and its
/// `.`, and after every `@` and `#`. The text reads the same.
pub fn server_text(s: &str) -> String {
    escape(s, true)
}

fn escape(s: &str, server: bool) -> String {
    let s = clip(s, MAX_FIELD);
    let mut out = String::with_capacity(s.len() + 16);
    let mut chars = s.chars().peekable();
    // The last three characters, for `www.`.
    let mut last = ['\0'; 3];
    while let Some(c) = chars.next() {
        let www = last.iter().all(|l| l.eq_ignore_ascii_case(&'w'));
        last = [last[1], last[2], c];
        match c {
            ':' if server && chars.peek() == Some(&'/') => {
                out.push(':');
                out.push_str(JOINER);
            }
            '.' if server && www => {
                out.push_str(JOINER);
                out.push('.');
            }
            '@' if server => {
                out.push_str("&#64;");
                out.push_str(JOINER);
            }
            '#' if server => {
                out.push_str("&#35;");
                out.push_str(JOINER);
            }
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '|' => out.push_str("&#124;"),
            '`' => out.push_str("&#96;"),
            '*' => out.push_str("&#42;"),
            '_' => out.push_str("&#95;"),
            '[' => out.push_str("&#91;"),
            ']' => out.push_str("&#93;"),
            '\\' => out.push_str("&#92;"),
            '~' => out.push_str("&#126;"),
            '#' => out.push_str("&#35;"),
            '$' => out.push_str("&#36;"),
            '@' => out.push_str("&#64;"),
            '\r' => {
                if chars.peek() != Some(&'\n') {
                    out.push_str(" ↵ ");
                }
            }
            '\n' => out.push_str(" ↵ "),
            '\t' => out.push(' '),
            c if c.is_control() || probe_core::text::is_invisible_format(c) => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// Like [`server_text`] (a finding's detail, a note and a fix may quote the server), but
/// `` `code` `` spans become `<code>` elements (their content escaped too), so catalogue
/// remediations keep their formatting. Unbalanced backticks are escaped as text.
pub fn rich(s: &str) -> String {
    let parts: Vec<&str> = s.split('`').collect();
    if parts.len() % 2 == 0 {
        return server_text(s);
    }
    parts
        .iter()
        .enumerate()
        .map(|(i, p)| {
            if i % 2 == 1 {
                format!("<code>{}</code>", server_text(p))
            } else {
                server_text(p)
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use probe_core::finding::{Finding, FindingId, StackFix};

    const HOSTILE: &str = "x%0A::error::pwned\n| a | b |\r\n`code` <script>alert(1)</script> [l](javascript:x) *b* _i_ &amp; $x$ @team \u{202E}";

    fn hostile_report(n_targets: usize) -> Report {
        let targets = (0..n_targets)
            .map(|i| {
                let mut f = Finding::new(FindingId::ClientCertOptional, HOSTILE)
                    .with_evidence(HOSTILE, HOSTILE);
                f.fixes.push(StackFix {
                    stack: HOSTILE.into(),
                    fix: "```\n</details><script>\n````".into(),
                    guessed: true,
                });
                let mut implied = Finding::new(FindingId::UntrustedClientCertAccepted, HOSTILE);
                implied.implied_by = Some(FindingId::ClientCertOptional);
                crate::testing::target(&format!("https://h{i}.example/"), vec![f, implied])
            })
            .collect();
        Report::new(targets, 3.0)
    }

    /// Every table row has as many cells as its header; no raw `<` except our own tags.
    fn assert_well_formed(md: &str) {
        let mut cols: Option<usize> = None;
        for line in md.lines() {
            if line.starts_with('|') {
                let n = line.matches('|').count();
                assert_eq!(*cols.get_or_insert(n), n, "broken table row: {line}");
            } else {
                cols = None;
            }
        }
        let allowed = [
            "<details>",
            "</details>",
            "<summary>",
            "</summary>",
            "<code>",
            "</code>",
            "<sub>",
            "</sub>",
            "<pre>",
            "</pre>",
        ];
        for (i, _) in md.match_indices('<') {
            let rest = md.get(i..).unwrap_or("");
            assert!(
                allowed.iter().any(|t| rest.starts_with(t)),
                "stray HTML at {:?}",
                rest.chars().take(30).collect::<String>()
            );
        }
        assert_eq!(
            md.matches("<details>").count(),
            md.matches("</details>").count()
        );
    }

    #[test]
    fn escapes_markdown_and_html() {
        assert_eq!(text("a|b`c<d>&e\nf"), "a&#124;b&#96;c&lt;d&gt;&amp;e ↵ f");
        assert_eq!(
            text("[x](y) *z* #1 ~~s~~"),
            "&#91;x&#93;(y) &#42;z&#42; &#35;1 &#126;&#126;s&#126;&#126;"
        );
        assert_eq!(rich("use `a|b` now"), "use <code>a&#124;b</code> now");
        assert_eq!(rich("odd ` tick"), "odd &#96; tick");
        assert_eq!(
            code_block("a ``` b\n</pre>"),
            "<pre><code>a &#96;&#96;&#96; b\n&lt;/pre&gt;</code></pre>\n"
        );
        assert_eq!(
            code_block("x\n  ::error::no"),
            "<pre><code>x\n  &#58;:error::no</code></pre>\n",
            "no line of it starts a workflow command"
        );
    }

    #[test]
    fn server_text_never_autolinks() {
        let j = JOINER;
        assert_eq!(
            server_text("https://e.example/x HTTP://E.EXAMPLE ftp://f.example"),
            format!("https:{j}//e.example/x HTTP:{j}//E.EXAMPLE ftp:{j}//f.example")
        );
        assert_eq!(
            server_text("(www.e.example) WwW.e.example wwww.e"),
            format!("(www{j}.e.example) WwW{j}.e.example wwww{j}.e")
        );
        assert_eq!(
            server_text("a@e.example mailto:b@e.example @team #1"),
            format!("a&#64;{j}e.example mailto:b&#64;{j}e.example &#64;{j}team &#35;{j}1")
        );
        // What is no link stays as it was; our own text (a URL the user gave) stays a link.
        assert_eq!(server_text("a: b/c www ww.x"), "a: b/c www ww.x");
        assert_eq!(text("https://api.example.com/"), "https://api.example.com/");
        assert_eq!(
            rich("see `https://e.example` at https://e.example"),
            format!("see <code>https:{j}//e.example</code> at https:{j}//e.example")
        );
    }

    #[test]
    fn hostile_text_breaks_nothing() {
        let md = render(&hostile_report(2), Some(Grade::C));
        assert_well_formed(&md);
        assert!(!md.contains("<script") && !md.contains("\u{202E}"));
        assert!(md.contains("&lt;script&gt;") && md.contains("x%0A::error::pwned ↵ &#124; a"));
        assert!(
            md.lines().all(|l| !l.trim_start().starts_with("::")),
            "{md}"
        );
        assert!(md.contains("1 more finding implied by this root cause"));
        assert!(md.contains("**The grade F is below the threshold C: this check fails.**"));
    }

    /// A target that could not be scanned is graded F: the check fails for that, and is not
    /// said to be below the threshold for what was scanned.
    #[test]
    fn an_unscanned_target_fails_the_check_without_a_grade_below_the_threshold() {
        let mut fine = crate::testing::target("https://a.example/", Vec::new());
        fine.grade = Grade::A;
        let mut down = crate::testing::target("https://b.example/", Vec::new());
        down.error = Some("cannot connect".into());
        down.grade = Grade::F;
        let md = render(&Report::new(vec![fine, down], 0.0), Some(Grade::C));
        assert!(
            md.contains("**This check fails: 1 target could not be scanned** (graded F for that"),
            "{md}"
        );
        assert!(!md.contains("is below the threshold"), "{md}");
    }

    #[test]
    fn truncates_whole_sections_under_the_limit() {
        let report = hostile_report(400);
        let full = render_with(
            &report,
            &Options {
                threshold: Some(Grade::C),
                fail_on_new: false,
                incomplete_passes: false,
                limit: usize::MAX,
                full_reports: None,
                json_hint: None,
                flags: false,
            },
        );
        assert!(full.len() > 200_000, "{}", full.len());
        let md = render_with(
            &report,
            &Options {
                threshold: None,
                fail_on_new: false,
                incomplete_passes: false,
                limit: 100_000,
                full_reports: Some(("r.json", "s.sarif")),
                json_hint: None,
                flags: false,
            },
        );
        assert!(md.len() <= 100_000);
        assert!(md.contains("Summary truncated") && md.contains("<code>r.json</code>"));
        assert_well_formed(&md);
        let huge = Report::new(Vec::new(), 0.0);
        assert!(render(&huge, None).len() < SUMMARY_LIMIT);
    }

    /// An incomplete target passing under `fail-on-incomplete: false` is said in the words of
    /// the front end that ran: the Action's input, or the command line's flag.
    #[test]
    fn an_incomplete_pass_names_the_setting_as_given() {
        let mut t = crate::testing::target("https://a.test/", Vec::new());
        t.incomplete.push(probe_core::facts::IncompleteProbe {
            probe: "forged-client-cert".into(),
            tls_version: None,
            reason: "timed out".into(),
        });
        let report = Report::new(vec![t], 1.0);
        let said = |flags: bool| {
            render_with(
                &report,
                &Options {
                    incomplete_passes: true,
                    flags,
                    ..Options::default()
                },
            )
        };
        assert!(said(false).contains("(`fail-on-incomplete: false`: this does not fail the check)"));
        assert!(said(true).contains("(`--fail-on-incomplete false`: this does not fail the run)"));
    }
}
