//! Single-threaded parse (+validate) throughput over schema files, best of several passes so
//! that a busy machine disturbs the figure less.
//! `cargo run --release -p tl-parser --example throughput -- [--parse-only] FILE...`

use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let parse_only = args.iter().any(|a| a == "--parse-only");
    let files: Vec<String> = args
        .iter()
        .filter(|a| !a.starts_with("--"))
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .collect();
    let bytes: usize = files.iter().map(String::len).sum();
    let mut best = f64::MAX;
    let mut defs = 0;
    for _ in 0..7 {
        let t = Instant::now();
        defs = 0;
        for src in &files {
            let parsed = if parse_only { tl_parser::parse(src) } else { tl_parser::check(src) };
            defs += parsed.schema.definitions.len();
        }
        best = best.min(t.elapsed().as_secs_f64());
    }
    println!(
        "{} files, {:.2} MB, {defs} definitions: best {:.1} ms = {:.0} MB/s ({})",
        files.len(),
        bytes as f64 / 1e6,
        best * 1e3,
        bytes as f64 / 1e6 / best,
        if parse_only { "parse" } else { "parse+validate" }
    );
}
