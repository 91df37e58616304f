//! The encrypted-message reader and the unencrypted envelope on arbitrary frames. The first 8
//! bytes are forced to the key's id half of the time so the msg_key path is reached.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mtproto_runtime::crypto::Side;
use mtproto_runtime::encrypted::decrypt_message;
use mtproto_runtime::{plain, AuthKey};

fuzz_target!(|data: &[u8]| {
    let key = AuthKey::from_bytes([0x42; 256]);
    let _ = plain::unpack(data);
    let mut frame = data.to_vec();
    if frame.len() >= 8 && frame[0] & 1 == 0 {
        frame[..8].copy_from_slice(&key.id().to_le_bytes());
    }
    for side in [Side::Client, Side::Server] {
        let mut copy = frame.clone();
        if let Ok(msg) = decrypt_message(&key, side, 0, &mut copy) {
            assert!(msg.body.len() % 4 == 0);
        }
    }
});
