//! Arbitrary bytes as variable definitions and a template for the `${…}` resolver.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| smokecheck_fuzz::variables(data));
