use tl_derive::Encode;

#[derive(Encode)]
#[tl(id = 0x12345678, decl = "boolTrue = Bool")]
struct A;

#[derive(Encode)]
#[tl(decl = "boolTrue#12345678 = Bool")]
struct B;

#[derive(Encode)]
#[tl(decl = "boolTrue = ")]
struct C;

fn main() {}
