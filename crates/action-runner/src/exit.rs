//! Exit codes, in one place: [`Gate::decide`] turns a finished report and the user's policy into
//! the [`Exit`], for the command line and the Action alike.

use std::process::ExitCode;

use probe_core::grade::Grade;
use probe_core::report::Report;

/// How the process ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// 0: scanned, and the grade meets the threshold.
    Ok,
    /// 1: the grade is below the threshold (or, failing on new findings, there is one).
    BelowThreshold,
    /// 2: a usage or configuration error.
    Usage,
    /// 3: a target could not be scanned.
    TargetError,
    /// 3: a target is incomplete (a probe that could have raised a finding could not be read),
    /// and nothing else fails the run. Not failing on incomplete targets turns it into a warning.
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
    pub fn decide(report: &Report, fails: bool, fail_on_incomplete: bool) -> Exit {
        // A report of no target at all (a shard that holds none) scanned nothing: no pass.
        if report.targets.is_empty() || report.errored().next().is_some() {
            Exit::TargetError
        } else if fails {
            Exit::BelowThreshold
        } else if fail_on_incomplete && report.incomplete().next().is_some() {
            Exit::Incomplete
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

/// What fails the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum FailOn {
    /// A grade below the threshold.
    #[default]
    Grade,
    /// A new finding against the baseline (for adopting the tool on a large estate).
    New,
}

/// The threshold when neither the user nor the config sets one, in the CLI and the Action alike.
pub const DEFAULT_FAIL_UNDER: Grade = Grade::C;

/// `--fail-under` as given: a grade, or `none` (never fail on the grade).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Threshold {
    /// Fail below this grade.
    Grade(Grade),
    /// Report without failing on the grade.
    None,
}

impl Threshold {
    /// The grade below which a CLI run fails: the given `--fail-under` (`none`: never), else
    /// `from_config` (the config's `fail-under`), else C, as the Action: a scan run as a CI step
    /// without flags must not pass an F quietly.
    pub fn resolve(given: Option<Self>, from_config: Option<Self>) -> Option<Grade> {
        match given.or(from_config) {
            Some(Self::Grade(g)) => Some(g),
            Some(Self::None) => None,
            None => Some(DEFAULT_FAIL_UNDER),
        }
    }

    /// The grade given, if one was.
    pub fn grade(self) -> Option<Grade> {
        match self {
            Self::Grade(g) => Some(g),
            Self::None => None,
        }
    }
}

/// The user's pass/fail policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Gate {
    /// The threshold grade; `None` never fails on the grade.
    pub fail_under: Option<Grade>,
    /// What fails the run.
    pub fail_on: FailOn,
    /// Whether an incomplete target fails the run (exit 3) or only warns.
    pub fail_on_incomplete: bool,
}

/// Why the run passes or fails, for the front ends to word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// The exit code.
    pub exit: Exit,
    /// With [`FailOn::Grade`]: the grade is below the threshold.
    pub below_threshold: bool,
    /// With [`FailOn::New`]: the new findings against the baseline (`id on URL`).
    pub new_findings: Vec<String>,
}

/// Whether the report's grade is below `threshold` for what was scanned: a target that could not
/// be scanned is graded F, and fails the run on its own (exit 3); a grade below the threshold is
/// said only where a scanned target is below it too (an audit's Action run said "grade F is below
/// the threshold" beside "not scanned", and exited 3).
pub fn below(report: &Report, threshold: Grade) -> bool {
    report.grade < threshold
        && (report.errored().next().is_none()
            || report
                .targets
                .iter()
                .any(|t| t.error.is_none() && t.grade < threshold))
}

impl Gate {
    /// Whether the report fails this policy, and the exit ([`Exit::decide`]).
    pub fn decide(&self, report: &Report) -> Decision {
        let (below_threshold, new_findings) = match self.fail_on {
            FailOn::Grade => (
                self.fail_under.is_some_and(|t| below(report, t)),
                Vec::new(),
            ),
            FailOn::New => (false, probe_core::policy::new_findings(report)),
        };
        let fails = below_threshold || !new_findings.is_empty();
        Decision {
            exit: Exit::decide(report, fails, self.fail_on_incomplete),
            below_threshold,
            new_findings,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use probe_core::finding::{Finding, FindingId};

    #[test]
    fn the_threshold_is_the_flag_else_the_config_else_c() {
        let b = Some(Threshold::Grade(Grade::B));
        let d = Some(Threshold::Grade(Grade::D));
        assert_eq!(Threshold::resolve(b, d), Some(Grade::B));
        assert_eq!(Threshold::resolve(Some(Threshold::None), d), None);
        assert_eq!(Threshold::resolve(None, d), Some(Grade::D));
        assert_eq!(
            Threshold::resolve(None, Some(Threshold::None)),
            None,
            "the config's `fail-under: none`"
        );
        assert_eq!(Threshold::resolve(None, None), Some(Grade::C));
        assert_eq!(crate::parse::threshold("None"), Ok(Threshold::None));
        assert_eq!(crate::parse::threshold("b"), b.ok_or(String::new()));
        assert!(crate::parse::threshold("G").is_err());
    }

    #[test]
    fn target_errors_outrank_grades_which_outrank_incomplete_targets() {
        let mut failed = crate::testing::target(
            "https://a.example/",
            vec![Finding::new(FindingId::ClientCertOptional, "x")],
        );
        failed.grade = Grade::F;
        let gate = Gate {
            fail_under: Some(Grade::C),
            fail_on: FailOn::Grade,
            fail_on_incomplete: true,
        };
        let report = Report::new(vec![failed.clone()], 0.0);
        let d = gate.decide(&report);
        assert_eq!((d.exit, d.below_threshold), (Exit::BelowThreshold, true));
        let lenient = Gate {
            fail_under: Some(Grade::F),
            ..gate
        };
        assert_eq!(lenient.decide(&report).exit, Exit::Ok);
        let mut errored = failed.clone();
        errored.error = Some("refused".into());
        let both = Report::new(vec![failed, errored], 0.0);
        assert_eq!(gate.decide(&both).exit, Exit::TargetError);
        assert!(
            gate.decide(&both).below_threshold,
            "a scanned target is below"
        );
        // Only a target that could not be scanned is F: exit 3, and no grade below the
        // threshold is claimed for what was scanned.
        let mut fine = crate::testing::target("https://b.example/", Vec::new());
        fine.grade = Grade::A;
        let mut down = fine.clone();
        down.error = Some("refused".into());
        down.grade = Grade::F;
        let unscanned = Report::new(vec![fine, down], 0.0);
        let d = gate.decide(&unscanned);
        assert_eq!((d.exit, d.below_threshold), (Exit::TargetError, false));
        assert_eq!(Exit::TargetError.code(), 3);
        let on_new = Gate {
            fail_on: FailOn::New,
            ..gate
        };
        assert_eq!(
            on_new.decide(&report).exit,
            Exit::Ok,
            "no baseline state: nothing new"
        );
    }
}
