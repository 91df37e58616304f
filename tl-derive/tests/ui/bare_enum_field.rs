use tl_derive::{Decode, Encode};

#[derive(Encode, Decode)]
enum E {
    #[tl(id = 0x1)]
    A,
}

// An enum has no single id, so it cannot be written bare.
#[derive(Decode)]
#[tl(id = 0x2)]
struct S {
    #[tl(bare)]
    e: E,
}

fn main() {}
