//! # probe-core
//!
//! Proves, from the outside, whether an HTTPS endpoint enforces mutual-TLS client authentication.
//! Data flows one way: a [`target`] → the requests of each [`probe`] (one file each, listed in
//! [`probe::registry`]) → the [`transport`] (real TLS handshakes and HTTP requests; facts only) →
//! [`facts`] → each probe's judgement and the [`verdict`] → [`finding`]s → the [`engine`]
//! (implications and [`grade`], once per target) → a serde [`report`] → [`policy`].
//! It never prints and knows nothing of GitHub.
//!
//! ```no_run
//! # async fn demo() -> Result<(), probe_core::ScanError> {
//! use probe_core::{engine::{ScanOptions, Scanner}, target::Target};
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
pub mod fleet;
pub mod grade;
pub mod identity;
pub mod impostor;
pub mod permits;
pub mod policy;
pub mod probe;
pub mod report;
pub mod target;
pub mod text;
pub mod transport;
pub mod verdict;

pub use error::ScanError;
