//! Fuzz target: arbitrary event files (EVTX, JSON, JSON Lines) through flattening and matching.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| khien_detect::fuzzing::event_path(data));
