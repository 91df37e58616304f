use tl_derive::Encode;

// `decl` checks the clear type mismatches: fixed-width primitives of another width, and bare
// against boxed vectors.
#[derive(Encode)]
#[tl(decl = "foo a:long b:int c:vector<int> d:Vector<int> e:string = Foo")]
struct Foo {
    a: i32,
    b: u32,
    c: Vec<i32>,
    #[tl(bare)]
    d: Vec<i32>,
    e: i64,
}

fn main() {}
