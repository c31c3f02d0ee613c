//! Fleet benchmark with the scanner in a process of its own (issue 15), for `bench/fleet.sh`:
//!
//! - `fleet serve N FILE`: starts N in-process lab servers on 127.0.0.1 (every client-auth case in
//!   turn), writes `CASE URL` per line to FILE, then `ready` on stdout, and runs until killed (or
//!   `FLEET_SERVE_SECONDS`, default 600, pass);
//! - `fleet scan FILE [CONCURRENCY]`: scans every URL of FILE with the default probes (one
//!   scanner, system roots off, each report judged as it arrives and dropped: `Scanner::scan_each`)
//!   and prints the wall time, the rate, the process's peak memory
//!   (VmHWM: the scanner alone) and how many `client_auth` verdicts differ from the cases'.
//!
//! It asserts nothing about speed.

#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used)]

use std::io::Write as _;
use std::time::{Duration, Instant};

use mtls_lab::LabCase;
use probe_core::engine::{ScanOptions, Scanner};
use probe_core::target::Target;

fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(str::to_owned)
        })
        .and_then(|l| {
            l.split_whitespace()
                .nth(1)
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn usage() -> ! {
    eprintln!("usage: fleet serve N FILE | fleet scan FILE [CONCURRENCY]");
    std::process::exit(2)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    match args.first().map(String::as_str) {
        Some("serve") => {
            let n: usize = args
                .get(1)
                .and_then(|a| a.parse().ok())
                .unwrap_or_else(|| usage());
            let file = args.get(2).unwrap_or_else(|| usage()).clone();
            rt.block_on(serve(n.clamp(1, 20_000), &file))
        }
        Some("scan") => {
            let file = args.get(1).unwrap_or_else(|| usage()).clone();
            let concurrency = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(64usize);
            rt.block_on(scan(&file, concurrency.clamp(1, 4096)))
        }
        _ => usage(),
    }
}

async fn serve(n: usize, file: &str) -> Result<(), Box<dyn std::error::Error>> {
    let cases: Vec<LabCase> = LabCase::ALL.iter().copied().cycle().take(n).collect();
    let lab = mtls_lab::start(&cases).await?;
    let mut list = String::new();
    for s in &lab.servers {
        list.push_str(&format!("{} {}\n", s.case.name(), s.url));
    }
    std::fs::write(file, list)?;
    println!("ready");
    std::io::stdout().flush()?;
    let seconds: u64 = std::env::var("FLEET_SERVE_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(600);
    tokio::select! {
        _ = tokio::time::sleep(Duration::from_secs(seconds)) => {}
        _ = tokio::signal::ctrl_c() => {}
    }
    drop(lab);
    Ok(())
}

async fn scan(file: &str, concurrency: usize) -> Result<(), Box<dyn std::error::Error>> {
    let list = std::fs::read_to_string(file)?;
    let mut expected = Vec::new();
    let mut targets = Vec::new();
    for line in list.lines() {
        let Some((case, url)) = line.split_once(' ') else {
            continue;
        };
        let case = LabCase::ALL.iter().copied().find(|c| c.name() == case);
        expected.push(case.map(|c| c.expected().client_auth));
        targets.push(Target::parse(url)?);
    }
    let options = ScanOptions {
        system_roots: false,
        concurrency,
        ..ScanOptions::default()
    };
    let before = peak_rss_mib();
    let t0 = Instant::now();
    // Each report is judged as it arrives and dropped (`scan_each`): the scanner keeps none, so
    // its memory follows the concurrency, not the number of endpoints.
    let (mut probes, mut errors, mut wrong) = (0usize, 0usize, 0usize);
    Scanner::new(&options)?
        .scan_each(&targets, |i, t| {
            probes += t.probes.len();
            errors += usize::from(t.error.is_some());
            let got = serde_json::to_value(t.client_auth).ok();
            let want = expected.get(i).copied().flatten();
            wrong += usize::from(got.as_ref().and_then(|v| v.as_str()) != want);
        })
        .await;
    let wall = t0.elapsed().as_secs_f64();
    let n = targets.len();
    println!(
        "fleet: {n} endpoints, concurrency {concurrency}: {wall:.2} s ({:.0} endpoints/s, {probes} probes), \
         scanner peak memory {:.1} MiB (before the scan {before:.1} MiB), wrong verdicts {wrong}, in error {errors}",
        n as f64 / wall,
        peak_rss_mib()
    );
    Ok(())
}
