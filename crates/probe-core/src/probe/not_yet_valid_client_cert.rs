//! `not-yet-valid-client-cert`: a certificate from the staging CA the server trusts, valid only from tomorrow; a server that serves it does not check notBefore.

use super::{staging_plan, Plan, ProbeContext};

/// Runs when a staging CA is given.
pub fn plan(ctx: &ProbeContext) -> Plan {
    staging_plan(ctx, |s| &s.not_yet_valid)
}
