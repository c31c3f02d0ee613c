use mtls_lab::LabCase;
use probe_core::exchange::{self, ExchangeSetup, Limits};
use probe_core::handshake::SharedRecord;
use probe_core::observation::TlsVersion;
use probe_core::target::Target;
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn opt() -> Result<(), Box<dyn std::error::Error>> {
    let lab = mtls_lab::start(&[
        LabCase::Optional,
        LabCase::RequiredVerified,
        LabCase::NoClientAuth,
    ])
    .await?;
    let provider = probe_core::scan::provider();
    for s in &lab.servers {
        let t = Target::parse(&s.url)?;
        for v in [TlsVersion::Tls13, TlsVersion::Tls12] {
            let mut ms = Vec::new();
            let mut last = None;
            for _ in 0..9 {
                let rec = SharedRecord::default();
                let setup = ExchangeSetup {
                    provider: &provider,
                    versions: &[v],
                    chooser: None,
                    limits: Limits {
                        timeout: Duration::from_secs(5),
                        ..Limits::default()
                    },
                    path: None,
                };
                let st = Instant::now();
                let r = exchange::run(&t, setup, &rec).await;
                ms.push(st.elapsed().as_secs_f64() * 1000.0);
                last = Some((r.http_status, r.alert, r.detail));
            }
            ms.sort_by(f64::total_cmp);
            eprintln!(
                "{:<18} {v} median {:.2} ms {:?}",
                s.case.name(),
                ms[4],
                last
            );
        }
    }
    Ok(())
}
