use tl_derive::Encode;

#[derive(Encode)]
#[tl(id = 0x1)]
struct NoBit {
    #[tl(flags)]
    flags: (),
    x: Option<i32>,
}

fn main() {}
