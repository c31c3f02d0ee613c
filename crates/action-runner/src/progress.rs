//! Progress while scanning: a bar on a terminal (indicatif), plain lines in CI, nothing when
//! stderr is neither (e.g. redirected in tests with `MTLS_SCAN_PROGRESS=0`).

use std::io::IsTerminal;

use probe_core::engine::Scanner;
use probe_core::report::{Report, TargetReport};
use probe_core::target::Target;

use crate::config::Config;

/// Scans with progress on stderr. Each line shows the target's grade after the config's policy
/// (expected policies, suppressions), so it agrees with the final report.
pub async fn scan(scanner: &Scanner, targets: &[Target], config: Option<&Config>) -> Report {
    let policy = config.map(|c| (c.policies(), c.suppressions()));
    let today = time::OffsetDateTime::now_utc().date();
    let graded = |t: &TargetReport| match &policy {
        Some((policies, suppressions)) => {
            let mut one = Report::new(vec![t.clone()], 0.0);
            let _ = probe_core::policy::apply(&mut one, policies, suppressions, today);
            one.grade
        }
        None => t.grade,
    };
    let quiet = std::env::var("MTLS_SCAN_PROGRESS").is_ok_and(|v| v == "0") || targets.len() < 2;
    let tty = std::io::stderr().is_terminal();
    let bar = (!quiet && tty).then(|| {
        let bar = indicatif::ProgressBar::new(targets.len() as u64);
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "{spinner} scanning [{bar:30}] {pos}/{len} {msg}",
        ) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar
    });
    let total = targets.len();
    let mut done = 0usize;
    let on_target = |t: &TargetReport| {
        done += 1;
        match &bar {
            Some(b) => {
                b.set_message(t.host_port.clone());
                b.inc(1);
            }
            None if !quiet => {
                let incomplete = if t.error.is_none() && t.is_incomplete() {
                    " (incomplete)"
                } else {
                    ""
                };
                crate::err_line!("[{done}/{total}] {} grade {}{incomplete}", t.url, graded(t));
            }
            None => {}
        }
    };
    let report = scanner.scan_with_progress(targets, on_target).await;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    report
}
