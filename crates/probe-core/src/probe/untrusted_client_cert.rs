//! `untrusted-client-cert`: presents a certificate from a CA minted on the spot, whose key type the
//! server's CertificateRequest accepts. A server that serves it does not verify the chain.

use std::sync::Arc;

use rustls::SignatureScheme;

use super::{Plan, ProbeContext};
use crate::handshake::CertChooser;
use crate::identity::{ClientIdentity, IdentityPair};

/// Presents the minted identity in the key type the server accepts.
#[derive(Debug)]
pub struct Untrusted(pub Arc<IdentityPair>);

impl CertChooser for Untrusted {
    fn choose(&self, _hints: &[&[u8]], schemes: &[SignatureScheme]) -> Option<ClientIdentity> {
        self.0.for_schemes(schemes)
    }
}

/// Always runs.
pub fn plan(ctx: &ProbeContext) -> Plan {
    Plan::Run(Some(Arc::new(Untrusted(ctx.untrusted.clone()))))
}
