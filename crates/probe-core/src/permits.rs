//! Concurrency limits of a scan: a global one and one per `host:port`.

use std::sync::Arc;

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
    pacers: std::sync::Mutex<std::collections::HashMap<String, Arc<Semaphore>>>,
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
    pub fn pacer(&self, host_port: &str) -> Arc<Semaphore> {
        let mut pacers = self.pacers.lock().unwrap_or_else(|p| p.into_inner());
        pacers
            .entry(host_port.to_owned())
            .or_insert_with(|| Arc::new(Semaphore::new(CONNECTS_PER_HOST)))
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
