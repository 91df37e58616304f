use tl_derive::{Decode, Encode, Identifiable};

// `Decode` implements `Identifiable` already: deriving it as well conflicts.
#[derive(Encode, Decode, Identifiable)]
#[tl(id = 0x1)]
struct Both {
    x: i32,
}

// Only a struct with an id has one.
#[derive(Encode, Identifiable)]
struct NoId {
    x: i32,
}

#[derive(Encode, Identifiable)]
enum Several {
    #[tl(id = 0x2)]
    A,
}

fn main() {}
