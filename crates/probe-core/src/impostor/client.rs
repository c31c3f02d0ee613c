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

/// An in-process client: given the environment, connects and returns `Err(why)` when it gave up.
pub type ClientFn = Arc<
    dyn Fn(ClientEnv) -> Pin<Box<dyn Future<Output = Result<(), String>> + Send>> + Send + Sync,
>;

/// Bytes of stdout and of stderr kept from the client (the rest is counted, not kept).
const OUTPUT_CAP: usize = 64 * 1024;
/// The longest stderr line a report may quote (sanitised).
const TAIL_CHARS: usize = 200;
/// How long to wait for the client's pipes to close once it has exited or been killed.
const PIPE_GRACE: Duration = Duration::from_millis(500);

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
    /// Wall time in milliseconds.
    pub ms: f64,
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
                        stderr_tail: Some(crate::text::sanitize(why.as_bytes(), TAIL_CHARS)),
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

/// What a pipe reader has kept so far.
#[derive(Default)]
struct Captured {
    kept: Vec<u8>,
    total: u64,
}

fn capture<R>(pipe: Option<R>) -> (Arc<Mutex<Captured>>, Option<tokio::task::JoinHandle<()>>)
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
                        let room = OUTPUT_CAP.saturating_sub(c.kept.len());
                        c.kept.extend(chunk.iter().take(n.min(room)));
                    }
                }
            }
        })
    });
    (shared, task)
}

/// The last non-empty line, sanitised, capped and with what looks secret redacted
/// ([`crate::text::redact_secrets`]): it is copied into every report.
fn last_line(bytes: &[u8]) -> Option<String> {
    String::from_utf8_lossy(bytes)
        .lines()
        .rev()
        .map(|l| crate::text::sanitize(l.as_bytes(), TAIL_CHARS))
        .find(|l| !l.is_empty())
        .map(|l| {
            crate::text::redact_secrets(&l)
                .chars()
                .take(TAIL_CHARS)
                .collect()
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
    #[cfg(unix)]
    cmd.process_group(0);
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
    let mut group = GroupGuard(child.id());
    let (out, out_task) = capture(child.stdout.take());
    let (err, err_task) = capture(child.stderr.take());
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
    group.kill();
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
        let o = Client::Command(c)
            .run(&ClientEnv::new(), Duration::from_millis(300))
            .await;
        assert!(o.timed_out, "{o:?}");
        assert_eq!(o.stderr_tail.as_deref(), Some("started"));
        assert!(
            started.elapsed() < Duration::from_secs(3),
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
