//! `mtls-scan`: the command-line scanner and GitHub Action runner. Thin: parses the arguments,
//! starts tracing and the runtime, runs a front end of the `action_runner` library and returns
//! its exit code.

use std::process::ExitCode;

use action_runner::exit::Exit;
use action_runner::frontend::args::{Cli, Command};
use action_runner::frontend::{action, cli, demo, impostor};
use clap::Parser as _;

fn init_tracing(verbose: u8) {
    // rustls warns about what servers send (a renegotiation request it declines, unusual
    // alerts): for a scanner those are facts in the report, not problems of the run.
    let default = match verbose {
        0 => "warn,rustls=error",
        1 => "info,rustls=error",
        _ => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    // Colour only on a terminal: a runner's log shows escape codes as they are.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
}

/// The runtime. One target given to `scan` (a terminal's run, a PR check's) gets a current-thread
/// runtime: its probes wait on the network, not on each other's CPU, and every hand-off of a task
/// to a parked worker thread cost up to a millisecond on a 2-core VM (a fifth of a scan of a
/// server that serves anonymous clients: issue 15); slow work a TLS callback needs at once (RSA
/// key generation) then runs in place (`identity::off_the_worker`). Everything else (a config's
/// targets, the Action, the demo lab, the impostor) gets a worker per core: many targets need
/// every core's handshakes. Workers get the main thread's 8 MiB stack (a probe's deepest await
/// chain, forged headers judged against the protected page through another name, is large in a
/// debug build).
fn build_runtime(command: &Command) -> std::io::Result<tokio::runtime::Runtime> {
    let one_target = matches!(command, Command::Scan(a)
        if a.config.is_none() && action_runner::parse::url_lines(&a.urls).nth(1).is_none());
    if one_target {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .thread_stack_size(8 << 20)
            .enable_all()
            .build()
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                Exit::Usage.into()
            } else {
                Exit::Ok.into()
            };
        }
    };
    init_tracing(cli.verbose);
    // One crypto provider in the whole build, installed before anything builds a TLS config.
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let runtime = match build_runtime(&cli.command) {
        Ok(r) => r,
        Err(e) => {
            action_runner::err_line!("error: cannot start the runtime: {e}");
            return Exit::Usage.into();
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Scan(args) => cli::scan(args).await,
            Command::Merge(args) => cli::merge(args).await,
            Command::Demo(args) => demo::run(args).await,
            Command::Action => action::run().await,
            Command::Impostor(args) => impostor::run(args).await,
        }
    });
    let exit = match result {
        Ok(exit) => exit,
        Err(e) => {
            action_runner::err_line!("error: {e:#}");
            Exit::Usage
        }
    };
    // Every output is written and flushed by now (stdout is flushed by `exit` itself), and the
    // runtime's threads are idle: ending the process at once spares their orderly shutdown
    // (joining each thread and freeing what they hold), which no output waits for.
    std::process::exit(i32::from(exit.code()))
}
