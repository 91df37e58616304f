//! tl-codec: TL encoding traits, primitives and errors.
