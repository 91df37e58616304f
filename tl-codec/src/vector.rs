//! Boxed `Vector<T>` (id `0x1cb5c415`) as `Vec<T>`, bare `vector<T>` through
//! [`EncodeBare`]/[`DecodeBare`] (`#[tl(bare)]`), and [`Bare<T>`] for bare elements.

use alloc::vec::Vec;

use crate::error::{ErrorKind, Result};
use crate::output::{Output, Run};
use crate::reader::Reader;
use crate::traits::{Decode, DecodeBare, Encode, EncodeBare, Identifiable};

/// `vector#1cb5c415 {t:Type} # [ t ] = Vector t`.
pub const VECTOR_ID: u32 = 0x1cb5_c415;

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

impl<'a, T: Decode<'a>> DecodeBare<'a> for Vec<T> {
    const MIN_BARE_SIZE: usize = 4;

    #[inline]
    fn decode_bare(id: u32, r: &mut Reader<'a>) -> Result<Self> {
        if id != VECTOR_ID {
            return Err(r.unknown_constructor(id, "Vector"));
        }
        // The count is checked against the remaining input (or, for elements that may take
        // none, the decode's budget of them) before anything is allocated.
        let count = r.read_count(T::MIN_SIZE)?;
        if core::mem::size_of::<T>() == 0 {
            // Every zero-sized slot has the same address as any other zero-sized value, so the
            // address check of `push_in_place` would prove nothing: such values are moved in.
            let mut items = Vec::new();
            for _ in 0..count {
                items.push(T::decode(r)?);
            }
            return Ok(items);
        }
        // Up front, room for at most as many bytes of elements as there is input left (or
        // `PREALLOC_FLOOR`): a count the input allows can still ask for many times the input's
        // size in memory when elements are far larger in memory than their smallest wire form
        // (an enum of a 4-byte empty constructor and a large one), and input that fails half
        // way should not have made us allocate all that. Past it, storage grows as elements
        // arrive, out of line since real vectors nearly always fit.
        let size = core::mem::size_of::<T>();
        let budget = r.remaining().max(PREALLOC_FLOOR);
        // The first test is settled at compile time for elements no larger in memory than on
        // the wire (`count` already fits the input at `MIN_SIZE` bytes each).
        if size > T::MIN_SIZE && count.saturating_mul(size) > budget {
            return decode_growing(r, count, budget / size);
        }
        let mut items: Vec<T> = Vec::with_capacity(count);
        for _ in 0..count {
            push_in_place(r, &mut items)?;
        }
        Ok(items)
    }
}

/// Bytes of elements a vector decoder allocates up front even when less input is left.
const PREALLOC_FLOOR: usize = 64 * 1024;

/// The elements of a vector whose `count` elements would take more memory than `room`
/// elements: allocated for `room`, then doubled as needed, never past `count`.
#[cold]
#[inline(never)]
fn decode_growing<'a, T: Decode<'a>>(r: &mut Reader<'a>, count: usize, room: usize) -> Result<Vec<T>> {
    let mut items: Vec<T> = Vec::with_capacity(room.max(1));
    for _ in 0..count {
        if items.len() == items.capacity() {
            items.reserve_exact(items.len().min(count - items.len()).max(1));
        }
        push_in_place(r, &mut items)?;
    }
    Ok(items)
}

/// Decodes one element in place into the spare capacity of `items` (not moved in); `items`
/// must have room for one more, and `T` must not be zero-sized.
#[inline(always)]
fn push_in_place<'a, T: Decode<'a>>(r: &mut Reader<'a>, items: &mut Vec<T>) -> Result<()> {
    let Some(slot) = items.spare_capacity_mut().first_mut() else {
        return Err(r.error(ErrorKind::Custom("no room for a vector element")));
    };
    let at = slot.as_ptr();
    let item = T::decode_into(r, slot)?;
    // A `&mut T` at the slot's address can only come from initializing that slot (a safe
    // `decode_into` cannot return any other value living there).
    if !core::ptr::eq(item, at) {
        return Err(r.error(ErrorKind::Custom("decode_into returned another value")));
    }
    // SAFETY: the slot at `len` (within capacity) was initialized, as just checked.
    unsafe { items.set_len(items.len() + 1) };
    Ok(())
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
        crate::traits::encode_bare_form(&self.0, out);
    }
}

impl<'a, T: DecodeBare<'a> + Decode<'a> + Identifiable> Decode<'a> for Bare<T> {
    // The bare form's lower bound: the boxed one's without the id.
    const MIN_SIZE: usize = T::MIN_BARE_SIZE;

    #[inline]
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        T::decode_bare(T::CONSTRUCTOR_ID, r).map(Bare)
    }
}
