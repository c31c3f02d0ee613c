//! `mtls-scan scan`: parse targets, scan, render, decide the exit code.

use std::time::Duration;

use anyhow::Context as _;
use probe_core::report::Report;
use probe_core::scan::{IdentityInputs, ScanOptions, Scanner};
use probe_core::target::Target;

use crate::cli::{ColorChoice, Format, ScanArgs, ScanOpts};
use crate::exit::Exit;
use crate::render;

/// Builds the library's options from the shared flags, reading the identity files.
pub fn options(opts: &ScanOpts) -> anyhow::Result<ScanOptions> {
    let read = |p: &Option<std::path::PathBuf>| -> anyhow::Result<Option<String>> {
        p.as_ref()
            .map(|p| std::fs::read_to_string(p).with_context(|| format!("cannot read {}", p.display())))
            .transpose()
    };
    Ok(ScanOptions {
        timeout: Duration::from_secs_f64(opts.timeout),
        concurrency: usize::from(opts.concurrency),
        ca_files: opts.ca_files.clone(),
        identities: IdentityInputs {
            client_cert_pem: read(&opts.client_cert)?,
            client_key_pem: read(&opts.client_key)?,
            issuing_ca_cert_pem: read(&opts.issuing_ca_cert)?,
            issuing_ca_key_pem: read(&opts.issuing_ca_key)?,
        },
        ..ScanOptions::default()
    })
}

/// Parses every target, reporting all bad ones at once.
pub fn targets(urls: &[String]) -> anyhow::Result<Vec<Target>> {
    let mut good = Vec::new();
    let mut bad = Vec::new();
    for u in urls.iter().flat_map(|u| u.lines()).map(str::trim).filter(|u| !u.is_empty()) {
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
pub fn render(report: &Report, format: Format, color: bool) -> anyhow::Result<String> {
    Ok(match format {
        Format::Text => render::text::render(report, color),
        Format::Json => render::json::render(report)?,
        Format::Sarif => render::sarif::render(report, None)?,
        Format::Markdown => render::markdown::render(report, None),
    })
}

/// Whether to colour stdout.
pub fn use_color(choice: ColorChoice, to_file: bool) -> bool {
    use std::io::IsTerminal;
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => !to_file && std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    }
}

/// Runs `scan`. Setup errors are usage errors (exit 2).
pub async fn run(args: ScanArgs) -> anyhow::Result<Exit> {
    let targets = match targets(&args.urls) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {e:#}");
            return Ok(Exit::Usage);
        }
    };
    let scanner = match options(&args.scan).and_then(|o| Scanner::new(&o).map_err(anyhow::Error::from)) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e:#}");
            return Ok(Exit::Usage);
        }
    };
    let report = scanner.scan(&targets).await;
    let text = render(&report, args.format, use_color(args.color, args.output.is_some()))?;
    match &args.output {
        Some(path) => std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))?,
        None => crate::write_stdout(&text)?,
    }
    let exit = Exit::from_report(&report, args.fail_under);
    if exit == Exit::BelowThreshold {
        if let Some(t) = args.fail_under {
            eprintln!("grade {} is below the threshold {t}", report.grade);
        }
    }
    Ok(exit)
}
