//! `mtls-scan action`: the GitHub Action runner contract, all in the binary.
//!
//! In order: mask every line of every secret input; read and validate every input and the config
//! (`::error` and exit 2 on any problem); scan; apply the config's policy and the baseline; print the text report to the log with workflow commands stopped
//! (it quotes servers); write the JSON report and the SARIF file to the workspace; append the job
//! summary and the outputs; annotate the findings, worst first; end with an `::error` that states
//! the grade and the threshold when the grade is below it (or lists the new findings, with
//! `fail-on: new`) (exit 1), or names the targets that could not be scanned (exit 3); then, with
//! `comment` or `check-run`, publish to the pull request through the GitHub API (a warning at
//! worst: the API never changes the exit code).

pub mod annotations;
pub mod api;
pub mod check_run;
pub mod commands;
pub mod comment;
pub mod context;
pub mod inputs;
pub mod outputs;
pub mod setup;
pub mod summary;

use std::collections::BTreeSet;
use std::path::Path;

use probe_core::finding::Severity;
use probe_core::policy;
use probe_core::report::Report;
use probe_core::scan::Scanner;

use self::commands::{Command, StopCommands};
use self::inputs::{Env, InputError, Inputs};
use self::setup::Setup;
use crate::exit::Exit;
use crate::render;

/// `n` random bytes as lower-case hex (delimiters and tokens that no text can guess).
pub fn random_hex(n: usize) -> std::io::Result<String> {
    use aws_lc_rs::rand::SecureRandom as _;
    let mut bytes = vec![0u8; n];
    aws_lc_rs::rand::SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| std::io::Error::other("the system random generator failed"))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Writes one line to stdout, where the runner reads workflow commands.
fn say(line: impl std::fmt::Display) -> std::io::Result<()> {
    crate::write_stdout(&format!("{line}\n"))
}

/// Masks every line of a secret not masked yet.
fn mask(secret: &str, masked: &mut BTreeSet<String>) -> std::io::Result<()> {
    for line in inputs::mask_lines(secret) {
        if masked.insert(line.to_owned()) {
            say(Command::add_mask(line))?;
        }
    }
    Ok(())
}

/// Runs the Action in this process's environment.
pub async fn run() -> anyhow::Result<Exit> {
    let env = Env::from_process();
    // First of all, before anything else is printed: mask the secrets as given.
    let mut masked = BTreeSet::new();
    for name in inputs::SECRET_INPUTS {
        if let Some(value) = env.raw_input(name) {
            mask(value, &mut masked)?;
        }
    }
    let inputs = match Inputs::parse(&env) {
        Ok(i) => i,
        Err(errors) => return bad_inputs(&env, &errors),
    };
    let setup = match Setup::new(&inputs) {
        Ok(s) => s,
        Err(errors) => return bad_inputs(&env, &errors),
    };
    // Keys given as paths, in the inputs or the config: mask what the files hold too.
    for secret in inputs
        .secret_texts()
        .chain(setup.secrets.iter().map(String::as_str))
    {
        mask(secret, &mut masked)?;
    }
    let scanner = match Scanner::new(&setup.options) {
        Ok(s) => s,
        Err(e) => {
            let temp = setup
                .ca_temp
                .as_ref()
                .map(|t| t.path().display().to_string());
            let message = input_names(&e.to_string(), temp.as_deref());
            say(Command::error(format!("{message}. Nothing was scanned."))
                .property("title", "mtls-scan: invalid input"))?;
            let _ = summary_error(&env, &[message]);
            return Ok(Exit::Usage);
        }
    };

    let targets = match inputs.shard {
        Some((i, of)) => policy::shard(&setup.targets, i, of),
        None => setup.targets.clone(),
    };
    let n = targets.len();
    say(format_args!(
        "mtls-scan {}: scanning {n} target{}",
        env!("CARGO_PKG_VERSION"),
        if n == 1 { "" } else { "s" }
    ))?;
    let mut report = scanner.scan(&targets).await;
    drop(scanner);
    if let Some(c) = &setup.config {
        let today = time::OffsetDateTime::now_utc().date();
        for w in policy::apply(&mut report, &c.policies(), &c.suppressions(), today) {
            say(Command::warning(w.to_string()).property("title", "mtls-scan: config"))?;
        }
    }
    if let Some(base) = &setup.baseline {
        policy::compare_baseline(&mut report, base);
    }

    log_text_report(&report)?;
    match write_files(&env, &inputs, &report) {
        Ok(()) => {}
        Err(e) => {
            say(Command::error(format!("cannot write the reports: {e:#}"))
                .property("title", "mtls-scan"))?;
            return Ok(Exit::Usage);
        }
    }
    let rest_hint = format!(
        "see the job summary and the SARIF file {}",
        inputs.sarif_file.shown
    );
    let (last, exit) = verdict(&report, &inputs);
    let reserved = last.iter().filter(|c| c.name() == "error").count();
    for c in annotations::annotations(&report, &rest_hint, reserved) {
        say(c)?;
    }
    for c in last {
        say(c)?;
    }
    if exit == Exit::Ok {
        let against = if inputs.fail_on_new {
            "has no new finding against the baseline".to_owned()
        } else {
            format!("meets the threshold {}", inputs.fail_under)
        };
        say(format_args!(
            "Grade {} (score {}) {against}: {}.",
            report.grade,
            report.score,
            counts(&report)
        ))?;
    }
    // `comment` and `check-run`: warnings at worst, never another exit code.
    api::publish(&env, &inputs, &report, exit).await?;
    Ok(exit)
}

fn counts(report: &Report) -> String {
    let findings = report.findings().count();
    format!(
        "{findings} finding{}, {} critical",
        if findings == 1 { "" } else { "s" },
        report.count_at_least(Severity::Critical)
    )
}

/// Prints the text report inside a log group, with workflow commands stopped: it quotes servers.
fn log_text_report(report: &Report) -> std::io::Result<()> {
    let text = render::text::render(report, false);
    let mut stop = StopCommands::new()?;
    while text.contains(&stop.resume()) {
        stop = StopCommands::new()?;
    }
    say(Command::new(
        "group",
        format!("mtls-scan report: grade {}", report.grade),
    ))?;
    say(stop.stop())?;
    crate::write_stdout(&text)?;
    if !text.ends_with('\n') {
        say("")?;
    }
    say(stop.resume())?;
    say(Command::new("endgroup", ""))
}

/// Writes the JSON report and the SARIF file, then the summary and the outputs.
fn write_files(env: &Env, inputs: &Inputs, report: &Report) -> anyhow::Result<()> {
    use anyhow::Context as _;
    let write = |path: &Path, text: &str| -> anyhow::Result<()> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))
    };
    write(&inputs.report_file.real, &render::json::render(report)?)?;
    let location = context::sarif_location(env, inputs);
    write(
        &inputs.sarif_file.real,
        &render::sarif::render(report, Some(&location))?,
    )?;

    if let Some(path) = env.var("GITHUB_STEP_SUMMARY") {
        let files = (
            inputs.report_file.shown.as_str(),
            inputs.sarif_file.shown.as_str(),
        );
        summary::append(Path::new(path), report, inputs.fail_under, files)
            .context("writing the job summary")?;
    }
    if let Some(path) = env.var("GITHUB_OUTPUT") {
        let outputs = [
            ("grade", report.grade.to_string()),
            ("score", report.score.to_string()),
            ("findings", report.findings().count().to_string()),
            (
                "critical",
                report.count_at_least(Severity::Critical).to_string(),
            ),
            ("report", inputs.report_file.shown.clone()),
            ("sarif-file", inputs.sarif_file.shown.clone()),
        ];
        outputs::append(Path::new(path), &outputs).context("writing the step outputs")?;
    }
    let summary = if env.var("GITHUB_STEP_SUMMARY").is_some() {
        " and the job summary"
    } else {
        ""
    };
    say(format_args!(
        "Wrote the JSON report {}, the SARIF file {}{summary}.",
        inputs.report_file.shown, inputs.sarif_file.shown
    ))?;
    Ok(())
}

/// The exit code, and the final `::error`s that say why the step fails.
fn verdict(report: &Report, inputs: &Inputs) -> (Vec<Command>, Exit) {
    let mut last = Vec::new();
    let fails = if inputs.fail_on_new {
        let new = policy::new_findings(report);
        if !new.is_empty() {
            let baseline = inputs.baseline.as_ref().map_or("", |b| b.shown.as_str());
            last.push(
                Command::error(format!(
                    "{} new finding{} against the baseline {baseline} (fail-on: new): {}. Grade {} (score {}).",
                    new.len(),
                    if new.len() == 1 { "" } else { "s" },
                    new.join(", "),
                    report.grade,
                    report.score
                ))
                .property("title", "mtls-scan: new findings"),
            );
        }
        !new.is_empty()
    } else {
        let below = report.grade < inputs.fail_under;
        if below {
            last.push(
                Command::error(format!(
                    "Grade {} (score {}) is below the threshold {} (fail-under): {}. See the job summary.",
                    report.grade,
                    report.score,
                    inputs.fail_under,
                    counts(report)
                ))
                .property("title", "mtls-scan: grade below threshold"),
            );
        }
        below
    };
    let exit = Exit::decide(report, fails, inputs.fail_on_incomplete);
    if let Some(line) = report.incomplete_line() {
        let title = "mtls-scan: incomplete";
        last.push(if inputs.fail_on_incomplete {
            Command::error(format!("{line}.")).property("title", title)
        } else {
            Command::warning(format!("{line} (fail-on-incomplete: false)."))
                .property("title", title)
        });
    }
    let errored: Vec<&str> = report.errored().map(|t| t.url.as_str()).collect();
    if !errored.is_empty() {
        last.push(
            Command::error(format!(
                "{} of {} target{} could not be scanned: {}.",
                errored.len(),
                report.targets.len(),
                if report.targets.len() == 1 { "" } else { "s" },
                errored.join(", ")
            ))
            .property("title", "mtls-scan: targets not scanned"),
        );
    }
    (last, exit)
}

/// Reports every invalid input (and in the job summary), exit 2.
fn bad_inputs(env: &Env, errors: &[InputError]) -> anyhow::Result<Exit> {
    for e in errors {
        say(Command::error(format!("{e}."))
            .property("title", format!("mtls-scan: invalid input {}", e.input)))?;
    }
    let messages: Vec<String> = errors.iter().map(ToString::to_string).collect();
    let _ = summary_error(env, &messages);
    say(Command::error(format!(
        "{} invalid input{}: nothing was scanned.",
        errors.len(),
        if errors.len() == 1 { "" } else { "s" }
    ))
    .property("title", "mtls-scan: invalid inputs"))?;
    Ok(Exit::Usage)
}

/// A short job summary for a run that could not start.
fn summary_error(env: &Env, messages: &[String]) -> std::io::Result<()> {
    let Some(path) = env.var("GITHUB_STEP_SUMMARY") else {
        return Ok(());
    };
    let mut md = String::from("## ❌ mtls-scan: invalid inputs, nothing was scanned\n\n");
    for m in messages {
        md.push_str(&format!("- {}\n", render::markdown::text(m)));
    }
    summary::append_text(Path::new(path), &md)
}

/// Names inputs instead of the CLI's flags in the scanner's setup errors.
fn input_names(message: &str, ca_temp: Option<&str>) -> String {
    let mut m = message.to_owned();
    if let Some(t) = ca_temp {
        m = m.replace(t, "input `ca-file`");
    }
    for name in [
        "client-cert",
        "client-key",
        "issuing-ca-cert",
        "issuing-ca-key",
        "ca-file",
    ] {
        m = m.replace(&format!("--{name}"), &format!("input `{name}`"));
    }
    m
}

/// Test fixtures shared by the renderers' and the runner's unit tests.
#[cfg(test)]
pub(crate) mod testing {
    use probe_core::finding::Finding;
    use probe_core::report::TargetReport;
    use probe_core::target::Target;

    /// A judged target with these findings (built through the library, so new report fields
    /// get their defaults).
    pub(crate) fn target(url: &str, findings: Vec<Finding>) -> TargetReport {
        let Ok(t) = Target::parse(url) else {
            panic!("bad test URL {url}")
        };
        let mut r = probe_core::scan::failed(&t, String::new());
        r.error = None;
        r.score = 40;
        r.client_auth = probe_core::verdict::ClientAuth::Optional;
        r.findings = findings;
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scanner_errors_name_inputs() {
        assert_eq!(
            input_names(
                "--client-cert: the private key does not match the certificate",
                None
            ),
            "input `client-cert`: the private key does not match the certificate"
        );
        assert_eq!(
            input_names("/tmp/x.pem: no PEM certificate", Some("/tmp/x.pem")),
            "input `ca-file`: no PEM certificate"
        );
    }

    #[test]
    fn random_hex_is_random() -> std::io::Result<()> {
        let (a, b) = (random_hex(16)?, random_hex(16)?);
        assert_eq!(a.len(), 32);
        assert_ne!(a, b);
        Ok(())
    }
}
