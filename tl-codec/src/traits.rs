//! The codec traits that derived and generated types implement.
//!
//! A TL value sits either *boxed* (its constructor id first, then its fields) or *bare* (fields
//! only, the id implied by the position). [`Encode`]/[`Decode`] are a type's usual, as-written
//! form: boxed for constructor types and enums, the natural bare form for primitives.
//! [`EncodeBare`]/[`DecodeBare`] are the fields-only form of types that have constructor ids,
//! and such types get [`Encode`]/[`Decode`] from them (blanket impls: the id, then the bare
//! form), so a type implements either the bare pair or, having no id, `Encode`/`Decode` itself.
//! One impl fewer of each per type is what a generated API layer of thousands of types costs
//! the compiler least.

use core::mem::MaybeUninit;

use crate::error::Result;
use crate::output::Output;
use crate::reader::Reader;

/// Types with an exact TL encoding.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no TL encoding",
    label = "no `tl_codec::Encode` for this type",
    note = "derive it (`#[derive(tl_codec::Encode)]`), encode the field `with = module`, or, for an \
            `Option`, make it a `flags.N?T` parameter with `#[tl(bit = N)]` (an `Option` inside a \
            vector or a box has no TL form)",
    note = "`&T` and `Box<T>` encode for a `T` with a constructor id (and `&T` for `&[u8]`, `&str`, \
            `&[u8; N]` and references to the primitives, `String`, `Vec<u8>` and `TlStr`): hold any \
            other value by value"
)]
pub trait Encode {
    /// The exact number of bytes [`Encode::encode`] writes. Must agree with it: callers
    /// allocate exactly this much.
    fn encoded_len(&self) -> usize;

    /// Writes the encoding into `out`.
    fn encode<O: Output + ?Sized>(&self, out: &mut O);
}

/// Types whose encoding is always [`FixedLen::LEN`] bytes (`int`, `long`, `double`, `Bool`,
/// `int128`, `int256`, `int512`). Encoders write runs of such fields after one
/// [`Output::reserve`] for the whole run.
///
/// # Safety
/// [`Encode::encode`] and [`FixedLen::encode_reserved`] write exactly `LEN` bytes, and
/// [`Encode::encoded_len`] returns `LEN`: the reserved writes trust it.
pub unsafe trait FixedLen: Encode {
    /// The length of every value's encoding.
    const LEN: usize;

    /// [`Encode::encode`] with the `*_reserved` writes.
    ///
    /// # Safety
    /// As for [`Output::put_reserved`]: the room for these `LEN` bytes was reserved.
    unsafe fn encode_reserved<O: Output + ?Sized>(&self, out: &mut O);
}

/// Types that decode from input living for `'a`, possibly borrowing from it.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be decoded from TL",
    label = "no `tl_codec::Decode` for this type",
    note = "derive it (`#[derive(tl_codec::Decode)]`), decode the field `with = module`, or, for \
            an `Option`, make it a `flags.N?T` parameter with `#[tl(bit = N)]` (an `Option` inside a \
            vector or a box has no TL form)",
    note = "`Box<T>` decodes for a `T` with a constructor id: hold any other value by value"
)]
pub trait Decode<'a>: Sized {
    /// A lower bound on the encoded size, used to refuse vector counts that the remaining
    /// input could not hold before allocating for them. `0` means unknown (treated as 1).
    const MIN_SIZE: usize = 0;

    /// Reads one value.
    fn decode(r: &mut Reader<'a>) -> Result<Self>;

    /// Reads one value into `slot` and returns it there. Vectors decode their elements with
    /// this (and boxes theirs with [`DecodeBare::decode_bare_into`]): a large value (a `message` is hundreds of bytes) returned in a
    /// `Result` is copied out of it once more than one written in place. Types with ids get it
    /// from [`DecodeBare::decode_bare_into`] (which generated enums override); the default
    /// moves the result of [`Decode::decode`] in.
    #[inline]
    fn decode_into<'s>(r: &mut Reader<'a>, slot: &'s mut MaybeUninit<Self>) -> Result<&'s mut Self> {
        Ok(slot.write(Self::decode(r)?))
    }
}

/// Types with constructor ids, written without the id (`%T`, bare `vector`, or after a caller
/// that writes the id itself).
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no TL constructor to write bare",
    label = "no `tl_codec::EncodeBare` for this type",
    note = "a type written bare (`#[tl(bare)]`, `Bare<T>`) or wrapped by an enum variant (`V(T)`) \
            needs one constructor with an id: `#[tl(id = ...)]` or `decl` on it (an enum has several \
            and cannot be bare); or give the variant its own `#[tl(id = ...)]` and fields. A `Box<T>` \
            or `&T` encodes through this too: box or refer to a struct with an id or an enum, or hold \
            the value itself"
)]
pub trait EncodeBare {
    /// Whether values of this type are of several constructors (an enum's variants): such a
    /// type has no bare form, since only the id tells its values apart. Writing one bare
    /// (`Bare<T>`, `#[tl(bare)]`) then fails to build: the bytes could not be decoded.
    /// `false` by default; the derive and generated enums set it (an enum of one variant
    /// wrapping another type, to that type's).
    const SEVERAL_CONSTRUCTORS: bool = false;

    /// The constructor id [`Encode`] writes before the bare form.
    fn constructor_id(&self) -> u32;

    /// The exact size of the bare form. By default [`EncodeBare::encode_form`] run on a
    /// [`SizeCounter`](crate::SizeCounter), which after inlining adds the same lengths a
    /// hand-written sum would: generated types rely on it, since a second body per type costs
    /// the compiler more than it saves.
    #[inline]
    fn encoded_len_bare(&self) -> usize {
        let mut counter = crate::SizeCounter(0);
        self.encode_form::<crate::SizeCounter, false>(&mut counter);
        counter.0
    }

    /// Writes the constructor id when `BOXED`, then the fields: the boxed form (what
    /// [`Encode::encode`] writes for types with ids) or the bare one, from one body. Generated
    /// types implement only this, so the id shares one reservation with the fixed-width
    /// fields after it without the fields being emitted twice.
    fn encode_form<O: Output + ?Sized, const BOXED: bool>(&self, out: &mut O);

    /// Writes the bare form (no constructor id).
    #[inline]
    fn encode_bare<O: Output + ?Sized>(&self, out: &mut O) {
        self.encode_form::<O, false>(out);
    }
}

/// Writes `value` bare where a type says so (`Bare<T>`, a `#[tl(bare)]` field): fails to build
/// for a type of several constructors ([`EncodeBare::SEVERAL_CONSTRUCTORS`]), whose bare bytes
/// could not be decoded.
///
/// The check runs when this is instantiated (`cargo build`; `cargo check` does not get there):
/// a trait bound cannot say "one constructor" without an impl per type, which generated
/// bindings cannot afford. It is here rather than in [`EncodeBare::encode_bare`] so that
/// generic code choosing the form at run time still builds for enums.
#[doc(hidden)]
#[inline(always)]
pub fn encode_bare_form<T: EncodeBare + ?Sized, O: Output + ?Sized>(value: &T, out: &mut O) {
    const {
        assert!(
            !T::SEVERAL_CONSTRUCTORS,
            "a type of several constructors (an enum) cannot be written bare: the bytes would not \
             say which constructor the value is (write it boxed, or bare a struct with an id)"
        )
    };
    value.encode_form::<O, false>(out);
}

/// Types with constructor ids, read after the id has been consumed: enums dispatch on it,
/// single-constructor types check it.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no TL constructor to read bare",
    label = "no `tl_codec::DecodeBare` for this type",
    note = "a type written bare (`#[tl(bare)]`, `Bare<T>`) or wrapped by an enum variant (`V(T)`) \
            needs one constructor with an id: `#[tl(id = ...)]` or `decl` on it (an enum has several \
            and cannot be bare); or give the variant its own `#[tl(id = ...)]` and fields. A `Box<T>` \
            decodes through this too: box a struct with an id or an enum, or hold the value itself"
)]
pub trait DecodeBare<'a>: Sized {
    /// A lower bound on the size of the bare form (the boxed form's [`Decode::MIN_SIZE`] is
    /// this and the id). `0` means unknown.
    const MIN_BARE_SIZE: usize = 0;

    /// Reads the fields of constructor `id`, which the caller has already read (or, for a bare
    /// position, knows: pass [`Identifiable::CONSTRUCTOR_ID`]).
    fn decode_bare(id: u32, r: &mut Reader<'a>) -> Result<Self>;

    /// [`DecodeBare::decode_bare`] into `slot`, for the same reason as [`Decode::decode_into`].
    #[inline]
    fn decode_bare_into<'s>(
        id: u32,
        r: &mut Reader<'a>,
        slot: &'s mut MaybeUninit<Self>,
    ) -> Result<&'s mut Self> {
        Ok(slot.write(Self::decode_bare(id, r)?))
    }
}

/// Types with exactly one constructor, whose id is known statically.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no TL constructor id",
    label = "no constructor id",
    note = "a type written bare (`#[tl(bare)]`, `Bare<T>`) or wrapped by an enum variant (`V(T)`) \
            needs one constructor with an id: `#[tl(id = ...)]` or `decl` on it (an enum has several \
            and cannot be bare); or give the variant its own `#[tl(id = ...)]` and fields"
)]
pub trait Identifiable {
    /// The constructor id (CRC32 of the canonical declaration unless given explicitly).
    const CONSTRUCTOR_ID: u32;
}

/// RPC functions: the request encodes with [`Encode`]; the answer is a `Return`.
pub trait Function: Encode {
    /// What the server answers with, borrowing from the response buffer `'r` where it can
    /// (`Box<Config<'r>>`; `bool` for an answer that borrows nothing). The buffer is not the
    /// request's, so the answer's lifetime is its own: [`crate::decode_response`] decodes
    /// `Return<'a>` from a `&'a [u8]`; generic code over `F: Function` needs no other bound
    /// to decode one.
    type Return<'r>: Decode<'r>;
}

/// The Rust type of a `flags:#` field. The word itself is never trusted when encoding: it is
/// recomputed from the optional fields. On decoding, the value read is handed to `from_wire`.
pub trait FlagsWord {
    /// Builds the field from the flags word read.
    fn from_wire(flags: u32) -> Self;
}

impl FlagsWord for u32 {
    #[inline]
    fn from_wire(flags: u32) -> u32 {
        flags
    }
}

/// `()` drops the word: optional fields carry all the information.
impl FlagsWord for () {
    #[inline]
    fn from_wire(_: u32) {}
}

/// A type with constructor ids encodes boxed: its id, then the bare form, from the one body of
/// [`EncodeBare::encode_form`] (so the id shares a reservation with the fixed-width fields after
/// it). `inline(always)`: these are one call each, which the compiler otherwise sometimes keeps
/// (measured: decoding a `messages.messages` took 1.5% more instructions with `inline`).
// `do_not_recommend`: a type missing `Encode` is reported as such, with `Encode`'s note, rather
// than as missing this impl's `EncodeBare` (what a type without an id has no reason to have).
#[diagnostic::do_not_recommend]
impl<T: EncodeBare + ?Sized> Encode for T {
    #[inline(always)]
    fn encoded_len(&self) -> usize {
        4 + self.encoded_len_bare()
    }

    #[inline(always)]
    fn encode<O: Output + ?Sized>(&self, out: &mut O) {
        self.encode_form::<O, true>(out);
    }
}

/// A type with constructor ids decodes boxed: the id, then [`DecodeBare::decode_bare`], which
/// checks it (or, for an enum, dispatches on it).
#[diagnostic::do_not_recommend]
impl<'a, T: DecodeBare<'a>> Decode<'a> for T {
    const MIN_SIZE: usize = 4 + T::MIN_BARE_SIZE;

    #[inline(always)]
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        let id = r.read_u32()?;
        T::decode_bare(id, r)
    }

    #[inline(always)]
    fn decode_into<'s>(r: &mut Reader<'a>, slot: &'s mut MaybeUninit<Self>) -> Result<&'s mut Self> {
        let id = r.read_u32()?;
        T::decode_bare_into(id, r, slot)
    }
}
