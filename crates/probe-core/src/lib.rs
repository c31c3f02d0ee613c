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

pub mod config_leak;
pub mod error;
pub mod exchange;
pub mod finding;
pub mod forge;
pub mod grade;
pub mod handshake;
pub mod identity;
pub mod late_auth;
pub mod observation;
pub mod policy;
pub mod probe;
pub mod remediation;
pub mod report;
pub mod scan;
pub mod server_cert;
pub mod target;
pub mod verdict;

pub use error::ScanError;
