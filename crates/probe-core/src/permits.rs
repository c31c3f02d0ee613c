//! Concurrency limits of a scan: a global one and one per `host:port`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;

/// Connection attempts in flight at once per `host:port` (as browsers do): a burst of SYNs
/// overflows a small listen backlog (Python's `socketserver` has 5), and the kernel retries a
/// dropped SYN only after a fixed second.
pub const CONNECTS_PER_HOST: usize = 6;

/// The concurrency limits: one global semaphore and one per `host:port`. A probe takes its
/// host's permit first, so waiting for a busy host never holds a global slot. Connection
/// attempts are paced per host apart from that ([`Permits::pacer`]).
pub struct Permits {
    global: Arc<Semaphore>,
    per_host: usize,
    hosts: std::sync::Mutex<std::collections::HashMap<String, Arc<Semaphore>>>,
    pacers: std::sync::Mutex<std::collections::HashMap<String, Arc<Pacer>>>,
}

/// Paces the connection attempts to one `host:port`: at most [`CONNECTS_PER_HOST`] in flight,
/// and learns how fast the host answers a SYN, so a connect whose SYN was dropped (a full listen
/// backlog) is tried again after a few of its round trips instead of the kernel's fixed second.
#[derive(Debug)]
pub struct Pacer {
    slots: Semaphore,
    /// The fastest completed connect to the host so far, in microseconds (`u64::MAX`: none yet).
    fastest_us: AtomicU64,
}

/// Before any connect to the host has completed, how long an attempt waits before another.
pub const FIRST_RETRY_AFTER: Duration = Duration::from_millis(250);

/// Once the host's connect time is known, an attempt is repeated after this many of them ...
const RETRY_AFTER_CONNECTS: u32 = 10;
/// ... but never sooner than this ...
const MIN_RETRY_AFTER: Duration = Duration::from_millis(10);

impl Pacer {
    fn new() -> Self {
        Self {
            slots: Semaphore::new(CONNECTS_PER_HOST),
            fastest_us: AtomicU64::new(u64::MAX),
        }
    }

    /// Waits for a connection slot, released when the guard drops.
    pub async fn slot(&self) -> Option<tokio::sync::SemaphorePermit<'_>> {
        self.slots.acquire().await.ok()
    }

    /// Records a completed connect and how long it took.
    pub fn completed(&self, took: Duration) {
        let us = u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
        self.fastest_us.fetch_min(us, Ordering::Relaxed);
    }

    /// How long an attempt that has had no SYN-ACK waits before another: [`FIRST_RETRY_AFTER`]
    /// while the host's connect time is unknown, else ten of its fastest connects (at least
    /// 10 ms, at most [`FIRST_RETRY_AFTER`]).
    pub fn retry_after(&self) -> Duration {
        match self.fastest_us.load(Ordering::Relaxed) {
            u64::MAX => FIRST_RETRY_AFTER,
            us => (Duration::from_micros(us) * RETRY_AFTER_CONNECTS)
                .clamp(MIN_RETRY_AFTER, FIRST_RETRY_AFTER),
        }
    }
}

impl Permits {
    /// At most `global` slots in all and `per_host` per `host:port`.
    pub fn new(global: usize, per_host: usize) -> Self {
        Self {
            global: Arc::new(Semaphore::new(global.max(1))),
            per_host: per_host.max(1),
            hosts: std::sync::Mutex::new(std::collections::HashMap::new()),
            pacers: std::sync::Mutex::new(std::collections::HashMap::new()),
        }
    }

    /// The semaphore that paces connection attempts to `host_port` ([`CONNECTS_PER_HOST`]).
    pub fn pacer(&self, host_port: &str) -> Arc<Pacer> {
        let mut pacers = self.pacers.lock().unwrap_or_else(|p| p.into_inner());
        pacers
            .entry(host_port.to_owned())
            .or_insert_with(|| Arc::new(Pacer::new()))
            .clone()
    }

    /// Waits for a slot for `host_port`; the slot is released when the returned guard drops.
    pub async fn acquire(
        &self,
        host_port: &str,
    ) -> Option<(
        tokio::sync::OwnedSemaphorePermit,
        tokio::sync::OwnedSemaphorePermit,
    )> {
        let host = {
            let mut hosts = self.hosts.lock().unwrap_or_else(|p| p.into_inner());
            hosts
                .entry(host_port.to_owned())
                .or_insert_with(|| Arc::new(Semaphore::new(self.per_host)))
                .clone()
        };
        let h = host.acquire_owned().await.ok()?;
        let g = self.global.clone().acquire_owned().await.ok()?;
        Some((h, g))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connect_retry_follows_the_fastest_connect() {
        let p = Pacer::new();
        assert_eq!(p.retry_after(), FIRST_RETRY_AFTER);
        p.completed(Duration::from_micros(80));
        assert_eq!(p.retry_after(), MIN_RETRY_AFTER);
        p.completed(Duration::from_millis(300));
        assert_eq!(
            p.retry_after(),
            MIN_RETRY_AFTER,
            "the fastest connect counts"
        );
        let far = Pacer::new();
        far.completed(Duration::from_millis(5));
        assert_eq!(far.retry_after(), Duration::from_millis(50));
        let very_far = Pacer::new();
        very_far.completed(Duration::from_millis(80));
        assert_eq!(very_far.retry_after(), FIRST_RETRY_AFTER);
    }
}
