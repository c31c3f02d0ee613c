//! Writing to stdout, where the report goes and where the runner reads workflow commands.

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
