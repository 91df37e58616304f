//! Fixed-size TL primitives: `int`, `long`, `double`, `int128`, `int256`, `Bool`, and the
//! pointer wrappers that encode as what they point to.

use alloc::boxed::Box;
use core::marker::PhantomData;
use core::mem::MaybeUninit;

use crate::error::{ErrorKind, Result};
use crate::output::Output;
use crate::reader::Reader;
use crate::traits::{Decode, DecodeBare, Encode, EncodeBare, FixedLen, Identifiable};

/// `boolTrue#997275b5 = Bool`.
pub const BOOL_TRUE_ID: u32 = 0x9972_75b5;
/// `boolFalse#bc799737 = Bool`.
pub const BOOL_FALSE_ID: u32 = 0xbc79_9737;

macro_rules! int_codec {
    ($($ty:ty => $size:literal, $read:ident, $put:ident, $reserved:ident, $wire:ty;)*) => {$(
        impl Encode for $ty {
            #[inline]
            fn encoded_len(&self) -> usize {
                $size
            }

            #[inline]
            fn encode<O: Output + ?Sized>(&self, out: &mut O) {
                out.$put(*self as $wire);
            }
        }

        // SAFETY: `encode` writes exactly `$size` bytes.
        unsafe impl FixedLen for $ty {
            const LEN: usize = $size;

            #[inline]
            unsafe fn encode_reserved<O: Output + ?Sized>(&self, out: &mut O) {
                // SAFETY: forwarded contract.
                unsafe { out.$reserved(*self as $wire) }
            }
        }

        impl<'a> Decode<'a> for $ty {
            const MIN_SIZE: usize = $size;

            #[inline]
            fn decode(r: &mut Reader<'a>) -> Result<Self> {
                r.$read().map(|v| v as $ty)
            }
        }
    )*};
}

int_codec! {
    i32 => 4, read_u32, put_u32, put_u32_reserved, u32;
    u32 => 4, read_u32, put_u32, put_u32_reserved, u32;
    i64 => 8, read_u64, put_u64, put_u64_reserved, u64;
    u64 => 8, read_u64, put_u64, put_u64_reserved, u64;
}

impl Encode for f64 {
    #[inline]
    fn encoded_len(&self) -> usize {
        8
    }

    #[inline]
    fn encode<O: Output + ?Sized>(&self, out: &mut O) {
        out.put_u64(self.to_bits());
    }
}

// SAFETY: `encode` writes exactly 8 bytes.
unsafe impl FixedLen for f64 {
    const LEN: usize = 8;

    #[inline]
    unsafe fn encode_reserved<O: Output + ?Sized>(&self, out: &mut O) {
        // SAFETY: forwarded contract.
        unsafe { out.put_u64_reserved(self.to_bits()) }
    }
}

impl<'a> Decode<'a> for f64 {
    const MIN_SIZE: usize = 8;

    #[inline]
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        r.read_u64().map(f64::from_bits)
    }
}

/// `int128` and `int256` are opaque byte strings on the wire (nonces, hashes), so they are
/// arrays rather than integers.
macro_rules! array_codec {
    ($($n:literal),*) => {$(
        impl Encode for [u8; $n] {
            #[inline]
            fn encoded_len(&self) -> usize {
                $n
            }

            #[inline]
            fn encode<O: Output + ?Sized>(&self, out: &mut O) {
                out.put(self);
            }
        }

        impl Encode for &[u8; $n] {
            #[inline]
            fn encoded_len(&self) -> usize {
                $n
            }

            #[inline]
            fn encode<O: Output + ?Sized>(&self, out: &mut O) {
                out.put(*self);
            }
        }

        // SAFETY: `encode` writes exactly `$n` bytes.
        unsafe impl FixedLen for [u8; $n] {
            const LEN: usize = $n;

            #[inline]
            unsafe fn encode_reserved<O: Output + ?Sized>(&self, out: &mut O) {
                // SAFETY: forwarded contract.
                unsafe { out.put_reserved(self) }
            }
        }

        impl<'a> Decode<'a> for [u8; $n] {
            const MIN_SIZE: usize = $n;

            #[inline]
            fn decode(r: &mut Reader<'a>) -> Result<Self> {
                r.read_array::<$n>().copied()
            }
        }

        impl<'a: 'b, 'b> Decode<'a> for &'b [u8; $n] {
            const MIN_SIZE: usize = $n;

            #[inline]
            fn decode(r: &mut Reader<'a>) -> Result<Self> {
                r.read_array::<$n>()
            }
        }
    )*};
}

array_codec!(16, 32);

/// Boxed `Bool`. `true` flags (`flags.N?true`) are plain `bool` fields handled by the
/// derive, not this impl.
impl Encode for bool {
    #[inline]
    fn encoded_len(&self) -> usize {
        4
    }

    #[inline]
    fn encode<O: Output + ?Sized>(&self, out: &mut O) {
        out.put_u32(if *self { BOOL_TRUE_ID } else { BOOL_FALSE_ID });
    }
}

// SAFETY: `encode` writes exactly 4 bytes.
unsafe impl FixedLen for bool {
    const LEN: usize = 4;

    #[inline]
    unsafe fn encode_reserved<O: Output + ?Sized>(&self, out: &mut O) {
        // SAFETY: forwarded contract.
        unsafe { out.put_u32_reserved(if *self { BOOL_TRUE_ID } else { BOOL_FALSE_ID }) }
    }
}

impl<'a> Decode<'a> for bool {
    const MIN_SIZE: usize = 4;

    #[inline]
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        match r.read_u32()? {
            BOOL_TRUE_ID => Ok(true),
            BOOL_FALSE_ID => Ok(false),
            id => Err(crate::Error::new(ErrorKind::BadBool { id }, r.position().saturating_sub(4))),
        }
    }
}

/// A marker field (`PhantomData<T>` in a generic type) is not on the wire at all.
impl<T: ?Sized> Encode for PhantomData<T> {
    #[inline]
    fn encoded_len(&self) -> usize {
        0
    }

    #[inline]
    fn encode<O: Output + ?Sized>(&self, _out: &mut O) {}
}

impl<'a, T: ?Sized> Decode<'a> for PhantomData<T> {
    const MIN_SIZE: usize = 0;

    #[inline]
    fn decode(_r: &mut Reader<'a>) -> Result<Self> {
        Ok(PhantomData)
    }
}

/// A reference to a value with constructor ids is one (`Vec<&T>` encodes as `Vec<T>`). Other
/// references encode through the value (`to_bytes(&x)` takes `x` by reference); `&[u8]`,
/// `&str` and `&[u8; N]`, which decoding borrows, have impls of their own.
impl<T: EncodeBare + ?Sized> EncodeBare for &T {
    const SEVERAL_CONSTRUCTORS: bool = T::SEVERAL_CONSTRUCTORS;

    #[inline]
    fn constructor_id(&self) -> u32 {
        (**self).constructor_id()
    }

    #[inline]
    fn encoded_len_bare(&self) -> usize {
        (**self).encoded_len_bare()
    }

    #[inline]
    fn encode_form<O: Output + ?Sized, const BOXED: bool>(&self, out: &mut O) {
        (**self).encode_form::<O, BOXED>(out);
    }
}

/// The box once `decode_into` returned a reference to its contents (`initialized`): a `&mut T`
/// at the box's address can only come from writing that very slot.
#[inline(always)]
fn init_box<T>(r: &Reader<'_>, slot: Box<MaybeUninit<T>>, initialized: bool) -> Result<Box<T>> {
    if !initialized {
        return Err(r.error(ErrorKind::Custom("decode_into returned another value")));
    }
    // SAFETY: initialized, as just checked.
    Ok(unsafe { slot.assume_init() })
}

impl<T: EncodeBare + ?Sized> EncodeBare for Box<T> {
    const SEVERAL_CONSTRUCTORS: bool = T::SEVERAL_CONSTRUCTORS;

    #[inline]
    fn constructor_id(&self) -> u32 {
        (**self).constructor_id()
    }

    #[inline]
    fn encoded_len_bare(&self) -> usize {
        (**self).encoded_len_bare()
    }

    #[inline]
    fn encode_form<O: Output + ?Sized, const BOXED: bool>(&self, out: &mut O) {
        (**self).encode_form::<O, BOXED>(out);
    }
}

/// Boxes are how recursive TL types (rich text, page blocks) are spelled in Rust, and how large
/// variants keep enums small. The value is decoded in place in the box
/// ([`DecodeBare::decode_bare_into`]) rather than moved in; `Box<T>` encodes and decodes as `T`
/// does, boxed or bare, for every `T` with constructor ids.
impl<'a, T: DecodeBare<'a>> DecodeBare<'a> for Box<T> {
    const MIN_BARE_SIZE: usize = T::MIN_BARE_SIZE;

    #[inline]
    fn decode_bare(id: u32, r: &mut Reader<'a>) -> Result<Self> {
        if core::mem::size_of::<T>() == 0 {
            // A zero-sized slot shares its address with every zero-sized value: the address
            // check of `init_box` would prove nothing, so the value is moved in.
            return Ok(Box::new(T::decode_bare(id, r)?));
        }
        let mut slot = Box::<T>::new_uninit();
        let at = slot.as_ptr();
        let initialized = core::ptr::eq(T::decode_bare_into(id, r, &mut slot)?, at);
        init_box(r, slot, initialized)
    }
}

impl<T: Identifiable> Identifiable for Box<T> {
    const CONSTRUCTOR_ID: u32 = T::CONSTRUCTOR_ID;
}
