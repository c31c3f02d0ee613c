//! Checks of what the probes gathered: the served server certificate, configuration bodies
//! served on well-known paths, whose refusal an HTTP answer is, and which advertised client CAs
//! are public roots.

pub mod config_body;
pub mod public_roots;
pub mod refusal;
pub mod server_cert;
