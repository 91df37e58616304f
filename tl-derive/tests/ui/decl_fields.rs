use tl_derive::Encode;

#[derive(Encode)]
#[tl(decl = "user flags:# bot:flags.0?true id:long name:flags.1?string = User")]
struct WrongBit {
    #[tl(flags)]
    flags: (),
    #[tl(bit = 0)]
    bot: bool,
    id: i64,
    #[tl(bit = 2)]
    name: Option<String>,
}

#[derive(Encode)]
#[tl(decl = "user id:long name:string = User")]
struct MissingField {
    id: i64,
}

#[derive(Encode)]
#[tl(decl = "user flags:# id:long = User")]
struct NotFlags {
    flags: u32,
    id: i64,
}

fn main() {}
