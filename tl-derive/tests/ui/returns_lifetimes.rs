use tl_derive::Encode;

// The answer's lifetime must be named, and be one.
#[derive(Encode)]
#[tl(id = 0x1, returns = Vec<tl_codec::TlStr<'_>>)]
struct Elided;

#[derive(Encode)]
#[tl(id = 0x2, returns = (tl_codec::TlStr<'x>, tl_codec::TlStr<'y>))]
struct Two;

fn main() {}
