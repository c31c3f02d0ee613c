//! The stable-toolchain fuzz driver: for each target, replays its corpus (`corpus/NAME/*`) and
//! then runs mutated inputs (bit flips, byte edits, splices of two corpus entries, repeated
//! chunks, interesting values, random bytes) until its time is up. It is a blind mutator, not
//! libFuzzer (no coverage feedback), which is what `cargo +nightly fuzz run NAME` adds.
//!
//! ```text
//! cargo run --release --no-default-features --bin replay -- [--seconds N] [--seed S] [TARGET...]
//! ```
//!
//! A panic saves the input as `artifacts/NAME/crash-HASH` and exits 1; an input slower than
//! `--slow-ms` (default 2000) is saved as `slow-HASH` and also fails. Prints execs per target.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use mtls_scan_fuzz::TARGETS;

/// xorshift64*: fast, seedable, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

const INTERESTING: &[&[u8]] = &[
    b"\x00",
    b"\xff",
    b"\x7f",
    b"\x80",
    b"\x30\x80",
    b"\x30\x82\xff\xff",
    b"\x30\x84\xff\xff\xff\xff",
    b"\x31\x00",
    b"\x0c\x03\xff\xfe\xfd",
    b"\x06\x03\x55\x04\x03",
    b"\r\n",
    b"\n::error::",
    b"%0A",
    b"%",
    b"`",
    b"```",
    b"<script>",
    b"|",
    b"\xe2\x80\xae",
    b"&amp;",
    b"-----BEGIN PRIVATE KEY-----",
    b"-----END PRIVATE KEY-----",
    b"password=",
    b"ssl_verify_client off;",
    b"\"clientAuth\":\"want\"",
    b": &a [*a, *a, *a, *a, *a, *a, *a, *a, *a]",
    b"!!binary",
    b"- url: https://x/\n",
    b"targets:\n",
    b"{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{",
    b"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
];

fn mutate(rng: &mut Rng, corpus: &[Vec<u8>], max_len: usize) -> Vec<u8> {
    let mut data = if corpus.is_empty() || rng.below(16) == 0 {
        let len = rng.below(256);
        (0..len).map(|_| rng.next() as u8).collect()
    } else {
        corpus[rng.below(corpus.len())].clone()
    };
    let rounds = 1 + rng.below(8);
    for _ in 0..rounds {
        let len = data.len();
        match rng.below(9) {
            0 if len > 0 => {
                let i = rng.below(len);
                data[i] ^= 1 << rng.below(8);
            }
            1 if len > 0 => {
                let i = rng.below(len);
                data[i] = rng.next() as u8;
            }
            2 => {
                let i = rng.below(len + 1);
                data.insert(i, rng.next() as u8);
            }
            3 if len > 0 => {
                let i = rng.below(len);
                let n = 1 + rng.below((len - i).min(16));
                data.drain(i..i + n);
            }
            4 if len > 0 => {
                let i = rng.below(len);
                let n = 1 + rng.below((len - i).min(64));
                let chunk = data[i..i + n].to_vec();
                for _ in 0..1 + rng.below(8) {
                    let at = rng.below(data.len() + 1);
                    data.splice(at..at, chunk.iter().copied());
                }
            }
            5 => {
                let token = INTERESTING[rng.below(INTERESTING.len())];
                let at = rng.below(len + 1);
                data.splice(at..at, token.iter().copied());
            }
            6 if !corpus.is_empty() => {
                let other = &corpus[rng.below(corpus.len())];
                let cut = rng.below(len + 1);
                let from = rng.below(other.len() + 1);
                data.truncate(cut);
                data.extend_from_slice(&other[from..]);
            }
            7 if len > 0 => data.truncate(rng.below(len)),
            8 if len > 1 => {
                // A DER length byte: the likeliest place for a parser to trust a peer.
                let i = rng.below(len);
                data[i] = [0x00, 0x7f, 0x80, 0x81, 0x82, 0x84, 0xff][rng.below(7)];
            }
            _ => {}
        }
    }
    data.truncate(max_len);
    data
}

fn load_corpus(dir: &Path) -> Vec<Vec<u8>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.sort();
    files
        .iter()
        .filter(|p| p.is_file())
        .filter_map(|p| std::fs::read(p).ok())
        .collect()
}

fn save(root: &Path, target: &str, kind: &str, data: &[u8]) -> PathBuf {
    let mut h = DefaultHasher::new();
    data.hash(&mut h);
    let dir = root.join("artifacts").join(target);
    let _ = std::fs::create_dir_all(&dir);
    let path = dir.join(format!("{kind}-{:016x}", h.finish()));
    let _ = std::fs::write(&path, data);
    path
}

struct Options {
    seconds: f64,
    seed: u64,
    slow: Duration,
    max_len: usize,
    targets: Vec<String>,
}

fn options() -> Result<Options, String> {
    let mut o = Options {
        seconds: 5.0,
        seed: 0x6d74_6c73,
        slow: Duration::from_millis(2000),
        max_len: 64 * 1024,
        targets: Vec::new(),
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match a.as_str() {
            "--seconds" => o.seconds = value("--seconds")?.parse().map_err(|e| format!("{e}"))?,
            "--seed" => o.seed = value("--seed")?.parse().map_err(|e| format!("{e}"))?,
            "--slow-ms" => {
                o.slow = Duration::from_millis(value("--slow-ms")?.parse().map_err(|e| format!("{e}"))?)
            }
            "--max-len" => o.max_len = value("--max-len")?.parse().map_err(|e| format!("{e}"))?,
            "-h" | "--help" => {
                return Err(format!(
                    "usage: replay [--seconds N] [--seed S] [--slow-ms MS] [--max-len BYTES] [TARGET...]\ntargets: {}",
                    TARGETS.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
                ))
            }
            t => o.targets.push(t.to_owned()),
        }
    }
    Ok(o)
}

fn main() -> ExitCode {
    let o = match options() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    for t in &o.targets {
        if !TARGETS.iter().any(|(n, _)| n == t) {
            eprintln!("unknown target {t}");
            return ExitCode::from(2);
        }
    }
    // Panics are caught per input and reported once, with the input saved.
    panic::set_hook(Box::new(|_| {}));
    let mut failed = false;
    let (mut passed_count, mut failed_count) = (0, 0);
    println!(
        "{:<18} {:>7} {:>9} {:>9} {:>9}",
        "target", "corpus", "execs", "execs/s", "max ms"
    );
    for (name, run) in TARGETS {
        if !o.targets.is_empty() && !o.targets.iter().any(|t| t == name) {
            continue;
        }
        let corpus = load_corpus(&root.join("corpus").join(name));
        let mut rng = Rng(o.seed ^ name.len() as u64 ^ 0x9e37_79b9_7f4a_7c15);
        let start = Instant::now();
        let budget = Duration::from_secs_f64(o.seconds);
        let mut execs = 0u64;
        let mut slowest = Duration::ZERO;
        let mut i = 0usize;
        let mut problem = None;
        loop {
            let input = if i < corpus.len() {
                corpus[i].clone()
            } else if start.elapsed() < budget {
                mutate(&mut rng, &corpus, o.max_len)
            } else {
                break;
            };
            i += 1;
            let t0 = Instant::now();
            let outcome = panic::catch_unwind(AssertUnwindSafe(|| run(&input)));
            let took = t0.elapsed();
            execs += 1;
            slowest = slowest.max(took);
            if let Err(payload) = outcome {
                let msg = payload
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                    .unwrap_or_else(|| "panic".to_owned());
                let path = save(&root, name, "crash", &input);
                problem = Some(format!(
                    "{name}: panic: {msg}\n  input saved as {}",
                    path.display()
                ));
                break;
            }
            if took > o.slow {
                let path = save(&root, name, "slow", &input);
                problem = Some(format!(
                    "{name}: one input took {took:?}\n  input saved as {}",
                    path.display()
                ));
                break;
            }
        }
        let secs = start.elapsed().as_secs_f64().max(1e-9);
        println!(
            "{name:<18} {:>7} {execs:>9} {:>9.0} {:>9.1}",
            corpus.len(),
            execs as f64 / secs,
            slowest.as_secs_f64() * 1000.0
        );
        if let Some(p) = problem {
            eprintln!("{p}");
            failed = true;
            failed_count += 1;
        } else {
            passed_count += 1;
        }
    }
    println!("fuzz: {passed_count} passed, {failed_count} failed");
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
