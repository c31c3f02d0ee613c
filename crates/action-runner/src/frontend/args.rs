//! The command line's arguments (clap derive). `src/main.rs` parses them; [`super::cli`] and
//! [`super::demo`] run the subcommands.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::exit::FailOn;
use crate::parse;
use crate::render::Format;

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
// Parsed once per run: the size of its largest variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan one or more HTTPS URLs.
    Scan(ScanArgs),
    /// Merge shard reports (`report-*.json`) into one report, summary and SARIF.
    Merge(MergeArgs),
    /// Start the built-in lab of misconfigured servers on 127.0.0.1, scan it and check every verdict.
    Demo(DemoArgs),
    /// Run as a GitHub Action: read the inputs from INPUT_* and write annotations, summary, outputs and SARIF.
    Action,
    /// The client half: play a server a client must refuse, and prove whether the client checks it.
    Impostor(ImpostorArgs),
}

/// Flags of `scan`.
#[derive(Debug, Args)]
pub struct ScanArgs {
    /// HTTPS URLs to scan (`https://` is assumed when no scheme is given).
    #[arg(value_name = "URL", required_unless_present = "config")]
    pub urls: Vec<String>,
    /// A YAML config: defaults, targets with an expected policy, suppressions.
    #[arg(long, value_name = "FILE", help_heading = "Fleet")]
    pub config: Option<PathBuf>,
    /// Scan only shard I of N (1-based): a deterministic slice of the targets, for a CI matrix.
    #[arg(long, value_name = "I/N", value_parser = parse::shard, help_heading = "Fleet")]
    pub shard: Option<(usize, usize)>,
    /// Total deadline of the scan, in seconds: probes still running then stop (their target
    /// keeps what the others proved, and is incomplete); targets not begun are not scanned.
    #[arg(long, value_name = "SECS", value_parser = parse::secs_long, help_heading = "Fleet")]
    pub deadline: Option<f64>,
    /// Shared report options.
    #[command(flatten)]
    pub report: ReportOpts,
    /// Shared scanning options.
    #[command(flatten)]
    pub scan: ScanOpts,
}

/// Output and policy options shared by `scan` and `merge`.
#[derive(Debug, Args, Clone)]
pub struct ReportOpts {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text, help_heading = "Output")]
    pub format: Format,
    /// Write the report to this file instead of stdout (`-`: stdout).
    #[arg(long, short, value_name = "FILE", help_heading = "Output")]
    pub output: Option<PathBuf>,
    /// Also write the JSON report here (`-`: stdout, with -o FILE for the report).
    #[arg(long, value_name = "FILE", help_heading = "Output")]
    pub json: Option<PathBuf>,
    /// Also write SARIF 2.1.0 here (`-`: stdout, with -o FILE for the report).
    #[arg(long, value_name = "FILE", help_heading = "Output")]
    pub sarif: Option<PathBuf>,
    /// The SARIF category (`automationDetails.id` = `mtls-scan/<CATEGORY>/`, plus
    /// `shard-I-of-N/` for a shard): runs of different categories are kept apart by code scanning.
    #[arg(long, value_name = "CATEGORY", value_parser = crate::render::sarif::category, help_heading = "Output")]
    pub sarif_category: Option<String>,
    /// Also write the Markdown summary here (`-`: stdout, with -o FILE for the report).
    #[arg(long, value_name = "FILE", help_heading = "Output")]
    pub markdown: Option<PathBuf>,
    /// Colour the text output: auto (on a terminal), always or never.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, help_heading = "Output")]
    pub color: ColorChoice,
    /// Exit 1 when the grade is below this (A–F), or `none` to report without failing on the
    /// grade. Default: the config's `fail-under`, else C (as the Action).
    #[arg(long, value_name = "GRADE", value_parser = parse::threshold, help_heading = "Policy")]
    pub fail_under: Option<crate::exit::Threshold>,
    /// A previous JSON report: findings are marked new, unchanged or fixed.
    #[arg(long, value_name = "FILE", help_heading = "Policy")]
    pub baseline: Option<PathBuf>,
    /// What fails the run: `grade` (below --fail-under) or `new` (a new finding against --baseline).
    #[arg(long, value_name = "grade|new", default_value = "grade", value_parser = parse::fail_on, help_heading = "Policy")]
    pub fail_on: FailOn,
    /// Exit 3 when a target is incomplete (a probe that could have raised a finding could not be
    /// read, even after retries) and nothing else fails; `false` only warns.
    #[arg(long, value_name = "BOOL", default_value_t = true, action = clap::ArgAction::Set, value_parser = parse::boolean, help_heading = "Policy")]
    pub fail_on_incomplete: bool,
}

/// Whether an output path is `-`: stdout, not a file named `-`.
pub fn is_stdout(p: &std::path::Path) -> bool {
    p.as_os_str() == "-"
}

impl ReportOpts {
    /// Every file the report is written to (`-`, stdout, is no file).
    pub fn paths(&self) -> Vec<&std::path::Path> {
        self.named_paths().into_iter().map(|(_, p)| p).collect()
    }

    /// Every file the report is written to, with the option that names it (`--sarif`); `-`
    /// (stdout) is no file.
    pub fn named_paths(&self) -> Vec<(&'static str, &std::path::Path)> {
        self.given_paths()
            .into_iter()
            .filter(|(_, p)| !is_stdout(p))
            .collect()
    }

    fn given_paths(&self) -> Vec<(&'static str, &std::path::Path)> {
        [
            ("--output", &self.output),
            ("--json", &self.json),
            ("--sarif", &self.sarif),
            ("--markdown", &self.markdown),
        ]
        .into_iter()
        .filter_map(|(name, p)| p.as_deref().map(|p| (name, p)))
        .collect()
    }

    /// `--output`'s file: `None` when the report goes to stdout (no `-o`, or `-o -`).
    pub fn output_file(&self) -> Option<&std::path::Path> {
        self.output.as_deref().filter(|p| !is_stdout(p))
    }

    /// The outputs written to stdout: the `--format` report without `-o` or with `-o -`, and
    /// each of `--json`, `--sarif`, `--markdown` given as `-`.
    pub fn to_stdout(&self) -> Vec<&'static str> {
        let mut out = Vec::new();
        if self.output_file().is_none() {
            out.push(if self.output.is_some() {
                "-o -"
            } else {
                "the --format report (no -o)"
            });
        }
        out.extend(
            self.given_paths()
                .into_iter()
                .filter(|(name, p)| *name != "--output" && is_stdout(p))
                .map(|(name, _)| match name {
                    "--json" => "--json -",
                    "--sarif" => "--sarif -",
                    _ => "--markdown -",
                }),
        );
        out
    }
}

/// Flags of `merge`.
#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Shard reports (JSON) to merge.
    #[arg(required = true, value_name = "REPORT")]
    pub reports: Vec<PathBuf>,
    /// A config whose suppressions and expected policies apply to the merged report.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Output and policy options.
    #[command(flatten)]
    pub report: ReportOpts,
}

/// Options shared by every command that scans.
#[derive(Debug, Args, Clone)]
pub struct ScanOpts {
    /// Extra trust anchors for the server's certificate (PEM), beside the system roots. Repeatable.
    #[arg(long = "ca-file", value_name = "PEM", help_heading = "Trust")]
    pub ca_files: Vec<PathBuf>,
    /// Deadline of each probe's attempt, in seconds [default: 10]; an attempt that times out is
    /// tried again (up to 3 attempts), so `--deadline` is what bounds the whole scan.
    #[arg(long, value_name = "SECS", value_parser = parse::secs, help_heading = "Scanning")]
    pub timeout: Option<f64>,
    /// A client certificate (PEM, leaf first) the server should accept: enables the positive
    /// control and the cert-without-key probe.
    #[arg(
        long,
        value_name = "PEM",
        requires = "client_key",
        help_heading = "Identities"
    )]
    pub client_cert: Option<PathBuf>,
    /// The private key of --client-cert (PEM). Never printed.
    #[arg(
        long,
        value_name = "PEM",
        requires = "client_cert",
        help_heading = "Identities"
    )]
    pub client_key: Option<PathBuf>,
    /// A staging CA the server trusts (PEM): enables the expired, not-yet-valid and wrong-EKU probes.
    #[arg(
        long,
        value_name = "PEM",
        requires = "issuing_ca_key",
        help_heading = "Identities"
    )]
    pub issuing_ca_cert: Option<PathBuf>,
    /// The private key of --issuing-ca-cert (PEM). Never printed.
    #[arg(
        long,
        value_name = "PEM",
        requires = "issuing_ca_cert",
        help_heading = "Identities"
    )]
    pub issuing_ca_key: Option<PathBuf>,
    /// Probes in flight at once, across all targets [default: 64].
    #[arg(long, value_name = "N", value_parser = parse::concurrency, help_heading = "Scanning")]
    pub concurrency: Option<u16>,
    /// Probes in flight at once per host:port (per address and port for targets given one with
    /// --resolve), so one server is not hammered [default: 16].
    #[arg(long, value_name = "N", value_parser = parse::concurrency, help_heading = "Scanning")]
    pub per_host: Option<u16>,
    /// Connect to ADDR for HOST:PORT, keeping HOST for SNI, Host and certificate checks (as curl's
    /// --resolve). Repeatable.
    #[arg(long, value_name = "HOST:PORT:ADDR", value_parser = crate::parse::resolve, help_heading = "Scanning")]
    pub resolve: Vec<probe_core::target::Resolve>,
    /// A sibling name served on the same address, tried as SNI by the bypass probes (beside the
    /// names of the served certificate). Repeatable.
    #[arg(long = "sni-name", value_name = "NAME", value_parser = crate::parse::dns_name, help_heading = "Scanning")]
    pub sni_names: Vec<String>,
    /// Another port of the same host whose server may share the target's TLS sessions (a public
    /// port of the same process, one session-ticket key): a session taken there without a
    /// certificate is offered on the target. Repeatable.
    #[arg(long = "sibling-port", value_name = "PORT", value_parser = crate::parse::port, help_heading = "Scanning")]
    pub sibling_ports: Vec<u16>,
    /// A header sent on every probe request, e.g. 'Authorization: Bearer …' (its value is never
    /// printed). Repeatable.
    // Taken as given (a parser that cannot fail) and checked by `cli::headers`: clap quotes a
    // value its parser refuses, and a `--header "$TOKEN"` without its name is the secret itself.
    #[arg(long = "header", short = 'H', value_name = "NAME: VALUE", value_parser = clap::builder::TypedValueParser::map(clap::builder::OsStringValueParser::new(), RawHeader), help_heading = "Scanning")]
    pub headers: Vec<RawHeader>,
    /// Switch a probe off, by id (e.g. tls-config-exposed on production). Repeatable.
    #[arg(long = "skip-probe", value_name = "ID", value_parser = crate::parse::probe_id, help_heading = "Scanning")]
    pub skip_probes: Vec<probe_core::facts::ProbeId>,
    /// The TLS versions the server speaks (1.3, 1.2; comma-separated or repeated). Every version
    /// is still probed: one left out whose handshakes close before the server's certificate is
    /// read as not spoken (Python asyncio sends no protocol_version alert), one the server answers
    /// is judged all the same.
    #[arg(long = "tls-versions", value_name = "VERSIONS", value_delimiter = ',', value_parser = crate::parse::tls_version, help_heading = "Scanning")]
    pub tls_versions: Vec<probe_core::facts::TlsVersion>,
}

/// A `--header` as given, checked later (`cli::headers`). Its Debug never shows it: it may be a
/// secret (a token given without its name).
#[derive(Clone)]
pub struct RawHeader(pub std::ffi::OsString);

impl std::fmt::Debug for RawHeader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RawHeader(<not shown>)")
    }
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

/// Flags of `impostor`.
#[derive(Debug, Args)]
pub struct ImpostorArgs {
    /// The host name (or IP address) the client expects: the control certificate names it.
    #[arg(long, value_name = "HOST", required_unless_present = "demo")]
    pub name: Option<String>,
    /// Where the impostor listens.
    #[arg(long, value_name = "ADDR:PORT", default_value = "127.0.0.1:0")]
    pub listen: std::net::SocketAddr,
    /// A CA the client already trusts (PEM), instead of one minted for the run.
    #[arg(
        long,
        value_name = "PEM",
        requires = "trusted_ca_key",
        help_heading = "Identities"
    )]
    pub trusted_ca_cert: Option<PathBuf>,
    /// The private key of --trusted-ca-cert (PEM). Never printed.
    #[arg(
        long,
        value_name = "PEM",
        requires = "trusted_ca_cert",
        help_heading = "Identities"
    )]
    pub trusted_ca_key: Option<PathBuf>,
    /// Add a scenario: an untrusted server that asks for the client's certificate.
    #[arg(long)]
    pub request_client_cert: bool,
    /// Time limit of the client in each scenario, in seconds (it is killed after); also each
    /// connection's limit for its handshake, and as long again for its request, in serve mode
    /// too.
    #[arg(long, value_name = "SECS", default_value = "10", value_parser = parse::secs)]
    pub scenario_timeout: f64,
    /// Copy the CA the client must trust (PEM) to this file.
    #[arg(long, value_name = "FILE")]
    pub ca_out: Option<PathBuf>,
    /// Serve until SIGTERM (or --connections, --duration), for a client that cannot be wrapped.
    #[arg(long, conflicts_with = "command", help_heading = "Serve mode")]
    pub serve: bool,
    /// Scenarios to serve, comma-separated [default: all; the control is always served].
    #[arg(long, value_name = "LIST", value_delimiter = ',', value_parser = scenario, requires = "serve", help_heading = "Serve mode")]
    pub scenarios: Vec<probe_core::impostor::Scenario>,
    /// One port per scenario (the listen port and the next ones) instead of one scenario per connection in turn.
    #[arg(long, requires = "serve", help_heading = "Serve mode")]
    pub port_per_scenario: bool,
    /// Stop serving after this many connections.
    #[arg(long, value_name = "N", requires = "serve", value_parser = clap::value_parser!(u64).range(1..), help_heading = "Serve mode")]
    pub connections: Option<u64>,
    /// Stop serving after this many seconds.
    #[arg(long, value_name = "SECS", requires = "serve", value_parser = parse::secs_long, help_heading = "Serve mode")]
    pub duration: Option<f64>,
    /// Append the impostor's MTLS_IMPOSTOR_* variables (KEY=value lines) to this file once listening, e.g. "$GITHUB_ENV" (MTLS_IMPOSTOR_CA_FILE is the --ca-out copy when given).
    #[arg(
        long,
        value_name = "FILE",
        requires = "serve",
        help_heading = "Serve mode"
    )]
    pub env_file: Option<PathBuf>,
    /// Run built-in clients (careful, careless, name-blind) instead of a command, and check their verdicts.
    #[arg(long, conflicts_with_all = ["command", "serve"])]
    pub demo: bool,
    /// Output and policy options.
    #[command(flatten)]
    pub report: ReportOpts,
    /// The client command and its arguments, after `--`: run once per scenario.
    #[arg(last = true, value_name = "CMD")]
    pub command: Vec<std::ffi::OsString>,
}

/// A scenario name of `--scenarios`.
fn scenario(s: &str) -> Result<probe_core::impostor::Scenario, String> {
    probe_core::impostor::Scenario::parse(s).ok_or_else(|| {
        let known: Vec<&str> = probe_core::impostor::Scenario::ALL
            .iter()
            .map(|s| s.as_str())
            .collect();
        format!("{s:?} is not a scenario: use {}", known.join(", "))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The parsed arguments' Debug never shows a `--header` (a token given without its name is
    /// the secret itself).
    #[test]
    fn header_values_never_reach_debug() -> Result<(), clap::Error> {
        let cli = Cli::try_parse_from([
            "mtls-scan",
            "scan",
            "https://127.0.0.1:8443/",
            "-H",
            "Authorization: Bearer s3cret-t0ken",
            "--header=s3cret-t0ken",
        ])?;
        let shown = format!("{cli:?}");
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(shown.contains("RawHeader(<not shown>)"), "{shown}");
        Ok(())
    }
}
