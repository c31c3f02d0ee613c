//! Progress while scanning: a bar on a terminal (indicatif), plain lines in CI, nothing when
//! stderr is neither (e.g. redirected in tests with `MTLS_SCAN_PROGRESS=0`).

use std::io::IsTerminal;

use probe_core::report::{Report, TargetReport};
use probe_core::scan::Scanner;
use probe_core::target::Target;

/// Scans with progress on stderr.
pub async fn scan(scanner: &Scanner, targets: &[Target]) -> Report {
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
            None if !quiet => eprintln!("[{done}/{total}] {} grade {}", t.url, t.grade),
            None => {}
        }
    };
    let report = scanner.scan_with_progress(targets, on_target).await;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    report
}
