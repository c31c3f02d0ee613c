//! Score (0–100) and grade (A–F). The rubric, documented in the README:
//! each root-cause finding costs points by severity (critical 60, high 35, medium 20, low 8,
//! info 0); the score's band gives a grade (A ≥ 90, B ≥ 80, C ≥ 65, D ≥ 50, else F); then any
//! critical caps the grade at F, any high at D, any medium at C, any low at B. Implied findings
//! are not counted again. A target that could not be scanned gets F and 0. The overall grade is
//! the worst target's.

use serde::{Deserialize, Serialize};

use crate::finding::{Finding, Severity};

/// A letter grade; `A` is best. Ordered so that `A > F`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
pub enum Grade {
    /// Failing.
    F,
    /// Poor.
    D,
    /// Fair.
    C,
    /// Good.
    B,
    /// Excellent.
    A,
}

impl Grade {
    /// Parses `A`–`F` (case-insensitive).
    pub fn parse(text: &str) -> Option<Grade> {
        match text.trim().to_ascii_uppercase().as_str() {
            "A" => Some(Grade::A),
            "B" => Some(Grade::B),
            "C" => Some(Grade::C),
            "D" => Some(Grade::D),
            "F" => Some(Grade::F),
            _ => None,
        }
    }

    /// The letter.
    pub fn as_str(self) -> &'static str {
        match self {
            Grade::A => "A",
            Grade::B => "B",
            Grade::C => "C",
            Grade::D => "D",
            Grade::F => "F",
        }
    }

    fn from_score(score: u8) -> Grade {
        match score {
            90.. => Grade::A,
            80..=89 => Grade::B,
            65..=79 => Grade::C,
            50..=64 => Grade::D,
            _ => Grade::F,
        }
    }
}

impl std::fmt::Display for Grade {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Points a root-cause finding of this severity costs.
pub fn penalty(severity: Severity) -> u32 {
    match severity {
        Severity::Critical => 60,
        Severity::High => 35,
        Severity::Medium => 20,
        Severity::Low => 8,
        Severity::Info => 0,
    }
}

fn cap(severity: Severity) -> Grade {
    match severity {
        Severity::Critical => Grade::F,
        Severity::High => Grade::D,
        Severity::Medium => Grade::C,
        Severity::Low => Grade::B,
        Severity::Info => Grade::A,
    }
}

/// Scores the findings that count (root causes, not suppressed): returns `(score, grade)`.
pub fn grade<'a>(counted: impl IntoIterator<Item = &'a Finding>) -> (u8, Grade) {
    let mut lost: u32 = 0;
    let mut ceiling = Grade::A;
    for f in counted.into_iter().filter(|f| f.is_root()) {
        lost = lost.saturating_add(penalty(f.severity));
        ceiling = ceiling.min(cap(f.severity));
    }
    let score = u8::try_from(100u32.saturating_sub(lost)).unwrap_or(0);
    (score, Grade::from_score(score).min(ceiling))
}

/// The best grade of an incomplete target (a probe that could have raised a finding could not
/// be read): never A, and never more than its completed probes justify.
pub const INCOMPLETE_CEILING: Grade = Grade::B;

/// Grades one target: [`grade`] over its counted findings, capped at [`INCOMPLETE_CEILING`] (and
/// the score below A's band) when the target is unproven: incomplete, or a probe that tests
/// whether a client gets in was switched off. The one grading function of targets.
pub fn grade_target<'a>(
    counted: impl IntoIterator<Item = &'a Finding>,
    unproven: bool,
) -> (u8, Grade) {
    let (score, letter) = grade(counted);
    if unproven {
        (score.min(89), letter.min(INCOMPLETE_CEILING))
    } else {
        (score, letter)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{Finding, FindingId};

    fn f(sev: Severity) -> Finding {
        Finding::new(FindingId::ClientCertOptional, "x").with_severity(sev)
    }

    #[test]
    fn rubric() {
        assert_eq!(grade(&[]), (100, Grade::A));
        assert_eq!(grade(&[f(Severity::Info)]), (100, Grade::A));
        assert_eq!(grade(&[f(Severity::Low)]), (92, Grade::B));
        assert_eq!(grade(&[f(Severity::Medium)]), (80, Grade::C));
        assert_eq!(grade(&[f(Severity::High)]), (65, Grade::D));
        assert_eq!(grade(&[f(Severity::Critical)]), (40, Grade::F));
        assert_eq!(
            grade(&[f(Severity::Critical), f(Severity::Critical)]),
            (0, Grade::F)
        );
        assert_eq!(
            grade(&[f(Severity::Medium), f(Severity::Medium)]).1,
            Grade::D
        );
    }

    #[test]
    fn implied_findings_are_not_counted_twice() {
        let mut implied = f(Severity::Critical);
        implied.implied_by = Some(FindingId::ClientCertOptional);
        assert_eq!(grade(&[f(Severity::High), implied]), (65, Grade::D));
    }

    #[test]
    fn incomplete_target_never_gets_a() {
        assert_eq!(grade_target(&[], true), (89, Grade::B));
        assert_eq!(grade_target(&[f(Severity::Info)], true), (89, Grade::B));
        assert_eq!(grade_target(&[f(Severity::High)], true), (65, Grade::D));
        assert_eq!(grade_target(&[], false), (100, Grade::A));
    }

    #[test]
    fn grades_order_best_last_and_parse() {
        assert!(Grade::A > Grade::B && Grade::D > Grade::F);
        assert_eq!(Grade::parse(" c "), Some(Grade::C));
        assert_eq!(Grade::parse("E"), None);
    }
}
