//! `no-client-cert`: the baseline. Presents no certificate, and records whether the server sent a
//! CertificateRequest, its CA names and signature schemes, any alert, and the HTTP answer.

use super::{Plan, ProbeContext};

/// Always runs, with no certificate.
pub fn plan(_ctx: &ProbeContext) -> Plan {
    Plan::Run(None)
}
