//! `tl`: the command-line front-end. Thin: each subcommand lives in `cmd/` and calls into the
//! library crates.

mod cmd;
mod convert;
mod diff;
mod embedded;
mod report;
mod source;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// A toolchain for Telegram's Type Language (TL) schemas.
#[derive(Debug, Parser)]
#[command(name = "tl", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Parse and validate schemas (default: the embedded layer).
    Check(cmd::check::Args),
    /// Convert a schema (TL or JSON) to the official JSON form.
    Json(cmd::json::Args),
    /// Print a schema (TL or JSON) as canonical TL text.
    ///
    /// The text is written from the parsed model: `//@` doc comments and `// LAYER N` stay,
    /// other comments (commented-out declarations included) do not.
    Fmt(cmd::fmt::Args),
    /// List the embedded schemas.
    Layers(cmd::layers::Args),
    /// Generate Rust bindings.
    Gen(cmd::gen::Args),
    /// Decode TL bytes to JSON using a schema.
    Decode(cmd::decode::Args),
    /// Encode JSON to TL bytes using a schema.
    Encode(cmd::encode::Args),
    /// An example JSON value of a definition or type, for `tl encode`.
    ///
    /// Without --seed, a skeleton: every field (optional ones too, near the top; with
    /// --minimal only those that cannot be left out), zeros and empty strings, one element per
    /// vector, each type's first constructor. With --seed, a random value. Either encodes, and
    /// decodes back to itself.
    Sample(cmd::sample::Args),
    /// Semantic diff of two layers with a wire-compatibility verdict.
    Diff(cmd::diff::Args),
    /// The life of one definition across layers.
    History(cmd::history::Args),
    /// One line per layer: what changed against the previous one.
    Log(cmd::log::Args),
    /// Print a shell completion script.
    ///
    /// bash: `tl completions bash > ~/.local/share/bash-completion/completions/tl`;
    /// zsh: `tl completions zsh > ~/.zfunc/_tl` (with `fpath+=~/.zfunc` before `compinit`);
    /// fish: `tl completions fish > ~/.config/fish/completions/tl.fish`.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let usage = e.use_stderr();
            let _ = e.print();
            // clap's --help/--version are not errors; everything else is a usage error (2).
            return if usage { ExitCode::from(2) } else { ExitCode::SUCCESS };
        }
    };
    match cli.command {
        Command::Check(a) => cmd::check::run(a),
        Command::Json(a) => cmd::json::run(a),
        Command::Fmt(a) => cmd::fmt::run(a),
        Command::Layers(a) => cmd::layers::run(a),
        Command::Gen(a) => cmd::gen::run(a),
        Command::Decode(a) => cmd::decode::run(a),
        Command::Encode(a) => cmd::encode::run(a),
        Command::Sample(a) => cmd::sample::run(a),
        Command::Diff(a) => cmd::diff::run(a),
        Command::History(a) => cmd::history::run(a),
        Command::Log(a) => cmd::log::run(a),
        Command::Completions { shell } => {
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut <Cli as clap::CommandFactory>::command(), "tl", &mut script);
            convert::bytes_to_stdout(&script).err().unwrap_or(ExitCode::SUCCESS)
        }
    }
}

#[cfg(test)]
mod tests {
    /// clap's own checks of every subcommand's arguments (unique ids and groups, defaults
    /// among the possible values, …), which otherwise run only when that subcommand is used.
    #[test]
    fn the_command_line_is_well_formed() {
        <super::Cli as clap::CommandFactory>::command().debug_assert();
    }
}
