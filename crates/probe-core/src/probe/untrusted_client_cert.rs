//! `untrusted-client-cert`: presents a certificate from a CA minted on the spot, whose key type the
//! server's CertificateRequest accepts. A server that serves it does not verify the chain.

use std::sync::Arc;

use super::{
    served_with, Judged, Paired, Plan, Probe, ProbeContext, ProbeId, ProbeSpec, VersionView,
};
use crate::finding::FindingId;

/// The probe.
pub struct UntrustedClientCert;

static SPEC: ProbeSpec = ProbeSpec {
    id: ProbeId::UntrustedClientCert,
    presents: "a certificate from a CA minted on the spot",
    needs: "—",
    findings: &[FindingId::UntrustedClientCertAccepted],
};

impl Probe for UntrustedClientCert {
    fn spec(&self) -> &'static ProbeSpec {
        &SPEC
    }

    fn plan(&self, ctx: &ProbeContext) -> Plan {
        Plan::Run(Some(Arc::new(Paired(ctx.untrusted.clone()))))
    }

    fn judge<'a>(&self, view: &VersionView<'a>) -> Vec<Judged<'a>> {
        served_with(
            view,
            self.id(),
            FindingId::UntrustedClientCertAccepted,
            "a certificate issued by a CA minted for this scan",
        )
    }
}
