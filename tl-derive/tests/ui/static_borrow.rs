use std::borrow::Cow;
use std::marker::PhantomData;

use tl_derive::{Decode, Encode};

// A decoded value borrows from the input, which does not live for `'static`: each such
// borrow is named at its `'static`.
#[derive(Encode, Decode)]
#[tl(id = 0x1)]
struct Fixed {
    name: &'static str,
    #[tl(flags)]
    flags: (),
    #[tl(bit = 0)]
    data: Option<Vec<&'static [u8]>>,
    text: Cow<'static, str>,
    // Not on the wire, or decoded by a module of the user's: fine.
    marker: PhantomData<&'static str>,
    #[tl(with = interned)]
    kind: &'static str,
}

// A `'static` argument of some other type is left to the compiler, which points at the field.
#[derive(Encode, Decode)]
#[tl(id = 0x2)]
struct Inner<'a> {
    text: &'a str,
}

#[derive(Encode, Decode)]
#[tl(id = 0x3)]
struct Outer {
    inner: Inner<'static>,
}

mod interned {
    use tl_codec::{Output, Reader, Result};

    pub fn encoded_len(_: &&'static str) -> usize {
        4
    }
    pub fn encode<O: Output + ?Sized>(_: &&'static str, out: &mut O) {
        out.put_u32(0);
    }
    pub fn decode(r: &mut Reader<'_>) -> Result<&'static str> {
        r.read_u32().map(|_| "kind")
    }
}

fn main() {}
