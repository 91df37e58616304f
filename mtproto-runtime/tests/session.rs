//! The session's receive checks through the public API, client against the test server's side in
//! memory: tampered bytes, replayed msg_ids, a gzip bomb and garbage are all refused without a
//! panic, and the session keeps working afterwards.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use mtproto_runtime::schema::functions;
use mtproto_runtime::session::server::ServerSession;
use mtproto_runtime::session::{decode_result, wire, Event, GzipError, IdError, Session, SessionError};
use mtproto_runtime::{AuthKey, OsRandom};

type Clock = Arc<AtomicU64>;

fn clock(c: &Clock) -> impl Fn() -> Duration + Send + 'static {
    let c = c.clone();
    move || Duration::from_nanos(c.load(Ordering::Relaxed))
}

fn flush_server<C: mtproto_runtime::session::Clock>(s: &mut ServerSession<C>, rng: &mut OsRandom) -> Vec<u8> {
    let mut out = Vec::new();
    s.flush(rng, &mut out).unwrap();
    out
}

#[test]
fn tampering_replay_bomb_and_garbage_are_refused() {
    let t: Clock = Arc::new(AtomicU64::new(1_700_000_000_000_000_000));
    let key = AuthKey::from_bytes([9; 256]);
    let mut rng = OsRandom::new();
    let mut client = Session::new(key.clone(), 5, 77, clock(&t));
    let mut server = ServerSession::new(key, 5, clock(&t));

    client.ping(1);
    let mut up = Vec::new();
    client.flush(&mut rng, &mut up).unwrap();
    // The server refuses a replay of the client's message too.
    server.receive(&mut up.clone()).unwrap();
    assert_eq!(server.receive(&mut up.clone()), Err(SessionError::MsgId(IdError::Replay)));

    let down = flush_server(&mut server, &mut rng);
    for i in 0..down.len() {
        let mut bad = down.clone();
        bad[i] ^= 1;
        assert!(client.receive(&mut bad).is_err(), "tampered byte {i} accepted");
    }
    client.receive(&mut down.clone()).unwrap();
    assert_eq!(client.receive(&mut down.clone()), Err(SessionError::MsgId(IdError::Replay)));
    let pong = std::iter::from_fn(|| client.poll_event())
        .find_map(|e| match e {
            Event::Completed { result, .. } => Some(result.unwrap()),
            _ => None,
        })
        .unwrap();
    assert_eq!(decode_result::<functions::Ping>(&pong).unwrap().ping_id, 1);

    server.send_unsolicited(wire::gzip(&vec![0u8; 64 << 20]).unwrap());
    let mut bomb = flush_server(&mut server, &mut rng);
    assert_eq!(client.receive(&mut bomb), Err(SessionError::Gzip(GzipError::TooLarge { limit: 16 << 20 })));

    for len in [0, 1, 7, 24, 56, 72, 4096] {
        let mut junk: Vec<u8> = (0..len).map(|i| i as u8).collect();
        assert!(client.receive(&mut junk).is_err());
    }

    // Still alive.
    client.ping(2);
    let mut up = Vec::new();
    client.flush(&mut rng, &mut up).unwrap();
    server.receive(&mut up).unwrap();
    let mut down = flush_server(&mut server, &mut rng);
    client.receive(&mut down).unwrap();
    assert!(std::iter::from_fn(|| client.poll_event()).any(|e| matches!(e, Event::Completed { .. })));
}
