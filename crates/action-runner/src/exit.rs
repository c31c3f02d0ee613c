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
}

impl Exit {
    /// The numeric code.
    pub fn code(self) -> u8 {
        match self {
            Exit::Ok => 0,
            Exit::BelowThreshold => 1,
            Exit::Usage => 2,
            Exit::TargetError => 3,
        }
    }

    /// Decides the exit from a report: an unscanned target (3) outranks a low grade (1).
    pub fn from_report(
        report: &probe_core::report::Report,
        fail_under: Option<probe_core::grade::Grade>,
    ) -> Exit {
        if report.errored().next().is_some() {
            Exit::TargetError
        } else if fail_under.is_some_and(|t| report.grade < t) {
            Exit::BelowThreshold
        } else {
            Exit::Ok
        }
    }
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> Self {
        ExitCode::from(e.code())
    }
}
