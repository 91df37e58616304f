#!/usr/bin/env bash
# Release compile time and peak memory of the generated latest-layer module (api.tl + mtproto.tl
# from `tl gen`) in a fresh crate, beside grammers-tl-types 0.11.0 (same layer) in another.
# Dependencies are built first; only the crate holding the bindings is timed (for grammers that
# includes its build script, which generates its code). Peak memory is GNU time's maximum
# resident set size (the largest process, i.e. rustc).
#
# Usage: bash benches/compile_cost.sh [WORK_DIR]      (needs /usr/bin/time; uses -j2)
#        TL_BIN=path/to/tl to use an already built `tl` instead of building it.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-${TMPDIR:-/tmp}/tl-compile-cost}
jobs=${JOBS:-2}
rm -rf "$work"
mkdir -p "$work"
export CARGO_TARGET_DIR="$work/target"

echo "== generating the bindings with tl gen"
if [ -n "${TL_BIN:-}" ]; then
  "$TL_BIN" gen -o "$work/ours/src/api" 2>&1 | tail -1
else
  cargo run -q --release --manifest-path "$root/Cargo.toml" --bin tl -- gen -o "$work/ours/src/api" 2>&1 | tail -1
fi

cat > "$work/ours/Cargo.toml" <<TOML
[package]
name = "cost-ours"
version = "0.0.0"
edition = "2021"
[workspace]
[dependencies]
tl-codec = { path = "$root/tl-codec" }
TOML
echo 'pub mod api;' > "$work/ours/src/lib.rs"

peer() { # name, features
  mkdir -p "$work/$1/src"
  cat > "$work/$1/Cargo.toml" <<TOML
[package]
name = "cost-$1"
version = "0.0.0"
edition = "2021"
[workspace]
[dependencies]
grammers-tl-types = { version = "=0.11.0", features = [$2] }
TOML
  echo 'pub use grammers_tl_types::*;' > "$work/$1/src/lib.rs"
}
peer grammers '"tl-mtproto", "deserializable-functions"'
peer grammers-default ''

measure() { # dir, package to rebuild
  local dir=$1 pkg=$2
  (cd "$work/$dir" && cargo build -q --release -j "$jobs" >/dev/null 2>&1)
  (cd "$work/$dir" && cargo clean -q --release -p "$pkg" >/dev/null 2>&1)
  local log="$work/$dir.time"
  (cd "$work/$dir" && /usr/bin/time -v cargo build -q --release -j "$jobs" 2> "$log")
  local secs mem cpu
  secs=$(grep 'Elapsed (wall clock)' "$log" | awk '{print $NF}')
  mem=$(grep 'Maximum resident set size' "$log" | awk '{print $NF}')
  cpu=$(awk '/User time|System time/ {s += $NF} END {printf "%.1f", s}' "$log")
  printf '%-40s wall %8s   cpu %7ss   peak RSS %6d MiB\n' "$dir ($pkg)" "$secs" "$cpu" $((mem / 1024))
}

echo "== release build of the crate holding the bindings (-j$jobs)"
measure ours cost-ours
measure grammers grammers-tl-types
measure grammers-default grammers-tl-types
echo "generated source: $(cat "$work"/ours/src/api/*.rs | wc -c) bytes (ours)"
