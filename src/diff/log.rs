//! `tl log`: every layer of a directory against the previous one present, in one line each.

use super::engine::diff;
use super::layers::par_map;
use super::report::LogLine;
use super::style::{code, Style};
use std::fmt::Write;
use tl_parser::Definition;

/// One [`LogLine`] per layer, all in memory; the command streams windows through
/// [`log_window`] instead.
#[cfg(test)]
pub fn log(layers: &[(u32, Vec<Definition<'_>>)]) -> Vec<LogLine> {
    let mut out = Vec::with_capacity(layers.len());
    log_window(layers, 0, &mut out);
    out
}

/// The lines of `layers[first..]`, each against the layer before it (which `layers[0]` has
/// when `first` is 1). The diffs are independent, so they run on two threads.
pub fn log_window(layers: &[(u32, Vec<Definition<'_>>)], first: usize, out: &mut Vec<LogLine>) {
    let steps: Vec<usize> = (first..layers.len()).collect();
    out.extend(par_map(&steps, |&k| {
        let previous = k.checked_sub(1).and_then(|p| layers.get(p));
        let old: &[Definition<'_>] = previous.map_or(&[], |p| p.1.as_slice());
        let cur = &layers[k];
        LogLine { layer: cur.0, previous: previous.map(|p| p.0), summary: diff(old, &cur.1).summary }
    }));
}

/// `layer N: +A −R ~C (B breaking)` per line; `layer N (vs P):` when the layer before is not
/// N − 1, as the counts then span several layers' changes.
pub fn render(lines: &[LogLine], style: Style) -> String {
    let mut out = String::new();
    for l in lines {
        let s = &l.summary;
        let label = match l.previous {
            Some(p) if p.checked_add(1) != Some(l.layer) => format!("{} (vs {p}):", l.layer),
            _ => format!("{}:", l.layer),
        };
        let mut line = format!(
            "layer {label:<4} {} {} {}",
            style.paint(code::GREEN, &format!("+{}", s.added)),
            style.paint(code::RED, &format!("\u{2212}{}", s.removed)),
            style.paint(code::YELLOW, &format!("~{}", s.changed)),
        );
        if s.breaking > 0 {
            line.push(' ');
            line.push_str(&style.paint(code::BOLD_RED, &format!("({} breaking)", s.breaking)));
        }
        if l.previous.is_none() {
            line.push_str(" (first layer)");
        }
        let _ = writeln!(out, "{line}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::testutil::parse_def;

    #[test]
    fn lines_against_previous() {
        let layers = vec![
            (1, vec![parse_def("a#1 = A")]),
            (3, vec![parse_def("a#1 = A"), parse_def("b#2 = A")]),
            (4, vec![parse_def("a#1 x:int = A")]),
        ];
        let lines = log(&layers);
        assert_eq!(lines[0].previous, None);
        assert_eq!(lines[1].previous, Some(1));
        assert_eq!((lines[1].summary.added, lines[1].summary.removed), (1, 0));
        assert_eq!(lines[2].summary.breaking, 1);
        let text = render(&lines, Style { color: false });
        assert_eq!(
            text,
            "layer 1:   +2 \u{2212}0 ~0 (first layer)\nlayer 3 (vs 1): +1 \u{2212}0 ~0\nlayer 4:   +0 \u{2212}1 ~1 (1 breaking)\n"
        );
    }
}
