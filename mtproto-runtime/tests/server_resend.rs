//! The test server keeps answers and updates until the client acknowledges them, as a real
//! server does, and when the client comes back on a new connection of its session sends again
//! the answers it did not acknowledge and announces the updates (`msg_new_detailed_info`, which
//! has the client acknowledge those it has and ask for the others): live, over loopback TCP,
//! through a proxy that loses, one way or both, what the test says. No timing assertions:
//! every wait is bounded by a generous timeout. Also what the server keeps is bounded and its
//! drops counted, a frame left unread on a connection the client gave up is dropped rather
//! than run late, and updates pushed across a PFS key renewal all arrive.

mod common;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::{
    connect_and_ping, ping, proxied_server, serve, serve_options, spawn_invoke_raw, until_message,
    until_polling, until_reconnected, update_short, Proxy,
};
use mtproto_runtime::net::{connect, Answers, ConnectOptions, Reconnect, ServeOptions, ServerState, Update};
use mtproto_runtime::session::server::UNACKED_KEPT;
use mtproto_runtime::transport::Kind;

const LIMIT: Duration = Duration::from_secs(30);

/// Without PFS; reconnecting at once, then after `delay` between attempts; asking about a
/// request long unanswered only after 10 s, longer than any of these tests takes.
fn options(delay: Duration) -> ConnectOptions {
    let mut o = common::client_options(Kind::Intermediate);
    o.reconnect = Reconnect { max_attempts: 5, initial_delay: delay, max_delay: delay };
    o.state_request_after = Some(Duration::from_secs(10));
    // These tests count what the server sends again exactly: no answer of its own besides.
    o.future_salts = 0;
    o
}

/// Waits until `cond` holds, polling every 5 ms; the caller's timeout bounds it.
async fn until(cond: impl Fn() -> bool) {
    until_polling(Duration::from_millis(5), cond).await
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
        let proxy = Proxy::start(serve(ServeOptions { answers, ..serve_options(&state) }).await).await;
        let (client, _updates) = connect_and_ping(proxy.addr, options(Duration::from_millis(50))).await;
        let body = [0x5e5e_0000u32.to_le_bytes(), 7u32.to_le_bytes()].concat();
        let call = spawn_invoke_raw(&client, body.clone());
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
        assert_eq!(ping(&client, 2).await.unwrap(), 2);
        proxy.cut();
        until(|| state.connections() == 3).await;
        assert_eq!(ping(&client, 3).await.unwrap(), 3);
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
        let (proxy, state) = proxied_server().await;
        let (client, mut updates) = connect_and_ping(proxy.addr, options(Duration::from_millis(50))).await;
        proxy.mute_down();
        let before = proxy.swallowed_down();
        assert_eq!(
            state.push_update_to(client.auth_key_id(), client.session_id(), update_short(1)),
            Ok(true)
        );
        until(|| proxy.swallowed_down() > before).await;
        proxy.cut();
        let seen = until_message(&mut updates, update_short(1)).await;
        assert!(seen.iter().any(|u| matches!(u, Update::Reconnected { .. })), "{seen:?}");
        assert_eq!((state.resent(), state.resend_requests()), (1, 1), "announced, then asked for");
        // Nothing more of it: a round trip later, no second copy.
        assert_eq!(ping(&client, 2).await.unwrap(), 2);
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
        let (proxy, state) = proxied_server().await;
        let mut o = options(Duration::from_millis(50));
        o.ack_delay = Duration::ZERO;
        let (client, mut updates) = connect_and_ping(proxy.addr, o).await;
        proxy.mute_up();
        let before = proxy.swallowed_up();
        assert_eq!(
            state.push_update_to(client.auth_key_id(), client.session_id(), update_short(2)),
            Ok(true)
        );
        let mut seen = until_message(&mut updates, update_short(2)).await;
        until(|| proxy.swallowed_up() > before).await;
        proxy.cut();
        seen.extend(until_reconnected(&mut updates).await);
        assert_eq!(ping(&client, 2).await.unwrap(), 2);
        assert_eq!((state.resent(), state.resend_requests()), (1, 0), "announced, not asked for");
        proxy.cut();
        seen.extend(until_reconnected(&mut updates).await);
        assert_eq!(ping(&client, 3).await.unwrap(), 3);
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

/// A request (an echo, its runs counted) sent while the server's connection task was held up
/// by a slow handler waits unread in the server's socket when the link is cut. Back on a new
/// connection, the client asks about it, hears it never came, and sends it again, which runs.
/// When the old connection's task is done with the handler, the first copy, read late off a
/// connection the client gave up, is dropped unread (`stale_frames`), not run a second time.
/// Both callers get their answers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_left_unread_on_a_connection_given_up_runs_once() {
    tokio::time::timeout(LIMIT, async {
        const SLOW: u32 = 0x5e5e_0001;
        const ECHO: u32 = 0x5e5e_0000;
        let state = ServerState::default();
        let (entered, runs) = (Arc::new(AtomicBool::new(false)), Arc::new(AtomicU64::new(0)));
        let (seen, counted) = (entered.clone(), runs.clone());
        let answers = Answers::new()
            .on_raw(SLOW, move |body| {
                seen.store(true, Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(500));
                Ok(body.to_vec())
            })
            .on_raw(ECHO, move |body| {
                counted.fetch_add(1, Ordering::SeqCst);
                Ok(body.to_vec())
            });
        let proxy = Proxy::start(serve(ServeOptions { answers, ..serve_options(&state) }).await).await;
        let (client, _updates) = connect_and_ping(proxy.addr, options(Duration::from_millis(20))).await;
        let slow_body = [SLOW.to_le_bytes(), 1u32.to_le_bytes()].concat();
        let slow = spawn_invoke_raw(&client, slow_body.clone());
        until(|| entered.load(Ordering::SeqCst)).await;
        let before = proxy.passed_up();
        let echo_body = [ECHO.to_le_bytes(), 7u32.to_le_bytes()].concat();
        let echo = spawn_invoke_raw(&client, echo_body.clone());
        // Written whole into the server's socket, where it waits behind the handler.
        until(|| proxy.passed_up() > before).await;
        proxy.cut();
        assert_eq!(echo.await.unwrap().unwrap(), echo_body);
        assert_eq!(slow.await.unwrap().unwrap(), slow_body);
        // The old connection's task reads the first copy once its handler is done: dropped,
        // or (as before) run.
        until(|| state.stale_frames() > 0 || runs.load(Ordering::SeqCst) > 1).await;
        assert_eq!(runs.load(Ordering::SeqCst), 1, "run once");
        assert_eq!(state.stale_frames(), 1);
        assert!(state.state_requests() >= 1, "asked about on the new connection");
        assert_eq!(state.connections(), 2);
        // The session goes on as ever on the new connection.
        assert_eq!(ping(&client, 2).await.unwrap(), 2);
        assert_eq!(state.unacked_dropped(), 0);
    })
    .await
    .expect("bounded");
}

/// Pushes `n` updates into a link swallowing what the server sends, cuts it, and collects what
/// surfaces once the client is back and a round trip later: how often each one did.
async fn swallowed_updates_then_cut(n: i32) -> (ServerState, std::collections::HashMap<i32, u32>) {
    let (proxy, state) = proxied_server().await;
    let mut o = options(Duration::from_millis(20));
    o.updates_capacity = 10_000;
    let (client, mut updates) = connect_and_ping(proxy.addr, o).await;
    proxy.mute_down();
    let before = proxy.swallowed_down();
    for date in 1..=n {
        let pushed = state.push_update_to(client.auth_key_id(), client.session_id(), update_short(date));
        assert_eq!(pushed, Ok(true));
    }
    // Until the server has written them all: nothing more comes for a while.
    until(|| proxy.swallowed_down() > before).await;
    loop {
        let so_far = proxy.swallowed_down();
        tokio::time::sleep(Duration::from_millis(100)).await;
        if proxy.swallowed_down() == so_far {
            break;
        }
    }
    proxy.cut();
    until_reconnected(&mut updates).await;
    // Announced, asked for and sent again: two round trips, which a third follows.
    for id in 2..=4 {
        assert_eq!(ping(&client, id).await.unwrap(), id);
    }
    let mut got = std::collections::HashMap::new();
    while let Ok(u) = updates.try_recv() {
        if let Update::Message(body) = u {
            let date = i32::from_le_bytes(body[8..12].try_into().unwrap());
            *got.entry(date).or_insert(0) += 1;
        }
    }
    (state, got)
}

/// 100 updates swallowed, then the link cut: each arrives once when the client is back
/// (announced, asked for, sent again). 64 were all the server kept once; none is dropped now.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_updates_lost_with_a_connection_all_arrive_once() {
    tokio::time::timeout(LIMIT, async {
        let (state, got) = swallowed_updates_then_cut(100).await;
        let missing: Vec<i32> = (1..=100).filter(|d| !got.contains_key(d)).collect();
        assert!(missing.is_empty(), "missing {missing:?}");
        assert!(got.values().all(|&c| c == 1), "{got:?}");
        assert_eq!(state.resent(), 100, "each announced");
        assert_eq!(state.unacked_dropped(), 0);
    })
    .await
    .expect("bounded");
}

/// More updates swallowed than a session keeps until acknowledged (`UNACKED_KEPT`, 1024, apart
/// from its answers), then the link cut: the oldest beyond the bound were dropped before the
/// client acknowledged them, which `unacked_dropped` counts, and never arrive; the others are
/// announced, and the client, which remembers the 2048 latest msg_ids it received
/// (announcements included), asks for every one of them: all those kept arrive, once each.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn more_updates_lost_with_a_connection_than_are_kept_are_counted() {
    tokio::time::timeout(LIMIT, async {
        let over = 76;
        let n = UNACKED_KEPT as i32 + over;
        let (state, got) = swallowed_updates_then_cut(n).await;
        assert_eq!(state.unacked_dropped(), over as u64);
        assert_eq!(state.resent(), UNACKED_KEPT as u64, "the others announced");
        assert!(got.values().all(|&c| c == 1), "{got:?}");
        let mut dates: Vec<i32> = got.into_keys().collect();
        dates.sort_unstable();
        let first_kept = over + 1;
        let arrived: Vec<i32> = (first_kept..first_kept + dates.len() as i32).collect();
        assert_eq!(dates, arrived, "the oldest kept, from the first after those dropped");
        assert_eq!(dates.len(), UNACKED_KEPT, "every update kept arrived");
    })
    .await
    .expect("bounded");
}

/// Updates pushed every millisecond across a PFS key renewal all arrive, once each. The client
/// moves its session to the new key as it reads the exchange's last answer, and reads nothing
/// sent on the old key after it: the server sends what the old session has queued before that
/// answer, and what is pushed to the old session after it goes out on the new one. Nothing the
/// server sent was refused by the client. A 7 s key, renewed 3.5 s before its end: the debug
/// build's exchange takes most of a second, and the renewal is scheduled to the second, so a
/// shorter life could see the old key expire at the server first.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn updates_pushed_across_a_key_renewal_all_arrive_once() {
    tokio::time::timeout(LIMIT, async {
        let state = ServerState::default();
        let mut o = options(Duration::from_millis(20));
        o.handshake.temp_key_expires_in = Some(7);
        o.temp_key_renew_before = Duration::from_millis(3500);
        o.updates_capacity = 100_000;
        let (client, mut updates) = connect(serve(serve_options(&state)).await, o).await.unwrap();
        let first_key = client.auth_key_id();
        let reader = tokio::spawn(async move {
            let (mut got, mut renewed) = (std::collections::HashMap::new(), 0);
            while let Some(u) = updates.recv().await {
                match u {
                    Update::Message(body) => *got.entry(body).or_insert(0u32) += 1,
                    Update::KeyRenewed { .. } => renewed += 1,
                    Update::Closed { .. } => break,
                    _ => {}
                }
            }
            (got, renewed)
        });
        // From before the renewal starts until after the new key is bound.
        let (mut pushed, mut after_renewal) = (0, 0);
        while after_renewal < 100 {
            pushed += 1;
            assert_eq!(state.push_update(update_short(pushed)), Ok(1), "the one session served");
            if client.auth_key_id() != first_key {
                after_renewal += 1;
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        // A round trip on the new key, then everything pushed is in.
        assert_eq!(ping(&client, 1).await.unwrap(), 1);
        client.close();
        let (got, renewed) = reader.await.unwrap();
        assert_eq!(renewed, 1);
        let missing: Vec<i32> = (1..=pushed).filter(|d| !got.contains_key(&update_short(*d))).collect();
        assert!(missing.is_empty(), "{pushed} pushed, missing {missing:?}");
        assert!(got.values().all(|&c| c == 1), "each once");
        assert_eq!(got.len(), pushed as usize);
        assert_eq!(client.rejected_frames(), 0, "{:?}", client.last_rejection());
        assert_eq!(state.unacked_dropped(), 0);
    })
    .await
    .expect("bounded");
}
