//! # action-runner
//!
//! The `mtls-scan` command line and GitHub Action, as a library: [`probe_core`] does the scanning,
//! this crate turns what a user gave into scan options, applies the fleet policy, renders the
//! report and decides the exit code. `src/main.rs` only parses the arguments, starts tracing and
//! the runtime, and returns the exit code.
//!
//! Data flows one way:
//!
//! - a front end ([`frontend::cli`] for `scan` and `merge`, [`frontend::action`] for the GitHub
//!   Action) reads flags or `INPUT_*` variables and the [`config`] file;
//! - [`pipeline`] builds the scan options from them, through one function for both front ends
//!   ([`pipeline::settings`]), and applies the config's policy and the baseline to the report;
//! - [`render`] turns the report into text, JSON, SARIF or Markdown, and [`github`] into the
//!   runner's workflow commands, step outputs, job summary, PR comment and check run;
//! - [`exit`] decides the exit code, in one place.
//!
//! No module imports one that imports it back: `tests/import_cycles.rs` checks it.
//!
//! ```
//! use action_runner::render::{self, Format};
//! use probe_core::report::Report;
//!
//! let report = Report::new(Vec::new(), 0.0);
//! let text = render::render(&report, Format::Json, false, None)?;
//! assert!(text.contains("\"version\": 1"));
//! # Ok::<(), serde_json::Error>(())
//! ```

pub mod config;
pub mod exit;
pub mod files;
pub mod frontend;
pub mod github;
pub mod parse;
pub mod pipeline;
pub mod progress;
pub mod render;
pub mod stdout;

#[cfg(test)]
pub(crate) mod testing;
