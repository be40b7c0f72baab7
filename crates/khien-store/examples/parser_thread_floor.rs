//! A third figure for the vulnerability-import benchmark (`bench/vuln.sh`): the work of the
//! import's parser thread alone — reading the file, parsing every finding, interning its
//! vulnerability texts and keying it (fingerprint, content hash) — with nothing sent to a
//! database. The import runs this on one thread while the database work runs on
//! the other, so the import can be no faster than this.
//!
//! `cargo run --release -p khien-store --example parser_thread_floor -- FILE` prints
//! `findings=N seconds=S`.

use std::time::Instant;

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: parser_thread_floor FILE");
        std::process::exit(2);
    };
    let started = Instant::now();
    let mut interner = khien_store::scan_key::Interner::default();
    let mut findings = 0u64;
    let result = khien_vuln::parse_file_tapped(std::path::Path::new(&path), None, &mut |_| Ok(()), &mut |f| {
        let keyed = khien_store::scan_key::key(f, &mut interner);
        std::hint::black_box(&keyed);
        findings += 1;
    });
    if let Err(e) = result {
        eprintln!("error: {path}: {e}");
        std::process::exit(1);
    }
    println!("findings={findings} seconds={:.3}", started.elapsed().as_secs_f64());
}
