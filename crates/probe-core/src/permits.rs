//! Concurrency limits of a scan: a global one and one per `host:port`.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
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
/// It also learns how fast the host refuses a client certificate after a TLS 1.3 handshake, so
/// the wait for that refusal before a request ([`Pacer::alert_window`]) is no longer than the
/// host needs.
#[derive(Debug)]
pub struct Pacer {
    slots: Semaphore,
    /// The fastest completed connect to the host so far, in microseconds (`u64::MAX`: none yet).
    fastest_us: AtomicU64,
    /// The slowest refusal seen right after a TLS 1.3 handshake, in microseconds after our side
    /// ended it (`u64::MAX`: none yet).
    slowest_refusal_us: AtomicU64,
    /// A request sent after a shortened wait met no answer, or a refusal after it: the host's
    /// refusals are not all as fast as those seen, and every later wait is the whole window.
    refusals_outran: AtomicBool,
    /// Told whenever a refusal changes what [`Pacer::alert_window`] gives.
    learnt: tokio::sync::Notify,
}

/// A wait for a refusal learnt from the host is this many times its slowest refusal seen ...
const LEARNT_WINDOW_REFUSALS: u32 = 4;
/// ... and this much more (a scheduler's hiccup on either side).
const LEARNT_WINDOW_MARGIN: Duration = Duration::from_millis(15);

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
            slowest_refusal_us: AtomicU64::new(u64::MAX),
            refusals_outran: AtomicBool::new(false),
            learnt: tokio::sync::Notify::new(),
        }
    }

    /// Completes when a refusal seen on another connection changes [`Pacer::alert_window`]:
    /// the waits under way follow it.
    pub async fn refusal_learnt(&self) {
        self.learnt.notified().await;
    }

    /// Records a refusal of a client certificate (an alert, or a close) that came `after` our
    /// side of a TLS 1.3 handshake ended, before any request.
    pub fn refused_after(&self, after: Duration) {
        let us = u64::try_from(after.as_micros()).unwrap_or(u64::MAX - 1);
        let changed = self
            .slowest_refusal_us
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |old| {
                (old == u64::MAX || us > old).then_some(us)
            })
            .is_ok();
        if changed {
            self.learnt.notify_waiters();
        }
    }

    /// Records that a request sent after a shortened wait ([`Pacer::alert_window`]) met a reset,
    /// a close or a refusal instead of an answer: from now on every wait is the whole window.
    pub fn refusal_outran_the_window(&self) {
        if !self.refusals_outran.swap(true, Ordering::Relaxed) {
            self.learnt.notify_waiters();
        }
    }

    /// How long to wait, after a TLS 1.3 handshake in which the host asked for a client
    /// certificate, for its refusal before sending the request: `full` (the transport's window)
    /// until the host has been seen refusing, then [`LEARNT_WINDOW_REFUSALS`] times its slowest
    /// refusal plus [`LEARNT_WINDOW_MARGIN`], never less than two handshakes' time nor more than
    /// `full`; `full` again for good once a request sent after a shortened wait met no answer.
    /// A wait too short never passes anything: the late refusal arrives after the request, read
    /// as a refusal or as a reset (inconclusive, and tried again, by then with the whole window).
    pub fn alert_window(&self, full: Duration, handshake: Duration) -> Duration {
        if self.refusals_outran.load(Ordering::Relaxed) {
            return full;
        }
        match self.slowest_refusal_us.load(Ordering::Relaxed) {
            u64::MAX => full,
            us => (Duration::from_micros(us) * LEARNT_WINDOW_REFUSALS)
                .max(handshake.saturating_mul(2))
                .saturating_add(LEARNT_WINDOW_MARGIN)
                .min(full),
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
    /// 10 ms, at most [`FIRST_RETRY_AFTER`] or, for a host farther away, two of its fastest
    /// connects: review V's 300 ms round trip had every connect tried twice).
    pub fn retry_after(&self) -> Duration {
        match self.fastest_us.load(Ordering::Relaxed) {
            u64::MAX => FIRST_RETRY_AFTER,
            us => {
                let fastest = Duration::from_micros(us);
                (fastest * RETRY_AFTER_CONNECTS)
                    .clamp(MIN_RETRY_AFTER, FIRST_RETRY_AFTER.max(fastest * 2))
            }
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
        let across_the_world = Pacer::new();
        across_the_world.completed(Duration::from_millis(300));
        assert_eq!(across_the_world.retry_after(), Duration::from_millis(600));
    }

    #[test]
    fn the_alert_window_follows_the_slowest_refusal_until_one_outruns_it() {
        let ms = Duration::from_millis;
        let p = Pacer::new();
        assert_eq!(p.alert_window(ms(60), ms(2)), ms(60), "no refusal seen yet");
        p.refused_after(ms(1));
        assert_eq!(p.alert_window(ms(60), ms(2)), ms(4) + LEARNT_WINDOW_MARGIN);
        // Two handshakes' time at least (a host far away).
        assert_eq!(
            p.alert_window(ms(500), ms(40)),
            ms(80) + LEARNT_WINDOW_MARGIN
        );
        // A faster refusal changes nothing; a slower one lengthens the wait, never past `full`.
        p.refused_after(Duration::from_micros(300));
        assert_eq!(p.alert_window(ms(60), ms(2)), ms(4) + LEARNT_WINDOW_MARGIN);
        p.refused_after(ms(10));
        assert_eq!(
            p.alert_window(ms(500), ms(2)),
            ms(40) + LEARNT_WINDOW_MARGIN
        );
        assert_eq!(p.alert_window(ms(50), ms(2)), ms(50));
        // A request after a shortened wait met no answer: the whole window, for good.
        p.refusal_outran_the_window();
        assert_eq!(p.alert_window(ms(60), ms(2)), ms(60));
        p.refused_after(ms(1));
        assert_eq!(p.alert_window(ms(60), ms(2)), ms(60));
    }

    #[tokio::test]
    async fn a_wait_under_way_hears_of_a_refusal_that_changes_the_window() {
        let p = std::sync::Arc::new(Pacer::new());
        let waiter = {
            let p = p.clone();
            tokio::spawn(async move { p.refusal_learnt().await })
        };
        tokio::task::yield_now().await;
        assert!(!waiter.is_finished());
        p.refused_after(Duration::from_millis(2));
        let told = tokio::time::timeout(Duration::from_secs(5), waiter).await;
        assert!(matches!(told, Ok(Ok(()))), "{told:?}");
        // A faster refusal changes no window: nobody is woken.
        let waiter = {
            let p = p.clone();
            tokio::spawn(async move { p.refusal_learnt().await })
        };
        tokio::task::yield_now().await;
        p.refused_after(Duration::from_millis(1));
        tokio::task::yield_now().await;
        assert!(!waiter.is_finished());
        waiter.abort();
    }
}
