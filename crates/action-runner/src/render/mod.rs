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

/// `1 of 2 targets could not be scanned: URL (why), …`, naming the targets that could not be
/// scanned (the first [`Report::INCOMPLETE_LINE_TARGETS`], then how many more), and why when `why`
/// (the Action leaves it out: each target's own annotation says it); `None` when every target
/// was. The front ends' words for exit 3 by an unreachable target (the CLI's stderr, the Action's
/// last error). The reasons may quote server text: the caller escapes it for where it goes.
pub fn not_scanned_line(report: &Report, why: bool) -> Option<String> {
    let count = report.errored().count();
    let mut errored: Vec<String> = report
        .errored()
        .take(Report::INCOMPLETE_LINE_TARGETS)
        .map(|t| match (&t.error, why) {
            (Some(e), true) => format!("{} ({e})", t.url),
            _ => t.url.clone(),
        })
        .collect();
    if errored.is_empty() {
        return None;
    }
    let left = count.saturating_sub(Report::INCOMPLETE_LINE_TARGETS);
    if left > 0 {
        errored.push(format!(
            "and {left} more (each with its error in the report)"
        ));
    }
    Some(format!(
        "{} of {} target{} could not be scanned: {}",
        count,
        report.targets.len(),
        if report.targets.len() == 1 { "" } else { "s" },
        errored.join(", ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fleet's unreachable targets: the line names the first five, with why, and counts the rest.
    #[test]
    fn the_not_scanned_line_names_five_targets_and_counts_the_rest() {
        let down = |i: usize| {
            probe_core::engine::failed_named(
                format!("https://d{i}.test/"),
                format!("d{i}.test:443"),
                "connection refused".into(),
            )
        };
        let report = Report::new((0..8).map(down).collect(), 1.0);
        let line = not_scanned_line(&report, true).unwrap_or_default();
        assert!(
            line.starts_with("8 of 8 targets could not be scanned: "),
            "{line}"
        );
        assert!(
            line.contains("https://d4.test/ (connection refused)"),
            "{line}"
        );
        assert!(
            !line.contains("d5.test")
                && line.ends_with("and 3 more (each with its error in the report)"),
            "{line}"
        );
        let report = Report::new((0..2).map(down).collect(), 1.0);
        let line = not_scanned_line(&report, false).unwrap_or_default();
        assert_eq!(
            line,
            "2 of 2 targets could not be scanned: https://d0.test/, https://d1.test/"
        );
    }
}
