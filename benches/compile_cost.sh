#!/usr/bin/env bash
# Release compile time and peak memory of the generated latest-layer module (api.tl + mtproto.tl
# from `tl gen`) in a fresh crate, beside grammers-tl-types 0.11.0 (same layer) in another.
# Dependencies are built first; only the crate holding the bindings is timed (for grammers that
# includes its build script, which generates its code). Peak memory is GNU time's maximum
# resident set size (the largest process, i.e. rustc).
#
# With --parts it then measures parts of our generated code, each in a crate of its own (made
# by benches/strip_impls.py, so python3 too): the bare types, the types with their derives, and
# everything but the Decode or the Encode impls. The difference between two rows is what that
# part costs the compiler.
#
# Usage: bash benches/compile_cost.sh [--parts] [WORK_DIR]   (needs /usr/bin/time; uses -j2)
#        TL_BIN=path/to/tl to use an already built `tl` instead of building it.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
parts=false
if [ "${1:-}" = "--parts" ]; then
  parts=true
  shift
fi
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

ours_crate() { # name: a crate mounting the bindings in $work/NAME/src/api
  cat > "$work/$1/Cargo.toml" <<TOML
[package]
name = "cost-$1"
version = "0.0.0"
edition = "2021"
[workspace]
[dependencies]
tl-codec = { path = "$root/tl-codec" }
TOML
  echo 'pub mod api;' > "$work/$1/src/lib.rs"
}
ours_crate ours

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

if $parts; then
  echo "== parts of our generated code, each in a crate of its own"
  part() { # name, label, strip_impls.py options...
    python3 "$root/benches/strip_impls.py" "$work/ours/src/api" "$work/$1/src/api" "${@:3}"
    ours_crate "$1"
    measure "$1" "cost-$1" | sed "s|^$1 (cost-$1) *|$(printf '%-40s' "$2")|"
  }
  part types "types only (no derives, no impls)" --no-derive
  part derives "types + derives"
  part no-decode "types + derives + Encode" '--only-impls=::tl_codec::(Decode|Function)|Reborrow\s+for'
  part no-encode "types + derives + Decode" '--only-impls=::tl_codec::(Encode|Function)'
fi
