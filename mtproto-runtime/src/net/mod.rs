//! A tokio TCP adapter (feature `tokio`): connect with a chosen transport, run the auth-key
//! exchange (and, for PFS, bind the temporary key to the permanent one), then drive a
//! [`Session`] from one task. [`Client::invoke`] may be called from many tasks at once; each
//! awaits its own answer, for as long as [`ConnectOptions::request_timeout`] (or the limit given
//! to [`Client::invoke_timeout`]) allows; a request timed out or abandoned (its future dropped)
//! is forgotten by the session task at once. Messages that answer no request, and the
//! connection's own news (reconnects, a new server session, giving up), go to the [`Update`]
//! channel, which is bounded ([`ConnectOptions::updates_capacity`]): when the reader falls
//! behind, updates are dropped rather than hold up the answers to requests, and the reader is
//! told ([`Update::Missed`], [`Client::updates_dropped`]).
//!
//! The connection heals itself: a failed or closed socket, a framing error or a keep-alive ping
//! left unanswered is followed by a reconnect to the same address with the same transport
//! options, auth key and session, under bounded exponential backoff ([`Reconnect`]); the server
//! keeps the session, so requests in flight are asked about with `msgs_state_req` and resent only
//! if it never got them; their answers still come. Under PFS the temporary key is renewed and bound
//! again before it expires, and replaced if the server refuses it (-404). With
//! [`ConnectOptions::init_prefix`] the session sends `initConnection` whenever the server needs
//! it (first requests, after a reconnect or a new key). All protocol logic stays in the
//! sans-IO core; this module only moves bytes and keeps time.

#[cfg(feature = "server")]
mod answers;
mod driver;
#[cfg(feature = "server")]
mod server;

use std::fmt;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpStream, ToSocketAddrs};
use tokio::sync::{mpsc, oneshot, watch};

use crate::handshake::{bind_temp_auth_key, ClientConfig, ClientHandshake, Finished, HandshakeError, Step};
use crate::schema::api::functions::auth::BindTempAuthKey;
use crate::session::{
    check_init_prefix, decode_result, Clock, MsgIds, RequestError, Session, SessionConfig, SessionError,
    SystemClock, MAX_REQUEST_LEN, MIN_STATE_REQUEST_AFTER,
};
use crate::transport::{Frame, Kind, Transport, TransportError};
use crate::{plain, AuthKey, OsRandom};

#[cfg(feature = "server")]
pub use answers::{Answers, Query, ANSWER_INVALID, HANDLER_PANICKED, INPUT_FETCH_ERROR};
#[cfg(feature = "server")]
pub use server::{serve_connection, PushError, ServeOptions, ServerState};

/// [`Shared::rtt`] before the round trip is measured.
const NO_RTT: u64 = u64::MAX;

/// Size of one socket read.
const READ_CHUNK: usize = 64 << 10;
/// The default [`ConnectOptions::updates_capacity`].
pub const DEFAULT_UPDATES_CAPACITY: usize = 1024;
/// The largest [`ConnectOptions::updates_capacity`] (tokio's bound on a channel's capacity).
pub const MAX_UPDATES_CAPACITY: usize = tokio::sync::Semaphore::MAX_PERMITS;
/// How often a binding refused as ENCRYPTED_MESSAGE_INVALID is rebuilt and sent again: a resend
/// (after bad_server_salt, say) changes the msg_id the binding names, which spoils it.
const BIND_ATTEMPTS: u32 = 3;

/// Why a connection or a request failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The socket failed.
    Io(std::io::Error),
    /// The byte stream could not be framed (or the server sent a transport error such as -404).
    Transport(TransportError),
    /// The auth-key exchange failed.
    Handshake(HandshakeError),
    /// A handshake answer was not an unencrypted message.
    Plain(String),
    /// The server answered the request with an error.
    Request(RequestError),
    /// A request could not be put into a message (too long to encrypt).
    Session(SessionError),
    /// The server refused to bind the temporary key to the permanent one (PFS).
    Bind(String),
    /// No pong (or, while a temporary key is renewed, no answer of the exchange) came within
    /// the keep-alive timeout: the connection is taken for dead.
    KeepAliveTimeout,
    /// The connection was lost and not re-established: reconnecting is off, the failure is not
    /// one a reconnect cures, or every attempt failed. Requests in flight end with this.
    ConnectionLost {
        /// Why the last connection (or connection attempt) failed.
        reason: String,
        /// Failed reconnect attempts in a row (connections that brought nothing authentic
        /// count) before giving up; 0 when reconnecting is off or the failure is not retried.
        attempts: u32,
    },
    /// Without PFS, the server does not know the auth key (transport error -404): a saved key
    /// it has forgotten, or a key of another DC. Connect again without
    /// [`ConnectOptions::saved_key`] to make a new one. (Under PFS a temporary key the server
    /// refuses is replaced on its own; a forgotten permanent key shows as a refused binding,
    /// [`Error::Bind`].)
    UnknownAuthKey,
    /// The options cannot work; nothing was sent.
    InvalidOptions(String),
    /// The auth-key exchange did not finish within [`ConnectOptions::handshake_timeout`].
    HandshakeTimeout,
    /// The request got no answer within its time limit ([`ConnectOptions::request_timeout`] or
    /// the one given to [`Client::invoke_timeout`]). The session forgets it (it is not sent
    /// again after a reconnect, and a late answer completes nothing), but the server may have
    /// received and carried it out all the same. The client stays usable.
    RequestTimeout {
        /// The limit that ran out.
        limit: Duration,
    },
    /// The client is closed (it gave up earlier, was closed with [`Client::close`], or its
    /// task ended) or shutting down ([`Client::shutdown`]); [`Update::Closed`] said why. A
    /// request in flight that ends with this may have been carried out by the server all the
    /// same.
    Closed,
    /// A result did not decode as the function's answer
    /// ([`decode_result`], which `?` turns into this).
    Decode(crate::session::DecodeError),
}

impl Error {
    /// The rpc_error the server answered the request with, if that is what this is.
    pub fn rpc(&self) -> Option<&crate::session::RpcError> {
        match self {
            Error::Request(RequestError::Rpc(e)) => Some(e),
            _ => None,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io(e) => write!(f, "i/o: {e}"),
            Error::Transport(e) => write!(f, "transport: {e}"),
            Error::Handshake(e) => write!(f, "handshake: {e}"),
            Error::Plain(e) => write!(f, "handshake message: {e}"),
            Error::Request(e) => e.fmt(f),
            Error::Session(e) => write!(f, "session: {e}"),
            Error::Bind(e) => write!(f, "auth.bindTempAuthKey: {e}"),
            Error::KeepAliveTimeout => f.write_str("no pong within the keep-alive timeout"),
            Error::ConnectionLost { reason, attempts } => {
                write!(f, "connection lost ({reason}); gave up after {attempts} reconnect attempt(s)")
            }
            Error::UnknownAuthKey => {
                f.write_str("the server does not know the auth key (-404): connect without the saved key")
            }
            Error::InvalidOptions(why) => write!(f, "invalid connect options: {why}"),
            Error::HandshakeTimeout => f.write_str("the auth-key exchange timed out"),
            Error::RequestTimeout { limit } => write!(f, "no answer to the request within {limit:?}"),
            Error::Closed => f.write_str("client closed"),
            Error::Decode(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io(e) => Some(e),
            Error::Transport(e) => Some(e),
            Error::Handshake(e) => Some(e),
            Error::Request(e) => Some(e),
            Error::Session(e) => Some(e),
            Error::Decode(e) => Some(e),
            _ => None,
        }
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::Io(e)
    }
}

impl From<crate::session::DecodeError> for Error {
    fn from(e: crate::session::DecodeError) -> Self {
        Error::Decode(e)
    }
}

impl From<TransportError> for Error {
    fn from(e: TransportError) -> Self {
        Error::Transport(e)
    }
}

/// When and how often to reconnect after the connection is lost.
///
/// Attempt `n` (from 1) waits `min(initial_delay * 2^(n-2), max_delay)` first; the first attempt
/// goes at once. A connection that dies before anything authentic arrived counts as a failed
/// attempt, so a server that accepts and drops at once still exhausts the budget.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reconnect {
    /// Attempts in a row before giving up; 0 turns reconnecting off.
    pub max_attempts: u32,
    /// The wait before the second attempt; it doubles from there.
    pub initial_delay: Duration,
    /// The longest wait between attempts.
    pub max_delay: Duration,
}

impl Reconnect {
    /// No reconnecting: the first lost connection closes the client.
    pub fn never() -> Self {
        Reconnect { max_attempts: 0, ..Reconnect::default() }
    }

    /// The wait before attempt `attempt` (1-based).
    pub fn delay(&self, attempt: u32) -> Duration {
        match attempt {
            0 | 1 => Duration::ZERO,
            n => {
                let factor = 1u32.checked_shl(n - 2).unwrap_or(u32::MAX);
                self.initial_delay.saturating_mul(factor).min(self.max_delay)
            }
        }
    }
}

impl Default for Reconnect {
    /// 10 attempts, 0.5 s doubling up to 30 s.
    fn default() -> Self {
        Reconnect {
            max_attempts: 10,
            initial_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
        }
    }
}

/// The shortest [`KeepAlive::interval`] and [`KeepAlive::pong_timeout`] [`connect`] accepts.
pub const MIN_KEEP_ALIVE: Duration = Duration::from_millis(50);

/// Keep-alive pings: `ping_delay_disconnect` every `interval`, as Telegram's own clients send.
/// [`connect`] refuses an `interval` or `pong_timeout` under [`MIN_KEEP_ALIVE`] and a
/// `disconnect_delay` under 1 s with [`Error::InvalidOptions`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeepAlive {
    /// Time between pings.
    pub interval: Duration,
    /// The disconnect_delay sent with each ping, in seconds: the server closes the connection
    /// if no further ping comes in that time.
    pub disconnect_delay: i32,
    /// If nothing authentic arrives this long after a ping (or a step of a temporary-key
    /// renewal), the connection is dead: reconnect.
    pub pong_timeout: Duration,
}

impl Default for KeepAlive {
    /// Every 60 s with disconnect_delay 75 s; 15 s for the pong.
    fn default() -> Self {
        KeepAlive {
            interval: Duration::from_secs(60),
            disconnect_delay: 75,
            pong_timeout: Duration::from_secs(15),
        }
    }
}

/// How to connect.
#[derive(Debug, Clone)]
pub struct ConnectOptions {
    /// The framing.
    pub kind: Kind,
    /// Wrap the framing in obfuscated2.
    pub obfuscated: bool,
    /// The MTProxy secret keying obfuscated2.
    pub secret: Option<[u8; 16]>,
    /// The dc id put in the obfuscated2 header.
    pub dc: Option<i16>,
    /// The auth-key exchange's parameters (keys, dc). With `temp_key_expires_in` set (PFS), a
    /// permanent and a temporary key are created, the session runs on the temporary one and
    /// `auth.bindTempAuthKey` binds them before [`connect`] returns.
    pub handshake: ClientConfig,
    /// Reconnecting after the connection is lost ([`Reconnect::never`] to turn it off).
    pub reconnect: Reconnect,
    /// Keep-alive pings; `None` sends none.
    pub keep_alive: Option<KeepAlive>,
    /// How long one TCP connect may take.
    pub connect_timeout: Duration,
    /// How long each auth-key exchange of [`connect`] may take (two under PFS, each timed on
    /// its own), and the binding after them.
    pub handshake_timeout: Duration,
    /// Under PFS, a new temporary key is made and bound this long before the current one
    /// expires (at most half its lifetime before), on the live connection: requests wait while
    /// the ones in flight are answered, the key is exchanged and bound, then the session moves
    /// onto it ([`Update::KeyRenewed`]). A renewal whose exchange or binding the server refuses
    /// leaves the session on the current key ([`Update::RenewalFailed`]) and is tried again
    /// (30 s later, or half-way to the expiry if sooner); only when the current key has run out
    /// does a refusal close the client: an unbound temporary key is no use.
    pub temp_key_renew_before: Duration,
    /// A permanent key from an earlier connection, to skip its Diffie-Hellman exchange (the slow
    /// part of connecting, and rate-limited by Telegram). Without PFS the session starts on it at
    /// once; under PFS only a temporary key is made and bound to it. Save
    /// [`Client::perm_auth_key`] (under PFS) or [`Client::auth_key`] and [`Client::server_salt`].
    /// Without PFS, a key the server no longer knows fails the first request (and closes the
    /// client) with [`Error::UnknownAuthKey`]; under PFS, [`connect`] fails with
    /// [`Error::Bind`]. Connect again without it.
    pub saved_key: Option<SavedKey>,
    /// How long acknowledgements of received messages may wait to ride along with the next
    /// request instead of going out alone (they go at once when 64 are owed). Zero sends each
    /// read's acknowledgements at once.
    pub ack_delay: Duration,
    /// How long a request sent may go with neither answer nor acknowledgement before the
    /// server is asked what became of it (`msgs_state_req`; see
    /// [`SessionConfig::state_request_after`]): one it never got is sent again, one whose
    /// answer was lost is asked for again. After a reconnect, requests sent before it are
    /// asked about at once rather than sent again, since the server may have run them
    /// ([`Session::reconnected`](crate::session::Session::reconnected)); one the server says
    /// nothing of is sent again once the longest of this, 5 s
    /// ([`MIN_RESEND_AFTER_SILENCE`](crate::session::MIN_RESEND_AFTER_SILENCE)) and twice the
    /// measured round trip has passed. Requests the server had acknowledged are asked about
    /// if still unanswered this long after the reconnect. 30 s by default; `None` (or
    /// `Duration::MAX`) never asks, and a reconnect sends every request in flight again. Less
    /// than [`MIN_STATE_REQUEST_AFTER`] (100 ms) is refused by [`connect`]
    /// ([`Error::InvalidOptions`]): asking that often would flood the connection.
    pub state_request_after: Option<Duration>,
    /// How long [`Client::invoke`] (and [`Client::invoke_raw`], [`Client::invoke_with_msg_id`],
    /// so each attempt of [`Client::bind_temp_auth_key`]) waits for an answer before failing
    /// with [`Error::RequestTimeout`]; `None` (the default) waits as long as the connection
    /// lives. [`Client::invoke_timeout`] sets a limit for one call. The time counts from the
    /// call, including any wait for a reconnect. Under PFS it bounds the binding [`connect`]
    /// makes too, beside [`ConnectOptions::handshake_timeout`].
    pub request_timeout: Option<Duration>,
    /// How many updates the channel [`connect`] returns holds before further ones are dropped
    /// ([`DEFAULT_UPDATES_CAPACITY`], 1024; from 1 to [`MAX_UPDATES_CAPACITY`]). The session
    /// task never waits for room: a reader that falls behind must not hold up answers to
    /// requests. What is dropped is counted ([`Client::updates_dropped`]) and announced by
    /// [`Update::Missed`] as soon as there is room again; [`Update::Closed`] is never dropped.
    pub updates_capacity: usize,
    /// `invokeWithLayer(initConnection(…))` with its query left out, for the session to put
    /// before requests while the server may not know the client's parameters: the first
    /// requests, and those after a reconnect, a renewed temporary key ([`Update::KeyRenewed`])
    /// or a new server session, until one of them is answered (the rule, and what is never
    /// wrapped: [`SessionConfig::init_prefix`]). Build it with generated bindings and
    /// [`tl_codec::Tail`]:
    ///
    /// ```text
    /// options.init_prefix = Some(tl_codec::to_bytes(&InvokeWithLayer {
    ///     layer: api::LAYER,
    ///     query: InitConnection::new(api_id, "pc".into(), /* … */ tl_codec::Tail),
    /// }));
    /// ```
    ///
    /// Answers are the inner queries' own: decode them as without the prefix. Whole 4-byte
    /// words, at least 4 bytes and well under the 16 MiB request limit, or [`connect`] refuses
    /// it ([`Error::InvalidOptions`]). `None` (the default) sends requests as they are given.
    pub init_prefix: Option<Vec<u8>>,
    /// The longest wait a server may ask for (rpc_error 420 `FLOOD_WAIT_N`,
    /// `FLOOD_PREMIUM_WAIT_N`, `SLOWMODE_WAIT_N`) that the client sits out itself, sending the
    /// request again once it is over (as often as the server asks within this), so the caller
    /// sees only the answer, later. A longer wait fails the request with the error
    /// ([`RpcError::flood_wait`](crate::session::RpcError::flood_wait) reads it). 60 s by
    /// default, as grammers and Telethon have it; `Duration::ZERO` hands every such error to
    /// the caller. A request's timeout ([`ConnectOptions::request_timeout`],
    /// [`Client::invoke_timeout`]) still counts while it waits, and is the only bound on how
    /// many waits a server that keeps asking gets sat out.
    pub flood_sleep_threshold: Duration,
    /// How many future salts the session asks for (`get_future_salts`, up to 64) with its first
    /// request and again before they run out, so that a salt change costs no
    /// `bad_server_salt` round trip ([`SessionConfig::future_salts`]). 32 (16 hours of salts)
    /// by default; 0 never asks.
    pub future_salts: u8,
}

/// A permanent authorization key kept between runs ([`ConnectOptions::saved_key`]).
#[derive(Debug, Clone)]
pub struct SavedKey {
    /// The key.
    pub auth_key: AuthKey,
    /// The last server salt known for it (`0` if none: the server sends the right one with a
    /// `bad_server_salt`, and the request is sent again).
    pub server_salt: i64,
}

impl ConnectOptions {
    /// Plain `kind` framing, DC 2, the built-in keys, default reconnect and keep-alive.
    pub fn new(kind: Kind) -> Self {
        ConnectOptions {
            kind,
            obfuscated: false,
            secret: None,
            dc: None,
            handshake: ClientConfig::new(2),
            reconnect: Reconnect::default(),
            keep_alive: Some(KeepAlive::default()),
            connect_timeout: Duration::from_secs(10),
            handshake_timeout: Duration::from_secs(30),
            temp_key_renew_before: Duration::from_secs(300),
            saved_key: None,
            ack_delay: Duration::from_millis(500),
            state_request_after: Some(crate::session::DEFAULT_STATE_REQUEST_AFTER),
            request_timeout: None,
            updates_capacity: DEFAULT_UPDATES_CAPACITY,
            init_prefix: None,
            flood_sleep_threshold: Duration::from_secs(60),
            future_salts: 32,
        }
    }

    /// What cannot work, before anything is sent.
    fn check(&self) -> Result<(), Error> {
        if let Some(expires_in) = self.handshake.temp_key_expires_in {
            if expires_in <= 0 {
                return Err(Error::InvalidOptions(format!(
                    "handshake.temp_key_expires_in is {expires_in}: a temporary key lives a positive number of seconds"
                )));
            }
        }
        if let Some(after) = self.state_request_after.filter(|&a| a < MIN_STATE_REQUEST_AFTER) {
            return Err(Error::InvalidOptions(format!(
                "state_request_after is {after:?}: at least {MIN_STATE_REQUEST_AFTER:?}, or None never to ask"
            )));
        }
        if let Some(k) = &self.keep_alive {
            // Zero would ping without pause, or take every connection for dead at once.
            if k.interval < MIN_KEEP_ALIVE || k.pong_timeout < MIN_KEEP_ALIVE {
                return Err(Error::InvalidOptions(format!(
                    "keep_alive interval {:?} and pong_timeout {:?}: each at least {MIN_KEEP_ALIVE:?}, or \
                     keep_alive None for no pings",
                    k.interval, k.pong_timeout
                )));
            }
            if k.disconnect_delay < 1 {
                return Err(Error::InvalidOptions(format!(
                    "keep_alive disconnect_delay is {}: at least 1 second",
                    k.disconnect_delay
                )));
            }
        }
        if !(1..=MAX_UPDATES_CAPACITY).contains(&self.updates_capacity) {
            return Err(Error::InvalidOptions(format!(
                "updates_capacity is {}: it must be from 1 to {MAX_UPDATES_CAPACITY}",
                self.updates_capacity
            )));
        }
        if let Some(prefix) = &self.init_prefix {
            if let Err(why) = check_init_prefix(prefix, MAX_REQUEST_LEN) {
                return Err(Error::InvalidOptions(format!("init_prefix ({} bytes): {why}", prefix.len())));
            }
        }
        if let Err(e) = self.transport() {
            return Err(Error::InvalidOptions(format!(
                "{:?} framing with obfuscated = {}: {e}",
                self.kind, self.obfuscated
            )));
        }
        Ok(())
    }

    fn transport(&self) -> Result<Transport, TransportError> {
        if self.obfuscated {
            Transport::client_obfuscated(self.kind, self.dc, self.secret)
        } else {
            Ok(Transport::client(self.kind))
        }
    }
}

/// What arrives on the updates channel.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Update {
    /// A message that answers no request (an update from the server).
    Message(Vec<u8>),
    /// A message from the server (it passed the envelope checks) that cannot be read: a
    /// `gzip_packed` that does not inflate, a container inside a container, a service message
    /// that does not decode (`Event::Unreadable` of the session). It was dropped; it may have
    /// been an update, so the reader may want to fetch what it missed (`updates.getDifference`).
    Unreadable {
        /// The message's body as received (still packed, if it came gzip_packed).
        body: Vec<u8>,
        /// Why it cannot be read.
        reason: String,
    },
    /// The server created a new session (first connection, or after a reconnect the server did
    /// not keep the session): updates may have been missed.
    NewSession {
        /// The first msg_id the new session covers.
        first_msg_id: i64,
    },
    /// The connection was lost; reconnecting. Comes again, with the new reason, when a new
    /// connection fails before the server answered on it.
    Disconnected {
        /// Why.
        reason: String,
    },
    /// Connected again, and the server has answered on the new connection; requests in flight
    /// are asked about, and those the server never got sent again.
    Reconnected {
        /// Attempts it took.
        attempts: u32,
    },
    /// Under PFS, a new temporary key was made and bound; the session moved onto it.
    KeyRenewed {
        /// The new temporary key's id.
        auth_key_id: u64,
    },
    /// Under PFS, the server refused a renewal (the exchange, or the new key's binding); the
    /// session stays on the current temporary key and tries again before it expires.
    RenewalFailed {
        /// Why.
        reason: String,
    },
    /// The channel was full ([`ConnectOptions::updates_capacity`]): `count` updates were
    /// dropped since the last `Missed` (or the start). It comes as soon as there is room again,
    /// before any later update, so the reader knows where the gap is: fetch what was missed
    /// (`updates.getDifference`). Any update but [`Update::Closed`] may be dropped, the
    /// connection's news too ([`Client::state`] tells the state now).
    Missed {
        /// Updates dropped.
        count: u64,
    },
    /// The client closed: it gave up, [`Client::close`] was called, or every client was
    /// dropped. Every request in flight failed and later ones fail at once. The last update;
    /// never dropped (on a full channel it waits for room).
    Closed {
        /// Why.
        reason: String,
    },
}

/// The state of a client's connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Connected.
    Connected,
    /// Lost; reconnecting (until the server answers on a new connection).
    Reconnecting,
    /// Given up or ended.
    Closed,
}

/// The state shared between the clients and the session task.
#[derive(Debug)]
struct Shared {
    state: AtomicU8,
    reconnects: AtomicU64,
    /// Names each request, so that its caller can withdraw it ([`Cmd::Cancel`]).
    next_ticket: AtomicU64,
    /// Requests the session task holds (sent, queued or held back), kept up to date by it.
    in_flight: AtomicUsize,
    /// Updates dropped for a full channel.
    updates_dropped: AtomicU64,
    /// [`Session::rtt`] in nanoseconds, [`NO_RTT`] before the first measurement, kept up to
    /// date by the session task.
    rtt: AtomicU64,
    /// Changed by the session task when it renews a temporary key.
    keys: Mutex<Keys>,
    /// Why the client closed, once it has.
    closed: Mutex<Option<String>>,
    /// Frames dropped unread for failing the checks ([`Client::rejected_frames`]), and why
    /// the last one was.
    rejected: AtomicU64,
    last_rejection: Mutex<Option<String>>,
    /// Turns `true` when the session task has ended ([`Client::closed`]).
    ended: watch::Sender<bool>,
    /// Requests that failed with [`Error::Closed`] when the client closed
    /// ([`Client::shutdown`]'s answer).
    failed_at_close: AtomicUsize,
    /// [`Client::shutdown`] was called ([`Client::is_shutting_down`]).
    shutting_down: AtomicBool,
}

impl Shared {
    fn set(&self, state: State) {
        self.state.store(state as u8, Ordering::Release);
    }

    /// Marks the client closed for `reason`.
    fn close(&self, reason: &str) {
        *self.closed.lock().unwrap_or_else(|e| e.into_inner()) = Some(reason.to_string());
        self.set(State::Closed);
    }

    /// Counts a frame the session refused, for `why`; returns the count so far.
    fn rejected(&self, why: String) -> u64 {
        *self.last_rejection.lock().unwrap_or_else(|e| e.into_inner()) = Some(why);
        self.rejected.fetch_add(1, Ordering::Relaxed) + 1
    }

    fn keys(&self) -> MutexGuard<'_, Keys> {
        // Plain data: still consistent if a holder panicked.
        self.keys.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The keys and session a connection runs on.
#[derive(Debug, Clone)]
struct Keys {
    /// The key the session runs on (the temporary one under PFS).
    auth_key: AuthKey,
    /// The permanent key under PFS.
    perm_key: Option<AuthKey>,
    /// When the temporary key expires (server time), under PFS.
    expires_at: Option<i32>,
    session_id: i64,
    server_salt: i64,
}

/// Builds a body from the msg_id it will be sent with.
type BuildBody = Box<dyn FnOnce(i64) -> Vec<u8> + Send>;

/// Where a request's answer goes.
type Reply = oneshot::Sender<Result<Vec<u8>, Error>>;

/// Names a request between a client and the session task.
type Ticket = u64;

/// A request's body: whole, or built from the msg_id it goes out with.
enum Body {
    Raw(Vec<u8>),
    WithMsgId(BuildBody),
}

/// A request handed to the session task.
struct Request {
    ticket: Ticket,
    body: Body,
    reply: Reply,
}

/// What a client tells the session task.
enum Cmd {
    Request(Request),
    /// The caller stopped waiting (timed out, or dropped the future): forget the request.
    Cancel(Ticket),
    /// [`Client::close`]; `connect` gives a reason when the new key's binding failed.
    Close(Option<String>),
    /// [`Client::shutdown`]: take no more requests, close once those in flight are done or
    /// at this deadline (`None`: never), whichever comes first.
    Shutdown(Option<tokio::time::Instant>),
    /// [`Client::set_init_prefix`].
    SetInitPrefix(Option<Vec<u8>>),
}

/// Withdraws a request ([`Cmd::Cancel`]) when its caller stops waiting before the answer.
struct CancelOnDrop<'a> {
    cmds: &'a mpsc::UnboundedSender<Cmd>,
    /// `None` once the answer (or the session task's end) came.
    ticket: Option<Ticket>,
}

impl Drop for CancelOnDrop<'_> {
    fn drop(&mut self) {
        if let Some(ticket) = self.ticket {
            // The session task may be gone: then there is nothing to withdraw.
            let _ = self.cmds.send(Cmd::Cancel(ticket));
        }
    }
}

/// The body of `f`; a request holding a `string` or `bytes` value TL cannot represent (over
/// 16 MiB − 1), which no message could carry either, fails as every request too long does.
fn encode_request<F: tl_codec::Function>(f: &F) -> Result<Vec<u8>, Error> {
    tl_codec::try_to_bytes(f)
        .map_err(|_| Error::Request(RequestError::Invalid("a string or bytes value over 16 MiB")))
}

/// A connected client; clone it to invoke from many tasks. The connection lives until
/// [`Client::close`], until every clone is dropped, or until it gives up.
///
/// A request waits for its answer as long as the connection lives, unless
/// [`ConnectOptions::request_timeout`] is set or it is sent with [`Client::invoke_timeout`] /
/// [`Client::invoke_raw_timeout`] ([`Error::RequestTimeout`]). A request timed out, or whose
/// future is dropped (by an outer `tokio::time::timeout` or `select!`, say), is withdrawn: the
/// session task forgets it at once, it is not sent again after a reconnect, and its answer, if
/// one comes, is discarded. One already sent is also withdrawn at the server with
/// `rpc_drop_answer`, though the server may have carried it out already.
#[derive(Debug, Clone)]
pub struct Client {
    cmds: mpsc::UnboundedSender<Cmd>,
    shared: Arc<Shared>,
    /// [`ConnectOptions::request_timeout`].
    request_timeout: Option<Duration>,
}

impl Client {
    /// Sends `f` and waits for its raw result (decode it with [`decode_result`]), at most
    /// [`ConnectOptions::request_timeout`].
    pub async fn invoke<F: tl_codec::Function>(&self, f: &F) -> Result<Vec<u8>, Error> {
        self.invoke_raw(encode_request(f)?).await
    }

    /// Sends `f`, decodes its answer and hands it to `read`; returns what `read` returns.
    ///
    /// The answer is decoded zero-copy: it borrows from the response, which lives only while
    /// `read` runs, so `read` takes out what the caller needs. To keep the whole answer, take
    /// the bytes from [`Client::invoke`] instead and keep them with the value: generated
    /// bindings have `Owned` for that (`api::Owned::<F::Return<'static>>::decode(raw)?`).
    /// An answer that does not decode as `F`'s result fails with [`Error::Decode`], an
    /// `rpc_error` with [`Error::Request`] ([`Error::rpc`]).
    ///
    /// ```no_run
    /// # async fn demo(client: mtproto_runtime::net::Client) -> Result<(), mtproto_runtime::net::Error> {
    /// use mtproto_runtime::schema::functions::Ping;
    /// let echoed = client.invoke_map(&Ping { ping_id: 7 }, |pong| pong.ping_id).await?;
    /// # Ok(()) }
    /// ```
    pub async fn invoke_map<F, T>(
        &self,
        f: &F,
        read: impl for<'r> FnOnce(F::Return<'r>) -> T,
    ) -> Result<T, Error>
    where
        F: tl_codec::Function,
    {
        let raw = self.invoke(f).await?;
        let answer = decode_result::<F>(&raw)?;
        Ok(read(answer))
    }

    /// [`Client::invoke`], failing with [`Error::RequestTimeout`] if no answer came within
    /// `limit` (instead of [`ConnectOptions::request_timeout`]).
    pub async fn invoke_timeout<F: tl_codec::Function>(
        &self,
        f: &F,
        limit: Duration,
    ) -> Result<Vec<u8>, Error> {
        self.invoke_raw_timeout(encode_request(f)?, limit).await
    }

    /// Sends an encoded request and waits for its raw result, at most
    /// [`ConnectOptions::request_timeout`].
    pub async fn invoke_raw(&self, body: Vec<u8>) -> Result<Vec<u8>, Error> {
        self.send(Body::Raw(body), self.request_timeout).await
    }

    /// [`Client::invoke_raw`], failing with [`Error::RequestTimeout`] if no answer came within
    /// `limit` (instead of [`ConnectOptions::request_timeout`]).
    pub async fn invoke_raw_timeout(&self, body: Vec<u8>, limit: Duration) -> Result<Vec<u8>, Error> {
        self.send(Body::Raw(body), Some(limit)).await
    }

    /// Sends a request whose body must name the msg_id it goes out with (`auth.bindTempAuthKey`):
    /// `build` gets that msg_id. See [`Session::invoke_with_msg_id`]. At most
    /// [`ConnectOptions::request_timeout`].
    pub async fn invoke_with_msg_id(
        &self,
        build: impl FnOnce(i64) -> Vec<u8> + Send + 'static,
    ) -> Result<Vec<u8>, Error> {
        self.send(Body::WithMsgId(Box::new(build)), self.request_timeout).await
    }

    /// Hands a request to the session task and waits for its answer, at most `limit`;
    /// withdraws it if the wait ends early (timed out, or this future dropped).
    async fn send(&self, body: Body, limit: Option<Duration>) -> Result<Vec<u8>, Error> {
        let ticket = self.shared.next_ticket.fetch_add(1, Ordering::Relaxed);
        let (reply, answer) = oneshot::channel();
        self.cmds.send(Cmd::Request(Request { ticket, body, reply })).map_err(|_| Error::Closed)?;
        let mut pending = CancelOnDrop { cmds: &self.cmds, ticket: Some(ticket) };
        let answer = match limit {
            None => answer.await,
            Some(limit) => match tokio::time::timeout(limit, answer).await {
                Ok(answer) => answer,
                // `pending` withdraws the request.
                Err(_) => return Err(Error::RequestTimeout { limit }),
            },
        };
        pending.ticket = None;
        answer.map_err(|_| Error::Closed)?
    }

    /// Binds this session's (temporary) key to the permanent key `perm` until `expires_at`
    /// (server Unix time) with `auth.bindTempAuthKey`. [`connect`] does this itself under PFS;
    /// call it again to bind to another permanent key.
    pub async fn bind_temp_auth_key(&self, perm: &AuthKey, expires_at: i32) -> Result<(), Error> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let keys = self.shared.keys().clone();
            let build = bind_body(perm.clone(), keys.auth_key, keys.session_id, expires_at);
            match bind_outcome(self.invoke_with_msg_id(build).await, attempt) {
                Some(outcome) => return outcome,
                None => continue,
            }
        }
    }

    /// The id of the key the session runs on (the temporary key under PFS).
    pub fn auth_key_id(&self) -> u64 {
        self.shared.keys().auth_key.id()
    }

    /// The key the session runs on (the temporary key under PFS, which changes when renewed).
    pub fn auth_key(&self) -> AuthKey {
        self.shared.keys().auth_key.clone()
    }

    /// The permanent key, under PFS. Keep it to reuse it: it is the account's login.
    pub fn perm_auth_key(&self) -> Option<AuthKey> {
        self.shared.keys().perm_key.clone()
    }

    /// When the temporary key expires (server Unix time), under PFS.
    pub fn temp_key_expires_at(&self) -> Option<i32> {
        self.shared.keys().expires_at
    }

    /// The session id (kept across reconnects; a renewed temporary key starts a new session).
    pub fn session_id(&self) -> i64 {
        self.shared.keys().session_id
    }

    /// The server salt in use now (it moves on `bad_server_salt` and future salts): save it
    /// with the key.
    pub fn server_salt(&self) -> i64 {
        self.shared.keys().server_salt
    }

    /// The connection's state now.
    pub fn state(&self) -> State {
        match self.shared.state.load(Ordering::Acquire) {
            0 => State::Connected,
            1 => State::Reconnecting,
            _ => State::Closed,
        }
    }

    /// Why the client closed ([`Update::Closed`]'s reason), once it has; [`Error::Closed`]
    /// from later requests does not repeat it.
    pub fn close_reason(&self) -> Option<String> {
        self.shared.closed.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// The smoothed round trip to the server, as the session measures it from pongs (keep-alive
    /// pings, and the ping that probes each new connection) and from answers to its
    /// `msgs_state_req` ([`Session::rtt`]); `None` before the first.
    pub fn rtt(&self) -> Option<Duration> {
        match self.shared.rtt.load(Ordering::Relaxed) {
            NO_RTT => None,
            nanos => Some(Duration::from_nanos(nanos)),
        }
    }

    /// Successful reconnects so far.
    pub fn reconnects(&self) -> u64 {
        self.shared.reconnects.load(Ordering::Relaxed)
    }

    /// Requests the session task holds now: sent and not yet answered, or waiting to be sent
    /// (during a reconnect or a key renewal). A request answered, failed, timed out or
    /// abandoned is not counted (the session task catches up with a withdrawal a moment
    /// after it). Keep-alive pings and key bindings of its own are not counted either.
    pub fn requests_in_flight(&self) -> usize {
        self.shared.in_flight.load(Ordering::Relaxed)
    }

    /// Updates dropped so far because the channel was full ([`ConnectOptions::updates_capacity`]);
    /// [`Update::Missed`] reports them in the channel too. Updates discarded because the
    /// receiver was dropped are not counted.
    pub fn updates_dropped(&self) -> u64 {
        self.shared.updates_dropped.load(Ordering::Relaxed)
    }

    /// Replaces [`ConnectOptions::init_prefix`] (a parameter of `initConnection` changed, the
    /// language say): the next requests carry the new prefix until one is answered, as after
    /// a reconnect, and those sent in the old one carry the new one if they are sent again
    /// ([`Session::set_init_prefix`]); `None` stops wrapping. A prefix
    /// [`connect`] would refuse is refused here too ([`Error::InvalidOptions`]).
    pub fn set_init_prefix(&self, prefix: Option<Vec<u8>>) -> Result<(), Error> {
        if let Some(prefix) = &prefix {
            if let Err(why) = check_init_prefix(prefix, MAX_REQUEST_LEN) {
                return Err(Error::InvalidOptions(format!("init_prefix ({} bytes): {why}", prefix.len())));
            }
        }
        self.cmds.send(Cmd::SetInitPrefix(prefix)).map_err(|_| Error::Closed)
    }

    /// Frames dropped unread so far because they failed the checks: an auth_key_id or msg_key
    /// that does not match (tampered with, or not for this key), a msg_id outside the time
    /// window or seen before (a replay), a frame too short to be a message, an unencrypted
    /// frame outside a key exchange. The connection goes on as if they had not come. (A frame
    /// that passes the checks but holds a message that cannot be read is reported by
    /// [`Update::Unreadable`] instead; frames still on the way under the temporary key a
    /// renewal just replaced are dropped without being counted.)
    pub fn rejected_frames(&self) -> u64 {
        self.shared.rejected.load(Ordering::Relaxed)
    }

    /// Why the last frame counted by [`Client::rejected_frames`] was dropped.
    pub fn last_rejection(&self) -> Option<String> {
        self.shared.last_rejection.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Closes the connection for every clone of this client at once: requests in flight and
    /// later ones fail with [`Error::Closed`], and [`Update::Closed`] is the last update.
    /// Dropping every clone closes it too. [`Client::shutdown`] lets the requests in flight
    /// finish first; [`Client::closed`] waits for the end.
    ///
    /// A request that fails with [`Error::Closed`] may still have been carried out: it may
    /// have reached the server before the close.
    pub fn close(&self) {
        // Already closed if the task is gone.
        let _ = self.cmds.send(Cmd::Close(None));
    }

    /// Closes the connection gracefully, for every clone of this client: new requests fail
    /// with [`Error::Closed`] from this call on, the requests in flight get up to `limit` to be
    /// answered (through reconnects, if need be), the acknowledgements owed to the server go
    /// out, then the connection closes as [`Client::close`] closes it (requests still
    /// unanswered fail with [`Error::Closed`]). `Duration::MAX` waits for every answer, however
    /// long.
    ///
    /// The shutdown starts with the call, not when the returned future is first polled; the
    /// future resolves once the connection is closed, with the number of requests that failed
    /// with [`Error::Closed`] then (0: every request in flight had its answer). Dropping it does
    /// not stop the shutdown; a later [`Client::close`] cuts it short. [`Client::state`] keeps
    /// telling the connection's state until the close; [`Client::is_shutting_down`] tells
    /// that a shutdown began.
    pub fn shutdown(&self, limit: Duration) -> impl Future<Output = usize> + Send + 'static {
        self.shared.shutting_down.store(true, Ordering::Release);
        let deadline = tokio::time::Instant::now().checked_add(limit);
        // Refused when the task is gone: closed already.
        let _ = self.cmds.send(Cmd::Shutdown(deadline));
        let (closed, shared) = (self.closed(), self.shared.clone());
        async move {
            closed.await;
            shared.failed_at_close.load(Ordering::Relaxed)
        }
    }

    /// Whether [`Client::shutdown`] was called on this client or a clone: from then on new
    /// requests fail with [`Error::Closed`], while [`Client::state`] still tells whether the
    /// connection is up for the requests in flight. It stays `true` once closed.
    pub fn is_shutting_down(&self) -> bool {
        self.shared.shutting_down.load(Ordering::Acquire)
    }

    /// Waits until the connection is closed for good (by [`Client::close`] or
    /// [`Client::shutdown`], or because it gave up: [`Update::Closed`] says why, as does
    /// [`Client::close_reason`]). By then every request has its answer or its error, and the
    /// session task has ended.
    ///
    /// The future holds no [`Client`]: a task awaiting it does not keep the connection open
    /// once every clone is dropped (which closes it, and so ends the wait).
    pub fn closed(&self) -> impl Future<Output = ()> + Send + 'static {
        let mut ended = self.shared.ended.subscribe();
        async move {
            // An error means the sender is gone with the last `Shared`: ended too.
            let _ = ended.wait_for(|&ended| ended).await;
        }
    }
}

/// The body of `auth.bindTempAuthKey` binding `temp` (in session `session_id`) to `perm`, for
/// [`Session::invoke_with_msg_id`].
fn bind_body(perm: AuthKey, temp: AuthKey, session_id: i64, expires_at: i32) -> impl FnOnce(i64) -> Vec<u8> {
    move |msg_id| bind_temp_auth_key(&perm, &temp, session_id, expires_at, msg_id, &mut OsRandom::new()).0
}

/// What the answer to attempt `attempt` of a binding means: done, failed, or `None` to build it
/// again (a resend changed the msg_id it names; the server calls it ENCRYPTED_MESSAGE_INVALID).
fn bind_outcome(answer: Result<Vec<u8>, Error>, attempt: u32) -> Option<Result<(), Error>> {
    Some(match answer {
        Ok(raw) => match decode_result::<BindTempAuthKey<'_>>(&raw) {
            Ok(true) => Ok(()),
            Ok(false) => Err(Error::Bind("the server answered boolFalse".into())),
            Err(e) => Err(Error::Bind(e.to_string())),
        },
        Err(Error::Request(RequestError::Rpc(e)))
            if e.message == "ENCRYPTED_MESSAGE_INVALID" && attempt < BIND_ATTEMPTS =>
        {
            return None
        }
        Err(Error::Request(e)) => Err(Error::Bind(e.to_string())),
        Err(e) => Err(e),
    })
}

/// Resolves `addr` once, connects, runs the auth-key exchange (two under PFS, then the binding)
/// and starts the session task. Returns the client and the [`Update`] channel. Reconnects go to
/// the addresses resolved here.
///
/// The channel holds at most [`ConnectOptions::updates_capacity`] updates: read it (or drop the
/// receiver, and updates are discarded). When it is full, further updates are dropped, never
/// waited for, so answers to requests keep coming; the reader learns of the gap from
/// [`Update::Missed`] (and [`Client::updates_dropped`]) and can fetch what it missed
/// (`updates.getDifference`).
pub async fn connect(
    addr: impl ToSocketAddrs,
    options: ConnectOptions,
) -> Result<(Client, mpsc::Receiver<Update>), Error> {
    options.check()?;
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host(addr).await?.collect();
    let (mut stream, mut transport) = open(&addrs, &options).await?;
    let limit = options.handshake_timeout;
    // The key the session runs on, its first salt, the server's time when known, and the
    // temporary key's lifetime under PFS; and the permanent key under PFS.
    let (perm_key, start) = match (&options.saved_key, options.handshake.temp_key_expires_in) {
        (Some(saved), None) => (None, Start::saved(saved)),
        (Some(saved), Some(_)) => {
            let temp = timed(limit, client_handshake(&mut stream, &mut transport, options.handshake.clone()))
                .await?;
            (Some(saved.auth_key.clone()), Start::from(temp))
        }
        (None, Some(_)) => {
            let mut config = options.handshake.clone();
            config.temp_key_expires_in = None;
            let perm = timed(limit, client_handshake(&mut stream, &mut transport, config)).await?;
            let mut config = options.handshake.clone();
            config.trusted_primes.push(perm.dh_prime.clone());
            let temp = timed(limit, client_handshake(&mut stream, &mut transport, config)).await?;
            (Some(perm.auth_key), Start::from(temp))
        }
        (None, None) => {
            let finished =
                timed(limit, client_handshake(&mut stream, &mut transport, options.handshake.clone()))
                    .await?;
            (None, Start::from(finished))
        }
    };
    let mut session_id = [0u8; 8];
    crate::Random::fill(&mut OsRandom::new(), &mut session_id);
    let session_id = i64::from_le_bytes(session_id);
    let clock = SystemClock;
    let config = SessionConfig {
        ack_delay: options.ack_delay,
        state_request_after: options.state_request_after,
        init_prefix: options.init_prefix.clone(),
        // Under PFS, a request refused for want of a binding waits for a new key's.
        hold_when_unbound: perm_key.is_some(),
        flood_sleep_threshold: options.flood_sleep_threshold,
        future_salts: options.future_salts,
        ..SessionConfig::default()
    };
    let mut session =
        Session::with_config(start.auth_key.clone(), start.server_salt, session_id, clock, config);
    // Without a fresh exchange the server's time is unknown: the local clock stands until a
    // bad_msg_notification 16/17 brings the server's.
    if let Some(server_time) = start.server_time {
        session.set_time_offset(i64::from(server_time) - clock.now().as_secs() as i64);
    }
    let expires_at = match (start.expires_in, start.server_time) {
        (Some(e), Some(t)) => Some(t.saturating_add(e)),
        _ => None,
    };
    let finished = start;
    let keys = Keys {
        auth_key: finished.auth_key,
        perm_key: perm_key.clone(),
        expires_at,
        session_id,
        server_salt: finished.server_salt,
    };
    let shared = Arc::new(Shared {
        state: AtomicU8::new(State::Connected as u8),
        reconnects: AtomicU64::new(0),
        next_ticket: AtomicU64::new(0),
        in_flight: AtomicUsize::new(0),
        updates_dropped: AtomicU64::new(0),
        rtt: AtomicU64::new(NO_RTT),
        keys: Mutex::new(keys),
        closed: Mutex::new(None),
        rejected: AtomicU64::new(0),
        last_rejection: Mutex::new(None),
        ended: watch::Sender::new(false),
        failed_at_close: AtomicUsize::new(0),
        shutting_down: AtomicBool::new(false),
    });
    let (cmds, cmd_rx) = mpsc::unbounded_channel();
    let (updates_tx, updates) = mpsc::channel(options.updates_capacity);
    let renewal = match (&perm_key, finished.expires_in, expires_at) {
        (Some(perm), Some(lifetime), Some(at)) => {
            Some(driver::Pfs::new(perm.clone(), lifetime, at, session.server_time(), &options))
        }
        _ => None,
    };
    let request_timeout = options.request_timeout;
    let peer = stream.peer_addr().map_or_else(|_| "?".into(), |a| a.to_string());
    let kind = options.kind;
    let driver = driver::Driver::new(addrs, options, session, cmd_rx, updates_tx, shared.clone(), renewal);
    tokio::spawn(driver.run(stream, transport));
    let client = Client { cmds, shared, request_timeout };
    if let (Some(perm), Some(expires_at)) = (perm_key, expires_at) {
        if let Err(e) = timed(limit, client.bind_temp_auth_key(&perm, expires_at)).await {
            let reason = format!("binding the temporary key failed: {e}");
            log::warn!("connecting to {peer}: {reason}");
            let _ = client.cmds.send(Cmd::Close(Some(reason)));
            return Err(e);
        }
    }
    log::info!(
        "connected to {peer} over {kind:?}: auth key {:016x}{}",
        client.auth_key_id(),
        if client.perm_auth_key().is_some() { " (temporary, bound: PFS)" } else { "" },
    );
    Ok((client, updates))
}

/// `step`, or [`Error::HandshakeTimeout`] once `limit` has passed.
async fn timed<T>(
    limit: Duration,
    step: impl std::future::Future<Output = Result<T, Error>>,
) -> Result<T, Error> {
    match tokio::time::timeout(limit, step).await {
        Ok(result) => result,
        Err(_) => Err(Error::HandshakeTimeout),
    }
}

/// What a session starts from: a fresh exchange's result, or a saved key.
struct Start {
    auth_key: AuthKey,
    server_salt: i64,
    server_time: Option<i32>,
    expires_in: Option<i32>,
}

impl Start {
    fn saved(saved: &SavedKey) -> Start {
        Start {
            auth_key: saved.auth_key.clone(),
            server_salt: saved.server_salt,
            server_time: None,
            expires_in: None,
        }
    }
}

impl From<Finished> for Start {
    fn from(f: Finished) -> Start {
        Start {
            auth_key: f.auth_key,
            server_salt: f.server_salt,
            server_time: Some(f.server_time),
            expires_in: f.expires_in,
        }
    }
}

/// Opens a TCP connection to the first of `addrs` that answers, with a fresh transport.
async fn open(addrs: &[SocketAddr], options: &ConnectOptions) -> Result<(TcpStream, Transport), Error> {
    let stream = tokio::time::timeout(options.connect_timeout, TcpStream::connect(addrs))
        .await
        .map_err(|_| Error::Io(std::io::ErrorKind::TimedOut.into()))??;
    stream.set_nodelay(true)?;
    Ok((stream, options.transport()?))
}

/// The server (or something on the path) closed the connection.
fn peer_closed() -> Error {
    Error::Io(std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "the server closed the connection"))
}

/// Reads until the transport yields one payload.
async fn read_payload<S: AsyncRead + Unpin>(stream: &mut S, t: &mut Transport) -> Result<Vec<u8>, Error> {
    let mut buf = vec![0u8; READ_CHUNK];
    loop {
        loop {
            match t.next_frame()? {
                Some(Frame::Payload { data, .. }) => return Ok(data.to_vec()),
                Some(Frame::QuickAck(_)) => continue,
                None => break,
            }
        }
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            return Err(peer_closed());
        }
        t.feed(&buf[..n]);
    }
}

async fn send_plain<S: AsyncWrite + Unpin>(
    stream: &mut S,
    t: &mut Transport,
    msg_id: i64,
    body: &[u8],
) -> Result<(), Error> {
    let mut env = Vec::with_capacity(20 + body.len());
    plain::pack(msg_id, body, &mut env);
    let mut out = Vec::new();
    t.pack(&env, false, &mut out)?;
    stream.write_all(&out).await?;
    Ok(())
}

/// Runs the client side of the auth-key exchange over `stream`.
pub async fn client_handshake<S: AsyncRead + AsyncWrite + Unpin>(
    stream: &mut S,
    t: &mut Transport,
    config: ClientConfig,
) -> Result<Finished, Error> {
    let (mut hs, mut body) = ClientHandshake::new(config, OsRandom::new());
    let mut ids = MsgIds::new(0);
    loop {
        send_plain(stream, t, ids.next(SystemClock.now()), &body).await?;
        let frame = read_payload(stream, t).await?;
        let answer = plain::unpack(&frame).map_err(|e| Error::Plain(e.to_string()))?;
        match hs.handle(answer.body).map_err(Error::Handshake)? {
            Step::Send(next) => body = next,
            Step::Done(done) => return Ok(*done),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A request TL cannot encode fails like any request too long, rather than panicking in
    /// `invoke` before the session could refuse it.
    #[test]
    fn a_request_holding_a_value_too_long_for_tl_is_refused_not_a_panic() {
        use crate::schema::functions::ReqDhParams;
        let long = vec![0u8; tl_codec::MAX_BYTES_LEN + 1];
        fn f(data: &[u8]) -> ReqDhParams<'_> {
            ReqDhParams {
                nonce: [0; 16],
                server_nonce: [0; 16],
                p: b"pp",
                q: b"qq",
                public_key_fingerprint: 1,
                encrypted_data: data,
            }
        }
        let err = encode_request(&f(&long)).expect_err("too long");
        assert!(matches!(err, Error::Request(RequestError::Invalid(_))), "{err:?}");
        assert_eq!(encode_request(&f(b"data")).expect("fits"), tl_codec::to_bytes(&f(b"data")));
    }

    #[test]
    fn backoff_doubles_and_is_bounded() {
        let r = Reconnect {
            max_attempts: 40,
            initial_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(2),
        };
        let delays: Vec<u64> = (1..=7).map(|n| r.delay(n).as_millis() as u64).collect();
        assert_eq!(delays, [0, 100, 200, 400, 800, 1600, 2000]);
        assert_eq!(r.delay(40), Duration::from_secs(2));
        assert_eq!(r.delay(u32::MAX), Duration::from_secs(2));
        assert_eq!(Reconnect::never().max_attempts, 0);
    }
}
