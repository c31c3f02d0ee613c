//! The JSON report (version 1), as serde writes the report model.

use probe_core::report::Report;

/// Pretty-printed JSON, with a trailing newline.
pub fn render(report: &Report) -> Result<String, serde_json::Error> {
    let mut s = serde_json::to_string_pretty(report)?;
    s.push('\n');
    Ok(s)
}

/// [`render`]'s text, written as it is made: a fleet's report is ~32 KB a target, and holding it
/// as one string beside the report doubled the memory of a `--format json` run (1,000 targets:
/// 105 MiB). Buffered; flushed at the end.
pub fn write_to(report: &Report, out: impl std::io::Write) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut out = std::io::BufWriter::with_capacity(64 * 1024, out);
    serde_json::to_writer_pretty(&mut out, report)?;
    out.write_all(b"\n")?;
    out.flush()
}

#[cfg(test)]
mod tests {
    /// The streamed report is byte for byte the rendered one (a report with a target in it).
    #[test]
    fn the_written_report_is_the_rendered_one() {
        let target = probe_core::engine::failed_named(
            "https://a.test/".into(),
            "a.test:443".into(),
            "connection refused".into(),
        );
        let report = probe_core::report::Report::new(vec![target], 1.0);
        let mut written = Vec::new();
        assert!(super::write_to(&report, &mut written).is_ok());
        let rendered = super::render(&report).unwrap_or_default();
        assert!(rendered.contains("connection refused"), "{rendered}");
        assert_eq!(String::from_utf8_lossy(&written), rendered);
    }
}
