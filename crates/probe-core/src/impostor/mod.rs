//! The client half of mutual TLS: does a *client* check the server it talks to?
//!
//! [`Impostor`] plays the server a client command is pointed at. It mints a CA the client is told
//! to trust (or uses the user's), and serves, one [`Scenario`] at a time, a certificate the client
//! must accept (the control) and certificates it must refuse: self-signed, from a CA it does not
//! trust, expired, for another host name, and (optionally) an untrusted server that asks for the
//! client's certificate. Everything is observed from the server side ([`ConnectionRecord`]): the
//! handshake or the client's alert, whether a request arrived, the certificate the client offered,
//! the SNI and ALPN. [`judge`] turns a run into findings, and a scenario without a refusal seen
//! (no connection, a time-out) into an incomplete one; [`target_report`] into the same
//! [`TargetReport`](crate::report::TargetReport) a scan produces, so every renderer works.
//!
//! Two ways to run:
//! - wrapped ([`Impostor::run_wrapped`]): the client command runs once per scenario, with the CA
//!   and the impostor's address in its environment ([`Impostor::client_env`]);
//! - serve ([`Impostor::serve`]): for clients that cannot be wrapped, the scenarios rotate per
//!   connection (or get a port each), until the caller's stop signal or a connection count.
//!
//! Nothing here prints. The client's output is untrusted: only byte counts and a sanitised, capped
//! last line of its stderr reach the report.
//!
//! ```no_run
//! # async fn demo() -> Result<(), probe_core::impostor::ImpostorError> {
//! use probe_core::impostor::{Client, ClientCommand, Impostor, ImpostorOptions};
//! let impostor = Impostor::start(ImpostorOptions::new("localhost")).await?;
//! let curl = ClientCommand::new("sh", ["-c", "curl -sS \"$MTLS_IMPOSTOR_URL\""]);
//! let run = impostor.run_wrapped(&Client::Command(curl)).await;
//! let report = probe_core::impostor::target_report(&run)?;
//! println!("{} findings", report.findings.len());
//! # Ok(()) }
//! ```

mod client;
pub mod demo;
mod judge;
pub mod model;
mod pki;
mod run;
mod server;

pub use client::{Client, ClientCommand, ClientEnv, ClientFn, ClientOutcome};
pub use judge::{judge, target_report, Judgement};
pub use model::{
    CaSummary, ConnectionEnd, ConnectionRecord, ImpostorError, ImpostorOptions, ImpostorRun,
    LateConnection, OfferedCert, RunMode, Scenario, ScenarioResult, ScenarioVerdict, ServePlan,
    TrustedCaPem, MAX_RECORDED,
};
pub use run::{url_for, Impostor};
