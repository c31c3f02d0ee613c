//! `not-yet-valid-client-cert`: a certificate from the staging CA, valid from tomorrow; a server that serves it does not check validity dates.

use std::sync::Arc;

use super::{
    served_with, staging_plan, staging_with_ca, Judged, Plan, Probe, ProbeContext, ProbeId,
    ProbeSpec, VersionView,
};
use crate::finding::FindingId;
use crate::transport::tls::CertChooser;

impl ProbeId {
    /// `not-yet-valid-client-cert`: Issued by the staging CA, not yet valid.
    pub const NOT_YET_VALID_CLIENT_CERT: ProbeId = ProbeId::new("not-yet-valid-client-cert");
}

/// The probe.
pub struct NotYetValidClientCert;

static SPEC: ProbeSpec = ProbeSpec {
    id: ProbeId::NOT_YET_VALID_CLIENT_CERT,
    presents: "a certificate from the staging CA (with the rest of its chain), valid from tomorrow, with the positive control's subject and subjectAltName; where the staging CA is a self-signed one given alone and the leaf alone was refused (not by nginx's own certificate page), again with the staging CA's certificate after it, as clients that send their chain up to the root send it (a verifier that judges a whole chain by its signatures and a lone leaf by its library's checks lets the flaw in only then)",
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

    /// Where the leaf went alone and was refused: again with the staging CA's certificate after
    /// it ([`staging_with_ca`]).
    fn follow_up(&self, ctx: &ProbeContext, first: &VersionView<'_>) -> Vec<Arc<dyn CertChooser>> {
        staging_with_ca(ctx, first, self.id(), |s| &s.not_yet_valid)
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
