//! The front ends: each reads what the user gave in its own way, runs the one
//! [`pipeline`](crate::pipeline), words every error in its own terms (a flag, an input) and
//! returns the [`Exit`](crate::exit::Exit).
//!
//! - [`args`]: the command line's arguments (clap);
//! - [`cli`]: `mtls-scan scan` and `mtls-scan merge`;
//! - [`demo`]: `mtls-scan demo`, the built-in lab;
//! - [`action`]: `mtls-scan action`, the GitHub Action ([`action_words`]: the scanner's
//!   texts in its inputs' terms);
//! - [`impostor`]: `mtls-scan impostor`, the client half.

pub mod action;
pub mod action_words;
pub mod args;
pub mod cli;
pub mod demo;
pub mod impostor;
