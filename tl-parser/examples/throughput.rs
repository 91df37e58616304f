//! Single-threaded parse (+validate) throughput over schema files, best of several passes so
//! that a busy machine disturbs the figure less.
//! `cargo run --release -p tl-parser --example throughput -- [--parse-only] FILE...`

use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let parse_only = args.iter().any(|a| a == "--parse-only");
    let two_threads = args.iter().any(|a| a == "--two-threads");
    let files: Vec<String> = args
        .iter()
        .filter(|a| !a.starts_with("--"))
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .collect();
    let bytes: usize = files.iter().map(String::len).sum();
    let mut best = f64::MAX;
    let mut defs = 0;
    // Interleaved halves, as a CLI handing files to two workers would get.
    let halves: (Vec<String>, Vec<String>) =
        files.iter().cloned().enumerate().partition::<Vec<_>, _>(|(i, _)| i % 2 == 0).into_iter_pair();
    let cpu0 = cpu_seconds();
    for _ in 0..7 {
        let t = Instant::now();
        let run = |chunk: &[String]| -> usize {
            chunk
                .iter()
                .map(|src| {
                    let parsed = if parse_only { tl_parser::parse(src) } else { tl_parser::check(src) };
                    parsed.schema.definitions.len()
                })
                .sum()
        };
        defs = if two_threads {
            let (a, b) = (&halves.0, &halves.1);
            std::thread::scope(|s| {
                let h = s.spawn(|| run(a));
                run(b) + h.join().unwrap_or(0)
            })
        } else {
            run(&files)
        };
        best = best.min(t.elapsed().as_secs_f64());
    }
    // CPU time per pass: on a busy machine wall time mostly measures the neighbours.
    let cpu = cpu_seconds().map(|c1| (c1 - cpu0.unwrap_or(c1)) / 7.0);
    println!(
        "{} files, {:.2} MB, {defs} definitions: best wall {:.1} ms = {:.0} MB/s; cpu/pass {} ({})",
        files.len(),
        bytes as f64 / 1e6,
        best * 1e3,
        bytes as f64 / 1e6 / best,
        cpu.map_or("n/a".to_string(), |c| format!("{:.1} ms = {:.0} MB/s", c * 1e3, bytes as f64 / 1e6 / c)),
        if parse_only { "parse" } else { "parse+validate" }
    );
    if two_threads {
        println!("(two threads: wall is the figure; cpu/pass adds both threads)");
    }
}

trait IntoIterPair {
    fn into_iter_pair(self) -> (Vec<String>, Vec<String>);
}

impl IntoIterPair for (Vec<(usize, String)>, Vec<(usize, String)>) {
    fn into_iter_pair(self) -> (Vec<String>, Vec<String>) {
        (self.0.into_iter().map(|(_, s)| s).collect(), self.1.into_iter().map(|(_, s)| s).collect())
    }
}

/// User + system CPU time of this process (Linux `/proc/self/stat`, 100 ticks a second).
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let after = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = after.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / 100.0)
}
