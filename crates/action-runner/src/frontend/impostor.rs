//! `mtls-scan impostor`: the client half. Plays servers a client must refuse, with the client
//! command run once per scenario (or, with `--serve`, until SIGTERM), and reports whether the
//! client checked them, with the grade, outputs and exit codes of `scan`. `--demo` runs built-in
//! careful and careless clients and checks their verdicts.
//!
//! Every error names its flag; setup errors (a bad `--name`, an address in use, an unreadable CA)
//! are usage errors (exit 2). A run whose control scenario never got the client's request is an
//! error of its target: exit 3, never a pass. A scenario the client must refuse in which it was
//! not seen to refuse (no connection, a time-out) makes the target incomplete: B at best, exit 3.

use std::fmt::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

use probe_core::impostor::demo::DemoClient;
use probe_core::impostor::{
    target_report, Client, ClientCommand, Impostor, ImpostorOptions, ImpostorRun, ServePlan,
    TrustedCaPem,
};
use probe_core::report::Report;

use super::args::ImpostorArgs;
use super::cli;
use crate::exit::Exit;
use crate::render::Format;
use crate::stdout;

fn usage(e: impl std::fmt::Display) -> anyhow::Result<Exit> {
    crate::err_line!("error: {e:#}");
    Ok(Exit::Usage)
}

/// Runs `impostor`.
pub async fn run(args: ImpostorArgs) -> anyhow::Result<Exit> {
    // `--demo` writes to the terminal alone: a report file named with it was left empty, exit 0.
    if args.demo {
        let named: Vec<&str> = args.report.named_paths().iter().map(|(f, _)| *f).collect();
        let baseline = args.report.baseline.is_some().then_some("--baseline");
        if let Some(flag) = named.into_iter().chain(baseline).next() {
            return usage(format!(
                "{flag} is not taken with --demo, which writes its report to the terminal only"
            ));
        }
    }
    let mut extra = Vec::new();
    extra.extend(args.ca_out.as_deref().map(|p| ("--ca-out", p)));
    extra.extend(args.env_file.as_deref().map(|p| ("--env-file", p)));
    if let Err(e) = cli::check_outputs(&args.report, &extra) {
        return usage(format!("{e:#}"));
    }
    if args.demo {
        return demo(&args).await;
    }
    let Some(name) = args.name.clone() else {
        return usage("--name is required");
    };
    if !args.serve {
        // clap's `requires = "serve"` is met by the flag's default: said here instead.
        let serve_only = [
            ("--scenarios", !args.scenarios.is_empty()),
            ("--port-per-scenario", args.port_per_scenario),
            ("--connections", args.connections.is_some()),
            ("--duration", args.duration.is_some()),
            ("--env-file", args.env_file.is_some()),
        ];
        if let Some((flag, _)) = serve_only.iter().find(|(_, given)| *given) {
            return usage(format!(
                "{flag} is for serve mode (--serve); a wrapped run plays every scenario"
            ));
        }
    }
    if !args.serve && args.command.is_empty() {
        return usage(
            "give the client command after `--` (mtls-scan impostor --name HOST -- CMD ARGS...), \
             or --serve, or --demo",
        );
    }
    let trusted_ca = match trusted_ca(&args) {
        Ok(t) => t,
        Err(e) => return usage(e),
    };
    let baseline = match cli::baseline(&args.report) {
        Ok(b) => b,
        Err(e) => return usage(e),
    };
    // An IP literal for a name: listen on it when it is a loopback address and --listen was
    // left on 127.0.0.1 (`--name ::1` listened on 127.0.0.1: the client never reached it).
    let listen = match name.trim_matches(['[', ']']).parse::<std::net::IpAddr>() {
        Ok(ip) if ip.is_loopback() && args.listen.ip() == std::net::Ipv4Addr::LOCALHOST => {
            std::net::SocketAddr::new(ip, args.listen.port())
        }
        _ => args.listen,
    };
    let options = ImpostorOptions {
        name,
        listen,
        trusted_ca,
        request_client_cert: args.request_client_cert,
        scenario_timeout: Duration::from_secs_f64(args.scenario_timeout),
    };
    let run = if args.serve {
        serve(&args, options).await
    } else {
        wrapped(&args, options).await
    };
    let run = match run {
        Ok(r) => r,
        Err(e) => return usage(e),
    };
    let in_a_shell = matches!(
        (args.command.first(), args.command.get(1)),
        (Some(p), Some(c)) if c == "-c"
            && Path::new(p)
                .file_name()
                .is_some_and(|n| ["sh", "bash", "dash", "zsh", "ksh", "ash"].iter().any(|s| n == *s))
    );
    if !in_a_shell
        && args
            .command
            .iter()
            .any(|a| a.to_string_lossy().contains("$MTLS_IMPOSTOR"))
        && run
            .scenario(probe_core::impostor::Scenario::Control)
            .is_none_or(|s| !s.got_request())
    {
        crate::err_line!(
            "hint: the command's arguments are not expanded by a shell: wrap it, e.g. \
             -- sh -c 'curl \"$MTLS_IMPOSTOR_URL\"'"
        );
    }
    let mut report = report_of(vec![run])?;
    cli::finish(
        &mut report,
        None,
        baseline.as_ref(),
        &args.report,
        crate::exit::Threshold::resolve(args.report.fail_under, None),
    )
}

/// `--trusted-ca-cert` and `--trusted-ca-key`, read.
fn trusted_ca(args: &ImpostorArgs) -> Result<Option<TrustedCaPem>, String> {
    let read = |flag: &str, p: &Path| {
        crate::files::read_text(p, crate::files::PEM_LIMIT, "a PEM file")
            .map_err(|e| format!("--{flag}: cannot read {}: {e}", p.display()))
    };
    match (&args.trusted_ca_cert, &args.trusted_ca_key) {
        (Some(c), Some(k)) => Ok(Some(TrustedCaPem {
            cert_pem: read("trusted-ca-cert", c)?,
            key_pem: read("trusted-ca-key", k)?,
        })),
        (None, None) => Ok(None),
        _ => Err("--trusted-ca-cert and --trusted-ca-key go together".to_owned()),
    }
}

/// One target per run (the runs keep the target's normalised URL), in one report.
fn report_of(mut runs: Vec<ImpostorRun>) -> anyhow::Result<Report> {
    let mut targets = Vec::new();
    for run in &mut runs {
        let t = target_report(run)?;
        run.url = t.url.clone();
        targets.push(t);
    }
    let ms = runs.iter().map(|r| r.duration_ms).sum();
    let mut report = Report::new(targets, ms);
    report.impostor = runs;
    Ok(report)
}

fn write_ca_out(args: &ImpostorArgs, impostor: &Impostor) -> Result<(), String> {
    match &args.ca_out {
        Some(p) => std::fs::write(p, impostor.ca_pem())
            .map_err(|e| format!("--ca-out: cannot write {}: {e}", p.display())),
        None => Ok(()),
    }
}

fn ca_origin(args: &ImpostorArgs) -> &'static str {
    if args.trusted_ca_cert.is_some() {
        "the --trusted-ca-cert CA"
    } else {
        "a CA minted for this run"
    }
}

async fn wrapped(args: &ImpostorArgs, options: ImpostorOptions) -> Result<ImpostorRun, String> {
    let command =
        ClientCommand::from_argv(&args.command).ok_or("give the client command after `--`")?;
    let scenarios = options.scenarios();
    let limit = options.scenario_timeout.as_secs_f64();
    let impostor = Impostor::start(options).await.map_err(|e| flag_error(&e))?;
    write_ca_out(args, &impostor)?;
    let client = Client::Command(command);
    crate::err_line!(
        "impostor: {} as {} (trusting {}): running `{}` once per scenario ({}), at most {limit} s each",
        impostor.local_addr(),
        impostor.url(),
        ca_origin(args),
        client.program_name().unwrap_or_default(),
        scenarios
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(", "),
    );
    // On SIGTERM or SIGINT the scenario under way is cut (the client's process group killed),
    // the rest recorded as not played: the report says so (incomplete), and the CA's temporary
    // directory goes with the impostor.
    let stop = Stop::install(None).map_err(|e| format!("cannot catch signals: {e}"))?;
    let run = impostor.run_wrapped_until(&client, stop.wait()).await;
    if let Some(why) = &run.ended_by {
        crate::err_line!(
            "impostor: stopped by {why}: the client was killed; the report covers what ran"
        );
    }
    Ok(run)
}

/// An impostor error, in the flags' terms.
fn flag_error(e: &probe_core::impostor::ImpostorError) -> String {
    use probe_core::impostor::ImpostorError as E;
    match e {
        E::InvalidName { .. } | E::ReservedName { .. } => format!("--name: {e}"),
        E::Bind { .. } => format!("--listen: {e}"),
        other => other.to_string(),
    }
}

async fn serve(args: &ImpostorArgs, options: ImpostorOptions) -> Result<ImpostorRun, String> {
    let scenarios = if args.scenarios.is_empty() {
        options.scenarios()
    } else {
        args.scenarios.clone()
    };
    if !scenarios.iter().any(|s| s.must_be_refused()) {
        return Err(
            "--scenarios: give at least one scenario the client must refuse (self-signed, \
             untrusted-ca, expired, wrong-host, forged-ca, non-ca-issuer, \
             requests-client-cert): the control alone tests nothing"
                .to_owned(),
        );
    }
    let plan = ServePlan {
        scenarios,
        port_per_scenario: args.port_per_scenario,
        max_connections: args.connections,
    };
    let mut impostor = Impostor::start(options).await.map_err(|e| flag_error(&e))?;
    if plan.port_per_scenario {
        impostor
            .bind_per_scenario(&plan.ordered())
            .await
            .map_err(|e| format!("--port-per-scenario: {e}"))?;
    }
    // The signal handlers exist before anyone is told the impostor is ready.
    let stop = Stop::install(args.duration).map_err(|e| format!("cannot catch signals: {e}"))?;
    write_ca_out(args, &impostor)?;
    let env = impostor.client_env();
    if let Some(path) = &args.env_file {
        append(path, &env_file_lines(&env, args.ca_out.as_deref())?)
            .map_err(|e| format!("--env-file: cannot write {}: {e}", path.display()))?;
    }
    let how = if plan.port_per_scenario {
        plan.ordered()
            .iter()
            .map(|s| {
                let port = env
                    .get(&format!("MTLS_IMPOSTOR_PORT_{}", s.env_suffix()))
                    .cloned()
                    .unwrap_or_else(|| impostor.local_addr().port().to_string());
                format!("{s} on port {port}")
            })
            .collect::<Vec<_>>()
            .join(", ")
    } else {
        format!(
            "one scenario per connection in turn: {}",
            plan.ordered()
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    let until = {
        let mut until = vec!["SIGTERM or SIGINT".to_owned()];
        if let Some(n) = args.connections {
            until.push(format!("{n} connections"));
        }
        if let Some(d) = args.duration {
            until.push(format!("{d} s"));
        }
        until.join(", ")
    };
    crate::err_line!(
        "impostor: serving {} as {} (trusting {}), {how}, until {until}",
        impostor.local_addr(),
        impostor.url(),
        ca_origin(args),
    );
    Ok(impostor.serve(&plan, stop.wait()).await)
}

/// What `--env-file` appends (`KEY=value` lines): the impostor's own `MTLS_IMPOSTOR_*`
/// variables only, never `SSL_CERT_FILE`, `CURL_CA_BUNDLE` and the like. Appended to
/// `$GITHUB_ENV`, those replaced every later step's trust with a CA in a temporary directory
/// removed when the impostor stops: git, pip and curl to real sites broke for the rest of the
/// job. The client under test gets them in its own step, from `MTLS_IMPOSTOR_CA_FILE`, which is
/// the `--ca-out` copy (absolute) when there is one: it outlives the impostor.
fn env_file_lines(
    env: &probe_core::impostor::ClientEnv,
    ca_out: Option<&Path>,
) -> Result<String, String> {
    let mut lines = String::new();
    for (k, v) in env.iter().filter(|(k, _)| k.starts_with("MTLS_IMPOSTOR_")) {
        let v = match ca_out {
            Some(p) if k == "MTLS_IMPOSTOR_CA_FILE" => std::path::absolute(p)
                .map_err(|e| format!("--ca-out: {}: {e}", p.display()))?
                .display()
                .to_string(),
            _ => v.clone(),
        };
        // One variable a line: a line break in a value would set another variable.
        if v.contains(['\n', '\r']) {
            return Err(format!(
                "--env-file: {k} would hold a line break ({v:?}): choose a path without one"
            ));
        }
        let _ = writeln!(lines, "{k}={v}");
    }
    Ok(lines)
}

fn append(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(path)?;
    f.write_all(text.as_bytes())
}

/// What stops serve mode: SIGTERM, SIGINT, or `--duration`.
struct Stop {
    #[cfg(unix)]
    term: tokio::signal::unix::Signal,
    #[cfg(unix)]
    int: tokio::signal::unix::Signal,
    duration: Option<f64>,
}

impl Stop {
    fn install(duration: Option<f64>) -> std::io::Result<Self> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            Ok(Self {
                term: signal(SignalKind::terminate())?,
                int: signal(SignalKind::interrupt())?,
                duration,
            })
        }
        #[cfg(not(unix))]
        Ok(Self { duration })
    }

    async fn wait(mut self) -> String {
        let duration = self.duration;
        let timer = async move {
            match duration {
                Some(d) => {
                    tokio::time::sleep(Duration::from_secs_f64(d)).await;
                    format!("--duration {d}")
                }
                None => std::future::pending().await,
            }
        };
        #[cfg(unix)]
        {
            tokio::select! {
                _ = self.term.recv() => "SIGTERM".to_owned(),
                _ = self.int.recv() => "SIGINT".to_owned(),
                why = timer => why,
            }
        }
        #[cfg(not(unix))]
        {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => "Ctrl-C".to_owned(),
                why = timer => why,
            }
        }
    }
}

/// `--demo`: each built-in client against its own impostor (with `--request-client-cert`), the
/// report, then each verdict against what the client is known to do; exit 1 if one is wrong.
async fn demo(args: &ImpostorArgs) -> anyhow::Result<Exit> {
    let started = Instant::now();
    let mut runs = Vec::new();
    for kind in DemoClient::ALL {
        let mut options = ImpostorOptions::new(args.name.as_deref().unwrap_or("localhost"));
        options.listen = args.listen;
        options.request_client_cert = true;
        options.scenario_timeout = Duration::from_secs_f64(args.scenario_timeout.min(5.0));
        let impostor = match Impostor::start(options).await {
            Ok(i) => i,
            Err(e) => return usage(flag_error(&e)),
        };
        runs.push(impostor.run_wrapped(&kind.client()?).await);
    }
    let mut report = report_of(runs)?;
    report.duration_ms = started.elapsed().as_secs_f64() * 1000.0;
    let mut table = String::from("Impostor demo verdicts (expected → got):\n");
    let mut all_ok = true;
    for (kind, t) in DemoClient::ALL.iter().zip(&report.targets) {
        let got: Vec<&str> = t.findings.iter().map(|f| f.id.as_str()).collect();
        let want: Vec<&str> = kind.expected().iter().map(|f| f.as_str()).collect();
        let ok = t.error.is_none() && !t.is_incomplete() && got == want;
        all_ok &= ok;
        let _ = writeln!(
            table,
            "  {} {:<18} {:<56} grade {}  {}",
            if ok { "✓" } else { "✗" },
            kind.name(),
            kind.description(),
            t.grade,
            if ok {
                super::demo::finding_list(&got)
            } else {
                format!(
                    "expected {}, got {}",
                    super::demo::finding_list(&want),
                    super::demo::finding_list(&got)
                )
            }
        );
    }
    let _ = writeln!(
        table,
        "{}",
        if all_ok {
            "All impostor verdicts are right."
        } else {
            "Some impostor verdicts are WRONG."
        }
    );
    let color = cli::use_color(args.report.color, false);
    let mut out = cli::render(
        &report,
        args.report.format,
        color,
        None,
        args.report.fail_on,
    )?;
    if args.report.format == Format::Text {
        out.push('\n');
        out.push_str(&table);
    } else {
        crate::err_text!("{table}");
    }
    stdout::write(&out)?;
    Ok(if all_ok {
        Exit::Ok
    } else {
        Exit::BelowThreshold
    })
}
