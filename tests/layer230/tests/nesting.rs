//! The depth limit guards exactly the types that can contain themselves: malicious nesting of
//! `RichText` fails cleanly (no stack overflow), while types that cannot recurse do not spend
//! the budget at all.

use tl_codec::{Decode, ErrorKind, Reader};
use tl_layer230::api::{enums, types};

const TEXT_BOLD: u32 = 0x6724abc4;
const TEXT_PLAIN: u32 = 0x744694e0;

/// `textBold { textBold { … textPlain "x" } }`, `levels` bold wrappers deep.
fn nested_bold(levels: usize) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(levels * 4 + 12);
    for _ in 0..levels {
        bytes.extend_from_slice(&TEXT_BOLD.to_le_bytes());
    }
    bytes.extend_from_slice(&TEXT_PLAIN.to_le_bytes());
    bytes.extend_from_slice(&[1, b'x', 0, 0]);
    bytes
}

#[test]
fn self_nesting_types_stop_at_the_depth_limit() {
    let bytes = nested_bold(200_000);
    let err = enums::RichText::decode(&mut Reader::new(&bytes)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TooDeep { limit: tl_codec::DEFAULT_MAX_DEPTH });

    // Within the limit the value decodes, and every level entered is left again.
    let bytes = nested_bold(10);
    let mut r = Reader::new(&bytes);
    let mut text = enums::RichText::decode(&mut r).expect("10 levels");
    assert_eq!((r.depth(), r.remaining()), (0, 0));
    for _ in 0..10 {
        let enums::RichText::TextBold(bold) = text else { panic!("expected textBold") };
        text = bold.text;
    }
    assert!(matches!(text, enums::RichText::TextPlain(types::TextPlain { .. })));
}

#[test]
fn the_depth_limit_fits_a_small_thread_stack() {
    // 64 levels of textBold (each an enum and a struct decoder frame, unoptimized in tests:
    // they fit in 128 KiB but not in 64 KiB) on a 256 KiB stack, where a main thread has
    // 8 MiB: the limit bounds the stack, not just the count.
    let worker = std::thread::Builder::new().stack_size(256 * 1024);
    let handle = worker
        .spawn(|| {
            let bytes = nested_bold(tl_codec::DEFAULT_MAX_DEPTH as usize - 1);
            assert!(enums::RichText::decode(&mut Reader::new(&bytes)).is_ok());
            let bytes = nested_bold(100_000);
            enums::RichText::decode(&mut Reader::new(&bytes)).unwrap_err().kind()
        })
        .expect("spawn");
    let kind = handle.join().expect("no stack overflow");
    assert_eq!(kind, ErrorKind::TooDeep { limit: tl_codec::DEFAULT_MAX_DEPTH });
}

#[test]
fn types_that_cannot_recurse_do_not_count_against_the_limit() {
    // messageEntityBold offset:int length:int: its nesting is fixed by the schema.
    let mut bytes = 0xbd61_0bc9_u32.to_le_bytes().to_vec();
    bytes.extend_from_slice(&[3, 0, 0, 0, 4, 0, 0, 0]);
    let mut r = Reader::new(&bytes).with_max_depth(0);
    let entity = enums::MessageEntity::decode(&mut r).expect("no depth needed");
    assert!(matches!(entity, enums::MessageEntity::Bold(types::MessageEntityBold { offset: 3, length: 4 })));
}

#[test]
fn an_unknown_id_names_the_tl_type_expected_there() {
    // textBold { <unknown id> }: the error points at the inner id and names `RichText`.
    let mut bytes = nested_bold(1);
    bytes[4..8].copy_from_slice(&0xdead_beef_u32.to_le_bytes());
    let err = enums::RichText::decode(&mut Reader::new(&bytes)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::UnknownConstructor { id: 0xdead_beef, expected: "RichText" });
    assert_eq!(err.to_string(), "unknown constructor id 0xdeadbeef for `RichText` at byte 4");
    // A constructor decoded alone names itself, by its TL name.
    let err = tl_codec::from_bytes::<types::TextBold<'_>>(&bytes[4..]).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::UnknownConstructor { id: 0xdead_beef, expected: "textBold" });
    // Namespaced types keep their namespace.
    let err = tl_codec::from_bytes::<enums::messages::Messages<'_>>(&bytes[4..]).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::UnknownConstructor { id: 0xdead_beef, expected: "messages.Messages" });
}
