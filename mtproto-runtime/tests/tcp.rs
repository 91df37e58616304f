//! The tokio client against the test server over loopback TCP, for every transport: handshake
//! (PFS and permanent keys), pings, echoed requests, containers of concurrent requests, gzip
//! both ways, a forced bad_server_salt, future salts and updates. Bounded by timeouts.

mod common;

use std::time::Duration;

use common::{key, ping, serve_each, spawn_ping};
use mtproto_runtime::net::{connect, Client, ConnectOptions, ServeOptions, Update};
use mtproto_runtime::schema::{functions, types};
use mtproto_runtime::session::decode_result;
use mtproto_runtime::transport::Kind;

const LIMIT: Duration = Duration::from_secs(60);

/// A test server on an ephemeral port; each connection has a state of its own.
async fn server(bad_salt_once: bool, secret: Option<[u8; 16]>) -> std::net::SocketAddr {
    let key = key();
    serve_each(move || ServeOptions { secret, bad_salt_once, ..ServeOptions::new(key.clone()) }).await
}

/// `kind`, obfuscated or not, with `secret`; a 3600 s temporary key under `pfs`.
fn options(kind: Kind, obfuscated: bool, secret: Option<[u8; 16]>, pfs: bool) -> ConnectOptions {
    let mut o = common::client_options(kind);
    o.obfuscated = obfuscated;
    o.secret = secret;
    o.handshake.temp_key_expires_in = pfs.then_some(3600);
    o
}

async fn exercise(client: &Client) {
    assert_eq!(ping(client, 42).await.unwrap(), 42);
    // Concurrent requests go out in containers and each gets its own answer.
    let calls: Vec<_> = (0..20).map(|i| (i, spawn_ping(client, i))).collect();
    for (i, call) in calls {
        assert_eq!(call.await.unwrap().unwrap(), i);
    }
    // A large request travels gzip_packed and its echo comes back gzip_packed.
    let mut big = functions::DestroySession { session_id: 1 }.session_id.to_le_bytes().to_vec();
    big.splice(0..0, 0x1234_5678u32.to_le_bytes());
    big.extend(std::iter::repeat_n(0x33u8, 8000));
    assert_eq!(client.invoke_raw(big.clone()).await.unwrap(), big);
    let salts = client.invoke(&functions::GetFutureSalts { num: 2 }).await.unwrap();
    assert_eq!(decode_result::<functions::GetFutureSalts>(&salts).unwrap().salts.len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_transport_over_tcp() {
    tokio::time::timeout(LIMIT, async {
        let secret = Some([0x5e; 16]);
        let addr = server(false, None).await;
        let proxied = server(false, secret).await;
        let mut runs = Vec::new();
        for (kind, obfuscated, secret, addr) in [
            (Kind::Abridged, false, None, addr),
            (Kind::Intermediate, false, None, addr),
            (Kind::PaddedIntermediate, false, None, addr),
            (Kind::Full, false, None, addr),
            (Kind::Abridged, true, None, addr),
            (Kind::Intermediate, true, secret, proxied),
            (Kind::PaddedIntermediate, true, secret, proxied),
        ] {
            // Alternate PFS (temporary) and permanent keys.
            let pfs = runs.len() % 2 == 0;
            runs.push(tokio::spawn(async move {
                let (client, _updates) = connect(addr, options(kind, obfuscated, secret, pfs)).await.unwrap();
                exercise(&client).await;
            }));
        }
        for r in runs {
            r.await.unwrap();
        }
    })
    .await
    .expect("bounded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_server_salt_is_recovered_and_updates_arrive() {
    tokio::time::timeout(LIMIT, async {
        let addr = server(true, None).await;
        let (client, mut updates) =
            connect(addr, options(Kind::Intermediate, false, None, false)).await.unwrap();
        assert_eq!(ping(&client, 7).await.unwrap(), 7);
        // The test server bounces an http_wait sent as a request back as an update.
        let update = tl_codec::to_bytes(&types::HttpWait { max_delay: 1, wait_after: 2, max_wait: 3 });
        let bounced = client.clone();
        let sent = update.clone();
        tokio::spawn(async move { bounced.invoke_raw(sent).await });
        // The server's new_session_created comes first.
        loop {
            match updates.recv().await.unwrap() {
                Update::Message(got) => break assert_eq!(got, update),
                Update::NewSession { .. } => continue,
                other => panic!("unexpected {other:?}"),
            }
        }
    })
    .await
    .expect("bounded");
}
