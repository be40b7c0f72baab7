//! Fuzz target: arbitrary rule files (YAML, modifiers, conditions, correlations).
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| khien_detect::fuzzing::rule_parser(data));
