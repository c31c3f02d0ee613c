//! `mtls-scan action`: the GitHub Action's runner contract.
//!
//! In order: mask every line of every secret input; read and validate every input and the config
//! (`::error` and exit 2 on any problem); build the scan options through the same
//! [`crate::pipeline`] as the command line; scan; apply the config's policy and the
//! baseline; print the text report to the log with workflow commands stopped (it quotes servers);
//! write the JSON report and the SARIF file to the workspace; append the job summary and the
//! outputs; annotate the findings, worst first; end with an `::error` that states the grade and
//! the threshold when the grade is below it (or lists the new findings, with `fail-on: new`)
//! (exit 1), or names the targets that could not be scanned (exit 3); then, with `comment` or
//! `check-run`, publish to the pull request through the GitHub API (a warning at worst: the API
//! never changes the exit code).

use std::collections::BTreeSet;
use std::path::Path;

use anyhow::Context as _;
use probe_core::engine::Scanner;
use probe_core::report::Report;

use crate::exit::{Decision, Exit, FailOn, Gate};
use crate::github::commands::{one_line, Command, StopCommands};
use crate::github::env::Env;
use crate::github::inputs::{self, InputError, Inputs};
use crate::github::setup::Setup;
use crate::github::summary::{self, counts, RunInfo};
use crate::github::{annotations, context, outputs, publish};
use crate::pipeline;
use crate::render;
use crate::render::sarif::SarifOptions;
use crate::stdout::{self, line as say};

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
    run_in(&Env::from_process()).await
}

/// Runs the Action in this environment.
pub async fn run_in(env: &Env) -> anyhow::Result<Exit> {
    // First of all, before anything else is printed: mask the secrets as given.
    let mut masked = BTreeSet::new();
    for name in inputs::SECRET_INPUTS {
        for value in env.raw_inputs(name) {
            mask(value, &mut masked)?;
            if *name == "headers" {
                for part in inputs::header_value_masks(value) {
                    mask(part, &mut masked)?;
                }
            }
        }
    }
    // A plain-value input that looks like a key, or spans lines where one line is expected (a
    // secret pasted into the wrong input), is masked too: it is refused without being quoted,
    // and nothing printed later may show it either.
    for name in inputs::ONE_LINE_INPUTS.iter().chain(inputs::LIST_INPUTS) {
        for value in env.raw_inputs(name) {
            if inputs::withheld(name, value).is_some() {
                for line in inputs::withheld_mask_lines(value) {
                    mask(line, &mut masked)?;
                }
            }
        }
    }
    // Files given as paths that hold a private key (whatever the input: a `config` that is a
    // symlink to the key file) are masked before any error is printed.
    let mut read = Vec::new();
    let parsed = Inputs::parse_masking(env, &mut read);
    for secret in &read {
        mask(secret, &mut masked)?;
    }
    let inputs = match parsed {
        Ok(i) => i,
        Err(errors) => return bad_inputs(env, &errors),
    };
    let mut read = Vec::new();
    let setup = Setup::new_masking(&inputs, &mut read);
    for secret in &read {
        mask(secret, &mut masked)?;
    }
    let setup = match setup {
        Ok(s) => s,
        Err(errors) => return bad_inputs(env, &errors),
    };
    for w in &setup.warnings {
        say(Command::warning(format!("{w}."))
            .property("title", format!("mtls-scan: input {}", w.input)))?;
    }
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
            let error = e.worded(|n| format!("input `{n}`"));
            return scanner_refused(env, &inputs, &setup, &error);
        }
    };
    let targets = pipeline::shard_named(setup.targets.clone(), inputs.shard).await;
    let n = targets.len();
    if let (Some((i, count)), 0) = (inputs.shard, n) {
        let why = pipeline::empty_shard(i, count, setup.targets.len());
        say(Command::error(why).property("title", "mtls-scan: empty shard"))?;
    }
    say(format_args!(
        "mtls-scan {}: scanning {n} target{}",
        env!("CARGO_PKG_VERSION"),
        if n == 1 { "" } else { "s" }
    ))?;
    let mut report = scanner.scan(&targets).await;
    report.shard = probe_core::report::ShardOf::of(
        inputs.shard,
        Some(probe_core::report::ShardOf::list_of(
            setup.targets.iter().map(|t| t.url.as_str()),
        )),
    );
    drop(scanner);
    for w in pipeline::apply_policy(&mut report, setup.config.as_ref(), setup.baseline.as_ref()) {
        say(Command::warning(w).property("title", "mtls-scan: config"))?;
    }
    super::action_words::reword_report(&mut report);
    let urls: Vec<(&str, &str)> = report
        .targets
        .iter()
        .map(|t| (t.url.as_str(), t.host_port.as_str()))
        .collect();
    let location = context::sarif_location(env, &inputs, setup.config.as_ref(), &urls);
    let run = RunInfo {
        fail_under: setup.fail_under,
        no_fail_under: setup.no_fail_under,
        fail_on_new: inputs.fail_on_new,
        incomplete_passes: !inputs.fail_on_incomplete,
        report_file: inputs.report_file.shown.clone(),
        sarif_file: inputs.sarif_file.shown.clone(),
        shard: inputs.shard,
        category: inputs.category.clone(),
        annotations_path: location
            .as_ref()
            .map_or_else(|| ".github".to_owned(), |l| l.uri.clone()),
        annotation_lines: location
            .as_ref()
            .map(|l| {
                report
                    .targets
                    .iter()
                    .map(|t| (t.url.clone(), l.span_of(&t.url).line.max(1)))
                    .collect()
            })
            .unwrap_or_default(),
    };
    let sarif = SarifOptions {
        location,
        category: inputs.category.clone(),
        shard: inputs.shard,
    };
    finish(env, &inputs, &run, &sarif, &report).await
}

/// The log, the files, the annotations, the final errors and the API: everything after the scan.
async fn finish(
    env: &Env,
    inputs: &Inputs,
    run: &RunInfo,
    sarif: &SarifOptions,
    report: &Report,
) -> anyhow::Result<Exit> {
    log_text_report(report)?;
    if let Err(e) = write_files(env, inputs, run, sarif, report) {
        say(Command::error(format!("cannot write the reports: {e:#}"))
            .property("title", "mtls-scan"))?;
        return Ok(Exit::Usage);
    }
    let gate = Gate {
        fail_under: run.threshold_grade(),
        fail_on: if inputs.fail_on_new {
            FailOn::New
        } else {
            FailOn::Grade
        },
        fail_on_incomplete: inputs.fail_on_incomplete,
    };
    let decision = gate.decide(report);
    let last = final_commands(report, inputs, run, &decision);
    let rest_hint = format!(
        "see the job summary and the SARIF file {}",
        inputs.sarif_file.shown
    );
    for c in annotations::annotations(report, &rest_hint, &last) {
        say(c)?;
    }
    for c in last {
        say(c)?;
    }
    if decision.exit == Exit::Ok {
        let against = if inputs.fail_on_new {
            "has no new finding against the baseline".to_owned()
        } else if run.no_fail_under {
            "fails nothing (fail-under: none)".to_owned()
        } else {
            format!("meets the threshold {}", run.fail_under)
        };
        say(format_args!(
            "Grade {} (score {}) {against}: {}.",
            report.grade,
            report.score,
            counts(report)
        ))?;
    }
    // `comment` and `check-run`: warnings at worst, never another exit code.
    publish::publish(env, inputs, run, report, decision.exit).await?;
    Ok(decision.exit)
}

/// Prints the text report inside a log group, with workflow commands stopped: it quotes servers.
fn log_text_report(report: &Report) -> std::io::Result<()> {
    let text = render::text::render(report, false);
    let mut stop = StopCommands::new()?;
    while text.contains(&stop.resume()) {
        stop = StopCommands::new()?;
    }
    let title = if report.targets.is_empty() {
        "mtls-scan report: no target scanned".to_owned()
    } else {
        format!("mtls-scan report: grade {}", report.grade)
    };
    say(Command::new("group", title))?;
    say(stop.stop())?;
    stdout::write(&text)?;
    if !text.ends_with('\n') {
        say("")?;
    }
    say(stop.resume())?;
    say(Command::new("endgroup", ""))
}

/// Writes the report (`report-file`, in `format`) and the SARIF file inside the workspace or
/// `RUNNER_TEMP` (never through a symlink), then the summary and the outputs.
fn write_files(
    env: &Env,
    inputs: &Inputs,
    run: &RunInfo,
    sarif: &SarifOptions,
    report: &Report,
) -> anyhow::Result<()> {
    let temp = env.var("RUNNER_TEMP").map(std::path::PathBuf::from);
    let write = |path: &Path, text: &str| -> anyhow::Result<()> {
        let root = match &temp {
            Some(t) if !path.starts_with(&inputs.workspace) && path.starts_with(t) => t.as_path(),
            _ => inputs.workspace.as_path(),
        };
        crate::files::write_contained(root, path, text)
            .with_context(|| format!("writing {}", path.display()))
    };
    let sarif_text = render::sarif::render_with(report, sarif)?;
    let report_text = match inputs.format {
        render::Format::Sarif => sarif_text.clone(),
        // The report file is under no limit of GitHub's: every section (an audit's was cut at
        // the job summary's 1 MiB, its note pointing at itself).
        render::Format::Markdown => summary::render(report, run, usize::MAX),
        other => render::render(report, other, false, run.threshold_grade())?,
    };
    write(&inputs.report_file.real, &report_text)?;
    write(&inputs.sarif_file.real, &sarif_text)?;
    if let Some(path) = env.var("GITHUB_STEP_SUMMARY") {
        summary::append(Path::new(path), report, run).context("writing the job summary")?;
    }
    if let Some(path) = env.var("GITHUB_OUTPUT") {
        let new = inputs
            .baseline
            .is_some()
            .then(|| probe_core::policy::new_findings(report).len());
        let values = outputs::of_report(report, &run.report_file, &run.sarif_file, new);
        outputs::append(Path::new(path), &values).context("writing the step outputs")?;
    }
    let summary = if env.var("GITHUB_STEP_SUMMARY").is_some() {
        " and the job summary"
    } else {
        ""
    };
    // A plain line, not a command: the paths are the user's, so nothing in them may end it.
    say(format_args!(
        "Wrote the report {}, the SARIF file {}{summary}.",
        one_line(&run.report_file),
        one_line(&run.sarif_file)
    ))?;
    Ok(())
}

/// The final `::error`s (and warning) that say why the step fails, in the inputs' terms.
pub fn final_commands(
    report: &Report,
    inputs: &Inputs,
    run: &RunInfo,
    decision: &Decision,
) -> Vec<Command> {
    let mut last = Vec::new();
    let new = &decision.new_findings;
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
    if decision.below_threshold {
        last.push(
            Command::error(format!(
                "Grade {} (score {}) is below the threshold {} (fail-under){}: {}. See the job summary.",
                report.grade,
                report.score,
                run.fail_under,
                crate::render::capped::capped_line(report)
                    .map(|why| format!(", {why}"))
                    .unwrap_or_default(),
                counts(report)
            ))
            .property("title", "mtls-scan: grade below threshold"),
        );
    }
    if let Some(line) = report.incomplete_line() {
        let title = "mtls-scan: incomplete";
        last.push(if inputs.fail_on_incomplete {
            Command::error(format!("{line}.")).property("title", title)
        } else {
            Command::warning(format!("{line} (fail-on-incomplete: false)."))
                .property("title", title)
        });
    }
    if let Some(line) = crate::render::not_scanned_line(report, false) {
        last.push(
            Command::error(format!("{line}.")).property("title", "mtls-scan: targets not scanned"),
        );
    }
    last
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

/// The scanner refused its options (a key that does not match its certificate…): exit 2, the
/// title naming the input when the message names one (`mtls-scan: invalid input ca-file`).
fn scanner_refused(env: &Env, inputs: &Inputs, setup: &Setup, error: &str) -> anyhow::Result<Exit> {
    let ca = match (&inputs.ca_file, &setup.ca_temp) {
        (Some(inputs::CaSource::File(p)), _) => Some(p.real.display().to_string()),
        (_, Some(t)) => Some(t.path().display().to_string()),
        _ => None,
    };
    let mut message = input_names(error, ca.as_deref());
    if let Some(c) = &setup.config {
        for p in &c.file.defaults.ca_files {
            let real = c.resolve(p).display().to_string();
            if message.contains(&real) {
                message = message.replace(
                    &real,
                    &format!(
                        "input `config`: its ca-files entry {:?}",
                        p.display().to_string()
                    ),
                );
            }
        }
    }
    let title = match named_input(&message) {
        Some(name) => format!("mtls-scan: invalid input {name}"),
        None => "mtls-scan: invalid input".to_owned(),
    };
    say(Command::error(format!("{message}. Nothing was scanned.")).property("title", title))?;
    let _ = summary_error(env, &[message]);
    Ok(Exit::Usage)
}

/// The first input a message names (`input \`ca-file\``).
fn named_input(message: &str) -> Option<&str> {
    let start = message.find("input `")? + "input `".len();
    let rest = message.get(start..)?;
    rest.get(..rest.find('`')?)
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

/// The scanner's setup error, with the `ca-file` input's file (or the temporary file that holds
/// it when given as text) named as the input.
fn input_names(message: &str, ca_file: Option<&str>) -> String {
    match ca_file {
        Some(t) => message.replace(t, "input `ca-file`"),
        None => message.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scanner_errors_name_inputs() {
        assert_eq!(
            input_names("/tmp/x.pem: no PEM certificate", Some("/tmp/x.pem")),
            "input `ca-file`: no PEM certificate"
        );
        assert_eq!(
            named_input("input `ca-file`: no PEM certificate"),
            Some("ca-file")
        );
        assert_eq!(
            named_input("the key does not match input `client-cert`"),
            Some("client-cert")
        );
        assert_eq!(named_input("/x.pem: no PEM certificate"), None);
    }
}
