//! The tokio client keeping a live connection against the test server over loopback TCP: PFS
//! binding (accepted, tampered, retried after bad_server_salt), reconnects through a proxy that
//! cuts or black-holes the link (requests in flight still get their answers), keep-alive pings,
//! giving up, an unknown key (-404) that no reconnect cures, requests timed out or abandoned
//! (withdrawn at once, never resent), a request the server lost found by msgs_state_req and
//! resent, a request the server ran before a reconnect asked about after it rather than run
//! again (acknowledged or not), a request the server asks for again (msg_resend_req) sent
//! again, a bounded updates channel that drops and reports rather than holding up answers,
//! canned answers (typed, rpc errors, through the init prefix and wrappers, bad requests and
//! panicking handlers, answers a client would misread refused) and updates pushed by the test
//! server (before the client's first message too), a graceful shutdown (in flight requests
//! finished, new ones refused, owed acks sent; at its limit, or while reconnecting), replayed
//! frames dropped and counted, and answers decoded in place (`invoke_map`).
//! No timing assertions: every wait is bounded by a generous timeout.

mod common;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{
    connect_and_ping, key, ping, proxied_server, serve, serve_options, server, spawn_invoke_raw, spawn_ping,
    until, until_closed, until_disconnected, until_message, until_reconnected, update_short, wait_for, Proxy,
};
use mtproto_runtime::handshake::bind_temp_auth_key;
use mtproto_runtime::net::{
    connect, Answers, Client, ConnectOptions, Error, KeepAlive, Reconnect, SavedKey, ServeOptions,
    ServerState, State, Update, ANSWER_INVALID, HANDLER_PANICKED, INPUT_FETCH_ERROR,
};
use mtproto_runtime::schema::{enums, functions, types};
use mtproto_runtime::session::{decode_result, wire, RequestError, RpcError};
use mtproto_runtime::transport::Kind;
use mtproto_runtime::{AuthKey, OsRandom};
use tl_codec::Identifiable;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

const LIMIT: Duration = Duration::from_secs(120);

/// PFS with a 3600 s temporary key, or none; reconnecting up to 5 times, backing off from 50 ms
/// to 400 ms.
fn options(pfs: bool) -> ConnectOptions {
    let mut o = common::client_options(Kind::Intermediate);
    o.handshake.temp_key_expires_in = pfs.then_some(3600);
    o.reconnect = Reconnect {
        max_attempts: 5,
        initial_delay: Duration::from_millis(50),
        max_delay: Duration::from_millis(400),
    };
    o
}

/// PFS with a 10 s temporary key (which the test server stops accepting when it expires),
/// renewed half-way through its life: the 60 s margin asked for is capped at half.
fn short_pfs_options() -> ConnectOptions {
    let mut o = options(true);
    o.handshake.temp_key_expires_in = Some(10);
    o.temp_key_renew_before = Duration::from_secs(60);
    o
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pfs_binding_is_accepted_by_the_server() {
    tokio::time::timeout(LIMIT, async {
        let (addr, state) = server().await;
        let (client, _updates) = connect(addr, options(true)).await.unwrap();
        let perm = client.perm_auth_key().expect("PFS keeps the permanent key").id();
        assert_ne!(perm, client.auth_key_id());
        // connect returned only after the server checked and recorded the binding.
        assert_eq!(state.binding(client.auth_key_id()), Some(perm));
        assert_eq!(state.bindings_refused(), 0);
        assert!(client.temp_key_expires_at().is_some());
        assert_eq!(ping(&client, 5).await.unwrap(), 5);

        // A permanent-key client binds nothing.
        let (plain, _) = connect(addr, options(false)).await.unwrap();
        assert!(plain.perm_auth_key().is_none());
        assert_eq!(state.binding(plain.auth_key_id()), None);
    })
    .await
    .expect("bounded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pfs_binding_is_retried_after_bad_server_salt() {
    tokio::time::timeout(LIMIT, async {
        // The first message on the new key gets bad_server_salt: the binding is resent under a
        // new msg_id, refused as stale, then rebuilt and accepted.
        let state = ServerState::default();
        let addr = serve(ServeOptions { bad_salt_once: true, ..serve_options(&state) }).await;
        let (client, _updates) = connect(addr, options(true)).await.unwrap();
        assert_eq!(state.binding(client.auth_key_id()), client.perm_auth_key().as_ref().map(AuthKey::id));
        assert_eq!(state.bindings_refused(), 1);
        assert_eq!(ping(&client, 6).await.unwrap(), 6);
    })
    .await
    .expect("bounded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tampered_binding_is_refused() {
    tokio::time::timeout(LIMIT, async {
        let (addr, state) = server().await;
        let (client, _updates) = connect(addr, options(true)).await.unwrap();
        let perm = client.perm_auth_key().unwrap();
        let temp = client.auth_key();
        let (session_id, expires_at) = (client.session_id(), client.temp_key_expires_at().unwrap());
        let build = |perm: AuthKey, flip: Option<usize>| {
            let temp = temp.clone();
            move |msg_id| {
                let (mut body, _) =
                    bind_temp_auth_key(&perm, &temp, session_id, expires_at, msg_id, &mut OsRandom::new());
                if let Some(i) = flip {
                    body[i] ^= 0x40;
                }
                body
            }
        };
        let refused = |r: Result<Vec<u8>, Error>| match r {
            Err(Error::Request(RequestError::Rpc(e))) => {
                e.code == 400 && e.message == "ENCRYPTED_MESSAGE_INVALID"
            }
            _ => false,
        };
        // The untampered binding, sent again, is accepted.
        let ok = client.invoke_with_msg_id(build(perm.clone(), None)).await.unwrap();
        assert!(
            decode_result::<mtproto_runtime::schema::api::functions::auth::BindTempAuthKey<'_>>(&ok).unwrap()
        );
        // A flipped byte in the outer nonce, in expires_at, in the encrypted message's msg_key
        // and in its ciphertext.
        for i in [12, 20, 4 + 8 + 8 + 4 + 1 + 8 + 3, 4 + 8 + 8 + 4 + 1 + 8 + 16 + 40] {
            assert!(refused(client.invoke_with_msg_id(build(perm.clone(), Some(i))).await), "byte {i}");
        }
        // A permanent key the server never made.
        let stranger = AuthKey::from_bytes([7; 256]);
        assert!(refused(client.invoke_with_msg_id(build(stranger.clone(), None)).await));
        // A binding naming another msg_id than its own message's.
        let temp2 = temp.clone();
        let stale = move |msg_id: i64| {
            bind_temp_auth_key(&perm, &temp2, session_id, expires_at, msg_id - 4, &mut OsRandom::new()).0
        };
        assert!(refused(client.invoke_with_msg_id(stale).await));
        // Through the client's own binder, a bad binding is an error, and the session lives on.
        assert!(matches!(client.bind_temp_auth_key(&stranger, expires_at).await, Err(Error::Bind(_))));
        assert_eq!(ping(&client, 8).await.unwrap(), 8);
        assert_eq!(state.binding(client.auth_key_id()), client.perm_auth_key().as_ref().map(AuthKey::id));
    })
    .await
    .expect("bounded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cut_link_is_reconnected_and_the_pending_invoke_answered() {
    tokio::time::timeout(LIMIT, async {
        let (proxy, state) = proxied_server().await;
        for pfs in [false, true] {
            let (client, mut updates) = connect_and_ping(proxy.addr, options(pfs)).await;
            let session = client.session_id();
            // The request goes into a black hole, then the link is cut under it.
            proxy.mute();
            let requests = state.requests();
            let pending = spawn_invoke_raw(&client, vec![0x44, 0x33, 0x22, 0x11, 1, 2, 3, 4]);
            tokio::time::sleep(Duration::from_millis(100)).await;
            assert!(!pending.is_finished());
            proxy.cut();
            assert_eq!(pending.await.unwrap().unwrap(), [0x44, 0x33, 0x22, 0x11, 1, 2, 3, 4]);
            // The muted copy never reached the server: the answer came from the resend.
            assert!(state.requests() > requests);
            assert_eq!(client.reconnects(), 1);
            assert_eq!(client.state(), State::Connected);
            assert_eq!(client.session_id(), session);
            let seen = until_reconnected(&mut updates).await;
            assert!(seen.iter().any(|u| matches!(u, Update::Disconnected { .. })), "{seen:?}");
            // Still working afterwards, on the same key.
            assert_eq!(ping(&client, 2).await.unwrap(), 2);
        }
    })
    .await
    .expect("bounded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keep_alive_pings_flow() {
    tokio::time::timeout(LIMIT, async {
        let (addr, state) = server().await;
        let mut o = options(false);
        o.keep_alive = Some(KeepAlive {
            interval: Duration::from_millis(50),
            disconnect_delay: 75,
            pong_timeout: Duration::from_secs(20),
        });
        let (client, _updates) = connect(addr, o).await.unwrap();
        until(|| state.pings() >= 5).await;
        // Answered, so the link is never taken for dead.
        assert_eq!(client.reconnects(), 0);
        assert_eq!(ping(&client, 3).await.unwrap(), 3);
    })
    .await
    .expect("bounded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_peer_is_detected_by_keep_alive_and_replaced() {
    tokio::time::timeout(LIMIT, async {
        let (proxy, _) = proxied_server().await;
        let mut o = options(false);
        o.keep_alive = Some(KeepAlive {
            interval: Duration::from_millis(100),
            disconnect_delay: 75,
            pong_timeout: Duration::from_millis(300),
        });
        let (client, mut updates) = connect_and_ping(proxy.addr, o).await;
        // The link stays open but carries nothing: only the missing pong tells.
        proxy.mute();
        assert_eq!(ping(&client, 2).await.unwrap(), 2);
        assert!(client.reconnects() >= 1);
        let seen = until_reconnected(&mut updates).await;
        let reason = seen.iter().find_map(|u| match u {
            Update::Disconnected { reason } => Some(reason.clone()),
            _ => None,
        });
        assert!(reason.is_some_and(|r| r.contains("keep-alive")), "{seen:?}");
    })
    .await
    .expect("bounded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn giving_up_fails_pending_and_later_invokes() {
    tokio::time::timeout(LIMIT, async {
        let (mut proxy, _) = proxied_server().await;
        let mut o = options(false);
        o.reconnect.max_attempts = 3;
        let (client, mut updates) = connect_and_ping(proxy.addr, o).await;
        proxy.mute();
        let pending = spawn_ping(&client, 2);
        tokio::time::sleep(Duration::from_millis(100)).await;
        // Nothing listens any more: every reconnect is refused.
        proxy.shutdown().await;
        match pending.await.unwrap() {
            Err(Error::ConnectionLost { attempts, .. }) => assert_eq!(attempts, 3),
            other => panic!("expected ConnectionLost, got {other:?}"),
        }
        assert_eq!(client.state(), State::Closed);
        assert!(matches!(ping(&client, 3).await, Err(Error::Closed)));
        until_closed(&mut updates).await;
    })
    .await
    .expect("bounded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_reconnect_off_a_cut_closes_the_client() {
    tokio::time::timeout(LIMIT, async {
        let (proxy, _) = proxied_server().await;
        let mut o = options(false);
        o.reconnect = Reconnect::never();
        let (client, _updates) = connect_and_ping(proxy.addr, o).await;
        proxy.mute();
        let pending = spawn_ping(&client, 2);
        tokio::time::sleep(Duration::from_millis(100)).await;
        proxy.cut();
        assert!(matches!(pending.await.unwrap(), Err(Error::ConnectionLost { attempts: 0, .. })));
        assert!(matches!(ping(&client, 3).await, Err(Error::Closed)));
        assert_eq!(client.reconnects(), 0);
    })
    .await
    .expect("bounded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_key_is_not_retried() {
    tokio::time::timeout(LIMIT, async {
        // After the cut the proxy leads to another server, which never made this key: it
        // answers -404, and reconnecting again would get the same answer.
        let (proxy, _) = proxied_server().await;
        let (client, mut updates) = connect_and_ping(proxy.addr, options(false)).await;
        let (elsewhere, stranger) = server().await;
        proxy.set_upstream(elsewhere);
        proxy.cut();
        let seen = until_closed(&mut updates).await;
        let Some(Update::Closed { reason }) = seen.last() else { unreachable!() };
        assert!(reason.contains("-404"), "{reason}");
        assert_eq!(stranger.connections(), 1);
        assert!(matches!(ping(&client, 2).await, Err(Error::Closed)));
    })
    .await
    .expect("bounded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledgements_go_out_alone_once_the_delay_is_over() {
    tokio::time::timeout(LIMIT, async {
        let (addr, state) = server().await;
        let mut o = options(false);
        // No keep-alive pings to carry them: the acks of the answers below must go alone.
        o.keep_alive = None;
        o.ack_delay = Duration::from_millis(300);
        let (client, _) = connect(addr, o).await.unwrap();
        assert_eq!(ping(&client, 1).await.unwrap(), 1);
        let before = state.acks();
        until(|| state.acks() > before).await;
        // The next request after that finds nothing owed.
        assert_eq!(ping(&client, 2).await.unwrap(), 2);
    })
    .await
    .expect("bounded");
}

/// The frame carrying a request is lost on the way (the server drops it unread): with nothing
/// else to tell, the client's clock finds it, asks the server with msgs_state_req, learns it
/// never arrived, and sends it again on the same connection.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_the_server_lost_is_found_by_msgs_state_req_and_answered() {
    tokio::time::timeout(LIMIT, async {
        let (addr, state) = server().await;
        let mut o = options(false);
        // No keep-alive: its lost pong would end the connection, and a reconnect resends
        // everything anyway. Only msgs_state_req can find the request here.
        o.keep_alive = None;
        o.state_request_after = Some(Duration::from_millis(300));
        let (client, _) = connect(addr, o).await.unwrap();
        // The server knows the session first: it drops only frames it can read.
        assert_eq!(ping(&client, 1).await.unwrap(), 1);
        state.lose_requests(1);
        let body = vec![0x44, 0x33, 0x22, 0x11, 5, 6, 7, 8];
        assert_eq!(client.invoke_raw(body.clone()).await.unwrap(), body);
        assert_eq!(state.lost(), 1);
        assert!(state.state_requests() >= 1);
        assert_eq!((state.connections(), client.reconnects()), (1, 0), "no reconnect did it");
    })
    .await
    .expect("bounded");
}

/// A request's answer is lost with its connection: the server ran it, then hung up before
/// sending anything. The session outlives the connection on both sides, so after the reconnect
/// the client asks the server about the request (msgs_state_req) instead of sending it again,
/// learns its answer was made, asks for that (msg_resend_ans_req) and gets it: the server ran
/// the request once. (Sending it again blindly would run it twice: the test server echoes
/// every copy it gets.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_run_before_a_reconnect_is_asked_about_not_run_again() {
    answer_lost_in_a_reconnect(|state| state.hang_up_before_answering(1), None).await;
}

/// Runs a request whose answer `lose` has the server lose with its connection, with and without
/// PFS: the caller gets the answer, the server ran the request once and was asked about it,
/// the session is the same one on the second connection, and it still works afterwards.
async fn answer_lost_in_a_reconnect(lose: fn(&ServerState), state_request_after: Option<Duration>) {
    tokio::time::timeout(LIMIT, async {
        for pfs in [false, true] {
            let (addr, state) = server().await;
            let mut o = options(pfs);
            if state_request_after.is_some() {
                o.state_request_after = state_request_after;
            }
            let (client, mut updates) = connect_and_ping(addr, o).await;
            let session = client.session_id();
            let requests = state.requests();
            lose(&state);
            let body = vec![0x44, 0x33, 0x22, 0x11, 9, 8, 7, 6];
            assert_eq!(client.invoke_raw(body.clone()).await.unwrap(), body, "pfs {pfs}");
            assert_eq!(state.hung_up(), 1);
            assert_eq!(state.requests(), requests + 1, "pfs {pfs}: run once");
            assert!(state.state_requests() >= 1, "pfs {pfs}: asked about");
            assert_eq!((state.connections(), client.session_id()), (2, session), "pfs {pfs}");
            until_reconnected(&mut updates).await;
            // Still working afterwards, and nothing else was run again.
            assert_eq!(ping(&client, 2).await.unwrap(), 2);
            assert_eq!(state.requests(), requests + 1, "pfs {pfs}");
        }
    })
    .await
    .expect("bounded");
}

/// The server asks for a request again (msg_resend_req, as if its content were lost; it
/// neither ran nor acknowledged it): the client sends it again under a new msg_id on the same
/// connection at once, and the answer reaches the caller. The msg_resend_req is the session's
/// business: it never reaches `updates`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_the_server_asks_for_again_is_sent_again_and_answered() {
    tokio::time::timeout(LIMIT, async {
        let (addr, state) = server().await;
        let (client, mut updates) = connect_and_ping(addr, options(false)).await;
        let requests = state.requests();
        state.ask_for_requests_again(1);
        let body = vec![0x44, 0x33, 0x22, 0x11, 3, 1, 4, 1];
        assert_eq!(client.invoke_raw(body.clone()).await.unwrap(), body);
        assert_eq!(state.asked_again(), 1);
        assert_eq!(state.requests(), requests + 1, "the copy sent again, run once");
        assert_eq!((state.connections(), client.reconnects()), (1, 0), "no reconnect did it");
        while let Ok(update) = updates.try_recv() {
            assert!(!matches!(update, Update::Message(_)), "{update:?}");
        }
    })
    .await
    .expect("bounded");
}

/// A request's answer is lost with its connection after the server acknowledged the request:
/// the server does not send it again unasked on the new connection. The client asks about the
/// request once `state_request_after` has passed after the reconnect, learns its answer was
/// made, asks for that (msg_resend_ans_req) and gets it, rather than waiting forever (no
/// request timeout is set); the server ran the request once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_acknowledged_request_whose_answer_was_lost_in_a_reconnect_is_asked_about() {
    answer_lost_in_a_reconnect(|state| state.acknowledge_then_hang_up(1), Some(Duration::from_millis(300)))
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_saved_key_skips_the_exchange() {
    tokio::time::timeout(LIMIT, async {
        let (addr, state) = server().await;
        let (first, _) = connect(addr, options(false)).await.unwrap();
        assert_eq!(ping(&first, 1).await.unwrap(), 1);
        let saved = SavedKey { auth_key: first.auth_key(), server_salt: first.server_salt() };
        drop(first);

        // The session starts on the saved key: no new key is made.
        let mut o = options(false);
        o.saved_key = Some(saved.clone());
        let (again, _) = connect(addr, o).await.unwrap();
        assert_eq!(again.auth_key_id(), saved.auth_key.id());
        assert_eq!(ping(&again, 2).await.unwrap(), 2);

        // A salt of 0 is corrected by the server's bad_server_salt, the request sent again.
        let mut o = options(false);
        o.saved_key = Some(SavedKey { server_salt: 0, ..saved.clone() });
        let (no_salt, _) = connect(addr, o).await.unwrap();
        assert_eq!(ping(&no_salt, 3).await.unwrap(), 3);
        assert_ne!(no_salt.server_salt(), 0);

        // Under PFS only the temporary key is new, and it is bound to the saved one.
        let mut o = options(true);
        o.saved_key = Some(saved.clone());
        let (pfs, _) = connect(addr, o).await.unwrap();
        assert_eq!(pfs.perm_auth_key().map(|k| k.id()), Some(saved.auth_key.id()));
        assert_ne!(pfs.auth_key_id(), saved.auth_key.id());
        assert_eq!(state.binding(pfs.auth_key_id()), Some(saved.auth_key.id()));
        assert_eq!(ping(&pfs, 4).await.unwrap(), 4);
    })
    .await
    .expect("bounded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_saved_key_the_server_never_made_fails_the_first_request() {
    tokio::time::timeout(LIMIT, async {
        let (addr, _) = server().await;
        let mut o = options(false);
        o.saved_key = Some(SavedKey { auth_key: AuthKey::from_bytes([7; 256]), server_salt: 0 });
        let (client, mut updates) = connect(addr, o).await.unwrap();
        assert!(matches!(ping(&client, 1).await, Err(Error::UnknownAuthKey)));
        let seen = until_closed(&mut updates).await;
        let Some(Update::Closed { reason }) = seen.last() else { unreachable!() };
        assert!(reason.contains("-404"), "{reason}");
    })
    .await
    .expect("bounded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_abandoned_invoke_is_not_resent() {
    tokio::time::timeout(LIMIT, async {
        let (proxy, state) = proxied_server().await;
        let (client, mut updates) = connect_and_ping(proxy.addr, options(false)).await;
        let requests = state.requests();
        proxy.mute();
        let abandoned = spawn_invoke_raw(&client, vec![0x44, 0x33, 0x22, 0x11]);
        tokio::time::sleep(Duration::from_millis(100)).await;
        abandoned.abort();
        let _ = abandoned.await;
        proxy.cut();
        until_reconnected(&mut updates).await;
        // This ping goes out after anything resent, so its pong means the server saw it all.
        assert_eq!(ping(&client, 2).await.unwrap(), 2);
        assert_eq!(state.requests(), requests);
    })
    .await
    .expect("bounded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_drops_every_new_connection_exhausts_the_budget() {
    tokio::time::timeout(LIMIT, async {
        let (proxy, _) = proxied_server().await;
        let mut o = options(false);
        o.reconnect.max_attempts = 4;
        let (client, mut updates) = connect_and_ping(proxy.addr, o).await;
        // Reconnects now reach a listener that hangs up at once: each such connection opens
        // but brings nothing authentic, so each counts as a failed attempt.
        let slammer = TcpListener::bind("127.0.0.1:0").await.unwrap();
        proxy.set_upstream(slammer.local_addr().unwrap());
        tokio::spawn(async move {
            while let Ok((stream, _)) = slammer.accept().await {
                drop(stream);
            }
        });
        proxy.mute();
        let pending = spawn_ping(&client, 2);
        tokio::time::sleep(Duration::from_millis(100)).await;
        proxy.cut();
        match pending.await.unwrap() {
            Err(Error::ConnectionLost { attempts, .. }) => assert_eq!(attempts, 4),
            other => panic!("expected ConnectionLost, got {other:?}"),
        }
        let seen = until_closed(&mut updates).await;
        // None of them is a reconnect: the server never answered on them.
        let reconnected = seen.iter().filter(|u| matches!(u, Update::Reconnected { .. })).count();
        assert_eq!((client.reconnects(), reconnected), (0, 0), "{seen:?}");
        assert!(seen
            .iter()
            .any(|u| u == &Update::Disconnected { reason: "i/o: the server closed the connection".into() }));
        assert!(matches!(ping(&client, 3).await, Err(Error::Closed)));
    })
    .await
    .expect("bounded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_temporary_key_is_renewed_and_bound_on_the_live_connection() {
    tokio::time::timeout(LIMIT, async {
        let (addr, state) = server().await;
        let (client, mut updates) = connect(addr, short_pfs_options()).await.unwrap();
        let perm = client.perm_auth_key().unwrap().id();
        let (first_key, first_session) = (client.auth_key_id(), client.session_id());
        let first_expiry = client.temp_key_expires_at().unwrap();
        // Requests keep coming while the key changes under them; every one is answered.
        let load = {
            let c = client.clone();
            tokio::spawn(async move {
                for i in 0..30 {
                    assert_eq!(ping(&c, i).await.unwrap(), i);
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            })
        };
        let mut renewed = Vec::new();
        while renewed.len() < 2 {
            if let Update::KeyRenewed { auth_key_id } = updates.recv().await.unwrap() {
                renewed.push(auth_key_id);
            }
        }
        load.await.unwrap();
        assert!(first_key != renewed[0] && renewed[0] != renewed[1]);
        assert_ne!(client.auth_key_id(), first_key);
        // Each new temporary key was bound to the same permanent key, in a new session.
        for id in [first_key, renewed[0], renewed[1]] {
            assert_eq!(state.binding(id), Some(perm));
        }
        assert_ne!(client.session_id(), first_session);
        assert!(client.temp_key_expires_at().unwrap() > first_expiry);
        assert_eq!(client.perm_auth_key().unwrap().id(), perm);
        assert_eq!(ping(&client, 99).await.unwrap(), 99);
        assert_eq!(client.reconnects(), 0);
    })
    .await
    .expect("bounded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_renewal_keeps_the_current_key_and_tries_again() {
    tokio::time::timeout(LIMIT, async {
        let (addr, state) = server().await;
        // The renewal comes 5 s before the key expires; the retry half-way to the expiry.
        let (client, mut updates) = connect(addr, short_pfs_options()).await.unwrap();
        let perm = client.perm_auth_key().unwrap().id();
        let first_key = client.auth_key_id();
        state.refuse_bindings(1);
        let seen = wait_for(&mut updates, |u| matches!(u, Update::RenewalFailed { .. })).await;
        let Some(Update::RenewalFailed { reason }) = seen.last() else { unreachable!() };
        assert!(reason.contains("TEMP_AUTH_KEY_ALREADY_BOUND"), "{reason}");
        // Back on the first key, which still works.
        assert_eq!(client.auth_key_id(), first_key);
        assert_eq!(ping(&client, 1).await.unwrap(), 1);
        let seen = wait_for(&mut updates, |u| matches!(u, Update::KeyRenewed { .. })).await;
        let Some(&Update::KeyRenewed { auth_key_id }) = seen.last() else { unreachable!() };
        assert_ne!(auth_key_id, first_key);
        assert_eq!(state.binding(auth_key_id), Some(perm));
        assert_eq!(state.bindings_refused(), 1);
        assert_eq!(ping(&client, 2).await.unwrap(), 2);
        assert_eq!(client.reconnects(), 0);
    })
    .await
    .expect("bounded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn renewals_refused_until_the_key_runs_out_close_the_client() {
    tokio::time::timeout(LIMIT, async {
        let (addr, state) = server().await;
        let (client, mut updates) = connect(addr, short_pfs_options()).await.unwrap();
        state.refuse_bindings(u32::MAX);
        let seen = until_closed(&mut updates).await;
        let failed = seen.iter().filter(|u| matches!(u, Update::RenewalFailed { .. })).count();
        assert!(failed >= 1, "{seen:?}");
        let Some(Update::Closed { reason }) = seen.last() else { unreachable!() };
        assert!(reason.contains("TEMP_AUTH_KEY_ALREADY_BOUND"), "{reason}");
        assert!(matches!(ping(&client, 1).await, Err(Error::Closed)));
    })
    .await
    .expect("bounded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_temporary_key_the_server_forgot_is_replaced_after_a_reconnect() {
    tokio::time::timeout(LIMIT, async {
        let (proxy, state) = proxied_server().await;
        let (client, mut updates) = connect_and_ping(proxy.addr, options(true)).await;
        let (old, perm) = (client.auth_key_id(), client.perm_auth_key().unwrap().id());
        proxy.mute();
        let pending = spawn_ping(&client, 7);
        tokio::time::sleep(Duration::from_millis(100)).await;
        // The server drops the temporary key (as when it expires) while the link is down: the
        // reconnect's first message gets -404, so a new temporary key is made and bound, and
        // the request in flight goes out again on it.
        state.forget_key(old);
        proxy.cut();
        // Requests made meanwhile wait for the new key's binding, then go out.
        let later = {
            let c = client.clone();
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(20)).await;
                ping(&c, 9).await
            })
        };
        assert_eq!(pending.await.unwrap().unwrap(), 7);
        assert_eq!(later.await.unwrap().unwrap(), 9);
        let seen = wait_for(&mut updates, |u| matches!(u, Update::KeyRenewed { .. })).await;
        assert!(
            seen.iter().any(|u| matches!(u, Update::Disconnected { reason } if reason.contains("-404"))),
            "{seen:?}"
        );
        let new = client.auth_key_id();
        assert_ne!(new, old);
        assert_eq!(state.binding(new), Some(perm));
        assert_eq!(client.state(), State::Connected);
        assert_eq!(ping(&client, 8).await.unwrap(), 8);
    })
    .await
    .expect("bounded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_hanging_up_after_disconnect_delay_is_reconnected() {
    tokio::time::timeout(LIMIT, async {
        let (addr, state) = server().await;
        let mut o = options(false);
        // Pings come less often than the disconnect_delay they ask for: the server hangs up
        // after each, and the client comes back.
        o.keep_alive = Some(KeepAlive {
            interval: Duration::from_millis(1500),
            disconnect_delay: 1,
            pong_timeout: Duration::from_secs(20),
        });
        let (client, mut updates) = connect(addr, o).await.unwrap();
        let seen = until_reconnected(&mut updates).await;
        assert!(seen.iter().any(|u| matches!(u, Update::Disconnected { .. })), "{seen:?}");
        assert_eq!(ping(&client, 4).await.unwrap(), 4);
        assert!(state.connections() >= 2);
        assert_eq!(client.state(), State::Connected);
    })
    .await
    .expect("bounded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_request_fails_alone() {
    tokio::time::timeout(LIMIT, async {
        let (addr, _) = server().await;
        let (client, _) = connect(addr, options(false)).await.unwrap();
        let pending = spawn_ping(&client, 7);
        let bad = client.invoke_raw(vec![1, 2, 3]).await;
        assert!(matches!(bad, Err(Error::Request(RequestError::Invalid(_)))), "{bad:?}");
        // 17 MiB that gzip cannot shrink: refused, no panic in the session task.
        let mut noise = vec![0u8; 17 << 20];
        mtproto_runtime::Random::fill(&mut OsRandom::new(), &mut noise);
        let huge = client.invoke_raw(noise).await;
        assert!(matches!(huge, Err(Error::Request(RequestError::Invalid(_)))), "{huge:?}");
        assert_eq!(pending.await.unwrap().unwrap(), 7);
        assert_eq!(ping(&client, 8).await.unwrap(), 8);
        assert_eq!(client.state(), State::Connected);
    })
    .await
    .expect("bounded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn close_ends_the_client_for_every_clone() {
    tokio::time::timeout(LIMIT, async {
        let (addr, _) = server().await;
        let (client, mut updates) = connect(addr, options(false)).await.unwrap();
        let other = client.clone();
        assert_eq!(ping(&client, 1).await.unwrap(), 1);
        client.close();
        let seen = until_closed(&mut updates).await;
        assert_eq!(seen.last(), Some(&Update::Closed { reason: "closed by the client".into() }));
        assert!(matches!(ping(&other, 2).await, Err(Error::Closed)));
        assert_eq!(other.state(), State::Closed);
        assert_eq!(other.close_reason().as_deref(), Some("closed by the client"));
        // The task is gone: nothing more comes.
        assert_eq!(updates.recv().await, None);
    })
    .await
    .expect("bounded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_every_client_while_reconnecting_ends_the_task() {
    tokio::time::timeout(LIMIT, async {
        let (proxy, _) = proxied_server().await;
        let mut o = options(false);
        o.reconnect = Reconnect {
            max_attempts: 50,
            initial_delay: Duration::from_secs(30),
            max_delay: Duration::from_secs(30),
        };
        let (client, mut updates) = connect_and_ping(proxy.addr, o).await;
        // Nothing listens any more: every reconnect is refused, and then waits 30 s.
        proxy.set_upstream("127.0.0.1:1".parse().unwrap());
        proxy.cut();
        until_disconnected(&mut updates).await;
        drop(client);
        let seen = until_closed(&mut updates).await;
        assert!(matches!(seen.last(), Some(Update::Closed { .. })));
        assert_eq!(updates.recv().await, None);
    })
    .await
    .expect("bounded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_peer_that_never_answers_the_exchange_times_out() {
    tokio::time::timeout(LIMIT, async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        // Accepts and holds the connection, says nothing.
        tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((stream, _)) = listener.accept().await {
                held.push(stream);
            }
        });
        let mut o = options(false);
        o.handshake_timeout = Duration::from_millis(300);
        let r = connect(addr, o).await;
        assert!(matches!(r, Err(Error::HandshakeTimeout)), "{:?}", r.map(|_| ()));
    })
    .await
    .expect("bounded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn options_that_cannot_work_are_refused_before_connecting() {
    // Nothing listens there: the refusal must come first.
    let nowhere: SocketAddr = "127.0.0.1:1".parse().unwrap();
    for expires_in in [0, -5] {
        let mut o = options(true);
        o.handshake.temp_key_expires_in = Some(expires_in);
        assert!(matches!(connect(nowhere, o).await, Err(Error::InvalidOptions(_))));
    }
    let mut o = options(false);
    o.kind = Kind::Full;
    o.obfuscated = true;
    let r = connect(nowhere, o).await;
    assert!(matches!(&r, Err(Error::InvalidOptions(why)) if why.contains("Full")), "{:?}", r.map(|_| ()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duration_max_means_never() {
    tokio::time::timeout(LIMIT, async {
        let (addr, _) = server().await;
        let mut o = options(false);
        o.keep_alive =
            Some(KeepAlive { interval: Duration::MAX, pong_timeout: Duration::MAX, ..KeepAlive::default() });
        o.ack_delay = Duration::MAX;
        o.handshake_timeout = Duration::MAX;
        let (client, _) = connect(addr, o).await.unwrap();
        for i in 0..3 {
            assert_eq!(ping(&client, i).await.unwrap(), i);
        }
        assert_eq!(client.state(), State::Connected);
    })
    .await
    .expect("bounded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reconnected_means_the_server_answered_even_without_keep_alive() {
    tokio::time::timeout(LIMIT, async {
        let (real, _) = server().await;
        let proxy = Proxy::start(real).await;
        let mut o = options(false);
        o.keep_alive = None;
        let (client, mut updates) = connect_and_ping(proxy.addr, o).await;
        // The next connections lead to a peer that accepts and says nothing.
        let hole = TcpListener::bind("127.0.0.1:0").await.unwrap();
        proxy.set_upstream(hole.local_addr().unwrap());
        let (held_tx, mut held) = tokio::sync::mpsc::unbounded_channel();
        tokio::spawn(async move {
            while let Ok((stream, _)) = hole.accept().await {
                let _ = held_tx.send(stream);
            }
        });
        proxy.cut();
        until_disconnected(&mut updates).await;
        let _silent = held.recv().await.unwrap();
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(client.state(), State::Reconnecting, "a connection nobody answers on is not Connected");
        // Its probe goes unanswered (15 s) and the link is replaced, this time by the server.
        proxy.set_upstream(real);
        let seen = until_reconnected(&mut updates).await;
        assert!(!seen.iter().any(|u| matches!(u, Update::Closed { .. })), "{seen:?}");
        assert_eq!(client.state(), State::Connected);
        assert_eq!(ping(&client, 2).await.unwrap(), 2);
    })
    .await
    .expect("bounded");
}

/// An http_wait sent as a request: the test server never answers it, and bounces it back as an
/// update (`tag` tells the updates apart).
fn unanswered(tag: i32) -> Vec<u8> {
    tl_codec::to_bytes(&mtproto_runtime::schema::types::HttpWait {
        max_delay: tag,
        wait_after: 0,
        max_wait: 0,
    })
}

/// [`unanswered`] requests, one for each of `tags`, each on a task of its own and given up after
/// `limit`.
fn spawn_unanswered(
    client: &Client,
    tags: std::ops::Range<i32>,
    limit: Duration,
) -> Vec<JoinHandle<Result<Vec<u8>, Error>>> {
    tags.map(|i| {
        let c = client.clone();
        tokio::spawn(async move { c.invoke_raw_timeout(unanswered(i), limit).await })
    })
    .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_times_out_and_is_forgotten() {
    tokio::time::timeout(LIMIT, async {
        let (proxy, state) = proxied_server().await;
        let (client, mut updates) = connect_and_ping(proxy.addr, options(false)).await;
        let limit = Duration::from_millis(200);
        match client.invoke_raw_timeout(unanswered(1), limit).await {
            Err(Error::RequestTimeout { limit: l }) => assert_eq!(l, limit),
            other => panic!("expected RequestTimeout, got {other:?}"),
        }
        // The session task lets go of it, without a reconnect to clean up.
        until(|| client.requests_in_flight() == 0).await;
        assert_eq!(client.state(), State::Connected);
        assert_eq!(ping(&client, 2).await.unwrap(), 2);
        // A limit that leaves time for the answer changes nothing; any limit is accepted.
        let pong = client.invoke_timeout(&functions::Ping { ping_id: 3 }, Duration::from_secs(30)).await;
        assert_eq!(decode_result::<functions::Ping>(&pong.unwrap()).unwrap().ping_id, 3);
        assert!(client.invoke_timeout(&functions::Ping { ping_id: 4 }, Duration::MAX).await.is_ok());
        match client.invoke_timeout(&functions::Ping { ping_id: 5 }, Duration::ZERO).await {
            Ok(_) | Err(Error::RequestTimeout { .. }) => {}
            Err(e) => panic!("{e}"),
        }
        // Forgotten by the session too: after a reconnect it is not sent again (the server
        // would bounce it a second time and count it).
        until(|| client.requests_in_flight() == 0).await;
        let requests = state.requests();
        proxy.cut();
        until_reconnected(&mut updates).await;
        // This ping goes out after anything resent, so its pong means the server saw it all.
        assert_eq!(ping(&client, 6).await.unwrap(), 6);
        assert_eq!(state.requests(), requests);

        // A default limit for every request of a client.
        let mut o = options(false);
        o.request_timeout = Some(limit);
        let (client, _updates) = connect(proxy.addr, o).await.unwrap();
        assert!(matches!(client.invoke_raw(unanswered(2)).await, Err(Error::RequestTimeout { .. })));
        assert_eq!(ping(&client, 7).await.unwrap(), 7);
        until(|| client.requests_in_flight() == 0).await;
    })
    .await
    .expect("bounded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_invoke_is_withdrawn_at_once() {
    tokio::time::timeout(LIMIT, async {
        let (addr, _) = server().await;
        let (client, _updates) = connect_and_ping(addr, options(false)).await;
        // Cut short by an outer timeout, by select!, and by aborting its task.
        let outer = tokio::time::timeout(Duration::from_millis(100), client.invoke_raw(unanswered(1))).await;
        assert!(outer.is_err());
        tokio::select! {
            _ = client.invoke_raw(unanswered(2)) => panic!("never answered"),
            () = tokio::time::sleep(Duration::from_millis(100)) => {}
        }
        let task = spawn_invoke_raw(&client, unanswered(3));
        until(|| client.requests_in_flight() == 1).await;
        task.abort();
        let _ = task.await;
        until(|| client.requests_in_flight() == 0).await;
        // Many at once, while answered requests go on around them.
        let calls = spawn_unanswered(&client, 0..50, Duration::from_millis(50));
        assert_eq!(ping(&client, 2).await.unwrap(), 2);
        for call in calls {
            assert!(matches!(call.await.unwrap(), Err(Error::RequestTimeout { .. })));
        }
        until(|| client.requests_in_flight() == 0).await;
        assert_eq!(ping(&client, 3).await.unwrap(), 3);
    })
    .await
    .expect("bounded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_updates_channel_drops_updates_not_answers() {
    tokio::time::timeout(LIMIT, async {
        let (addr, _) = server().await;
        let mut o = options(false);
        o.updates_capacity = 4;
        let (client, mut updates) = connect(addr, o).await.unwrap();
        // Nobody reads: new_session_created and 10 bounced updates meet a channel of 4.
        let calls = spawn_unanswered(&client, 0..10, Duration::from_millis(300));
        until(|| client.updates_dropped() == 7).await;
        // Answers still flow.
        assert_eq!(ping(&client, 1).await.unwrap(), 1);
        for call in calls {
            assert!(matches!(call.await.unwrap(), Err(Error::RequestTimeout { .. })));
        }
        // The channel holds the first four; the gap is announced as soon as there is room,
        // before anything later.
        let mut seen = Vec::new();
        for _ in 0..5 {
            seen.push(updates.recv().await.unwrap());
        }
        assert!(matches!(seen[0], Update::NewSession { .. }), "{seen:?}");
        assert!(seen[1..4].iter().all(|u| matches!(u, Update::Message(_))), "{seen:?}");
        assert_eq!(seen[4], Update::Missed { count: 7 });
        // Then updates flow again.
        client.invoke_raw_timeout(unanswered(99), Duration::from_millis(300)).await.unwrap_err();
        assert_eq!(updates.recv().await.unwrap(), Update::Message(unanswered(99)));
        assert_eq!(client.updates_dropped(), 7);
        assert_eq!(ping(&client, 2).await.unwrap(), 2);
    })
    .await
    .expect("bounded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closed_is_delivered_through_a_full_updates_channel() {
    tokio::time::timeout(LIMIT, async {
        let (addr, _) = server().await;
        let mut o = options(false);
        o.updates_capacity = 2;
        let (client, mut updates) = connect(addr, o).await.unwrap();
        for i in 0..5 {
            spawn_invoke_raw(&client, unanswered(i));
        }
        until(|| client.updates_dropped() == 4).await;
        client.close();
        until(|| client.state() == State::Closed).await;
        let mut seen = Vec::new();
        while let Some(u) = updates.recv().await {
            seen.push(u);
        }
        assert_eq!(seen.len(), 4, "{seen:?}");
        assert_eq!(seen[2], Update::Missed { count: 4 });
        assert_eq!(seen[3], Update::Closed { reason: "closed by the client".into() });
    })
    .await
    .expect("bounded");
}

#[tokio::test]
async fn an_updates_capacity_that_cannot_work_is_refused() {
    for capacity in [0, mtproto_runtime::net::MAX_UPDATES_CAPACITY + 1, usize::MAX] {
        let mut o = options(false);
        o.updates_capacity = capacity;
        // Refused before dialing: the address is never used.
        match connect("127.0.0.1:9", o).await {
            Err(Error::InvalidOptions(why)) => assert!(why.contains("updates_capacity"), "{why}"),
            other => panic!("expected InvalidOptions, got {:?}", other.map(|_| ())),
        }
    }
}

#[tokio::test]
async fn keep_alive_settings_that_cannot_work_are_refused() {
    use mtproto_runtime::net::MIN_KEEP_ALIVE;
    let under = MIN_KEEP_ALIVE - Duration::from_nanos(1);
    let base = KeepAlive::default();
    for k in [
        KeepAlive { interval: Duration::ZERO, ..base.clone() },
        KeepAlive { interval: under, ..base.clone() },
        KeepAlive { pong_timeout: Duration::ZERO, ..base.clone() },
        KeepAlive { disconnect_delay: 0, ..base.clone() },
        KeepAlive { disconnect_delay: -5, ..base.clone() },
    ] {
        let mut o = options(false);
        o.keep_alive = Some(k.clone());
        // Refused before dialing: the address is never used.
        match connect("127.0.0.1:9", o).await {
            Err(Error::InvalidOptions(why)) => assert!(why.contains("keep_alive"), "{why}"),
            other => panic!("{k:?}: expected InvalidOptions, got {:?}", other.map(|_| ())),
        }
    }
    // The floor itself gets as far as dialing.
    let mut o = options(false);
    o.keep_alive =
        Some(KeepAlive { interval: MIN_KEEP_ALIVE, pong_timeout: MIN_KEEP_ALIVE, disconnect_delay: 1 });
    o.reconnect = Reconnect::never();
    o.connect_timeout = Duration::from_secs(5);
    if let Err(Error::InvalidOptions(why)) = connect("127.0.0.1:9", o).await {
        panic!("the floor refused: {why}");
    }
}

#[tokio::test]
async fn a_state_request_interval_that_cannot_work_is_refused() {
    use mtproto_runtime::session::MIN_STATE_REQUEST_AFTER;
    let tiny = [Duration::ZERO, Duration::from_nanos(1), MIN_STATE_REQUEST_AFTER - Duration::from_nanos(1)];
    for after in tiny {
        let mut o = options(false);
        o.state_request_after = Some(after);
        // Refused before dialing: the address is never used.
        match connect("127.0.0.1:9", o).await {
            Err(Error::InvalidOptions(why)) => assert!(why.contains("state_request_after"), "{why}"),
            other => panic!("{after:?}: expected InvalidOptions, got {:?}", other.map(|_| ())),
        }
    }
    // The floor itself, "never" and off are accepted: the connect gets as far as dialing.
    for after in [Some(MIN_STATE_REQUEST_AFTER), Some(Duration::MAX), None] {
        let mut o = options(false);
        o.state_request_after = after;
        o.reconnect = Reconnect::never();
        o.connect_timeout = Duration::from_secs(5);
        match connect("127.0.0.1:9", o).await {
            Err(Error::InvalidOptions(why)) => panic!("{after:?} refused: {why}"),
            Err(_) => {}
            Ok(_) => panic!("nothing listens on port 9"),
        }
    }
}

/// msg_resend_req is a service message: the test server answers it itself (here with
/// msgs_state_info, since it never sent the message asked for), and never hands it to its owner
/// as a request, which would echo it back as if it were that request's answer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_test_server_serves_msg_resend_req_itself() {
    tokio::time::timeout(LIMIT, async {
        let (addr, state) = server().await;
        let (client, _updates) = connect_and_ping(addr, options(false)).await;
        let requests = state.requests();
        let never_sent = (1i64 << 32) | 1;
        let ask =
            tl_codec::to_bytes(&mtproto_runtime::schema::types::MsgResendReq { msg_ids: vec![never_sent] });
        // Sent the way a request is, so it goes out exactly as given: nothing answers it as one.
        match client.invoke_raw_timeout(ask, Duration::from_millis(500)).await {
            Err(Error::RequestTimeout { .. }) => {}
            other => panic!("expected no answer, got {other:?}"),
        }
        // The server read it before this ping, which came after it on the connection.
        assert_eq!(ping(&client, 2).await.unwrap(), 2);
        assert_eq!(state.resend_requests(), 1);
        assert_eq!(state.requests(), requests, "not a request for the owner");
    })
    .await
    .expect("bounded");
}

/// A stand-in for `invokeWithLayer(230, initConnection(api_id 4, …))` with its query left out:
/// the session and the test server only compare bytes.
const INIT_PREFIX: [u8; 20] =
    [0x0d, 0x0d, 0x9b, 0xda, 230, 0, 0, 0, 0xa9, 0x5e, 0xcd, 0xc1, 0, 0, 0, 0, 4, 0, 0, 0];

/// A test server that wants [`INIT_PREFIX`] before the first request on each key, as
/// Telegram's servers want initConnection.
async fn init_server(state: &ServerState) -> SocketAddr {
    serve(ServeOptions { init_prefix: Some(INIT_PREFIX.to_vec()), ..serve_options(state) }).await
}

/// An echoed request: the test server answers it with its own body.
async fn echo(client: &Client, i: u8) -> Result<Vec<u8>, Error> {
    client.invoke_raw(vec![0x44, 0x33, 0x22, 0x11, i, 0, 0, 0]).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_init_prefix_goes_with_the_first_request_and_again_after_a_reconnect() {
    tokio::time::timeout(LIMIT, async {
        let state = ServerState::default();
        let proxy = Proxy::start(init_server(&state).await).await;
        for pfs in [false, true] {
            let mut o = options(pfs);
            o.init_prefix = Some(INIT_PREFIX.to_vec());
            let (client, mut updates) = connect(proxy.addr, o).await.unwrap();
            let before = state.init_prefixed();
            // The binding (under PFS) went out bare; the first request carries the prefix, and
            // its answer is the query's own.
            assert_eq!(echo(&client, 1).await.unwrap(), [0x44, 0x33, 0x22, 0x11, 1, 0, 0, 0]);
            assert_eq!(state.init_prefixed(), before + 1);
            assert_eq!(echo(&client, 2).await.unwrap()[4], 2);
            assert_eq!(state.init_prefixed(), before + 1, "answered once: no longer needed");
            // The link is cut: after the reconnect the prefix goes again.
            proxy.cut();
            until_reconnected(&mut updates).await;
            assert_eq!(echo(&client, 3).await.unwrap()[4], 3);
            assert_eq!(state.init_prefixed(), before + 2);
            assert_eq!(echo(&client, 4).await.unwrap()[4], 4);
            assert_eq!(state.init_prefixed(), before + 2);
            assert_eq!(state.not_inited(), 0);
            // Pings went bare (the test server answers them itself), and measured the round trip.
            assert_eq!(ping(&client, 5).await.unwrap(), 5);
            assert!(client.rtt().is_some());
            // A prefix set anew goes with the next request, once answered; one `connect` would
            // refuse is refused.
            client.set_init_prefix(Some(INIT_PREFIX.to_vec())).unwrap();
            assert_eq!(echo(&client, 6).await.unwrap()[4], 6);
            assert_eq!(echo(&client, 7).await.unwrap()[4], 7);
            assert_eq!(state.init_prefixed(), before + 3);
            assert!(matches!(client.set_init_prefix(Some(vec![1, 2, 3])), Err(Error::InvalidOptions(_))));
        }
        // A client without the prefix is refused, as Telegram refuses one that never sent
        // initConnection.
        let (bare, _updates) = connect(proxy.addr, options(false)).await.unwrap();
        assert_eq!(bare.rtt(), None, "nothing measured yet");
        match echo(&bare, 1).await {
            Err(Error::Request(RequestError::Rpc(e))) => assert_eq!(e.message, "CONNECTION_NOT_INITED"),
            other => panic!("expected CONNECTION_NOT_INITED, got {other:?}"),
        }
        assert_eq!(state.not_inited(), 1);
    })
    .await
    .expect("bounded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_after_a_renewed_temporary_key_carry_the_init_prefix() {
    tokio::time::timeout(LIMIT, async {
        let state = ServerState::default();
        let addr = init_server(&state).await;
        let mut o = short_pfs_options();
        o.init_prefix = Some(INIT_PREFIX.to_vec());
        let (client, mut updates) = connect(addr, o).await.unwrap();
        assert_eq!(echo(&client, 1).await.unwrap()[4], 1);
        let before = state.init_prefixed();
        // The server wants initConnection again on the new key: the runtime sends it, so no
        // request fails in between.
        wait_for(&mut updates, |u| matches!(u, Update::KeyRenewed { .. })).await;
        assert_eq!(echo(&client, 2).await.unwrap()[4], 2);
        assert_eq!(echo(&client, 3).await.unwrap()[4], 3);
        assert_eq!(state.init_prefixed(), before + 1);
        assert_eq!(state.not_inited(), 0);
    })
    .await
    .expect("bounded");
}

#[tokio::test]
async fn an_init_prefix_that_cannot_work_is_refused() {
    for prefix in [vec![], vec![1, 2, 3], vec![0; 6], vec![0; 16 << 20]] {
        let mut o = options(false);
        o.init_prefix = Some(prefix.clone());
        // Refused before dialing: the address is never used.
        match connect("127.0.0.1:9", o).await {
            Err(Error::InvalidOptions(why)) => assert!(why.contains("init_prefix"), "{why}"),
            other => panic!("{} bytes: expected InvalidOptions, got {:?}", prefix.len(), other.map(|_| ())),
        }
    }
}

/// The rpc_error a request failed with.
fn rpc_error(result: Result<Vec<u8>, Error>) -> RpcError {
    match result {
        Err(e) if e.rpc().is_some() => e.rpc().cloned().expect("an rpc_error"),
        other => panic!("expected an rpc_error, got {other:?}"),
    }
}

/// A result that is not the function's answer (the test server echoes an id it does not know)
/// is `Error::Decode` through `?`, with the bytes kept.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_result_that_does_not_decode_is_a_decode_error() {
    tokio::time::timeout(LIMIT, async {
        let (addr, _) = server().await;
        let (client, _updates) = connect(addr, options(false)).await.unwrap();
        let echoed = [0x0bad_0bad_u32.to_le_bytes(), 7u32.to_le_bytes()].concat();
        let typed = async {
            let raw = client.invoke_raw(echoed.clone()).await?;
            Ok::<_, Error>(decode_result::<functions::Ping>(&raw)?.ping_id)
        };
        match typed.await {
            Err(Error::Decode(e)) => assert_eq!(e.raw, echoed),
            other => panic!("{other:?}"),
        }
    })
    .await
    .expect("bounded");
}

/// `pq` of the canned `resPQ`.
const PQ: &[u8] = &[0x17, 0xed, 0x48, 0x94, 0x1a, 0x08, 0xf9, 0x81];

/// Canned answers to three of `mtproto.tl`'s functions (any generated function would do: these
/// are the ones the runtime has bindings for): `req_pq_multi` typed, `destroy_session` typed with
/// an rpc_error for session 1 and a panic for session 0, `req_DH_params` answered with bytes
/// borrowed from the request.
fn canned() -> Answers {
    Answers::new()
        .on::<functions::ReqPqMulti>(|req| Ok(Box::new(types::ResPq::new(req.nonce, [7; 16], PQ, vec![-5]))))
        .on::<functions::DestroySession>(|req| match req.session_id {
            0 => panic!("a bug in a handler (this panic is part of the test)"),
            // Longer than the client sits out by default (60 s): the caller gets it.
            1 => Err(RpcError::new(420, "FLOOD_WAIT_3600")),
            id => {
                Ok(enums::DestroySessionRes::DestroySessionNone(types::DestroySessionNone { session_id: id }))
            }
        })
        .on_query::<functions::ReqDhParams<'static>>(|q| {
            let req: functions::ReqDhParams<'_> = q.decode()?;
            Ok(enums::ServerDhParams::Ok(types::ServerDhParamsOk {
                nonce: req.nonce,
                server_nonce: req.server_nonce,
                encrypted_answer: req.encrypted_data,
            }))
        })
}

async fn destroy_session(client: &Client, session_id: i64) -> Result<Vec<u8>, Error> {
    client.invoke(&functions::DestroySession { session_id }).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn future_salts_are_fetched_once_with_the_first_requests() {
    tokio::time::timeout(LIMIT, async {
        let (addr, state) = server().await;
        let (client, _updates) = connect(addr, options(false)).await.unwrap();
        for i in 0..5 {
            assert_eq!(echo(&client, i).await.unwrap()[4], i);
        }
        // Asked for with a request (32 salts, 16 hours), not again while they last.
        until(|| state.future_salts_asked() == 1).await;
        assert_eq!(echo(&client, 9).await.unwrap()[4], 9);
        assert_eq!(state.future_salts_asked(), 1);
        assert_eq!(client.requests_in_flight(), 0, "the session's own question is no caller's");
    })
    .await
    .expect("bounded");
}

/// A server that answers the requests with constructor id 0x51050002 with `FLOOD_WAIT_1` the
/// first `n` times, then echoes them; and how many it answered.
async fn flooding_server(n: u32) -> (SocketAddr, Arc<AtomicU32>) {
    let asked = Arc::new(AtomicU32::new(0));
    let seen = asked.clone();
    let answers = Answers::new().on_raw(0x5105_0002, move |body| {
        if seen.fetch_add(1, Ordering::SeqCst) < n {
            Err(RpcError::new(420, "FLOOD_WAIT_1"))
        } else {
            Ok(body.to_vec())
        }
    });
    (serve(ServeOptions { answers, ..serve_options(&ServerState::default()) }).await, asked)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_short_flood_wait_is_sat_out_and_the_caller_gets_the_answer() {
    tokio::time::timeout(LIMIT, async {
        let body = [0x5105_0002u32.to_le_bytes(), 5u32.to_le_bytes()].concat();
        // By default (up to 60 s) the client waits and asks again, twice here.
        let (addr, asked) = flooding_server(2).await;
        let (client, _updates) = connect(addr, options(false)).await.unwrap();
        let started = std::time::Instant::now();
        assert_eq!(client.invoke_raw(body.clone()).await.unwrap(), body);
        assert_eq!(asked.load(Ordering::SeqCst), 3);
        assert!(started.elapsed() >= Duration::from_secs(2), "each wait sat out");
        // Turned off: the caller gets the error at once.
        let (addr, asked) = flooding_server(1).await;
        let mut o = options(false);
        o.flood_sleep_threshold = Duration::ZERO;
        let (client, _updates) = connect(addr, o).await.unwrap();
        let e = rpc_error(client.invoke_raw(body.clone()).await);
        assert_eq!((e.code, e.flood_wait()), (420, Some(1)));
        assert_eq!(asked.load(Ordering::SeqCst), 1);
        // A request timeout counts while it waits.
        let (addr, asked) = flooding_server(u32::MAX).await;
        let (client, _updates) = connect(addr, options(false)).await.unwrap();
        let r = client.invoke_raw_timeout(body, Duration::from_millis(1500)).await;
        assert!(matches!(r, Err(Error::RequestTimeout { .. })), "{r:?}");
        assert!((1..=2).contains(&asked.load(Ordering::SeqCst)));
    })
    .await
    .expect("bounded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn canned_answers_are_decoded_as_the_functions_return() {
    tokio::time::timeout(LIMIT, async {
        let state = ServerState::default();
        let addr = serve(ServeOptions { answers: canned(), ..serve_options(&state) }).await;
        let (client, _updates) = connect(addr, options(false)).await.unwrap();
        let raw = client.invoke(&functions::ReqPqMulti { nonce: [3; 16] }).await.unwrap();
        let res = decode_result::<functions::ReqPqMulti>(&raw).unwrap();
        assert_eq!(*res, types::ResPq::new([3; 16], [7; 16], PQ, vec![-5]));
        // An answer borrowed from the request.
        let dh = functions::ReqDhParams::new([1; 16], [2; 16], b"p", b"q", 3, b"encrypted data");
        let raw = client.invoke(&dh).await.unwrap();
        match decode_result::<functions::ReqDhParams<'_>>(&raw).unwrap() {
            enums::ServerDhParams::Ok(ok) => assert_eq!(ok.encrypted_answer, b"encrypted data"),
            other => panic!("{other:?}"),
        }
        let raw = destroy_session(&client, 5).await.unwrap();
        assert_eq!(
            decode_result::<functions::DestroySession>(&raw).unwrap(),
            enums::DestroySessionRes::DestroySessionNone(types::DestroySessionNone { session_id: 5 })
        );
        // An rpc_error answer is the client's rpc error.
        let e = rpc_error(destroy_session(&client, 1).await);
        assert_eq!((e.code, e.flood_wait()), (420, Some(3600)));
        // A request without a handler is echoed, as without answers.
        assert_eq!(echo(&client, 1).await.unwrap(), [0x44, 0x33, 0x22, 0x11, 1, 0, 0, 0]);
        // A body that is not the function the handler takes: rpc_error 400, no panic.
        let mut bad = functions::ReqPqMulti::CONSTRUCTOR_ID.to_le_bytes().to_vec();
        bad.extend([0; 8]);
        assert_eq!(rpc_error(client.invoke_raw(bad).await), RpcError::new(400, INPUT_FETCH_ERROR));
        assert_eq!(state.answered(), 5);
        assert_eq!(state.handler_panics(), 0);
        assert_eq!(client.state(), State::Connected);
    })
    .await
    .expect("bounded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_handler_fails_its_request_alone() {
    tokio::time::timeout(LIMIT, async {
        let state = ServerState::default();
        let addr = serve(ServeOptions { answers: canned(), ..serve_options(&state) }).await;
        let (client, _updates) = connect(addr, options(false)).await.unwrap();
        let (other, _other_updates) = connect(addr, options(true)).await.unwrap();
        // A request in flight on the other connection while the handler panics.
        let busy = other.clone();
        let pending = tokio::spawn(async move { destroy_session(&busy, 6).await });
        assert_eq!(rpc_error(destroy_session(&client, 0).await), RpcError::new(500, HANDLER_PANICKED));
        assert!(pending.await.unwrap().is_ok());
        assert_eq!(state.handler_panics(), 1);
        // Both connections live on, and the handler answers again.
        for c in [&client, &other] {
            assert_eq!(ping(c, 2).await.unwrap(), 2);
            assert!(destroy_session(c, 7).await.is_ok());
            assert_eq!(c.state(), State::Connected);
        }
        assert_eq!(state.connections(), 2, "no reconnect");
    })
    .await
    .expect("bounded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn canned_answers_reach_through_the_init_prefix_and_wrappers() {
    tokio::time::timeout(LIMIT, async {
        let state = ServerState::default();
        let answers = canned();
        let addr =
            serve(ServeOptions { init_prefix: Some(INIT_PREFIX.to_vec()), answers, ..serve_options(&state) })
                .await;
        let mut o = options(false);
        o.init_prefix = Some(INIT_PREFIX.to_vec());
        let (client, _updates) = connect(addr, o).await.unwrap();
        let raw = client.invoke(&functions::ReqPqMulti { nonce: [4; 16] }).await.unwrap();
        assert_eq!(decode_result::<functions::ReqPqMulti>(&raw).unwrap().nonce, [4; 16]);
        assert_eq!(state.init_prefixed(), 1);
        // invokeWithLayer(230, invokeWithoutUpdates(req_pq_multi)), wrapped by hand.
        let mut wrapped = Vec::new();
        wrapped.extend(0xda9b0d0du32.to_le_bytes());
        wrapped.extend(230u32.to_le_bytes());
        wrapped.extend(0xbf9459b7u32.to_le_bytes());
        wrapped.extend(tl_codec::to_bytes(&functions::ReqPqMulti { nonce: [5; 16] }));
        let raw = client.invoke_raw(wrapped).await.unwrap();
        assert_eq!(decode_result::<functions::ReqPqMulti>(&raw).unwrap().nonce, [5; 16]);
        // A wrapper around a request without a handler is echoed whole.
        let mut unhandled = Vec::new();
        unhandled.extend(0xbf9459b7u32.to_le_bytes());
        unhandled.extend([0x44, 0x33, 0x22, 0x11, 9, 0, 0, 0]);
        assert_eq!(client.invoke_raw(unhandled.clone()).await.unwrap(), unhandled);
        assert_eq!(state.answered(), 2);
        assert_eq!(state.not_inited(), 0);
    })
    .await
    .expect("bounded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_a_client_would_misread_are_refused_as_invalid() {
    tokio::time::timeout(LIMIT, async {
        let word = |id: u32| id.to_le_bytes().to_vec();
        // A result that packs to more than the server would gzip (did it not come packed
        // already): bytes that hardly compress.
        let mut x = 1u32;
        let noise = (0..4096).map(|_| {
            x = x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (x >> 24) as u8
        });
        let long: Vec<u8> = word(0x1122_3344).into_iter().chain(noise).collect();
        let packed = wire::gzip(&long).unwrap();
        assert!(packed.len() > 1024);
        let answers = Answers::new()
            // The rpc_error id alone, and an rpc_error whose string runs past the end.
            .on_raw(1, move |_| Ok(word(wire::RPC_ERROR)))
            .on_raw(2, move |_| Ok([word(wire::RPC_ERROR), word(400), word(200)].concat()))
            // The session's own wrappers as a result.
            .on_raw(3, move |_| Ok([word(wire::RPC_RESULT), vec![0; 12]].concat()))
            .on_raw(4, move |_| Ok([word(wire::MSG_CONTAINER), word(0)].concat()))
            // gzip_packed garbage, and one inside another.
            .on_raw(5, move |_| Ok([word(wire::GZIP_PACKED), word(4), word(0x0403_0201)].concat()))
            .on_raw(6, move |_| Ok(wire::gzip(&wire::gzip(&word(7)).unwrap()).unwrap()))
            // A whole rpc_error is the client's rpc error, a well-formed gzip_packed its result.
            .on_raw(7, move |_| Err(RpcError::new(400, "")))
            .on_raw(8, move |_| Ok(packed.clone()));
        let state = ServerState::default();
        let addr = serve(ServeOptions { answers, ..serve_options(&state) }).await;
        let (client, _updates) = connect(addr, options(false)).await.unwrap();
        for id in 1u32..=6 {
            let answer = client.invoke_raw([word(id), word(0)].concat()).await;
            assert_eq!(rpc_error(answer), RpcError::new(500, ANSWER_INVALID), "{id}");
        }
        assert_eq!(rpc_error(client.invoke_raw([word(7), word(0)].concat()).await), RpcError::new(400, ""));
        assert_eq!(client.invoke_raw([word(8), word(0)].concat()).await.unwrap(), long);
        assert_eq!(state.answered(), 8);
        // The client's side: a request with no handler is echoed unchecked, and the echo of the
        // rpc_error id alone is a result the client cannot read, not an Ok.
        match client.invoke_raw(word(wire::RPC_ERROR)).await {
            Err(Error::Request(RequestError::MalformedResult { raw, .. })) => {
                assert_eq!(raw, word(wire::RPC_ERROR))
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(client.state(), State::Connected);
    })
    .await
    .expect("bounded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pushed_updates_reach_the_clients() {
    tokio::time::timeout(LIMIT, async {
        let state = ServerState::default();
        // A handler that pushes an update before it answers (it runs with the session unlocked).
        let pusher = state.clone();
        let answers = Answers::new().on::<functions::DestroySession>(move |req| {
            assert_eq!(pusher.push_update(update_short(100)), Ok(2));
            Ok(enums::DestroySessionRes::DestroySessionOk(types::DestroySessionOk {
                session_id: req.session_id,
            }))
        });
        let addr = serve(ServeOptions { answers, ..serve_options(&state) }).await;
        let (client, mut updates) = connect(addr, options(false)).await.unwrap();
        let (other, mut other_updates) = connect(addr, options(true)).await.unwrap();
        // Each connection serves its session once the server has had a message on it (for
        // `other`, under PFS, the binding already).
        assert_eq!(ping(&client, 1).await.unwrap(), 1);
        assert_eq!(ping(&other, 1).await.unwrap(), 1);

        // To one session: only its client gets it, unasked.
        let to = (client.auth_key_id(), client.session_id());
        assert_eq!(state.push_update_to(to.0, to.1, update_short(1)), Ok(true));
        until_message(&mut updates, update_short(1)).await;
        // To every live session, the other client on its temporary key too.
        assert_eq!(state.push_update(update_short(2)), Ok(2));
        until_message(&mut updates, update_short(2)).await;
        let seen = until_message(&mut other_updates, update_short(2)).await;
        assert!(!seen.contains(&Update::Message(update_short(1))), "{seen:?}");
        // From a handler, along with its answer.
        assert!(destroy_session(&client, 3).await.is_ok());
        until_message(&mut updates, update_short(100)).await;
        until_message(&mut other_updates, update_short(100)).await;
        assert_eq!(state.pushed(), 5);

        // What cannot go out as a message, or that a client would not read as one, is
        // refused, saying why; a key the server does not know gets nothing.
        assert!(state.push_update(vec![1, 2, 3]).is_err());
        assert!(state.push_update(Vec::new()).is_err());
        let garbage = [wire::GZIP_PACKED.to_le_bytes(), 4u32.to_le_bytes(), [1, 2, 3, 4]].concat();
        let refused = state.push_update_to(to.0, to.1, garbage).unwrap_err();
        assert!(refused.to_string().contains("gzip_packed"), "{refused}");
        let container = [wire::MSG_CONTAINER.to_le_bytes(), [0; 4]].concat();
        assert!(state.push_update(container).unwrap_err().to_string().contains("msg_container"));
        // A well-formed gzip_packed update arrives inflated.
        assert_eq!(state.push_update_to(to.0, to.1, wire::gzip(&update_short(6)).unwrap()), Ok(true));
        until_message(&mut updates, update_short(6)).await;
        assert_eq!(state.push_update_to(to.0 ^ 1, to.1, update_short(3)), Ok(false));
        assert_eq!(state.pushed(), 6);
        // Answers flow as before.
        assert_eq!(ping(&client, 2).await.unwrap(), 2);
        assert_eq!(ping(&other, 2).await.unwrap(), 2);

        // Once its connection is gone, a session gets nothing from push_update, and keeps what
        // push_update_to gives it.
        client.close();
        let closed_session = (client.auth_key_id(), client.session_id());
        until(|| state.push_update(update_short(4)) == Ok(1)).await;
        assert_eq!(state.push_update_to(closed_session.0, closed_session.1, update_short(5)), Ok(true));
    })
    .await
    .expect("bounded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_push_right_after_connect_waits_for_the_clients_first_message() {
    tokio::time::timeout(LIMIT, async {
        let (addr, state) = server().await;
        let (client, mut updates) = connect(addr, options(false)).await.unwrap();
        // Without PFS the server has had no message on the session yet: no connection serves
        // it, so push_update reaches no one; push_update_to keeps what it is given for it.
        assert_eq!(state.push_update(update_short(1)), Ok(0));
        let to = (client.auth_key_id(), client.session_id());
        assert_eq!(state.push_update_to(to.0, to.1, update_short(2)), Ok(true));
        assert_eq!(state.push_update_to(to.0, to.1, update_short(3)), Ok(true));
        // Counted as pushed once the session takes them, when it starts.
        assert_eq!(state.pushed(), 0);
        // The first request starts the session: the two follow new_session_created, in order.
        assert_eq!(ping(&client, 1).await.unwrap(), 1);
        assert_eq!(state.pushed(), 2);
        let seen = until_message(&mut updates, update_short(3)).await;
        let seen: Vec<&Update> = seen.iter().filter(|u| !matches!(u, Update::Missed { .. })).collect();
        assert!(matches!(seen[..], [Update::NewSession { .. }, _, _]), "{seen:?}");
        assert_eq!(seen[1..], [&Update::Message(update_short(2)), &Update::Message(update_short(3))]);
        // Served now: push_update reaches it.
        assert_eq!(state.push_update(update_short(4)), Ok(1));
        until_message(&mut updates, update_short(4)).await;

        // The bounds. 256 sessions not yet seen may have messages waiting (any session id on a
        // key the server made: it cannot tell a wrong one); past that, the one pushed to least
        // recently loses them, and the push goes through.
        let (quiet, mut quiet_updates) = connect(addr, options(false)).await.unwrap();
        let unseen = (quiet.auth_key_id(), quiet.session_id());
        for session_id in 1..=256 {
            assert_eq!(state.push_update_to(unseen.0, session_id, update_short(0)), Ok(true));
        }
        // 64 messages for one session, then an error (nothing kept).
        for date in 0..64 {
            assert_eq!(state.push_update_to(unseen.0, unseen.1, update_short(date)), Ok(true));
        }
        let refused = state.push_update_to(unseen.0, unseen.1, update_short(64)).unwrap_err();
        assert!(refused.to_string().contains("64 messages"), "{refused}");
        assert_eq!(state.pushes_dropped(), 1, "session 1's message, to make room");
        // A key the server never made: nothing kept.
        assert_eq!(state.push_update_to(unseen.0 ^ 1, unseen.1, update_short(0)), Ok(false));
        assert_eq!(state.pushed(), 3);
        // The 64 arrive once the client speaks, none lost.
        assert_eq!(ping(&quiet, 2).await.unwrap(), 2);
        assert_eq!(state.pushed(), 3 + 64);
        let seen = until_message(&mut quiet_updates, update_short(63)).await;
        let dates: Vec<&Update> = seen.iter().filter(|u| matches!(u, Update::Message(_))).collect();
        assert_eq!(dates.len(), 64, "{seen:?}");

        // Under PFS, connect returns once the binding is answered: served at once.
        let (pfs, mut pfs_updates) = connect(addr, options(true)).await.unwrap();
        assert_eq!(state.push_update(update_short(5)), Ok(3));
        until_message(&mut pfs_updates, update_short(5)).await;
        assert_eq!(pfs.state(), State::Connected);
    })
    .await
    .expect("bounded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_client_is_reached_however_many_unseen_sessions_were_pushed_to_before() {
    tokio::time::timeout(LIMIT, async {
        let (addr, state) = server().await;
        let (gone, _gone_updates) = connect(addr, options(false)).await.unwrap();
        // Sessions no client will start, on a key the server accepts: the wait-list is full.
        for session_id in 1000..1256 {
            assert_eq!(state.push_update_to(gone.auth_key_id(), session_id, update_short(1)), Ok(true));
        }
        drop(gone);
        // A new client's session still gets what is pushed to it right after connect: the
        // session pushed to least recently makes room.
        let (client, mut updates) = connect(addr, options(false)).await.unwrap();
        let to = (client.auth_key_id(), client.session_id());
        assert_eq!(state.push_update_to(to.0, to.1, update_short(2)), Ok(true));
        assert_eq!(state.pushes_dropped(), 1);
        assert_eq!(ping(&client, 1).await.unwrap(), 1);
        until_message(&mut updates, update_short(2)).await;
        assert_eq!(state.pushed(), 1);
    })
    .await
    .expect("bounded");
}

/// A handler still running when the client gives its connection up: its answer goes out on
/// the connection the client came back on, not into the one it left, and the request completes
/// (before, it was written to the dead connection, and the client, told the request was still
/// being worked on, waited for it for good).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_made_after_a_reconnect_goes_out_on_the_new_connection() {
    tokio::time::timeout(LIMIT, async {
        let state = ServerState::default();
        let started = Arc::new(AtomicBool::new(false));
        let (seen, handler_state) = (started.clone(), state.clone());
        let answers = Answers::new().on_raw(0x5105_0000, move |body| {
            seen.store(true, Ordering::SeqCst);
            // Answers only once the client is back on a second connection.
            let until = std::time::Instant::now() + Duration::from_secs(10);
            while handler_state.connections() < 2 && std::time::Instant::now() < until {
                std::thread::sleep(Duration::from_millis(10));
            }
            std::thread::sleep(Duration::from_millis(200));
            Ok(body.to_vec())
        });
        let proxy = Proxy::start(serve(ServeOptions { answers, ..serve_options(&state) }).await).await;
        let (client, mut updates) = connect(proxy.addr, options(false)).await.unwrap();
        let body = [0x5105_0000u32.to_le_bytes(), 7u32.to_le_bytes()].concat();
        let call = {
            let (client, body) = (client.clone(), body.clone());
            tokio::spawn(async move { client.invoke_raw_timeout(body, Duration::from_secs(20)).await })
        };
        until(|| started.load(Ordering::SeqCst)).await;
        proxy.cut();
        until_reconnected(&mut updates).await;
        assert_eq!(call.await.unwrap().unwrap(), body);
        assert_eq!(state.answered(), 1, "run once");
    })
    .await
    .expect("bounded");
}

/// A handler for `id` that answers with the request's body once `release` is set (or after
/// 20 s), and sets `started` when it begins.
fn held_answers(id: u32, started: Arc<AtomicBool>, release: Arc<AtomicBool>) -> Answers {
    Answers::new().on_raw(id, move |body| {
        started.store(true, Ordering::SeqCst);
        let until = std::time::Instant::now() + Duration::from_secs(20);
        while !release.load(Ordering::SeqCst) && std::time::Instant::now() < until {
            std::thread::sleep(Duration::from_millis(10));
        }
        Ok(body.to_vec())
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_lets_the_requests_in_flight_finish_and_refuses_new_ones() {
    tokio::time::timeout(LIMIT, async {
        let state = ServerState::default();
        let (started, release) = (Arc::new(AtomicBool::new(false)), Arc::new(AtomicBool::new(false)));
        let answers = held_answers(0x5105_0001, started.clone(), release.clone());
        let addr = serve(ServeOptions { answers, ..serve_options(&state) }).await;
        let mut o = options(false);
        // The answer's acknowledgement is still owed at the close, which sends it.
        (o.keep_alive, o.ack_delay) = (None, Duration::from_secs(3600));
        let (client, mut updates) = connect(addr, o).await.unwrap();
        let body = [0x5105_0001u32.to_le_bytes(), 9u32.to_le_bytes()].concat();
        let call = spawn_invoke_raw(&client, body.clone());
        until(|| started.load(Ordering::SeqCst)).await;
        assert!(!client.is_shutting_down());
        let shutdown = client.shutdown(Duration::from_secs(60));
        // Begun with the call, before the future is polled; the connection is still up.
        assert!(client.is_shutting_down());
        assert_eq!(client.state(), State::Connected);
        let shutdown = tokio::spawn(shutdown);
        // Requests made once the shutdown began fail at once. (The server answers nothing on
        // this connection while the handler runs: those made before it time out.)
        let pong = tl_codec::to_bytes(&functions::Ping { ping_id: 1 });
        loop {
            match client.invoke_raw_timeout(pong.clone(), Duration::from_millis(50)).await {
                Err(Error::RequestTimeout { .. }) => continue,
                Err(Error::Closed) => break,
                other => panic!("{other:?}"),
            }
        }
        // The request in flight holds the connection open.
        assert!(!call.is_finished() && !shutdown.is_finished());
        assert_eq!(client.state(), State::Connected);
        let acks = state.acks();
        release.store(true, Ordering::SeqCst);
        assert_eq!(call.await.unwrap().unwrap(), body);
        assert_eq!(shutdown.await.unwrap(), 0, "every request had its answer");
        until(|| state.acks() > acks).await;
        // Closed now: waiting for it returns at once, and the updates end as after `close`.
        client.closed().await;
        assert_eq!(client.state(), State::Closed);
        assert_eq!(client.close_reason().as_deref(), Some("closed by the client"));
        let seen = until_closed(&mut updates).await;
        assert_eq!(seen.last(), Some(&Update::Closed { reason: "closed by the client".into() }));
        assert_eq!(updates.recv().await, None);
        assert_eq!(state.answered(), 1);
        // A second shutdown, or a close, of a closed client returns at once.
        assert_eq!(client.shutdown(Duration::MAX).await, 0);
        client.close();
    })
    .await
    .expect("bounded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_fails_what_is_still_unanswered_at_its_limit() {
    tokio::time::timeout(LIMIT, async {
        let (addr, state) = server().await;
        let mut o = options(false);
        // The pong's acknowledgement is still owed when the limit ends the shutdown.
        (o.keep_alive, o.ack_delay) = (None, Duration::from_secs(3600));
        let (client, _updates) = connect_and_ping(addr, o).await;
        let acks = state.acks();
        // (The count catches up with the ping's answer a moment after the caller got it.)
        until(|| client.requests_in_flight() == 0).await;
        let call = spawn_invoke_raw(&client, unanswered(1));
        until(|| client.requests_in_flight() == 1).await;
        assert_eq!(client.shutdown(Duration::from_millis(200)).await, 1, "one request cut short");
        assert!(matches!(call.await.unwrap(), Err(Error::Closed)));
        until(|| state.acks() > acks).await;
        assert_eq!(client.requests_in_flight(), 0);
        assert_eq!(client.close_reason().as_deref(), Some("closed by the client"));

        // `closed` waits for a plain `close` as well.
        let (client, _updates) = connect(addr, options(false)).await.unwrap();
        let waiter = tokio::spawn(client.closed());
        assert_eq!(ping(&client, 2).await.unwrap(), 2);
        assert!(!waiter.is_finished());
        client.close();
        waiter.await.unwrap();
        assert_eq!(client.state(), State::Closed);
    })
    .await
    .expect("bounded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_while_reconnecting_ends_at_its_limit() {
    tokio::time::timeout(LIMIT, async {
        let (mut proxy, _) = proxied_server().await;
        let mut o = options(false);
        // Never gives up by itself within the test.
        o.reconnect.max_attempts = u32::MAX;
        let (client, mut updates) = connect_and_ping(proxy.addr, o).await;
        until(|| client.requests_in_flight() == 0).await;
        let call = spawn_invoke_raw(&client, unanswered(1));
        until(|| client.requests_in_flight() == 1).await;
        proxy.shutdown().await;
        until_disconnected(&mut updates).await;
        assert_eq!(client.shutdown(Duration::from_millis(300)).await, 1);
        assert!(matches!(call.await.unwrap(), Err(Error::Closed)));
        assert_eq!(client.close_reason().as_deref(), Some("closed by the client"));
    })
    .await
    .expect("bounded");
}

/// A proxy for the intermediate transport that, once `replay` is set, sends every frame from
/// the server to the client twice, and sends the frames put in `inject` (payloads) to the
/// client ahead of the server's next frame.
async fn replaying_proxy(
    upstream: SocketAddr,
    replay: Arc<AtomicBool>,
    inject: Arc<Mutex<Vec<Vec<u8>>>>,
) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let Ok(server) = TcpStream::connect(upstream).await else { continue };
            let (cr, cw) = client.into_split();
            let (mut sr, sw) = server.into_split();
            tokio::spawn(common::forward(cr, sw));
            let (replay, inject) = (replay.clone(), inject.clone());
            tokio::spawn(async move {
                let mut cw = cw;
                loop {
                    let mut len = [0u8; 4];
                    if sr.read_exact(&mut len).await.is_err() {
                        return;
                    }
                    let n = u32::from_le_bytes(len);
                    // A quick acknowledgement is the length word alone.
                    let mut frame = len.to_vec();
                    if n & 0x8000_0000 == 0 {
                        frame.resize(4 + n as usize, 0);
                        if sr.read_exact(&mut frame[4..]).await.is_err() {
                            return;
                        }
                    }
                    let injected: Vec<Vec<u8>> = std::mem::take(&mut *inject.lock().unwrap());
                    for payload in injected {
                        let framed = [(payload.len() as u32).to_le_bytes().to_vec(), payload].concat();
                        if cw.write_all(&framed).await.is_err() {
                            return;
                        }
                    }
                    let copies = if replay.load(Ordering::SeqCst) { 2 } else { 1 };
                    for _ in 0..copies {
                        if cw.write_all(&frame).await.is_err() {
                            return;
                        }
                    }
                }
            });
        }
    });
    addr
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replayed_frames_are_dropped_and_counted() {
    tokio::time::timeout(LIMIT, async {
        let (replay, inject) = (Arc::new(AtomicBool::new(false)), Arc::new(Mutex::new(Vec::new())));
        let (upstream, _) = server().await;
        let addr = replaying_proxy(upstream, replay.clone(), inject.clone()).await;
        let (client, _updates) = connect_and_ping(addr, options(false)).await;
        assert_eq!((client.rejected_frames(), client.last_rejection()), (0, None));
        replay.store(true, Ordering::SeqCst);
        // Each answer arrives twice; the copy is refused, and the connection goes on.
        assert_eq!(ping(&client, 2).await.unwrap(), 2);
        until(|| client.rejected_frames() >= 1).await;
        assert_eq!(ping(&client, 3).await.unwrap(), 3);
        until(|| client.rejected_frames() >= 2).await;
        let why = client.last_rejection().expect("a reason");
        assert!(why.contains("msg_id"), "{why}");
        // An unencrypted frame outside a key exchange (anyone on the path can make one).
        replay.store(false, Ordering::SeqCst);
        let rejected = client.rejected_frames();
        inject.lock().unwrap().push([[0u8; 8].as_slice(), &[7u8; 24]].concat());
        assert_eq!(ping(&client, 4).await.unwrap(), 4);
        until(|| client.rejected_frames() > rejected).await;
        assert!(client.last_rejection().unwrap().contains("unencrypted"));
        assert_eq!(client.state(), State::Connected);
        assert_eq!(client.reconnects(), 0);
    })
    .await
    .expect("bounded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invoke_map_reads_the_answer_in_place() {
    tokio::time::timeout(LIMIT, async {
        let addr = serve(ServeOptions { answers: canned(), ..ServeOptions::new(key()) }).await;
        let (client, _updates) = connect(addr, options(false)).await.unwrap();
        let ping_id = client.invoke_map(&functions::Ping { ping_id: 7 }, |pong| pong.ping_id).await.unwrap();
        assert_eq!(ping_id, 7);
        // Borrowed parts of the answer are read while it is alive.
        let dh = functions::ReqDhParams::new([1; 16], [2; 16], b"p", b"q", 3, b"encrypted data");
        let answer = client
            .invoke_map(&dh, |answer| match answer {
                enums::ServerDhParams::Ok(ok) => ok.encrypted_answer.to_vec(),
                other => panic!("{other:?}"),
            })
            .await
            .unwrap();
        assert_eq!(answer, b"encrypted data");
        // An rpc_error is the request's error.
        let e = client.invoke_map(&functions::DestroySession { session_id: 1 }, |_| ()).await.unwrap_err();
        assert_eq!(e.rpc().map(|e| e.code), Some(420));
    })
    .await
    .expect("bounded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_test_servers_knobs_take_the_first_request_of_a_session_too() {
    tokio::time::timeout(LIMIT, async {
        let (addr, state) = server().await;
        let (client, mut updates) = connect(addr, options(false)).await.unwrap();
        // The client's first encrypted message, which names its session, carries this request.
        state.hang_up_before_answering(1);
        let body = vec![0x44, 0x33, 0x22, 0x11, 1, 2, 3, 4];
        assert_eq!(client.invoke_raw(body.clone()).await.unwrap(), body);
        assert_eq!(state.hung_up(), 1);
        until_reconnected(&mut updates).await;
        // A request lost on the way, the first of a new client's session: found by its
        // msgs_state_req and sent again.
        let mut o = options(false);
        o.state_request_after = Some(Duration::from_millis(200));
        let (client, _updates) = connect(addr, o).await.unwrap();
        state.lose_requests(1);
        assert_eq!(client.invoke_raw(body.clone()).await.unwrap(), body);
        assert_eq!(state.lost(), 1);
    })
    .await
    .expect("bounded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn waiting_for_the_close_does_not_keep_the_connection_open() {
    tokio::time::timeout(LIMIT, async {
        let (addr, _) = server().await;
        let (client, mut updates) = connect(addr, options(false)).await.unwrap();
        let waiter = tokio::spawn(client.closed());
        assert_eq!(ping(&client, 1).await.unwrap(), 1);
        // Every client dropped: the connection closes, and the wait ends.
        drop(client);
        waiter.await.unwrap();
        let seen = until_closed(&mut updates).await;
        assert_eq!(seen.last(), Some(&Update::Closed { reason: "the session task ended".into() }));
    })
    .await
    .expect("bounded");
}

/// A port that accepts nothing: its accept queue is full, so the kernel leaves new
/// connections' SYNs unanswered and a dial to it hangs. Returns what keeps it so.
async fn black_hole(port: SocketAddr) -> (tokio::net::TcpListener, Vec<TcpStream>) {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_reuseaddr(true).unwrap();
    socket.bind(port).unwrap();
    let hole = socket.listen(0).unwrap();
    let mut fillers = Vec::new();
    for _ in 0..4 {
        if let Ok(Ok(s)) = tokio::time::timeout(Duration::from_millis(300), TcpStream::connect(port)).await {
            fillers.push(s);
        }
    }
    (hole, fillers)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn close_shutdown_and_dropping_are_heeded_while_a_reconnect_dials() {
    tokio::time::timeout(LIMIT, async {
        for how in ["close", "shutdown", "drop"] {
            let (upstream, _) = server().await;
            // A one-link forwarder on a port of its own, which then turns into a black hole.
            let front = tokio::net::TcpSocket::new_v4().unwrap();
            front.set_reuseaddr(true).unwrap();
            front.bind("127.0.0.1:0".parse().unwrap()).unwrap();
            let port = front.local_addr().unwrap();
            let listener = front.listen(16).unwrap();
            let forward = tokio::spawn(async move {
                let (c, _) = listener.accept().await.unwrap();
                let s = TcpStream::connect(upstream).await.unwrap();
                let ((mut cr, mut cw), (mut sr, mut sw)) = (c.into_split(), s.into_split());
                let _ = tokio::join!(tokio::io::copy(&mut cr, &mut sw), tokio::io::copy(&mut sr, &mut cw));
            });
            let mut o = options(false);
            // Far past the test's bound: only heeding the client ends the dial in time.
            (o.connect_timeout, o.reconnect.max_attempts) = (Duration::from_secs(3600), u32::MAX);
            let (client, mut updates) = connect_and_ping(port, o).await;
            forward.abort();
            tokio::time::sleep(Duration::from_millis(50)).await;
            let _hole = black_hole(port).await;
            until_disconnected(&mut updates).await;
            // The first reconnect attempt (which goes at once) is dialing by now.
            tokio::time::sleep(Duration::from_millis(200)).await;
            match how {
                "close" => {
                    client.close();
                    client.closed().await;
                }
                "shutdown" => assert_eq!(client.shutdown(Duration::from_secs(3600)).await, 0),
                _ => drop(client),
            }
            let seen = until_closed(&mut updates).await;
            assert!(matches!(seen.last(), Some(Update::Closed { .. })), "{how}");
        }
    })
    .await
    .expect("bounded");
}
