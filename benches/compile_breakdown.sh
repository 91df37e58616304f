#!/usr/bin/env bash
# What each part of the generated latest layer costs to compile (release, peak RSS and CPU):
# the bare types, the types with their derives, then without the Encode or the Decode impls,
# and everything. The difference between two rows is what that part costs; compare with
# grammers-tl-types in compile_cost.sh. Needs python3 and /usr/bin/time.
#
# Usage: bash benches/compile_breakdown.sh [WORK_DIR]   (TL_BIN=path/to/tl to skip building it)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-${TMPDIR:-/tmp}/tl-compile-breakdown}
rm -rf "$work"
mkdir -p "$work"
export CARGO_TARGET_DIR="$work/target"
tl=${TL_BIN:-}
if [ -z "$tl" ]; then
  cargo build -q --release --manifest-path "$root/Cargo.toml" --bin tl
  tl="$CARGO_TARGET_DIR/release/tl"
fi
"$tl" gen -o "$work/full" >/dev/null 2>&1
strip() { python3 "$root/benches/strip_impls.py" "$work/full" "$work/$1" "${@:2}"; }
strip types --no-derive
strip derives
strip no-encode '--only-impls=::tl_codec::(Encode|Function)'
strip no-decode '--only-impls=::tl_codec::(Decode|Function)|Reborrow\s+for'

measure() { # variant
  local dir="$work/crate-$1"
  mkdir -p "$dir/src"
  cat > "$dir/Cargo.toml" <<TOML
[package]
name = "breakdown-$1"
version = "0.0.0"
edition = "2021"
[workspace]
[dependencies]
tl-codec = { path = "$root/tl-codec" }
TOML
  echo 'pub mod api;' > "$dir/src/lib.rs"
  cp -r "$work/$1" "$dir/src/api"
  (cd "$dir" && cargo build -q --release -j2 >/dev/null 2>&1)
  (cd "$dir" && cargo clean -q --release -p "breakdown-$1")
  (cd "$dir" && /usr/bin/time -v cargo build -q --release -j2 2> "$work/$1.time")
  local mem cpu
  mem=$(grep 'Maximum resident set size' "$work/$1.time" | awk '{print $NF}')
  cpu=$(awk '/User time|System time/ {s += $NF} END {printf "%.1f", s}' "$work/$1.time")
  printf '%-44s cpu %6ss   peak RSS %6d MiB   source %6d KiB\n' "$2" "$cpu" $((mem / 1024)) \
    $(($(cat "$work/$1"/*.rs | wc -c) / 1024))
}
measure types "types only (no derives, no impls)"
measure derives "types + derives"
measure no-decode "types + derives + Encode"
measure no-encode "types + derives + Decode"
measure full "everything (tl gen)"
