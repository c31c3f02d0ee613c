//! Benchmark: wall time of a full scan of the demo lab (every probe on TLS 1.3 and 1.2, with the
//! lab's identity and CA, as `mtls-scan demo` runs it), and per endpoint, as the median of several
//! runs. Run: `cargo bench -p probe-core --bench lab_scan` (set LAB_SCAN_RUNS to change the count).
//! It prints figures; it asserts nothing about speed.

use std::time::Instant;

use mtls_lab::LabCase;
use probe_core::engine::{IdentityInputs, ScanOptions, Scanner};
use probe_core::target::Target;

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let runs: usize = std::env::var("LAB_SCAN_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(15)
        .clamp(1, 200);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let lab = mtls_lab::start(&LabCase::ALL).await?;
        let targets: Vec<Target> = lab
            .servers
            .iter()
            .map(|s| Target::parse(&s.url))
            .collect::<Result<_, _>>()?;
        let identities = IdentityInputs {
            client_cert_pem: Some(lab.pki.client_cert_pem.clone()),
            client_key_pem: Some(lab.pki.client_key_pem.clone()),
            issuing_ca_cert_pem: Some(lab.pki.ca_cert_pem.clone()),
            issuing_ca_key_pem: Some(lab.pki.ca_key_pem.clone()),
        };
        let options = ScanOptions {
            system_roots: false,
            identities,
            ..ScanOptions::default()
        };
        let mut setup = Vec::new();
        let mut full = Vec::new();
        let mut single = Vec::new();
        let mut probes = 0;
        for _ in 0..runs {
            let t0 = Instant::now();
            let scanner = Scanner::new(&options)?;
            setup.push(t0.elapsed().as_secs_f64() * 1e3);
            let t1 = Instant::now();
            let report = scanner.scan(&targets).await;
            full.push(t1.elapsed().as_secs_f64() * 1e3);
            probes = report.targets.iter().map(|t| t.probes.len()).sum();
            let t2 = Instant::now();
            let _ = scanner.scan(targets.get(2..3).unwrap_or_default()).await;
            single.push(t2.elapsed().as_secs_f64() * 1e3);
        }
        let full_median = median(&mut full);
        println!(
            "lab scan benchmark: {} endpoints, {probes} probes per scan, {runs} runs (median)",
            targets.len()
        );
        println!(
            "  scanner setup (mint identities):   {:8.2} ms",
            median(&mut setup)
        );
        println!("  full lab scan, all endpoints:       {full_median:8.2} ms");
        println!(
            "  per endpoint (full scan / count):   {:8.2} ms",
            full_median / targets.len() as f64
        );
        println!(
            "  one endpoint alone (required-verified): {:8.2} ms",
            median(&mut single)
        );
        Ok::<(), Box<dyn std::error::Error>>(())
    })
}
