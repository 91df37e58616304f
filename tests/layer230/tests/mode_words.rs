//! Generated bindings of a TON-shaped schema (`tl-codegen/tests/ton_mode.tl`) whose `mode:#`
//! words are data: a `u32` field, written with the bits its fields use taken from those fields
//! (so the bytes always decode) and every other bit from the field, read back whole. The JSON
//! has it as a number (0 when left out); the dynamic codec must agree on bytes and JSON.

use serde_json::{json, Value};
use tl_codec::{from_bytes, to_bytes};
use tl_layer230::ton_mode::{functions::test as f, types::test as t};
use tl_layer230::ton_mode_owned as owned;

mod common;

const SCHEMA: &str = include_str!("../../../tl-codegen/tests/ton_mode.tl");

/// The dynamic codec over the same schema.
fn block_id() -> t::BlockId {
    t::BlockId { workchain: -1, shard: i64::MIN, seqno: 5 }
}

fn block_id_json() -> Value {
    json!({"@type": "test.blockId", "workchain": -1, "shard": "-9223372036854775808", "seqno": 5})
}

/// The mode word after a definition's id.
fn mode_at(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap())
}

/// Encodes `value`, checks the dynamic codec reads the same bytes as `json`, and reads them back.
fn through_bytes<T>(value: &T, json: &Value) -> (Vec<u8>, T)
where
    T: tl_codec::Encode + for<'a> tl_codec::Decode<'a>,
{
    let bytes = to_bytes(value);
    common::with_registry(SCHEMA, |reg| assert_eq!(&reg.decode(&bytes, None).expect("dynamic decode"), json));
    let back = from_bytes(&bytes).expect("generated decode");
    (bytes, back)
}

#[test]
fn a_lookup_by_seqno_keeps_bit_0() {
    let q = f::LookupBlock { mode: 1, id: block_id(), lt: None, utime: None };
    let json = json!({"@type": "test.lookupBlock", "mode": 1, "id": block_id_json()});
    let (bytes, back) = through_bytes(&q, &json);
    assert_eq!((mode_at(&bytes, 4), back), (1, q));
    common::with_registry(SCHEMA, |reg| assert_eq!(reg.encode(&json, None).unwrap(), bytes));
}

#[test]
fn bits_that_fields_use_follow_the_fields() {
    // Bit 1 (`lt`) without `lt` is dropped; bit 2 comes from `utime`; bit 0 is kept.
    let q = f::LookupBlock { mode: 0b011, id: block_id(), lt: None, utime: Some(9) };
    let json = json!({"@type": "test.lookupBlock", "mode": 0b101, "id": block_id_json(), "utime": 9});
    let (bytes, back) = through_bytes(&q, &json);
    assert_eq!(mode_at(&bytes, 4), 0b101);
    assert_eq!(back, f::LookupBlock { mode: 0b101, ..q });

    // Bits 0-2 have no fields; 5 and 6 are `true` flags, 7 is `after`.
    let after = t::TxId3 { account: [7; 32], lt: 11 };
    let q = f::ListBlockTransactions {
        id: block_id(),
        mode: 0b0010_0111,
        count: 40,
        after: Some(after.clone()),
        reverse_order: true,
        want_proof: false,
    };
    let bytes = to_bytes(&q);
    assert_eq!(mode_at(&bytes, 4 + 16), 0b1100_0111);
    let back: f::ListBlockTransactions = from_bytes(&bytes).unwrap();
    assert_eq!(back, f::ListBlockTransactions { mode: 0b1100_0111, ..q });
    let json = common::with_registry(SCHEMA, |reg| reg.decode(&bytes, None).unwrap());
    assert_eq!(json["mode"], 0b1100_0111);
    common::with_registry(SCHEMA, |reg| assert_eq!(reg.encode(&json, None).unwrap(), bytes));
}

/// Fields sharing a bit of a mode word go on the wire together or not at all, as on flags words:
/// `a` without `b` leaves bit 3 (and the `true` flag `c` it implies) off.
#[test]
fn fields_sharing_a_mode_bit_go_together() {
    let half = t::Grouped { mode: 0x100, a: Some(1), b: None, c: true, d: false, e: Some(3) };
    let json = json!({"@type": "test.grouped", "mode": 0x100, "c": false, "d": false, "e": 3});
    let (bytes, back) = through_bytes(&half, &json);
    assert_eq!((mode_at(&bytes, 4), mode_at(&bytes, 8)), (0x100, 1));
    assert_eq!(back, t::Grouped { a: None, c: false, ..half });

    let both = t::Grouped { mode: 0, a: Some(1), b: Some(2), c: false, d: true, e: None };
    let json = json!({"@type": "test.grouped", "mode": 0b11000, "a": 1, "b": "2", "c": true, "d": true});
    let (bytes, back) = through_bytes(&both, &json);
    assert_eq!(mode_at(&bytes, 4), 0b11000);
    assert_eq!(back, t::Grouped { mode: 0b11000, c: true, ..both });
}

/// Reading JSON refuses what encoding would drop or contradict, as the dynamic codec does: half
/// of a group sharing a bit, and a `true` flag on that bit that the values do not imply.
#[test]
fn json_refuses_what_a_shared_bit_cannot_say() {
    type G = owned::types::test::Grouped;
    let refused = [
        (json!({"@type": "test.grouped", "a": 1}), "`a` and `b` must be given together (both mode.3)"),
        (json!({"@type": "test.grouped", "c": true}), "`c` can be true only when `a` and `b` are given (all mode.3)"),
        (
            json!({"@type": "test.grouped", "a": 1, "b": "2", "c": false}),
            "`c` cannot be false when `a` and `b` are given (all mode.3)",
        ),
    ];
    for (json, message) in refused {
        let err = serde_json::from_value::<G>(json.clone()).expect_err("refused");
        assert!(err.to_string().contains(message), "{json}: {err}");
        common::with_registry(SCHEMA, |reg| assert!(reg.encode(&json, None).is_err(), "{json}"));
    }
    let whole: G = serde_json::from_value(json!({"@type": "test.grouped", "a": 1, "b": "2", "c": true})).unwrap();
    assert_eq!((whole.a, whole.b, whole.c), (Some(1), Some(2), true));
    let implied: G = serde_json::from_value(json!({"@type": "test.grouped", "a": 1, "b": "2"})).unwrap();
    assert_eq!(to_bytes(&implied), to_bytes(&whole), "`c` left out is implied");
}

#[test]
fn json_has_the_mode_word_as_a_number() {
    // tonlib's shape: bit 7 has no field here, and stays.
    let hash = "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=";
    let tx = json!({"@type": "test.shortTxId", "mode": 135, "account": hash, "lt": "5", "hash": hash});
    let bytes = common::agree::<owned::types::test::ShortTxId>(SCHEMA, &tx, &tx);
    assert_eq!(mode_at(&bytes, 4), 135);
    let lookup = json!({"@type": "test.lookupBlock", "mode": 1, "id": block_id_json()});
    common::agree::<owned::functions::test::LookupBlock>(SCHEMA, &lookup, &lookup);
    // Left out, it is 0 (the field holds what was given), with the bits of the fields given
    // merged in on the wire.
    let short = json!({"@type": "test.shortTxId", "lt": "5"});
    let value: owned::types::test::ShortTxId = serde_json::from_value(short.clone()).unwrap();
    assert_eq!((value.mode, value.lt), (0, Some(5)));
    let bytes = to_bytes(&value);
    assert_eq!(mode_at(&bytes, 4), 2);
    common::with_registry(SCHEMA, |reg| assert_eq!(reg.encode(&short, None).unwrap(), bytes));
    let back: owned::types::test::ShortTxId = from_bytes(&bytes).unwrap();
    assert_eq!(
        serde_json::to_value(&back).unwrap(),
        json!({"@type": "test.shortTxId", "mode": 2, "lt": "5"})
    );
    // It is a number.
    let bad = json!({"@type": "test.shortTxId", "mode": "x"});
    assert!(serde_json::from_value::<owned::types::test::ShortTxId>(bad.clone()).is_err());
    common::with_registry(SCHEMA, |reg| assert_eq!(reg.encode(&bad, None).unwrap_err().path, "$.mode"));
}
