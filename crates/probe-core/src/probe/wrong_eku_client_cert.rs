//! `wrong-eku-client-cert`: a certificate from the staging CA with EKU serverAuth only; a server that serves it does not check the certificate's purpose.

use super::{
    served_with, staging_plan, Judged, Plan, Probe, ProbeContext, ProbeId, ProbeSpec, VersionView,
};
use crate::finding::FindingId;

impl ProbeId {
    /// `wrong-eku-client-cert`: Issued by the staging CA with EKU serverAuth only.
    pub const WRONG_EKU_CLIENT_CERT: ProbeId = ProbeId::new("wrong-eku-client-cert");
}

/// The probe.
pub struct WrongEkuClientCert;

static SPEC: ProbeSpec = ProbeSpec {
    id: ProbeId::WRONG_EKU_CLIENT_CERT,
    presents: "a certificate from the staging CA (with the rest of its chain) with EKU serverAuth only, with the positive control's subject and subjectAltName",
    needs: "a staging CA the server trusts (`issuing-ca-*`)",
    findings: &[FindingId::WrongEkuClientCertAccepted],
};

impl Probe for WrongEkuClientCert {
    fn spec(&self) -> &'static ProbeSpec {
        &SPEC
    }

    fn plan(&self, ctx: &ProbeContext) -> Plan {
        staging_plan(ctx, |s| &s.wrong_eku)
    }

    fn judge<'a>(&self, view: &VersionView<'a>) -> Vec<Judged<'a>> {
        served_with(
            view,
            self.id(),
            FindingId::WrongEkuClientCertAccepted,
            "a certificate from the staging CA (with the rest of its chain) with EKU serverAuth only, with the positive control's subject and subjectAltName",
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
            &WrongEkuClientCert,
            FindingId::WrongEkuClientCertAccepted,
            Severity::High,
            "a certificate from the staging CA (with the rest of its chain) with EKU serverAuth only, with the positive control's subject and subjectAltName",
        );
    }
}
