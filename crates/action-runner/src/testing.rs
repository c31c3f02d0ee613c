//! Test fixtures shared by the unit tests.

use probe_core::finding::Finding;
use probe_core::report::TargetReport;
use probe_core::target::Target;

/// A judged target with these findings (built through the library, so new report fields get
/// their defaults).
pub(crate) fn target(url: &str, findings: Vec<Finding>) -> TargetReport {
    let Ok(t) = Target::parse(url) else {
        panic!("bad test URL {url}")
    };
    let mut r = probe_core::engine::failed(&t, String::new());
    r.error = None;
    r.score = 40;
    r.client_auth = probe_core::verdict::ClientAuth::Optional;
    r.findings = findings.into_iter().map(Into::into).collect();
    r
}
