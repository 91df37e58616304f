//! `Owned<T>`: the cheap `'static` form of a borrowed generated type. The decoded value and the
//! buffer it borrows from travel together, so nothing is copied: turning a zero-copy decode
//! into a `'static` value costs one move of the input `Vec<u8>` into the holder.

use proc_macro2::TokenStream;
use quote::quote;

/// The support items at the root of a borrowed (non-`--owned`) generated tree.
pub fn support_items(codec: &TokenStream) -> TokenStream {
    let k = codec;
    quote! {
        /// Generated types, named at every lifetime (those that borrow nothing are themselves
        /// at each), and `Vec`/`Box` of them: what `Owned<T>` holds. Implemented by the
        /// generator only.
        ///
        /// # Safety
        /// `At<'b>` must be covariant in `'b` (true of every generated type: it holds only
        /// `&'b [u8]`, `TlStr<'b>`, `RawObject<'b>`, and other generated types, in `Vec`,
        /// `Box` and `Option`).
        pub unsafe trait Reborrow {
            /// The type borrowing for `'b`.
            type At<'b>: #k::Decode<'b>;
        }

        // SAFETY: `Vec` and `Box` are covariant in their element, which is covariant in `'b`.
        unsafe impl<T: Reborrow> Reborrow for #k::__alloc::Vec<T> {
            type At<'b> = #k::__alloc::Vec<T::At<'b>>;
        }
        // SAFETY: as for `Vec`. (Boxes hold types with constructor ids, which decode through
        // `DecodeBare`.)
        unsafe impl<T: Reborrow> Reborrow for #k::__alloc::Box<T>
        where
            for<'b> T::At<'b>: #k::DecodeBare<'b>,
        {
            type At<'b> = #k::__alloc::Box<T::At<'b>>;
        }
        // SAFETY: as for `Vec`: `Bare` only wraps its value (`Vector<%T>` answers are
        // `Vec<Bare<T>>`).
        unsafe impl<T: Reborrow> Reborrow for #k::Bare<T>
        where
            for<'b> T::At<'b>: #k::DecodeBare<'b> + #k::Identifiable,
        {
            type At<'b> = #k::Bare<T::At<'b>>;
        }
        // SAFETY: the answers that are Rust primitives borrow nothing (`int`, `long`, `double`,
        // `Bool`, `int128`, `int256`).
        unsafe impl Reborrow for bool {
            type At<'b> = bool;
        }
        // SAFETY: as for `bool`.
        unsafe impl Reborrow for i32 {
            type At<'b> = i32;
        }
        // SAFETY: as for `bool`.
        unsafe impl Reborrow for i64 {
            type At<'b> = i64;
        }
        // SAFETY: as for `bool`.
        unsafe impl Reborrow for f64 {
            type At<'b> = f64;
        }
        // SAFETY: as for `bool`.
        unsafe impl Reborrow for [u8; 16] {
            type At<'b> = [u8; 16];
        }
        // SAFETY: as for `bool`.
        unsafe impl Reborrow for [u8; 32] {
            type At<'b> = [u8; 32];
        }
        // SAFETY: a shared borrow is covariant in its lifetime.
        unsafe impl<'a> Reborrow for &'a [u8] {
            type At<'b> = &'b [u8];
        }
        // SAFETY: a `string` and an undecoded object hold one shared borrow each.
        unsafe impl<'a> Reborrow for #k::TlStr<'a> {
            type At<'b> = #k::TlStr<'b>;
        }
        // SAFETY: as for `TlStr`.
        unsafe impl<'a> Reborrow for #k::RawObject<'a> {
            type At<'b> = #k::RawObject<'b>;
        }

        /// A decoded value that owns the bytes it borrows from: a `'static` value made from a
        /// zero-copy decode without copying anything. `Owned<types::Message<'static>>`.
        pub struct Owned<T: Reborrow> {
            value: ::core::mem::ManuallyDrop<T::At<'static>>,
            // A raw pointer, not a `Box`, so that moving the holder does not assert unique
            // access to bytes the value still borrows.
            buf: *mut [u8],
        }

        impl<T: Reborrow> Owned<T> {
            /// Decodes one boxed value that must use all of `bytes`, and keeps `bytes`.
            pub fn decode(bytes: #k::__alloc::Vec<u8>) -> #k::Result<Owned<T>> {
                let buf: *mut [u8] = #k::__alloc::Box::into_raw(bytes.into_boxed_slice());
                // SAFETY: `buf` stays allocated and unchanged until `drop`, which drops the
                // value first; the `'static` borrow is never handed out (see `get`).
                let data: &'static [u8] = unsafe { &*buf };
                let mut r = #k::Reader::new(data);
                let result = <T::At<'static> as #k::Decode<'static>>::decode(&mut r).and_then(|v| {
                    if r.is_empty() {
                        Ok(v)
                    } else {
                        Err(r.error(#k::ErrorKind::TrailingBytes { count: r.remaining() }))
                    }
                });
                match result {
                    Ok(value) => Ok(Owned { value: ::core::mem::ManuallyDrop::new(value), buf }),
                    Err(e) => {
                        // SAFETY: nothing borrows from `buf` any more.
                        drop(unsafe { #k::__alloc::Box::from_raw(buf) });
                        Err(e)
                    }
                }
            }

            /// The value, borrowing for as long as the holder is borrowed.
            pub fn get(&self) -> &T::At<'_> {
                let value: &T::At<'static> = &self.value;
                // SAFETY: `Reborrow` guarantees covariance, so shortening `'static` to the
                // holder's borrow is the same upcast the compiler does for concrete types.
                unsafe { &*(value as *const T::At<'static>).cast::<T::At<'_>>() }
            }

            /// The bytes the value was decoded from.
            pub fn bytes(&self) -> &[u8] {
                // SAFETY: `buf` is live until `drop`.
                unsafe { &*self.buf }
            }

            /// A `'static` copy of a borrowed value: encodes it once and decodes the copy (an
            /// error for a `string` or `bytes` value TL cannot hold, over 16 MiB).
            pub fn from_value(value: &T::At<'_>) -> #k::Result<Owned<T>>
            where
                for<'b> T::At<'b>: #k::Encode,
            {
                Owned::decode(#k::try_to_bytes(value)?)
            }
        }

        impl<T: Reborrow> Clone for Owned<T> {
            /// Copies the bytes and decodes the copy (the same bytes decode the same way).
            fn clone(&self) -> Self {
                match Owned::decode(self.bytes().to_vec()) {
                    Ok(copy) => copy,
                    // Unreachable: these bytes decoded before. Kept total all the same.
                    Err(e) => unreachable!("bytes that decoded once failed to decode again: {e}"),
                }
            }
        }

        impl<T: Reborrow> PartialEq for Owned<T>
        where
            for<'b> T::At<'b>: PartialEq,
        {
            fn eq(&self, other: &Self) -> bool {
                self.get() == other.get()
            }
        }

        impl<T: Reborrow> Drop for Owned<T> {
            fn drop(&mut self) {
                // SAFETY: the value goes first, then the bytes it borrowed from; neither is
                // used again.
                unsafe {
                    ::core::mem::ManuallyDrop::drop(&mut self.value);
                    drop(#k::__alloc::Box::from_raw(self.buf));
                }
            }
        }

        // SAFETY: the holder owns its bytes exclusively; it is as thread-safe as the value.
        unsafe impl<T: Reborrow> Send for Owned<T> where T::At<'static>: Send {}
        // SAFETY: shared access only reads the bytes and the value.
        unsafe impl<T: Reborrow> Sync for Owned<T> where T::At<'static>: Sync {}

        impl<T: Reborrow> ::core::fmt::Debug for Owned<T>
        where
            for<'b> T::At<'b>: ::core::fmt::Debug,
        {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                self.get().fmt(f)
            }
        }
    }
}
