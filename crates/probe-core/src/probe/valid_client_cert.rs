//! `valid-client-cert`: the positive control. Presents the user's identity (`--client-cert`), else
//! one minted from the staging CA. If it is not served, enforcement could not be verified: every
//! refusal elsewhere may just mean the scanner could not get in at all.

use std::sync::Arc;

use super::{Fixed, Paired, Plan, ProbeContext};

/// Runs when an identity or a staging CA is given.
pub fn plan(ctx: &ProbeContext) -> Plan {
    if let Some(id) = &ctx.client {
        Plan::Run(Some(Arc::new(Fixed(id.clone()))))
    } else if let Some(s) = &ctx.staging {
        Plan::Run(Some(Arc::new(Paired(s.valid.clone()))))
    } else {
        Plan::Skip(
            "needs --client-cert and --client-key, or --issuing-ca-cert and --issuing-ca-key"
                .into(),
        )
    }
}
