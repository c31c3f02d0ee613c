//! Progress while scanning: a bar on a terminal (indicatif), plain lines in CI, nothing when
//! stderr is neither (e.g. redirected in tests with `MTLS_SCAN_PROGRESS=0`).

use std::io::IsTerminal;

use probe_core::engine::Scanner;
use probe_core::policy::{Suppression, TargetPolicy};
use probe_core::report::{Report, TargetReport};
use probe_core::target::Target;

use crate::config::Config;

/// Scans with progress on stderr. Each line shows the target's grade after the config's policy
/// (expected policies, suppressions), so it agrees with the final report.
pub async fn scan(scanner: &Scanner, targets: &[Target], config: Option<&Config>) -> Report {
    let mut progress = Progress::new(targets.len(), config);
    let report = scanner
        .scan_with_progress(targets, |t| progress.target_done(t))
        .await;
    progress.finish();
    report
}

/// What is shown of a scan's progress: a bar, lines, or nothing.
pub struct Progress {
    bar: Option<indicatif::ProgressBar>,
    quiet: bool,
    total: usize,
    done: usize,
    /// The config's policies and suppressions, to show each target's grade as the report will.
    policy: Option<(Vec<TargetPolicy>, Vec<Suppression>)>,
    today: time::Date,
}

impl Progress {
    /// Progress of a scan of `total` targets (none shown for one target).
    pub fn new(total: usize, config: Option<&Config>) -> Self {
        let quiet = std::env::var("MTLS_SCAN_PROGRESS").is_ok_and(|v| v == "0") || total < 2;
        let tty = std::io::stderr().is_terminal();
        let bar = (!quiet && tty).then(|| {
            let bar = indicatif::ProgressBar::new(total as u64);
            if let Ok(style) = indicatif::ProgressStyle::with_template(
                "{spinner} scanning [{bar:30}] {pos}/{len} {msg}",
            ) {
                bar.set_style(style.progress_chars("=> "));
            }
            bar
        });
        Self {
            bar,
            quiet,
            total,
            done: 0,
            policy: config.map(|c| (c.policies(), c.suppressions())),
            today: time::OffsetDateTime::now_utc().date(),
        }
    }

    /// One target finished, as the scan judged it (before the config's policy).
    pub fn target_done(&mut self, t: &TargetReport) {
        self.done += 1;
        match &self.bar {
            Some(b) => {
                b.set_message(t.host_port.clone());
                b.inc(1);
            }
            None if !self.quiet => {
                let incomplete = if t.error.is_none() && t.is_incomplete() {
                    " (incomplete)"
                } else {
                    ""
                };
                crate::err_line!(
                    "[{}/{}] {} grade {}{incomplete}",
                    self.done,
                    self.total,
                    t.url,
                    self.graded(t)
                );
            }
            None => {}
        }
    }

    /// The target's grade once the config's policy applies.
    fn graded(&self, t: &TargetReport) -> probe_core::grade::Grade {
        match &self.policy {
            Some((policies, suppressions)) => {
                let mut one = Report::new(vec![t.clone()], 0.0);
                let _ = probe_core::policy::apply(&mut one, policies, suppressions, self.today);
                one.grade
            }
            None => t.grade,
        }
    }

    /// Clears the bar.
    pub fn finish(self) {
        if let Some(b) = self.bar {
            b.finish_and_clear();
        }
    }
}
