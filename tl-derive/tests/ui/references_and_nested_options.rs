use tl_derive::{Decode, Encode};

// Bare: no id.
#[derive(Encode, Decode)]
struct Pair {
    a: i32,
    b: i32,
}

// A reference to a type without an id, and an `Option` inside a vector: neither has a TL
// form. (References to primitives, strings and bytes do.)
#[derive(Encode)]
#[tl(id = 0x1)]
struct Request<'a> {
    ok: &'a String,
    pair: &'a Pair,
    maybe: Vec<Option<i32>>,
}

fn main() {}
