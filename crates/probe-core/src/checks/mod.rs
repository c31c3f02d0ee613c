//! Checks of what the probes gathered: the served server certificate, configuration bodies
//! served on well-known paths, and whose refusal an HTTP answer is.

pub mod config_body;
pub mod refusal;
pub mod server_cert;
