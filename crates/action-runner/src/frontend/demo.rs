//! `mtls-scan demo`: starts the built-in lab, scans every case as a user would, prints the report,
//! then checks each verdict against what the case is known to do.

use std::fmt::Write as _;

use mtls_lab::LabCase;
use probe_core::engine::{IdentityInputs, ScanOptions, Scanner};
use probe_core::report::TargetReport;
use probe_core::target::Target;

use super::args::DemoArgs;
use super::cli::{render, use_color};
use crate::exit::Exit;
use crate::render::Format;
use crate::stdout;

/// Runs the demo; exits 1 if any verdict is not the expected one.
pub async fn run(args: DemoArgs) -> anyhow::Result<Exit> {
    let lab = mtls_lab::start(&LabCase::ALL).await?;
    let targets: Vec<Target> = lab
        .servers
        .iter()
        .map(|s| Target::parse(&s.url))
        .collect::<Result<_, _>>()?;
    // The lab's own client identity and CA play the user's --client-cert and --issuing-ca-*.
    let identities = IdentityInputs {
        client_cert_pem: Some(lab.pki.client_cert_pem.clone()),
        client_key_pem: Some(lab.pki.client_key_pem.clone()),
        issuing_ca_cert_pem: Some(lab.pki.ca_cert_pem.clone()),
        issuing_ca_key_pem: Some(lab.pki.ca_key_pem.clone()),
    };
    // The lab CA is the trust anchor for the lab's server certificates, as `--ca-file` would be.
    let extra_roots = probe_core::identity::parse_certs(&lab.pki.ca_cert_pem, "lab CA")?;
    let options = ScanOptions {
        system_roots: false,
        identities,
        extra_roots,
        ..ScanOptions::default()
    };
    let report = Scanner::new(&options)?.scan(&targets).await;
    let color = use_color(args.color, false);
    let mut out = render(
        &report,
        args.format,
        color,
        None,
        crate::exit::FailOn::Grade,
    )?;
    let (table, all_ok) = check(&lab, &report.targets);
    if args.format == Format::Text {
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

fn check(lab: &mtls_lab::Lab, reports: &[TargetReport]) -> (String, bool) {
    let mut table = String::from("Lab verdicts (expected → got):\n");
    // A report short of a target is wrong, whatever the targets it holds say.
    let mut all_ok = lab.servers.len() == reports.len();
    for (server, t) in lab.servers.iter().zip(reports) {
        let want = server.case.expected();
        let whole = server.case.deep_verdict();
        let grade = t.grade.to_string();
        let mut every: Vec<&str> = t.findings.iter().map(|f| f.id.as_str()).collect();
        every.sort_unstable();
        let auth = serde_json::to_value(t.client_auth)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        let mut got: Vec<&str> = t
            .findings
            .iter()
            .filter(|f| f.implied_by.is_none())
            .map(|f| f.id.as_str())
            .collect();
        got.sort_unstable();
        let expected = want.deep_roots();
        let verified = want.client_auth == "none"
            || t.verification == probe_core::verdict::Verification::Verified;
        // Every case of the lab can be judged whole: an incomplete one (exit 3 for a user) is wrong.
        // Every probe ran (the lab's identity and issuing CA let each one run), and the grade and
        // every finding, implied ones too, are the case's: a probe that skips itself or never
        // raises an implied finding is wrong here too.
        let ok = t.error.is_none()
            && t.incomplete.is_empty()
            && t.skipped_probes.is_empty()
            && auth == want.client_auth
            && got == expected
            && grade == whole.grade
            && every == whole.findings
            && verified;
        all_ok &= ok;
        let _ = writeln!(
            table,
            "  {} {:<18} {:<58} client_auth {:<8} {}",
            if ok { "✓" } else { "✗" },
            server.case.name(),
            server.case.description(),
            auth,
            if ok {
                finding_list(&got)
            } else {
                format!(
                    "expected {} / {} / grade {} with {}, got {} / {} / grade {grade} with {}{}",
                    want.client_auth,
                    finding_list(&expected),
                    whole.grade,
                    finding_list(whole.findings),
                    auth,
                    finding_list(&got),
                    finding_list(&every),
                    if t.skipped_probes.is_empty() {
                        String::new()
                    } else {
                        format!(
                            " ({} probes skipped: {})",
                            t.skipped_probes.len(),
                            t.skipped_probes
                                .iter()
                                .map(|s| s.id.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        )
                    }
                )
            }
        );
    }
    let _ = writeln!(
        table,
        "{}",
        if all_ok {
            "All lab verdicts are right."
        } else {
            "Some lab verdicts are WRONG."
        }
    );
    (table, all_ok)
}

/// Finding ids as a demo table shows them: comma-separated, or "no findings".
pub(crate) fn finding_list(ids: &[&str]) -> String {
    if ids.is_empty() {
        "no findings".to_owned()
    } else {
        ids.join(", ")
    }
}
