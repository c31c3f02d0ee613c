//! The JSON report (version 1), as serde writes the report model.

use probe_core::report::{Report, TargetReport};

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

/// A JSON report written without holding its targets (a fleet's is ~32 KB a target): each
/// finished target's text goes to an unnamed temporary file as it finishes, in any order, and
/// [`Spill::finish`] writes the report around them in the order given, byte for byte
/// [`render`]'s text.
pub struct Spill {
    file: std::fs::File,
    /// Per target index, where its text is in the file (offset, length).
    at: Vec<Option<(u64, usize)>>,
    end: u64,
}

/// What stands for the targets in the report written without them.
const NO_TARGETS: &str = "\"targets\": []";

impl Spill {
    /// A spill for `count` targets.
    pub fn new(count: usize) -> std::io::Result<Self> {
        Ok(Self {
            file: tempfile::tempfile()?,
            at: vec![None; count],
            end: 0,
        })
    }

    /// Adds the target of index `index`, as the report's `targets[]` entry writes it.
    pub fn add(&mut self, index: usize, target: &TargetReport) -> std::io::Result<()> {
        use std::io::{Seek as _, SeekFrom, Write as _};
        let pretty = serde_json::to_vec_pretty(target)?;
        // At the report's depth: each line of an entry of `targets` is indented four spaces
        // (JSON strings hold no raw newline).
        let mut text = Vec::with_capacity(pretty.len() + pretty.len() / 8);
        for (n, line) in pretty.split(|b| *b == b'\n').enumerate() {
            if n > 0 {
                text.push(b'\n');
            }
            text.extend_from_slice(b"    ");
            text.extend_from_slice(line);
        }
        let slot = self
            .at
            .get_mut(index)
            .ok_or_else(|| std::io::Error::other(format!("no target of index {index}")))?;
        self.file.seek(SeekFrom::Start(self.end))?;
        self.file.write_all(&text)?;
        *slot = Some((self.end, text.len()));
        self.end += text.len() as u64;
        Ok(())
    }

    /// Writes the report: `head` (grade, score, duration, shard; its `targets` empty) with the
    /// targets added, in index order. A target never added is an error, never left out.
    pub fn finish(mut self, head: &Report, out: impl std::io::Write) -> std::io::Result<()> {
        use std::io::{Read as _, Seek as _, SeekFrom, Write as _};
        if let Some(i) = self.at.iter().position(Option::is_none) {
            return Err(std::io::Error::other(format!("target {i} never finished")));
        }
        let shell = serde_json::to_string_pretty(head)?;
        let (before, after) = shell
            .split_once(NO_TARGETS)
            .filter(|_| head.targets.is_empty())
            .ok_or_else(|| std::io::Error::other("the report's head holds targets"))?;
        let mut out = std::io::BufWriter::with_capacity(64 * 1024, out);
        if self.at.is_empty() {
            out.write_all(shell.as_bytes())?;
        } else {
            out.write_all(before.as_bytes())?;
            out.write_all(b"\"targets\": [\n")?;
            let mut text = Vec::new();
            for (i, (offset, len)) in self.at.iter().flatten().enumerate() {
                if i > 0 {
                    out.write_all(b",\n")?;
                }
                text.resize(*len, 0);
                self.file.seek(SeekFrom::Start(*offset))?;
                self.file.read_exact(&mut text)?;
                out.write_all(&text)?;
            }
            out.write_all(b"\n  ]")?;
            out.write_all(after.as_bytes())?;
        }
        out.write_all(b"\n")?;
        out.flush()
    }
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

    /// Targets added in any order come out in index order, the report byte for byte the
    /// rendered one (with a shard, after the targets; and with no target at all).
    #[test]
    fn a_spilled_report_is_the_rendered_one() {
        let targets = vec![
            crate::testing::target("https://a.test/", Vec::new()),
            probe_core::engine::failed_named(
                "https://b.test/".into(),
                "b.test:443".into(),
                "connection \"refused\"\nagain".into(),
            ),
            crate::testing::target("https://c.test:8443/x", Vec::new()),
        ];
        let mut report = probe_core::report::Report::new(targets, 12.5);
        report.shard = probe_core::report::ShardOf::of(Some((2, 3)), Some(7));
        let Ok(mut spill) = super::Spill::new(report.targets.len()) else {
            panic!("no temporary file")
        };
        for i in [2, 0, 1] {
            assert!(spill.add(i, &report.targets[i]).is_ok());
        }
        let mut head = probe_core::report::Report::new(Vec::new(), report.duration_ms);
        (head.grade, head.score, head.shard) = (report.grade, report.score, report.shard);
        let mut written = Vec::new();
        assert!(spill.finish(&head, &mut written).is_ok());
        let rendered = super::render(&report).unwrap_or_default();
        assert!(rendered.contains("c.test:8443"), "{rendered}");
        assert_eq!(String::from_utf8_lossy(&written), rendered);

        let empty = probe_core::report::Report::new(Vec::new(), 1.0);
        let mut written = Vec::new();
        let spill = super::Spill::new(0);
        assert!(spill.is_ok_and(|s| s.finish(&empty, &mut written).is_ok()));
        assert_eq!(
            String::from_utf8_lossy(&written),
            super::render(&empty).unwrap_or_default()
        );
    }

    /// A target that never finished fails the report; it is never written without it.
    #[test]
    fn a_missing_target_fails_the_spill() {
        let Ok(mut spill) = super::Spill::new(2) else {
            panic!("no temporary file")
        };
        let t = crate::testing::target("https://a.test/", Vec::new());
        assert!(spill.add(0, &t).is_ok());
        assert!(spill.add(5, &t).is_err());
        let head = probe_core::report::Report::new(Vec::new(), 1.0);
        let mut written = Vec::new();
        assert!(spill.finish(&head, &mut written).is_err());
        assert!(
            written.is_empty(),
            "nothing written of a report without a target"
        );
    }
}
