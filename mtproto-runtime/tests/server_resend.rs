//! The test server keeps answers and updates until the client acknowledges them, as a real
//! server does, and when the client comes back on a new connection of its session sends again
//! the answers it did not acknowledge and announces the updates (`msg_new_detailed_info`, which
//! has the client acknowledge those it has and ask for the others): live, over loopback TCP,
//! through a proxy that loses, one way or both, what the test says. No timing assertions:
//! every wait is bounded by a generous timeout.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use mtproto_runtime::handshake::{RsaPrivateKey, TEST_SERVER_KEY_PEM};
use mtproto_runtime::net::{
    connect, serve_connection, Answers, Client, ConnectOptions, Reconnect, ServeOptions, ServerState, Update,
};
use mtproto_runtime::schema::functions;
use mtproto_runtime::session::decode_result;
use mtproto_runtime::transport::Kind;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc::Receiver;
use tokio::task::JoinHandle;

const LIMIT: Duration = Duration::from_secs(30);

async fn serve(options: ServeOptions) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(serve_connection(stream, options.clone()));
        }
    });
    addr
}

fn server_options(state: &ServerState) -> ServeOptions {
    let key = RsaPrivateKey::from_pem(TEST_SERVER_KEY_PEM).unwrap();
    ServeOptions { state: state.clone(), ..ServeOptions::new(key) }
}

/// Without PFS; reconnecting after `delay`; asking about a request long unanswered only after
/// 10 s, longer than any of these tests takes.
fn options(delay: Duration) -> ConnectOptions {
    let key = RsaPrivateKey::from_pem(TEST_SERVER_KEY_PEM).unwrap();
    let mut o = ConnectOptions::new(Kind::Intermediate);
    o.handshake.keys.push(key.public().clone());
    o.reconnect = Reconnect { max_attempts: 5, initial_delay: delay, max_delay: delay };
    o.state_request_after = Some(Duration::from_secs(10));
    o
}

async fn ping(client: &Client, id: i64) -> i64 {
    let raw = client.invoke(&functions::Ping { ping_id: id }).await.unwrap();
    decode_result::<functions::Ping>(&raw).unwrap().ping_id
}

/// `updateShort(updateConfig, date)`, an update as Telegram pushes it.
fn update_short(date: i32) -> Vec<u8> {
    [0x78d4dec1u32.to_le_bytes(), 0xa229dd06u32.to_le_bytes(), date.to_le_bytes()].concat()
}

/// Waits for an update matching `want`, skipping others; returns every update seen.
async fn wait_for(updates: &mut Receiver<Update>, want: impl Fn(&Update) -> bool) -> Vec<Update> {
    let mut seen = Vec::new();
    loop {
        let u = updates.recv().await.expect("updates channel open");
        let done = want(&u);
        seen.push(u);
        if done {
            return seen;
        }
    }
}

/// Waits until `cond` holds, polling; the caller's timeout bounds it.
async fn until(cond: impl Fn() -> bool) {
    while !cond() {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// A TCP proxy whose links can swallow what goes one way (`mute_up`: client to server,
/// `mute_down`: server to client), counting the bytes swallowed, or be cut. A new link
/// swallows nothing; while the proxy holds, it reaches the server only once released.
struct Proxy {
    addr: SocketAddr,
    links: Arc<Mutex<Vec<Link>>>,
    /// Bytes swallowed so far: client to server, server to client.
    swallowed: Arc<[AtomicU64; 2]>,
    held: Arc<AtomicBool>,
}

struct Link {
    /// Whether each way swallows: client to server, server to client.
    muted: Arc<[AtomicBool; 2]>,
    pumps: [JoinHandle<()>; 2],
}

impl Proxy {
    async fn start(upstream: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let links: Arc<Mutex<Vec<Link>>> = Arc::default();
        let swallowed: Arc<[AtomicU64; 2]> = Arc::default();
        let held = Arc::new(AtomicBool::new(false));
        let (shared, counts, hold) = (links.clone(), swallowed.clone(), held.clone());
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let (shared, counts, hold) = (shared.clone(), counts.clone(), hold.clone());
                tokio::spawn(async move {
                    until(|| !hold.load(Ordering::SeqCst)).await;
                    let Ok(server) = TcpStream::connect(upstream).await else { return };
                    let (cr, cw) = client.into_split();
                    let (sr, sw) = server.into_split();
                    let muted: Arc<[AtomicBool; 2]> = Arc::default();
                    let pumps = [
                        tokio::spawn(pump(cr, sw, muted.clone(), counts.clone(), 0)),
                        tokio::spawn(pump(sr, cw, muted.clone(), counts.clone(), 1)),
                    ];
                    shared.lock().unwrap().push(Link { muted, pumps });
                });
            }
        });
        Proxy { addr, links, swallowed, held }
    }

    /// New links wait (`false`: go on) before reaching the server.
    fn hold(&self, on: bool) {
        self.held.store(on, Ordering::SeqCst);
    }

    fn mute(&self, way: usize) {
        for link in self.links.lock().unwrap().iter() {
            link.muted[way].store(true, Ordering::SeqCst);
        }
    }

    fn mute_up(&self) {
        self.mute(0);
    }

    fn mute_down(&self) {
        self.mute(1);
    }

    fn swallowed_up(&self) -> u64 {
        self.swallowed[0].load(Ordering::SeqCst)
    }

    fn swallowed_down(&self) -> u64 {
        self.swallowed[1].load(Ordering::SeqCst)
    }

    /// Closes every link open now, both ways.
    fn cut(&self) {
        for link in self.links.lock().unwrap().drain(..) {
            link.pumps.iter().for_each(JoinHandle::abort);
        }
    }
}

async fn pump(
    mut from: OwnedReadHalf,
    mut to: OwnedWriteHalf,
    muted: Arc<[AtomicBool; 2]>,
    swallowed: Arc<[AtomicU64; 2]>,
    way: usize,
) {
    let mut buf = vec![0u8; 16 << 10];
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        if muted[way].load(Ordering::SeqCst) {
            swallowed[way].fetch_add(n as u64, Ordering::SeqCst);
        } else if to.write_all(&buf[..n]).await.is_err() {
            return;
        }
    }
}

/// A handler answers after the client's connection was cut, before the client is back: the
/// answer goes into the dead connection. When the client comes back, the server sends it
/// again unasked, and the request completes. The client never asks for the answer
/// (`msg_resend_ans_req`); it does ask, once, about the request itself, at once, as it does
/// after a reconnect about every request the server never acknowledged (the test server
/// acknowledges a request with its answer), and the answer comes first. The handler ran once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_made_after_the_connection_was_cut_is_sent_again_unasked() {
    tokio::time::timeout(LIMIT, async {
        let state = ServerState::default();
        let (started, cut) = (Arc::new(AtomicBool::new(false)), Arc::new(AtomicBool::new(false)));
        let (seen, gone) = (started.clone(), cut.clone());
        let answers = Answers::new().on_raw(0x5e5e_0000, move |body| {
            seen.store(true, Ordering::SeqCst);
            let until = std::time::Instant::now() + LIMIT;
            while !gone.load(Ordering::SeqCst) && std::time::Instant::now() < until {
                std::thread::sleep(Duration::from_millis(2));
            }
            Ok(body.to_vec())
        });
        let proxy = Proxy::start(serve(ServeOptions { answers, ..server_options(&state) }).await).await;
        let (client, _updates) = connect(proxy.addr, options(Duration::from_millis(50))).await.unwrap();
        assert_eq!(ping(&client, 1).await, 1);
        let body = [0x5e5e_0000u32.to_le_bytes(), 7u32.to_le_bytes()].concat();
        let call = {
            let (client, body) = (client.clone(), body.clone());
            tokio::spawn(async move { client.invoke_raw(body).await })
        };
        until(|| started.load(Ordering::SeqCst)).await;
        // The client is kept from the server until the answer went into the void (answered,
        // then sent on the old connection at once: a moment's grace is plenty).
        proxy.hold(true);
        proxy.cut();
        cut.store(true, Ordering::SeqCst);
        until(|| state.answered() == 1).await;
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert_eq!(state.connections(), 1, "answered before the client is back");
        proxy.hold(false);
        assert_eq!(call.await.unwrap().unwrap(), body);
        assert_eq!(state.connections(), 2);
        assert_eq!(state.resent(), 1, "sent again on the new connection");
        assert_eq!(state.answer_requests(), 0, "never asked for");
        assert_eq!(state.state_requests(), 1, "asked about once, on the way back");
        assert_eq!(state.answered(), 1, "run once");
        // Acknowledged since: a new connection has nothing sent again.
        assert_eq!(ping(&client, 2).await, 2);
        proxy.cut();
        until(|| state.connections() == 3).await;
        assert_eq!(ping(&client, 3).await, 3);
        assert_eq!(state.resent(), 1);
    })
    .await
    .expect("bounded");
}

/// A push goes out on a connection that is going down (everything it sends is lost, then it is
/// cut): the message is not lost with it. On the client's next connection the server announces
/// it (msg_new_detailed_info), the client, which never got it, asks for it (msg_resend_req),
/// and it surfaces once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_push_onto_a_connection_going_down_arrives_on_the_next_once() {
    tokio::time::timeout(LIMIT, async {
        let state = ServerState::default();
        let proxy = Proxy::start(serve(server_options(&state)).await).await;
        let (client, mut updates) = connect(proxy.addr, options(Duration::from_millis(50))).await.unwrap();
        assert_eq!(ping(&client, 1).await, 1);
        proxy.mute_down();
        let before = proxy.swallowed_down();
        assert_eq!(
            state.push_update_to(client.auth_key_id(), client.session_id(), update_short(1)),
            Ok(true)
        );
        until(|| proxy.swallowed_down() > before).await;
        proxy.cut();
        let seen = wait_for(&mut updates, |u| *u == Update::Message(update_short(1))).await;
        assert!(seen.iter().any(|u| matches!(u, Update::Reconnected { .. })), "{seen:?}");
        assert_eq!((state.resent(), state.resend_requests()), (1, 1), "announced, then asked for");
        // Nothing more of it: a round trip later, no second copy.
        assert_eq!(ping(&client, 2).await, 2);
        while let Ok(u) = updates.try_recv() {
            assert_ne!(u, Update::Message(update_short(1)));
        }
        assert_eq!(state.connections(), 2);
    })
    .await
    .expect("bounded");
}

/// The risk a copy sent blindly would run: the client got the update, and only its
/// acknowledgement was lost (sent at once, `ack_delay` zero, into a connection swallowing
/// what the client sends). Announced on the next connection, it is acknowledged again, not
/// asked for, and surfaces once; a third connection has nothing announced.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_update_whose_acknowledgement_was_lost_surfaces_once() {
    tokio::time::timeout(LIMIT, async {
        let state = ServerState::default();
        let proxy = Proxy::start(serve(server_options(&state)).await).await;
        let mut o = options(Duration::from_millis(50));
        o.ack_delay = Duration::ZERO;
        let (client, mut updates) = connect(proxy.addr, o).await.unwrap();
        assert_eq!(ping(&client, 1).await, 1);
        proxy.mute_up();
        let before = proxy.swallowed_up();
        assert_eq!(
            state.push_update_to(client.auth_key_id(), client.session_id(), update_short(2)),
            Ok(true)
        );
        let mut seen = wait_for(&mut updates, |u| *u == Update::Message(update_short(2))).await;
        until(|| proxy.swallowed_up() > before).await;
        proxy.cut();
        seen.extend(wait_for(&mut updates, |u| matches!(u, Update::Reconnected { .. })).await);
        assert_eq!(ping(&client, 2).await, 2);
        assert_eq!((state.resent(), state.resend_requests()), (1, 0), "announced, not asked for");
        proxy.cut();
        seen.extend(wait_for(&mut updates, |u| matches!(u, Update::Reconnected { .. })).await);
        assert_eq!(ping(&client, 3).await, 3);
        assert_eq!(state.resent(), 1, "acknowledged again: nothing more to announce");
        while let Ok(u) = updates.try_recv() {
            seen.push(u);
        }
        let copies = seen.iter().filter(|u| **u == Update::Message(update_short(2))).count();
        assert_eq!(copies, 1, "{seen:?}");
        assert_eq!(state.connections(), 3);
    })
    .await
    .expect("bounded");
}
