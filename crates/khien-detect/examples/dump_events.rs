//! Prints the flattened fields of events as Khiên's rules see them (a debugging aid):
//! `cargo run -p khien-detect --example dump_events -- FILE [RECORD_ID...]`.

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(path) = args.first() else {
        eprintln!("usage: dump_events FILE [RECORD_ID...]");
        std::process::exit(2);
    };
    let ids: Vec<u64> = args[1..].iter().filter_map(|a| a.parse().ok()).collect();
    let inputs = khien_detect::input::discover(&[path.into()], &mut |p| eprintln!("{p}"));
    for input in inputs {
        khien_detect::input::read(
            &input,
            &mut |ev| {
                if ids.is_empty() || ev.record_id.is_some_and(|r| ids.contains(&r)) {
                    println!("--- record {:?} channel {} eid {:?}", ev.record_id, ev.channel, ev.event_id);
                    for (k, v) in &ev.fields {
                        println!("  {k} = {v:?}");
                    }
                }
            },
            &mut |p| eprintln!("{p}"),
        );
    }
}
