//! `untrusted-client-cert`: presents a certificate from a CA minted on the spot, whose key type the
//! server's CertificateRequest accepts. A server that serves it does not verify the chain.

use std::sync::Arc;

use super::{Paired, Plan, ProbeContext};

/// Always runs.
pub fn plan(ctx: &ProbeContext) -> Plan {
    Plan::Run(Some(Arc::new(Paired(ctx.untrusted.clone()))))
}
