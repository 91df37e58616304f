//! The encrypted-message reader and the unencrypted envelope on arbitrary frames. The first 8
//! bytes are forced to the key's id half of the time so the msg_key path is reached.
//!
//! Random frames never pass the msg_key check, so what the reader checks after it (the length
//! field, the padding, the session id) would go untested: with `data[0] & 2`, the rest of the
//! input is taken as a plaintext (salt, session_id, msg_id, seq_no, length, body and padding,
//! whatever they hold), sealed under the key with its true msg_key, and read back. Whatever
//! the reader accepts must then be exactly what the plaintext says.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mtproto_runtime::crypto::{self, Side};
use mtproto_runtime::encrypted::decrypt_message;
use mtproto_runtime::{plain, AuthKey};

/// salt, session_id, msg_id, seq_no, length.
const HEADER: usize = 32;

fn long(b: &[u8], at: usize) -> i64 {
    i64::from_le_bytes(b[at..at + 8].try_into().expect("8 bytes"))
}

/// `plaintext` (padded with zeros to whole AES blocks) sealed by `side` under `key`.
fn sealed(key: &AuthKey, side: Side, plaintext: &mut Vec<u8>) -> Vec<u8> {
    plaintext.resize(plaintext.len().div_ceil(16) * 16, 0);
    let msg_key = crypto::msg_key(key, side, plaintext);
    let (aes_key, aes_iv) = crypto::aes_key_iv(key, side, &msg_key);
    let mut body = plaintext.clone();
    crypto::ige_encrypt(&mut body, &aes_key, &aes_iv).expect("whole blocks");
    let mut frame = key.id().to_le_bytes().to_vec();
    frame.extend_from_slice(&msg_key);
    frame.extend_from_slice(&body);
    frame
}

fuzz_target!(|data: &[u8]| {
    // Not one byte repeated: the two sides' key derivations read different parts of the key,
    // which must differ for a message of one side to be refused by the other.
    let key = AuthKey::from_bytes(core::array::from_fn(|i| (i * 13 + 7) as u8));
    let _ = plain::unpack(data);
    if data.first().is_some_and(|&f| f & 2 != 0) {
        let mut plaintext = data[1..].to_vec();
        if plaintext.len() < HEADER {
            return;
        }
        for side in [Side::Client, Side::Server] {
            let mut frame = sealed(&key, side, &mut plaintext);
            // The reader's session, half of the time the plaintext's own.
            let session_id = if data[0] & 4 != 0 { long(&plaintext, 8) } else { 0 };
            // Read by the other side's key derivation, it must fail.
            let mut other = frame.clone();
            assert!(decrypt_message(&key, side.peer(), session_id, &mut other).is_err());
            let Ok(msg) = decrypt_message(&key, side, session_id, &mut frame) else { continue };
            let len = u32::from_le_bytes(plaintext[28..32].try_into().expect("4 bytes")) as usize;
            let padding = plaintext.len() - HEADER - len;
            assert!(len % 4 == 0 && (12..=1024).contains(&padding), "len {len}, padding {padding}");
            assert_eq!(msg.header.salt, long(&plaintext, 0));
            assert_eq!(msg.header.session_id, session_id);
            assert_eq!(msg.header.msg_id, long(&plaintext, 16));
            assert_eq!(msg.body, &plaintext[HEADER..HEADER + len]);
        }
        return;
    }
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
