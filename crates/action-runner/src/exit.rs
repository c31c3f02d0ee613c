//! Exit codes, in one place.

use std::process::ExitCode;

/// How the process ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// 0: scanned, and the grade meets the threshold.
    Ok,
    /// 1: the grade is below `--fail-under`.
    BelowThreshold,
    /// 2: a usage or configuration error.
    Usage,
    /// 3: a target could not be scanned.
    TargetError,
    /// 3: a target is incomplete (a probe that could have raised a finding could not be read),
    /// and nothing else fails the run. `--fail-on-incomplete false` turns it into a warning.
    Incomplete,
}

impl Exit {
    /// The numeric code.
    pub fn code(self) -> u8 {
        match self {
            Exit::Ok => 0,
            Exit::BelowThreshold => 1,
            Exit::Usage => 2,
            Exit::TargetError | Exit::Incomplete => 3,
        }
    }

    /// Decides the exit, the one place that does: an unscanned target (3) outranks a failing
    /// grade or new finding (`fails`: 1), which outranks an incomplete target (3, unless
    /// `fail_on_incomplete` is off). A security gate never passes quietly.
    pub fn decide(
        report: &probe_core::report::Report,
        fails: bool,
        fail_on_incomplete: bool,
    ) -> Exit {
        if report.errored().next().is_some() {
            Exit::TargetError
        } else if fails {
            Exit::BelowThreshold
        } else if fail_on_incomplete && report.incomplete().next().is_some() {
            Exit::Incomplete
        } else {
            Exit::Ok
        }
    }

    /// [`Exit::decide`] with a grade threshold.
    pub fn from_report(
        report: &probe_core::report::Report,
        fail_under: Option<probe_core::grade::Grade>,
        fail_on_incomplete: bool,
    ) -> Exit {
        let fails = fail_under.is_some_and(|t| report.grade < t);
        Self::decide(report, fails, fail_on_incomplete)
    }
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> Self {
        ExitCode::from(e.code())
    }
}
