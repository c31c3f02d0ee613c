//! Why a grade is B and not A when probes testing admission did not run: said beside the grade
//! where it is held against a threshold (Markdown, the final annotation, the check run's title)
//! and on the text report's last line.

use probe_core::grade::Grade;
use probe_core::probe::SkippedProbe;
use probe_core::report::{Report, TargetReport};

/// How the note of a target graded B only because probes testing admission did not run starts
/// (`TargetReport::refresh_not_run_note`, and the engine's for `--skip-probe`).
const CAPPED_NOTE: &str = "graded B at best:";

/// The probes testing admission that hold `t` at B (those that did not run for want of an input,
/// those switched off), when they alone do: its counted findings would make an A and its note
/// says so. `None` otherwise (an incomplete target says so in its own words).
fn capped_by(t: &TargetReport) -> Option<(Vec<&str>, Vec<&str>, Vec<&str>)> {
    if t.grade != Grade::B
        || t.error.is_some()
        || t.is_incomplete()
        || !t.notes.iter().any(|n| n.starts_with(CAPPED_NOTE))
    {
        return None;
    }
    let counted = t.findings.iter().filter(|f| f.counts()).map(|f| &f.finding);
    if probe_core::grade::grade(counted).1 != Grade::A {
        return None;
    }
    // A probe that ran but left some of its doors untried is said apart, not as "did not run".
    let partly_run = |s: &&SkippedProbe| s.reason.starts_with(SkippedProbe::PARTLY_RUN);
    let not_run: Vec<&str> = t
        .admission_not_run()
        .filter(|s| !partly_run(s))
        .map(|s| s.id.as_str())
        .collect();
    let partly: Vec<&str> = t
        .admission_not_run()
        .filter(partly_run)
        .map(|s| s.id.as_str())
        .collect();
    let off: Vec<&str> = t.admission_switched_off().map(|s| s.id.as_str()).collect();
    (!not_run.is_empty() || !partly.is_empty() || !off.is_empty()).then_some((not_run, partly, off))
}

/// `B at best: forged-client-cert did not run (see the target's note)`: why the overall grade is
/// B and not A, when some target is held there only by probes testing admission that did not run
/// or were switched off (`--skip-probe`). When other targets are B for their own findings (or
/// incomplete), running those probes would not make the A: the line then gives the reason for
/// the capped targets only, and says what holds the others (`B at best on 1 of 2 targets graded
/// B: … (see its note); the other is B for its own findings`). `None` when the grade is not B,
/// or no target is held that way. Said where the grade is shown against a threshold, so that "B
/// is below A" tells what would make the A. Probe ids and counts only: no escaping needed beyond
/// the caller's.
pub fn capped_line(report: &Report) -> Option<String> {
    if report.grade != Grade::B {
        return None;
    }
    let (mut not_run, mut partly, mut off, mut targets) =
        (Vec::new(), Vec::new(), Vec::new(), 0usize);
    // The targets graded B for something else: their own findings, or probes not read.
    let (mut for_findings, mut incomplete) = (0usize, 0usize);
    for t in report.targets.iter().filter(|t| t.grade == Grade::B) {
        let Some((n, p, o)) = capped_by(t) else {
            if t.is_incomplete() {
                incomplete += 1;
            } else {
                for_findings += 1;
            }
            continue;
        };
        targets += 1;
        for id in n {
            if !not_run.contains(&id) {
                not_run.push(id);
            }
        }
        for id in p {
            if !partly.contains(&id) {
                partly.push(id);
            }
        }
        for id in o {
            if !off.contains(&id) {
                off.push(id);
            }
        }
    }
    if targets == 0 {
        return None;
    }
    let mut parts = Vec::new();
    if !not_run.is_empty() {
        parts.push(format!("{} did not run", not_run.join(", ")));
    }
    if !partly.is_empty() {
        parts.push(format!("{} did not try every door", partly.join(", ")));
    }
    if !off.is_empty() {
        parts.push(format!("{} switched off on purpose", off.join(", ")));
    }
    let others = for_findings + incomplete;
    if others == 0 {
        return Some(format!(
            "B at best: {} (see the {})",
            parts.join("; "),
            if targets == 1 {
                "target's note"
            } else {
                "targets' notes"
            }
        ));
    }
    let one = others == 1;
    let held = match (for_findings, incomplete) {
        (_, 0) if one => "is B for its own findings".to_owned(),
        (_, 0) => "are B for their own findings".to_owned(),
        (0, _) if one => "is incomplete".to_owned(),
        (0, _) => "are incomplete".to_owned(),
        (f, i) => format!("are B for their own findings ({f}) or incomplete ({i})"),
    };
    Some(format!(
        "B at best on {targets} of {} targets graded B: {} (see {}); the other{} {held}",
        targets + others,
        parts.join("; "),
        if targets == 1 {
            "its note"
        } else {
            "their notes"
        },
        if one {
            String::new()
        } else {
            format!(" {others}")
        }
    ))
}
