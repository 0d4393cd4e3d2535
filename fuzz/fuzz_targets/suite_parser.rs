//! Arbitrary bytes as a suite file: load, validate and plan it (run and validate modes),
//! render any error. Nothing may panic, hang or leak a secret into a check's target.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| smokecheck_fuzz::suite_parser(data));
