use tl_derive::Encode;

#[derive(Encode)]
#[tl(id = 0x1)]
struct A {
    #[tl(optional)]
    x: i32,
}

#[derive(Encode)]
#[tl(idd = 0x1)]
struct B {
    x: i32,
}

fn main() {}
