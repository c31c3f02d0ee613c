//! `expired-client-cert`: a certificate from the staging CA the server trusts, expired yesterday; a server that serves it does not check validity dates.

use super::{staging_plan, Plan, ProbeContext};

/// Runs when a staging CA is given.
pub fn plan(ctx: &ProbeContext) -> Plan {
    staging_plan(ctx, |s| &s.expired)
}
