//! JSON Lines: one target per line, each the `targets[]` entry of the JSON report (version 1),
//! compact. `mtls-scan scan --format jsonl` writes each line as its target finishes and keeps no
//! report (memory follows the concurrency, not the fleet); other commands write a whole report's
//! targets the same way.

use probe_core::report::{Report, TargetReport};

/// One target as one line, with its newline.
pub fn line(target: &TargetReport) -> Result<String, serde_json::Error> {
    let mut s = serde_json::to_string(target)?;
    s.push('\n');
    Ok(s)
}

/// Every target of a report, a line each.
pub fn render(report: &Report) -> Result<String, serde_json::Error> {
    report.targets.iter().map(line).collect()
}
