//! Boxed `Vector<T>` (id `0x1cb5c415`) as `Vec<T>`, bare `vector<T>` through
//! [`EncodeBare`]/[`DecodeBare`] (`#[tl(bare)]`), and [`Bare<T>`] for bare elements.

use alloc::vec::Vec;

use crate::error::{ErrorKind, Result};
use crate::output::{Output, Run};
use crate::reader::Reader;
use crate::traits::{Decode, DecodeBare, Encode, EncodeBare, Identifiable};

/// `vector#1cb5c415 {t:Type} # [ t ] = Vector t`.
pub const VECTOR_ID: u32 = 0x1cb5_c415;

impl<T: Encode> Encode for [T] {
    #[inline]
    fn encoded_len(&self) -> usize {
        4 + self.encoded_len_bare()
    }

    #[inline]
    fn encode<O: Output + ?Sized>(&self, out: &mut O) {
        self.encode_form::<O, true>(out);
    }
}

impl<T: Encode> EncodeBare for [T] {
    #[inline]
    fn constructor_id(&self) -> u32 {
        VECTOR_ID
    }

    #[inline]
    fn encoded_len_bare(&self) -> usize {
        self.iter().fold(4, |n, item| n + item.encoded_len())
    }

    #[inline]
    fn encode_form<O: Output + ?Sized, const BOXED: bool>(&self, out: &mut O) {
        let mut run = Run::new(out, if BOXED { 8 } else { 4 });
        if BOXED {
            run.put_u32(VECTOR_ID);
        }
        run.put_u32(self.len() as u32);
        for item in self {
            item.encode(out);
        }
    }
}

impl<T: Encode> Encode for Vec<T> {
    #[inline]
    fn encoded_len(&self) -> usize {
        self.as_slice().encoded_len()
    }

    #[inline]
    fn encode<O: Output + ?Sized>(&self, out: &mut O) {
        self.as_slice().encode(out);
    }
}

impl<T: Encode> EncodeBare for Vec<T> {
    #[inline]
    fn constructor_id(&self) -> u32 {
        VECTOR_ID
    }

    #[inline]
    fn encoded_len_bare(&self) -> usize {
        self.as_slice().encoded_len_bare()
    }

    #[inline]
    fn encode_form<O: Output + ?Sized, const BOXED: bool>(&self, out: &mut O) {
        self.as_slice().encode_form::<O, BOXED>(out);
    }
}

impl<T> Identifiable for Vec<T> {
    const CONSTRUCTOR_ID: u32 = VECTOR_ID;
}

impl<'a, T: Decode<'a>> Decode<'a> for Vec<T> {
    const MIN_SIZE: usize = 8;

    #[inline]
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        let id = r.read_u32()?;
        Self::decode_bare(id, r)
    }
}

impl<'a, T: Decode<'a>> DecodeBare<'a> for Vec<T> {
    #[inline]
    fn decode_bare(id: u32, r: &mut Reader<'a>) -> Result<Self> {
        if id != VECTOR_ID {
            return Err(r.unknown_constructor(id));
        }
        // The count is checked against the remaining input before anything is allocated.
        let count = r.read_count(T::MIN_SIZE)?;
        let mut items: Vec<T> = Vec::with_capacity(count);
        if core::mem::size_of::<T>() == 0 {
            // Every zero-sized slot has the same address as any other zero-sized value, so the
            // address check below would prove nothing: such values are moved in.
            for _ in 0..count {
                items.push(T::decode(r)?);
            }
            return Ok(items);
        }
        for _ in 0..count {
            // Each element is decoded in place in the spare capacity (never short: capacity ≥
            // count), not moved in.
            let Some(slot) = items.spare_capacity_mut().first_mut() else { break };
            let at = slot.as_ptr();
            let item = T::decode_into(r, slot)?;
            // A `&mut T` at the slot's address can only come from initializing that slot (a
            // safe `decode_into` cannot return any other value living there).
            if !core::ptr::eq(item, at) {
                return Err(r.error(ErrorKind::Custom("decode_into returned another value")));
            }
            // SAFETY: the slot at `len` (within capacity) was initialized, as just checked.
            unsafe { items.set_len(items.len() + 1) };
        }
        Ok(items)
    }
}

/// A value written bare (`%T`): without its constructor id. Mostly for vector elements,
/// `Vec<Bare<T>>` being `Vector<%T>`; for fields, `#[tl(bare)]` does the same.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Bare<T>(pub T);

impl<T: EncodeBare> Encode for Bare<T> {
    #[inline]
    fn encoded_len(&self) -> usize {
        self.0.encoded_len_bare()
    }

    #[inline]
    fn encode<O: Output + ?Sized>(&self, out: &mut O) {
        self.0.encode_bare(out);
    }
}

impl<'a, T: DecodeBare<'a> + Decode<'a> + Identifiable> Decode<'a> for Bare<T> {
    // The boxed form's lower bound includes the 4-byte id that the bare form lacks.
    const MIN_SIZE: usize = T::MIN_SIZE.saturating_sub(4);

    #[inline]
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        T::decode_bare(T::CONSTRUCTOR_ID, r).map(Bare)
    }
}
