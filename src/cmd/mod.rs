//! One module per subcommand; each has `Args` (clap) and `run(Args) -> ExitCode`.

pub mod check;
pub mod decode;
pub mod diff;
pub mod encode;
pub mod fmt;
pub mod gen;
pub mod history;
pub mod json;
pub mod layers;
pub mod log;
pub mod sample;
