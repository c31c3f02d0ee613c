//! Checks of what the probes gathered that are not about client certificates: the served
//! server certificate, and configuration bodies served on well-known paths.

pub mod config_body;
pub mod server_cert;
