//! [`Tail`]: the inner query of a wrapper function, left out so that the wrapper encodes as the
//! bytes that go before it.

use crate::object::RawObject;
use crate::output::Output;
use crate::traits::{Encode, Function};

/// Stands for the inner query (`query:!X`) of a wrapper function whose query is its last
/// parameter, and encodes as nothing: the wrapper around a `Tail` encodes as the bytes that go
/// before any query, a *prefix*. `prefix ++ bytes(q)` is then the wrapper around `q`, for every
/// query `q`, without encoding the wrapper again.
///
/// Telegram's `invokeWithLayer#da9b0d0d {X:Type} layer:int query:!X = X` and `initConnection`
/// (`... lang_code:string proxy:flags.0?InputClientProxy params:flags.1?JSONValue query:!X = X`)
/// both end with their query, so with generated bindings
///
/// ```text
/// let prefix = tl_codec::to_bytes(&InvokeWithLayer {
///     layer: api::LAYER,
///     query: InitConnection::new(api_id, device_model, /* ... */ tl_codec::Tail),
/// });
/// ```
///
/// is what `mtproto-runtime`'s init prefix expects. A flags word before the query is complete
/// in the prefix: the query is never one of its optional fields.
///
/// A `Tail` is a [`Function`] (generated wrappers take `X: Function`); its `Return` is a
/// [`RawObject`], the answer of a query not known here. Encoding a `Tail` anywhere but in the
/// last position of the outermost wrapper gives bytes that are no TL object.
///
/// ```
/// use tl_codec::{to_bytes, Encode, Function, Output, Tail};
///
/// // invokeWithLayer, as generated bindings shape it.
/// struct InvokeWithLayer<X> { layer: i32, query: X }
/// impl<X: Function> Encode for InvokeWithLayer<X> {
///     fn encoded_len(&self) -> usize { 4 + 4 + self.query.encoded_len() }
///     fn encode<O: Output + ?Sized>(&self, out: &mut O) {
///         out.put_u32(0xda9b0d0d);
///         self.layer.encode(out);
///         self.query.encode(out);
///     }
/// }
/// impl<X: Function> Function for InvokeWithLayer<X> { type Return<'r> = X::Return<'r>; }
///
/// // ping#7abe77ec ping_id:long = Pong;
/// struct Ping { ping_id: i64 }
/// impl Encode for Ping {
///     fn encoded_len(&self) -> usize { 12 }
///     fn encode<O: Output + ?Sized>(&self, out: &mut O) {
///         out.put_u32(0x7abe77ec);
///         self.ping_id.encode(out);
///     }
/// }
/// impl Function for Ping { type Return<'r> = i64; }
///
/// let prefix = to_bytes(&InvokeWithLayer { layer: 230, query: Tail });
/// assert_eq!(prefix.len(), 8);
/// let mut wrapped = prefix.clone();
/// wrapped.extend_from_slice(&to_bytes(&Ping { ping_id: 7 }));
/// assert_eq!(wrapped, to_bytes(&InvokeWithLayer { layer: 230, query: Ping { ping_id: 7 } }));
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Tail;

impl Encode for Tail {
    #[inline]
    fn encoded_len(&self) -> usize {
        0
    }

    #[inline]
    fn encode<O: Output + ?Sized>(&self, _out: &mut O) {}
}

/// The answer is the inner query's, which a `Tail` does not know: kept undecoded.
impl Function for Tail {
    type Return<'r> = RawObject<'r>;
}

#[cfg(test)]
mod tests {
    use alloc::vec::Vec;

    use super::*;
    use crate::{from_bytes, to_bytes, SizeCounter, TlStr};

    /// `initConnection`'s shape in generated bindings: a flags word computed from the optional
    /// fields, strings borrowed, the generic query last (bounded `X: Function`).
    struct InitConnection<'a, X> {
        api_id: i32,
        device_model: TlStr<'a>,
        lang_code: TlStr<'a>,
        params: Option<i32>,
        query: X,
    }

    impl<X: Function> Encode for InitConnection<'_, X> {
        fn encoded_len(&self) -> usize {
            4 + 4
                + self.api_id.encoded_len()
                + self.device_model.encoded_len()
                + self.lang_code.encoded_len()
                + self.params.map_or(0, |p| p.encoded_len())
                + self.query.encoded_len()
        }

        fn encode<O: Output + ?Sized>(&self, out: &mut O) {
            out.put_u32(0xc1cd5ea9);
            let flags = out.position();
            out.put_u32(0);
            self.api_id.encode(out);
            self.device_model.encode(out);
            self.lang_code.encode(out);
            let mut bits = 0;
            if let Some(p) = self.params {
                bits |= 2;
                p.encode(out);
            }
            out.patch_u32(flags, bits);
            self.query.encode(out);
        }
    }

    impl<X: Function> Function for InitConnection<'_, X> {
        type Return<'r> = X::Return<'r>;
    }

    struct InvokeWithLayer<X> {
        layer: i32,
        query: X,
    }

    impl<X: Function> Encode for InvokeWithLayer<X> {
        fn encoded_len(&self) -> usize {
            8 + self.query.encoded_len()
        }

        fn encode<O: Output + ?Sized>(&self, out: &mut O) {
            out.put_u32(0xda9b0d0d);
            self.layer.encode(out);
            self.query.encode(out);
        }
    }

    impl<X: Function> Function for InvokeWithLayer<X> {
        type Return<'r> = X::Return<'r>;
    }

    /// `help.getConfig#c4f9186b = Config;`
    struct GetConfig;

    impl Encode for GetConfig {
        fn encoded_len(&self) -> usize {
            4
        }

        fn encode<O: Output + ?Sized>(&self, out: &mut O) {
            out.put_u32(0xc4f9186b);
        }
    }

    impl Function for GetConfig {
        type Return<'r> = u32;
    }

    fn wrap<X: Function>(query: X) -> InvokeWithLayer<InitConnection<'static, X>> {
        InvokeWithLayer {
            layer: 230,
            query: InitConnection {
                api_id: 4,
                device_model: TlStr::new("pc"),
                lang_code: TlStr::new("en"),
                params: Some(-1),
                query,
            },
        }
    }

    #[test]
    fn a_tail_encodes_as_nothing() {
        assert_eq!(Tail.encoded_len(), 0);
        assert!(to_bytes(&Tail).is_empty());
        let mut counter = SizeCounter::default();
        Tail.encode(&mut counter);
        assert_eq!(counter.0, 0);
    }

    #[test]
    fn the_prefix_and_a_query_are_the_wrapped_query() {
        let prefix = to_bytes(&wrap(Tail));
        assert_eq!(prefix.len(), wrap(Tail).encoded_len());
        // invokeWithLayer id, layer, initConnection id, flags (params set), api_id, two
        // strings, params.
        assert_eq!(prefix.len(), 4 + 4 + 4 + 4 + 4 + 4 + 4 + 4);
        assert_eq!(prefix[..4], 0xda9b0d0du32.to_le_bytes());
        assert_eq!(prefix[12..16], 2u32.to_le_bytes());
        let mut wrapped = prefix.clone();
        wrapped.extend_from_slice(&to_bytes(&GetConfig));
        assert_eq!(wrapped, to_bytes(&wrap(GetConfig)));
        // The query is the rest: what `RawObject`, the `Tail`'s answer type, reads.
        let raw: RawObject<'_> = from_bytes(&wrapped[prefix.len()..]).unwrap();
        assert_eq!((raw.id, raw.body), (0xc4f9186b, &[][..]));
    }

    #[test]
    fn a_tail_is_a_function_with_a_raw_answer() {
        fn answer_of<F: Function>(_: &F) -> Option<F::Return<'static>> {
            None
        }
        let none: Option<RawObject<'static>> = answer_of(&Tail);
        assert!(none.is_none());
        let v: Vec<u8> = to_bytes(&InvokeWithLayer { layer: 1, query: Tail });
        assert_eq!(v, [0x0d, 0x0d, 0x9b, 0xda, 1, 0, 0, 0]);
    }
}
