//! Generated bindings (tl-codegen) beside grammers-tl-types 0.11.0 (same layer 230) on three
//! messages: `messages.sendMessage` (100-char text, a few optionals), `messages.messages`
//! (100 messages with entities, 20 users, 3 chats) and `upload.saveFilePart` (512 KiB).
//! Inputs are built as JSON and encoded by the dynamic codec, so neither side made them.
//! Also prints the in-memory size of a decoded `Message` on both sides.

use std::time::Instant;

use criterion::{black_box, criterion_group, Criterion, Throughput};
use grammers_tl_types as gt;
use gt::{Deserializable, Serializable};
use serde_json::{json, Value};
use tl_codec::{Decode, Encode, Reader};
use tl_codegen::dynamic::JsonLayout;

#[allow(dead_code, missing_docs)]
mod api {
    include!(concat!(env!("OUT_DIR"), "/tl_bench_api.rs"));
}

const API: &str = include_str!("../schemas/api.tl");
const MTPROTO: &str = include_str!("../schemas/mtproto.tl");

fn text(n: usize, seed: usize) -> String {
    const WORDS: [&str; 8] = ["hello", "world", "telegram", "type", "language", "zero", "copy", "rust"];
    let mut s = String::new();
    let mut i = seed;
    while s.len() < n {
        s.push_str(WORDS[i % WORDS.len()]);
        s.push(' ');
        i = i.wrapping_mul(31).wrapping_add(7);
    }
    s.truncate(n);
    s
}

fn send_message() -> Value {
    json!({
        "@type": "messages.sendMessage", "silent": true, "clear_draft": true,
        "peer": {"@type": "inputPeerUser", "user_id": "123456789", "access_hash": "-5555555555555"},
        "reply_to": {"@type": "inputReplyToMessage", "reply_to_msg_id": 4242},
        "message": text(100, 1), "random_id": "8070450532247928832",
        "entities": [{"@type": "messageEntityBold", "offset": 0, "length": 5},
                     {"@type": "messageEntityUrl", "offset": 10, "length": 20}],
    })
}

/// Shaped like a real `messages.getHistory` answer from a small group: replies, forwards and
/// edits on some messages, a handful of entities each (one with a URL), users with photos
/// (stripped thumbnails), statuses and on some several usernames, chats with photos.
fn messages() -> Value {
    let msgs: Vec<Value> = (0..100)
        .map(|i| {
            let mut entities = vec![
                json!({"@type": "messageEntityBold", "offset": 0, "length": 5}),
                json!({"@type": "messageEntityUrl", "offset": 12, "length": 24}),
                json!({"@type": "messageEntityItalic", "offset": 40, "length": 8}),
                json!({"@type": "messageEntityMention", "offset": 60, "length": 9}),
            ];
            if i % 4 == 0 {
                entities.push(json!({"@type": "messageEntityTextUrl", "offset": 80, "length": 12,
                                     "url": "https://core.telegram.org/api/entities"}));
            }
            let mut m = json!({
                "@type": "message", "out": i % 3 == 0, "silent": i % 7 == 0, "id": 10_000 + i,
                "from_id": {"@type": "peerUser", "user_id": (1000 + i % 20).to_string()},
                "peer_id": {"@type": "peerChat", "chat_id": (900 + i % 3).to_string()},
                "date": 1_700_000_000 + i, "message": text(190, i as usize),
                "entities": entities, "views": 100 + i, "forwards": i,
            });
            if i % 2 == 1 {
                m["reply_to"] = json!({"@type": "messageReplyHeader", "reply_to_msg_id": 10_000 + i - 1});
            }
            if i % 10 == 5 {
                m["fwd_from"] = json!({"@type": "messageFwdHeader",
                    "from_id": {"@type": "peerUser", "user_id": "424242"}, "date": 1_650_000_000 + i});
            }
            if i % 6 == 0 {
                m["edit_date"] = json!(1_700_000_100 + i);
            }
            m
        })
        .collect();
    let users: Vec<Value> = (0..20)
        .map(|i| {
            let mut u = json!({
                "@type": "user", "contact": i % 2 == 0, "premium": i % 5 == 0,
                "id": (1000 + i).to_string(), "access_hash": "987654321987654321",
                "first_name": format!("User{i}"), "last_name": "Example", "username": format!("user_{i}"),
                "phone": "15550000000",
                "photo": {"@type": "userProfilePhoto", "photo_id": "5000000000", "dc_id": 2,
                          "stripped_thumb": base64(&[i as u8; 50])},
                "status": {"@type": "userStatusOffline", "was_online": 1_700_000_000},
            });
            if i % 5 == 0 {
                u["usernames"] = json!([
                    {"@type": "username", "editable": true, "active": true, "username": format!("user_{i}")},
                    {"@type": "username", "active": true, "username": format!("collectible_{i}")},
                ]);
            }
            u
        })
        .collect();
    let chats: Vec<Value> = (0..3)
        .map(|i| {
            json!({
                "@type": "chat", "id": (900 + i).to_string(), "title": format!("Chat number {i}"),
                "photo": {"@type": "chatPhoto", "photo_id": "6000000000", "dc_id": 2,
                          "stripped_thumb": base64(&[7; 50])},
                "participants_count": 12, "date": 1_600_000_000, "version": 3,
            })
        })
        .collect();
    json!({"@type": "messages.messages", "messages": msgs, "topics": [], "chats": chats, "users": users})
}

fn save_file_part() -> Value {
    let data: Vec<u8> = (0..512 * 1024).map(|i| (i * 7 % 251) as u8).collect();
    json!({"@type": "upload.saveFilePart", "file_id": "1234567890123", "file_part": 7,
           "bytes": base64(&data)})
}

fn base64(data: &[u8]) -> String {
    const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len() / 3 * 4 + 4);
    for c in data.chunks(3) {
        let n = u32::from(c[0]) << 16
            | u32::from(*c.get(1).unwrap_or(&0)) << 8
            | u32::from(*c.get(2).unwrap_or(&0));
        for i in 0..4 {
            out.push(if i <= c.len() { B64[(n >> (18 - 6 * i) & 63) as usize] as char } else { '=' });
        }
    }
    out
}

fn ours<'a, T: Decode<'a>>(bytes: &'a [u8]) -> T {
    T::decode(&mut Reader::new(bytes)).expect("tl decode")
}

/// The three inputs, encoded by the dynamic codec.
fn inputs() -> [(&'static str, Vec<u8>); 3] {
    let schemas: Vec<_> = [API, MTPROTO].iter().map(|t| tl_parser::parse(t).schema).collect();
    let reg = tl_codegen::dynamic::Registry::new(&schemas);
    [
        ("sendMessage", reg.encode(&send_message(), None).expect("sendMessage")),
        ("messages", reg.encode(&messages(), None).expect("messages")),
        ("saveFilePart", reg.encode(&save_file_part(), None).expect("saveFilePart")),
    ]
}

fn print_sizes() {
    use std::mem::size_of;
    eprintln!(
        "size_of: tl enums::Message {} B (types::Message {} B); grammers enums::Message {} B (types::Message {} B)",
        size_of::<api::enums::Message<'static>>(),
        size_of::<api::types::Message<'static>>(),
        size_of::<gt::enums::Message>(),
        size_of::<gt::types::Message>(),
    );
    eprintln!(
        "size_of: tl enums::User {} B, enums::Chat {} B, enums::MessageReplyHeader {} B, \
         types::MessageFwdHeader {} B, enums::MessageEntity {} B",
        size_of::<api::enums::User<'static>>(),
        size_of::<api::enums::Chat<'static>>(),
        size_of::<api::enums::MessageReplyHeader<'static>>(),
        size_of::<api::types::MessageFwdHeader<'static>>(),
        size_of::<api::enums::MessageEntity<'static>>(),
    );
    eprintln!(
        "size_of: tl functions::messages::SendMessage {} B, enums::InputReplyTo {} B; grammers {} B, {} B",
        size_of::<api::functions::messages::SendMessage<'static>>(),
        size_of::<api::enums::InputReplyTo<'static>>(),
        size_of::<gt::functions::messages::SendMessage>(),
        size_of::<gt::enums::InputReplyTo>(),
    );
}

fn bench(c: &mut Criterion) {
    let inputs = inputs();
    for (name, bytes) in &inputs {
        eprintln!("{name}: {} bytes", bytes.len());
    }
    print_sizes();
    let (send, msgs, part) = (&inputs[0].1, &inputs[1].1, &inputs[2].1);
    // Both sides must round-trip the inputs exactly.
    let s: api::functions::messages::SendMessage<'_> = ours(send);
    assert_eq!(&s.encode_to_vec_for_bench(), send);
    // grammers reads functions without their constructor id (and writes them with it).
    assert_eq!(
        &gt::functions::messages::SendMessage::from_bytes(&send[4..]).expect("grammers").to_bytes(),
        send
    );
    let m: api::enums::messages::Messages<'_> = ours(msgs);
    assert_eq!(&m.encode_to_vec_for_bench(), msgs);
    assert_eq!(&gt::enums::messages::Messages::from_bytes(msgs).expect("grammers").to_bytes(), msgs);

    let mut g = c.benchmark_group("decode");
    for (name, bytes) in &inputs {
        g.throughput(Throughput::Bytes(bytes.len() as u64));
        match *name {
            "sendMessage" => {
                g.bench_function("sendMessage/tl", |b| {
                    b.iter(|| ours::<api::functions::messages::SendMessage<'_>>(black_box(bytes)))
                });
                g.bench_function("sendMessage/grammers", |b| {
                    b.iter(|| {
                        gt::functions::messages::SendMessage::from_bytes(black_box(&bytes[4..]))
                            .expect("grammers")
                    })
                });
            }
            "messages" => {
                g.bench_function("messages/tl", |b| {
                    b.iter(|| ours::<api::enums::messages::Messages<'_>>(black_box(bytes)))
                });
                g.bench_function("messages/grammers", |b| {
                    b.iter(|| gt::enums::messages::Messages::from_bytes(black_box(bytes)).expect("grammers"))
                });
            }
            _ => {
                g.bench_function("saveFilePart/tl", |b| {
                    b.iter(|| ours::<api::functions::upload::SaveFilePart<'_>>(black_box(bytes)))
                });
                g.bench_function("saveFilePart/grammers", |b| {
                    b.iter(|| {
                        gt::functions::upload::SaveFilePart::from_bytes(black_box(&bytes[4..]))
                            .expect("grammers")
                    })
                });
            }
        }
    }
    g.finish();

    let mut g = c.benchmark_group("encode");
    let mut buf = Vec::with_capacity(1 << 20);
    let gs = gt::functions::messages::SendMessage::from_bytes(&send[4..]).expect("grammers");
    let gm = gt::enums::messages::Messages::from_bytes(msgs).expect("grammers");
    let gp = gt::functions::upload::SaveFilePart::from_bytes(&part[4..]).expect("grammers");
    let p: api::functions::upload::SaveFilePart<'_> = ours(part);
    g.bench_function("sendMessage/tl", |b| b.iter(|| encode_reuse(black_box(&s), &mut buf)));
    g.bench_function("sendMessage/grammers", |b| {
        b.iter(|| {
            buf.clear();
            black_box(&gs).serialize(&mut buf);
        })
    });
    g.bench_function("messages/tl", |b| b.iter(|| encode_reuse(black_box(&m), &mut buf)));
    g.bench_function("messages/tl-exact-new-buffer", |b| b.iter(|| encode_exact(black_box(&m))));
    g.bench_function("messages/grammers-new-buffer", |b| b.iter(|| black_box(&gm).to_bytes()));
    g.bench_function("messages/grammers", |b| {
        b.iter(|| {
            buf.clear();
            black_box(&gm).serialize(&mut buf);
        })
    });
    g.bench_function("saveFilePart/tl", |b| b.iter(|| encode_reuse(black_box(&p), &mut buf)));
    g.bench_function("saveFilePart/grammers", |b| {
        b.iter(|| {
            buf.clear();
            black_box(&gp).serialize(&mut buf);
        })
    });
    g.finish();
}

/// Into the reused buffer, as grammers does: its capacity already suffices, so no size pass.
fn encode_reuse<T: Encode>(v: &T, buf: &mut Vec<u8>) {
    buf.clear();
    v.encode(buf);
}

/// Exact size first, then one write: what a fresh buffer costs.
fn encode_exact<T: Encode>(v: &T) -> Vec<u8> {
    let mut out = Vec::with_capacity(v.encoded_len());
    v.encode(&mut out);
    out
}

trait EncodeToVec {
    fn encode_to_vec_for_bench(&self) -> Vec<u8>;
}

impl<T: Encode> EncodeToVec for T {
    fn encode_to_vec_for_bench(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.encoded_len());
        self.encode(&mut out);
        out
    }
}

criterion_group!(benches, bench, dynamic_codec);

/// Runs `f` `iters` times; out of line so that `valgrind --tool=callgrind
/// --toggle-collect='*profiled*'` counts exactly these iterations.
#[inline(never)]
fn profiled<R>(iters: u32, mut f: impl FnMut() -> R) {
    for _ in 0..iters {
        black_box(f());
    }
}

/// `TL_PROFILE=CASE [TL_PROFILE_ITERS=N]`: only runs one case N times (default 1000), for
/// callgrind. CASE is `{decode,encode}-{send,messages}-{tl,grammers}` or
/// `dynamic-{decode,text,encode}-messages` (`text`: `tl decode`'s path, straight to JSON text).
fn profile(case: &str) {
    let inputs = inputs();
    let iters: u32 = std::env::var("TL_PROFILE_ITERS").ok().and_then(|n| n.parse().ok()).unwrap_or(1000);
    let (send, msgs) = (&inputs[0].1, &inputs[1].1);
    let mut buf = Vec::with_capacity(1 << 20);
    let s: api::functions::messages::SendMessage<'_> = ours(send);
    let m: api::enums::messages::Messages<'_> = ours(msgs);
    let gs = gt::functions::messages::SendMessage::from_bytes(&send[4..]).expect("grammers");
    let gm = gt::enums::messages::Messages::from_bytes(msgs).expect("grammers");
    match case {
        "decode-send-tl" => profiled(iters, || ours::<api::functions::messages::SendMessage<'_>>(send)),
        "decode-send-grammers" => profiled(iters, || {
            gt::functions::messages::SendMessage::from_bytes(&send[4..]).expect("grammers")
        }),
        "decode-messages-tl" => profiled(iters, || ours::<api::enums::messages::Messages<'_>>(msgs)),
        "decode-messages-grammers" => {
            profiled(iters, || gt::enums::messages::Messages::from_bytes(msgs).expect("grammers"))
        }
        "encode-send-tl" => profiled(iters, || encode_reuse(&s, &mut buf)),
        "encode-send-grammers" => profiled(iters, || {
            buf.clear();
            gs.serialize(&mut buf);
        }),
        "encode-messages-tl" => profiled(iters, || encode_reuse(&m, &mut buf)),
        "encode-messages-grammers" => profiled(iters, || {
            buf.clear();
            gm.serialize(&mut buf);
        }),
        "dynamic-decode-messages" | "dynamic-text-messages" | "dynamic-encode-messages" => {
            let schemas: Vec<_> = [API, MTPROTO].iter().map(|t| tl_parser::parse(t).schema).collect();
            let reg = tl_codegen::dynamic::Registry::new(&schemas);
            let value = reg.decode(msgs, None).expect("dynamic decode");
            if case.starts_with("dynamic-decode") {
                profiled(iters, || reg.decode(msgs, None).unwrap())
            } else if case.starts_with("dynamic-text") {
                profiled(iters, || reg.decode_json(msgs, None, JsonLayout::Pretty).0.unwrap())
            } else {
                profiled(iters, || reg.encode(&value, None).unwrap())
            }
        }
        _ => panic!("unknown TL_PROFILE case {case}"),
    }
}

/// The fastest of many short batches, ours and grammers alternating so that both see the same
/// machine state: on a shared machine preemption inflates criterion's estimates unevenly.
/// Prints grammers' time over ours (> 1: we are faster).
fn best_of_batches() {
    fn best<A, B>(iters: u32, mut ours: impl FnMut() -> A, mut theirs: impl FnMut() -> B) -> (f64, f64) {
        fn batch<R>(iters: u32, f: &mut impl FnMut() -> R) -> f64 {
            let t = Instant::now();
            for _ in 0..iters {
                black_box(f());
            }
            t.elapsed().as_nanos() as f64 / f64::from(iters)
        }
        (0..300).fold((f64::MAX, f64::MAX), |(a, b), _| {
            (a.min(batch(iters, &mut ours)), b.min(batch(iters, &mut theirs)))
        })
    }
    fn row(name: &str, (ours, theirs): (f64, f64)) {
        println!("{name:<24} {ours:>11.1} {theirs:>11.1} {:>8.2}x", theirs / ours);
    }
    let inputs = inputs();
    let (send, msgs, part) = (&inputs[0].1, &inputs[1].1, &inputs[2].1);
    println!(
        "inputs: sendMessage {} B, messages {} B, saveFilePart {} B",
        send.len(),
        msgs.len(),
        part.len()
    );
    let mut buf = Vec::with_capacity(1 << 20);
    let mut buf2 = Vec::with_capacity(1 << 20);
    let s: api::functions::messages::SendMessage<'_> = ours(send);
    let m: api::enums::messages::Messages<'_> = ours(msgs);
    let gs = gt::functions::messages::SendMessage::from_bytes(&send[4..]).expect("grammers");
    let gm = gt::enums::messages::Messages::from_bytes(msgs).expect("grammers");
    println!("\nbest of 300 batches, ns per operation (alternating, robust to preemption):");
    println!("{:<24} {:>11} {:>11} {:>9}", "case", "tl", "grammers", "speedup");
    row(
        "decode sendMessage",
        best(
            1000,
            || ours::<api::functions::messages::SendMessage<'_>>(black_box(send)),
            || gt::functions::messages::SendMessage::from_bytes(black_box(&send[4..])).expect("grammers"),
        ),
    );
    row(
        "decode messages",
        best(
            20,
            || ours::<api::enums::messages::Messages<'_>>(black_box(msgs)),
            || gt::enums::messages::Messages::from_bytes(black_box(msgs)).expect("grammers"),
        ),
    );
    row(
        "decode saveFilePart",
        best(
            20,
            || ours::<api::functions::upload::SaveFilePart<'_>>(black_box(part)),
            || gt::functions::upload::SaveFilePart::from_bytes(black_box(&part[4..])).expect("grammers"),
        ),
    );
    row(
        "encode sendMessage",
        best(
            1000,
            || encode_reuse(black_box(&s), &mut buf),
            || {
                buf2.clear();
                black_box(&gs).serialize(&mut buf2);
            },
        ),
    );
    row(
        "encode messages",
        best(
            20,
            || encode_reuse(black_box(&m), &mut buf),
            || {
                buf2.clear();
                black_box(&gm).serialize(&mut buf2);
            },
        ),
    );
}

/// The dynamic codec (`tl decode` / `tl encode`: schema-driven, JSON values) on the same
/// inputs. No peer does this, so there is no speedup column: MB/s of TL bytes.
fn dynamic_codec(c: &mut Criterion) {
    let schemas: Vec<_> = [API, MTPROTO].iter().map(|t| tl_parser::parse(t).schema).collect();
    let reg = tl_codegen::dynamic::Registry::new(&schemas);
    let inputs = inputs();
    let mut g = c.benchmark_group("dynamic");
    for (name, bytes) in inputs.iter().take(2) {
        let value = reg.decode(bytes, None).expect("dynamic decode");
        g.throughput(Throughput::Bytes(bytes.len() as u64));
        g.bench_function(format!("decode {name}"), |b| {
            b.iter(|| reg.decode(black_box(bytes), None).unwrap())
        });
        // What `tl decode` prints: the text path, and the tree path it replaced (a `Value`,
        // then `serde_json::to_string_pretty`).
        g.bench_function(format!("decode-text {name}"), |b| {
            b.iter(|| reg.decode_json(black_box(bytes), None, JsonLayout::Pretty).0.unwrap())
        });
        g.bench_function(format!("decode-then-print {name}"), |b| {
            b.iter(|| serde_json::to_string_pretty(&reg.decode(black_box(bytes), None).unwrap()).unwrap())
        });
        g.bench_function(format!("encode {name}"), |b| {
            b.iter(|| reg.encode(black_box(&value), None).unwrap())
        });
    }
    g.finish();
}

/// [`dynamic_codec`] as best of batches.
fn dynamic_best_of_batches() {
    let schemas: Vec<_> = [API, MTPROTO].iter().map(|t| tl_parser::parse(t).schema).collect();
    let reg = tl_codegen::dynamic::Registry::new(&schemas);
    println!("\ndynamic codec, best of 100 batches (no peer to compare with):");
    println!("{:<24} {:>11} {:>11}", "case", "us per op", "MB/s");
    for (name, bytes) in inputs().iter().take(2) {
        let value = reg.decode(bytes, None).expect("dynamic decode");
        let iters = if bytes.len() > 1000 { 5 } else { 200 };
        let run = |what: &str, f: &mut dyn FnMut()| {
            let best = (0..100)
                .map(|_| {
                    let t = Instant::now();
                    for _ in 0..iters {
                        f();
                    }
                    t.elapsed().as_secs_f64() / f64::from(iters)
                })
                .fold(f64::MAX, f64::min);
            println!(
                "{:<24} {:>11.2} {:>11.1}",
                format!("{what} {name}"),
                best * 1e6,
                bytes.len() as f64 / best / 1e6
            );
        };
        run("decode", &mut || {
            black_box(reg.decode(black_box(bytes), None).unwrap());
        });
        run("decode-text", &mut || {
            black_box(reg.decode_json(black_box(bytes), None, JsonLayout::Pretty).0.unwrap());
        });
        run("decode-then-print", &mut || {
            black_box(serde_json::to_string_pretty(&reg.decode(black_box(bytes), None).unwrap()).unwrap());
        });
        run("encode", &mut || {
            black_box(reg.encode(black_box(&value), None).unwrap());
        });
    }
}

fn main() {
    if let Ok(case) = std::env::var("TL_PROFILE") {
        return profile(&case);
    }
    // `TL_BEST_ONLY=1`: only the quick alternating comparison.
    if std::env::var_os("TL_BEST_ONLY").is_none() {
        benches();
        Criterion::default().configure_from_args().final_summary();
    }
    // Only in a real bench run, not when `cargo test --benches` smoke-runs the target.
    if std::env::args().any(|a| a == "--bench") {
        print_sizes();
        best_of_batches();
        dynamic_best_of_batches();
    }
}
