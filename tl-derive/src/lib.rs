//! tl-derive: derive macros for TL encoding.
