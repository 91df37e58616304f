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

/// The frames of one side's pack calls, and the payloads the other side reads from `wire`.
fn packed(t: &mut Transport, payload: &[u8], quick_ack: bool) -> Vec<u8> {
    let mut out = Vec::new();
    t.pack(payload, quick_ack, &mut out).unwrap();
    out
}

fn read_all(t: &mut Transport, wire: &[u8]) -> Vec<Frame<'static>> {
    t.feed(wire);
    let mut out = Vec::new();
    while let Some(f) = t.next_frame().unwrap() {
        out.push(match f {
            Frame::Payload { data, quick_ack } => Frame::Payload { data: data.to_vec().leak(), quick_ack },
            Frame::QuickAck(token) => Frame::QuickAck(token),
        });
    }
    out
}

/// Abridged, byte for byte: 0xef once; a length byte of len / 4 up to 0x7e, else 0x7f and three
/// little-endian bytes; the quick-ack request in the length's top bit; the server's quick ack
/// the token big-endian (its first byte has the top bit set).
#[test]
fn abridged_frames_byte_for_byte() {
    let mut c = Transport::client(Kind::Abridged);
    assert_eq!(packed(&mut c, &[1, 2, 3, 4], false), [0xef, 0x01, 1, 2, 3, 4]);
    let p = vec![7u8; 0x7e * 4];
    assert_eq!(packed(&mut c, &p, false), [&[0x7e][..], &p].concat());
    let p = vec![7u8; 0x7f * 4];
    assert_eq!(packed(&mut c, &p, false), [&[0x7f, 0x7f, 0, 0][..], &p].concat());
    let p = vec![7u8; 0x01_2345 * 4];
    assert_eq!(packed(&mut c, &p, false)[..4], [0x7f, 0x45, 0x23, 0x01]);
    assert_eq!(packed(&mut c, &[1, 2, 3, 4], true), [0x81, 1, 2, 3, 4]);
    assert_eq!(packed(&mut c, &vec![0u8; 0x7f * 4], true)[..4], [0xff, 0x7f, 0, 0]);

    let mut s = Transport::server(Kind::Abridged);
    let wire = [
        &[0xef, 0x02][..],
        &[1, 2, 3, 4, 5, 6, 7, 8],
        &[0x81, 9, 9, 9, 9],
        // The long form of a short length is read too.
        &[0x7f, 0x01, 0, 0, 5, 5, 5, 5],
        &[0xff, 0x01, 0, 0, 6, 6, 6, 6],
    ]
    .concat();
    assert_eq!(
        read_all(&mut s, &wire),
        [
            Frame::Payload { data: &[1, 2, 3, 4, 5, 6, 7, 8], quick_ack: false },
            Frame::Payload { data: &[9; 4], quick_ack: true },
            Frame::Payload { data: &[5; 4], quick_ack: false },
            Frame::Payload { data: &[6; 4], quick_ack: true },
        ]
    );
    // The server sends no tag; its quick ack is the token with the top bit set, big-endian.
    assert_eq!(packed(&mut s, &[1, 2, 3, 4], false), [0x01, 1, 2, 3, 4]);
    let mut ack = Vec::new();
    s.pack_quick_ack(0x1234_5678, &mut ack).unwrap();
    assert_eq!(ack, [0x92, 0x34, 0x56, 0x78]);
    let mut c = Transport::client(Kind::Abridged);
    let wire = [&[0x92, 0x34, 0x56, 0x78][..], &[0x01, 1, 2, 3, 4]].concat();
    assert_eq!(
        read_all(&mut c, &wire),
        [Frame::QuickAck(0x9234_5678), Frame::Payload { data: &[1, 2, 3, 4], quick_ack: false }]
    );
}

/// Intermediate and padded intermediate, byte for byte: 0xeeeeeeee / 0xdddddddd once, a 4-byte
/// little-endian length (with the quick-ack request in its top bit); the server's quick ack is
/// the token with the top bit set, little-endian.
#[test]
fn intermediate_frames_byte_for_byte() {
    let mut c = Transport::client(Kind::Intermediate);
    assert_eq!(packed(&mut c, &[1, 2, 3, 4], false), [0xee, 0xee, 0xee, 0xee, 4, 0, 0, 0, 1, 2, 3, 4]);
    assert_eq!(packed(&mut c, &[1, 2, 3, 4], true), [4, 0, 0, 0x80, 1, 2, 3, 4]);
    let p = vec![3u8; 0x01_0203];
    assert_eq!(packed(&mut c, &p, false)[..4], [0x03, 0x02, 0x01, 0]);

    // Padded: the length counts the padding; with no padding drawn the frame is intermediate's.
    let zeros = |b: &mut [u8]| b.fill(0);
    let mut c = Transport::client(Kind::PaddedIntermediate).with_random(Box::new(zeros));
    assert_eq!(packed(&mut c, &[1, 2, 3, 4], true), [0xdd, 0xdd, 0xdd, 0xdd, 4, 0, 0, 0x80, 1, 2, 3, 4]);

    let mut s = Transport::server(Kind::Intermediate);
    let wire =
        [&[0xee; 4][..], &[8, 0, 0, 0x80], &[1, 2, 3, 4, 5, 6, 7, 8], &[4, 0, 0, 0, 9, 9, 9, 9]].concat();
    assert_eq!(
        read_all(&mut s, &wire),
        [
            Frame::Payload { data: &[1, 2, 3, 4, 5, 6, 7, 8], quick_ack: true },
            Frame::Payload { data: &[9; 4], quick_ack: false },
        ]
    );
    assert_eq!(packed(&mut s, &[1, 2, 3, 4], false), [4, 0, 0, 0, 1, 2, 3, 4]);
    let mut ack = Vec::new();
    s.pack_quick_ack(0x1234_5678, &mut ack).unwrap();
    assert_eq!(ack, [0x78, 0x56, 0x34, 0x92]);
    let mut c = Transport::client(Kind::Intermediate);
    assert_eq!(read_all(&mut c, &[0x78, 0x56, 0x34, 0x92]), [Frame::QuickAck(0x9234_5678)]);
    // A transport error: a 4-byte payload holding a negative int32.
    let mut c = Transport::client(Kind::Intermediate);
    c.feed(&[4, 0, 0, 0, 0x6c, 0xfe, 0xff, 0xff]);
    assert_eq!(c.next_frame(), Err(TransportError::Server(-404)));
}

/// Full, byte for byte: no tag; `len | seq | payload | crc32`, len counting all four, seq from
/// 0 in each direction, the CRC32 (IEEE) of everything before it (values from Python's zlib).
#[test]
fn full_frames_byte_for_byte() {
    let mut c = Transport::client(Kind::Full);
    let head = [16, 0, 0, 0];
    assert_eq!(
        packed(&mut c, &[1, 2, 3, 4], false),
        [&head[..], &[0; 4], &[1, 2, 3, 4], &[66, 15, 181, 224]].concat()
    );
    assert_eq!(
        packed(&mut c, &[1, 2, 3, 4], false),
        [&head[..], &[1, 0, 0, 0], &[1, 2, 3, 4], &[220, 15, 31, 44]].concat()
    );
    // The server's frames count from 0 too.
    let mut s = Transport::server(Kind::Full);
    assert_eq!(packed(&mut s, &[1, 2, 3, 4], false)[4..8], [0, 0, 0, 0]);
    let wire = [&head[..], &[0; 4], &[1, 2, 3, 4], &[66, 15, 181, 224]].concat();
    let mut c = Transport::client(Kind::Full);
    assert_eq!(read_all(&mut c, &wire), [Frame::Payload { data: &[1, 2, 3, 4], quick_ack: false }]);
}

type Ctr = ctr::Ctr128BE<aes::Aes256>;

/// AES-256-CTR keyed from bytes 8..40 (key) and 40..56 (IV) of `header`, the key hashed with
/// an MTProxy secret.
fn spec_stream(header: &[u8; 64], secret: Option<[u8; 16]>) -> Ctr {
    use aes::cipher::KeyIvInit;
    let mut key: [u8; 32] = header[8..40].try_into().unwrap();
    if let Some(secret) = secret {
        key = crate::crypto::sha256(&[&key, &secret]);
    }
    let iv: [u8; 16] = header[40..56].try_into().unwrap();
    Ctr::new(&key.into(), &iv.into())
}

/// Obfuscated2 against the spec, computed here with AES-CTR directly: the 64-byte header goes
/// out as its first 56 bytes in the clear and its last 8 encrypted with the stream keyed by
/// bytes 8..56 (the tag at 56, the dc at 60), the frames after it on the same stream; the
/// server's bytes come on the stream keyed by the reversed header, from its start; an MTProxy
/// secret keys both as SHA256(key + secret).
#[test]
fn obfuscated2_follows_the_spec() {
    use aes::cipher::StreamCipher;
    let header: [u8; 64] = core::array::from_fn(|i| (i * 7 + 1) as u8);
    for (kind, tag, dc, secret) in [
        (Kind::Intermediate, [0xee; 4], None, None),
        (Kind::Abridged, [0xef; 4], Some(-2i16), Some([9u8; 16])),
        (Kind::PaddedIntermediate, [0xdd; 4], Some(4), Some([3u8; 16])),
    ] {
        let mut draws = 0;
        let rng = move |b: &mut [u8]| {
            draws += 1;
            if draws == 1 {
                b.copy_from_slice(&header);
            } else {
                b.fill(0); // the padded transport's padding: none
            }
        };
        let mut c = Transport::client_obfuscated_with(kind, dc, secret, Box::new(rng)).unwrap();
        let payload = [0x11u8; 8];
        let wire = packed(&mut c, &payload, false);
        let plain_frame = match kind {
            Kind::Abridged => [&[2u8][..], &payload].concat(),
            _ => [&[8u8, 0, 0, 0][..], &payload].concat(),
        };
        assert_eq!(wire.len(), 64 + plain_frame.len());
        assert_eq!(wire[..56], header[..56], "{kind:?}: the first 56 bytes go in the clear");
        let mut expected = header;
        expected[56..60].copy_from_slice(&tag);
        if let Some(dc) = dc {
            expected[60..62].copy_from_slice(&dc.to_le_bytes());
        }
        let mut stream = [expected.to_vec(), plain_frame].concat();
        spec_stream(&header, secret).apply_keystream(&mut stream);
        assert_eq!(wire[56..], stream[56..], "{kind:?}: the tail of the header and the frame");

        // Down: the stream of the reversed header, from its first byte.
        let mut reversed = expected;
        reversed.reverse();
        let mut down = [&[4u8, 0, 0, 0][..], &[5, 6, 7, 8]].concat();
        if kind == Kind::Abridged {
            down = vec![1, 5, 6, 7, 8];
        }
        spec_stream(&reversed, secret).apply_keystream(&mut down);
        assert_eq!(
            read_all(&mut c, &down),
            [Frame::Payload { data: &[5, 6, 7, 8], quick_ack: false }],
            "{kind:?}"
        );
    }
}

/// The header is drawn again while it starts with 0xef, with a word the server would take for
/// another protocol or transport (HEAD, POST, GET , OPTI, a TLS record, 0xdddddddd, 0xeeeeeeee,
/// PVrG), or has a zero second word (the full transport's first sequence number).
#[test]
fn obfuscated_headers_avoid_every_forbidden_start() {
    let good: [u8; 64] = core::array::from_fn(|i| (i * 5 + 2) as u8);
    let mut bad_starts: Vec<[u8; 64]> = Vec::new();
    for word in
        [*b"HEAD", *b"POST", *b"GET ", *b"OPTI", [0x16, 0x03, 0x01, 0x02], [0xdd; 4], [0xee; 4], *b"PVrG"]
    {
        let mut h = good;
        h[..4].copy_from_slice(&word);
        bad_starts.push(h);
    }
    let mut ef = good;
    ef[0] = 0xef;
    bad_starts.push(ef);
    let mut zero = good;
    zero[4..8].fill(0);
    bad_starts.push(zero);
    for bad in bad_starts {
        let mut offered = vec![bad, good].into_iter();
        let rng = move |b: &mut [u8]| b.copy_from_slice(&offered.next().expect("drawn more than twice"));
        let mut c = Transport::client_obfuscated_with(Kind::Intermediate, None, None, Box::new(rng)).unwrap();
        let wire = packed(&mut c, &[1, 2, 3, 4], false);
        assert_eq!(wire[..56], good[..56], "{:02x?} was sent", &bad[..8]);
    }
}
