//! `server-cert-expired` and `server-cert-expiring`: the validity dates of the certificates on the
//! path from the leaf.

use super::super::examined::Examined;
use super::super::facts::{date, days, Facts};
use super::super::model::Policy;
use crate::finding::{Finding, FindingId};
use time::OffsetDateTime;

/// `server-cert-expired`: a certificate on the path is expired or not valid yet.
pub(super) fn expired(e: &Examined<'_>) -> Option<Finding> {
    let outside: Vec<String> = e
        .on_path()
        .filter_map(|f| outside_validity(f, e.now))
        .collect();
    e.path_finding(
        FindingId::ServerCertExpired,
        "The server's chain is outside its validity",
        "validity",
        outside,
    )
}

/// How `f` is outside its validity at `now`, if it is.
fn outside_validity(f: &Facts, now: OffsetDateTime) -> Option<String> {
    if now > f.not_after {
        Some(format!(
            "{} expired on {} ({} days ago)",
            f.described.subject,
            date(f.not_after),
            days(now - f.not_after)
        ))
    } else if now < f.not_before {
        Some(format!(
            "{} is not valid until {} (in {} days)",
            f.described.subject,
            date(f.not_before),
            days(f.not_before - now)
        ))
    } else {
        None
    }
}

/// `server-cert-expiring`: a certificate on the path expires within the warning window. Asked
/// only when [`expired`] raised nothing.
pub(super) fn expiring(e: &Examined<'_>, policy: Policy) -> Option<Finding> {
    let window = time::Duration::days(i64::from(policy.expiry_warning_days));
    let soon: Vec<String> = e
        .on_path()
        .filter(|f| f.not_after - e.now <= window)
        .map(|f| {
            format!(
                "{} expires on {} (in {} days)",
                f.described.subject,
                date(f.not_after),
                days(f.not_after - e.now)
            )
        })
        .collect();
    e.path_finding(
        FindingId::ServerCertExpiring,
        &format!(
            "Within the {}-day warning window",
            policy.expiry_warning_days
        ),
        "validity",
        soon,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::server_cert::test_pki::{Pki, Served, POLICY};

    #[test]
    fn an_expired_leaf_is_expired() {
        let pki = Pki::new();
        let served = Served::new(
            vec![pki.leaf_valid(-400, -3)],
            &[&pki.root.der],
            "localhost",
        );
        let f = expired(&served.examined()).expect("expired");
        assert_eq!(f.id, FindingId::ServerCertExpired);
        assert!(f.detail.contains("expired on"), "{}", f.detail);
        assert!(f.evidence.contains_key("leaf"));
        assert_eq!(served.ids(), vec![(FindingId::ServerCertExpired, None)]);
        assert!(expired(&Served::correct(&pki).examined()).is_none());
    }

    #[test]
    fn a_leaf_not_valid_yet_is_expired() {
        let pki = Pki::new();
        let served = Served::new(vec![pki.leaf_valid(5, 365)], &[&pki.root.der], "localhost");
        let f = expired(&served.examined()).expect("not valid yet");
        assert_eq!(f.id, FindingId::ServerCertExpired);
        assert!(f.detail.contains("is not valid until"), "{}", f.detail);
    }

    #[test]
    fn a_leaf_expiring_in_ten_days_is_expiring() {
        let pki = Pki::new();
        let served = Served::new(vec![pki.leaf_valid(-30, 10)], &[&pki.root.der], "localhost");
        let judged = served.examined();
        assert!(expired(&judged).is_none());
        let f = expiring(&judged, POLICY).expect("expiring");
        assert_eq!(f.id, FindingId::ServerCertExpiring);
        assert!(
            f.detail.starts_with("Within the 30-day warning window:"),
            "{}",
            f.detail
        );
        assert_eq!(served.ids(), vec![(FindingId::ServerCertExpiring, None)]);
        let narrow = Policy {
            expiry_warning_days: 5,
        };
        assert!(expiring(&judged, narrow).is_none());
        assert!(expiring(&Served::correct(&pki).examined(), POLICY).is_none());
    }
}
