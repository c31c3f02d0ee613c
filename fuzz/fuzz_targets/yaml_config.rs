//! libFuzzer entry for `yaml_config` (see `src/lib.rs` for what it checks):
//! `cargo +nightly fuzz run yaml_config`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| mtls_scan_fuzz::yaml_config(data));
