//! How reports look: `--format` for the commands with two formats, and ANSI colors (on for a
//! terminal unless `NO_COLOR` is set, or as forced by `--color`).

use super::report::Verdict;

/// `--format` of `tl history` and `tl log`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum HumanOrJson {
    /// Text for people.
    #[default]
    Human,
    /// JSON on stdout.
    Json,
}

pub use crate::report::ColorChoice;

/// Paints text, or leaves it plain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    /// Whether to emit escape codes.
    pub color: bool,
}

/// Escape codes used by the reports.
pub mod code {
    /// Green: additions, compatible.
    pub const GREEN: &str = "32";
    /// Red: removals.
    pub const RED: &str = "31";
    /// Yellow: changes, id-changing.
    pub const YELLOW: &str = "33";
    /// Bold red: breaking.
    pub const BOLD_RED: &str = "1;31";
    /// Bold: headings.
    pub const BOLD: &str = "1";
    /// Dim: details.
    pub const DIM: &str = "2";
}

impl Style {
    /// `text` wrapped in the SGR `code` when coloring.
    pub fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    /// The verdict word in its color.
    pub fn verdict(&self, v: Verdict) -> String {
        let code = match v {
            Verdict::Compatible => code::GREEN,
            Verdict::IdChanging => code::YELLOW,
            Verdict::Breaking => code::BOLD_RED,
        };
        self.paint(code, v.word())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_when_off() {
        assert_eq!(Style { color: false }.paint(code::RED, "x"), "x");
        assert_eq!(Style { color: true }.paint(code::RED, "x"), "\x1b[31mx\x1b[0m");
        assert!(!ColorChoice::Never.for_stdout());
        assert!(ColorChoice::Always.for_stdout());
    }
}
