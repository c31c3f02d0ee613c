//! Starts the in-process lab (one rustls server per client-auth case, on 127.0.0.1) and keeps it
//! up for other tools to scan: `bench/compare.sh` points sslyze, testssl.sh and mtls-scan at it.
//!
//! Prints one line per server, `CASE URL`, then `ready`, and runs until killed (Ctrl-C,
//! SIGTERM) or `LAB_SERVER_SECONDS` (default 300) pass.
//!
//! ```text
//! cargo run --release -p probe-core --example lab_server
//! ```

use std::io::Write as _;
use std::time::Duration;

use mtls_lab::LabCase;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let seconds: u64 = std::env::var("LAB_SERVER_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(300);
    let lab = mtls_lab::start(&LabCase::ALL).await?;
    let mut out = std::io::stdout().lock();
    for s in &lab.servers {
        writeln!(out, "{} {}", s.case.name(), s.url)?;
    }
    writeln!(out, "ready")?;
    out.flush()?;
    drop(out);
    tokio::select! {
        _ = tokio::time::sleep(Duration::from_secs(seconds)) => {}
        _ = tokio::signal::ctrl_c() => {}
    }
    drop(lab);
    Ok(())
}
