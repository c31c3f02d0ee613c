//! Step outputs, appended to `$GITHUB_OUTPUT` in the heredoc form toolkit's `setOutput` writes:
//! `name<<ghadelimiter_RANDOM`, the value, the delimiter. The delimiter is random per output, so
//! no value can end it early and set another output.

use std::io::Write as _;
use std::path::Path;

use probe_core::report::Report;

/// The step's outputs (action.yml's `outputs:`), in order: the grade, the score, the counts
/// (`findings`, `critical`, `high`: findings not suppressed, implied ones included, as the job
/// summary counts them ([`Report::tally`]); `new`: against the baseline, empty without one;
/// `incomplete`: targets not fully tested, the incomplete ones and those that could not be
/// scanned), and where the report and the SARIF file are (as shown).
pub fn of_report(
    report: &Report,
    report_file: &str,
    sarif_file: &str,
    new: Option<usize>,
) -> Vec<(&'static str, String)> {
    let tally = report.tally();
    // No target, no grade (a shard that holds none): empty, never `A`.
    let (grade, score) = if report.targets.is_empty() {
        (String::new(), String::new())
    } else {
        (report.grade.to_string(), report.score.to_string())
    };
    vec![
        ("grade", grade),
        ("score", score),
        ("findings", tally.findings.to_string()),
        ("critical", tally.critical.to_string()),
        ("high", tally.high.to_string()),
        ("new", new.map(|n| n.to_string()).unwrap_or_default()),
        (
            "incomplete",
            (report.incomplete().count() + report.errored().count()).to_string(),
        ),
        ("report", report_file.to_owned()),
        ("sarif-file", sarif_file.to_owned()),
    ]
}

/// The outputs in heredoc form, as [`append`] writes them.
pub fn render(outputs: &[(&str, String)]) -> std::io::Result<String> {
    let mut text = String::new();
    for (name, value) in outputs {
        text.push_str(&heredoc(name, value)?);
    }
    Ok(text)
}

/// One output in heredoc form, with a fresh random delimiter.
pub fn heredoc(name: &str, value: &str) -> std::io::Result<String> {
    let delimiter = format!("ghadelimiter_{}", super::random::random_hex(16)?);
    if name.contains(&delimiter) || value.contains(&delimiter) {
        // As toolkit does; with 128 random bits this never happens.
        return Err(std::io::Error::other("an output contains its delimiter"));
    }
    Ok(format!("{name}<<{delimiter}\n{value}\n{delimiter}\n"))
}

/// Appends outputs to the file (`$GITHUB_OUTPUT`).
pub fn append(path: &Path, outputs: &[(&str, String)]) -> std::io::Result<()> {
    let text = render(outputs)?;
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    f.write_all(text.as_bytes())?;
    f.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heredoc_with_random_delimiter() -> std::io::Result<()> {
        let a = heredoc("grade", "F")?;
        let lines: Vec<&str> = a.lines().collect();
        assert_eq!(lines.len(), 3);
        let delim = lines
            .first()
            .and_then(|l| l.strip_prefix("grade<<"))
            .unwrap_or_default();
        assert!(delim.starts_with("ghadelimiter_") && delim.len() == "ghadelimiter_".len() + 32);
        assert_eq!(lines.get(1..), Some(&["F", delim][..]));
        assert_ne!(heredoc("grade", "F")?, a);
        Ok(())
    }

    #[test]
    fn appends() -> std::io::Result<()> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("out");
        std::fs::write(&path, "earlier=1\n")?;
        append(&path, &[("a", "1".into()), ("b", "two\nlines".into())])?;
        let text = std::fs::read_to_string(&path)?;
        assert!(
            text.starts_with("earlier=1\na<<ghadelimiter_")
                && text.contains("\ntwo\nlines\nghadelimiter_")
        );
        Ok(())
    }
}
