//! `wrong-eku-client-cert`: a certificate from the staging CA the server trusts, with extended key usage serverAuth only; a server that serves it accepts certificates not meant for clients.

use super::{staging_plan, Plan, ProbeContext};

/// Runs when a staging CA is given.
pub fn plan(ctx: &ProbeContext) -> Plan {
    staging_plan(ctx, |s| &s.wrong_eku)
}
