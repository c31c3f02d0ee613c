//! From the validated inputs, and the config file when one is given, to what the scan needs: the
//! targets, the scanner's options and the threshold (through [`pipeline::settings`], as the
//! command line builds them), the policy and the baseline. Inputs win over the config's
//! defaults; the config adds its targets to `api-url`'s.

use std::path::PathBuf;

use probe_core::engine::ScanOptions;
use probe_core::grade::Grade;
use probe_core::report::Report;
use probe_core::target::Target;

use super::inputs::{CaSource, InputError, Inputs, WorkspacePath};
use crate::config::Config;
use crate::pipeline::{self, Given, Pem, Unreadable};

/// The threshold when neither the `fail-under` input nor the config's `fail-under` gives one.
pub use crate::exit::DEFAULT_FAIL_UNDER;

/// Everything the scan needs, beyond the inputs.
pub struct Setup {
    /// The config file, loaded.
    pub config: Option<Config>,
    /// `api-url`'s targets, then the config's that are not among them.
    pub targets: Vec<Target>,
    /// The scanner's options.
    pub options: ScanOptions,
    /// The threshold: the input's, else the config's, else [`DEFAULT_FAIL_UNDER`].
    pub fail_under: Grade,
    /// `fail-under: none`, from the input or else the config: never fail on the grade.
    pub no_fail_under: bool,
    /// The baseline report, for `fail-on: new`: empty when the `baseline` file is not there yet
    /// (every finding is then new; see `warnings`).
    pub baseline: Option<Report>,
    /// Problems with inputs that do not stop the run (a `baseline` file not there yet), for
    /// `::warning`s.
    pub warnings: Vec<InputError>,
    /// Key texts read from paths in the config (masked like the inputs' keys).
    pub secrets: Vec<String>,
    /// `ca-file` given as PEM text, written to a file the scanner reads; removed on drop.
    pub ca_temp: Option<tempfile::NamedTempFile>,
}

fn error(input: &'static str, message: impl Into<String>) -> InputError {
    InputError {
        input,
        message: message.into(),
    }
}

impl Setup {
    /// Loads the config and the baseline and builds the options; returns every problem.
    pub fn new(inputs: &Inputs) -> Result<Self, Vec<InputError>> {
        Self::new_masking(inputs, &mut Vec::new())
    }

    /// [`Setup::new`], adding to `secrets` every text read that holds a private key, even when
    /// it fails (to be masked before any error is printed).
    pub fn new_masking(
        inputs: &Inputs,
        read_secrets: &mut Vec<String>,
    ) -> Result<Self, Vec<InputError>> {
        let mut errors = Vec::new();
        let config = keep(
            &mut errors,
            load_config(inputs.config.as_ref(), read_secrets),
        );
        let mut warnings = Vec::new();
        let baseline = keep(
            &mut errors,
            read_baseline(inputs.baseline.as_ref(), &mut warnings),
        );
        let ca_temp = keep(&mut errors, write_ca_text(inputs.ca_file.as_ref()));
        let given = given(inputs, ca_temp.as_ref());
        let targets = pipeline::targets(&inputs.targets, &given, config.as_ref());
        if targets.is_empty() && errors.is_empty() {
            errors.push(error(
                "api-url",
                "no target: give one https:// URL or more, or a config that lists targets",
            ));
        }
        let settings = pipeline::settings_masking(&given, config.as_ref(), read_secrets)
            .map_err(|unreadable| {
                errors.extend(unreadable.iter().map(|e| config_error(e, config.as_ref())))
            })
            .ok();
        match settings {
            Some(mut s) if errors.is_empty() => Ok(Self {
                secrets: {
                    // Header values from the config are secrets like the keys it names, the
                    // credential after an auth scheme alone too (as the `headers` input's).
                    s.secrets.extend(config.iter().flat_map(|c| {
                        c.file.defaults.headers.iter().flat_map(|h| {
                            h.1.to_str()
                                .map(|v| {
                                    super::inputs::header_value_parts(v)
                                        .map(str::to_owned)
                                        .collect::<Vec<_>>()
                                })
                                .unwrap_or_default()
                        })
                    }));
                    std::mem::take(&mut s.secrets)
                },
                config,
                targets,
                options: s.options,
                fail_under: s
                    .fail_under
                    .and_then(crate::exit::Threshold::grade)
                    .unwrap_or(DEFAULT_FAIL_UNDER),
                no_fail_under: s.fail_under == Some(crate::exit::Threshold::None),
                baseline,
                warnings,
                ca_temp,
            }),
            _ => Err(errors),
        }
    }
}

/// The value, or `None` with its error kept.
fn keep<T>(errors: &mut Vec<InputError>, r: Result<Option<T>, InputError>) -> Option<T> {
    r.map_err(|e| errors.push(e)).ok().flatten()
}

/// What the inputs give the pipeline: PEM as text, the CA file (or the temporary file that holds
/// the CA given as text).
fn given(inputs: &Inputs, ca_temp: Option<&tempfile::NamedTempFile>) -> Given {
    let text = |t: &Option<String>| t.clone().map(Pem::Text);
    let ca_file: Option<PathBuf> = match (&inputs.ca_file, ca_temp) {
        (Some(CaSource::File(p)), _) => Some(p.real.clone()),
        (_, Some(t)) => Some(t.path().to_path_buf()),
        _ => None,
    };
    Given {
        timeout: inputs.timeout,
        deadline: inputs.deadline,
        concurrency: inputs.concurrency,
        fail_under: if inputs.no_fail_under {
            Some(crate::exit::Threshold::None)
        } else {
            inputs.fail_under.map(crate::exit::Threshold::Grade)
        },
        ca_files: ca_file.into_iter().collect(),
        client_cert: text(&inputs.client_cert),
        client_key: text(&inputs.client_key),
        issuing_ca_cert: text(&inputs.issuing_ca_cert),
        issuing_ca_key: text(&inputs.issuing_ca_key),
        resolve: inputs.resolve.clone(),
        headers: inputs.headers.clone(),
        skip_probes: inputs.skip_probes.clone(),
        tls_versions: inputs.tls_versions.clone(),
        ..Given::default()
    }
}

/// A file named in the config's defaults (or the `ca-file` input) that could not be read, or
/// does not hold what it should; a `ca-files` entry named as the config writes it.
fn config_error(e: &Unreadable, config: Option<&Config>) -> InputError {
    if !e.from_config && e.setting == "ca-file" {
        return error("ca-file", e.error.to_string());
    }
    let entry = config.and_then(|c| {
        (e.setting == "ca-files")
            .then(|| {
                c.file
                    .defaults
                    .ca_files
                    .iter()
                    .find(|p| c.resolve(p) == e.path)
            })
            .flatten()
    });
    if let Some(raw) = entry {
        let raw = raw.display().to_string();
        return error(
            "config",
            if e.content {
                format!("its ca-files entry {raw:?}: {}", e.error)
            } else {
                format!("its ca-files entry {raw:?}: cannot read: {}", e.error)
            },
        );
    }
    error(
        "config",
        format!(
            "cannot read its {} {}: {}",
            e.setting,
            e.path.display(),
            e.error
        ),
    )
}

/// The `config` input's file, loaded and validated; errors name it as given.
/// A config that holds a private key (a symlink to the key file) adds it to `secrets` and is
/// refused without a word of what it holds.
fn load_config(
    path: Option<&WorkspacePath>,
    secrets: &mut Vec<String>,
) -> Result<Option<Config>, InputError> {
    let Some(p) = path else {
        return Ok(None);
    };
    let text = crate::files::read_text(&p.real, crate::files::CONFIG_LIMIT, "a config file")
        .map_err(|e| error("config", format!("cannot read {:?}: {e}", p.shown)))?;
    if crate::config::holds_private_key(&text) {
        secrets.push(text);
        return Err(error(
            "config",
            format!(
                "{:?} holds a private key, not a config: name the YAML config file",
                p.shown
            ),
        ));
    }
    let mut config = Config::parse(&text, &p.shown).map_err(|e| error("config", e.to_string()))?;
    config.base = p.real.parent().map(PathBuf::from).unwrap_or_default();
    Ok(Some(config))
}

/// The `baseline` input's report; an empty one, with a warning, when its file is not there yet.
fn read_baseline(
    path: Option<&WorkspacePath>,
    warnings: &mut Vec<InputError>,
) -> Result<Option<Report>, InputError> {
    let Some(p) = path else {
        return Ok(None);
    };
    match pipeline::read_baseline(&p.real, &p.shown) {
        Ok(Some(report)) => Ok(Some(report)),
        Ok(None) => {
            warnings.push(error("baseline", pipeline::no_baseline(&p.shown)));
            Ok(Some(Report::new(Vec::new(), 0.0)))
        }
        Err(e) => Err(error("baseline", e)),
    }
}

/// `ca-file` given as PEM text, written to a temporary file for the scanner.
fn write_ca_text(ca: Option<&CaSource>) -> Result<Option<tempfile::NamedTempFile>, InputError> {
    let Some(CaSource::Text(pem)) = ca else {
        return Ok(None);
    };
    tempfile::Builder::new()
        .prefix("mtls-scan-ca-")
        .suffix(".pem")
        .tempfile()
        .and_then(|mut f| std::io::Write::write_all(&mut f, pem.as_bytes()).map(|()| f))
        .map(Some)
        .map_err(|e| {
            error(
                "ca-file",
                format!("cannot write it to a temporary file: {e}"),
            )
        })
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::github::env::{input_var, Env};

    fn setup(workspace: &std::path::Path, inputs: &[(&str, &str)]) -> Result<Setup, String> {
        let env: Env = inputs
            .iter()
            .map(|(k, v)| (input_var(k), (*v).to_owned()))
            .chain([(
                "GITHUB_WORKSPACE".to_owned(),
                workspace.display().to_string(),
            )])
            .collect();
        let inputs = Inputs::parse(&env).map_err(|e| format!("{e:?}"))?;
        Setup::new(&inputs).map_err(|errors| {
            let lines: Vec<String> = errors.iter().map(ToString::to_string).collect();
            lines.join("\n")
        })
    }

    /// The Action honours the config's defaults as the command line does: `timeout`,
    /// `fail-under`, `concurrency`, `per-host` and `deadline` apply unless an input says
    /// otherwise.
    #[test]
    fn the_config_defaults_apply_unless_an_input_says_otherwise(
    ) -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        std::fs::write(
            dir.path().join("m.yml"),
            "defaults:\n  timeout: 2.5\n  fail-under: A\n  concurrency: 5\n  per-host: 3\n  \
             deadline: 90\ntargets:\n  - url: https://a.example/\n",
        )?;
        let s = setup(dir.path(), &[("config", "m.yml")])?;
        assert_eq!(s.options.timeout, Duration::from_millis(2500));
        assert_eq!(s.fail_under, Grade::A);
        assert_eq!((s.options.concurrency, s.options.per_host), (5, 3));
        assert_eq!(s.options.deadline, Some(Duration::from_secs(90)));
        assert_eq!(s.targets.len(), 1);

        let s = setup(
            dir.path(),
            &[("config", "m.yml"), ("timeout", "7"), ("fail-under", "D")],
        )?;
        assert_eq!(s.options.timeout, Duration::from_secs(7));
        assert_eq!(s.fail_under, Grade::D);

        let s = setup(dir.path(), &[("api-url", "https://b.example")])?;
        assert_eq!(s.options.timeout, Duration::from_secs(10));
        assert_eq!(s.fail_under, DEFAULT_FAIL_UNDER);
        Ok(())
    }

    /// The config's header values are secrets, the credential after an auth scheme alone too:
    /// a later step that prints the bare token does not show it (a review's config `headers`
    /// masked `Bearer CFGSECRET9` only).
    #[test]
    fn the_configs_header_credentials_are_masked_alone() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        std::fs::write(
            dir.path().join("m.yml"),
            "defaults:\n  headers:\n    - \"Authorization: Bearer CFGSECRET9\"\n    - \
             \"X-Api-Key: RAWKEY777\"\ntargets:\n  - url: https://a.example/\n",
        )?;
        let s = setup(dir.path(), &[("config", "m.yml")])?;
        for secret in ["Bearer CFGSECRET9", "CFGSECRET9", "RAWKEY777"] {
            assert!(
                s.secrets.iter().any(|m| m == secret),
                "{secret}: {:?}",
                s.secrets.len()
            );
        }
        Ok(())
    }

    /// A `baseline` file not there yet (the first run) is a warning and an empty baseline; one
    /// that is there but is not a report stays an error.
    #[test]
    fn a_missing_baseline_is_empty_with_a_warning() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let inputs = [
            ("api-url", "https://a.example/"),
            ("baseline", "baseline/mtls-scan-report.json"),
            ("fail-on", "new"),
        ];
        let s = setup(dir.path(), &inputs)?;
        assert_eq!(s.baseline.as_ref().map(|b| b.targets.len()), Some(0));
        let warnings: Vec<String> = s.warnings.iter().map(ToString::to_string).collect();
        assert_eq!(
            warnings,
            ["input `baseline`: no baseline at \"baseline/mtls-scan-report.json\": every finding \
              counts as new"]
        );
        std::fs::create_dir(dir.path().join("baseline"))?;
        std::fs::write(dir.path().join("baseline/mtls-scan-report.json"), "{}")?;
        let errors = setup(dir.path(), &inputs).err().unwrap_or_default();
        assert!(
            errors.contains("input `baseline`: \"baseline/mtls-scan-report.json\" is not an mtls-scan JSON report"),
            "{errors}"
        );
        Ok(())
    }

    #[test]
    fn every_setup_problem_is_reported_at_once() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        std::fs::write(
            dir.path().join("m.yml"),
            "defaults:\n  client-key: none.key\n  client-cert: none.crt\n\
             targets:\n  - url: https://a.example/\n",
        )?;
        std::fs::write(dir.path().join("old.json"), "{\"version\": 0}")?;
        let errors = match setup(dir.path(), &[("config", "m.yml"), ("baseline", "old.json")]) {
            Ok(_) => String::new(),
            Err(e) => e,
        };
        for want in [
            "\"old.json\" is not an mtls-scan JSON report",
            "cannot read its client-cert",
            "cannot read its client-key",
        ] {
            assert!(errors.contains(want), "{want} missing from {errors}");
        }
        Ok(())
    }
}
