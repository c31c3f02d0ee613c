//! libFuzzer entry for `server_cert` (see `src/lib.rs` for what it checks):
//! `cargo +nightly fuzz run server_cert`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| mtls_scan_fuzz::server_cert(data));
