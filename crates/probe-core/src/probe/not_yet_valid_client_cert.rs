//! `not-yet-valid-client-cert`: a certificate from the staging CA, valid from tomorrow; a server that serves it does not check validity dates.

use super::{
    served_with, staging_plan, Judged, Plan, Probe, ProbeContext, ProbeId, ProbeSpec, VersionView,
};
use crate::finding::FindingId;

impl ProbeId {
    /// `not-yet-valid-client-cert`: Issued by the staging CA, not yet valid.
    pub const NOT_YET_VALID_CLIENT_CERT: ProbeId = ProbeId::new("not-yet-valid-client-cert");
}

/// The probe.
pub struct NotYetValidClientCert;

static SPEC: ProbeSpec = ProbeSpec {
    id: ProbeId::NOT_YET_VALID_CLIENT_CERT,
    presents: "a certificate from the staging CA (with the rest of its chain), valid from tomorrow, with the positive control's subject and subjectAltName",
    needs: "a staging CA the server trusts (`issuing-ca-*`)",
    findings: &[FindingId::NotYetValidClientCertAccepted],
};

impl Probe for NotYetValidClientCert {
    fn spec(&self) -> &'static ProbeSpec {
        &SPEC
    }

    fn plan(&self, ctx: &ProbeContext) -> Plan {
        staging_plan(ctx, |s| &s.not_yet_valid)
    }

    fn judge<'a>(&self, view: &VersionView<'a>) -> Vec<Judged<'a>> {
        served_with(
            view,
            self.id(),
            FindingId::NotYetValidClientCertAccepted,
            "a not-yet-valid certificate from the staging CA",
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Severity;

    #[test]
    fn judged_as_every_certificate_probe_that_must_not_get_in() {
        crate::probe::recorded::check_served_with(
            &NotYetValidClientCert,
            FindingId::NotYetValidClientCertAccepted,
            Severity::Medium,
            "a not-yet-valid certificate from the staging CA",
        );
    }
}
