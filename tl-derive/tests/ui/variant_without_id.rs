use tl_derive::{Decode, Encode};

// A variant wrapping a type with no constructor id: the errors say what is missing.
#[derive(Encode, Decode)]
enum E {
    #[tl(id = 0x1)]
    A,
    B(i32),
}

fn main() {}
