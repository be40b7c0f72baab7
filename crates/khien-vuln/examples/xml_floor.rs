//! The floor of the vulnerability-import benchmark (`bench/vuln.sh`): a bare quick-xml pass
//! over a report, counting events and `<ReportItem>` start tags and doing nothing else. No
//! importer can read the file faster than this, so the import's time is compared to it.
//!
//! `cargo run --release -p khien-vuln --example xml_floor -- FILE` prints
//! `items=N events=N seconds=S`.

use quick_xml::events::Event;
use std::io::BufReader;

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: xml_floor FILE");
        std::process::exit(2);
    };
    let started = std::time::Instant::now();
    let file = match std::fs::File::open(&path) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {path}: {e}");
            std::process::exit(1);
        }
    };
    let mut reader = quick_xml::Reader::from_reader(BufReader::with_capacity(256 * 1024, file));
    let mut buf = Vec::with_capacity(64 * 1024);
    let (mut events, mut items) = (0u64, 0u64);
    loop {
        buf.clear();
        match reader.read_event_into(&mut buf) {
            Ok(Event::Eof) => break,
            Ok(Event::Start(e)) => {
                events += 1;
                if e.name().as_ref() == "ReportItem" {
                    items += 1;
                }
            }
            Ok(_) => events += 1,
            Err(e) => {
                eprintln!("error: {path}: at byte {}: {e}", reader.buffer_position());
                std::process::exit(1);
            }
        }
    }
    println!("items={items} events={events} seconds={:.3}", started.elapsed().as_secs_f64());
}
