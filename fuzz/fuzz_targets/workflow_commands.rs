//! libFuzzer entry for `workflow_commands` (see `src/lib.rs` for what it checks):
//! `cargo +nightly fuzz run workflow_commands`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| mtls_scan_fuzz::workflow_commands(data));
