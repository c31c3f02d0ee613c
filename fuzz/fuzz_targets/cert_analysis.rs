//! libFuzzer entry for `cert_analysis` (see `src/lib.rs` for what it checks):
//! `cargo +nightly fuzz run cert_analysis`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| mtls_scan_fuzz::cert_analysis(data));
