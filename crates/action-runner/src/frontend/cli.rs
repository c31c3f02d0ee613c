//! `mtls-scan scan` and `mtls-scan merge`: targets from the command line and the config, the
//! scan, the policy (expected policies, suppressions, baseline), rendering, and the exit code.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context as _;
use probe_core::policy;
use probe_core::report::Report;
use probe_core::scan::{IdentityInputs, ScanOptions, Scanner};
use probe_core::target::Target;

use crate::cli::{ColorChoice, FailOn, Format, MergeArgs, ReportOpts, ScanArgs, ScanOpts};
use crate::config::Config;
use crate::exit::Exit;
use crate::render;

/// Builds the library's options from the flags, falling back to the config's defaults, and reads
/// the identity files.
pub fn options(opts: &ScanOpts, config: Option<&Config>) -> anyhow::Result<ScanOptions> {
    let defaults = config.map(|c| &c.file.defaults);
    let from_config = |pick: fn(&crate::config::Defaults) -> Option<&PathBuf>| -> Option<PathBuf> {
        let c = config?;
        pick(&c.file.defaults).map(|p| c.resolve(p))
    };
    let read = |p: Option<PathBuf>| -> anyhow::Result<Option<String>> {
        p.map(|p| {
            std::fs::read_to_string(&p).with_context(|| format!("cannot read {}", p.display()))
        })
        .transpose()
    };
    let mut ca_files = opts.ca_files.clone();
    if let Some(c) = config {
        ca_files.extend(c.file.defaults.ca_files.iter().map(|p| c.resolve(p)));
    }
    let timeout = opts
        .timeout
        .or_else(|| defaults.and_then(|d| d.timeout.map(|s| s.0)))
        .unwrap_or(10.0);
    Ok(ScanOptions {
        timeout: Duration::from_secs_f64(timeout),
        concurrency: usize::from(
            opts.concurrency
                .or_else(|| defaults.and_then(|d| d.concurrency))
                .unwrap_or(64),
        ),
        per_host: usize::from(
            opts.per_host
                .or_else(|| defaults.and_then(|d| d.per_host))
                .unwrap_or(16),
        ),
        ca_files,
        identities: IdentityInputs {
            client_cert_pem: read(
                opts.client_cert
                    .clone()
                    .or_else(|| from_config(|d| d.client_cert.as_ref())),
            )?,
            client_key_pem: read(
                opts.client_key
                    .clone()
                    .or_else(|| from_config(|d| d.client_key.as_ref())),
            )?,
            issuing_ca_cert_pem: read(
                opts.issuing_ca_cert
                    .clone()
                    .or_else(|| from_config(|d| d.issuing_ca_cert.as_ref())),
            )?,
            issuing_ca_key_pem: read(
                opts.issuing_ca_key
                    .clone()
                    .or_else(|| from_config(|d| d.issuing_ca_key.as_ref())),
            )?,
        },
        ..ScanOptions::default()
    })
}

/// Parses every target, reporting all bad ones at once.
pub fn targets(urls: &[String]) -> anyhow::Result<Vec<Target>> {
    let mut good = Vec::new();
    let mut bad = Vec::new();
    for u in urls
        .iter()
        .flat_map(|u| u.lines())
        .map(str::trim)
        .filter(|u| !u.is_empty())
    {
        match Target::parse(u) {
            Ok(t) if !good.contains(&t) => good.push(t),
            Ok(t) => bad.push(format!("duplicate target {}", t.url)),
            Err(e) => bad.push(e.to_string()),
        }
    }
    if !bad.is_empty() {
        anyhow::bail!("{}", bad.join("\n"));
    }
    if good.is_empty() {
        anyhow::bail!("no target URL given");
    }
    Ok(good)
}

/// Renders a report in a format.
pub fn render(
    report: &Report,
    format: Format,
    color: bool,
    threshold: Option<probe_core::grade::Grade>,
) -> anyhow::Result<String> {
    Ok(match format {
        Format::Text => render::text::render(report, color),
        Format::Json => render::json::render(report)?,
        Format::Sarif => render::sarif::render(report, None)?,
        Format::Markdown => render::markdown::render(report, threshold),
    })
}

/// Whether to colour stdout.
pub fn use_color(choice: ColorChoice, to_file: bool) -> bool {
    use std::io::IsTerminal;
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            !to_file && std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
        }
    }
}

fn usage(e: impl std::fmt::Display) -> anyhow::Result<Exit> {
    eprintln!("error: {e:#}");
    Ok(Exit::Usage)
}

/// Runs `scan`. Setup errors are usage errors (exit 2).
pub async fn run(args: ScanArgs) -> anyhow::Result<Exit> {
    if let Err(e) = check_writable(&args.report.paths()) {
        return usage(format!("{e:#}"));
    }
    let config = match args.config.as_deref().map(Config::load).transpose() {
        Ok(c) => c,
        Err(e) => return usage(e),
    };
    let mut urls = args.urls.clone();
    if let Some(c) = &config {
        urls.extend(c.targets().into_iter().map(|t| t.url));
    }
    let mut targets = match targets(&urls) {
        Ok(t) => t,
        Err(e) => return usage(format!("{e:#}")),
    };
    if let Some((i, n)) = args.shard {
        targets = policy::shard(&targets, i, n);
        eprintln!("shard {i}/{n}: {} target(s)", targets.len());
    }
    let mut options = match options(&args.scan, config.as_ref()) {
        Ok(o) => o,
        Err(e) => return usage(format!("{e:#}")),
    };
    options.deadline = args
        .deadline
        .or_else(|| {
            config
                .as_ref()
                .and_then(|c| c.file.defaults.deadline.map(|s| s.0))
        })
        .map(Duration::from_secs_f64);
    let scanner = match Scanner::new(&options) {
        Ok(s) => s,
        Err(e) => return usage(e),
    };
    let mut report = if targets.is_empty() {
        Report::new(Vec::new(), 0.0)
    } else {
        crate::progress::scan(&scanner, &targets, config.as_ref()).await
    };
    let threshold = args.report.fail_under.or_else(|| {
        config
            .as_ref()
            .and_then(|c| c.file.defaults.fail_under.map(|g| g.0))
    });
    finish(&mut report, config.as_ref(), &args.report, threshold)
}

/// Runs `merge`.
pub async fn merge(args: MergeArgs) -> anyhow::Result<Exit> {
    if let Err(e) = check_writable(&args.report.paths()) {
        return usage(format!("{e:#}"));
    }
    let config = match args.config.as_deref().map(Config::load).transpose() {
        Ok(c) => c,
        Err(e) => return usage(e),
    };
    let mut reports = Vec::new();
    for path in &args.reports {
        match read_report(path) {
            Ok(r) => reports.push(r),
            Err(e) => return usage(format!("{e:#}")),
        }
    }
    let mut report = policy::merge(reports);
    let threshold = args.report.fail_under.or_else(|| {
        config
            .as_ref()
            .and_then(|c| c.file.defaults.fail_under.map(|g| g.0))
    });
    finish(&mut report, config.as_ref(), &args.report, threshold)
}

fn read_report(path: &Path) -> anyhow::Result<Report> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let report: Report = serde_json::from_str(&text)
        .with_context(|| format!("{} is not an mtls-scan JSON report", path.display()))?;
    if report.version != probe_core::report::REPORT_VERSION {
        anyhow::bail!(
            "{}: report version {} is not supported",
            path.display(),
            report.version
        );
    }
    Ok(report)
}

/// Policy, baseline, outputs and exit code: shared by `scan` and `merge`.
fn finish(
    report: &mut Report,
    config: Option<&Config>,
    opts: &ReportOpts,
    threshold: Option<probe_core::grade::Grade>,
) -> anyhow::Result<Exit> {
    if let Some(c) = config {
        let today = time::OffsetDateTime::now_utc().date();
        for w in policy::apply(report, &c.policies(), &c.suppressions(), today) {
            eprintln!("warning: {w}");
        }
    }
    if let Some(path) = &opts.baseline {
        match read_report(path) {
            Ok(base) => policy::compare_baseline(report, &base),
            Err(e) => return usage(format!("{e:#}")),
        }
    } else if opts.fail_on == FailOn::New {
        return usage("--fail-on new needs --baseline");
    }
    let text = render(
        report,
        opts.format,
        use_color(opts.color, opts.output.is_some()),
        threshold,
    )?;
    match &opts.output {
        Some(path) => write(path, &text)?,
        None => crate::write_stdout(&text)?,
    }
    if let Some(p) = &opts.json {
        write(p, &render::json::render(report)?)?;
    }
    if let Some(p) = &opts.sarif {
        write(p, &render::sarif::render(report, None)?)?;
    }
    if let Some(p) = &opts.markdown {
        write(p, &render::markdown::render(report, threshold))?;
    }
    let fails = match opts.fail_on {
        FailOn::New => {
            let new = policy::new_findings(report);
            if !new.is_empty() {
                eprintln!(
                    "{} new finding{} against the baseline: {}",
                    new.len(),
                    if new.len() == 1 { "" } else { "s" },
                    new.join(", ")
                );
            }
            !new.is_empty()
        }
        FailOn::Grade => threshold.is_some_and(|t| report.grade < t),
    };
    let exit = Exit::decide(report, fails, opts.fail_on_incomplete);
    if exit == Exit::BelowThreshold {
        if let (FailOn::Grade, Some(t)) = (opts.fail_on, threshold) {
            eprintln!("grade {} is below the threshold {t}", report.grade);
        }
    }
    if let Some(line) = report.incomplete_line() {
        let consequence = if exit == Exit::Incomplete {
            "exit 3"
        } else if opts.fail_on_incomplete {
            "the run fails anyway"
        } else {
            "--fail-on-incomplete false: a warning only"
        };
        eprintln!(
            "{}: {line} ({consequence})",
            if exit == Exit::Incomplete {
                "error"
            } else {
                "warning"
            }
        );
    }
    Ok(exit)
}

/// Fails before any scan when a report path cannot be written: a scan of many minutes must not
/// end in "cannot write". An existing file is left as it is (opened to append, nothing written).
pub fn check_writable(paths: &[&Path]) -> anyhow::Result<()> {
    for path in paths {
        std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(path)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}

fn write(path: &Path, text: &str) -> anyhow::Result<()> {
    std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))
}
