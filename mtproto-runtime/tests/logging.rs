//! The tokio client's trace in the `log` facade: connecting, losing the connection,
//! reconnecting and closing each leave a line, as does a refused binding, for applications
//! that do not read the updates channel. Its own test binary: a process has one logger.

mod common;

use std::sync::Mutex;
use std::time::Duration;

use common::{ping, server};
use mtproto_runtime::net::{connect, ConnectOptions, Reconnect, Update};
use mtproto_runtime::transport::Kind;

/// Every record at debug level or above, as `LEVEL message`.
static LINES: Mutex<Vec<String>> = Mutex::new(Vec::new());

struct Collect;

impl log::Log for Collect {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.level() <= log::Level::Debug
    }

    fn log(&self, record: &log::Record<'_>) {
        if self.enabled(record.metadata()) {
            LINES.lock().unwrap().push(format!("{} {}", record.level(), record.args()));
        }
    }

    fn flush(&self) {}
}

/// Installs the collecting logger (once: a process has one).
fn collect() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        log::set_logger(&Collect).unwrap();
        log::set_max_level(log::LevelFilter::Debug);
    });
}

/// Every line logged so far (by both tests: each looks for lines naming its own server).
fn lines() -> Vec<String> {
    LINES.lock().unwrap().clone()
}

/// Without PFS; reconnecting up to 5 times, backing off from 20 ms.
fn options() -> ConnectOptions {
    let mut o = common::client_options(Kind::Intermediate);
    o.reconnect =
        Reconnect { max_attempts: 5, initial_delay: Duration::from_millis(20), ..Reconnect::default() };
    o
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_connections_life_is_logged() {
    collect();
    tokio::time::timeout(Duration::from_secs(20), async {
        let (addr, state) = server().await;
        let (client, mut updates) = connect(addr, options()).await.unwrap();
        let connected = format!("INFO connected to {addr} over Intermediate");
        assert!(lines().iter().any(|l| l.starts_with(&connected)), "{:#?}", lines());
        assert_eq!(ping(&client, 1).await.unwrap(), 1);
        // The server hangs up instead of answering: the client reconnects and is answered.
        state.hang_up_before_answering(1);
        // (A request the server echoes: it answers pings itself, which do not count.)
        let body = vec![0x44, 0x33, 0x22, 0x11, 1, 0, 0, 0];
        assert_eq!(client.invoke_raw(body.clone()).await.unwrap(), body);
        while !matches!(updates.recv().await, Some(Update::Reconnected { .. })) {}
        client.close();
        client.closed().await;
        let lines = lines();
        for needle in [
            "WARN disconnected: ",
            "DEBUG reconnect attempt 1 in ",
            "INFO reconnected after 1 attempt",
            "INFO closed: closed by the client",
        ] {
            assert!(lines.iter().any(|l| l.contains(needle)), "no {needle:?} in {lines:#?}");
        }
    })
    .await
    .unwrap_or_else(|_| panic!("bounded; logged: {:#?}", lines()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_binding_is_logged_as_such() {
    collect();
    tokio::time::timeout(Duration::from_secs(20), async {
        let (addr, state) = server().await;
        state.refuse_bindings(1);
        let mut o = options();
        o.handshake.temp_key_expires_in = Some(3600);
        assert!(connect(addr, o).await.is_err());
        // The refusal, and no "connected" for a connection `connect` did not return.
        let lines = lines();
        let refused = format!("WARN connecting to {addr}: binding the temporary key failed");
        assert!(lines.iter().any(|l| l.starts_with(&refused)), "{lines:#?}");
        let connected = format!("INFO connected to {addr}");
        assert!(!lines.iter().any(|l| l.starts_with(&connected)), "{lines:#?}");
    })
    .await
    .unwrap_or_else(|_| panic!("bounded; logged: {:#?}", lines()));
}
