//! A full exchange in memory over every transport: the auth-key handshake in unencrypted
//! envelopes, then encrypted messages both ways with quick acks, tampering and transport errors.

mod common;

use mtproto_runtime::crypto::Side;
use mtproto_runtime::encrypted::{decrypt_message, encrypt_message, DecryptError, MessageHeader};
use mtproto_runtime::handshake::{
    ClientConfig, ClientHandshake, Finished, ServerConfig, ServerHandshake, ServerStep, Step,
};
use mtproto_runtime::transport::{Frame, Kind, Transport, TransportError};
use mtproto_runtime::{plain, OsRandom};

/// A frame copied out of the transport's buffer.
#[derive(Debug, PartialEq)]
enum Got {
    Data(Vec<u8>, bool),
    Ack(u32),
}

/// Moves every complete frame from `wire` through `to` and returns them.
fn deliver(to: &mut Transport, wire: &mut Vec<u8>) -> Vec<Got> {
    // Feed in uneven chunks to exercise partial reads.
    for chunk in wire.chunks(37) {
        to.feed(chunk);
    }
    wire.clear();
    let mut out = Vec::new();
    while let Some(frame) = to.next_frame().expect("frame") {
        out.push(match frame {
            Frame::Payload { data, quick_ack } => Got::Data(data.to_vec(), quick_ack),
            Frame::QuickAck(t) => Got::Ack(t),
        });
    }
    out
}

fn payload(frame: &Got) -> &[u8] {
    match frame {
        Got::Data(data, _) => data,
        Got::Ack(_) => panic!("expected a payload"),
    }
}

fn handshake(client_t: &mut Transport, server_t: &mut Transport, temp: Option<i32>) -> (Finished, Finished) {
    let key = common::key();
    let mut config = ClientConfig::new(2);
    config.keys.push(key.public().clone());
    config.temp_key_expires_in = temp;
    let (mut client, first) = ClientHandshake::new(config, OsRandom::new());
    let mut server = ServerHandshake::new(ServerConfig::new(vec![key], 1_700_000_000), OsRandom::new());
    let mut up = Vec::new();
    let mut down = Vec::new();
    let mut msg_id = 0x6000_0000_0000_0000i64;
    let mut body = first;
    loop {
        msg_id += 4;
        let mut env = Vec::new();
        plain::pack(msg_id, &body, &mut env);
        client_t.pack(&env, false, &mut up).unwrap();
        let frames = deliver(server_t, &mut up);
        let request = plain::unpack(payload(&frames[0])).unwrap();
        let (reply, server_done) = match server.handle(request.body).unwrap() {
            ServerStep::Send(reply) => (reply, None),
            ServerStep::Done { reply, finished } => (reply, Some(finished)),
        };
        let mut env = Vec::new();
        plain::pack(msg_id + 1, &reply, &mut env);
        server_t.pack(&env, false, &mut down).unwrap();
        let frames = deliver(client_t, &mut down);
        let answer = plain::unpack(payload(&frames[0])).unwrap();
        match client.handle(answer.body).unwrap() {
            Step::Send(next) => body = next,
            Step::Done(done) => return (*done, *server_done.expect("server done too")),
        }
    }
}

fn session(kind: Kind, obfuscated: bool, secret: Option<[u8; 16]>) {
    let (mut client_t, mut server_t) = if obfuscated {
        (Transport::client_obfuscated(kind, Some(2), secret).unwrap(), Transport::server_obfuscated(secret))
    } else {
        (Transport::client(kind), Transport::server(kind))
    };
    let (client_key, server_key) = handshake(&mut client_t, &mut server_t, Some(3600));
    assert_eq!(client_key, server_key);
    let key = client_key.auth_key;
    let session_id = 0x1122_3344_5566_7788;
    let mut rng = OsRandom::new();

    // Client -> server, with a quick-ack request where the transport has them.
    let quick = kind != Kind::Full;
    let header =
        MessageHeader { salt: client_key.server_salt, session_id, msg_id: 0x6000_0000_0000_1000, seq_no: 1 };
    let mut message = Vec::new();
    let token =
        encrypt_message(&key, Side::Client, &header, b"ping ping ping!!", &mut rng, &mut message).unwrap();
    let mut up = Vec::new();
    client_t.pack(&message, quick, &mut up).unwrap();
    let frames = deliver(&mut server_t, &mut up);
    let Got::Data(mut data, quick_ack) = frames.into_iter().next().unwrap() else { panic!() };
    assert_eq!(quick_ack, quick);
    let got = decrypt_message(&key, Side::Client, session_id, &mut data).unwrap();
    assert_eq!(got.body, b"ping ping ping!!");
    assert_eq!(got.header, header);
    assert_eq!(got.quick_ack, token);

    // Server -> client: the quick ack, an answer, a tampered answer, and a transport error.
    let mut down = Vec::new();
    if quick {
        server_t.pack_quick_ack(got.quick_ack, &mut down).unwrap();
    }
    let reply_header = MessageHeader { msg_id: 0x6000_0000_0000_1001, ..header };
    let mut reply = Vec::new();
    encrypt_message(&key, Side::Server, &reply_header, b"pong", &mut rng, &mut reply).unwrap();
    server_t.pack(&reply, false, &mut down).unwrap();
    let mut tampered = reply.clone();
    tampered[40] ^= 4;
    server_t.pack(&tampered, false, &mut down).unwrap();
    let frames = deliver(&mut client_t, &mut down);
    let mut frames = frames.into_iter();
    if quick {
        assert_eq!(frames.next(), Some(Got::Ack(token)));
    }
    let mut data = payload(&frames.next().unwrap()).to_vec();
    assert_eq!(decrypt_message(&key, Side::Server, session_id, &mut data).unwrap().body, b"pong");
    let mut data = payload(&frames.next().unwrap()).to_vec();
    assert_eq!(
        decrypt_message(&key, Side::Server, session_id, &mut data).unwrap_err(),
        DecryptError::BadMsgKey
    );

    server_t.pack(&(-404i32).to_le_bytes(), false, &mut down).unwrap();
    for chunk in down.chunks(3) {
        client_t.feed(chunk);
    }
    assert_eq!(client_t.next_frame(), Err(TransportError::Server(-404)));
}

#[test]
fn every_transport() {
    for kind in [Kind::Abridged, Kind::Intermediate, Kind::PaddedIntermediate, Kind::Full] {
        session(kind, false, None);
    }
}

#[test]
fn every_obfuscated_transport() {
    for kind in [Kind::Abridged, Kind::Intermediate, Kind::PaddedIntermediate] {
        session(kind, true, None);
        session(kind, true, Some([0x5e; 16]));
    }
}

#[test]
fn permanent_key() {
    let (mut c, mut s) = (Transport::client(Kind::Intermediate), Transport::server(Kind::Intermediate));
    let (client, server) = handshake(&mut c, &mut s, None);
    assert_eq!(client, server);
    assert_eq!(client.expires_in, None);
}
