//! What the targets of one run tell about each other: names served on one address and port.
//!
//! Two targets of a run that connect to the same address and port are sites of one server (a
//! crt-list, virtual hosts): each is the other's sibling name for the side doors (a session taken
//! on the public site and resumed on the protected one, the protected `Host` asked under the
//! public name). Scanned alone, a target knows only its certificate's names and the `sni-name`s
//! given (an audit's HAProxy, a TLS 1.3 ticket from `open.test` resumed on `strict.test`: A with
//! both URLs in one run, F with `--sni-name open.test`).

use std::collections::HashMap;
use std::net::SocketAddr;

use futures_util::StreamExt as _;

use crate::target::Target;

/// Sibling names a target takes from the other targets on its address and port, at most: each
/// costs the side doors a few connections, and a shared front serving hundreds of sites would
/// multiply them. The nearest ones in name order, wrapping around, so that every target is
/// some other's donor.
pub const MAX_FLEET_SIBLINGS: usize = 4;

/// Name lookups in flight at once.
const LOOKUPS_AT_ONCE: usize = 32;

/// Adds to each target the host names of the other targets of `targets` that connect to the
/// same address and port (looked up as the scan looks them up, once per name: the scan then
/// reuses the answer), at most [`MAX_FLEET_SIBLINGS`] of them beside those already given. A
/// name that cannot be looked up joins no one (its scan says why).
pub async fn name_siblings(targets: &mut [Target]) {
    if targets.len() < 2 {
        return;
    }
    let wanted: Vec<(String, u16)> = {
        let mut all: Vec<(String, u16)> = targets.iter().map(Target::connect_addr).collect();
        all.sort();
        all.dedup();
        all
    };
    let found: HashMap<(String, u16), Vec<SocketAddr>> = futures_util::stream::iter(wanted)
        .map(|addr| async move {
            let found = crate::transport::addresses(&addr).await.unwrap_or_default();
            (addr, found)
        })
        .buffer_unordered(LOOKUPS_AT_ONCE)
        .collect()
        .await;
    // Each address and port, with the distinct host names on it, in name order.
    let mut by_address: HashMap<SocketAddr, Vec<String>> = HashMap::new();
    for t in targets.iter() {
        for a in found.get(&t.connect_addr()).into_iter().flatten() {
            let names = by_address.entry(*a).or_default();
            let host = t.host.to_ascii_lowercase();
            if !names.contains(&host) {
                names.push(host);
            }
        }
    }
    for names in by_address.values_mut() {
        names.sort();
    }
    for t in targets.iter_mut() {
        let host = t.host.to_ascii_lowercase();
        let mut siblings: Vec<String> = Vec::new();
        for a in found.get(&t.connect_addr()).into_iter().flatten() {
            let Some(names) = by_address.get(a) else {
                continue;
            };
            let at = names.iter().position(|n| *n == host).unwrap_or(0);
            for n in names.iter().cycle().skip(at + 1).take(names.len() - 1) {
                if siblings.len() < MAX_FLEET_SIBLINGS
                    && !siblings.contains(n)
                    && !t.names.iter().any(|g| g.eq_ignore_ascii_case(n))
                    && n.parse::<std::net::IpAddr>().is_err()
                {
                    siblings.push(n.clone());
                }
            }
        }
        t.names.extend(siblings);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::target::Resolve;

    fn target(url: &str, addr: &str) -> Target {
        let mut t = Target::parse(url).unwrap_or_else(|e| panic!("{e}"));
        let r: Resolve = format!("{}:{}:{addr}", t.host, t.port)
            .parse()
            .unwrap_or_else(|e| panic!("{e:?}"));
        t.resolve_with(&[r]);
        t
    }

    /// Sites of one address and port name each other; another port or address does not, nor an
    /// address written as the host, and a given name is not repeated.
    #[tokio::test]
    async fn targets_on_one_address_and_port_are_each_others_siblings() {
        let mut targets = vec![
            target("https://strict.test:8443/orders", "127.0.0.1"),
            target("https://open.test:8443/", "127.0.0.1"),
            target("https://strict.test:8443/admin", "127.0.0.1"),
            target("https://other.test:9443/", "127.0.0.1"),
            target("https://far.test:8443/", "127.0.0.2"),
            Target::parse("https://127.0.0.1:8443/").unwrap_or_else(|e| panic!("{e}")),
        ];
        targets[1].names.push("strict.test".into());
        name_siblings(&mut targets).await;
        let names: Vec<Vec<String>> = targets.iter().map(|t| t.names.clone()).collect();
        assert_eq!(
            names,
            vec![
                vec!["open.test".to_owned()],
                vec!["strict.test".to_owned()],
                vec!["open.test".to_owned()],
                vec![],
                vec![],
                vec!["open.test".to_owned(), "strict.test".to_owned()],
            ]
        );
    }

    /// Hundreds of sites on one front: each takes its nearest few, and every one is somebody's.
    #[tokio::test]
    async fn a_crowded_front_names_a_few_each() {
        let mut targets: Vec<Target> = (0..20)
            .map(|i| target(&format!("https://site{i:02}.test/"), "10.0.0.1"))
            .collect();
        name_siblings(&mut targets).await;
        assert!(targets.iter().all(|t| t.names.len() == MAX_FLEET_SIBLINGS));
        assert_eq!(
            targets[19].names,
            vec!["site00.test", "site01.test", "site02.test", "site03.test"]
        );
        let donors: std::collections::HashSet<&String> =
            targets.iter().flat_map(|t| &t.names).collect();
        assert_eq!(donors.len(), 20);
    }
}
