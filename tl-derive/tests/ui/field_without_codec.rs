use tl_derive::{Decode, Encode};

struct Plain;

// The input lifetime of a decoder that needs its own is `'tl`, as the documentation says.
#[derive(Encode, Decode)]
#[tl(id = 0x1)]
struct S {
    p: Plain,
}

fn main() {}
