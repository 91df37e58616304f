// Variants that wrap a type take its id, which the derive cannot see: two of them (or one and
// an inline variant) with the same id are a compile-time error, not a silent mis-decode.
use tl_derive::{Decode, Encode};

#[derive(Encode, Decode)]
#[tl(id = 0xa1)]
struct A {
    x: i32,
}

#[derive(Encode, Decode)]
#[tl(id = 0xa1)]
struct A2 {
    x: i32,
}

#[derive(Encode, Decode)]
enum Dup {
    First(A),
    Second(A2),
}

#[derive(Encode, Decode)]
enum Clash {
    #[tl(id = 0xa1)]
    Inline { y: i32 },
    Wrapped(A),
}

fn main() {}
