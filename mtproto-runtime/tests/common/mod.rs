//! What the integration tests share: the test server on loopback TCP, client options that trust
//! its key, a proxy the test controls, and waits on updates and conditions.
// Each test binary mounts this module and uses only part of it.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use mtproto_runtime::handshake::{RsaPrivateKey, TEST_SERVER_KEY_PEM};
use mtproto_runtime::net::{
    serve_connection, Client, ConnectOptions, Error, ServeOptions, ServerState, Update,
};
use mtproto_runtime::schema::functions;
use mtproto_runtime::session::decode_result;
use mtproto_runtime::transport::Kind;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc::Receiver;
use tokio::task::JoinHandle;

/// The test server's RSA key.
pub fn key() -> RsaPrivateKey {
    RsaPrivateKey::from_pem(TEST_SERVER_KEY_PEM).unwrap()
}

/// Options serving with the test key, every connection sharing `state`.
pub fn serve_options(state: &ServerState) -> ServeOptions {
    ServeOptions { state: state.clone(), ..ServeOptions::new(key()) }
}

/// A test server with `options` on an ephemeral port; every connection shares its state.
pub async fn serve(options: ServeOptions) -> SocketAddr {
    serve_each(move || options.clone()).await
}

/// A test server on an ephemeral port that serves each connection with what `options` gives
/// then (a fresh state each, if it makes one).
pub async fn serve_each(options: impl Fn() -> ServeOptions + Send + 'static) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(serve_connection(stream, options()));
        }
    });
    addr
}

/// A plain test server with a fresh state on an ephemeral port: its address, and the state
/// the test watches and steers it by.
pub async fn server() -> (SocketAddr, ServerState) {
    let state = ServerState::default();
    (serve(serve_options(&state)).await, state)
}

/// A plain test server (as [`server`]) reached through a [`Proxy`].
pub async fn proxied_server() -> (Proxy, ServerState) {
    let (addr, state) = server().await;
    (Proxy::start(addr).await, state)
}

/// Client options for `kind` that trust the test server's key, otherwise the defaults.
pub fn client_options(kind: Kind) -> ConnectOptions {
    let mut o = ConnectOptions::new(kind);
    o.handshake.keys.push(key().public().clone());
    o
}

/// Pings with `id`; the id the pong carries.
pub async fn ping(client: &Client, id: i64) -> Result<i64, Error> {
    let raw = client.invoke(&functions::Ping { ping_id: id }).await?;
    // `?` turns a result that does not decode into `Error::Decode`.
    Ok(decode_result::<functions::Ping>(&raw)?.ping_id)
}

/// Connects to `addr` with `options` and has a first ping (id 1) answered.
pub async fn connect_and_ping(addr: SocketAddr, options: ConnectOptions) -> (Client, Receiver<Update>) {
    let (client, updates) = mtproto_runtime::net::connect(addr, options).await.unwrap();
    assert_eq!(ping(&client, 1).await.unwrap(), 1);
    (client, updates)
}

/// A ping with `id` on a task of its own: its answer, when it comes.
pub fn spawn_ping(client: &Client, id: i64) -> JoinHandle<Result<i64, Error>> {
    let client = client.clone();
    tokio::spawn(async move { ping(&client, id).await })
}

/// The raw request `body` on a task of its own: its answer, when it comes.
pub fn spawn_invoke_raw(client: &Client, body: Vec<u8>) -> JoinHandle<Result<Vec<u8>, Error>> {
    let client = client.clone();
    tokio::spawn(async move { client.invoke_raw(body).await })
}

/// `updateShort(updateConfig, date)`, an update as Telegram pushes it.
pub fn update_short(date: i32) -> Vec<u8> {
    [0x78d4dec1u32.to_le_bytes(), 0xa229dd06u32.to_le_bytes(), date.to_le_bytes()].concat()
}

/// Waits for an update matching `want`, skipping others; returns every update seen.
pub async fn wait_for(updates: &mut Receiver<Update>, want: impl Fn(&Update) -> bool) -> Vec<Update> {
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

/// Waits for `Update::Reconnected`; returns every update seen.
pub async fn until_reconnected(updates: &mut Receiver<Update>) -> Vec<Update> {
    wait_for(updates, |u| matches!(u, Update::Reconnected { .. })).await
}

/// Waits for `Update::Disconnected`; returns every update seen.
pub async fn until_disconnected(updates: &mut Receiver<Update>) -> Vec<Update> {
    wait_for(updates, |u| matches!(u, Update::Disconnected { .. })).await
}

/// Waits for `Update::Closed`; returns every update seen.
pub async fn until_closed(updates: &mut Receiver<Update>) -> Vec<Update> {
    wait_for(updates, |u| matches!(u, Update::Closed { .. })).await
}

/// Waits for `Update::Message(body)`; returns every update seen.
pub async fn until_message(updates: &mut Receiver<Update>, body: Vec<u8>) -> Vec<Update> {
    wait_for(updates, |u| matches!(u, Update::Message(got) if *got == body)).await
}

/// Waits until `cond` holds, polling every 10 ms; the caller's timeout bounds it.
pub async fn until(cond: impl Fn() -> bool) {
    until_polling(Duration::from_millis(10), cond).await
}

/// Waits until `cond` holds, polling every `period`; the caller's timeout bounds it.
pub async fn until_polling(period: Duration, cond: impl Fn() -> bool) {
    while !cond() {
        tokio::time::sleep(period).await;
    }
}

/// Which way a proxy's link carries: client to server.
const UP: usize = 0;
/// Which way a proxy's link carries: server to client.
const DOWN: usize = 1;

/// A TCP proxy the test controls: its links can swallow what goes one way or both (counting
/// the bytes swallowed and those passed on) or be cut; while it holds, a new link reaches the
/// server only once released; it can switch its upstream, or stop accepting.
pub struct Proxy {
    pub addr: SocketAddr,
    shared: Arc<Shared>,
    accept: JoinHandle<()>,
}

/// What the proxy's accepting task shares with the test.
struct Shared {
    upstream: Mutex<SocketAddr>,
    links: Mutex<Vec<Link>>,
    held: AtomicBool,
    tally: Arc<Tally>,
}

/// Bytes swallowed and bytes passed on (written whole) so far, indexed by way ([`UP`], [`DOWN`]).
#[derive(Default)]
struct Tally {
    swallowed: [AtomicU64; 2],
    passed: [AtomicU64; 2],
}

struct Link {
    /// Whether each way swallows, indexed by way.
    muted: Arc<[AtomicBool; 2]>,
    pumps: [JoinHandle<()>; 2],
}

impl Proxy {
    /// A proxy to `upstream` on an ephemeral port; a new link swallows nothing.
    pub async fn start(upstream: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let shared = Arc::new(Shared {
            upstream: Mutex::new(upstream),
            links: Mutex::default(),
            held: AtomicBool::new(false),
            tally: Arc::default(),
        });
        let accepting = shared.clone();
        // Each link is made before the next client is accepted, so `shutdown`, which stops
        // this task, also stops a link half made.
        let accept = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                accepting.link(client).await;
            }
        });
        Proxy { addr, shared, accept }
    }

    /// New links wait (`false`: go on) before reaching the server.
    pub fn hold(&self, on: bool) {
        self.shared.held.store(on, Ordering::SeqCst);
    }

    /// Links open now swallow everything both ways; new links are not affected.
    pub fn mute(&self) {
        self.mute_way(UP);
        self.mute_way(DOWN);
    }

    /// Links open now swallow what the client sends.
    pub fn mute_up(&self) {
        self.mute_way(UP);
    }

    /// Links open now swallow what the server sends.
    pub fn mute_down(&self) {
        self.mute_way(DOWN);
    }

    fn mute_way(&self, way: usize) {
        for link in self.shared.links.lock().unwrap().iter() {
            link.muted[way].store(true, Ordering::SeqCst);
        }
    }

    /// Bytes from clients swallowed so far.
    pub fn swallowed_up(&self) -> u64 {
        self.shared.tally.swallowed[UP].load(Ordering::SeqCst)
    }

    /// Bytes from the server swallowed so far.
    pub fn swallowed_down(&self) -> u64 {
        self.shared.tally.swallowed[DOWN].load(Ordering::SeqCst)
    }

    /// Bytes from clients passed on to the server so far.
    pub fn passed_up(&self) -> u64 {
        self.shared.tally.passed[UP].load(Ordering::SeqCst)
    }

    /// Closes every link open now, both ways.
    pub fn cut(&self) {
        for link in self.shared.links.lock().unwrap().drain(..) {
            link.pumps.iter().for_each(JoinHandle::abort);
        }
    }

    /// New links lead to `upstream`.
    pub fn set_upstream(&self, upstream: SocketAddr) {
        *self.shared.upstream.lock().unwrap() = upstream;
    }

    /// Stops accepting (new connections are refused) and cuts every link.
    pub async fn shutdown(&mut self) {
        self.accept.abort();
        // The listener is gone once the task is.
        let _ = (&mut self.accept).await;
        self.cut();
    }
}

impl Shared {
    /// Links `client` to the upstream, once the proxy no longer holds new links.
    async fn link(&self, client: TcpStream) {
        until_polling(Duration::from_millis(5), || !self.held.load(Ordering::SeqCst)).await;
        let upstream = *self.upstream.lock().unwrap();
        let Ok(server) = TcpStream::connect(upstream).await else { return };
        let (cr, cw) = client.into_split();
        let (sr, sw) = server.into_split();
        let muted: Arc<[AtomicBool; 2]> = Arc::default();
        let pumps = [
            tokio::spawn(pump(cr, sw, muted.clone(), self.tally.clone(), UP)),
            tokio::spawn(pump(sr, cw, muted.clone(), self.tally.clone(), DOWN)),
        ];
        self.links.lock().unwrap().push(Link { muted, pumps });
    }
}

/// Copies `from` into `to` until either end closes.
pub async fn forward(from: OwnedReadHalf, to: OwnedWriteHalf) {
    pump(from, to, Arc::default(), Arc::default(), UP).await
}

/// Copies `from` into `to`, which is `way`, until either end closes; while `way` is muted, what
/// comes is swallowed instead. Counts the bytes in `tally`.
async fn pump(
    mut from: OwnedReadHalf,
    mut to: OwnedWriteHalf,
    muted: Arc<[AtomicBool; 2]>,
    tally: Arc<Tally>,
    way: usize,
) {
    let mut buf = vec![0u8; 16 << 10];
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        if muted[way].load(Ordering::SeqCst) {
            tally.swallowed[way].fetch_add(n as u64, Ordering::SeqCst);
        } else if to.write_all(&buf[..n]).await.is_err() {
            return;
        } else {
            tally.passed[way].fetch_add(n as u64, Ordering::SeqCst);
        }
    }
}
