//! PFS bindings against the test server, which refuses API requests on a temporary key it holds
//! no binding for (rpc_error 401 `AUTH_KEY_PERM_EMPTY`), as Telegram's servers do: a client
//! holds its requests back while a new key is bound, never sending one on a key not bound yet,
//! and when the server drops a binding it makes and binds a new key and sends the refused
//! requests again, once.
//! No timing assertions: every wait is bounded by a generous timeout.

mod common;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::{serve, serve_options, server, wait_for};
use mtproto_runtime::net::{
    connect, Answers, Client, ConnectOptions, Error, ServeOptions, ServerState, Update,
};
use mtproto_runtime::session::{RequestError, RpcError};
use mtproto_runtime::transport::Kind;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const LIMIT: Duration = Duration::from_secs(120);

/// Options for a client with a temporary key of an hour under PFS, or a permanent key only.
fn options(pfs: bool) -> ConnectOptions {
    let mut o = common::client_options(Kind::Intermediate);
    o.handshake.temp_key_expires_in = pfs.then_some(3600);
    o
}

/// An API request the test server echoes back as its own answer (no handler has its id).
fn echo_body(i: u32) -> Vec<u8> {
    [0x1122_3344u32.to_le_bytes(), i.to_le_bytes()].concat()
}

/// A test server whose handler refuses the requests with the id [`REFUSED`] for want of a binding,
/// whatever the key: its address and state.
async fn refusing_server() -> (std::net::SocketAddr, ServerState) {
    let state = ServerState::default();
    let answers = Answers::new().on_raw(REFUSED, |_| Err(RpcError::new(401, "AUTH_KEY_PERM_EMPTY")));
    (serve(ServeOptions { answers, ..serve_options(&state) }).await, state)
}

/// The constructor id [`refusing_server`] refuses.
const REFUSED: u32 = 0x5105_0000;

fn refused_body() -> Vec<u8> {
    [REFUSED.to_le_bytes(), [0; 4]].concat()
}

/// Echo requests from `tasks` tasks, one after another each, until `count` each were answered
/// (every one with its own body). Returns how many were.
async fn load(client: &Client, tasks: u32, count: u32) -> u32 {
    let calls: Vec<_> = (0..tasks)
        .map(|t| {
            let c = client.clone();
            tokio::spawn(async move {
                for i in 0..count {
                    let body = echo_body(t << 16 | i);
                    assert_eq!(c.invoke_raw(body.clone()).await.unwrap(), body);
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
                count
            })
        })
        .collect();
    let mut answered = 0;
    for call in calls {
        answered += call.await.unwrap();
    }
    answered
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_pfs_auth_key_perm_empty_reaches_the_caller_and_nothing_else_happens() {
    tokio::time::timeout(LIMIT, async {
        // A permanent-key client: its requests are never refused so, and the error reaches a
        // caller when a server gives it anyway (here a handler), with nothing else done.
        let (addr, state) = refusing_server().await;
        let (client, _updates) = connect(addr, options(false)).await.unwrap();
        assert_eq!(client.invoke_raw(echo_body(1)).await.unwrap(), echo_body(1));
        let refused = client.invoke_raw(refused_body()).await;
        assert!(
            matches!(&refused, Err(Error::Request(RequestError::Rpc(e))) if e.code == 401),
            "{refused:?}"
        );
        assert_eq!(state.unbound_refused(), 0);
        assert_eq!(client.invoke_raw(echo_body(2)).await.unwrap(), echo_body(2));
    })
    .await
    .expect("bounded");
}

/// The pin of the client's hold: requests made while a temporary key is renewed wait for the
/// new key's binding. Sent on the new key before its answer, the server (whose bindings take
/// a while) would refuse them, and count them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_made_while_a_key_is_renewed_wait_for_its_binding() {
    tokio::time::timeout(LIMIT, async {
        let (addr, state) = server().await;
        // 10 s keys, renewed half-way: two renewals in about 10 s.
        let mut o = options(true);
        o.handshake.temp_key_expires_in = Some(10);
        o.temp_key_renew_before = Duration::from_secs(60);
        let (client, mut updates) = connect(addr, o).await.unwrap();
        state.answer_bindings_after(Duration::from_millis(300));
        let first = client.auth_key_id();
        // A request every 5 ms, none waiting for another: some are made while each new key's
        // binding is on its way.
        let stop = Arc::new(AtomicBool::new(false));
        let load = {
            let (c, stop) = (client.clone(), stop.clone());
            tokio::spawn(async move {
                let mut calls = Vec::new();
                for i in 0.. {
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    let (c, body) = (c.clone(), echo_body(i));
                    calls.push(tokio::spawn(async move { (c.invoke_raw(body.clone()).await, body) }));
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
                calls
            })
        };
        let mut renewed = Vec::new();
        while renewed.len() < 2 {
            if let Update::KeyRenewed { auth_key_id } = updates.recv().await.unwrap() {
                renewed.push(auth_key_id);
            }
        }
        stop.store(true, Ordering::Relaxed);
        for call in load.await.unwrap() {
            let (answer, body) = call.await.unwrap();
            assert_eq!(answer.unwrap(), body);
        }
        assert_ne!(client.auth_key_id(), first);
        assert_eq!(state.unbound_refused(), 0, "a request went out on a key not bound yet");
        assert_eq!(state.bindings_refused(), 0);
        assert_eq!(client.invoke_raw(echo_body(7)).await.unwrap(), echo_body(7));
        assert_eq!(client.reconnects(), 0);
    })
    .await
    .expect("bounded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_binding_the_server_dropped_is_made_again_on_a_new_key_and_the_requests_go_through() {
    tokio::time::timeout(LIMIT, async {
        let (addr, state) = server().await;
        let (client, mut updates) = connect(addr, options(true)).await.unwrap();
        let (old, perm) = (client.auth_key_id(), client.perm_auth_key().unwrap().id());
        assert_eq!(client.invoke_raw(echo_body(1)).await.unwrap(), echo_body(1));
        assert!(state.forget_binding(old));
        // Several at once: each is refused, held, and sent again on one new key.
        assert_eq!(load(&client, 8, 5).await, 40);
        let seen = wait_for(&mut updates, |u| matches!(u, Update::KeyRenewed { .. })).await;
        let Some(&Update::KeyRenewed { auth_key_id }) = seen.last() else { unreachable!() };
        assert_eq!(client.auth_key_id(), auth_key_id);
        assert_ne!(auth_key_id, old);
        assert_eq!(state.binding(auth_key_id), Some(perm));
        assert!((1..=8).contains(&state.unbound_refused()), "{}", state.unbound_refused());
        assert_eq!(client.reconnects(), 0);
        // One new key for the lot, not one each.
        assert_eq!(seen.iter().filter(|u| matches!(u, Update::KeyRenewed { .. })).count(), 1);

        // Dropped again later: recovered again.
        let refused = state.unbound_refused();
        assert!(state.forget_binding(auth_key_id));
        assert_eq!(client.invoke_raw(echo_body(2)).await.unwrap(), echo_body(2));
        assert_eq!(state.unbound_refused(), refused + 1);
        assert_ne!(client.auth_key_id(), auth_key_id);
    })
    .await
    .expect("bounded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_refused_for_want_of_a_binding_twice_fails_with_the_error() {
    tokio::time::timeout(LIMIT, async {
        // A server that refuses this request so whatever the key: one new key, one resend,
        // then the caller hears, and the client goes on.
        let (addr, state) = refusing_server().await;
        let (client, mut updates) = connect(addr, options(true)).await.unwrap();
        let first = client.auth_key_id();
        let refused = client.invoke_raw(refused_body()).await;
        assert!(
            matches!(&refused, Err(Error::Request(RequestError::Rpc(e))) if e.message == "AUTH_KEY_PERM_EMPTY"),
            "{refused:?}"
        );
        let seen = wait_for(&mut updates, |u| matches!(u, Update::KeyRenewed { .. })).await;
        assert!(seen.iter().all(|u| !matches!(u, Update::Closed { .. })));
        assert_ne!(client.auth_key_id(), first);
        assert_eq!(state.answered(), 2, "sent again once");
        assert_eq!(client.invoke_raw(echo_body(3)).await.unwrap(), echo_body(3));
    })
    .await
    .expect("bounded");
}
/// A proxy that, once `slow` is set, delays every chunk by `delay_ms` each way (a constant
/// latency: chunks keep their order and do not add up).
async fn slow_proxy(upstream: SocketAddr, slow: Arc<AtomicBool>, delay_ms: Arc<AtomicU64>) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let server = TcpStream::connect(upstream).await.unwrap();
            let (cr, cw) = client.into_split();
            let (sr, sw) = server.into_split();
            for (mut from, mut to) in [(cr, sw), (sr, cw)] {
                let (slow, delay_ms) = (slow.clone(), delay_ms.clone());
                let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(tokio::time::Instant, Vec<u8>)>();
                tokio::spawn(async move {
                    let mut buf = vec![0u8; 1 << 16];
                    loop {
                        let n = match from.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => n,
                        };
                        let d = if slow.load(Ordering::SeqCst) { delay_ms.load(Ordering::SeqCst) } else { 0 };
                        let at = tokio::time::Instant::now() + Duration::from_millis(d);
                        if tx.send((at, buf[..n].to_vec())).is_err() {
                            return;
                        }
                    }
                });
                tokio::spawn(async move {
                    while let Some((at, chunk)) = rx.recv().await {
                        tokio::time::sleep_until(at).await;
                        if to.write_all(&chunk).await.is_err() {
                            return;
                        }
                    }
                });
            }
        }
    });
    addr
}

const FLOODED: u32 = 0x5105_0010;
const UNBOUND_ONCE: u32 = 0x5105_0011;

fn body(id: u32, i: u32) -> Vec<u8> {
    [id.to_le_bytes(), i.to_le_bytes()].concat()
}

/// What [`flood_wait_across_a_new_binding`] saw.
struct Across {
    /// The answers to the flood-waited request and to the one refused for want of a binding.
    flooded: Result<Vec<u8>, Error>,
    refused: Result<Vec<u8>, Error>,
    /// How many times the server ran the flood-waited request (the flood wait included).
    runs: u32,
    /// How many new keys the client made.
    renewals: usize,
}

/// A PFS client behind a proxy that adds `latency` each way once connected; one request is
/// answered `FLOOD_WAIT_{wait}` once, another refused once for want of a binding (the server
/// dropped it), so that the flood wait ends while the new key is made and bound.
async fn flood_wait_across_a_new_binding(wait: u32, latency: Duration) -> Across {
    let state = ServerState::default();
    let (runs, refusals) = (Arc::new(AtomicU32::new(0)), Arc::new(AtomicU32::new(0)));
    let once = |count: Arc<AtomicU32>, error: RpcError| {
        move |b: &[u8]| {
            if count.fetch_add(1, Ordering::SeqCst) == 0 {
                Err(error.clone())
            } else {
                Ok(b.to_vec())
            }
        }
    };
    let answers = Answers::new()
        .on_raw(FLOODED, once(runs.clone(), RpcError::new(420, format!("FLOOD_WAIT_{wait}"))))
        .on_raw(UNBOUND_ONCE, once(refusals, RpcError::new(401, "AUTH_KEY_PERM_EMPTY")));
    let upstream = serve(ServeOptions { answers, ..serve_options(&state) }).await;
    let (slow, delay) =
        (Arc::new(AtomicBool::new(false)), Arc::new(AtomicU64::new(latency.as_millis() as u64)));
    let addr = slow_proxy(upstream, slow.clone(), delay).await;
    let (client, mut updates) = connect(addr, options(true)).await.unwrap();
    slow.store(true, Ordering::SeqCst);
    let flooded = common::spawn_invoke_raw(&client, body(FLOODED, 1));
    let refused = common::spawn_invoke_raw(&client, body(UNBOUND_ONCE, 2));
    let (flooded, refused) = (flooded.await.unwrap(), refused.await.unwrap());
    let renewals = std::iter::from_fn(|| updates.try_recv().ok())
        .filter(|u| matches!(u, Update::KeyRenewed { .. }))
        .count();
    Across { flooded, refused, runs: runs.load(Ordering::SeqCst), renewals }
}

/// A request that got a short FLOOD_WAIT sleeps while the client makes a new key for a binding
/// the server dropped; its wait ends during the new key's exchange. It must not ride along
/// with the binding (the server would refuse it there, and its refusal, coming after the
/// binding's answer, would start a second, needless renewal): the session's gate holds it
/// until the binding is answered. (Found by the third runtime review.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sleeper_woken_into_the_binding_frame_survives_the_renewal() {
    tokio::time::timeout(LIMIT, async {
        // 400 ms each way: the new key's exchange (3 round trips) takes well over the 1 s wait.
        let seen = flood_wait_across_a_new_binding(1, Duration::from_millis(400)).await;
        assert_eq!(seen.flooded.unwrap(), body(FLOODED, 1));
        assert_eq!(seen.refused.unwrap(), body(UNBOUND_ONCE, 2));
        assert_eq!(seen.renewals, 1, "one new key for one dropped binding");
    })
    .await
    .expect("bounded");
}

/// A request whose flood wait ends after the new key's binding went out and before its answer
/// came waits for the answer, and goes out once: sent on the new key before it, the resend of
/// everything pending that the binding's answer brings would send it a second time, and the
/// server (whose binding took effect when it read it) would run it twice. (Found by the third
/// runtime review.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_sent_after_the_binding_is_not_sent_again_when_it_is_answered() {
    tokio::time::timeout(LIMIT, async {
        // 1 s each way: the 401 comes at 2 s, the new key's exchange (3 round trips) ends at
        // about 8 s, its binding is answered at about 10 s; the 7 s flood wait ends at about
        // 9 s, in between.
        let seen = flood_wait_across_a_new_binding(7, Duration::from_secs(1)).await;
        assert_eq!(seen.flooded.unwrap(), body(FLOODED, 1));
        assert_eq!(seen.refused.unwrap(), body(UNBOUND_ONCE, 2));
        assert_eq!(seen.runs, 2, "flood-waited once, then run once");
        assert_eq!(seen.renewals, 1);
    })
    .await
    .expect("bounded");
}
