//! A target's incomplete probes as the renderers show them: one line per reason, naming the
//! probes (with their TLS versions) that gave it, and which rows of the probe table the verdict
//! could not read.

use probe_core::facts::{IncompleteProbe, Outcome, ProbeObservation, TlsVersion};
use probe_core::report::TargetReport;

/// One entry per reason an incomplete probe (or impostor scenario) gives, in the report's order:
/// the reason, and the probes that give it with their TLS versions ([`probes`]). Probes that
/// could not be read for the same reason (three certificate probes closed alike on one version)
/// share one entry, so that a long reason is read once.
pub(crate) fn by_reason(t: &TargetReport) -> Vec<(&str, String)> {
    let mut grouped: Vec<(&str, Vec<&IncompleteProbe>)> = Vec::new();
    for i in &t.incomplete {
        match grouped.iter_mut().find(|(r, _)| *r == i.reason) {
            Some((_, probes)) => probes.push(i),
            None => grouped.push((&i.reason, vec![i])),
        }
    }
    grouped
        .into_iter()
        .map(|(reason, probes)| (reason, self::probes(&probes)))
        .collect()
}

/// The probes of one reason, each with its TLS versions: `a (TLS 1.3)`, `a, b, c (TLS 1.2)` when
/// they share their versions, `a (TLS 1.2), b (TLS 1.2, TLS 1.3)` when they do not.
fn probes(probes: &[&IncompleteProbe]) -> String {
    let mut each: Vec<(&str, Vec<TlsVersion>)> = Vec::new();
    for i in probes {
        let versions = match each.iter_mut().find(|(p, _)| *p == i.probe) {
            Some((_, versions)) => versions,
            None => {
                each.push((&i.probe, Vec::new()));
                match each.last_mut() {
                    Some((_, versions)) => versions,
                    None => continue,
                }
            }
        };
        // One version once (the forged probe has an entry per CA name it forged).
        if let Some(v) = i.tls_version.filter(|v| !versions.contains(v)) {
            versions.push(v);
        }
    }
    let on = |versions: &[TlsVersion]| {
        if versions.is_empty() {
            return String::new();
        }
        let shown: Vec<String> = versions.iter().map(ToString::to_string).collect();
        format!(" ({})", shown.join(", "))
    };
    let first = each.first().map(|(_, v)| v.clone()).unwrap_or_default();
    if each.iter().all(|(_, v)| *v == first) {
        let names: Vec<&str> = each.iter().map(|(p, _)| *p).collect();
        format!("{}{}", names.join(", "), on(&first))
    } else {
        let shown: Vec<String> = each.iter().map(|(p, v)| format!("{p}{}", on(v))).collect();
        shown.join(", ")
    }
}

/// A refusal the verdict could not count as one: the observation's probe (on its TLS version,
/// or on any when the entry names none) is listed in `incomplete` (a bare close without a served
/// positive control, a 403 that cannot be told from the path's own). Its row is shown as unread:
/// the raw outcome stays a fact of the JSON report, but the table must not read as a refusal.
pub(crate) fn unread(t: &TargetReport, o: &ProbeObservation) -> bool {
    matches!(o.outcome, Outcome::RefusedTls | Outcome::RefusedHttp)
        && t.incomplete
            .iter()
            .any(|i| i.probe == o.id.as_str() && i.tls_version.is_none_or(|v| v == o.tls_version))
}

#[cfg(test)]
mod tests {
    use probe_core::facts::{IncompleteProbe, TlsVersion};

    /// The forged probe leaves an entry per CA name it forged: each version is named once
    /// (before: `forged-client-cert (TLS 1.3, TLS 1.3, TLS 1.3, …)`).
    #[test]
    fn a_version_is_named_once() {
        let mut t = probe_core::engine::failed_named(
            "https://a.test/".into(),
            String::new(),
            String::new(),
        );
        for v in [
            TlsVersion::Tls13,
            TlsVersion::Tls13,
            TlsVersion::Tls12,
            TlsVersion::Tls13,
        ] {
            t.incomplete.push(IncompleteProbe {
                probe: "forged-client-cert".into(),
                tls_version: Some(v),
                reason: "closed".into(),
            });
        }
        let lines = super::by_reason(&t);
        assert_eq!(
            lines,
            [("closed", "forged-client-cert (TLS 1.3, TLS 1.2)".to_owned())]
        );
    }
}
