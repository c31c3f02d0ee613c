//! The command line (clap derive).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Proves whether HTTPS APIs enforce mutual-TLS client authentication, and grades them A–F.
#[derive(Debug, Parser)]
#[command(name = "mtls-scan", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
    /// Log verbosity on stderr (-v, -vv); RUST_LOG overrides it.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan one or more HTTPS URLs.
    Scan(ScanArgs),
    /// Start the built-in lab of misconfigured servers on 127.0.0.1, scan it and check every verdict.
    Demo(DemoArgs),
    /// Run as a GitHub Action: read the inputs from INPUT_* and write annotations, summary, outputs and SARIF.
    Action,
}

/// Report formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// A readable table per target, with one line per finding and its fix.
    Text,
    /// The JSON report (version 1).
    Json,
    /// SARIF 2.1.0.
    Sarif,
    /// Markdown (the job summary).
    Markdown,
}

/// Flags of `scan`.
#[derive(Debug, Args)]
pub struct ScanArgs {
    /// HTTPS URLs to scan (`https://` is assumed when no scheme is given).
    #[arg(required = true, value_name = "URL")]
    pub urls: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text, help_heading = "Output")]
    pub format: Format,
    /// Write the report to this file instead of stdout.
    #[arg(long, short, value_name = "FILE", help_heading = "Output")]
    pub output: Option<PathBuf>,
    /// Exit 1 when the grade is below this (A–F).
    #[arg(long, value_name = "GRADE", value_parser = parse_grade, help_heading = "Policy")]
    pub fail_under: Option<probe_core::grade::Grade>,
    /// Colour the text output: auto (on a terminal), always or never.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, help_heading = "Output")]
    pub color: ColorChoice,
    /// Shared scanning options.
    #[command(flatten)]
    pub scan: ScanOpts,
}

/// Options shared by every command that scans.
#[derive(Debug, Args, Clone)]
pub struct ScanOpts {
    /// Extra trust anchors for the server's certificate (PEM), beside the system roots. Repeatable.
    #[arg(long = "ca-file", value_name = "PEM", help_heading = "Trust")]
    pub ca_files: Vec<PathBuf>,
    /// Deadline of each probe, in seconds.
    #[arg(long, default_value_t = 10.0, value_name = "SECS", value_parser = parse_secs, help_heading = "Scanning")]
    pub timeout: f64,
    /// A client certificate (PEM, leaf first) the server should accept: enables the positive
    /// control and the cert-without-key probe.
    #[arg(long, value_name = "PEM", requires = "client_key", help_heading = "Identities")]
    pub client_cert: Option<PathBuf>,
    /// The private key of --client-cert (PEM). Never printed.
    #[arg(long, value_name = "PEM", requires = "client_cert", help_heading = "Identities")]
    pub client_key: Option<PathBuf>,
    /// A staging CA the server trusts (PEM): enables the expired, not-yet-valid and wrong-EKU probes.
    #[arg(long, value_name = "PEM", requires = "issuing_ca_key", help_heading = "Identities")]
    pub issuing_ca_cert: Option<PathBuf>,
    /// The private key of --issuing-ca-cert (PEM). Never printed.
    #[arg(long, value_name = "PEM", requires = "issuing_ca_cert", help_heading = "Identities")]
    pub issuing_ca_key: Option<PathBuf>,
    /// Probes in flight at once, across all targets.
    #[arg(long, default_value_t = 64, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=4096), help_heading = "Scanning")]
    pub concurrency: u16,
}

/// When to colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// On a terminal only.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// Flags of `demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Output format of the report.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Colour the text output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

fn parse_grade(s: &str) -> Result<probe_core::grade::Grade, String> {
    probe_core::grade::Grade::parse(s).ok_or_else(|| format!("{s:?} is not a grade: use A, B, C, D or F"))
}

/// Parses a positive number of seconds, at most an hour.
pub fn parse_secs(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 && v <= 3600.0 => Ok(v),
        _ => Err(format!("{s:?} is not a number of seconds between 0 and 3600")),
    }
}
