//! Ports for the servers the tests start (`#[path = "support/ports.rs"] mod ports;` in a
//! probe-core test binary, `support::ports` where it has `mod support;`; action-runner's
//! `support::real_servers::free_ports` is this).
//!
//! A port found free by binding `127.0.0.1:0` and let go is one the kernel readily hands out again
//! a moment later: to another test's in-process listener, or as a connection's source port. With
//! `MTLS_PORT_RANGE=LOW-HIGH` (`scripts/test.sh` sets one below the kernel's ephemeral range), the
//! ports come from that range only, which the kernel never picks on its own.
#![allow(dead_code)]

use std::collections::HashSet;
use std::net::TcpListener;
use std::sync::{Mutex, OnceLock};

/// A free port on 127.0.0.1, never one handed out before in this process.
pub fn free_port() -> std::io::Result<u16> {
    let [port] = free_ports::<1>()?;
    Ok(port)
}

/// `N` distinct free ports on 127.0.0.1 ([`free_port_list`]).
pub fn free_ports<const N: usize>() -> std::io::Result<[u16; N]> {
    free_port_list(N)?
        .try_into()
        .map_err(|_| std::io::Error::other("too few free ports"))
}

/// `n` distinct free ports on 127.0.0.1, never handed out before in this process: every one is
/// held until all are bound (two calls in a row can get the same port back, and Apache refuses
/// two `Listen`s on one). From `MTLS_PORT_RANGE` where it is set.
pub fn free_port_list(n: usize) -> std::io::Result<Vec<u16>> {
    static USED: OnceLock<Mutex<HashSet<u16>>> = OnceLock::new();
    let mut used = match USED.get_or_init(|| Mutex::new(HashSet::new())).lock() {
        Ok(g) => g,
        Err(p) => p.into_inner(),
    };
    let mut held = Vec::with_capacity(n);
    let mut ports: Vec<u16> = Vec::with_capacity(n);
    let range = std::env::var("MTLS_PORT_RANGE").ok().and_then(|r| {
        let (low, high) = r.split_once('-')?;
        Some((
            u32::from(low.trim().parse::<u16>().ok()?),
            u32::from(high.trim().parse::<u16>().ok()?),
        ))
    });
    if let Some((low, high)) = range {
        // From an offset of this process's own in the range, wrapping: two runs sharing a range
        // (a suite beside a targeted test) do not both start at its bottom.
        let span = high.saturating_sub(low) + 1;
        let offset = std::process::id() % span;
        for i in 0..span {
            if ports.len() == n {
                break;
            }
            let Ok(port) = u16::try_from(low + (offset + i) % span) else {
                continue;
            };
            if used.contains(&port) {
                continue;
            }
            if let Ok(l) = TcpListener::bind(("127.0.0.1", port)) {
                ports.push(port);
                held.push(l);
            }
        }
        if ports.len() < n {
            return Err(std::io::Error::other(
                "MTLS_PORT_RANGE has too few free ports",
            ));
        }
    } else {
        while ports.len() < n {
            let l = TcpListener::bind("127.0.0.1:0")?;
            let port = l.local_addr()?.port();
            if !used.contains(&port) && !ports.contains(&port) {
                ports.push(port);
            }
            held.push(l);
        }
    }
    used.extend(ports.iter().copied());
    Ok(ports)
}
