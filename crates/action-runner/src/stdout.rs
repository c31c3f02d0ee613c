//! Writing to stdout, where the report goes and where the runner reads workflow commands, and
//! to stderr (progress, warnings, errors) through [`crate::err_line!`] and [`crate::err_text!`],
//! which never panic on a closed pipe (`mtls-scan scan URL 2>&1 | head` exited 101).

use std::io::Write as _;

/// Writes to stdout; a closed pipe (`| head`) is not an error.
pub fn write(text: &str) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

/// Writes one line to stdout.
pub fn line(line: impl std::fmt::Display) -> std::io::Result<()> {
    write(&format!("{line}\n"))
}

/// `eprintln!` that never panics: a closed or full stderr (`2>&1 | head`) loses the line, never
/// the run, whose exit code stays the one the report decided.
#[macro_export]
macro_rules! err_line {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

/// `eprint!` that never panics (see [`crate::err_line!`]).
#[macro_export]
macro_rules! err_text {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stderr(), $($arg)*);
    }};
}
