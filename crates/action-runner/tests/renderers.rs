//! Snapshot tests of every renderer over one hand-built report that holds every state
//! (`support::reports::every_state`): the text report (no colour), the JSON report, SARIF, the
//! Markdown (the command line's, the job summary, a truncated one, the PR comment), the workflow
//! commands (annotations and the final errors), the check run's annotations and title, and the
//! step outputs.
//!
//! The snapshots are in `tests/snapshots/`. A change shows as a failing test with a diff; after
//! reading the diff, accept it with `INSTA_UPDATE=always cargo test -p action-runner --test
//! renderers` (or `cargo insta review`) and commit the `.snap` files. Under `CI=true` insta never
//! writes a snapshot: a mismatch fails.

mod support;

use action_runner::exit::{Exit, FailOn, Gate};
use action_runner::frontend::action::final_commands;
use action_runner::frontend::cli;
use action_runner::github::context::RunContext;
use action_runner::github::env::Env;
use action_runner::github::inputs::Inputs;
use action_runner::github::summary::RunInfo;
use action_runner::github::{annotations, check_run, comment, outputs, summary};
use action_runner::render::{self, Format};
use probe_core::grade::Grade;
use probe_core::report::Report;
use support::reports::{
    capped_at_b, capped_beside_b, every_state, links, recognised_lighttpd, HOSTILE, LINKS,
};

fn run_info() -> RunInfo {
    RunInfo {
        fail_under: Grade::C,
        no_fail_under: false,
        fail_on_new: false,
        incomplete_passes: false,
        report_file: "mtls-scan-report.json".into(),
        sarif_file: "mtls-scan.sarif".into(),
        shard: None,
        category: None,
        annotations_path: ".github/workflows/mtls.yml".into(),
        annotation_lines: Default::default(),
    }
}

fn inputs() -> Inputs {
    let env: Env = [
        ("INPUT_API-URL", "https://api.example.com/v1"),
        ("INPUT_BASELINE", ""),
        ("GITHUB_WORKSPACE", "/github/workspace"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    Inputs::parse(&env).unwrap_or_else(|e| panic!("{e:?}"))
}

/// The lines a renderer wrote that a server could have written: none may start a workflow
/// command or carry raw HTML.
fn assert_no_injection(what: &str, text: &str) {
    for line in text.lines() {
        assert!(
            !line.trim_start().starts_with("::error::pwned")
                && !line.trim_start().starts_with("::warning::injected"),
            "{what}: a server's line became a command: {line}"
        );
    }
    assert!(!text.contains("<script"), "{what}: raw <script>");
}

#[test]
fn text() {
    let out = render::text::render(&every_state(), false);
    assert!(!out.contains('\u{1b}'), "no colour was asked for");
    insta::assert_snapshot!("text", out);
}

/// A report read back by `merge` may hold what no scan writes: a target URL with line breaks and
/// the runner's legacy command (an audit's tampered shard printed `::error`, `::add-mask::` and
/// `##[set-output …]` at the start of log lines). The text output escapes the URL as every other
/// string, and breaks `##[` wherever it stands.
#[test]
fn a_target_url_read_back_issues_no_command() {
    let mut report = every_state();
    let Some(t) = report.targets.first_mut() else {
        panic!("every_state has targets");
    };
    t.url = format!("https://h.example/\n::error::pwned\n{HOSTILE}##[set-output name=grade;]A");
    let out = render::text::render(&report, false);
    for line in out.lines() {
        assert!(!line.trim_start().starts_with("::"), "a command: {line}");
    }
    assert!(!out.contains("##["), "{out}");
    assert!(out.contains("## [set-output"), "{out}");
}

#[test]
fn json() -> Result<(), serde_json::Error> {
    let report = every_state();
    let out = render::json::render(&report)?;
    let back: Report = serde_json::from_str(&out)?;
    assert_eq!(
        back.targets.len(),
        report.targets.len(),
        "the JSON reads back"
    );
    insta::assert_snapshot!("json", out);
    Ok(())
}

#[test]
fn jsonl() -> Result<(), serde_json::Error> {
    let report = every_state();
    let out = render::jsonl::render(&report)?;
    // Each line is the JSON report's `targets[]` entry, in order.
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), report.targets.len());
    for (line, target) in lines.iter().zip(&report.targets) {
        let back: serde_json::Value = serde_json::from_str(line)?;
        assert_eq!(back, serde_json::to_value(target)?);
    }
    insta::assert_snapshot!("jsonl", out);
    Ok(())
}

#[test]
fn sarif() -> Result<(), serde_json::Error> {
    let options = render::sarif::SarifOptions {
        location: Some(render::sarif::SarifLocation {
            uri: ".github/workflows/mtls.yml".into(),
            ..Default::default()
        }),
        category: Some("staging".into()),
        shard: Some((2, 4)),
    };
    let out = render::sarif::render_with(&every_state(), &options)?;
    // Server text is plain text in `message.text`; the rules' Markdown help holds none of it.
    let sarif: serde_json::Value = serde_json::from_str(&out)?;
    let rules = sarif
        .pointer("/runs/0/tool/driver/rules")
        .and_then(serde_json::Value::as_array)
        .cloned()
        .unwrap_or_default();
    assert!(!rules.is_empty());
    for r in rules {
        let help = r
            .pointer("/help/markdown")
            .and_then(serde_json::Value::as_str);
        assert!(
            help.is_some_and(|h| !h.contains("<script") && !h.contains("pwned")),
            "{r}"
        );
    }
    insta::assert_snapshot!("sarif", out);
    Ok(())
}

#[test]
fn markdown_of_the_command_line() -> Result<(), serde_json::Error> {
    let out = cli::render(
        &every_state(),
        Format::Markdown,
        false,
        Some(Grade::C),
        FailOn::Grade,
    )?;
    assert_no_injection("markdown", &out);
    insta::assert_snapshot!("markdown_cli", out);
    Ok(())
}

/// A stack listed only when recognised (lighttpd, from its Server header): its fix first, with the
/// caveat that the header may be a backend's, stunnel's and Hitch's after it, then the ten; the
/// text report names the guessed one only.
#[test]
fn a_recognised_stack_in_markdown_and_text() -> Result<(), serde_json::Error> {
    let report = recognised_lighttpd();
    let md = cli::render(
        &report,
        Format::Markdown,
        false,
        Some(Grade::C),
        FailOn::Grade,
    )?;
    assert!(md.contains("Fixes per stack (13)"), "{md}");
    insta::assert_snapshot!("markdown_recognised_lighttpd", md);
    let text = cli::render(&report, Format::Text, false, Some(Grade::C), FailOn::Grade)?;
    assert!(text.contains("ssl.verifyclient.enforce"), "{text}");
    insta::assert_snapshot!("text_recognised_lighttpd", text);
    Ok(())
}

/// The scanned, complete targets of [`every_state`]: with `fail-on: new`, only the new findings
/// decide the exit code. With `none_new`, every finding is unchanged since the baseline.
fn only_new_findings_decide(none_new: bool) -> Report {
    use probe_core::policy::BaselineState;
    let mut targets: Vec<_> = every_state()
        .targets
        .into_iter()
        .filter(|t| t.error.is_none() && !t.is_incomplete())
        .collect();
    for f in targets.iter_mut().flat_map(|t| t.findings.iter_mut()) {
        if none_new && f.marks.baseline == Some(BaselineState::New) {
            f.marks.baseline = Some(BaselineState::Unchanged);
        }
    }
    Report::new(targets, 1234.0)
}

/// The Markdown's header: everything before the first target's section.
fn header_of(markdown: &str) -> String {
    markdown
        .split("\n### ")
        .next()
        .unwrap_or_default()
        .to_owned()
}

/// With `fail-on: new` (`--fail-on new`), the job summary, the PR comment and the command line's
/// Markdown say what decides the exit code, the new findings, never the grade against a
/// threshold that does not apply (a grade F, below the default C, with nothing new: the step
/// passes).
#[test]
fn markdown_fail_on_new() -> Result<(), serde_json::Error> {
    let run = RunInfo {
        fail_on_new: true,
        ..run_info()
    };
    let gate = Gate {
        fail_under: Some(Grade::C),
        fail_on: FailOn::New,
        fail_on_incomplete: true,
    };
    let mut shown = String::new();
    for (none_new, exit) in [(true, Exit::Ok), (false, Exit::BelowThreshold)] {
        let report = only_new_findings_decide(none_new);
        assert_eq!(
            report.grade,
            Grade::F,
            "below the threshold of --fail-under"
        );
        assert_eq!(gate.decide(&report).exit, exit);
        let summary = summary::render(&report, &run, 0);
        let cli = cli::render(
            &report,
            Format::Markdown,
            false,
            Some(Grade::C),
            FailOn::New,
        )?;
        let fit = summary::fit(&report, &run, 60_000, "a comment");
        let header = header_of(&summary);
        assert_eq!(
            header_of(&cli),
            header,
            "the CLI says what the summary says"
        );
        assert_eq!(header_of(&fit), header, "the PR comment too");
        assert!(!header.contains("threshold C"), "{header}");
        assert_eq!(
            header.contains("this check fails"),
            exit == Exit::BelowThreshold,
            "{header}"
        );
        assert_eq!(header.contains('❌'), exit != Exit::Ok, "{header}");
        shown.push_str(&format!("==== {exit:?}\n{header}\n"));
    }
    insta::assert_snapshot!("markdown_fail_on_new", shown);
    Ok(())
}

/// The same through the binary: `merge --fail-on new --baseline` writes a Markdown report whose
/// verdict is the exit code's.
#[test]
fn markdown_fail_on_new_of_the_binary() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let report = dir.path().join("r.json");
    std::fs::write(
        &report,
        render::json::render(&only_new_findings_decide(true))?,
    )?;
    let empty = dir.path().join("empty.json");
    std::fs::write(&empty, render::json::render(&Report::new(Vec::new(), 0.0))?)?;
    for (baseline, code, says) in [
        (&report, 0, "No new finding against the baseline."),
        (
            &empty,
            1,
            "new findings against the baseline: this check fails.**",
        ),
    ] {
        let md = dir.path().join("r.md");
        let out = support::mtls_scan()
            .arg("merge")
            .arg("--fail-on")
            .arg("new")
            .arg("--baseline")
            .arg(baseline)
            .arg("--markdown")
            .arg(&md)
            .arg("--format")
            .arg("json")
            .arg(&report)
            .output()?;
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(code), "{stderr}");
        let md = std::fs::read_to_string(&md)?;
        assert!(md.contains(says), "{}", header_of(&md));
        assert!(!md.contains("the threshold C"), "{}", header_of(&md));
    }
    Ok(())
}

/// `--baseline` with no file at its path yet (the first run of a workflow that keeps its last
/// report) warns and compares with an empty baseline: every finding is new, so the run fails
/// (never a false pass). A file that is there but is not a report stays a usage error.
#[test]
fn a_missing_baseline_counts_every_finding_as_new() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let report = dir.path().join("r.json");
    std::fs::write(
        &report,
        render::json::render(&only_new_findings_decide(true))?,
    )?;
    let missing = dir.path().join("baseline").join("mtls-scan-report.json");
    let merged = dir.path().join("merged.json");
    let out = support::mtls_scan()
        .args([
            "merge",
            "--fail-on",
            "new",
            "--format",
            "json",
            "--baseline",
        ])
        .arg(&missing)
        .arg("-o")
        .arg(&merged)
        .arg(&report)
        .output()?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "warning: --baseline: no baseline at {:?}: every finding counts as new",
            missing.display().to_string()
        )),
        "{stderr}"
    );
    let merged: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&merged)?)?;
    let states = support::baseline_marks(&merged);
    assert!(
        !states.is_empty() && states.iter().all(|s| *s == "new"),
        "{states:?}"
    );

    let not_a_report = dir.path().join("other.json");
    std::fs::write(&not_a_report, "{\"grade\": \"A\"}\n")?;
    let out = support::mtls_scan()
        .args([
            "merge",
            "--fail-on",
            "new",
            "--format",
            "json",
            "--baseline",
        ])
        .arg(&not_a_report)
        .arg(&report)
        .output()?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("is not an mtls-scan JSON report"),
        "{stderr}"
    );
    Ok(())
}

/// `&#NNN;` as the character it stands for (as a Markdown parser's text nodes hold it).
fn decode_numeric_entities(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(at) = rest.find("&#") {
        out.push_str(rest.get(..at).unwrap_or_default());
        let after = rest.get(at + 2..).unwrap_or_default();
        let decoded = after.split_once(';').and_then(|(n, tail)| {
            let c = n.parse::<u32>().ok().and_then(char::from_u32)?;
            Some((c, tail))
        });
        match decoded {
            Some((c, tail)) => {
                out.push(c);
                rest = tail;
            }
            None => {
                out.push_str("&#");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Server text in the Markdown can never become a link, whatever GitHub's GFM autolinker looks
/// for (`https://`, `www.`, an e-mail address, found in the text as written or with its entities
/// decoded), nor a mention or an issue reference; a URL the user gave stays one.
#[test]
fn markdown_server_text_is_no_link() {
    let out = summary::render(&links(), &run_info(), 0);
    assert_no_injection("links", &out);
    assert!(
        out.contains("| https://links.example.com:443/ |"),
        "the target stays a link"
    );
    // A `<pre>` block is an HTML block, never parsed as Markdown: no autolink there, and a fix
    // in it must copy as written.
    let server: String = out
        .replace("https://links.example.com:443/", "")
        .split("<pre>")
        .map(|part| part.split_once("</pre>").map_or(part, |(_, after)| after))
        .collect();
    // As written (the autolinks GitHub finds while parsing) and as its text nodes hold it, the
    // entities decoded (the e-mail addresses, mentions and references it finds after).
    let decoded = decode_numeric_entities(&server);
    for text in [&server, &decoded] {
        let lower = text.to_ascii_lowercase();
        assert!(!lower.contains("://") && !lower.contains("www."), "{text}");
    }
    for (i, _) in decoded.match_indices(['@', '#']) {
        let next = decoded.get(i + 1..).and_then(|r| r.chars().next());
        assert!(
            !next.is_some_and(|c| c.is_ascii_alphanumeric()),
            "{}",
            decoded.get(i.saturating_sub(20)..).unwrap_or_default()
        );
    }
    // The text still reads the same once the invisible joiners are left out.
    let shown = LINKS.replace('#', "&#35;").replace('@', "&#64;");
    assert!(out.replace("&#8288;", "").contains(&shown), "{out}");
    insta::assert_snapshot!("markdown_server_links", out);
}

#[test]
fn markdown_job_summary() {
    let out = summary::render(&every_state(), &run_info(), 0);
    assert_no_injection("summary", &out);
    insta::assert_snapshot!("markdown_job_summary", out);
}

#[test]
fn markdown_cut_to_a_budget() {
    let out = summary::fit(
        &every_state(),
        &run_info(),
        6_000,
        "a check run's summary is 65,535 characters",
    );
    assert!(out.len() <= 6_000, "{}", out.len());
    insta::assert_snapshot!("markdown_fit", out);
}

#[test]
fn markdown_pr_comment() {
    let ctx = RunContext {
        api_url: "https://api.github.com".into(),
        owner: "octo".into(),
        repo: "api".into(),
        event_name: "pull_request".into(),
        pr_number: Some(7),
        head_sha: Some("1111111111111111111111111111111111111111".into()),
        workflow: "mTLS review".into(),
        job: "scan".into(),
        run_url: Some("https://github.com/octo/api/actions/runs/4242".into()),
    };
    let marker = comment::marker(&ctx, None, Some((2, 3)));
    let out = comment::body(
        &every_state(),
        &run_info(),
        &ctx,
        &marker,
        comment::Previous::Grade(Grade::B),
    );
    assert_no_injection("comment", &out);
    insta::assert_snapshot!("markdown_comment", out);
}

#[test]
fn annotations_and_final_errors() {
    let report = every_state();
    let gate = Gate {
        fail_under: Some(Grade::C),
        fail_on: FailOn::Grade,
        fail_on_incomplete: true,
    };
    let decision = gate.decide(&report);
    assert_eq!(decision.exit, Exit::TargetError);
    let last = final_commands(&report, &inputs(), &run_info(), &decision);
    let hint = "see the job summary and the SARIF file mtls-scan.sarif";
    let lines: Vec<String> = annotations::annotations(&report, hint, &last)
        .iter()
        .chain(&last)
        .map(ToString::to_string)
        .collect();
    for l in &lines {
        assert!(l.starts_with("::") && !l.contains(['\n', '\r']), "{l}");
    }
    let out = lines.join("\n") + "\n";
    assert_no_injection("annotations", &out);
    insta::assert_snapshot!("annotations", out);
}

#[test]
fn check_run_annotations_and_title() {
    let report = every_state();
    let mut out = String::new();
    for exit in [
        Exit::Ok,
        Exit::BelowThreshold,
        Exit::TargetError,
        Exit::Incomplete,
    ] {
        out.push_str(&format!(
            "title ({exit:?}): {}\n",
            check_run::title(&report, &run_info(), exit)
        ));
    }
    for n in check_run::notes(&report) {
        out.push_str(&format!("\n[{}] {}\n{}\n", n.level, n.title, n.message));
    }
    insta::assert_snapshot!("check_run", out);
}

#[test]
fn step_outputs() -> std::io::Result<()> {
    let values = outputs::of_report(
        &every_state(),
        "mtls-scan-report.json",
        "mtls-scan.sarif",
        Some(1),
    );
    let text = outputs::render(&values)?;
    // Each delimiter is random: show it as RANDOM, after checking it is 32 hex digits.
    let mut shown = String::new();
    for line in text.lines() {
        let (head, delimiter) = match line.split_once("<<ghadelimiter_") {
            Some((name, hex)) => (format!("{name}<<"), hex),
            None => (
                String::new(),
                line.strip_prefix("ghadelimiter_").unwrap_or(""),
            ),
        };
        if delimiter.len() == 32 && delimiter.chars().all(|c| c.is_ascii_hexdigit()) {
            shown.push_str(&format!("{head}ghadelimiter_RANDOM\n"));
        } else {
            shown.push_str(line);
            shown.push('\n');
        }
    }
    insta::assert_snapshot!("step_outputs", shown);
    Ok(())
}

#[test]
fn the_fixture_is_hostile() {
    assert!(HOSTILE.contains("%0A::error::") && HOSTILE.contains('\n') && HOSTILE.contains('|'));
    assert!(HOSTILE.contains('`') && HOSTILE.contains("<script>") && HOSTILE.contains('\u{7}'));
}
#[test]
fn every_state_is_there() {
    use probe_core::finding::FindingId;
    use probe_core::policy::BaselineState;
    use probe_core::verdict::Layer;
    let r = every_state();
    let ids: Vec<FindingId> = r.findings().map(|(_, f)| f.id).collect();
    assert!(
        FindingId::ALL.iter().all(|id| ids.contains(id)),
        "every finding"
    );
    assert!(
        r.targets.iter().any(|t| t.error.is_some()),
        "an unscannable target"
    );
    assert!(
        r.targets.iter().any(|t| t.is_incomplete()),
        "an incomplete target"
    );
    assert!(
        r.findings().any(|(_, f)| f.marks.suppressed.is_some()),
        "a suppressed finding"
    );
    for state in [BaselineState::New, BaselineState::Unchanged] {
        assert!(
            r.findings().any(|(_, f)| f.marks.baseline == Some(state)),
            "{state:?}"
        );
    }
    assert!(!r.fixed.is_empty(), "fixed findings");
    assert!(
        r.targets
            .iter()
            .flat_map(|t| &t.probes)
            .any(|p| p.late && p.asked_after_handshake.is_some()),
        "late probes"
    );
    assert!(r
        .targets
        .iter()
        .any(|t| t.enforced_at == Some(Layer::PostHandshake)));
}

/// The incomplete target of [`every_state`] alone: graded B, which meets the threshold C, and
/// still a failing check (exit 3).
fn incomplete_only() -> Report {
    let targets = every_state()
        .targets
        .into_iter()
        .filter(|t| t.error.is_none() && t.is_incomplete())
        .collect();
    Report::new(targets, 12.5)
}

/// An incomplete target's own section lists every reason with the probes and TLS versions that
/// gave it; the heading says why a grade that meets the threshold fails; refusals the verdict
/// could not count are unread in the probe tables (text and Markdown), their answer kept.
#[test]
fn an_incomplete_target_says_so_everywhere() -> Result<(), serde_json::Error> {
    let report = incomplete_only();
    let md = cli::render(
        &report,
        Format::Markdown,
        false,
        Some(Grade::C),
        FailOn::Grade,
    )?;
    assert!(
        md.starts_with("## ❌ mtls-scan: grade B · incomplete\n"),
        "{md}"
    );
    assert!(
        md.contains(
            "**The grade B meets the threshold C, but this check fails: 1 target is incomplete.**"
        ),
        "{md}"
    );
    assert!(!md.contains("✅ No findings"), "{md}");
    assert!(
        md.contains("**⚠️ Incomplete:** these probes could not be read"),
        "{md}"
    );
    // One line per reason, the probes that share it together.
    assert!(
        md.contains(
            "- <code>untrusted-client-cert (TLS 1.2), forged-client-cert (TLS 1.2, TLS 1.3)</code>: \
             no answer within 10 s (3 attempts)"
        ),
        "{md}"
    );
    assert!(
        md.contains("- <code>self-signed-client-cert (TLS 1.3)</code>: reset by peer (2 attempts)"),
        "{md}"
    );
    assert_eq!(
        md.matches("⚠️ unread: refused (TLS), not counted (see Incomplete)")
            .count(),
        2,
        "{md}"
    );
    let text = render::text::render(&report, false);
    let unread: Vec<&str> = text.lines().filter(|l| l.contains("→ unread")).collect();
    assert_eq!(unread.len(), 2, "{text}");
    assert!(
        unread
            .iter()
            .any(|l| l.contains("alert BadCertificateStatusResponse: not counted (see INCOMPLETE)")),
        "{text}"
    );
    // The probe lines stay aligned: every `→` and every `ms` in the same column.
    let probes: Vec<&str> = text.lines().filter(|l| l.contains(" → ")).collect();
    assert!(probes.len() >= 5, "{text}");
    let arrow = |l: &str| l.chars().position(|c| c == '→');
    let end = |l: &str| l.chars().count();
    let first = probes.first().copied().unwrap_or_default();
    assert!(
        probes
            .iter()
            .all(|l| arrow(l) == arrow(first) && end(l) == end(first)),
        "{text}"
    );
    Ok(())
}

/// A target graded B only because probes testing admission did not run (or were switched off):
/// below the threshold A, the Markdown threshold line, the final annotation, the check run's
/// title and the text report's last line say what holds it at B.
#[test]
fn a_grade_capped_at_b_says_why_below_the_threshold() -> Result<(), serde_json::Error> {
    let report = capped_at_b(&["wrong-eku-client-cert", "cert-without-key"], &[]);
    let why =
        "B at best: wrong-eku-client-cert, cert-without-key did not run (see the target's note)";
    let md = cli::render(
        &report,
        Format::Markdown,
        false,
        Some(Grade::A),
        FailOn::Grade,
    )?;
    assert!(
        md.contains(&format!(
            "**The grade B is below the threshold A: this check fails.** {}.",
            why.replace('\'', "&#39;")
        )),
        "{md}"
    );
    // Meeting the threshold, the line is as before.
    let md_c = cli::render(
        &report,
        Format::Markdown,
        false,
        Some(Grade::C),
        FailOn::Grade,
    )?;
    assert!(
        md_c.contains("The grade B meets the threshold C.\n"),
        "{md_c}"
    );
    let gate = Gate {
        fail_under: Some(Grade::A),
        fail_on: FailOn::Grade,
        fail_on_incomplete: true,
    };
    let decision = gate.decide(&report);
    assert_eq!(decision.exit, Exit::BelowThreshold);
    let run = RunInfo {
        fail_under: Grade::A,
        ..run_info()
    };
    let last: Vec<String> = final_commands(&report, &inputs(), &run, &decision)
        .iter()
        .map(ToString::to_string)
        .collect();
    assert!(
        last.iter().any(|l| l.contains(&format!(
            "Grade B (score 89) is below the threshold A (fail-under), {why}: 0 findings"
        ))),
        "{last:?}"
    );
    let title = check_run::title(&report, &run, Exit::BelowThreshold);
    assert!(
        title.starts_with(&format!(
            "Grade B (score 89) is below the threshold A ({why}): "
        )),
        "{title}"
    );
    let text = render::text::render(&report, false);
    let overall = text.lines().last().unwrap_or_default();
    assert!(
        overall.starts_with(&format!("Overall grade B (score 89) · {why} · 1 target")),
        "{text}"
    );

    // Switched off by `--skip-probe`: said so.
    let off = capped_at_b(&[], &["forged-client-cert"]);
    let md = cli::render(&off, Format::Markdown, false, Some(Grade::A), FailOn::Grade)?;
    assert!(
        md.contains(
            "this check fails.** B at best: forged-client-cert switched off on purpose \
             (see the target&#39;s note)."
        ),
        "{md}"
    );
    // Graded B by a finding, not by probes that did not run: nothing said.
    let md = cli::render(
        &every_state(),
        Format::Markdown,
        false,
        Some(Grade::A),
        FailOn::Grade,
    )?;
    assert!(!md.contains("B at best:"), "{md}");
    Ok(())
}

/// Where the grade is held against the threshold A (the Markdown threshold line, the final
/// annotation, the check run's title, the text report's last line), for `report`.
fn threshold_lines(report: &Report) -> Result<String, serde_json::Error> {
    let md = cli::render(
        report,
        Format::Markdown,
        false,
        Some(Grade::A),
        FailOn::Grade,
    )?;
    let gate = Gate {
        fail_under: Some(Grade::A),
        fail_on: FailOn::Grade,
        fail_on_incomplete: true,
    };
    let decision = gate.decide(report);
    let run = RunInfo {
        fail_under: Grade::A,
        ..run_info()
    };
    let last: Vec<String> = final_commands(report, &inputs(), &run, &decision)
        .iter()
        .map(ToString::to_string)
        .filter(|l| l.contains("below the threshold"))
        .collect();
    let text = render::text::render(report, false);
    Ok(format!(
        "markdown: {}\nannotation: {}\ncheck run title: {}\ntext: {}\n",
        md.lines()
            .find(|l| l.contains("below the threshold"))
            .unwrap_or_default(),
        last.join(" | "),
        check_run::title(report, &run, decision.exit),
        text.lines().last().unwrap_or_default()
    ))
}

/// A target graded B only because probes did not run, beside one graded B for its own finding:
/// running the probes would not make the A, so the line gives the capped target's reason as its
/// own and says the other is B for its findings (before: "B at best: … did not run", as if the
/// probes alone held the grade). Then two capped targets (one not run, one switched off) beside
/// two B for findings; and targets B for findings alone (no capped one): nothing said.
#[test]
fn a_capped_target_beside_one_b_for_its_findings() -> Result<(), serde_json::Error> {
    let one = threshold_lines(&capped_beside_b(&[(&["wrong-eku-client-cert"], &[])], 1))?;
    assert!(
        one.contains(
            "B at best on 1 of 2 targets graded B: wrong-eku-client-cert did not run (see its \
             note); the other is B for its own findings"
        ),
        "{one}"
    );
    assert!(!one.contains("B at best: "), "{one}");
    insta::assert_snapshot!("capped_beside_one_b_for_findings", one);
    let many = threshold_lines(&capped_beside_b(
        &[
            (&["wrong-eku-client-cert", "cert-without-key"], &[]),
            (&[], &["forged-client-cert"]),
        ],
        2,
    ))?;
    assert!(
        many.contains(
            "B at best on 2 of 4 targets graded B: wrong-eku-client-cert, cert-without-key did \
             not run; forged-client-cert switched off on purpose (see their notes); the other \
             2 are B for their own findings"
        ),
        "{many}"
    );
    insta::assert_snapshot!("capped_beside_two_b_for_findings", many);
    // All capped: the line as before.
    let capped = threshold_lines(&capped_beside_b(&[(&["wrong-eku-client-cert"], &[])], 0))?;
    assert!(
        capped.contains("B at best: wrong-eku-client-cert did not run (see the target"),
        "{capped}"
    );
    // None capped: nothing said.
    let none = threshold_lines(&capped_beside_b(&[], 2))?;
    assert!(!none.contains("B at best"), "{none}");
    Ok(())
}

/// The two forgeries of one version (linked to our key, and without a key identifier) are told
/// apart in the probe tables, as the staging CA's control is.
#[test]
fn the_forgery_without_a_key_identifier_is_told_apart() -> Result<(), serde_json::Error> {
    let report = every_state();
    let text = render::text::render(&report, false);
    let forged: Vec<&str> = text
        .lines()
        .filter(|l| l.trim_start().starts_with("forged-client-cert"))
        .collect();
    assert_eq!(forged.len(), 3, "{text}");
    assert_eq!(
        forged
            .iter()
            .filter(|l| l
                .trim_start()
                .starts_with("forged-client-cert (no key id) "))
            .count(),
        1,
        "{text}"
    );
    let md = cli::render(
        &report,
        Format::Markdown,
        false,
        Some(Grade::C),
        FailOn::Grade,
    )?;
    assert_eq!(
        md.matches("| forged-client-cert (no key id) | 1.3 |")
            .count(),
        1,
        "{md}"
    );
    assert_eq!(
        md.matches("| forged-client-cert | 1.3 |").count(),
        1,
        "{md}"
    );
    Ok(())
}

/// The text report says which findings of the baseline are fixed, as the Markdown does; the JSON
/// report carries them.
#[test]
fn fixed_findings_are_said_in_text() -> Result<(), serde_json::Error> {
    let report = every_state();
    let text = render::text::render(&report, false);
    assert!(
        text.contains(
            "FIXED 2 findings of the baseline: client-cert-not-requested on \
             https://api.example.com:443/v1, server-cert-expired on https://gone.example.com:443/\n"
        ),
        "{text}"
    );
    let json: serde_json::Value = serde_json::from_str(&render::json::render(&report)?)?;
    assert_eq!(
        json.pointer("/fixed/1/id")
            .and_then(serde_json::Value::as_str),
        Some("server-cert-expired")
    );
    Ok(())
}

/// `mtls-scan impostor` whose client's requests never reached the impostor (exit 7 in every
/// scenario): not judged. The JSON's target says `"judged": false` beside the F and 0 that fail the
/// gate; the Markdown's headline says "not judged", with no grade table and no "grade F … below the
/// threshold".
#[test]
fn an_impostor_run_never_judged() -> Result<(), Box<dyn std::error::Error>> {
    let outcome = serde_json::json!({
        "exit_code": 7, "stdout_bytes": 0, "stderr_bytes": 42,
        "stderr_tail": "curl: (7) Failed to connect", "ms": 3.0
    });
    let run: probe_core::impostor::ImpostorRun = serde_json::from_value(serde_json::json!({
        "url": "https://localhost:4433/",
        "name": "localhost",
        "listen": "127.0.0.1:4433",
        "mode": "wrapped",
        "trusted_ca": {
            "origin": "minted for this run",
            "subject": "CN=mtls-scan impostor trusted CA",
            "sha256": "00"
        },
        "client": "sh",
        "scenarios": [
            {"scenario": "self-signed", "port": 4433, "connections": [], "client": outcome, "ms": 4.0},
            {"scenario": "control", "port": 4433, "connections": [], "client": outcome, "ms": 4.0}
        ],
        "duration_ms": 8.0
    }))?;
    let target = probe_core::impostor::target_report(&run)?;
    let mut report = Report::new(vec![target], 8.0);
    report.impostor = vec![run];
    let json = cli::render(&report, Format::Json, false, Some(Grade::C), FailOn::Grade)?;
    let value: serde_json::Value = serde_json::from_str(&json)?;
    assert_eq!(value["targets"][0]["judged"], false);
    let md = cli::render(
        &report,
        Format::Markdown,
        false,
        Some(Grade::C),
        FailOn::Grade,
    )?;
    assert!(
        md.starts_with("## ❌ mtls-scan impostor: not judged")
            && !md.contains("below the threshold")
            && !md.contains("grade F"),
        "{md}"
    );
    insta::assert_snapshot!("impostor_not_judged_markdown", md);
    Ok(())
}
