//! Reading the registry: the list itself is the `probes!` invocation in `probe/mod.rs` (one line
//! per probe, which also declares its module). Here: every probe's declaration, lookup by id, and
//! reading ids back from reports.

use serde::de::{self, Deserialize, Deserializer};

use super::{ProbeId, ProbeSpec};
pub use super::{PROBES, TARGET_PROBES};

/// Every probe's declaration, handshake probes first.
pub fn specs() -> impl Iterator<Item = &'static ProbeSpec> {
    PROBES
        .iter()
        .map(|p| p.spec())
        .chain(TARGET_PROBES.iter().map(|p| p.spec()))
}

/// The probe a stable id names (for `--skip-probe`).
pub fn find(id: &str) -> Option<&'static ProbeSpec> {
    specs().find(|s| s.id.as_str() == id)
}

/// A report read back names its probes by id; only the registry's ids are accepted.
impl<'de> Deserialize<'de> for ProbeId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = std::borrow::Cow::<'de, str>::deserialize(d)?;
        find(&text)
            .map(|spec| spec.id)
            .ok_or_else(|| de::Error::custom("unknown probe id"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_kebab_case_and_round_trip() {
        let ids: Vec<&str> = specs().map(|s| s.id.as_str()).collect();
        assert_eq!(ids.len(), PROBES.len() + TARGET_PROBES.len());
        let mut sorted = ids.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), ids.len(), "duplicate probe ids: {ids:?}");
        for id in ids {
            assert!(
                !id.is_empty()
                    && id
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
                "{id} is not kebab-case"
            );
            let json = serde_json::to_string(&find(id).map(|s| s.id)).unwrap();
            let back: Option<ProbeId> = serde_json::from_str(&json).unwrap();
            assert_eq!(back.map(ProbeId::as_str), Some(id));
        }
        assert!(serde_json::from_str::<ProbeId>("\"no-such-probe\"").is_err());
    }
}
