//! Any bytes through the generated decoder of the constructor (or function) their first four
//! bytes name: never a panic; and whatever decodes re-encodes to bytes that decode and
//! re-encode to themselves (the decoder may accept non-canonical input, such as a long-form
//! length on a short string, that the encoder writes canonically).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some(id) = data.get(..4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]])) else { return };
    for function in [false, true] {
        let Some(Ok(once)) = tl_layer230::dispatch::roundtrip(id, function, data) else { continue };
        let twice = tl_layer230::dispatch::roundtrip(id, function, &once)
            .expect("the same id")
            .expect("an encoding decodes");
        assert_eq!(once, twice, "re-encoding is not stable");
    }
});
