use tl_derive::Encode;

#[derive(Encode)]
#[tl(id = 0x1)]
struct A {
    #[tl(flags)]
    flags: u32,
    #[tl(bit = 2)]
    x: i32,
}

fn main() {}
