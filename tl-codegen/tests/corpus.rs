//! Corpus checks over real schemas (`TL_CORPUS`, e.g. `../shared/schemas`): the generator and
//! the dynamic codec handle every kind of layer. `#[ignore]`d; run with `-- --ignored`.

use std::path::PathBuf;
use tl_codegen::{dynamic::Registry, Generator, Options};

fn corpus() -> PathBuf {
    let dir =
        std::env::var_os("TL_CORPUS").expect("TL_CORPUS must point at the schema corpus (../shared/schemas)");
    let dir = PathBuf::from(dir);
    assert!(dir.is_dir(), "TL_CORPUS={} is not a directory", dir.display());
    dir
}

fn layer_files() -> Vec<PathBuf> {
    let dir = corpus().join("api");
    let mut files: Vec<(u32, PathBuf)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter_map(|p| {
            let n = p.file_stem()?.to_str()?.strip_prefix("layer-")?.parse().ok()?;
            Some((n, p))
        })
        .collect();
    files.sort();
    assert!(files.len() > 100, "expected the api layers in {}", dir.display());
    files.into_iter().map(|(_, p)| p).collect()
}

#[test]
#[ignore = "needs TL_CORPUS"]
fn generator_handles_sampled_layers() {
    let files = layer_files();
    // Every 32nd layer and the last: generating is the slow part (formatting megabytes).
    let sample = files.iter().step_by(32).chain(files.last());
    for path in sample {
        let text = std::fs::read_to_string(path).expect("layer");
        let schemas = [tl_parser::parse(&text).schema];
        let files = Generator::new(&schemas, Options::default())
            .generate()
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(files[0].text.contains("pub const LAYER"), "{}", path.display());
    }
}

#[test]
#[ignore = "needs TL_CORPUS"]
fn dynamic_codec_round_trips_every_constructor_without_params_of_every_layer() {
    for path in layer_files() {
        let text = std::fs::read_to_string(&path).expect("layer");
        let schemas = [tl_parser::parse(&text).schema];
        let reg = Registry::new(&schemas);
        for def in schemas[0].definitions.iter().filter(|d| d.params.is_empty()) {
            if reg.constructor_by_id(def.id).is_none() && reg.function_by_id(def.id).is_none() {
                continue;
            }
            let bytes = def.id.to_le_bytes();
            let Ok(value) = reg.decode(&bytes, None) else { continue };
            assert_eq!(
                reg.encode(&value, None).as_deref(),
                Ok(&bytes[..]),
                "{}: {}",
                path.display(),
                def.name
            );
        }
    }
}
