//! The session's handling of decrypted messages: arbitrary bodies are encrypted with the session's
//! key (so they pass the envelope checks) and fed to a client session, reaching the container,
//! gzip_packed, rpc_result and service-message readers. Also the raw wire readers on the input,
//! and the input as a request body.
#![no_main]

use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use mtproto_runtime::crypto::Side;
use mtproto_runtime::encrypted::{encrypt_message, MessageHeader};
use mtproto_runtime::session::{wire, Session};
use mtproto_runtime::{AuthKey, Random};

/// Padding from a counter: the fuzzer's input, not randomness, decides what is tested.
struct Counter(u8);

impl Random for Counter {
    fn fill(&mut self, buf: &mut [u8]) {
        for b in buf {
            self.0 = self.0.wrapping_add(1);
            *b = self.0;
        }
    }
}

const NOW: u64 = 1_700_000_000;

fuzz_target!(|data: &[u8]| {
    let _ = wire::read_container(data);
    let _ = wire::read_rpc_result(data);
    let _ = wire::gunzip(data, 1 << 20);

    let key = AuthKey::from_bytes([0x42; 256]);
    let clock = || Duration::from_secs(NOW);
    let mut session = Session::new(key.clone(), 1, 2, clock);
    session.ping(1);
    let _ = session.flush(&mut Counter(0), &mut Vec::new());
    let body = &data[..data.len() / 4 * 4];
    let header = MessageHeader { salt: 1, session_id: 2, msg_id: ((NOW as i64) << 32) | 1, seq_no: 1 };
    let mut frame = Vec::new();
    if encrypt_message(&key, Side::Server, &header, body, &mut Counter(7), &mut frame).is_ok() {
        let _ = session.receive(&mut frame);
        while session.poll_event().is_some() {}
        let _ = session.flush(&mut Counter(9), &mut Vec::new());
    }
    // Any bytes as a request body: refused or sent, never a panic.
    session.invoke_raw(data.to_vec());
    while session.poll_event().is_some() {}
    let _ = session.flush(&mut Counter(11), &mut Vec::new());
});
