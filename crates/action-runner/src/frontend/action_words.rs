//! The scanner's own texts in the Action's terms: where a note, an unread probe's reason or an
//! error names a command-line flag (`--ca-file`, `--skip-probe`, `-H`), the Action's user set an
//! input instead (`ca-file`, `skip-probes`, `headers`), and is told so. Only the scanner's flags
//! are reworded, each as a whole word: another tool's flags in a fix (`curl --resolve`,
//! `etcd --client-cert-auth`) are left as they are, and so is every remediation.

use probe_core::report::Report;

/// Each flag of the scanner's that has an input of the same meaning, and that input, longest
/// flag first (`--client-cert` before `--client-key` is no matter: whole words only).
const FLAGS_AS_INPUTS: &[(&str, &str)] = &[
    ("--issuing-ca-cert", "issuing-ca-cert"),
    ("--issuing-ca-key", "issuing-ca-key"),
    ("--fail-under", "fail-under"),
    ("--client-cert", "client-cert"),
    ("--client-key", "client-key"),
    ("--concurrency", "concurrency"),
    ("--skip-probe", "skip-probes"),
    ("--baseline", "baseline"),
    ("--deadline", "deadline"),
    ("--ca-file", "ca-file"),
    ("--resolve", "resolve"),
    ("--timeout", "timeout"),
    ("--config", "config"),
    ("--shard", "shard"),
];

/// `text` with the scanner's flags said as the Action's inputs: `` `--skip-probe X` `` as
/// `` `skip-probes: X` ``, `` `--ca-file` `` and `--ca-file` as "the `ca-file` input", `-H` as
/// "the `headers` input".
pub fn reworded(text: &str) -> String {
    let mut out = text.to_owned();
    for (flag, input) in FLAGS_AS_INPUTS {
        if !out.contains(flag) {
            continue;
        }
        out = out.replace(&format!("`{flag} "), &format!("`{input}: "));
        out = replace_word(&out, &format!("`{flag}`"), &format!("the `{input}` input"));
        out = replace_word(&out, flag, &format!("the `{input}` input"));
    }
    out = out.replace("given with -H", "given in the `headers` input");
    replace_word(&out, "-H", "the `headers` input")
}

/// `text` with each whole-word `word` (not inside a longer flag or word: `--client-cert-auth`,
/// `--trusted-ca-file`, `X-H`) replaced by `with`.
fn replace_word(text: &str, word: &str, with: &str) -> String {
    let part = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '-');
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    while let Some(found) = text.get(at..).and_then(|rest| rest.find(word)) {
        let start = at + found;
        let end = start + word.len();
        let before = text.get(..start).and_then(|b| b.chars().next_back());
        let after = text.get(end..).and_then(|a| a.chars().next());
        out.push_str(text.get(at..start).unwrap_or_default());
        if part(before) || part(after) {
            out.push_str(word);
        } else {
            out.push_str(with);
        }
        at = end;
    }
    out.push_str(text.get(at..).unwrap_or_default());
    out
}

/// Rewords, in place, the report's texts the scanner wrote about itself: each target's notes,
/// error, unread probes' reasons, skipped probes' reasons and findings' details (never a fix).
pub fn reword_report(report: &mut Report) {
    for t in &mut report.targets {
        for note in &mut t.notes {
            *note = reworded(note);
        }
        if let Some(error) = t.error.as_mut() {
            *error = reworded(error);
        }
        for i in &mut t.incomplete {
            i.reason = reworded(&i.reason);
        }
        for s in &mut t.skipped_probes {
            s.reason = reworded(&s.reason);
        }
        for f in &mut t.findings {
            f.finding.detail = reworded(&f.finding.detail);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::reworded;

    /// The scanner's flags become inputs; other tools' flags and longer words stay.
    #[test]
    fn flags_are_said_as_inputs() {
        for (text, said) in [
            (
                "the headers given with -H were not sent …; if the CA is yours, give it with \
                 --ca-file (or reach an address by the certificate's name with --resolve)",
                "the headers given in the `headers` input were not sent …; if the CA is yours, \
                 give it with the `ca-file` input (or reach an address by the certificate's name \
                 with the `resolve` input)",
            ),
            (
                "graded B at best: x switched off (`--skip-probe`), so",
                "graded B at best: x switched off (the `skip-probes` input), so",
            ),
            (
                "on purpose, `--skip-probe path-form-bypass` leaves them out",
                "on purpose, `skip-probes: path-form-bypass` leaves them out",
            ),
            (
                "--client-cert needs --client-key",
                "the `client-cert` input needs the `client-key` input",
            ),
            (
                "etcd --client-cert-auth and --trusted-ca-file; X-H: 1; curl -Hx",
                "etcd --client-cert-auth and --trusted-ca-file; X-H: 1; curl -Hx",
            ),
        ] {
            assert_eq!(reworded(text), said);
        }
    }
}
