//! Renderers: each a function from `&Report` to text. Rendering never re-runs probes, and never
//! prints: the front ends write what they return.

pub mod capped;
pub mod json;
pub mod jsonl;
pub mod markdown;
pub mod sarif;
pub mod text;

mod incomplete;

use probe_core::grade::Grade;
use probe_core::report::Report;

/// Report formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// A readable table per target, with one line per finding and its fix.
    Text,
    /// The JSON report (version 1).
    Json,
    /// JSON Lines: a target per line (`scan` writes each as it finishes, keeping no report).
    Jsonl,
    /// SARIF 2.1.0.
    Sarif,
    /// Markdown (the job summary).
    Markdown,
}

/// Renders a report in a format: text with ANSI colours when `color`, Markdown with the
/// threshold beside the grade, SARIF located at its default file.
pub fn render(
    report: &Report,
    format: Format,
    color: bool,
    threshold: Option<Grade>,
) -> Result<String, serde_json::Error> {
    Ok(match format {
        Format::Text => text::render(report, color),
        Format::Json => json::render(report)?,
        Format::Jsonl => jsonl::render(report)?,
        Format::Sarif => sarif::render(report)?,
        Format::Markdown => markdown::render(report, threshold),
    })
}

/// `1 of 2 targets could not be scanned: URL (why), …`, naming every target that could not be
/// scanned, and why when `why` (the Action leaves it out: each target's own annotation says it);
/// `None` when every target was. The front ends' words for exit 3 by an unreachable target (the
/// CLI's stderr, the Action's last error). The reasons may quote server text: the caller escapes
/// it for where it goes.
pub fn not_scanned_line(report: &Report, why: bool) -> Option<String> {
    let errored: Vec<String> = report
        .errored()
        .map(|t| match (&t.error, why) {
            (Some(e), true) => format!("{} ({e})", t.url),
            _ => t.url.clone(),
        })
        .collect();
    if errored.is_empty() {
        return None;
    }
    Some(format!(
        "{} of {} target{} could not be scanned: {}",
        errored.len(),
        report.targets.len(),
        if report.targets.len() == 1 { "" } else { "s" },
        errored.join(", ")
    ))
}
