//! # mtls-lab
//!
//! In-process rustls HTTPS servers on 127.0.0.1 ephemeral ports, one per client-authentication
//! misconfiguration, each with the verdict a correct scanner must reach. It is `mtls-scan demo`'s
//! lab and the test suite's fixture.

mod case;
pub mod custom;
mod pki;
mod server;
mod verifier;

pub use case::{Expected, LabCase};
pub use pki::LabPki;
pub use server::{start, Lab, LabError, LabServer};
