//! Parses and validates schema files, prints their diagnostics and the throughput.
//! `cargo run --release -p tl-parser --example scan -- FILE... [--quiet]`

use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let quiet = args.iter().any(|a| a == "--quiet");
    let files: Vec<(String, String)> = args
        .iter()
        .filter(|a| !a.starts_with("--"))
        .filter_map(|p| std::fs::read_to_string(p).ok().map(|s| (p.clone(), s)))
        .collect();
    let bytes: usize = files.iter().map(|(_, s)| s.len()).sum();
    let mut counts = std::collections::BTreeMap::<&str, usize>::new();
    let t = Instant::now();
    for (path, src) in &files {
        let parsed = tl_parser::check(src);
        for d in &parsed.diagnostics {
            *counts.entry(d.code).or_default() += 1;
            if !quiet {
                print!("{}", tl_parser::render::render(d, path, src, false));
            }
        }
    }
    let secs = t.elapsed().as_secs_f64();
    eprintln!(
        "{} files, {:.1} MB in {:.3} s: {:.0} MB/s; diagnostics {:?}",
        files.len(),
        bytes as f64 / 1e6,
        secs,
        bytes as f64 / 1e6 / secs,
        counts
    );
}
