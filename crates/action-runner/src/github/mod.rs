//! The GitHub side of the Action: the runner's contract and the REST API. The Action front end
//! ([`crate::frontend::action`]) runs them in order.
//!
//! - the runner's contract: [`env`](mod@env) and [`inputs`] (the `INPUT_*` variables, validated),
//!   [`setup`] (the inputs and the config through the pipeline), [`commands`] (workflow commands
//!   and their escaping), [`annotations`], [`outputs`] (`$GITHUB_OUTPUT`), [`summary`]
//!   (`$GITHUB_STEP_SUMMARY`), [`context`] (the repository, the event, the workflow file);
//! - the REST API through octocrab: [`client`] (deadlines, retries, errors), [`comment`] (the
//!   sticky PR comment), [`check_run`], and [`publish`], which posts what the inputs ask for.
//!
//! This module only declares the others; none of them imports it.

pub mod annotations;
pub mod check_run;
pub mod client;
pub mod commands;
pub mod comment;
pub mod context;
pub mod env;
pub mod inputs;
pub mod outputs;
pub mod publish;
pub mod random;
pub mod setup;
pub mod summary;
