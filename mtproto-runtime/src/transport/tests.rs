//! Round trips with every split of the input, quick acks, transport errors and hostile input.

use super::*;

const KINDS: [Kind; 4] = [Kind::Abridged, Kind::Intermediate, Kind::PaddedIntermediate, Kind::Full];

/// Packets shaped like MTProto ones (the padded transport recovers their length from the content):
/// unencrypted envelopes and encrypted-size messages, small and over the abridged 1-byte limit.
fn packets() -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for body in [0usize, 4, 40, 600] {
        let mut p = Vec::new();
        crate::plain::pack(7, &vec![0xab; body], &mut p);
        out.push(p);
    }
    for blocks in [2usize, 5, 40] {
        out.push((0..24 + 16 * blocks).map(|i| (i % 251) as u8 | 1).collect());
    }
    out
}

fn pair(kind: Kind, obfuscated: bool, secret: Option<[u8; 16]>) -> (Transport, Transport) {
    if obfuscated {
        (Transport::client_obfuscated(kind, Some(2), secret).unwrap(), Transport::server_obfuscated(secret))
    } else {
        (Transport::client(kind), Transport::server(kind))
    }
}

fn drain(t: &mut Transport) -> Vec<(Vec<u8>, bool)> {
    let mut out = Vec::new();
    while let Some(frame) = t.next_frame().unwrap() {
        match frame {
            Frame::Payload { data, quick_ack } => out.push((data.to_vec(), quick_ack)),
            Frame::QuickAck(token) => out.push((token.to_le_bytes().to_vec(), true)),
        }
    }
    out
}

fn check_every_split(kind: Kind, obfuscated: bool, secret: Option<[u8; 16]>) {
    let packets = packets();
    let (mut client, _) = pair(kind, obfuscated, secret);
    let quick = |i: usize| kind != Kind::Full && i % 2 == 1;
    let mut wire = Vec::new();
    for (i, p) in packets.iter().enumerate() {
        client.pack(p, quick(i), &mut wire).unwrap();
    }
    let expected: Vec<(Vec<u8>, bool)> =
        packets.iter().enumerate().map(|(i, p)| (p.clone(), quick(i))).collect();
    // A fresh server per split: its state depends only on the bytes fed. Each split point, then byte by byte.
    for cut in 0..=wire.len() {
        let mut s = fresh_server(kind, obfuscated, secret);
        s.feed(&wire[..cut]);
        let mut got = drain(&mut s);
        s.feed(&wire[cut..]);
        got.extend(drain(&mut s));
        assert_eq!(got, expected, "{kind:?} obfuscated={obfuscated} cut={cut}");
    }
    let mut s = fresh_server(kind, obfuscated, secret);
    let mut got = Vec::new();
    for b in &wire {
        s.feed(std::slice::from_ref(b));
        got.extend(drain(&mut s));
    }
    assert_eq!(got, expected);
    if obfuscated {
        assert_eq!(s.kind(), Some(kind));
        assert_eq!(s.dc(), Some(2));
    }
}

fn fresh_server(kind: Kind, obfuscated: bool, secret: Option<[u8; 16]>) -> Transport {
    if obfuscated {
        Transport::server_obfuscated(secret)
    } else {
        Transport::server(kind)
    }
}

#[test]
fn every_split_plain() {
    for kind in KINDS {
        check_every_split(kind, false, None);
    }
}

#[test]
fn every_split_obfuscated() {
    for kind in [Kind::Abridged, Kind::Intermediate, Kind::PaddedIntermediate] {
        check_every_split(kind, true, None);
        check_every_split(kind, true, Some([9; 16]));
    }
    assert_eq!(
        Transport::client_obfuscated(Kind::Full, None, None).unwrap_err(),
        TransportError::Unsupported
    );
}

#[test]
fn server_to_client_and_quick_acks() {
    for kind in KINDS {
        for obfuscated in [false, true] {
            if obfuscated && kind == Kind::Full {
                continue;
            }
            let (mut client, mut server) = pair(kind, obfuscated, None);
            let mut up = Vec::new();
            client.pack(&packets()[1], false, &mut up).unwrap();
            server.feed(&up);
            assert!(server.next_frame().unwrap().is_some());
            let mut down = Vec::new();
            for p in packets() {
                server.pack(&p, false, &mut down).unwrap();
            }
            let acked = kind != Kind::Full;
            if acked {
                server.pack_quick_ack(0x1234_5678, &mut down).unwrap();
            } else {
                assert_eq!(server.pack_quick_ack(1, &mut down), Err(TransportError::Unsupported));
            }
            // One byte at a time.
            let mut frames = Vec::new();
            for b in &down {
                client.feed(std::slice::from_ref(b));
                while let Some(f) = client.next_frame().unwrap() {
                    frames.push(match f {
                        Frame::Payload { data, .. } => Err(data.to_vec()),
                        Frame::QuickAck(t) => Ok(t),
                    });
                }
            }
            let mut expected: Vec<Result<u32, Vec<u8>>> = packets().into_iter().map(Err).collect();
            if acked {
                expected.push(Ok(0x9234_5678));
            }
            assert_eq!(frames, expected, "{kind:?} obfuscated={obfuscated}");
        }
    }
}

#[test]
fn server_error_codes_surface() {
    for kind in KINDS {
        let mut server = Transport::server(kind);
        server.feed(kind.tag());
        let mut down = Vec::new();
        for code in [-404i32, -429, -444] {
            server.pack(&code.to_le_bytes(), false, &mut down).unwrap();
        }
        server.pack(&packets()[0], false, &mut down).unwrap();
        let mut client = Transport::client(kind);
        client.feed(&down);
        for code in [-404i32, -429, -444] {
            assert_eq!(client.next_frame(), Err(TransportError::Server(code)), "{kind:?}");
        }
        // The stream goes on after a transport error.
        assert!(matches!(client.next_frame(), Ok(Some(Frame::Payload { .. }))));
    }
}

#[test]
fn padded_intermediate_pads_0_to_15_random_bytes() {
    let mut client = Transport::client(Kind::PaddedIntermediate);
    let packet = &packets()[4];
    let mut seen = [false; 16];
    let mut wire = Vec::new();
    for _ in 0..400 {
        let mut out = Vec::new();
        client.pack(packet, false, &mut out).unwrap();
        // The tag goes once, before the first frame.
        let frame = out.strip_prefix(&[0xdd; 4][..]).unwrap_or(&out);
        let len = u32::from_le_bytes(frame[..4].try_into().unwrap()) as usize;
        assert_eq!(len, frame.len() - 4);
        assert_eq!(&frame[4..4 + packet.len()], &packet[..]);
        let pad = len - packet.len();
        assert!(pad <= 15, "{pad}");
        seen[pad] = true;
        wire.extend_from_slice(&out);
    }
    assert!(seen.iter().all(|&s| s), "every padding length occurs: {seen:?}");
    // The receiver strips whatever padding came.
    let mut server = Transport::server(Kind::PaddedIntermediate);
    server.feed(&wire);
    let got = drain(&mut server);
    assert_eq!(got.len(), 400);
    assert!(got.iter().all(|(p, _)| p == packet));
}

#[test]
fn hostile_lengths_fail_without_allocating() {
    let cases: [(Kind, &[u8]); 6] = [
        (Kind::Abridged, &[0x7f, 0xff, 0xff, 0xff]),
        (Kind::Abridged, &[0x00]),
        (Kind::Intermediate, &[0xff, 0xff, 0xff, 0x7f]),
        (Kind::PaddedIntermediate, &[0x00, 0x00, 0x00, 0x00]),
        (Kind::Full, &[0xff, 0xff, 0xff, 0x7f]),
        (Kind::Full, &[0x08, 0, 0, 0]),
    ];
    for (kind, bytes) in cases {
        let mut client = Transport::client(kind).with_max_frame(1 << 20);
        client.feed(bytes);
        let err = client.next_frame().unwrap_err();
        assert!(matches!(err, TransportError::TooLong | TransportError::BadLength), "{kind:?} {err:?}");
        // Sticky: the stream cannot be trusted any more.
        client.feed(&[0; 64]);
        assert_eq!(client.next_frame().unwrap_err(), err);
        assert!(client.recv.capacity() < 4096);
    }
}

#[test]
fn full_checks_crc_and_sequence() {
    let mut server = Transport::server(Kind::Full);
    let mut down = Vec::new();
    server.pack(&[1, 2, 3, 4], false, &mut down).unwrap();
    let mut tampered = down.clone();
    tampered[9] ^= 1;
    let mut client = Transport::client(Kind::Full);
    client.feed(&tampered);
    assert_eq!(client.next_frame(), Err(TransportError::BadCrc));
    // A replayed frame (seq 0 again) is refused.
    let mut client = Transport::client(Kind::Full);
    client.feed(&down);
    client.feed(&down);
    assert!(client.next_frame().unwrap().is_some());
    assert_eq!(client.next_frame(), Err(TransportError::BadSeq { expected: 1, got: 0 }));
}

#[test]
fn bad_tags_are_refused() {
    let mut server = Transport::server(Kind::Intermediate);
    server.feed(&[0xef, 0, 0, 0, 0]);
    assert_eq!(server.next_frame(), Err(TransportError::BadTag));
    let mut server = Transport::server_obfuscated(None);
    server.feed(&[0x42; 64]);
    assert_eq!(server.next_frame(), Err(TransportError::BadTag));
}

#[test]
fn pack_rejects_what_it_cannot_frame() {
    let mut c = Transport::client(Kind::Abridged);
    let mut out = Vec::new();
    assert_eq!(c.pack(&[1, 2, 3], false, &mut out), Err(TransportError::Unaligned));
    assert!(out.is_empty());
    let mut c = Transport::client(Kind::Full);
    assert_eq!(c.pack(&[1, 2, 3, 4], true, &mut out), Err(TransportError::Unsupported));
}

#[test]
fn garbage_never_panics() {
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for round in 0..400 {
        let len = (next() % 300) as usize;
        let data: Vec<u8> = (0..len).map(|_| next() as u8).collect();
        for kind in KINDS {
            for mut t in [
                Transport::client(kind).with_max_frame(1 << 12),
                Transport::server(kind).with_max_frame(1 << 12),
                Transport::server_obfuscated(None),
                Transport::server_any(None).with_max_frame(1 << 12),
            ] {
                let cut = if len == 0 { 0 } else { round % len };
                t.feed(&data[..cut]);
                while let Ok(Some(_)) = t.next_frame() {}
                t.feed(&data[cut..]);
                while let Ok(Some(_)) = t.next_frame() {}
            }
        }
    }
}

#[test]
fn server_detects_every_transport() {
    for kind in KINDS {
        for obfuscated in [false, true] {
            if obfuscated && kind == Kind::Full {
                continue;
            }
            let mut client = if obfuscated {
                Transport::client_obfuscated(kind, None, Some([4; 16])).unwrap()
            } else {
                Transport::client(kind)
            };
            let mut wire = Vec::new();
            for p in packets() {
                client.pack(&p, false, &mut wire).unwrap();
            }
            // Byte by byte, so detection sees the shortest possible prefixes.
            let mut server = Transport::server_any(Some([4; 16]));
            let mut got = Vec::new();
            for b in &wire {
                server.feed(std::slice::from_ref(b));
                got.extend(drain(&mut server).into_iter().map(|(p, _)| p));
            }
            assert_eq!(got, packets(), "{kind:?} obfuscated={obfuscated}");
            assert_eq!(server.kind(), Some(kind));
            // And the answers flow back.
            let mut down = Vec::new();
            server.pack(&packets()[2], false, &mut down).unwrap();
            client.feed(&down);
            assert_eq!(drain(&mut client), vec![(packets()[2].clone(), false)]);
        }
    }
}
