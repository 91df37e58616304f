//! The session's handling of decrypted messages: arbitrary bodies are encrypted with the session's
//! key (so they pass the envelope checks) and fed to a client session, reaching the container,
//! gzip_packed, rpc_result and service-message readers. Also the raw wire readers on the input,
//! and the input as a request body.
//!
//! Messages about the client's own messages (rpc_result, msgs_state_info, bad_server_salt,
//! msgs_ack, ...) act only when they name a msg_id the client sent, which random bytes never do.
//! So the session first sends a ping and up to three requests (in a container) and, after
//! `Session::reconnected`, a msgs_state_req about them, and the input may name any of those
//! msg_ids: they are numbered from the latest sent (the msgs_state_req is 0) to the first,
//! containers included.
//!
//! The input is `[flags] body...`. `(flags >> 1) & 3` requests go with the ping (so that a
//! msgs_state_info with from 1 to 4 status bytes can be the answer). Unless `flags & 1`, each
//! 8 bytes at a 4-byte boundary of the body that read (little-endian) as a number below how
//! many ids were sent are replaced by the id of that number, scanning from the front: a zero
//! field names the msgs_state_req. Small values are what mutations make most, and a flag byte
//! of its own never shifts the body.
//!
//! `flags & 8` gives the session an init prefix from the start, so the requests go out wrapped
//! and an rpc_error such as CONNECTION_NOT_INITED or an answer ends or repeats the wrapping;
//! `flags & 16` sets (or, with `flags & 8`, clears) a prefix between the first flush and the
//! reconnect, as `Client::set_init_prefix` does. `flags & 32` has the session hold requests
//! refused with AUTH_KEY_PERM_EMPTY (`SessionConfig::hold_when_unbound`, as under PFS), which
//! are then sent again (`resend_pending`, as after a new binding) once the frame is read;
//! `flags & 64` has it sit out flood waits of up to a minute; `flags & 128` closes the gate for
//! requests (`hold_requests`, as during a binding) after the first flush.
#![no_main]

use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use mtproto_runtime::crypto::Side;
use mtproto_runtime::encrypted::{decrypt_message, encrypt_message, MessageHeader};
use mtproto_runtime::session::{wire, Session, SessionConfig};
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
const SESSION_ID: i64 = 2;

/// Flushes `session` once and appends the msg_ids of what it sent to `ids`: the message's own,
/// then those inside it if it is a container.
fn flush_noting_ids(
    session: &mut Session<impl mtproto_runtime::session::Clock>,
    key: &AuthKey,
    ids: &mut Vec<i64>,
) {
    let mut frame = Vec::new();
    if !matches!(session.flush(&mut Counter(3), &mut frame), Ok(true)) {
        return;
    }
    let Ok(msg) = decrypt_message(key, Side::Client, SESSION_ID, &mut frame) else { return };
    ids.push(msg.header.msg_id);
    if wire::constructor(msg.body) == Some(wire::MSG_CONTAINER) {
        if let Ok(inner) = wire::read_container(msg.body) {
            ids.extend(inner.iter().map(|m| m.msg_id));
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let _ = wire::read_container(data);
    let _ = wire::read_rpc_result(data);
    let _ = wire::gunzip(data, 1 << 20);

    let (flags, rest) = match data.split_first() {
        Some((&flags, rest)) => (flags, rest),
        None => (1, data),
    };
    let key = AuthKey::from_bytes([0x42; 256]);
    let clock = || Duration::from_secs(NOW);
    // invokeWithLayer#da9b0d0d layer:230, then the query: whole words, as connect requires.
    let prefix = || Some(vec![0x0d, 0x0d, 0x9b, 0xda, 230, 0, 0, 0]);
    let config = SessionConfig {
        init_prefix: if flags & 8 != 0 { prefix() } else { None },
        hold_when_unbound: flags & 32 != 0,
        flood_sleep_threshold: Duration::from_secs(if flags & 64 != 0 { 60 } else { 0 }),
        ..Default::default()
    };
    let mut session = Session::with_config(key.clone(), 1, SESSION_ID, clock, config);
    let mut sent = Vec::new();
    // A ping and the requests, in one container if more than one.
    session.ping(1);
    for i in 0..(flags >> 1) & 3 {
        session.invoke_raw(vec![0x11, 0x22, 0x33, i, 5, 6, 7, 8]);
    }
    flush_noting_ids(&mut session, &key, &mut sent);
    session.hold_requests(flags & 128 != 0);
    if flags & 16 != 0 {
        session.set_init_prefix(if flags & 8 != 0 { None } else { prefix() });
    }
    // After a reconnect they are asked about at once: a msgs_state_req whose msgs_state_info
    // the input may answer.
    session.reconnected();
    flush_noting_ids(&mut session, &key, &mut sent);

    // Latest first: 0 names the msgs_state_req.
    sent.reverse();
    let mut body = rest[..rest.len() / 4 * 4].to_vec();
    if flags & 1 == 0 {
        let mut at = 0;
        while let Some(slot) = body.get_mut(at..at + 8) {
            let mut value = [0u8; 8];
            value.copy_from_slice(slot);
            match usize::try_from(u64::from_le_bytes(value)).ok().and_then(|k| sent.get(k)) {
                Some(id) => {
                    slot.copy_from_slice(&id.to_le_bytes());
                    at += 8;
                }
                None => at += 4,
            }
        }
    }
    let header =
        MessageHeader { salt: 1, session_id: SESSION_ID, msg_id: ((NOW as i64) << 32) | 1, seq_no: 1 };
    let mut frame = Vec::new();
    if encrypt_message(&key, Side::Server, &header, &body, &mut Counter(7), &mut frame).is_ok() {
        let _ = session.receive(&mut frame);
        while session.poll_event().is_some() {}
        if flags & 32 != 0 {
            session.resend_pending();
        }
        // What it led to goes out: resends, msg_resend_ans_req, acknowledgements.
        while session.wants_flush() {
            if !matches!(session.flush(&mut Counter(9), &mut Vec::new()), Ok(true)) {
                break;
            }
        }
    }
    // Any bytes as a request body: refused or sent, never a panic.
    session.invoke_raw(data.to_vec());
    while session.poll_event().is_some() {}
    let _ = session.flush(&mut Counter(11), &mut Vec::new());
});
