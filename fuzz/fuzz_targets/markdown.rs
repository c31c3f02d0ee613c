//! libFuzzer entry for `markdown` (see `src/lib.rs` for what it checks):
//! `cargo +nightly fuzz run markdown`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| mtls_scan_fuzz::markdown(data));
