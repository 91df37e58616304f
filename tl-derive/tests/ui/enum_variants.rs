use tl_derive::{Decode, Encode};

#[derive(Encode)]
enum MissingId {
    #[tl(id = 0x1)]
    A,
    B { x: i32 },
}

#[derive(Decode)]
enum DuplicateId {
    #[tl(id = 0x1)]
    A,
    #[tl(id = 0x1)]
    B,
}

#[derive(Encode)]
#[tl(id = 0x5)]
enum IdOnEnum {
    #[tl(id = 0x1)]
    A,
}

fn main() {}
