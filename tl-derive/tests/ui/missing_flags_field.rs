use tl_derive::Encode;

#[derive(Encode)]
#[tl(id = 0x1)]
struct NoFlags {
    #[tl(bit = 0)]
    x: Option<i32>,
}

#[derive(Encode)]
#[tl(id = 0x2)]
struct FlagsAfter {
    #[tl(bit = 0)]
    x: Option<i32>,
    #[tl(flags)]
    flags: (),
}

#[derive(Encode)]
#[tl(id = 0x3)]
struct WrongName {
    #[tl(flags)]
    flags: (),
    #[tl(flags = "flags2", bit = 1)]
    x: Option<i32>,
}

#[derive(Encode)]
#[tl(id = 0x4)]
struct Ambiguous {
    #[tl(flags)]
    flags: (),
    #[tl(flags)]
    flags2: (),
    #[tl(bit = 1)]
    x: Option<i32>,
}

fn main() {}
