//! Every transport decoder, both roles, plain and obfuscated, fed the input in two chunks at a
//! split chosen by the first byte. Nothing may panic or allocate beyond the input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mtproto_runtime::transport::{Kind, Transport};

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else { return };
    let cut = if rest.is_empty() { 0 } else { usize::from(selector) % (rest.len() + 1) };
    let kinds = [Kind::Abridged, Kind::Intermediate, Kind::PaddedIntermediate, Kind::Full];
    let mut transports: Vec<Transport> = Vec::new();
    for kind in kinds {
        transports.push(Transport::client(kind).with_max_frame(1 << 16));
        transports.push(Transport::server(kind).with_max_frame(1 << 16));
    }
    transports.push(Transport::server_obfuscated(None).with_max_frame(1 << 16));
    transports.push(Transport::server_obfuscated(Some([7; 16])).with_max_frame(1 << 16));
    transports.push(Transport::server_any(None).with_max_frame(1 << 16));
    for mut t in transports {
        for part in [&rest[..cut], &rest[cut..]] {
            t.feed(part);
            let mut budget = rest.len() + 1;
            while budget > 0 {
                budget -= 1;
                match t.next_frame() {
                    Ok(Some(_)) => {}
                    Ok(None) => break,
                    // Transport errors from the server leave the stream usable; others are final.
                    Err(mtproto_runtime::transport::TransportError::Server(_)) => {}
                    Err(_) => break,
                }
            }
        }
    }
});
