//! A derive that fails reports its error once: the type's uses elsewhere see stand-in impls,
//! not a "has no TL encoding" error each.
use tl_codec::{from_bytes, to_bytes, Bare, TlStr};
use tl_derive::{Decode, Encode};

// A field missing from the declaration.
#[derive(Encode, Decode)]
#[tl(decl = "user id:long name:string = User")]
struct User {
    id: i64,
}

// A variant without an id.
#[derive(Encode, Decode)]
enum Peer {
    #[tl(id = 0x11)]
    User { id: i64 },
    Chat { id: i64 },
}

// No id, an unknown field attribute, a lifetime.
#[derive(Encode, Decode)]
struct Name<'a> {
    #[tl(bogus)]
    text: TlStr<'a>,
}

// A decoded borrow for 'static.
#[derive(Encode, Decode)]
#[tl(id = 0x22)]
struct Label {
    text: &'static str,
}

// A function whose declaration does not match, with a `returns` type and a `crate` path.
#[derive(Encode, Decode)]
#[tl(decl = "getUsers ids:Vector<long> = Vector<User>", returns = Vec<User>, crate = tl_codec)]
struct GetUsers {
    ids: Vec<i64>,
    extra: i32,
}

#[derive(Encode, Decode)]
#[tl(id = 0x33)]
struct Holder<'a> {
    user: User,
    users: Vec<User>,
    peer: Peer,
    name: Name<'a>,
    #[tl(bare)]
    bare_user: User,
    request: GetUsers,
}

fn main() {
    let user = User { id: 1 };
    let _ = to_bytes(&user);
    let _ = to_bytes(&Bare(&user));
    let _ = from_bytes::<User>(&[]);
    let _ = from_bytes::<Peer>(&[]);
    let _ = from_bytes::<Name<'_>>(&[]);
    let _ = from_bytes::<Label>(&[]);
    let _ = <User as tl_codec::Identifiable>::CONSTRUCTOR_ID;
    let _ = to_bytes(&GetUsers { ids: vec![], extra: 0 });
}
