//! The client under test: a command run once per scenario (its own process group, killed with it
//! on time-out, stdin closed, stdout and stderr captured up to a cap and never replayed), or an
//! in-process function (the built-in demo).

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use tokio::io::AsyncReadExt as _;

/// The environment handed to the client (variable → value).
pub type ClientEnv = BTreeMap<String, String>;

/// The variables `requests` and curl read for their CA bundle: set, they replace a `requests`
/// session's `verify = False` (psf/requests#3829), so a client careless that way verifies under
/// the impostor and nowhere else (a review's `session.verify = False`: A, exit 0). A scenario
/// may leave them out of its [`ClientEnv`]; a command then runs with them unset.
pub(crate) const BUNDLE_OVERRIDES: [&str; 2] = ["REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"];

/// An in-process client: given the environment, connects and returns `Err(why)` when it gave up.
pub type ClientFn = Arc<
    dyn Fn(ClientEnv) -> Pin<Box<dyn Future<Output = Result<(), String>> + Send>> + Send + Sync,
>;

/// Bytes of stderr kept from the client: the last ones, where its last line is (the rest is
/// counted, not kept). Nothing of stdout is kept, only counted.
const OUTPUT_CAP: usize = 64 * 1024;
/// The longest stderr line a report may quote (sanitised).
const TAIL_CHARS: usize = 200;
/// How long to wait for the client's pipes to close once it has exited or been killed.
const PIPE_GRACE: Duration = Duration::from_millis(500);
/// How long processes the client started may take to end on their own once it has exited,
/// before they count as left running (a background job, a daemon). Helpers that end with their
/// parent took 0.2–3.6 ms; a background job doing work outlives it. Whatever such a job sends
/// meanwhile still lands in the scenario being played (its listener accepts until the client's
/// run returns), so the grace hides nothing.
const LEFT_RUNNING_GRACE: Duration = Duration::from_millis(150);

/// A command line to run as the client.
#[derive(Debug, Clone)]
pub struct ClientCommand {
    /// The program (looked up in `PATH`).
    pub program: OsString,
    /// Its arguments (never recorded in reports: they may hold secrets).
    pub args: Vec<OsString>,
}

impl ClientCommand {
    /// A program and its arguments.
    pub fn new<P, I, A>(program: P, args: I) -> Self
    where
        P: Into<OsString>,
        I: IntoIterator<Item = A>,
        A: Into<OsString>,
    {
        Self {
            program: program.into(),
            args: args.into_iter().map(Into::into).collect(),
        }
    }

    /// From `CMD ARGS...`; `None` when empty.
    pub fn from_argv(argv: &[OsString]) -> Option<Self> {
        let (program, args) = argv.split_first()?;
        Some(Self {
            program: program.clone(),
            args: args.to_vec(),
        })
    }
}

/// The client under test.
#[derive(Clone)]
pub enum Client {
    /// A command, run once per scenario.
    Command(ClientCommand),
    /// A function run in this process (the demo's clients).
    InProcess {
        /// What reports call it.
        name: String,
        /// The client.
        run: ClientFn,
    },
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Client::Command(c) => f.debug_tuple("Command").field(&c.program).finish(),
            Client::InProcess { name, .. } => f.debug_tuple("InProcess").field(name).finish(),
        }
    }
}

/// How the client ended in one scenario. Its output is untrusted: only counts and a sanitised,
/// capped last line of stderr are kept.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ClientOutcome {
    /// The exit code, when it exited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i32>,
    /// The signal that ended it, when one did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signal: Option<i32>,
    /// It was still running at the scenario's time limit and was killed.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub timed_out: bool,
    /// It could not be started (the reason).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spawn_error: Option<String>,
    /// Bytes it wrote to stdout.
    #[serde(default)]
    pub stdout_bytes: u64,
    /// Bytes it wrote to stderr.
    #[serde(default)]
    pub stderr_bytes: u64,
    /// Its last non-empty stderr line, sanitised and capped (untrusted text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stderr_tail: Option<String>,
    /// Processes it left running once it had exited: in its process group (a background job),
    /// or outside it (`setsid`, a daemon: found by the impostor's environment they inherited).
    /// All are killed; what they would have sent later was not seen (Linux only).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub detached: usize,
    /// Wall time in milliseconds.
    pub ms: f64,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl ClientOutcome {
    /// `exit 0 after 41 ms`, `killed after the 10 s limit`, `could not start: …`.
    pub fn describe(&self) -> String {
        if let Some(e) = &self.spawn_error {
            return format!("could not start: {e}");
        }
        if self.timed_out {
            return format!("still running after {:.1} s: killed", self.ms / 1000.0);
        }
        match (self.exit_code, self.signal) {
            (Some(c), _) => format!("exit {c} after {:.0} ms", self.ms),
            (None, Some(s)) => format!("killed by signal {s} after {:.0} ms", self.ms),
            (None, None) => format!("ended after {:.0} ms", self.ms),
        }
    }

    /// True when the client exited 0.
    pub fn succeeded(&self) -> bool {
        self.exit_code == Some(0)
    }

    /// True when the client was killed: at its time limit, by a signal, or by a `timeout`
    /// wrapper (exit 124): its connections closed because it died, not because it decided.
    pub fn killed(&self) -> bool {
        self.timed_out || self.signal.is_some() || self.exit_code == Some(124)
    }
}

impl Client {
    /// The program's file name (no path, no arguments), or the in-process client's name.
    pub fn program_name(&self) -> Option<String> {
        match self {
            Client::Command(c) => {
                let p = std::path::Path::new(&c.program);
                let name = p.file_name().unwrap_or(c.program.as_os_str());
                Some(crate::text::sanitize(name.as_encoded_bytes(), 80))
            }
            Client::InProcess { name, .. } => Some(name.clone()),
        }
    }

    /// Runs the client once with this environment, for at most `limit`.
    pub async fn run(&self, env: &ClientEnv, limit: Duration) -> ClientOutcome {
        match self {
            Client::Command(c) => run_command(c, env, limit).await,
            Client::InProcess { run, .. } => {
                let started = Instant::now();
                let result = tokio::time::timeout(limit, run(env.clone())).await;
                let ms = started.elapsed().as_secs_f64() * 1000.0;
                match result {
                    Ok(Ok(())) => ClientOutcome {
                        exit_code: Some(0),
                        ms,
                        ..ClientOutcome::default()
                    },
                    Ok(Err(why)) => ClientOutcome {
                        exit_code: Some(1),
                        stderr_tail: last_line(why.as_bytes()),
                        stderr_bytes: u64::try_from(why.len()).unwrap_or(u64::MAX),
                        ms,
                        ..ClientOutcome::default()
                    },
                    Err(_) => ClientOutcome {
                        timed_out: true,
                        ms,
                        ..ClientOutcome::default()
                    },
                }
            }
        }
    }
}

/// What a pipe reader has kept so far: the last `keep` bytes, and the count of all.
#[derive(Default)]
struct Captured {
    kept: Vec<u8>,
    total: u64,
}

/// Reads a pipe to its end, counting every byte and keeping the last `keep` (a bounded tail: a
/// chatty client's last line is at the end of its output, not in its first 64 KiB).
fn capture<R>(
    pipe: Option<R>,
    keep: usize,
) -> (Arc<Mutex<Captured>>, Option<tokio::task::JoinHandle<()>>)
where
    R: tokio::io::AsyncRead + Unpin + Send + 'static,
{
    let shared = Arc::new(Mutex::new(Captured::default()));
    let task = pipe.map(|mut pipe| {
        let shared = shared.clone();
        tokio::spawn(async move {
            let mut chunk = [0u8; 8192];
            loop {
                match pipe.read(&mut chunk).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        let mut c = shared.lock().unwrap_or_else(PoisonError::into_inner);
                        c.total = c.total.saturating_add(u64::try_from(n).unwrap_or(u64::MAX));
                        c.kept.extend(chunk.iter().take(n));
                        let over = c.kept.len().saturating_sub(keep);
                        c.kept.drain(..over);
                    }
                }
            }
        })
    });
    (shared, task)
}

/// The last non-empty line, sanitised, with what looks secret redacted
/// ([`crate::text::redact_secrets`]) and then capped: it is copied into every report. Redacted
/// whole before the cap: a secret cut at the cap (a key's first 24 base64 characters, a webhook
/// secret's first letters) no longer looks like one.
fn last_line(bytes: &[u8]) -> Option<String> {
    String::from_utf8_lossy(bytes)
        .lines()
        .rev()
        .map(|l| crate::text::sanitize(l.as_bytes(), OUTPUT_CAP))
        .find(|l| !l.is_empty())
        .map(|l| {
            crate::text::redact_secrets(&l)
                .chars()
                .take(TAIL_CHARS)
                .collect::<String>()
                .trim_end()
                .to_owned()
        })
}

async fn run_command(c: &ClientCommand, env: &ClientEnv, limit: Duration) -> ClientOutcome {
    let started = Instant::now();
    let mut cmd = tokio::process::Command::new(&c.program);
    cmd.args(&c.args)
        .envs(env)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true);
    // A bundle variable the scenario leaves out is unset, not inherited: a machine that sets
    // `REQUESTS_CA_BUNDLE` for every process (this one does) overrode `session.verify = False`
    // all the same (review W's re-run: still A, exit 0).
    for name in BUNDLE_OVERRIDES {
        if !env.contains_key(name) {
            cmd.env_remove(name);
        }
    }
    #[cfg(unix)]
    cmd.process_group(0);
    // This process's own children before the client (servers of a test harness running the
    // impostor in-process): never the client's leftovers.
    let subreaper = become_subreaper();
    let _under_way = RunUnderWay::start();
    let before: Vec<u32> = if subreaper {
        children_of_this_process()
    } else {
        Vec::new()
    };
    let mut child = match cmd.spawn() {
        Ok(ch) => ch,
        Err(e) => {
            return ClientOutcome {
                spawn_error: Some(crate::text::sanitize(e.to_string().as_bytes(), TAIL_CHARS)),
                ..ClientOutcome::default()
            }
        }
    };
    // Whatever happens to this future (done, timed out, dropped on Ctrl-C), the client's whole
    // process group goes with the scenario: a shell's children, a daemon it left behind.
    let leader = child.id();
    let mut group = GroupGuard(leader);
    let (out, out_task) = capture(child.stdout.take(), 0);
    let (err, err_task) = capture(child.stderr.take(), OUTPUT_CAP);
    let mut outcome = ClientOutcome::default();
    let status = match tokio::time::timeout(limit, child.wait()).await {
        Ok(status) => status.ok(),
        Err(_) => {
            outcome.timed_out = true;
            group.kill();
            let _ = child.start_kill();
            tokio::time::timeout(Duration::from_secs(2), child.wait())
                .await
                .ok()
                .and_then(Result::ok)
        }
    };
    outcome.ms = started.elapsed().as_secs_f64() * 1000.0;
    if let Some(st) = status {
        outcome.exit_code = st.code();
        #[cfg(unix)]
        {
            use std::os::unix::process::ExitStatusExt as _;
            outcome.signal = st.signal();
        }
    }
    // What the client left running in its group once it had exited (a background job): killed
    // with the group just below, and counted: what it would have sent later is not seen.
    let marker = env
        .get("MTLS_IMPOSTOR_CA_FILE")
        .map(|m| format!("MTLS_IMPOSTOR_CA_FILE={m}"));
    let left_behind = if outcome.timed_out {
        0
    } else {
        // A helper that ends on its own as its parent exits is not left running: OTP's
        // `inet_gethost` and `erl_child_setup`, git's `remote-https`, each gone within a few
        // milliseconds of the client (an audit's careful Erlang and git clients were B, exit 3,
        // "left processes running", in most runs). What outlives a short grace is counted.
        let settle_by = Instant::now() + LEFT_RUNNING_GRACE;
        while Instant::now() < settle_by
            && (alive_in_group(leader) > 0
                || marker
                    .as_deref()
                    .is_some_and(|m| !detached(m, leader).is_empty())
                || (subreaper && !orphans(&before).is_empty()))
        {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        alive_in_group(leader)
    };
    group.kill();
    outcome.detached = left_behind;
    // A process that left the group (`setsid`, a daemon) survives that: found by the run's own
    // CA path in its environment, it is killed too, and counted (it could have connected into a
    // later scenario, or after the run, unseen).
    let found_by_marker = marker
        .as_deref()
        .map(|m| detached(m, leader))
        .unwrap_or_default();
    kill_pids(&found_by_marker);
    outcome.detached += found_by_marker.len();
    // One that dropped the run's environment too (`setsid env -i …`, as `sudo`, `systemd-run` or
    // a container runtime start one) was re-parented here as the client exited: found by its
    // parent, killed and counted (an audit's careful foreground call beside a detached `curl -k`
    // was A, exit 0). Then whatever of the client's is dead here is reaped.
    if subreaper {
        // (Not the client's own group, killed and counted above, its members maybe not dead
        // yet.)
        let left: Vec<String> = orphans(&before)
            .into_iter()
            .filter(|p| !found_by_marker.contains(p) && !in_group(p, leader))
            .collect();
        if !left.is_empty() {
            kill_pids(&left);
            outcome.detached += left.len();
        }
        reap_orphans(&before, leader);
    }
    // A grandchild may keep the pipes open: wait a little, then keep what was read.
    for task in [out_task, err_task].into_iter().flatten() {
        let abort = task.abort_handle();
        if tokio::time::timeout(PIPE_GRACE, task).await.is_err() {
            abort.abort();
        }
    }
    {
        let o = out.lock().unwrap_or_else(PoisonError::into_inner);
        outcome.stdout_bytes = o.total;
    }
    let e = err.lock().unwrap_or_else(PoisonError::into_inner);
    outcome.stderr_bytes = e.total;
    outcome.stderr_tail = last_line(&e.kept);
    outcome
}

/// Kills the processes `pids` (SIGKILL, through `kill(1)`).
fn kill_pids(pids: &[String]) {
    if !pids.is_empty() {
        let _ = std::process::Command::new("kill")
            .arg("-KILL")
            .args(pids)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status();
    }
}

/// Makes this process the child subreaper (Linux `PR_SET_CHILD_SUBREAPER`, once): what a client
/// leaves running is re-parented here when the client exits, not to init, and [`orphans`] finds
/// it whatever environment it kept. False where it cannot be (another system).
fn become_subreaper() -> bool {
    #[cfg(target_os = "linux")]
    {
        static SET: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
        *SET.get_or_init(|| {
            rustix::process::set_child_subreaper(Some(rustix::process::getpid())).is_ok()
        })
    }
    #[cfg(not(target_os = "linux"))]
    {
        false
    }
}

/// Client runs under way in this process ([`run_command`]): one, as in the CLI, or several side
/// by side (tests run clients in one process). Counted before a run spawns its client, and held
/// while a run reads its orphans ([`orphans`], [`reap_orphans`]): a run that reads itself alone
/// cannot see another's client spawned meanwhile.
static RUNS_UNDER_WAY: std::sync::Mutex<usize> = std::sync::Mutex::new(0);

/// One client run counted in [`RUNS_UNDER_WAY`] while it lives.
struct RunUnderWay;

impl RunUnderWay {
    fn start() -> Self {
        *RUNS_UNDER_WAY
            .lock()
            .unwrap_or_else(PoisonError::into_inner) += 1;
        RunUnderWay
    }
}

impl Drop for RunUnderWay {
    fn drop(&mut self) {
        let mut n = RUNS_UNDER_WAY
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        *n = n.saturating_sub(1);
    }
}

/// The running processes (pids) whose parent is this process, but for those of `before` (its
/// children before the client started): the client's leftovers that left its process group,
/// re-parented here ([`become_subreaper`]). Out of this process's session (`setsid`, a daemon)
/// always; in it too (a background job of a shell with job control, `set -m`, or any
/// `setpgid`, without the run's environment: an audit's was A, exit 0) while no other client
/// run is under way in this process (a library user that spawns other processes beside a run
/// must not count on them being spared). Linux only.
fn orphans(before: &[u32]) -> Vec<String> {
    let mine = session_of(std::process::id());
    let runs = RUNS_UNDER_WAY
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    let alone = *runs == 1;
    children_of_this_process()
        .into_iter()
        // In this process's session, another client this process started meanwhile is its
        // child (tests run clients side by side in one process): counted only when this run is
        // the only one under way.
        .filter(|pid| !before.contains(pid) && (alone || session_of(*pid) != mine))
        // One that kept a run's environment is the marker's to find: this run's is found so,
        // another's (a run beside this one, in tests) is not this client's.
        .filter(|pid| !holds_a_run_marker(*pid))
        .filter(|pid| !is_zombie_pid(*pid))
        .map(|pid| pid.to_string())
        .collect()
}

/// Reaps this process's dead children that nobody waits for (the clients' leftovers once
/// killed: out of its session, or in it while this run is the only one under way), so that none
/// stays a zombie until the run ends; never the client itself (`leader`, tokio's to reap) nor a
/// child another run waits for (a client run beside, in its session). Linux only.
fn reap_orphans(before: &[u32], leader: Option<u32>) {
    #[cfg(target_os = "linux")]
    let mine = session_of(std::process::id());
    #[cfg(target_os = "linux")]
    let runs = RUNS_UNDER_WAY
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    #[cfg(target_os = "linux")]
    let alone = *runs == 1;
    #[cfg(target_os = "linux")]
    for pid in children_of_this_process() {
        if !before.contains(&pid)
            && Some(pid) != leader
            && (alone || session_of(pid) != mine)
            && is_zombie(pid)
        {
            if let Some(pid) = rustix::process::Pid::from_raw(pid as i32) {
                let _ = rustix::process::waitpid(Some(pid), rustix::process::WaitOptions::NOHANG);
            }
        }
    }
    #[cfg(target_os = "linux")]
    drop(runs);
    #[cfg(not(target_os = "linux"))]
    let _ = (before, leader);
}

/// Whether a process's environment holds any impostor run's marker (`MTLS_IMPOSTOR_CA_FILE=`).
/// Linux only.
fn holds_a_run_marker(pid: u32) -> bool {
    #[cfg(target_os = "linux")]
    {
        std::fs::read(format!("/proc/{pid}/environ")).is_ok_and(|environ| {
            environ
                .split(|b| *b == 0)
                .any(|v| v.starts_with(b"MTLS_IMPOSTOR_CA_FILE="))
        })
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = pid;
        false
    }
}

/// A process's session, from `/proc/PID/stat` (`pid (comm) state ppid pgrp session …`); `None`
/// where it cannot be read (gone, another system).
fn session_of(pid: u32) -> Option<u32> {
    #[cfg(target_os = "linux")]
    {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        let (_, after) = stat.rsplit_once(')')?;
        after.split_whitespace().nth(3)?.parse().ok()
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = pid;
        None
    }
}

/// The pids whose parent is this process, from `/proc/PID/stat` (`pid (comm) state ppid …`).
fn children_of_this_process() -> Vec<u32> {
    #[cfg(target_os = "linux")]
    {
        let me = std::process::id();
        let Ok(dir) = std::fs::read_dir("/proc") else {
            return Vec::new();
        };
        dir.flatten()
            .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
            .filter(|pid| {
                std::fs::read_to_string(format!("/proc/{pid}/stat"))
                    .ok()
                    .and_then(|stat| {
                        let (_, after) = stat.rsplit_once(')')?;
                        after.split_whitespace().nth(1)?.parse::<u32>().ok()
                    })
                    == Some(me)
            })
            .collect()
    }
    #[cfg(not(target_os = "linux"))]
    {
        Vec::new()
    }
}

/// [`is_zombie`] where `/proc` is read; never elsewhere.
fn is_zombie_pid(pid: u32) -> bool {
    #[cfg(target_os = "linux")]
    {
        is_zombie(pid)
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = pid;
        false
    }
}

/// The processes (pids) whose environment holds `marker` outside the process group `group`,
/// zombies aside. Linux only (`/proc`); elsewhere none are found.
fn detached(marker: &str, group: Option<u32>) -> Vec<String> {
    #[cfg(target_os = "linux")]
    {
        let me = std::process::id();
        let Ok(dir) = std::fs::read_dir("/proc") else {
            return Vec::new();
        };
        let mut found = Vec::new();
        for entry in dir.flatten() {
            let name = entry.file_name();
            let Some(pid) = name.to_str().and_then(|n| n.parse::<u32>().ok()) else {
                continue;
            };
            if pid == me {
                continue;
            }
            // Another user's process, or one gone already: unreadable, and not the client's.
            let Ok(environ) = std::fs::read(entry.path().join("environ")) else {
                continue;
            };
            if environ.split(|b| *b == 0).any(|v| v == marker.as_bytes())
                && !is_zombie(pid)
                && group.is_none_or(|g| process_group(pid) != Some(g))
            {
                found.push(pid.to_string());
            }
        }
        found
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (marker, group);
        Vec::new()
    }
}

/// How many processes of the process group `group` are running (zombies aside). Linux only.
fn alive_in_group(group: Option<u32>) -> usize {
    #[cfg(target_os = "linux")]
    {
        let Some(group) = group else {
            return 0;
        };
        let Ok(dir) = std::fs::read_dir("/proc") else {
            return 0;
        };
        dir.flatten()
            .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
            .filter(|pid| process_group(*pid) == Some(group) && !is_zombie(*pid))
            .count()
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = group;
        0
    }
}

/// Whether the process `pid` (as [`orphans`] lists it) is in the process group `group`.
fn in_group(pid: &str, group: Option<u32>) -> bool {
    #[cfg(target_os = "linux")]
    {
        pid.parse::<u32>()
            .ok()
            .and_then(process_group)
            .is_some_and(|g| Some(g) == group)
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (pid, group);
        false
    }
}

/// A process's process group, from `/proc/PID/stat` (`pid (comm) state ppid pgrp …`).
#[cfg(target_os = "linux")]
fn process_group(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let (_, after) = stat.rsplit_once(')')?;
    after.split_whitespace().nth(2)?.parse().ok()
}

/// Whether a process is a zombie (dead, not reaped yet): nothing left to kill.
#[cfg(target_os = "linux")]
fn is_zombie(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .map(|s| {
            s.lines()
                .any(|l| l.starts_with("State:") && l.contains("zombie"))
        })
        .unwrap_or(true)
}

/// The client's process group (it was started as the group's leader), killed once: explicitly,
/// or when dropped. Best effort, through `kill(1)`: this crate has no unsafe code.
struct GroupGuard(Option<u32>);

impl GroupGuard {
    fn kill(&mut self) {
        #[cfg(unix)]
        if let Some(pid) = self.0.take() {
            let _ = std::process::Command::new("kill")
                .args(["-KILL", "--", &format!("-{pid}")])
                .stdin(std::process::Stdio::null())
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .status();
        }
        #[cfg(not(unix))]
        self.0.take();
    }
}

impl Drop for GroupGuard {
    fn drop(&mut self) {
        self.kill();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hanging_shell_and_its_children_are_killed() {
        let c = ClientCommand::new(
            "sh",
            ["-c", "echo started >&2; sleep 30 & sleep 30; echo never"],
        );
        let started = Instant::now();
        // Two seconds for the shell to start and write, even on a loaded CI machine (300 ms
        // once lost the race there); the sleeps last 30 s, so an end well before that proves
        // the group was killed rather than waited for.
        let o = Client::Command(c)
            .run(&ClientEnv::new(), Duration::from_secs(2))
            .await;
        assert!(o.timed_out, "{o:?}");
        assert_eq!(o.stderr_tail.as_deref(), Some("started"), "{o:?}");
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "{:?}",
            started.elapsed()
        );
    }

    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn a_process_left_behind_dies_with_the_scenario() -> std::io::Result<()> {
        let dir = std::env::temp_dir().join(format!("mtls-impostor-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let pid_file = dir.join("pid");
        let script = format!(
            "sleep 30 > /dev/null 2>&1 & echo $! > {}",
            pid_file.display()
        );
        let o = Client::Command(ClientCommand::new("sh", ["-c", script.as_str()]))
            .run(&ClientEnv::new(), Duration::from_secs(5))
            .await;
        assert_eq!(o.exit_code, Some(0));
        assert_eq!(o.detached, 1, "{o:?}");
        let pid = std::fs::read_to_string(&pid_file)?.trim().to_owned();
        tokio::time::sleep(Duration::from_millis(100)).await;
        // Gone, or a zombie nobody reaps (PID 1 of a container may not): not running.
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
        let alive = status
            .lines()
            .any(|l| l.starts_with("State:") && !l.contains("zombie"));
        let _ = std::fs::remove_dir_all(&dir);
        assert!(!alive, "the background sleep {pid} survived");
        Ok(())
    }

    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn a_process_that_left_the_group_is_found_and_killed() -> std::io::Result<()> {
        // `setsid` puts the child in a session of its own: the group kill missed it, and it
        // connected after the wrapper had exited (credited to another scenario, or never seen).
        let dir = std::env::temp_dir().join(format!("mtls-impostor-setsid-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let pid_file = dir.join("pid");
        let script = format!(
            "setsid sh -c 'echo $$ > {}; exec sleep 30' > /dev/null 2>&1 < /dev/null & \
             while [ ! -s {} ]; do sleep 0.01; done",
            pid_file.display(),
            pid_file.display()
        );
        let mut env = ClientEnv::new();
        env.insert(
            "MTLS_IMPOSTOR_CA_FILE".into(),
            dir.join("ca.pem").display().to_string(),
        );
        let o = Client::Command(ClientCommand::new("sh", ["-c", script.as_str()]))
            .run(&env, Duration::from_secs(5))
            .await;
        assert_eq!(o.exit_code, Some(0), "{o:?}");
        assert_eq!(o.detached, 1, "{o:?}");
        let pid = std::fs::read_to_string(&pid_file)?.trim().to_owned();
        tokio::time::sleep(Duration::from_millis(100)).await;
        let _ = std::fs::remove_dir_all(&dir);
        assert!(
            is_zombie(pid.parse().unwrap_or(0)),
            "the detached sleep {pid} survived"
        );
        // A client that leaves nothing behind: none.
        let o = Client::Command(ClientCommand::new("true", Vec::<String>::new()))
            .run(&env, Duration::from_secs(5))
            .await;
        assert_eq!(o.detached, 0);
        Ok(())
    }

    #[tokio::test]
    async fn output_is_counted_capped_and_sanitised() {
        let c = ClientCommand::new(
            "sh",
            [
                "-c",
                "head -c 200000 /dev/zero; printf 'bad\\033[31m line\\n\\n' >&2; exit 7",
            ],
        );
        let o = Client::Command(c)
            .run(&ClientEnv::new(), Duration::from_secs(10))
            .await;
        assert_eq!(o.exit_code, Some(7));
        assert_eq!(o.stdout_bytes, 200_000);
        assert_eq!(o.stderr_tail.as_deref(), Some("bad [31m line"));
    }

    #[tokio::test]
    async fn the_last_line_of_a_chatty_stderr_is_kept() {
        // 200 000 bytes of chatter, then the line that says why: it was cut at the first 64 KiB
        // and the report quoted a line of chatter.
        let c = ClientCommand::new(
            "sh",
            [
                "-c",
                "i=0; while [ $i -lt 5000 ]; do echo 'retrying the upstream, attempt pending....' >&2; \
                 i=$((i+1)); done; echo 'curl: (60) SSL certificate problem: unable to get local \
                 issuer certificate' >&2; exit 60",
            ],
        );
        let o = Client::Command(c)
            .run(&ClientEnv::new(), Duration::from_secs(20))
            .await;
        assert_eq!(o.exit_code, Some(60));
        assert!(o.stderr_bytes > 200_000, "{}", o.stderr_bytes);
        assert_eq!(
            o.stderr_tail.as_deref(),
            Some("curl: (60) SSL certificate problem: unable to get local issuer certificate")
        );
    }

    #[tokio::test]
    async fn a_secret_in_the_last_stderr_line_is_redacted() {
        let c = ClientCommand::new(
            "sh",
            [
                "-c",
                "echo 'curl: (22) 401 for https://api/x?token=abc123 Authorization: Bearer eyJhbG.x' >&2; exit 22",
            ],
        );
        let o = Client::Command(c)
            .run(&ClientEnv::new(), Duration::from_secs(10))
            .await;
        let tail = o.stderr_tail.unwrap_or_default();
        assert!(
            !tail.contains("abc123") && !tail.contains("eyJhbG") && tail.contains("<redacted>"),
            "{tail}"
        );
    }

    #[test]
    fn a_secret_at_the_cap_is_redacted_before_the_cut() {
        // The cap fell inside the key material: its first characters were too few to look like
        // a key, and were kept.
        let line = format!(
            "{} MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\n",
            "x".repeat(TAIL_CHARS - 20)
        );
        let tail = last_line(line.as_bytes()).unwrap_or_default();
        assert!(!tail.contains("MIIEvQ"), "{tail}");
        assert!(
            tail.ends_with("<redac") || tail.contains("<redacted>"),
            "{tail}"
        );
        assert!(tail.chars().count() <= TAIL_CHARS);
    }

    #[tokio::test]
    async fn a_missing_program_is_a_spawn_error() {
        let c = ClientCommand::new("/nonexistent/mtls-client", Vec::<String>::new());
        let o = Client::Command(c)
            .run(&ClientEnv::new(), Duration::from_secs(1))
            .await;
        assert!(o.spawn_error.is_some());
        assert!(o.describe().starts_with("could not start"));
    }
}
