//! Benchmark: a fleet scan of many endpoints on loopback (in-process lab servers across many
//! ports, every misconfiguration in turn), as a nightly staging scan would run it. Prints the wall
//! time, endpoints per second, probes per second and the process's peak memory. It asserts nothing
//! about speed. Run: `cargo bench -p probe-core --bench fleet` (FLEET_ENDPOINTS, default 1000;
//! FLEET_CONCURRENCY, default 64).

use std::time::Instant;

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

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let endpoints = env("FLEET_ENDPOINTS", 1000).clamp(1, 5000);
    let concurrency = env("FLEET_CONCURRENCY", 64).clamp(1, 4096);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let cases: Vec<LabCase> = LabCase::ALL.iter().copied().cycle().take(endpoints).collect();
        let t0 = Instant::now();
        let lab = mtls_lab::start(&cases).await?;
        let started = t0.elapsed().as_secs_f64();
        let targets: Vec<Target> = lab.servers.iter().map(|s| Target::parse(&s.url)).collect::<Result<_, _>>()?;
        let options = ScanOptions { system_roots: false, concurrency, ..ScanOptions::default() };
        let rss_before = peak_rss_mib();
        let t1 = Instant::now();
        let report = Scanner::new(&options)?.scan(&targets).await;
        let wall = t1.elapsed().as_secs_f64();
        let probes: usize = report.targets.iter().map(|t| t.probes.len()).sum();
        let errors = report.targets.iter().filter(|t| t.error.is_some()).count();
        let wrong = lab
            .servers
            .iter()
            .zip(&report.targets)
            .filter(|(s, t)| serde_json::to_value(t.client_auth).ok().and_then(|v| v.as_str().map(str::to_owned)).as_deref() != Some(s.case.expected().client_auth))
            .count();
        println!("fleet benchmark: {endpoints} endpoints on 127.0.0.1, concurrency {concurrency}, {} cores", std::thread::available_parallelism().map_or(0, |n| n.get()));
        println!("  lab start-up:         {started:8.2} s");
        println!("  scan wall time:       {wall:8.2} s");
        println!("  endpoints per second: {:8.1}", endpoints as f64 / wall);
        println!("  probes:               {probes} ({:.0} per second)", probes as f64 / wall);
        println!("  peak memory (VmHWM):  {:8.1} MiB (before the scan: {rss_before:.1} MiB; servers and scanner share the process)", peak_rss_mib());
        println!("  targets in error:     {errors}; client_auth verdicts wrong: {wrong}");
        Ok::<(), Box<dyn std::error::Error>>(())
    })
}
