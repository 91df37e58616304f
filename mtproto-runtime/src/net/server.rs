//! A loopback test server over tokio (features `tokio` and `server`): the handshake (as many as
//! the client asks for on one connection, permanent and temporary keys), keys and sessions
//! remembered across connections so clients can reconnect, the session (answers and updates
//! kept until acknowledged, and sent again when the client comes back, as a real server does),
//! `auth.bindTempAuthKey` checked, canned answers ([`Answers`]) and updates pushed by the test
//! ([`ServerState::push_update`]).

use std::collections::{HashMap, HashSet, VecDeque};
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tl_codec::Identifiable;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::sync::Notify;
use tokio::time::Instant;

use super::answers::{check_object, Answers, Place};
use super::{read_payload, send_plain, Error};
use crate::handshake::{
    verify_bind_temp_auth_key, Finished, RsaPrivateKey, ServerConfig, ServerHandshake, ServerStep,
};
use crate::schema::api::functions::auth::BindTempAuthKey;
use crate::schema::{functions, types};
use crate::session::server::{frame_session_id, ServerSession};
use crate::session::{Clock, MsgIds, SessionError, SystemClock};
use crate::transport::Transport;
use crate::{plain, AuthKey, OsRandom};

/// A key the server made.
#[derive(Debug, Clone)]
struct StoredKey {
    key: AuthKey,
    salt: i64,
    temp: bool,
    /// When a temporary key stops being accepted (server Unix time).
    expires_at: Option<i64>,
    /// Whether a session has run on it (bad_salt_once applies to the first only).
    used: bool,
}

#[derive(Debug, Default)]
struct Inner {
    keys: HashMap<u64, StoredKey>,
    /// temp auth_key_id → perm auth_key_id.
    bindings: HashMap<u64, u64>,
    /// Valid bindings still to refuse (`ServerState::refuse_bindings`).
    refuse_bindings: u32,
    /// How long a binding takes (`ServerState::answer_bindings_after`).
    binding_delay: Duration,
    connections: u64,
    bindings_refused: u64,
    pings: u64,
    acks: u64,
    requests: u64,
    /// Frames carrying a request still to lose (`ServerState::lose_requests`).
    to_lose: u32,
    lost: u64,
    state_requests: u64,
    resend_requests: u64,
    answer_requests: u64,
    /// Answers sent again and updates announced unasked ([`ServerState::resent`]).
    resent: u64,
    /// Frames carrying a request still to answer into the void before hanging up
    /// (`ServerState::hang_up_before_answering`).
    to_hang_up: u32,
    hung_up: u64,
    /// Frames carrying a request still to acknowledge before hanging up
    /// (`ServerState::acknowledge_then_hang_up`).
    to_ack_hang_up: u32,
    /// Frames whose requests are still to ask for again (`ServerState::ask_for_requests_again`).
    to_ask_again: u32,
    asked_again: u64,
    /// Requests that came with [`ServeOptions::init_prefix`].
    init_prefixed: u64,
    /// Requests refused with CONNECTION_NOT_INITED.
    not_inited: u64,
    /// Requests refused with AUTH_KEY_PERM_EMPTY ([`ServerState::unbound_refused`]).
    unbound_refused: u64,
    /// get_future_salts answered ([`ServerState::future_salts_asked`]).
    future_salts_asked: u64,
    /// Keys a request with the init prefix came on.
    inited: HashSet<u64>,
    /// Requests answered by a handler of [`ServeOptions::answers`].
    answered: u64,
    /// Handlers that panicked.
    handler_panics: u64,
    /// Messages queued on sessions by [`ServerState::push_update`] and
    /// [`ServerState::push_update_to`] (those waiting in `unseen` once a session takes them).
    pushed: u64,
    /// Messages dropped unsent from `unseen` ([`ServerState::pushes_dropped`]).
    pushes_dropped: u64,
    /// Answers and updates sessions kept until acknowledged and dropped before the client
    /// acknowledged them ([`ServerState::unacked_dropped`]).
    unacked_dropped: u64,
    /// Frames dropped unread on a connection older than the one their session is served on
    /// ([`ServerState::stale_frames`]).
    stale_frames: u64,
    /// The connections serving a session now, by connection number (the `connections` count
    /// when it was accepted): where pushed messages go.
    live: HashMap<u64, Live>,
    /// Sessions by (auth_key_id, session_id), kept across connections.
    sessions: HashMap<(u64, i64), Arc<Mutex<ServerSession<SystemClock>>>>,
    /// Messages pushed to sessions the server does not have, on a key it accepts
    /// ([`ServerState::push_update_to`]), by (auth_key_id, session_id): they go to the session
    /// when it starts. Bounded by [`UNSEEN_MESSAGES_KEPT`] and [`UNSEEN_BYTES_KEPT`] for one
    /// session, [`UNSEEN_SESSIONS_KEPT`] and [`UNSEEN_BYTES_TOTAL`] in all (`unseen_bytes`), and
    /// by how long a message waits (`unseen_wait`).
    unseen: HashMap<(u64, i64), Unseen>,
    /// The bytes of the messages in `unseen`, together.
    unseen_bytes: usize,
    /// Counts pushes into `unseen`: stamps which session was pushed to least recently.
    unseen_pushes: u64,
    /// How long a message waits in `unseen` ([`ServerState::keep_unseen_for`]); `None`:
    /// [`UNSEEN_WAIT`].
    unseen_wait: Option<Duration>,
    /// The keys of `sessions`, oldest first, to forget the oldest beyond [`SESSIONS_KEPT`].
    session_order: VecDeque<(u64, i64)>,
}

/// What waits for one session the server does not have ([`Inner::unseen`]).
#[derive(Debug, Default)]
struct Unseen {
    /// The messages, oldest first, each with when it was pushed.
    messages: VecDeque<(Instant, Vec<u8>)>,
    /// Their bytes, together.
    bytes: usize,
    /// The [`Inner::unseen_pushes`] count of the latest push to it.
    stamp: u64,
}

impl Inner {
    /// Drops from `unseen` (counted in `pushes_dropped`) the messages that have waited their
    /// time by `now`, and those for sessions on keys the server no longer accepts.
    fn prune_unseen(&mut self, now: Instant) {
        let now_secs = SystemClock.now().as_secs() as i64;
        let wait = self.unseen_wait.unwrap_or(UNSEEN_WAIT);
        let keys = &self.keys;
        let (mut dropped, mut freed) = (0, 0);
        self.unseen.retain(|&(key_id, _), waiting| {
            let accepted = accepted(keys.get(&key_id), now_secs);
            while let Some((pushed_at, body)) = waiting.messages.front() {
                if accepted && now.saturating_duration_since(*pushed_at) < wait {
                    break;
                }
                waiting.bytes -= body.len();
                freed += body.len();
                dropped += 1;
                waiting.messages.pop_front();
            }
            !waiting.messages.is_empty()
        });
        self.unseen_bytes -= freed;
        self.pushes_dropped += dropped;
    }

    /// The newest connection serving each session (only `to`, if given), with its number:
    /// where what is queued on a session goes out, since a client uses its latest connection
    /// and an older one may be on its way out.
    fn newest_live(&self, to: Option<(u64, i64)>) -> HashMap<(u64, i64), (u64, &Live)> {
        let mut newest: HashMap<(u64, i64), (u64, &Live)> = HashMap::new();
        for (&conn, live) in self.live.iter().filter(|(_, l)| to.is_none_or(|id| id == l.id)) {
            let slot = newest.entry(live.id).or_insert((conn, live));
            if conn > slot.0 {
                *slot = (conn, live);
            }
        }
        newest
    }

    /// Takes what waits for the session `id` out of `unseen`.
    fn take_unseen(&mut self, id: (u64, i64)) -> Option<Unseen> {
        let waiting = self.unseen.remove(&id)?;
        self.unseen_bytes -= waiting.bytes;
        Some(waiting)
    }
}

/// Whether the server accepts the key `stored` at server Unix time `now_secs`: it has it, and
/// a temporary one has not expired.
fn accepted(stored: Option<&StoredKey>, now_secs: i64) -> bool {
    stored.is_some_and(|k| k.expires_at.is_none_or(|t| now_secs < t))
}

/// A connection serving a session now.
#[derive(Debug)]
struct Live {
    /// The session's key in [`Inner::sessions`]: (auth_key_id, session_id).
    id: (u64, i64),
    session: Arc<Mutex<ServerSession<SystemClock>>>,
    /// Wakes the connection's task to send what was pushed.
    wake: Arc<Notify>,
}

/// Why [`ServerState::push_update`] or [`ServerState::push_update_to`] refused a message: it
/// cannot go out as one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushError(&'static str);

impl fmt::Display for PushError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl std::error::Error for PushError {}

/// How many sessions the test server keeps; the oldest are forgotten first (a server may
/// forget any session: the client's next message then gets new_session_created).
const SESSIONS_KEPT: usize = 256;

/// How many sessions not yet seen may have messages waiting ([`ServerState::push_update_to`]);
/// past it, the one pushed to least recently loses them.
const UNSEEN_SESSIONS_KEPT: usize = 256;
/// How many messages, and how many bytes, may wait for one session not yet seen; past either,
/// a push is refused.
const UNSEEN_MESSAGES_KEPT: usize = 64;
const UNSEEN_BYTES_KEPT: usize = 16 << 20;
/// How many bytes may wait for sessions not yet seen, together; past it, the sessions pushed
/// to least recently lose what waits for them.
const UNSEEN_BYTES_TOTAL: usize = 64 << 20;
/// How long a message waits for a session not yet seen, unless
/// [`ServerState::keep_unseen_for`] says otherwise.
const UNSEEN_WAIT: Duration = Duration::from_secs(60);

/// What the test server remembers across connections: the keys it made (so a client may
/// reconnect with its key), the sessions on them (so a reconnect finds its session), the PFS
/// bindings, and counters for tests to watch. Clone it to
/// share it between connections and with the test.
#[derive(Debug, Clone, Default)]
pub struct ServerState(Arc<Mutex<Inner>>);

impl ServerState {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic elsewhere leaves plain data behind, still usable.
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The permanent key id a temporary key was bound to.
    pub fn binding(&self, temp_auth_key_id: u64) -> Option<u64> {
        self.lock().bindings.get(&temp_auth_key_id).copied()
    }

    /// Has each valid binding take `delay`: it takes effect, and is answered, that long after
    /// it came, while the connection serves the frames that come meanwhile, as a busy
    /// server's may. A request sent on the new key before the answer came is refused
    /// (`AUTH_KEY_PERM_EMPTY`, [`ServerState::unbound_refused`]). Zero (the default): at once.
    pub fn answer_bindings_after(&self, delay: Duration) {
        self.lock().binding_delay = delay;
    }

    /// Drops the binding of the temporary key `temp_auth_key_id`, as Telegram's servers at times
    /// do: API requests on the key get rpc_error 401 `AUTH_KEY_PERM_EMPTY` until a binding is
    /// made again ([`ServerState::unbound_refused`]). Returns whether it was bound.
    pub fn forget_binding(&self, temp_auth_key_id: u64) -> bool {
        self.lock().bindings.remove(&temp_auth_key_id).is_some()
    }

    /// auth.bindTempAuthKey requests refused so far.
    pub fn bindings_refused(&self) -> u64 {
        self.lock().bindings_refused
    }

    /// Refuses the next `n` valid bindings (rpc_error 400 `TEMP_AUTH_KEY_ALREADY_BOUND`): a
    /// server that will not bind a renewed key.
    pub fn refuse_bindings(&self, n: u32) {
        self.lock().refuse_bindings = n;
    }

    /// Connections accepted so far.
    pub fn connections(&self) -> u64 {
        self.lock().connections
    }

    /// Keep-alive pings (ping and ping_delay_disconnect) answered so far.
    pub fn pings(&self) -> u64 {
        self.lock().pings
    }

    /// msgs_ack messages received so far.
    pub fn acks(&self) -> u64 {
        self.lock().acks
    }

    /// Requests (other than pings) received so far.
    pub fn requests(&self) -> u64 {
        self.lock().requests
    }

    /// Drops the next `n` encrypted frames that carry a request, unread, as if they were lost
    /// on the way (with whatever else they hold): the client finds out with msgs_state_req.
    pub fn lose_requests(&self, n: u32) {
        self.lock().to_lose = n;
    }

    /// Frames lost on purpose so far ([`ServerState::lose_requests`]).
    pub fn lost(&self) -> u64 {
        self.lock().lost
    }

    /// msgs_state_req messages answered so far.
    pub fn state_requests(&self) -> u64 {
        self.lock().state_requests
    }

    /// msg_resend_req messages answered so far.
    pub fn resend_requests(&self) -> u64 {
        self.lock().resend_requests
    }

    /// msg_resend_ans_req messages answered so far: answers a client asked for again.
    pub fn answer_requests(&self) -> u64 {
        self.lock().answer_requests
    }

    /// Answers sent again, and updates announced (msg_new_detailed_info, which has the client
    /// ask for those it lacks), unasked so far: a client came back on a newer connection of
    /// its session before acknowledging them (see [`serve_connection`]).
    pub fn resent(&self) -> u64 {
        self.lock().resent
    }

    /// For the next `n` encrypted frames that carry a request: reads them and answers them as
    /// usual, then closes the connection instead of sending what it made, as if the answers
    /// were lost with it. The session lives on (a reconnect finds it), and keeps the answers
    /// for `msg_resend_ans_req`; unlike what a connection lost otherwise loses, it does not
    /// send them again unasked when the client is back, as a server that lost its own copy
    /// would not: the client has to find them (`msgs_state_req`), which is what this tests.
    pub fn hang_up_before_answering(&self, n: u32) {
        self.lock().to_hang_up = n;
    }

    /// Connections closed so far by [`ServerState::hang_up_before_answering`] or
    /// [`ServerState::acknowledge_then_hang_up`].
    pub fn hung_up(&self) -> u64 {
        self.lock().hung_up
    }

    /// For the next `n` encrypted frames that carry a request: sends what the session has for
    /// the client before their answers (the requests' acknowledgements, with whatever else it
    /// answered itself), then answers them as usual and closes the connection instead of
    /// sending the answers: answers lost with the connection after their requests were
    /// acknowledged. The session lives on, and keeps the answers for `msg_resend_ans_req`;
    /// as with [`ServerState::hang_up_before_answering`], it does not send them again unasked,
    /// so that the client's asking about acknowledged requests is what is tested.
    pub fn acknowledge_then_hang_up(&self, n: u32) {
        self.lock().to_ack_hang_up = n;
    }

    /// For the next `n` encrypted frames that carry a request: their requests are not run
    /// (nor acknowledged); the server asks for them again with `msg_resend_req`, as if their
    /// content were lost, and runs the copies the client sends again.
    pub fn ask_for_requests_again(&self, n: u32) {
        self.lock().to_ask_again = n;
    }

    /// Frames whose requests were asked for again so far
    /// ([`ServerState::ask_for_requests_again`]).
    pub fn asked_again(&self) -> u64 {
        self.lock().asked_again
    }

    /// Requests that came with [`ServeOptions::init_prefix`] so far.
    pub fn init_prefixed(&self) -> u64 {
        self.lock().init_prefixed
    }

    /// Requests refused with `CONNECTION_NOT_INITED` so far ([`ServeOptions::init_prefix`]).
    pub fn not_inited(&self) -> u64 {
        self.lock().not_inited
    }

    /// `get_future_salts` requests answered so far.
    pub fn future_salts_asked(&self) -> u64 {
        self.lock().future_salts_asked
    }

    /// Requests refused with rpc_error 401 `AUTH_KEY_PERM_EMPTY` so far: API requests that came
    /// on a temporary key not bound (yet) to a permanent one, as Telegram's servers refuse
    /// them. A client that holds its requests back until a new key's `auth.bindTempAuthKey` is
    /// answered never gets one.
    pub fn unbound_refused(&self) -> u64 {
        self.lock().unbound_refused
    }

    /// Requests answered by a handler of [`ServeOptions::answers`] so far (with the handler's
    /// answer or an rpc_error: one it returned, or one that replaced a bad request, a bad
    /// answer or a panic).
    pub fn answered(&self) -> u64 {
        self.lock().answered
    }

    /// Handlers of [`ServeOptions::answers`] that panicked so far (each answered rpc_error 500
    /// [`HANDLER_PANICKED`](super::HANDLER_PANICKED)).
    pub fn handler_panics(&self) -> u64 {
        self.lock().handler_panics
    }

    /// Sends `body` (one boxed object that answers nothing: an `updates`, say;
    /// `tl_codec::to_bytes(&value)` of a generated type) to every session a connection serves
    /// now, at once; the client surfaces it as an update (`Update::Message`). Returns how many
    /// sessions it went to (a session served by more than one connection, the old one not yet
    /// closed after a reconnect, gets it once, on the newest). A session no connection serves
    /// now gets nothing: see [`ServerState::push_update_to`]. (One whose connection closes just
    /// as the push picks it keeps the message queued, as `push_update_to` would, and counts
    /// among those returned.)
    ///
    /// A message sent is kept by its session until the client acknowledges it, as a real
    /// server keeps it: one written to a connection that is lost (one on its way out as the
    /// push picked it, say) is not lost with it. A session keeps the latest 1024 updates within
    /// 16 MiB, apart from its answers (which have bounds of their own, so that many answers do
    /// not push an update out): past either bound the oldest update is dropped, sent or not
    /// (one still waiting to go out, on a session no connection serves, say, is then never
    /// sent), and counted by [`ServerState::unacked_dropped`]; nothing else tells of it. When
    /// the client comes back on a newer connection of the session, the server announces it
    /// there with `msg_new_detailed_info`, as the spec has a server do for an update, rather
    /// than sending it again: the client acknowledges it again if it got it, and otherwise
    /// asks for it (`msg_resend_req`) and gets it under a new msg_id. So it surfaces once even when the client got it and only its acknowledgement was lost (one
    /// written to the old connection as it went down; one still held back, up to `ack_delay`,
    /// goes out with the first message on the new one), which a copy sent blindly under a new
    /// msg_id would make surface twice. A client that never got it and has received more
    /// messages since than it remembers ids of no longer knows that id, and acknowledges it
    /// unseen: lost. (The announcements count among those messages; this crate's client
    /// remembers 2048 ids, enough for all the updates a session keeps.)
    ///
    /// Across a PFS key renewal on the connection, nothing is lost either: the client moves
    /// its session to the new key as it reads the exchange's last answer, so the server sends
    /// what the old key's session has queued before that answer, and what is pushed to that
    /// session afterwards goes out on the new key's session once the client's first message
    /// on it came (see [`serve_connection`]).
    ///
    /// A connection serves a session from the server's first encrypted message from the client
    /// on it: a message names its session, and the server has no other way to learn it. Under
    /// PFS, `connect` returns once the binding is answered, so its client counts at once;
    /// without PFS, a client that only finished the key exchange has sent no such message yet
    /// and does not count until its first request (or ping) reached the server. To reach a
    /// client from the moment `connect` returns, without a race, push to its session:
    /// [`ServerState::push_update_to`] keeps what it is given for a session not yet seen.
    ///
    /// Refused, with nothing sent, when `body` cannot go out as a message, or a client would
    /// not read it as one (the same checks as a handler's answer,
    /// [`ANSWER_INVALID`](super::ANSWER_INVALID)): shorter than a constructor id, not a whole
    /// number of 4-byte words, or longer than
    /// [`MAX_REQUEST_LEN`](crate::session::MAX_REQUEST_LEN); an `rpc_result` or
    /// `msg_container` (the session's own); a `gzip_packed` that does not inflate (within
    /// 16 MiB) to an object that passes these checks and is no `gzip_packed` itself; a
    /// service message the client's session reads itself (`pong`, `new_session_created`,
    /// `bad_server_salt`, `msgs_ack`, …) that does not decode whole. The [`PushError`] says
    /// which. (A well-formed service message is let through: the client's session acts on it
    /// rather than passing it on as an update.)
    pub fn push_update(&self, body: Vec<u8>) -> Result<usize, PushError> {
        self.push(None, body)
    }

    /// Sends `body` (as [`ServerState::push_update`]) to the session `session_id` on the key
    /// `auth_key_id` (`Client::session_id` and `Client::auth_key_id`: the temporary key
    /// under PFS). Returns whether it was sent or kept:
    ///
    /// - A session a connection serves now gets it at once: `true`.
    /// - A session the server has (it keeps the latest 256 it had a message on) that no
    ///   connection serves now keeps it, and sends it with the next message it sends, once
    ///   the client reconnects and sends something: `true`. Such a session keeps what waits
    ///   for it within the bounds of the updates it keeps until acknowledged (the latest 1024,
    ///   within 16 MiB, as with `push_update`): past them, the oldest are dropped unsent, and
    ///   counted by [`ServerState::unacked_dropped`]. Once sent, the message is kept until
    ///   acknowledged, as with `push_update`.
    /// - Any other session on a key the server made and still accepts is one *not yet seen*:
    ///   one a client `connect` just returned for, say, but just as well one the server
    ///   forgot, or an id no client uses, which the server does not tell apart. The message
    ///   waits for the client's first message on the session, and goes out right after the
    ///   `new_session_created` that answers it (a forgotten session's client gets that too, as
    ///   from a real server): `true`. It waits 60 s at most ([`ServerState::keep_unseen_for`]),
    ///   and is dropped unsent then, as it is once the server stops accepting the key (it
    ///   expired, or [`ServerState::forget_key`]). Up to 64 messages and 16 MiB may wait for
    ///   one such session: a push past either is refused ([`PushError`], nothing kept). Up to
    ///   256 such sessions may have messages waiting, 64 MiB in all: past either, the sessions
    ///   pushed to least recently lose what waits for them, to make room; the push is not
    ///   refused. Messages dropped so are counted by [`ServerState::pushes_dropped`].
    /// - On a key the server does not accept (it never made it, forgot it, or it expired),
    ///   whatever the session, nothing is kept: `false`.
    ///
    /// Refused too, with nothing sent or kept, for the bodies [`ServerState::push_update`]
    /// refuses.
    pub fn push_update_to(
        &self,
        auth_key_id: u64,
        session_id: i64,
        body: Vec<u8>,
    ) -> Result<bool, PushError> {
        self.push(Some((auth_key_id, session_id)), body).map(|n| n > 0)
    }

    /// Messages [`ServerState::push_update`] and [`ServerState::push_update_to`] queued on
    /// sessions so far (one per session it went to), for each to send with its next message
    /// to its client (unless the server forgets the session, or its key, first). A message
    /// `push_update_to` keeps for a session not yet seen counts once the session starts and
    /// takes it; one dropped before that never does ([`ServerState::pushes_dropped`]).
    pub fn pushed(&self) -> u64 {
        self.lock().pushed
    }

    /// Messages [`ServerState::push_update_to`] kept for sessions not yet seen and dropped
    /// unsent so far: they waited their time ([`ServerState::keep_unseen_for`]), their key is
    /// no longer accepted, or they made room for a push to another session.
    pub fn pushes_dropped(&self) -> u64 {
        let mut inner = self.lock();
        inner.prune_unseen(Instant::now());
        inner.pushes_dropped
    }

    /// Answers and updates that sessions kept until the client acknowledged them and dropped
    /// before it did, so far. A session keeps the latest
    /// [`UNACKED_KEPT`](crate::session::server::UNACKED_KEPT) (1024) answers within
    /// [`UNACKED_BYTES_KEPT`](crate::session::server::UNACKED_BYTES_KEPT) (16 MiB) and, apart,
    /// as many updates within as many bytes; past either, the oldest of the kind goes (an
    /// update sent or not: a copy still waiting to go out goes with it; an answer's copy still
    /// goes out once), as do the updates waiting for a session's first message past the same
    /// bounds. An update dropped so is lost to its
    /// client; an answer still goes out again when the client asks for it
    /// (`msg_resend_ans_req`) while it is among the 64 latest its session made, and otherwise
    /// its request fails with `RequestError::AnswerLost`.
    pub fn unacked_dropped(&self) -> u64 {
        self.lock().unacked_dropped
    }

    /// Encrypted frames dropped unread so far because they came on a connection older than the
    /// one their session is served on now: one that carried a message of the session since
    /// (see [`serve_connection`]). The client gave the older connection up, and what it still
    /// held unread is taken as lost with it: a real server reads a dying connection's frames
    /// as they come, before the client is back, while this one reads a connection's frames one
    /// at a time behind its handlers, so that a request read late off the old connection would
    /// run a second time, after the client, told it was never received, sent it again on the
    /// new one. A session is taken to be used on one connection at a time, as this crate's
    /// client uses it (a new session, a renewed key's, on the same connection is another
    /// session): a client sending one session's messages on two connections at once would
    /// have the older one's dropped.
    pub fn stale_frames(&self) -> u64 {
        self.lock().stale_frames
    }

    /// How long a message [`ServerState::push_update_to`] keeps for a session not yet seen
    /// waits for it, from the push, before it is dropped unsent: 60 s unless set. A new time
    /// applies to the messages waiting already too (`Duration::ZERO` drops them all, and
    /// keeps nothing from then on).
    pub fn keep_unseen_for(&self, wait: Duration) {
        self.lock().unseen_wait = Some(wait);
    }

    /// Queues `body` on the session `to`, or on every session served now, and wakes the
    /// newest connection serving each: how many sessions got it.
    fn push(&self, to: Option<(u64, i64)>, body: Vec<u8>) -> Result<usize, PushError> {
        check_object(&body, Place::Message).map_err(PushError)?;
        type Target = (Arc<Mutex<ServerSession<SystemClock>>>, Option<Arc<Notify>>);
        // Gathered first: the server state is never locked while a session is, here (a
        // connection serving a frame locks them the other way round).
        let targets: Vec<Target> = {
            let inner = self.lock();
            // A key no longer accepted (expired, say) takes nothing, though its sessions may
            // still be kept, and served until their next frame.
            if to.is_some_and(|(key_id, _)| {
                !accepted(inner.keys.get(&key_id), SystemClock.now().as_secs() as i64)
            }) {
                return Ok(0);
            }
            let mut targets: Vec<Target> = inner
                .newest_live(to)
                .into_values()
                .map(|(_, l)| (l.session.clone(), Some(l.wake.clone())))
                .collect();
            if let (Some(id), true) = (to, targets.is_empty()) {
                targets.extend(inner.sessions.get(&id).map(|s| (s.clone(), None)));
            }
            match to {
                Some(id) if targets.is_empty() => {
                    drop(inner);
                    return self.push_unseen(id, body);
                }
                _ => targets,
            }
        };
        for (session, wake) in &targets {
            {
                let mut session = session.lock().unwrap_or_else(|e| e.into_inner());
                session.send_unsolicited(body.clone());
                self.count_drops(&mut session);
            }
            if let Some(wake) = wake {
                // A permit if the connection is busy: it looks once it is done.
                wake.notify_one();
            }
        }
        self.lock().pushed += targets.len() as u64;
        Ok(targets.len())
    }

    /// Keeps `body` for the session `id`, not yet seen, on a key the server accepts: 1 if
    /// kept, 0 for a key it does not (see [`ServerState::push_update_to`] for the bounds).
    fn push_unseen(&self, id: (u64, i64), body: Vec<u8>) -> Result<usize, PushError> {
        let mut inner = self.lock();
        // Read under the lock: the messages waiting for a session are in the order of the
        // times they were pushed.
        let now = Instant::now();
        inner.prune_unseen(now);
        if !accepted(inner.keys.get(&id.0), SystemClock.now().as_secs() as i64) {
            return Ok(0);
        }
        // The session may have started since the caller looked: it takes the message then.
        if let Some(session) = inner.sessions.get(&id).cloned() {
            drop(inner);
            let mut session = session.lock().unwrap_or_else(|e| e.into_inner());
            session.send_unsolicited(body);
            self.count_drops(&mut session);
            self.lock().pushed += 1;
            return Ok(1);
        }
        let (count, bytes) = inner.unseen.get(&id).map_or((0, 0), |w| (w.messages.len(), w.bytes));
        if count >= UNSEEN_MESSAGES_KEPT {
            return Err(PushError("64 messages wait for this session not yet seen already"));
        }
        if bytes + body.len() > UNSEEN_BYTES_KEPT {
            return Err(PushError("more than 16 MiB would wait for this session not yet seen"));
        }
        // Room for it: the sessions pushed to least recently lose what waits for them. (One
        // session's bound is below the total's, so the others always make room enough.)
        loop {
            let sessions = inner.unseen.len() + usize::from(count == 0);
            if sessions <= UNSEEN_SESSIONS_KEPT && inner.unseen_bytes + body.len() <= UNSEEN_BYTES_TOTAL {
                break;
            }
            let oldest = inner.unseen.iter().filter(|(other, _)| **other != id).min_by_key(|(_, w)| w.stamp);
            let Some(oldest) = oldest.map(|(other, _)| *other) else { break };
            let dropped = inner.take_unseen(oldest).map_or(0, |w| w.messages.len());
            inner.pushes_dropped += dropped as u64;
        }
        inner.unseen_pushes += 1;
        let stamp = inner.unseen_pushes;
        inner.unseen_bytes += body.len();
        let waiting = inner.unseen.entry(id).or_default();
        waiting.stamp = stamp;
        waiting.bytes += body.len();
        waiting.messages.push_back((now, body));
        Ok(1)
    }

    /// Adds what `session` dropped of what it kept until acknowledged since it was last looked
    /// at to [`ServerState::unacked_dropped`]. Called with the session locked (and the state
    /// not), as a connection serving a frame locks them.
    fn count_drops(&self, session: &mut ServerSession<SystemClock>) {
        let new = session.take_new_drops();
        if new > 0 {
            self.lock().unacked_dropped += new;
        }
    }

    /// The wake of the newest connection serving the session `id`, if it is newer than `conn`.
    fn newer_than(&self, conn: u64, id: (u64, i64)) -> Option<Arc<Notify>> {
        let inner = self.lock();
        let (newest, live) = inner.newest_live(Some(id)).remove(&id)?;
        (newest > conn).then(|| live.wake.clone())
    }

    /// Connection `conn` serves the session of `live` now, or (`None`) none.
    fn serving(&self, conn: u64, live: Option<Live>) {
        let mut inner = self.lock();
        match live {
            Some(live) => inner.live.insert(conn, live),
            None => inner.live.remove(&conn),
        };
    }

    /// The session `session_id` on the key `key_id`: the one kept, or a new one from `new`.
    fn session(
        &self,
        key_id: u64,
        session_id: i64,
        new: impl FnOnce() -> ServerSession<SystemClock>,
    ) -> Arc<Mutex<ServerSession<SystemClock>>> {
        let mut inner = self.lock();
        let id = (key_id, session_id);
        if let Some(session) = inner.sessions.get(&id) {
            return session.clone();
        }
        let mut new = new();
        // What was pushed for it before it started (and has not waited too long): sent after
        // its new_session_created.
        inner.prune_unseen(Instant::now());
        if let Some(waiting) = inner.take_unseen(id) {
            inner.pushed += waiting.messages.len() as u64;
            for (_, body) in waiting.messages {
                new.send_unsolicited(body);
            }
            inner.unacked_dropped += new.take_new_drops();
        }
        let session = Arc::new(Mutex::new(new));
        inner.sessions.insert(id, session.clone());
        inner.session_order.push_back(id);
        while inner.session_order.len() > SESSIONS_KEPT {
            let Some(old) = inner.session_order.pop_front() else { break };
            inner.sessions.remove(&old);
        }
        session
    }

    /// Whether to hang up after `frame`, which `carries` tells: counted if so.
    fn hang_up(&self, carries: impl FnOnce() -> bool) -> bool {
        self.take_one(carries, |inner| (&mut inner.to_hang_up, &mut inner.hung_up))
    }

    /// Whether to acknowledge `frame` and then hang up, which `carries` tells: counted if so.
    fn acknowledge_and_hang_up(&self, carries: impl FnOnce() -> bool) -> bool {
        self.take_one(carries, |inner| (&mut inner.to_ack_hang_up, &mut inner.hung_up))
    }

    /// Whether to ask for the requests of `frame` again, which `carries` tells: counted if so.
    fn ask_again(&self, carries: impl FnOnce() -> bool) -> bool {
        self.take_one(carries, |inner| (&mut inner.to_ask_again, &mut inner.asked_again))
    }

    /// Whether to lose `frame`, which `carries` tells: counted if so.
    fn lose(&self, carries: impl FnOnce() -> bool) -> bool {
        self.take_one(carries, |inner| (&mut inner.to_lose, &mut inner.lost))
    }

    /// Whether a frame `carries` says holds a request is one of those a test asked to treat so
    /// (`counters` picks how many are left to treat and how many were): counted if so.
    fn take_one(
        &self,
        carries: impl FnOnce() -> bool,
        counters: impl FnOnce(&mut Inner) -> (&mut u32, &mut u64),
    ) -> bool {
        let mut inner = self.lock();
        let (left, done) = counters(&mut inner);
        if *left == 0 || !carries() {
            return false;
        }
        *left -= 1;
        *done += 1;
        true
    }

    fn store(&self, finished: &Finished) {
        let stored = StoredKey {
            key: finished.auth_key.clone(),
            salt: finished.server_salt,
            temp: finished.expires_in.is_some(),
            expires_at: finished.expires_in.map(|e| i64::from(finished.server_time) + i64::from(e)),
            used: false,
        };
        self.lock().keys.insert(finished.auth_key.id(), stored);
    }

    /// Forgets the key `id` (as a server does with an expired temporary key): its next
    /// message gets the transport error -404.
    pub fn forget_key(&self, id: u64) {
        let mut inner = self.lock();
        inner.keys.remove(&id);
        // Its sessions go with it, and what waits for sessions not yet seen on it.
        inner.sessions.retain(|&(key, _), _| key != id);
        inner.session_order.retain(|&(key, _)| key != id);
        inner.prune_unseen(Instant::now());
    }

    /// Whether the key `id` is known and not expired.
    fn accepts(&self, id: u64) -> bool {
        accepted(self.lock().keys.get(&id), SystemClock.now().as_secs() as i64)
    }

    /// The key `id`, marking it used; also whether this is its first use.
    fn take_key(&self, id: u64) -> Option<(StoredKey, bool)> {
        if !self.accepts(id) {
            return None;
        }
        let mut inner = self.lock();
        let stored = inner.keys.get_mut(&id)?;
        let first = !stored.used;
        stored.used = true;
        Some((stored.clone(), first))
    }

    fn perm_key(&self, id: u64) -> Option<AuthKey> {
        self.lock().keys.get(&id).filter(|k| !k.temp).map(|k| k.key.clone())
    }
}

/// What the test server does.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// The server's RSA key.
    pub key: RsaPrivateKey,
    /// The MTProxy secret expected on obfuscated connections.
    pub secret: Option<[u8; 16]>,
    /// Change the salt right after the exchange, so the first request on a new key gets
    /// bad_server_salt.
    pub bad_salt_once: bool,
    /// Keys, bindings and counters shared by every connection served with these options.
    pub state: ServerState,
    /// The bytes a client puts before its requests to initialize its connection (the
    /// `invokeWithLayer(initConnection(…))` of its `ConnectOptions::init_prefix`), as Telegram's
    /// servers want them: a request that begins with them has them taken off and the query
    /// after them answered (counted: [`ServerState::init_prefixed`]), and its key counts as
    /// initialized from then on. A request on a key not initialized that comes without them
    /// gets rpc_error 400 `CONNECTION_NOT_INITED` ([`ServerState::not_inited`]), but for
    /// `mtproto.tl`'s own functions and `auth.bindTempAuthKey`. `None`: requests are answered
    /// as they come.
    pub init_prefix: Option<Vec<u8>>,
    /// Canned answers: handlers, by constructor id, for the requests the server does not
    /// answer itself (see [`Answers`] for what reaches them). A request without a handler is
    /// echoed back as its own result. Empty by default.
    pub answers: Answers,
}

impl ServeOptions {
    /// Serves with `key`, no secret, a fresh state.
    pub fn new(key: RsaPrivateKey) -> Self {
        ServeOptions {
            key,
            secret: None,
            bad_salt_once: false,
            state: ServerState::default(),
            init_prefix: None,
            answers: Answers::new(),
        }
    }
}

/// The session running on a connection, with the key it runs on. The session itself is the
/// server state's, shared with any other connection of the same key and session id.
struct Running {
    key_id: u64,
    temp: bool,
    session: Arc<Mutex<ServerSession<SystemClock>>>,
    /// Whether the client can still read what the session sends: not once the server finished
    /// a key exchange on the connection (a temporary key's renewal), as the client moves its
    /// session to the new key as soon as it reads the exchange's last answer. What is queued
    /// meanwhile waits, and its updates go to the session the client moves to
    /// ([`carry_updates`]).
    readable: bool,
}

/// What one encrypted frame from the client led to.
#[derive(Default)]
struct Served {
    /// The transport frames to write.
    out: Vec<u8>,
    /// A keep-alive ping was answered: its disconnect_delay, if it was ping_delay_disconnect.
    pinged: Option<Option<i32>>,
    /// Hang up once `out` is written (empty for [`ServerState::hang_up_before_answering`]; what
    /// came before the answers for [`ServerState::acknowledge_then_hang_up`]).
    hang_up: bool,
}

/// Serves one connection: any transport; unencrypted messages run auth-key exchanges (any
/// number, permanent or temporary); encrypted ones run the session on a key made on this or an
/// earlier connection (an unknown key gets the transport error -404 and the connection closes).
/// A session (key and session id) is kept across connections, as a server does, so what it
/// received before a reconnect is known after it; an answer made once the client is back on
/// a newer connection (its handler still running when the old one was given up, say) goes out
/// on the newer one. As a real server does, a session keeps its answers and updates until the
/// client acknowledges them (the latest 1024 answers within 16 MiB, and apart as many updates
/// within as many bytes; older ones are dropped, and counted: [`ServerState::unacked_dropped`]),
/// since those written to a connection that was lost were lost with it: the client's first
/// message on a newer connection has the answers it did not acknowledge sent again, in new
/// messages, and the updates announced (`msg_new_detailed_info`: see
/// [`ServerState::push_update`]), without its asking ([`ServerState::resent`]);
/// `msgs_state_req` and `msg_resend_ans_req` find them too. From then on, frames still unread
/// on an older connection of the session are dropped unread, as lost with the connection the
/// client gave up, rather than read late ([`ServerState::stale_frames`]): one at a time behind
/// a slow handler, a request among them would run again after the client, told on the new
/// connection that it never came, sent it again. The 256 latest sessions are kept. A key
/// exchange finished on a connection that runs a session is taken as that session's client
/// renewing its temporary key: the client moves its session to the new key as it reads the
/// exchange's last answer, so what the session has queued goes out before that answer and
/// nothing after it, and the updates it gets meanwhile (and those asked for again and not sent
/// yet) go out in the new key's session once the client's first message on it came. (A client
/// that stayed on the old key would get nothing more on that connection, until its keep-alive
/// had it reconnect.)
/// Pings and ping_delay_disconnect are answered with pong (after ping_delay_disconnect, the
/// connection is closed if no further ping comes within its disconnect_delay), get_future_salts
/// with future_salts, auth.bindTempAuthKey is checked (boolTrue, or rpc_error 400
/// ENCRYPTED_MESSAGE_INVALID), an http_wait comes back as an update, msgs_state_req,
/// msg_resend_ans_req and msg_resend_req are answered; any other request is answered by its
/// handler in [`ServeOptions::answers`] if it has one (through `invokeWithLayer`,
/// `initConnection` and the other wrappers: see [`Answers`]), and otherwise echoed as its own
/// result (gzip_packed when large, as every large result is). Messages the test pushes
/// ([`ServerState::push_update`], [`ServerState::push_update_to`]) go out at once, on the
/// newest connection serving their session (those for a session not yet seen, right after
/// the `new_session_created` that answers its first message). Frames carrying a request are dropped unread while
/// [`ServerState::lose_requests`] says so, read and answered into the void before the
/// connection is closed while [`ServerState::hang_up_before_answering`] says so (after their
/// acknowledgements were sent, while [`ServerState::acknowledge_then_hang_up`] says so), or
/// read and asked for again with `msg_resend_req` instead of run while
/// [`ServerState::ask_for_requests_again`] says so. With [`ServeOptions::init_prefix`] set,
/// requests are unwrapped from it, or refused with `CONNECTION_NOT_INITED` before it came on
/// their key. On a temporary key not bound yet, any request but `mtproto.tl`'s functions and
/// the binding gets rpc_error 401 `AUTH_KEY_PERM_EMPTY` ([`ServerState::unbound_refused`]), as
/// from Telegram's servers, even in the frame that binds it (a server may run a container's
/// messages in any order). Returns when the client disconnects.
pub async fn serve_connection(mut stream: TcpStream, options: ServeOptions) -> Result<(), Error> {
    stream.set_nodelay(true)?;
    let conn = {
        let mut inner = options.state.lock();
        inner.connections += 1;
        inner.connections
    };
    // Whatever way this returns, the connection no longer serves its session.
    let _live = LiveGuard { state: options.state.clone(), conn };
    let wake = Arc::new(Notify::new());
    let mut t = Transport::server_any(options.secret);
    let mut ids = MsgIds::new(1);
    let mut exchange: Option<ServerHandshake<OsRandom>> = None;
    let mut running: Option<Running> = None;
    // The session the connection ran before the client moved to `running`'s on it (a renewed
    // key's): updates pushed to it that it never sent are carried over ([`carry_updates`]).
    let mut left: Option<Arc<Mutex<ServerSession<SystemClock>>>> = None;
    let mut rng = OsRandom::new();
    let mut hang_up_at: Option<Instant> = None;
    loop {
        // Reading a frame is cancel-safe: what was read stays in the transport's buffer. A frame
        // come in time is read before the deadline is looked at.
        let next = tokio::select! {
            biased;
            frame = read_payload(&mut stream, &mut t) => Next::Frame(frame),
            // ping_delay_disconnect: no ping in time closes the connection.
            () = deadline(hang_up_at) => return Ok(()),
            () = wake.notified() => Next::Pushed,
        };
        let mut frame = match next {
            Next::Frame(frame) => frame?,
            Next::Pushed => {
                let mut out = Vec::new();
                if let Some(run) = &running {
                    // A push to the session left behind (picked as the client moved) wakes
                    // this connection too.
                    if let Some(from) = &left {
                        carry_updates(&options.state, from, &run.session);
                    }
                    let mut session = run.session.lock().unwrap_or_else(|e| e.into_inner());
                    // Looked at with the session locked: a newer connection that starts serving
                    // it now has its first message served (and what was sent here announced)
                    // after this flush.
                    let id = (run.key_id, session.session_id());
                    if let Some(newer) = options.state.newer_than(conn, id) {
                        // The client is back on a newer connection: what is queued goes out
                        // there, not into this one, which it gave up.
                        drop(session);
                        newer.notify_one();
                    } else if run.readable {
                        flush_into(&mut session, &mut rng, &mut t, &mut out)?;
                    }
                }
                if !out.is_empty() {
                    stream.write_all(&out).await?;
                }
                continue;
            }
        };
        let key_id = frame.get(..8).and_then(|b| b.try_into().ok()).map(u64::from_le_bytes);
        if key_id == Some(0) {
            let request = plain::unpack(&frame).map_err(|e| Error::Plain(e.to_string()))?;
            let hs = exchange.get_or_insert_with(|| {
                let now = SystemClock.now().as_secs() as i32;
                ServerHandshake::new(ServerConfig::new(vec![options.key.clone()], now), OsRandom::new())
            });
            match hs.handle(request.body).map_err(Error::Handshake)? {
                ServerStep::Send(reply) => {
                    send_plain(&mut stream, &mut t, ids.next(SystemClock.now()), &reply).await?
                }
                ServerStep::Done { reply, finished } => {
                    options.state.store(&finished);
                    exchange = None;
                    // A client with a session running here moves it to the new key as it reads
                    // this answer (a temporary key's renewal), and reads nothing sent on the
                    // old key after it: what the session has queued goes out first, and then
                    // nothing more ([`Running::readable`]).
                    if let Some(run) = running.as_mut() {
                        if run.readable {
                            let mut out = Vec::new();
                            {
                                let mut session = run.session.lock().unwrap_or_else(|e| e.into_inner());
                                flush_into(&mut session, &mut rng, &mut t, &mut out)?;
                            }
                            stream.write_all(&out).await?;
                        }
                        run.readable = false;
                    }
                    send_plain(&mut stream, &mut t, ids.next(SystemClock.now()), &reply).await?;
                }
            }
            continue;
        }
        let Some(key_id) = key_id else { continue };
        // A key forgotten or expired since the session started is refused like an unknown one.
        if running.as_ref().is_some_and(|r| r.key_id == key_id && !options.state.accepts(key_id)) {
            running = None;
            options.state.serving(conn, None);
        }
        if running.as_ref().map(|r| r.key_id) != Some(key_id) {
            let Some((stored, first)) = options.state.take_key(key_id) else {
                // What Telegram answers to an unknown key.
                let mut out = Vec::new();
                t.pack(&(-404i32).to_le_bytes(), false, &mut out)?;
                stream.write_all(&out).await?;
                return Ok(());
            };
            // A frame that does not decrypt names no session: dropped, as a real server does.
            let Ok(session_id) = frame_session_id(&stored.key, &frame) else { continue };
            let session = options.state.session(key_id, session_id, || {
                let mut session = ServerSession::new(stored.key.clone(), stored.salt, SystemClock);
                if options.bad_salt_once && first {
                    session.change_salt(stored.salt ^ 0x0bad_5a17);
                }
                session
            });
            let live = Live { id: (key_id, session_id), session: session.clone(), wake: wake.clone() };
            options.state.serving(conn, Some(live));
            // A client that moved here from a session it no longer reads (a renewal): what that
            // one has not sent it sends as its own; a push that picked the old one as the
            // client moved wakes this connection, and is carried over then.
            left = running.take().filter(|r| !r.readable).map(|r| r.session);
            if let Some(from) = &left {
                carry_updates(&options.state, from, &session);
            }
            running = Some(Running { key_id, temp: stored.temp, session, readable: true });
        }
        let Some(run) = running.as_ref() else { continue };
        // The session is locked while the frame is served, never across an await.
        let served = serve_frame(run, conn, &options, &mut frame, &mut t, &mut rng)?;
        if let Some(delay) = served.pinged {
            hang_up_at = delay.map(|d| Instant::now() + Duration::from_secs(u64::try_from(d).unwrap_or(0)));
        }
        if !served.out.is_empty() {
            stream.write_all(&served.out).await?;
        }
        if served.hang_up {
            return Ok(());
        }
    }
}

/// What woke a connection's task.
enum Next {
    /// A frame came (or reading failed).
    Frame(Result<Vec<u8>, Error>),
    /// The test pushed a message to the session the connection serves.
    Pushed,
}

/// Sleeps until `at`; forever when `None`.
async fn deadline(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// Takes connection `conn` off the live ones when it ends.
struct LiveGuard {
    state: ServerState,
    conn: u64,
}

impl Drop for LiveGuard {
    fn drop(&mut self) {
        self.state.serving(self.conn, None);
    }
}

/// Runs one encrypted frame from the client through its session (see [`serve_connection`]):
/// the session's own answers and the owner's (this server's) to the requests in it, packed
/// for the transport `t`.
fn serve_frame(
    run: &Running,
    conn: u64,
    options: &ServeOptions,
    frame: &mut [u8],
    t: &mut Transport,
    rng: &mut OsRandom,
) -> Result<Served, Error> {
    let mut session = run.session.lock().unwrap_or_else(|e| e.into_inner());
    if session.connection() > conn {
        // The session is served on a newer connection: the client gave this one up, and what
        // it still held is lost with it (see `ServerState::stale_frames`).
        options.state.lock().stale_frames += 1;
        return Ok(Served::default());
    }
    if options.state.lose(|| session.carries_request(frame)) {
        return Ok(Served::default());
    }
    let hang_up = options.state.hang_up(|| session.carries_request(frame));
    let ack_first = !hang_up && options.state.acknowledge_and_hang_up(|| session.carries_request(frame));
    let ask_again = options.state.ask_again(|| session.carries_request(frame));
    let (pings, acks) = (session.pings(), session.acks());
    let (asked, resend) = (session.state_requests(), session.resend_requests());
    let (asked_answers, resent) = (session.answer_requests(), session.resent());
    // A message failing a check is dropped, as a real server does.
    session.set_ask_again(ask_again);
    let received = session.receive(frame);
    session.set_ask_again(false);
    // After the message's acknowledgements: the first message on a newer connection has what
    // the older ones may have lost go out again. Not a message that failed the envelope or id
    // checks (a replay, say): it does not show where the client is.
    if !matches!(received, Err(SessionError::Decrypt(_) | SessionError::MsgId(_))) {
        session.serve_on(conn);
    }
    let mut out = Vec::new();
    if ack_first {
        // The acknowledgements (and whatever else the session answered itself) go out; the
        // answers made next are lost with the connection.
        flush_into(&mut session, rng, t, &mut out)?;
    }
    {
        let mut state = options.state.lock();
        state.pings += session.pings() - pings;
        state.acks += session.acks() - acks;
        state.state_requests += session.state_requests() - asked;
        state.resend_requests += session.resend_requests() - resend;
        state.answer_requests += session.answer_requests() - asked_answers;
        state.resent += session.resent() - resent;
    }
    let pinged = (session.pings() > pings).then(|| session.disconnect_delay());
    // The requests for the owner: its handlers' or the echo's.
    let mut owners = Vec::new();
    // Every request of the frame, by msg_id.
    let mut frame_requests = Vec::new();
    // Whether the key was bound when the frame came: a request in the frame (container) that
    // carries the binding is refused too, as a server that runs a container's messages in any
    // order, as the spec lets it, may have run it first.
    let bound = !run.temp || options.state.lock().bindings.contains_key(&run.key_id);
    while let Some(mut r) = session.poll_request() {
        frame_requests.push(r.msg_id);
        options.state.lock().requests += 1;
        if let Some(prefix) = &options.init_prefix {
            if r.body.starts_with(prefix) {
                r.body.drain(..prefix.len());
                let mut state = options.state.lock();
                state.init_prefixed += 1;
                state.inited.insert(run.key_id);
            } else if !options.state.lock().inited.contains(&run.key_id) && is_api_request(&r.body) {
                options.state.lock().not_inited += 1;
                session.respond_error(r.msg_id, 400, "CONNECTION_NOT_INITED");
                continue;
            }
        }
        // As Telegram's servers do: a temporary key is good for nothing but mtproto.tl's own
        // functions and its binding until that binding is made.
        if !bound && is_api_request(&r.body) {
            options.state.lock().unbound_refused += 1;
            session.respond_error(r.msg_id, 401, "AUTH_KEY_PERM_EMPTY");
            continue;
        }
        let id = tl_codec::Reader::new(&r.body).read_u32().ok();
        if let Ok(ask) = tl_codec::from_bytes::<functions::GetFutureSalts>(&r.body) {
            options.state.lock().future_salts_asked += 1;
            let t = SystemClock.now().as_secs() as i32;
            // As many as asked for, as a server gives (from 1 to 64), all the session's one.
            let salts = (0..ask.num.clamp(1, 64))
                .map(|i| {
                    tl_codec::Bare(types::FutureSalt {
                        valid_since: t + i * 1800,
                        valid_until: t + (i + 1) * 1800,
                        salt: session.salt(),
                    })
                })
                .collect();
            let fs = types::FutureSalts { req_msg_id: r.msg_id, now: t, salts };
            session.respond_bare(r.msg_id, tl_codec::to_bytes(&fs));
        } else if id == Some(BindTempAuthKey::CONSTRUCTOR_ID) {
            let state = &options.state;
            let lookup = |id| state.perm_key(id);
            let refuse = {
                let mut inner = state.lock();
                let refuse = inner.refuse_bindings > 0;
                inner.refuse_bindings = inner.refuse_bindings.saturating_sub(1);
                refuse
            };
            let refusal = match verify_bind_temp_auth_key(
                &r.body,
                run.key_id,
                session.session_id(),
                r.msg_id,
                lookup,
            ) {
                Ok(_) if refuse => Some("TEMP_AUTH_KEY_ALREADY_BOUND"),
                Ok(binding) if run.temp => {
                    let delay = state.lock().binding_delay;
                    if !delay.is_zero() {
                        let id = (run.key_id, session.session_id());
                        bind_later(
                            state.clone(),
                            run.session.clone(),
                            id,
                            binding.perm_auth_key_id,
                            r.msg_id,
                            delay,
                        );
                        continue;
                    }
                    state.lock().bindings.insert(run.key_id, binding.perm_auth_key_id);
                    None
                }
                // Only a temporary key can be bound.
                Ok(_) => Some("TEMP_AUTH_KEY_EMPTY"),
                Err(_) => Some("ENCRYPTED_MESSAGE_INVALID"),
            };
            match refusal {
                None => session.respond(r.msg_id, &tl_codec::BOOL_TRUE_ID.to_le_bytes()),
                Some(message) => {
                    state.lock().bindings_refused += 1;
                    session.respond_error(r.msg_id, 400, message);
                }
            }
        } else if id == Some(types::HttpWait::CONSTRUCTOR_ID) {
            // An http_wait sent as a request is bounced back as an update.
            session.send_unsolicited(r.body);
        } else {
            owners.push(r);
        }
    }
    if options.answers.is_empty() {
        for r in owners {
            session.respond(r.msg_id, &r.body);
        }
    } else if !owners.is_empty() {
        // The handlers run with the session unlocked: they may push updates to it.
        options.state.count_drops(&mut session);
        drop(session);
        let run_handlers = || owners.iter().map(|r| options.answers.answer(&r.body)).collect::<Vec<_>>();
        // A handler may take its time (a test of a slow request): on a multi-threaded runtime
        // the worker's other tasks move to another thread meanwhile, so that other
        // connections (the client coming back on a new one, say) are served all the while.
        let answers = match tokio::runtime::Handle::try_current().map(|h| h.runtime_flavor()) {
            Ok(tokio::runtime::RuntimeFlavor::MultiThread) => tokio::task::block_in_place(run_handlers),
            _ => run_handlers(),
        };
        session = run.session.lock().unwrap_or_else(|e| e.into_inner());
        for (r, answer) in owners.iter().zip(answers) {
            let Some(answer) = answer else {
                session.respond(r.msg_id, &r.body);
                continue;
            };
            {
                let mut state = options.state.lock();
                state.answered += 1;
                state.handler_panics += u64::from(answer.panicked);
            }
            match answer.reply {
                Ok(result) => session.respond(r.msg_id, &result),
                Err(e) => session.respond_error(r.msg_id, e.code, &e.message),
            }
        }
    }
    // Hanging up: what is flushed now counts as sent, and is lost with the connection.
    let hang_up = hang_up || ack_first;
    options.state.count_drops(&mut session);
    if !hang_up {
        if let Some(wake) = options.state.newer_than(conn, (run.key_id, session.session_id())) {
            // The client came back on another connection meanwhile (while a handler ran, say):
            // what is queued goes out there, as a server sends on a session's current
            // connection, not on one the client gave up.
            drop(session);
            wake.notify_one();
            return Ok(Served { out, pinged, hang_up: false });
        }
    }
    if hang_up {
        flush_into(&mut session, rng, t, &mut Vec::new())?;
        // Their answers are lost for good: the knobs stand for a server that lost its copy
        // too, whose client has to ask. (Whatever else went into the void is sent again, or
        // announced, when the client is back, as what any lost connection loses is.)
        session.forget_answers(&frame_requests);
    } else if run.readable {
        flush_into(&mut session, rng, t, &mut out)?;
    }
    Ok(Served { out, pinged, hang_up })
}

/// A binding that takes `delay` ([`ServerState::answer_bindings_after`]): then the temporary
/// key of the session `id` (auth_key_id, session_id) is bound to `perm_auth_key_id`, and the
/// request `req_msg_id` answered, on the connection serving the session by then.
fn bind_later(
    state: ServerState,
    session: Arc<Mutex<ServerSession<SystemClock>>>,
    id: (u64, i64),
    perm_auth_key_id: u64,
    req_msg_id: i64,
    delay: Duration,
) {
    tokio::spawn(async move {
        tokio::time::sleep(delay).await;
        state.lock().bindings.insert(id.0, perm_auth_key_id);
        session
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .respond(req_msg_id, &tl_codec::BOOL_TRUE_ID.to_le_bytes());
        // Locked one after the other, never together: a connection serving a frame locks
        // the session, then the state.
        let wake = state.lock().newest_live(Some(id)).into_values().next().map(|(_, l)| l.wake.clone());
        if let Some(wake) = wake {
            wake.notify_one();
        }
    });
}

/// Moves the updates the session `from` kept and has not sent (a copy still queued: never
/// sent, or asked for again) to the session `to`, which sends them as its own: `from` is one
/// the client no longer reads, as it moved to `to` on the same connection (a renewed
/// temporary key's session, say). What `from` sent before stays there: the client read it
/// before it moved, in the connection's order. Never with both sessions locked.
fn carry_updates(
    state: &ServerState,
    from: &Mutex<ServerSession<SystemClock>>,
    to: &Mutex<ServerSession<SystemClock>>,
) {
    let updates = from.lock().unwrap_or_else(|e| e.into_inner()).take_unsent_updates();
    if updates.is_empty() {
        return;
    }
    let mut to = to.lock().unwrap_or_else(|e| e.into_inner());
    for body in updates {
        to.send_unsolicited(body);
    }
    state.count_drops(&mut to);
}

/// Whether a request is an API request: anything but `mtproto.tl`'s functions and
/// `auth.bindTempAuthKey`, which a server answers before the connection is initialized and on
/// a temporary key not bound yet.
fn is_api_request(body: &[u8]) -> bool {
    let id = tl_codec::Reader::new(body).read_u32().ok();
    let free = [
        functions::GetFutureSalts::CONSTRUCTOR_ID,
        functions::DestroySession::CONSTRUCTOR_ID,
        functions::DestroyAuthKey::CONSTRUCTOR_ID,
        types::HttpWait::CONSTRUCTOR_ID,
        BindTempAuthKey::CONSTRUCTOR_ID,
    ];
    !id.is_some_and(|id| free.contains(&id))
}

/// Packs everything `session` has to send into transport frames appended to `out`.
fn flush_into(
    session: &mut ServerSession<SystemClock>,
    rng: &mut OsRandom,
    t: &mut Transport,
    out: &mut Vec<u8>,
) -> Result<(), Error> {
    while session.wants_flush() {
        let mut msg = Vec::new();
        session.flush(rng, &mut msg).map_err(Error::Session)?;
        t.pack(&msg, false, out)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A state that accepts one key (temporary, expiring in an hour, when `temp`): its id.
    fn state_with_key(temp: bool) -> (ServerState, u64, AuthKey) {
        let state = ServerState::default();
        let key = AuthKey::from_bytes([7; 256]);
        let expires_at = temp.then(|| SystemClock.now().as_secs() as i64 + 3600);
        let stored = StoredKey { key: key.clone(), salt: 1, temp, expires_at, used: false };
        state.lock().keys.insert(key.id(), stored);
        (state, key.id(), key)
    }

    fn update(n: u32) -> Vec<u8> {
        [0x1122_3344u32.to_le_bytes(), n.to_le_bytes()].concat()
    }

    /// An update of `len` bytes (zeros after its constructor id).
    fn long_update(len: usize) -> Vec<u8> {
        let mut body = vec![0; len];
        body[..4].copy_from_slice(&0x1122_3344u32.to_le_bytes());
        body
    }

    /// Starts the session `session_id` on `key`, as a client's first message does.
    fn start(state: &ServerState, key: &AuthKey, session_id: i64) {
        state.session(key.id(), session_id, || ServerSession::new(key.clone(), 1, SystemClock));
    }

    fn waiting(state: &ServerState) -> Vec<((u64, i64), usize)> {
        let inner = state.lock();
        let mut waiting: Vec<_> = inner.unseen.iter().map(|(id, w)| (*id, w.messages.len())).collect();
        waiting.sort_unstable();
        waiting
    }

    #[test]
    fn what_waits_for_a_session_not_yet_seen_goes_to_it_when_it_starts() {
        let (state, id, key) = state_with_key(false);
        assert_eq!(state.push_update_to(id, 5, update(1)), Ok(true));
        assert_eq!(state.push_update_to(id, 5, update(2)), Ok(true));
        // Counted as pushed once the session takes them.
        assert_eq!(state.pushed(), 0);
        start(&state, &key, 5);
        assert_eq!(state.pushed(), 2);
        assert_eq!((waiting(&state), state.lock().unseen_bytes), (vec![], 0));
        assert_eq!(state.pushes_dropped(), 0);
    }

    #[test]
    fn what_waits_for_a_session_not_yet_seen_is_dropped_after_its_time() {
        let (state, id, key) = state_with_key(false);
        state.keep_unseen_for(Duration::from_millis(50));
        assert_eq!(state.push_update_to(id, 5, update(1)), Ok(true));
        assert_eq!(state.pushes_dropped(), 0);
        std::thread::sleep(Duration::from_millis(100));
        // Past its time: dropped, counted, and not given to the session when it starts.
        assert_eq!(state.push_update_to(id, 5, update(2)), Ok(true));
        assert_eq!(state.pushes_dropped(), 1);
        assert_eq!(waiting(&state), vec![((id, 5), 1)]);
        start(&state, &key, 5);
        assert_eq!(state.pushed(), 1);
        // A new time applies to what waits already: nothing, at zero.
        assert_eq!(state.push_update_to(id, 6, update(3)), Ok(true));
        state.keep_unseen_for(Duration::ZERO);
        assert_eq!(state.pushes_dropped(), 2);
        assert_eq!((waiting(&state), state.lock().unseen_bytes), (vec![], 0));
    }

    #[test]
    fn the_session_pushed_to_least_recently_makes_room_for_another() {
        let (state, id, _) = state_with_key(false);
        for session_id in 0..256 {
            assert_eq!(state.push_update_to(id, session_id, update(1)), Ok(true));
        }
        // Session 0 was pushed to first, but again since: session 1 makes room.
        assert_eq!(state.push_update_to(id, 0, update(2)), Ok(true));
        assert_eq!(state.push_update_to(id, 1000, update(3)), Ok(true));
        assert_eq!(state.pushes_dropped(), 1);
        let left = waiting(&state);
        assert_eq!(left.len(), 256);
        assert!(!left.iter().any(|(s, _)| *s == (id, 1)));
        assert!(left.contains(&((id, 0), 2)) && left.contains(&((id, 1000), 1)));
    }

    #[test]
    fn the_bytes_waiting_are_bounded_for_one_session_and_in_all() {
        let (state, id, _) = state_with_key(false);
        let half = long_update(UNSEEN_BYTES_KEPT / 2);
        // One session: 16 MiB, then refused, with nothing kept.
        assert_eq!(state.push_update_to(id, 1, half.clone()), Ok(true));
        assert_eq!(state.push_update_to(id, 1, half.clone()), Ok(true));
        let refused = state.push_update_to(id, 1, update(1)).unwrap_err();
        assert!(refused.to_string().contains("16 MiB"), "{refused}");
        // In all: 64 MiB; past it, the session pushed to least recently loses its messages.
        for session_id in 2..=4 {
            assert_eq!(state.push_update_to(id, session_id, half.clone()), Ok(true));
            assert_eq!(state.push_update_to(id, session_id, half.clone()), Ok(true));
        }
        assert_eq!(state.lock().unseen_bytes, UNSEEN_BYTES_TOTAL);
        assert_eq!(state.pushes_dropped(), 0);
        assert_eq!(state.push_update_to(id, 5, update(2)), Ok(true));
        assert_eq!(state.pushes_dropped(), 2);
        assert_eq!(waiting(&state), vec![((id, 2), 2), ((id, 3), 2), ((id, 4), 2), ((id, 5), 1)]);
        assert_eq!(state.lock().unseen_bytes, 3 * UNSEEN_BYTES_KEPT + 8);
        // 64 messages for one session, however short.
        for n in 0..63 {
            assert_eq!(state.push_update_to(id, 5, update(n)), Ok(true));
        }
        let refused = state.push_update_to(id, 5, update(64)).unwrap_err();
        assert!(refused.to_string().contains("64 messages"), "{refused}");
    }

    #[test]
    fn what_waits_on_a_key_no_longer_accepted_is_dropped() {
        let (state, id, key) = state_with_key(true);
        assert_eq!(state.push_update_to(id, 1, update(1)), Ok(true));
        start(&state, &key, 2);
        // The temporary key expires: what waits on it goes, and nothing more is kept, not even
        // by a session on it the server still has.
        state.lock().keys.get_mut(&id).unwrap().expires_at = Some(0);
        assert_eq!(state.pushes_dropped(), 1);
        assert_eq!(state.push_update_to(id, 1, update(2)), Ok(false));
        assert_eq!(state.push_update_to(id, 2, update(3)), Ok(false));
        assert_eq!(state.pushed(), 0);
        // Forgotten: the same.
        let (state, id, _) = state_with_key(false);
        assert_eq!(state.push_update_to(id, 1, update(1)), Ok(true));
        state.forget_key(id);
        assert_eq!((state.pushes_dropped(), state.lock().unseen_bytes), (1, 0));
        assert_eq!(state.push_update_to(id, 1, update(2)), Ok(false));
    }

    /// Whether `wake` holds a permit (a connection would look at its session).
    fn woken(wake: &Notify) -> bool {
        use std::future::Future;
        let mut notified = std::pin::pin!(wake.notified());
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        notified.as_mut().poll(&mut cx).is_ready()
    }

    /// A push and an answer handed over from an older connection go to the same connection:
    /// the newest serving the session, whatever order the connections started serving in.
    #[test]
    fn pushes_and_answers_handed_over_go_to_the_newest_connection_of_a_session() {
        let (state, id, key) = state_with_key(false);
        let new = || ServerSession::new(key.clone(), 1, SystemClock);
        let (five, six) = (state.session(id, 5, new), state.session(id, 6, new));
        let wakes: Vec<Arc<Notify>> = (0..4).map(|_| Arc::new(Notify::new())).collect();
        for (conn, session, wake) in [(3, 5, 0), (7, 5, 1), (5, 5, 2), (4, 6, 3)] {
            let serves = if session == 5 { &five } else { &six };
            let live = Live { id: (id, session), session: serves.clone(), wake: wakes[wake].clone() };
            state.serving(conn, Some(live));
        }
        {
            let inner = state.lock();
            let newest: HashMap<_, _> =
                inner.newest_live(None).into_iter().map(|(s, (c, _))| (s, c)).collect();
            assert_eq!(newest, HashMap::from([((id, 5), 7), ((id, 6), 4)]));
            let one: Vec<_> =
                inner.newest_live(Some((id, 6))).into_iter().map(|(s, (c, _))| (s, c)).collect();
            assert_eq!(one, vec![((id, 6), 4)]);
        }
        for older in [3, 5] {
            assert!(Arc::ptr_eq(&state.newer_than(older, (id, 5)).unwrap(), &wakes[1]), "{older}");
        }
        assert!(state.newer_than(7, (id, 5)).is_none());
        assert!(state.newer_than(4, (id, 6)).is_none());
        assert_eq!(state.push_update(update(1)), Ok(2));
        let looked: Vec<bool> = wakes.iter().map(|w| woken(w)).collect();
        assert_eq!(looked, [false, true, false, true]);
        // Connection 7 gone: 5 is the newest now.
        state.serving(7, None);
        assert_eq!(state.push_update_to(id, 5, update(2)), Ok(true));
        assert!(woken(&wakes[2]) && !woken(&wakes[0]));
        assert!(Arc::ptr_eq(&state.newer_than(3, (id, 5)).unwrap(), &wakes[2]));
    }

    /// A session the server has, whose client is gone (no connection serves it), holds a
    /// bounded amount however much is pushed to it: past the bounds of the updates kept until
    /// acknowledged, the oldest go, their copies waiting to go out too, and are counted.
    #[test]
    fn what_is_pushed_to_a_session_whose_client_is_gone_is_bounded() {
        use crate::session::server::{UNACKED_BYTES_KEPT, UNACKED_KEPT};
        let (state, id, key) = state_with_key(false);
        let session = state.session(id, 5, || ServerSession::new(key.clone(), 1, SystemClock));
        // The client's first message (the session greets it), answered; then the client goes.
        let mut rng = OsRandom::new();
        let mut client = crate::session::Session::new(key.clone(), 1, 5, SystemClock);
        client.ping(1);
        let mut frame = Vec::new();
        client.flush(&mut rng, &mut frame).unwrap();
        {
            let mut session = session.lock().unwrap();
            session.receive(&mut frame).unwrap();
            let mut out = Vec::new();
            while session.wants_flush() {
                session.flush(&mut rng, &mut out).unwrap();
            }
            assert_eq!(session.queued_bytes(), 0);
        }
        let queued = || session.lock().unwrap().queued_bytes();
        let pushes = 3 * UNACKED_KEPT;
        for _ in 0..pushes {
            assert_eq!(state.push_update_to(id, 5, long_update(4096)), Ok(true));
        }
        assert_eq!(queued(), UNACKED_KEPT * 4096, "by count");
        assert_eq!(state.unacked_dropped(), (pushes - UNACKED_KEPT) as u64);
        // By bytes: 256 updates of 64 KiB fill the 16 MiB, and push out every shorter one.
        for _ in 0..300 {
            assert_eq!(state.push_update_to(id, 5, long_update(64 << 10)), Ok(true));
        }
        assert_eq!(queued(), UNACKED_BYTES_KEPT, "by bytes");
        assert_eq!(state.unacked_dropped(), (pushes + 300 - 256) as u64);
        assert_eq!(state.pushed(), (pushes + 300) as u64);
        assert_eq!(state.pushes_dropped(), 0, "that counts what waited for sessions not yet seen");
    }

    #[test]
    fn a_session_forgotten_counts_as_not_yet_seen() {
        let (state, id, key) = state_with_key(false);
        for session_id in 0..=SESSIONS_KEPT as i64 {
            start(&state, &key, session_id);
        }
        // Session 0 is forgotten: what is pushed to it waits for it to start again.
        assert!(!state.lock().sessions.contains_key(&(id, 0)));
        assert_eq!(state.push_update_to(id, 0, update(1)), Ok(true));
        assert_eq!((waiting(&state), state.pushed()), (vec![((id, 0), 1)], 0));
        start(&state, &key, 0);
        assert_eq!((waiting(&state), state.pushed()), (vec![], 1));
    }
}
