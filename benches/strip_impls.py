"""Copies a generated module tree (tl gen -o DIR) keeping less of it, for
`compile_cost.sh --parts`: what each part of the generated code costs the compiler.

    strip_impls.py SRC DST [--no-derive] [--only-impls=REGEX]

Removes every `impl` block outside mod.rs (or only those whose header matches REGEX), and with
--no-derive the #[derive(...)] lines too. Works on prettyplease output: an impl starts at a
line beginning with `impl`/`unsafe impl` and ends where its braces balance (doc comments, the
only place a stray brace can appear, are skipped).
"""
import os
import re
import sys

src, dst = sys.argv[1], sys.argv[2]
no_derive = "--no-derive" in sys.argv
only = next((a.split("=", 1)[1] for a in sys.argv if a.startswith("--only-impls=")), None)
os.makedirs(dst, exist_ok=True)
for name in os.listdir(src):
    lines = open(os.path.join(src, name)).read().split("\n")
    out, pending, i = [], [], 0
    while i < len(lines):
        s = lines[i].strip()
        if s.startswith("#[automatically_derived]"):
            pending.append(lines[i])
            i += 1
            continue
        header = " ".join(lines[i : i + 3])
        if (
            name != "mod.rs"
            and (s.startswith("impl") or s.startswith("unsafe impl"))
            and (only is None or re.search(only, header))
        ):
            depth, opened = 0, False
            while i < len(lines):
                t = lines[i]
                if not t.strip().startswith("//"):
                    depth += t.count("{") - t.count("}")
                    opened = opened or "{" in t
                i += 1
                if opened and depth == 0:
                    break
            pending = []
            continue
        out.extend(pending)
        pending = []
        if not (no_derive and s.startswith("#[derive(")):
            out.append(lines[i])
        i += 1
    open(os.path.join(dst, name), "w").write("\n".join(out))
