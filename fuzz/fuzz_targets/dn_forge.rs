//! libFuzzer entry for `dn_forge` (see `src/lib.rs` for what it checks):
//! `cargo +nightly fuzz run dn_forge`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| mtls_scan_fuzz::dn_forge(data));
