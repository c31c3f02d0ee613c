//! Why a grade is B and not A when probes testing admission did not run: said beside the grade
//! where it is held against a threshold (Markdown, the final annotation, the check run's title)
//! and on the text report's last line.

use probe_core::grade::Grade;
use probe_core::report::{Report, TargetReport};

/// How the note of a target graded B only because probes testing admission did not run starts
/// (`TargetReport::refresh_not_run_note`, and the engine's for `--skip-probe`).
const CAPPED_NOTE: &str = "graded B at best:";

/// The probes testing admission that hold `t` at B (those that did not run for want of an input,
/// those switched off), when they alone do: its counted findings would make an A and its note
/// says so. `None` otherwise (an incomplete target says so in its own words).
fn capped_by(t: &TargetReport) -> Option<(Vec<&str>, Vec<&str>)> {
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
    let not_run: Vec<&str> = t.admission_not_run().map(|s| s.id.as_str()).collect();
    let off: Vec<&str> = t.admission_switched_off().map(|s| s.id.as_str()).collect();
    (!not_run.is_empty() || !off.is_empty()).then_some((not_run, off))
}

/// `B at best: forged-client-cert did not run (see the target's note)`: why the overall grade is
/// B and not A, when some target is held there only by probes testing admission that did not run
/// or were switched off (`--skip-probe`). `None` when the grade is not B, or no target is held
/// that way. Said where the grade is shown against a threshold, so that "B is below A" tells
/// what would make the A. Probe ids only: no escaping needed beyond the caller's.
pub fn capped_line(report: &Report) -> Option<String> {
    if report.grade != Grade::B {
        return None;
    }
    let (mut not_run, mut off, mut targets) = (Vec::new(), Vec::new(), 0usize);
    for (n, o) in report.targets.iter().filter_map(capped_by) {
        targets += 1;
        for id in n {
            if !not_run.contains(&id) {
                not_run.push(id);
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
    if !off.is_empty() {
        parts.push(format!("{} switched off (--skip-probe)", off.join(", ")));
    }
    Some(format!(
        "B at best: {} (see the {})",
        parts.join("; "),
        if targets == 1 {
            "target's note"
        } else {
            "targets' notes"
        }
    ))
}
