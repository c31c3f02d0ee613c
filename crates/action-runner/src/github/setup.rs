//! From the validated inputs, and the config file when one is given, to what the scan needs:
//! the targets, the scanner's options, the policy and the baseline. Inputs win over the config's
//! defaults; the config adds its targets to `api-url`'s.

use std::path::Path;
use std::time::Duration;

use probe_core::report::{Report, REPORT_VERSION};
use probe_core::scan::{IdentityInputs, ScanOptions};
use probe_core::target::Target;

use super::inputs::{CaSource, InputError, Inputs};
use crate::config::Config;

/// Everything the scan needs, beyond the inputs.
pub struct Setup {
    /// The config file, loaded.
    pub config: Option<Config>,
    /// `api-url`'s targets, then the config's that are not among them.
    pub targets: Vec<Target>,
    /// The scanner's options.
    pub options: ScanOptions,
    /// The baseline report, for `fail-on: new`.
    pub baseline: Option<Report>,
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

fn read_baseline(path: &Path, shown: &str) -> Result<Report, InputError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| error("baseline", format!("cannot read {shown:?}: {e}")))?;
    let report: Report = serde_json::from_str(&text).map_err(|e| {
        error(
            "baseline",
            format!("{shown:?} is not an mtls-scan JSON report: {e}"),
        )
    })?;
    if report.version != REPORT_VERSION {
        return Err(error(
            "baseline",
            format!(
                "{shown:?} is a version {} report; this is version {REPORT_VERSION}",
                report.version
            ),
        ));
    }
    Ok(report)
}

impl Setup {
    /// Loads the config and the baseline and builds the options; returns every problem.
    pub fn new(inputs: &Inputs) -> Result<Self, Vec<InputError>> {
        let mut errors = Vec::new();
        let config = match &inputs.config {
            Some(p) => match Config::load(&p.real) {
                Ok(c) => Some(c),
                Err(e) => {
                    let message = e.to_string();
                    let real = p.real.display().to_string();
                    errors.push(error("config", message.replace(&real, &p.shown)));
                    None
                }
            },
            None => None,
        };

        let mut targets = inputs.targets.clone();
        for t in config.iter().flat_map(Config::targets) {
            if !targets.contains(&t) {
                targets.push(t);
            }
        }
        if targets.is_empty() && errors.is_empty() {
            errors.push(error(
                "api-url",
                "no target: give one https:// URL or more, or a config that lists targets",
            ));
        }

        // PEM from the inputs, else from the paths in the config's defaults.
        let mut secrets = Vec::new();
        let mut from_config =
            |given: &Option<String>,
             pick: fn(&crate::config::Defaults) -> Option<&std::path::PathBuf>,
             what: &str,
             secret: bool|
             -> Option<String> {
                if given.is_some() {
                    return given.clone();
                }
                let c = config.as_ref()?;
                let path = c.resolve(pick(&c.file.defaults)?);
                match std::fs::read_to_string(&path) {
                    Ok(text) => {
                        if secret {
                            secrets.push(text.clone());
                        }
                        Some(text)
                    }
                    Err(e) => {
                        errors.push(error(
                            "config",
                            format!("cannot read its {what} {}: {e}", path.display()),
                        ));
                        None
                    }
                }
            };
        let identities = IdentityInputs {
            client_cert_pem: from_config(
                &inputs.client_cert,
                |d| d.client_cert.as_ref(),
                "client-cert",
                false,
            ),
            client_key_pem: from_config(
                &inputs.client_key,
                |d| d.client_key.as_ref(),
                "client-key",
                true,
            ),
            issuing_ca_cert_pem: from_config(
                &inputs.issuing_ca_cert,
                |d| d.issuing_ca_cert.as_ref(),
                "issuing-ca-cert",
                false,
            ),
            issuing_ca_key_pem: from_config(
                &inputs.issuing_ca_key,
                |d| d.issuing_ca_key.as_ref(),
                "issuing-ca-key",
                true,
            ),
        };

        let baseline = match &inputs.baseline {
            Some(p) => read_baseline(&p.real, &p.shown)
                .map_err(|e| errors.push(e))
                .ok(),
            None => None,
        };

        let ca_temp = match &inputs.ca_file {
            Some(CaSource::Text(pem)) => {
                let written = tempfile::Builder::new()
                    .prefix("mtls-scan-ca-")
                    .suffix(".pem")
                    .tempfile()
                    .and_then(|mut f| {
                        std::io::Write::write_all(&mut f, pem.as_bytes()).map(|()| f)
                    });
                match written {
                    Ok(f) => Some(f),
                    Err(e) => {
                        errors.push(error(
                            "ca-file",
                            format!("cannot write it to a temporary file: {e}"),
                        ));
                        None
                    }
                }
            }
            _ => None,
        };
        if !errors.is_empty() {
            return Err(errors);
        }

        let mut options = ScanOptions {
            timeout: Duration::from_secs_f64(inputs.timeout),
            identities,
            ..ScanOptions::default()
        };
        match (&inputs.ca_file, &ca_temp) {
            (Some(CaSource::File(p)), _) => options.ca_files.push(p.real.clone()),
            (_, Some(t)) => options.ca_files.push(t.path().to_path_buf()),
            _ => {}
        }
        if let Some(c) = &config {
            let d = &c.file.defaults;
            options
                .ca_files
                .extend(d.ca_files.iter().map(|p| c.resolve(p)));
            if let Some(n) = d.concurrency {
                options.concurrency = usize::from(n);
            }
            if let Some(n) = d.per_host {
                options.per_host = usize::from(n);
            }
            options.deadline = d.deadline.map(|s| Duration::from_secs_f64(s.0));
        }
        Ok(Self {
            config,
            targets,
            options,
            baseline,
            secrets,
            ca_temp,
        })
    }
}
