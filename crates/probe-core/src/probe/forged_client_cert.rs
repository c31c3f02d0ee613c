//! `forged-client-cert`: a certificate whose issuer Name is copied byte for byte from a CA name the
//! server advertised, signed by our own key. A server that serves it matches issuers by name, or
//! never checks the signature. Each advertised name gets its own probe (the first runs with the
//! others' baseline; the rest, up to [`MAX_NAMES`], once the names are known).

use std::sync::Arc;

use rustls::SignatureScheme;

use super::{Plan, ProbeContext};
use crate::identity::forge::Forger;
use crate::identity::{ClientIdentity, KeyKind};
use crate::transport::tls::CertChooser;

/// At most this many advertised CA names are forged per target and TLS version.
pub const MAX_NAMES: usize = 8;

/// Forges from the advertised name at `index`, or from the fallback issuer when the server
/// advertised none.
#[derive(Debug)]
pub struct Forged {
    forger: Arc<Forger>,
    index: usize,
    fallback: Option<Vec<u8>>,
}

impl CertChooser for Forged {
    fn choose(&self, hints: &[&[u8]], schemes: &[SignatureScheme]) -> Option<ClientIdentity> {
        let name: &[u8] = if hints.is_empty() {
            self.fallback.as_deref()?
        } else {
            hints.get(self.index)?
        };
        match self.forger.forge(name, KeyKind::choose(schemes)) {
            Ok(id) => Some(id),
            Err(e) => {
                tracing::debug!("forging from an advertised CA name failed: {e}");
                None
            }
        }
    }
}

/// The plan for the advertised name at `index`.
pub fn plan(ctx: &ProbeContext, index: usize) -> Plan {
    Plan::Run(Some(Arc::new(Forged {
        forger: ctx.forger.clone(),
        index,
        fallback: if index == 0 {
            ctx.forge_fallback_issuer.clone()
        } else {
            None
        },
    })))
}

/// Why a forged probe presented nothing, for the report.
pub fn skip_reason(fallback_available: bool) -> &'static str {
    if fallback_available {
        "the advertised CA name could not be parsed as a DER Name"
    } else {
        "the server advertised no CA names (as Python's ssl does), and no --client-cert or --issuing-ca-cert gave an issuer to copy"
    }
}
