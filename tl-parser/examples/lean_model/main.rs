//! The lean-model prototype (see `lean.rs`) beside `tl_parser::check` on the embedded layer:
//! both must agree on every definition's name and id, then both are timed.
//! `cargo run --release -p tl-parser --example lean_model`

mod lean;

use std::hint::black_box;
use std::time::Instant;

const API: &str = include_str!("../../../schemas/api.tl");

fn best_of(rounds: usize, f: &dyn Fn() -> usize) -> f64 {
    let mut best = f64::MAX;
    for _ in 0..rounds {
        let t = Instant::now();
        black_box(f());
        best = best.min(t.elapsed().as_secs_f64());
    }
    best
}

fn main() {
    let lean = match lean::check(API) {
        Ok(lean) => lean,
        Err(at) => {
            let line = API[..at.min(API.len())].lines().count();
            eprintln!("the prototype does not read the embedded layer (line {line})");
            std::process::exit(1);
        }
    };
    let full = tl_parser::check(API);
    assert_eq!(lean.defs.len(), full.schema.definitions.len(), "definition count");
    for (l, f) in lean.defs.iter().zip(&full.schema.definitions) {
        let name = &API[l.name.start as usize..l.name.end as usize];
        assert_eq!((name, l.id), (f.name.as_ref(), f.id), "definition");
        assert_eq!(
            usize::from(l.n_params),
            f.params.len() + f.params.iter().map(repeated).sum::<usize>(),
            "{name}"
        );
    }
    assert_eq!(lean.warnings.len(), full.diagnostics.len(), "{:?}", lean.warnings);
    println!(
        "lean model: {} definitions, {} params, {} type refs; sizes: Def {} B, Param {} B, Type {} B \
         (full model: Definition {} B, Param {} B)",
        lean.defs.len(),
        lean.params.len(),
        lean.types.len(),
        std::mem::size_of::<lean::Def>(),
        std::mem::size_of::<lean::Param>(),
        std::mem::size_of::<lean::Type>(),
        std::mem::size_of::<tl_parser::Definition<'_>>(),
        std::mem::size_of::<tl_parser::Param<'_>>(),
    );
    // `--profile N`: only the prototype, N times (for callgrind).
    if let Some(n) = std::env::args().skip_while(|a| a != "--profile").nth(1).and_then(|n| n.parse().ok()) {
        for _ in 0..n {
            black_box(lean::check(black_box(API)).map_or(0, |s| s.defs.len()));
        }
        return;
    }
    let mut lean_t = f64::MAX;
    let mut full_t = f64::MAX;
    for _ in 0..10 {
        lean_t = lean_t.min(best_of(20, &|| lean::check(black_box(API)).map_or(0, |s| s.defs.len())));
        full_t = full_t.min(best_of(20, &|| tl_parser::check(black_box(API)).schema.definitions.len()));
    }
    println!(
        "parse+validate api.tl: lean prototype {:.3} ms, tl_parser::check {:.3} ms ({:.1}x)",
        lean_t * 1e3,
        full_t * 1e3,
        full_t / lean_t
    );
}

/// Parameters inside `[ ... ]`, which the lean model lists flat after their repetition.
fn repeated(p: &tl_parser::Param<'_>) -> usize {
    match &p.kind {
        tl_parser::ParamKind::Repeat { params, .. } => params.len(),
        _ => 0,
    }
}
