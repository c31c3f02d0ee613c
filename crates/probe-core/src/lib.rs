//! # probe-core
//!
//! Proves, from the outside, whether an HTTPS endpoint enforces mutual-TLS client authentication.
//! Data flows one way: [`target`] parsing → client identities ([`identity`], minted with rcgen) →
//! [`probe`]s (each a real TLS handshake plus a real HTTP request, run concurrently by [`scan`]) →
//! [`observation`]s → [`verdict`] and [`finding`]s → [`grade`] → a serde [`report`].
//! It never prints and knows nothing of GitHub.
//!
//! ```no_run
//! # async fn demo() -> Result<(), probe_core::ScanError> {
//! use probe_core::{scan::{ScanOptions, Scanner}, target::Target};
//! let scanner = Scanner::new(&ScanOptions::default())?;
//! let report = scanner.scan(&[Target::parse("https://api.example.com/health")?]).await;
//! println!("grade {}", report.grade);
//! # Ok(()) }
//! ```

pub mod checks;
pub mod engine;
pub mod error;
pub mod facts;
pub mod finding;
pub mod grade;
pub mod identity;
pub mod permits;
pub mod policy;
pub mod probe;
pub mod report;
pub mod target;
pub mod text;
pub mod transport;
pub mod verdict;

// The modules' former paths, kept for dependents while they move to the new ones.
/// Former path of [`crate::facts`].
pub mod observation {
    pub use crate::facts::*;
}
/// Former path of [`crate::engine`].
pub mod scan {
    pub use crate::engine::*;
}
/// Former path of [`crate::checks::server_cert`].
pub mod server_cert {
    pub use crate::checks::server_cert::*;
}
/// Former path of [`crate::transport::tls`] and the name helpers of [`crate::text`].
pub mod handshake {
    pub use crate::text::{describe_name, escape_controls};
    pub use crate::transport::tls::*;
}
/// Former path of [`crate::transport`].
pub mod exchange {
    pub use crate::text::sanitize;
    pub use crate::transport::*;
}
/// Former path of [`crate::transport::late`].
pub mod late_auth {
    pub use crate::facts::LateAsk;
    pub use crate::transport::late::*;
}
/// Former path of [`crate::identity::forge`].
pub mod forge {
    pub use crate::identity::forge::*;
}
/// Former path of [`crate::checks::config_body`].
pub mod config_leak {
    pub use crate::checks::config_body::*;
}
/// Former path of [`crate::finding::remediation`].
pub mod remediation {
    pub use crate::finding::remediation::*;
}

pub use error::ScanError;
