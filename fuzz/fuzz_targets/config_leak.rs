//! libFuzzer entry for `config_leak` (see `src/lib.rs` for what it checks):
//! `cargo +nightly fuzz run config_leak`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| mtls_scan_fuzz::config_leak(data));
