use tl_derive::Encode;

mod codec {}

#[derive(Encode)]
#[tl(id = 0x1)]
struct A {
    #[tl(bare, with = codec)]
    x: Vec<i32>,
}

#[derive(Encode)]
#[tl(id = 0x2)]
struct B {
    #[tl(flags)]
    flags: (),
    #[tl(bit = 32)]
    x: Option<i32>,
}

#[derive(Encode)]
#[tl(id = 0x3)]
struct C {
    #[tl(flags, bit = 1)]
    flags: u32,
}

#[derive(Encode)]
#[tl(id = 0x4)]
struct D {
    #[tl(flags)]
    flags: (),
    #[tl(bit = 1, bit = 2)]
    x: Option<i32>,
}

fn main() {}
