//! Concurrency limits of a scan: a global one and one per `host:port`.

use std::sync::Arc;

use tokio::sync::Semaphore;

/// The concurrency limits: one global semaphore and one per `host:port`. A probe takes its
/// host's permit first, so waiting for a busy host never holds a global slot.
pub struct Permits {
    global: Arc<Semaphore>,
    per_host: usize,
    hosts: std::sync::Mutex<std::collections::HashMap<String, Arc<Semaphore>>>,
}

impl Permits {
    /// At most `global` slots in all and `per_host` per `host:port`.
    pub fn new(global: usize, per_host: usize) -> Self {
        Self {
            global: Arc::new(Semaphore::new(global.max(1))),
            per_host: per_host.max(1),
            hosts: std::sync::Mutex::new(std::collections::HashMap::new()),
        }
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
