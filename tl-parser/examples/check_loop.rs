//! `tl_parser::check` on the embedded layer N times, for profilers (callgrind counts are
//! repeatable where wall time on a shared machine is not), and best-of-batches wall time.
//! `cargo run --release -p tl-parser --example check_loop -- [N] [--parse-only] [--time]`

use std::hint::black_box;
use std::time::Instant;

const API: &str = include_str!("../../schemas/api.tl");

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let n: usize = args.iter().find_map(|a| a.parse().ok()).unwrap_or(10);
    let parse_only = args.iter().any(|a| a == "--parse-only");
    let run = || {
        let parsed =
            if parse_only { tl_parser::parse(black_box(API)) } else { tl_parser::check(black_box(API)) };
        parsed.schema.definitions.len() + parsed.diagnostics.len()
    };
    if !args.iter().any(|a| a == "--time") {
        for _ in 0..n {
            black_box(run());
        }
        return;
    }
    // Best of batches: the minimum is the run the neighbours disturbed least.
    let mut best = f64::MAX;
    for _ in 0..n {
        let t = Instant::now();
        for _ in 0..20 {
            black_box(run());
        }
        best = best.min(t.elapsed().as_secs_f64() / 20.0);
    }
    println!("{}: best {:.3} ms per run", if parse_only { "parse" } else { "check" }, best * 1e3);
}
