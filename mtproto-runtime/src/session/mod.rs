//! The MTProto session, sans-IO: msg_ids, seq_nos, salts, acks, containers, gzip, RPC routing.
//!
//! A [`Session`] turns requests into encrypted messages ([`Session::flush`]) and received
//! encrypted messages into [`Event`]s ([`Session::receive`], [`Session::poll_event`]). It never
//! touches a socket; the time comes from an injected [`Clock`]. The client side is [`Session`];
//! the test server's side is `server::ServerSession` (feature `server`).
//!
//! Every received message is checked before anything in it is trusted: the envelope checks of
//! [`decrypt_message`] (auth_key_id, msg_key, length, padding, session_id), then the msg_id's
//! parity, the replay window and, once the clock is synced, the time window (which
//! bad_server_salt and bad_msg_notification may miss: they are what corrects the clock). A
//! failing message is dropped and reported as a [`SessionError`]; the session lives on.
//!
//! A sent request that gets neither its answer nor an acknowledgement for
//! [`SessionConfig::state_request_after`] is asked about with `msgs_state_req` (the clock
//! drives it: [`Session::next_deadline`]); the server's `msgs_state_info` has it sent again
//! under a new msg_id if the server never got it, its answer asked for again
//! (`msg_resend_ans_req`) if that was made and lost, or waited for if it is being worked on.
//! After a reconnect the same questions come at once ([`Session::reconnected`]) rather than
//! the requests in flight again: the server keeps the session across connections, and may
//! have run them already; those the server had acknowledged are asked about too, once still
//! unanswered an interval after the reconnect (their answers may have been lost with the old
//! connection). A request the server says nothing of after such a question goes out again,
//! though not before [`MIN_RESEND_AFTER_SILENCE`] nor twice the measured round trip
//! ([`Session::rtt`]). A `msg_resend_req` from the server (it lost messages of ours) has the
//! requests it names sent again under new msg_ids.
//!
//! With [`SessionConfig::init_prefix`] (`invokeWithLayer(initConnection(…))` encoded around
//! [`tl_codec::Tail`]) the session puts those bytes before the requests going out while the
//! server may not know the client's parameters ([`Session::init_needed`]): from the start and
//! after a reconnect, a new key or a new server session, until a request sent with them gets a
//! result. The session reads nothing of them: it knows `mtproto.tl`, not the API schema.

#[cfg(all(test, feature = "server"))]
mod carry;
mod clock;
#[cfg(feature = "server")]
pub mod server;
pub mod wire;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
use std::fmt;
use std::time::Duration;

use tl_codec::Function;

pub use clock::{msg_id_at, Clock, IdError, MsgIds, ReplayWindow, SystemClock};
pub use wire::GzipError;

use crate::crypto::Side;
use crate::encrypted::{decrypt_message, encrypt_message, DecryptError, MessageHeader};
use crate::random::Random;
use crate::schema::{functions, types};
use crate::AuthKey;

/// A message id, as returned by [`Session::invoke`] to match the completion.
pub type MsgId = i64;

/// How many received msg_ids the replay window remembers. A server announcing what it sent on
/// a lost connection (`msg_new_detailed_info`) names ids from before the loss, and each
/// announcement is a message of its own: an id pushed out of the window meanwhile can only be
/// acknowledged unseen. 2048 covers the 1024 unacknowledged updates the test server keeps,
/// announced after as many of its own messages, at 16 KiB a session.
const REPLAY_WINDOW: usize = 2048;
/// Most ids one msgs_ack carries.
const MAX_ACKS: usize = 8192;
/// Most ids one msg_resend_req carries (the spec's limit per vector of ids).
const MAX_RESEND_IDS: usize = 8192;
/// How many answer ids already asked for with msg_resend_req are remembered, so that repeated
/// msg_detailed_info about one answer does not ask again; the oldest are forgotten first.
const ASKED_MEMORY: usize = 256;
/// Most ids one msgs_state_req (or msg_resend_ans_req) carries: the spec's limit per vector of
/// ids. More requests due at once go out in further messages, one per flush.
const MAX_STATE_IDS: usize = 8192;
/// How many msgs_state_req sent and not yet answered are remembered (with the ids each asked
/// about); an answer to one forgotten is ignored, and its requests are asked about again.
const STATE_REQS_REMEMBERED: usize = 32;

/// The default [`SessionConfig::state_request_after`]. A server slow to answer a query may
/// acknowledge it first; half a minute with neither is long past an ordinary answer, so the
/// request (or its answer) was most likely lost, while a slow one costs one short message.
pub const DEFAULT_STATE_REQUEST_AFTER: Duration = Duration::from_secs(30);
/// The shortest [`SessionConfig::state_request_after`]; a shorter one counts as this. Asking
/// at every flush would flood the connection (and zero would ask again at once, forever).
pub const MIN_STATE_REQUEST_AFTER: Duration = Duration::from_millis(100);
/// The least time a request asked about after a reconnect waits for the server to say
/// anything of it before it is sent again (see [`SessionConfig::state_request_after`]): a short
/// `state_request_after` against a slow server must not have it run twice.
pub const MIN_RESEND_AFTER_SILENCE: Duration = Duration::from_secs(5);
/// Future salts are asked for again once those known run out this soon (server time), so
/// that the salt in use is never one the server stopped taking.
pub const SALTS_MARGIN: Duration = Duration::from_secs(600);
/// The least time between two asks for future salts: a server that answers with none, or
/// with an error, is not asked at every flush.
const SALTS_ASK_EVERY: Duration = Duration::from_secs(600);

/// How many times a request the server acknowledged before a reconnect is asked about after
/// it, an interval apart, while it stays unanswered and the server says it has it (its answer
/// may have been lost with the old connection, and a server need not send it again unasked).
const ASKS_AFTER_RECONNECT: u8 = 3;

/// How many times the answer to a request is asked for (msg_resend_ans_req) after the server
/// said it made it: once more and the request fails with [`RequestError::AnswerLost`], rather
/// than be asked about for good when the server no longer has the answer.
pub const MAX_ANSWER_ASKS: u8 = 3;

/// The msgs_state_info status of a message received (the low three bits; 1, 2 and 3 say it
/// was not).
const STATE_RECEIVED: u8 = 4;
/// The msgs_state_info flag: the answer to the query in the message was already made.
const STATE_ANSWERED: u8 = 64;

/// Tunables of a session.
#[derive(Debug, Clone)]
pub struct SessionConfig {
    /// Cap on an inflated gzip_packed object.
    pub max_inflated: usize,
    /// Requests at least this long are sent gzip_packed when that makes them shorter.
    pub gzip_threshold: usize,
    /// Most messages per container.
    pub max_container_messages: usize,
    /// Most bytes per container body.
    pub max_container_bytes: usize,
    /// How long acknowledgements may wait for a message to ride along with
    /// ([`Session::wants_flush`] holds them back until then; any flush carries them). Zero:
    /// they are due at once.
    pub ack_delay: Duration,
    /// Acknowledgements are due at once when this many are owed.
    pub ack_batch: usize,
    /// The longest request body (as given: gzip_packed only makes it shorter); a longer one
    /// fails at once with [`RequestError::Invalid`]. The default keeps the encrypted message
    /// within the transports' 16 MiB frames, and a packed request within what a server
    /// inflates.
    pub max_request_len: usize,
    /// How long a sent request may go with neither its answer nor an acknowledgement before
    /// the session asks the server what became of it (`msgs_state_req`, one message for every
    /// request due, [`Session::state_request_deadline`] says when), and again each time as long
    /// passes once more. A request the server never got is sent again under a new msg_id; one
    /// whose answer was made but did not arrive is asked for with `msg_resend_ans_req`; one the
    /// server has and is still working on is waited for, not asked about again.
    ///
    /// After a reconnect ([`Session::reconnected`]) the requests the server never acknowledged
    /// are asked about at once. One it says nothing of goes out again once the longest of this
    /// interval, [`MIN_RESEND_AFTER_SILENCE`] (5 s) and twice the measured round trip
    /// ([`Session::rtt`]) has passed since the question: a server slow to answer is not sent
    /// the request twice for a short setting. The requests it had acknowledged are asked
    /// about once this interval has passed after the reconnect (their answers may have been
    /// lost with the old connection), and again each interval while the server says it is
    /// still working on them, at most three times.
    ///
    /// [`DEFAULT_STATE_REQUEST_AFTER`] by default; at least [`MIN_STATE_REQUEST_AFTER`];
    /// `None` never asks.
    pub state_request_after: Option<Duration>,
    /// The bytes put before a request while the server may not know the client's parameters
    /// (the *init prefix*): Telegram's servers want `initConnection` (wrapped in
    /// `invokeWithLayer`) with the first request and again after each binding of a temporary
    /// key. Both wrappers end with their query, so `invokeWithLayer(L, initConnection(…, q))`
    /// is this prefix followed by the bytes of `q`; build it with generated bindings and
    /// [`tl_codec::Tail`] in the query's place. The session knows `mtproto.tl` only: it
    /// prepends these bytes and never reads them.
    ///
    /// While initialization is needed ([`Session::init_needed`]) every request that goes out
    /// for the first time carries the prefix, except `mtproto.tl`'s own functions (pings,
    /// `rpc_drop_answer`, `get_future_salts`, `destroy_session`, …), service messages and
    /// requests naming their own msg_id ([`Session::invoke_with_msg_id`]:
    /// `auth.bindTempAuthKey`), and a body that begins with the prefix's constructor id
    /// already (the caller wrapped it; it counts as wrapped). Initialization is needed from the
    /// start, again after [`Session::reconnected`], [`Session::rekey`] and a
    /// `new_session_created`, and once more after a request is refused with
    /// `CONNECTION_NOT_INITED` or `CONNECTION_LAYER_INVALID`; it stops being needed when a
    /// request sent with the prefix gets a result that is not an `rpc_error`. The answer of a
    /// wrapped request is its query's (both wrappers return `X`): callers decode it as before.
    ///
    /// A request keeps the prefix on every resend once it has gone out with it; one sent
    /// without it gets it on a resend while initialization is needed. A request sent without
    /// the prefix and refused with one of the two errors above is sent again with it (it was
    /// not run); one refused so with the prefix fails with the error (the prefix is wrong).
    ///
    /// It must be whole 4-byte words, at least a constructor id; requests that would carry it
    /// must fit [`SessionConfig::max_request_len`] with it. Otherwise they fail at once with
    /// [`RequestError::Invalid`]. `None` (the default): requests go out as given.
    pub init_prefix: Option<Vec<u8>>,
    /// For a session on a PFS temporary key: a request the server refuses with rpc_error 401
    /// `AUTH_KEY_PERM_EMPTY` (it holds no binding for the key: it dropped or lost it, as
    /// Telegram's servers at times do) is held back instead of failing, and
    /// [`Event::KeyUnbound`] tells the owner, who binds a key (Telegram's clients make a new
    /// one) and calls [`Session::resend_pending`], which sends it again. Refused so a second
    /// time, it fails with the error. `false` (the default): the error fails the request.
    pub hold_when_unbound: bool,
    /// The longest wait a server may ask for (rpc_error 420 `FLOOD_WAIT_N`,
    /// `FLOOD_PREMIUM_WAIT_N`, `SLOWMODE_WAIT_N`: [`RpcError::flood_wait`]) that the session
    /// sits out itself: the request is held, [`Event::FloodWait`] says for how long, and it goes
    /// out again once the wait is over ([`Session::next_deadline`] includes it), as often as the
    /// server asks within this. A longer wait fails the request with the error, as every one
    /// does with `Duration::ZERO` (the default). A wait of 0 s counts as 1 s.
    pub flood_sleep_threshold: Duration,
    /// How many future salts to ask for (`get_future_salts`, at most 64) whenever those known
    /// run out within [`SALTS_MARGIN`] (from the start, then about every `n`×30 min), so that
    /// the session moves to each new salt as it comes into force instead of learning it from
    /// a `bad_server_salt` that sends requests again. The question rides along with a
    /// message going out anyway (never a message of its own), its answer completes no
    /// request of the owner's, and it is asked at most every 10 minutes. 0 (the default):
    /// never.
    pub future_salts: u8,
}

impl Default for SessionConfig {
    fn default() -> Self {
        SessionConfig {
            max_inflated: 16 << 20,
            gzip_threshold: 512,
            max_container_messages: wire::MAX_CONTAINER_MESSAGES,
            max_container_bytes: wire::MAX_CONTAINER_BYTES,
            ack_delay: Duration::ZERO,
            ack_batch: 64,
            max_request_len: MAX_REQUEST_LEN,
            state_request_after: Some(DEFAULT_STATE_REQUEST_AFTER),
            init_prefix: None,
            hold_when_unbound: false,
            flood_sleep_threshold: Duration::ZERO,
            future_salts: 0,
        }
    }
}

/// An RPC error answered by the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RpcError {
    /// error_code (e.g. 420, 400).
    pub code: i32,
    /// error_message (e.g. `FLOOD_WAIT_30`).
    pub message: String,
}

impl RpcError {
    /// An error with `code` and `message`.
    pub fn new(code: i32, message: impl Into<String>) -> Self {
        RpcError { code, message: message.into() }
    }

    /// The seconds of a `FLOOD_WAIT_N` (or `FLOOD_PREMIUM_WAIT_N`, `SLOWMODE_WAIT_N`) error.
    pub fn flood_wait(&self) -> Option<u32> {
        let (head, n) = self.message.rsplit_once('_')?;
        if head.ends_with("WAIT") {
            n.parse().ok()
        } else {
            None
        }
    }
}

impl fmt::Display for RpcError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "rpc error {}: {}", self.code, self.message)
    }
}

impl std::error::Error for RpcError {}

/// Why a request did not get a result.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RequestError {
    /// The server answered rpc_error.
    Rpc(RpcError),
    /// The server refused the message with a bad_msg_notification code the session cannot fix.
    BadMessage {
        /// The notification's error_code.
        code: i32,
    },
    /// The server dropped the answer (rpc_drop_answer) or the session gave up the request.
    Dropped,
    /// The result was gzip_packed and could not be inflated.
    Gzip(GzipError),
    /// The server said it made the answer, yet did not send it again when asked for it
    /// ([`MAX_ANSWER_ASKS`] times): it no longer has it. The request did run.
    AnswerLost,
    /// The request was never sent: its body cannot be one TL object in a message (empty, not
    /// a multiple of 4 bytes, or longer than [`SessionConfig::max_request_len`]).
    Invalid(&'static str),
    /// The server's answer cannot be read as a result: an `rpc_error` that does not decode
    /// (cut short, or bytes left after it), no object at all (shorter than a constructor id),
    /// or a service wrapper where the result object belongs (`rpc_result`, `msg_container`,
    /// or a `gzip_packed` inside the `gzip_packed` the result came in).
    MalformedResult {
        /// What is wrong with it.
        why: &'static str,
        /// The result as received (inflated if it came gzip_packed).
        raw: Vec<u8>,
    },
}

impl fmt::Display for RequestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RequestError::Rpc(e) => e.fmt(f),
            RequestError::BadMessage { code } => write!(f, "bad_msg_notification code {code}"),
            RequestError::Dropped => f.write_str("request dropped"),
            RequestError::AnswerLost => {
                f.write_str("the server made the answer but no longer has it (the request did run)")
            }
            RequestError::Gzip(e) => e.fmt(f),
            RequestError::Invalid(why) => write!(f, "request not sent: {why}"),
            RequestError::MalformedResult { why, raw } => {
                write!(f, "malformed result ({} bytes): {why}", raw.len())
            }
        }
    }
}

impl std::error::Error for RequestError {}

/// A result that did not decode as the function's `Return` type; the raw bytes are kept (an
/// unknown constructor from a newer layer, say).
#[derive(Debug, Clone, PartialEq)]
pub struct DecodeError {
    /// The codec's error.
    pub error: tl_codec::Error,
    /// The undecoded result.
    pub raw: Vec<u8>,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "undecodable result ({} bytes): {}", self.raw.len(), self.error)
    }
}

impl std::error::Error for DecodeError {}

/// The default [`SessionConfig::max_request_len`]: a 16 MiB frame less the envelope and the
/// most padding.
pub const MAX_REQUEST_LEN: usize = (16 << 20) - 2048;

/// Whether `body` can go out as one message: a whole number of 4-byte words, at least a
/// constructor id, at most `max` bytes.
fn check_body(body: &[u8], max: usize) -> Result<(), &'static str> {
    if body.len() < 4 {
        Err("a request body holds at least a constructor id (4 bytes)")
    } else if body.len() % 4 != 0 {
        Err("a request body is a whole number of 4-byte words")
    } else if body.len() > max {
        Err("the request body is longer than SessionConfig::max_request_len")
    } else {
        Ok(())
    }
}

/// Whether `prefix` can be a [`SessionConfig::init_prefix`] with requests of at most `max`
/// bytes: whole 4-byte words, at least a constructor id, and room left after it for one.
pub fn check_init_prefix(prefix: &[u8], max: usize) -> Result<(), &'static str> {
    if prefix.len() < 4 {
        Err("an init prefix holds at least a constructor id (4 bytes)")
    } else if prefix.len() % 4 != 0 {
        Err("an init prefix is a whole number of 4-byte words")
    } else if prefix.len() > max.saturating_sub(4) {
        Err("the init prefix leaves no room for a request within SessionConfig::max_request_len")
    } else {
        Ok(())
    }
}

/// The error a server answers an API request with on a temporary key it holds no binding for.
fn unbound(e: &RpcError) -> bool {
    e.code == 401 && e.message == "AUTH_KEY_PERM_EMPTY"
}

/// Errors a server answers a request with when it does not know the client's parameters
/// (`initConnection`) or its layer: the request was not run.
fn not_inited(e: &RpcError) -> bool {
    e.code == 400 && matches!(e.message.as_str(), "CONNECTION_NOT_INITED" | "CONNECTION_LAYER_INVALID")
}

/// What a request's result `r` (inflated) tells: an rpc_error, the result, or one that cannot
/// be read as either ([`RequestError::MalformedResult`]).
fn read_result(r: Vec<u8>) -> Result<Vec<u8>, RequestError> {
    use wire::{Misread, ResultObject};
    let why = match wire::result_object(&r) {
        ResultObject::Answer => return Ok(r),
        ResultObject::Error(e) => {
            return Err(RequestError::Rpc(RpcError {
                code: e.error_code,
                message: e.error_message.to_str_lossy().into_owned(),
            }))
        }
        ResultObject::Misread(Misread::BadRpcError) => "an rpc_error that does not decode",
        ResultObject::Misread(Misread::RpcResult) => "an rpc_result inside an rpc_result",
        ResultObject::Misread(Misread::Container) => "a msg_container as a result",
        // Only an inflated result can still start so: the one it came in was inflated.
        ResultObject::Misread(Misread::GzipPacked) => "gzip_packed inside gzip_packed",
        ResultObject::Misread(Misread::NoConstructor) => "no constructor id",
    };
    Err(RequestError::MalformedResult { why, raw: r })
}

/// Decodes a completed request's raw result into `F::Return`, borrowing from `raw`.
pub fn decode_result<'a, F: Function>(raw: &'a [u8]) -> Result<F::Return<'a>, DecodeError> {
    tl_codec::decode_response::<F>(raw).map_err(|error| DecodeError { error, raw: raw.to_vec() })
}

/// What the session tells its owner.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Event {
    /// A request finished: its id (as returned by [`Session::invoke`]) and its raw result.
    Completed {
        /// The id [`Session::invoke`] returned.
        request: MsgId,
        /// The result object's bytes (inflated), or why there is none.
        result: Result<Vec<u8>, RequestError>,
    },
    /// A message that answers no request (updates).
    Unsolicited(Vec<u8>),
    /// The server refused the request `request` with `AUTH_KEY_PERM_EMPTY`: it holds no binding
    /// for the session's temporary key. The request is held back, not failed (with
    /// [`SessionConfig::hold_when_unbound`] only): bind a key, then
    /// [`Session::resend_pending`] sends it again.
    KeyUnbound {
        /// The id [`Session::invoke`] returned.
        request: MsgId,
    },
    /// The server asked to wait `seconds` before sending the request `request` again, within
    /// [`SessionConfig::flood_sleep_threshold`]: the session holds it until then, then sends
    /// it again.
    FloodWait {
        /// The id [`Session::invoke`] returned.
        request: MsgId,
        /// How long it waits.
        seconds: u32,
    },
    /// The server created a new session; updates may have been missed.
    NewSession {
        /// The first msg_id the new session covers.
        first_msg_id: i64,
    },
    /// A message from the server that passed the envelope checks (it is the server's) but
    /// cannot be read: a `gzip_packed` that does not inflate, a container inside a container
    /// (or inside a `gzip_packed`), a `gzip_packed` inside another, a container or a service
    /// message (`rpc_result`, `pong`, `new_session_created`, …) that does not decode. It is
    /// dropped, as [`Session::receive`] reports too; this tells the owner, since it may have
    /// been an update. It is acknowledged all the same if it is content-related (odd seq_no),
    /// as the spec has every such message received be: a copy sent again would be no more
    /// readable, and would only be told of again. (A request it answered is still waited for,
    /// and asked about in time.)
    Unreadable {
        /// The message's body as received (inside its container, if it came in one).
        body: Vec<u8>,
        /// Why it cannot be read.
        error: SessionError,
    },
}

/// Why a received message was dropped.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum SessionError {
    /// An envelope check failed.
    Decrypt(DecryptError),
    /// A msg_id check failed.
    MsgId(IdError),
    /// A service message was malformed.
    Malformed(tl_codec::Error),
    /// A gzip_packed message could not be inflated.
    Gzip(GzipError),
    /// A container inside a container.
    NestedContainer,
    /// A gzip_packed inside a gzip_packed.
    NestedGzip,
    /// The message could not be encrypted (too long).
    TooLong,
}

impl fmt::Display for SessionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SessionError::Decrypt(e) => write!(f, "message dropped: {e}"),
            SessionError::MsgId(e) => write!(f, "message dropped: msg_id {e:?}"),
            SessionError::Malformed(e) => write!(f, "malformed service message: {e}"),
            SessionError::Gzip(e) => e.fmt(f),
            SessionError::NestedContainer => f.write_str("container inside a container"),
            SessionError::NestedGzip => f.write_str("gzip_packed inside gzip_packed"),
            SessionError::TooLong => f.write_str("message too long"),
        }
    }
}

impl std::error::Error for SessionError {}

impl From<tl_codec::Error> for SessionError {
    fn from(e: tl_codec::Error) -> Self {
        SessionError::Malformed(e)
    }
}

/// A request sent and not yet answered.
#[derive(Debug, Clone)]
struct Pending {
    /// The id handed to the caller, kept across resends.
    request: MsgId,
    /// The container it was last sent in.
    container: Option<i64>,
    body: Vec<u8>,
    /// When to ask the server about it if it is still unanswered (its key in
    /// `Session::state_checks`); `None` once the server acknowledged it (unless asked about
    /// again after a reconnect: `rechecks`), when the session never asks, or when it was sent
    /// in a session left by [`Session::rekey`].
    check_at: Option<Duration>,
    /// Set by [`Session::reconnected`] while the server has said nothing about it since.
    doubt: Option<Doubt>,
    /// When it was sent (clock time): a pong's round trip.
    sent_at: Duration,
    /// The server said it has it (msgs_ack, or msgs_state_info "received") on this session.
    acked: bool,
    /// Questions still to ask about it, acknowledged before a reconnect
    /// ([`ASKS_AFTER_RECONNECT`]): each msgs_state_req about it takes one. While any are left,
    /// the server saying it has it keeps it scheduled; after the last it is waited for.
    rechecks: u8,
    /// How many times its answer was asked for, the server saying it made it.
    answer_asks: u8,
    /// Whether `body` carries the init prefix, or may.
    wrap: Wrap,
    /// [`Core::init_epoch`] when it went out: only an answer to a request sent with the prefix
    /// since initialization was last needed says the server has the parameters now.
    init_epoch: u32,
}

impl Pending {
    /// The request as it goes out again: under a new msg_id, with the body it was sent with.
    fn into_queued(self) -> Queued {
        Queued {
            request: self.request,
            msg_id: None,
            body: self.body,
            content_related: true,
            wrap: self.wrap,
        }
    }
}

/// Whether a request carries [`SessionConfig::init_prefix`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wrap {
    /// Never, and no API request either: a service message, one of `mtproto.tl`'s functions or
    /// a body naming its own msg_id (a binding). Never held back: not by the gate
    /// ([`Session::hold_requests`]), nor for want of a binding or for a flood wait.
    Exempt,
    /// Never: an API request, queued while no prefix is set.
    Never,
    /// Not yet: the prefix goes before it if it goes out while initialization is needed.
    Unwrapped,
    /// Its body begins with the prefix, and keeps it on every resend.
    Wrapped,
}

/// What the session knows of a request sent before a reconnect, while the server has said
/// nothing about it on the new connection (neither answer, acknowledgement nor status).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Doubt {
    /// Still to be asked about with msgs_state_req.
    Unasked,
    /// Asked about on the new connection, with no msgs_state_info about it yet. If its next
    /// check falls due still so, the server is taken not to answer msgs_state_req, and the
    /// request goes out again, as before these questions existed: a request never
    /// answered would be worse than one run twice by such a server.
    Asked,
}

/// The requests one container carried ([`Session`]'s `containers`).
#[derive(Debug, Clone)]
struct Container {
    /// Their msg_ids as sent. Some may be answered, resent or cancelled since: a msg_id is
    /// never reused, so one no longer pending in this container is simply skipped.
    ids: Vec<i64>,
    /// How many of them are still pending: the container is forgotten at zero.
    live: usize,
}

/// Where a request of the caller's is: what [`Session::cancel`] looks up instead of searching
/// the queue and the pending map.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    /// In the outgoing queue.
    Queued,
    /// Sent as this msg_id (a key of `Session::pending`).
    Sent(i64),
    /// Refused for want of a binding, waiting for one (in `Session::unbound`).
    Held,
    /// Waiting out a flood wait until this clock time (in `Session::sleeping`).
    Sleeping(Duration),
}

/// `mtproto.tl`'s functions (and `http_wait`), which the session or its adapter sends: never given the init
/// prefix (a ping's answer is a pong, not the rpc_result a wrapped request would get).
const NEVER_WRAPPED: [u32; 7] = [
    // `http_wait`, a constructor that an HTTP transport's client sends as if it were a query.
    <types::HttpWait as tl_codec::Identifiable>::CONSTRUCTOR_ID,
    <functions::Ping as tl_codec::Identifiable>::CONSTRUCTOR_ID,
    <functions::PingDelayDisconnect as tl_codec::Identifiable>::CONSTRUCTOR_ID,
    <functions::RpcDropAnswer as tl_codec::Identifiable>::CONSTRUCTOR_ID,
    <functions::GetFutureSalts as tl_codec::Identifiable>::CONSTRUCTOR_ID,
    <functions::DestroySession as tl_codec::Identifiable>::CONSTRUCTOR_ID,
    <functions::DestroyAuthKey as tl_codec::Identifiable>::CONSTRUCTOR_ID,
];

/// Requests that [`Session::cancel`] does not withdraw at the server with `rpc_drop_answer`:
/// pings (answered by a pong, not an rpc_result) and `rpc_drop_answer` itself.
const NOT_WITHDRAWN: [u32; 3] = [
    <functions::Ping as tl_codec::Identifiable>::CONSTRUCTOR_ID,
    <functions::PingDelayDisconnect as tl_codec::Identifiable>::CONSTRUCTOR_ID,
    <functions::RpcDropAnswer as tl_codec::Identifiable>::CONSTRUCTOR_ID,
];

/// A message waiting to be sent.
#[derive(Debug, Clone)]
struct Queued {
    request: MsgId,
    /// The msg_id chosen when queued, for a body that names its own message (PFS binding);
    /// `None`: assigned at flush.
    msg_id: Option<i64>,
    body: Vec<u8>,
    /// Content-related messages expect an answer and are resent until answered.
    content_related: bool,
    wrap: Wrap,
}

/// A content-related message just sent: (request, msg_id, container, body, wrap).
type Sent = (MsgId, i64, Option<i64>, Vec<u8>, Wrap);

/// A msgs_state_req sent and not answered.
#[derive(Debug, Clone)]
struct StateReq {
    msg_id: i64,
    /// The container it went out in, which a bad_server_salt may name instead of it.
    container: Option<i64>,
    /// The ids it asked about, in order: one status byte each in the answer.
    ids: Vec<i64>,
    /// When it was sent (clock time): its answer's round trip.
    sent_at: Duration,
}

/// State shared by both sides: ids, seq_no, received-id checks, outgoing queue.
#[derive(Debug)]
struct Core {
    key: AuthKey,
    /// Who we are (decides the KDF side and the id parities).
    side: Side,
    session_id: i64,
    salt: i64,
    ids: MsgIds,
    synced: bool,
    /// Content-related messages sent so far.
    seq: i32,
    window: ReplayWindow,
    acks: Vec<i64>,
    /// When the oldest acknowledgement owed was noted (clock time).
    acks_since: Option<Duration>,
    /// Answer ids to ask the peer to resend in the next flush (one msg_resend_req).
    resend_ids: Vec<i64>,
    /// Answer ids asked for already (bounded, oldest first).
    asked: VecDeque<i64>,
    /// Our requests' msg_ids to ask about in the next flush (one msgs_state_req).
    state_ids: Vec<i64>,
    /// msgs_state_req sent and not answered (bounded, oldest first). A msgs_state_info is
    /// matched against these.
    state_reqs: VecDeque<StateReq>,
    /// Our requests' msg_ids whose answers to ask for in the next flush (one
    /// msg_resend_ans_req).
    resend_ans_ids: Vec<i64>,
    queue: VecDeque<Queued>,
    /// Requests withdrawn while queued ([`Session::cancel`]): each has exactly one entry left in
    /// `queue`, dropped when a flush reaches it. Taking it out of the middle of the queue at
    /// once would cost the queue's length per cancel.
    withdrawn: HashSet<MsgId>,
    /// Whether requests going out get [`SessionConfig::init_prefix`] ([`Session::init_needed`]).
    init_needed: bool,
    /// How many times initialization has become needed: an answer to a request wrapped before
    /// the latest time (sent before a reconnect, say) does not end it.
    init_epoch: u32,
    /// [`Session::hold_requests`]: only what may go out before a binding is flushed.
    gated: bool,
    config: SessionConfig,
}

impl Core {
    fn new(key: AuthKey, side: Side, session_id: i64, salt: i64, config: SessionConfig) -> Self {
        Core {
            key,
            side,
            session_id,
            salt,
            ids: MsgIds::new(if side == Side::Client { 0 } else { 1 }),
            synced: false,
            seq: 0,
            window: ReplayWindow::new(REPLAY_WINDOW),
            acks: Vec::new(),
            acks_since: None,
            resend_ids: Vec::new(),
            asked: VecDeque::new(),
            state_ids: Vec::new(),
            state_reqs: VecDeque::new(),
            resend_ans_ids: Vec::new(),
            queue: VecDeque::new(),
            withdrawn: HashSet::new(),
            init_needed: config.init_prefix.is_some(),
            init_epoch: 0,
            gated: false,
            config,
        }
    }

    fn seq_no(&mut self, content_related: bool) -> i32 {
        if content_related {
            let s = self.seq.wrapping_mul(2) | 1;
            self.seq = self.seq.wrapping_add(1);
            s
        } else {
            self.seq.wrapping_mul(2)
        }
    }

    fn peer_odd(&self) -> bool {
        self.side == Side::Client
    }

    /// Decrypts and checks one message; returns its header and body (moved out of `frame`).
    fn open<'f>(
        &mut self,
        frame: &'f mut [u8],
        now: std::time::Duration,
    ) -> Result<(MessageHeader, &'f [u8]), SessionError> {
        let peer = if self.side == Side::Client { Side::Server } else { Side::Client };
        let msg = decrypt_message(&self.key, peer, self.session_id, frame).map_err(SessionError::Decrypt)?;
        let now_secs = self.synced.then(|| (now.as_secs() as i64).saturating_add(self.ids.offset()));
        self.check_id(msg.header.msg_id, msg.body, now_secs)?;
        if !self.synced && self.side == Side::Client {
            // The first authentic message tells us the server's time.
            self.ids.sync(msg.header.msg_id, now);
            self.synced = true;
        }
        Ok((msg.header, msg.body))
    }

    /// Checks an id inside the container `container`: below the container's own id, and
    /// then like it.
    fn check_inner(
        &mut self,
        container: i64,
        id: i64,
        body: &[u8],
        now: std::time::Duration,
    ) -> Result<(), SessionError> {
        if id >= container {
            return Err(SessionError::MsgId(IdError::NotBelowContainer));
        }
        let now_secs = self.synced.then(|| (now.as_secs() as i64).saturating_add(self.ids.offset()));
        self.check_id(id, body, now_secs)
    }

    /// The msg_id checks of a message with `body`, at server time `now_secs` (none before the
    /// clock is synced).
    fn check_id(&mut self, id: i64, body: &[u8], now_secs: Option<i64>) -> Result<(), SessionError> {
        match self.window.check(id, self.peer_odd(), now_secs) {
            // The guidelines let bad_server_salt and bad_msg_notification through despite a
            // "wrong" time, on their own or in a container: they are what fixes a clock that
            // has drifted (codes 16/17), which would otherwise leave every later message
            // outside the window. Replays still fail.
            Err(IdError::TimeWindow) if self.side == Side::Client && fixes_the_clock(body) => {
                self.window.check(id, self.peer_odd(), None).map_err(SessionError::MsgId)
            }
            result => result.map_err(SessionError::MsgId),
        }
    }

    /// Notes the peer's message `msg_id`, which passed the checks, as received: acknowledged
    /// in the next flush if it is content-related (odd `seq_no`).
    fn note_received(&mut self, msg_id: i64, seq_no: i32) {
        if seq_no & 1 == 1 && self.acks.len() < MAX_ACKS {
            self.acks.push(msg_id);
        }
    }

    /// Acknowledges `msg_id` (again), once per flush.
    fn ack_again(&mut self, msg_id: i64) {
        if !self.acks.contains(&msg_id) && self.acks.len() < MAX_ACKS {
            self.acks.push(msg_id);
        }
    }

    /// Answers msg_detailed_info / msg_new_detailed_info about the peer's message `msg_id`:
    /// acknowledged again if it arrived, else asked for with msg_resend_req, once per
    /// connection ([`Session::reconnected`] forgets what was asked).
    fn answer_detailed_info(&mut self, msg_id: i64) {
        if self.window.contains(msg_id) {
            self.ack_again(msg_id);
            return;
        }
        // Not one of the peer's ids: nothing we could ask for.
        let peer_parity = if self.peer_odd() { msg_id & 1 == 1 } else { msg_id & 3 == 0 };
        if !peer_parity {
            return;
        }
        // Below the replay window a resent copy would be refused as a replay, so asking is
        // useless; acknowledging it stops the peer from announcing it again. (The request it
        // answers stays pending and goes out again after a reconnect.)
        if self.window.forgotten(msg_id) {
            self.ack_again(msg_id);
            return;
        }
        if self.asked.contains(&msg_id) || self.resend_ids.len() >= MAX_RESEND_IDS {
            return;
        }
        if self.asked.len() >= ASKED_MEMORY {
            self.asked.pop_front();
        }
        self.asked.push_back(msg_id);
        self.resend_ids.push(msg_id);
    }

    /// Queues msgs_state_info with `info` (a status byte per id asked about) in answer to the
    /// peer's message `req_msg_id`. The answer is itself the acknowledgement, so it is not
    /// content-related.
    fn queue_state_info(&mut self, req_msg_id: i64, info: &[u8]) {
        let reply = types::MsgsStateInfo { req_msg_id, info };
        self.queue.push_back(Queued {
            request: 0,
            msg_id: None,
            body: tl_codec::to_bytes(&reply),
            content_related: false,
            wrap: Wrap::Exempt,
        });
    }

    /// The msgs_state_info status byte of the peer's message `msg_id`: 1 nothing known (too
    /// old, or not the peer's parity), 2 not received (within the ids remembered), 3 not
    /// received (above them), 4 received. The flags (+8 acked, ...) are not tracked.
    fn msg_state(&self, msg_id: i64) -> u8 {
        let peer_parity = if self.peer_odd() { msg_id & 1 == 1 } else { msg_id & 3 == 0 };
        if self.window.contains(msg_id) {
            4
        } else if !peer_parity || self.window.forgotten(msg_id) {
            1
        } else if self.window.newest().is_none_or(|newest| msg_id > newest) {
            3
        } else {
            2
        }
    }

    /// Whether the queue holds a message still to be sent (not only withdrawn ones, nor only
    /// requests held back by the gate).
    fn queued(&self) -> bool {
        if self.gated {
            return self.queue.iter().any(|q| self.may_pass(q));
        }
        self.queue.len() > self.withdrawn.len()
    }

    /// Whether `q` goes out now: not withdrawn, and past the gate while it is closed (only
    /// `mtproto.tl`'s functions, service messages and a body naming its own msg_id, which are
    /// never wrapped, pass it).
    fn may_pass(&self, q: &Queued) -> bool {
        !(q.content_related && self.withdrawn.contains(&q.request)) && (!self.gated || q.wrap == Wrap::Exempt)
    }

    fn has_output(&self) -> bool {
        self.queued() || !self.acks.is_empty() || self.asks()
    }

    /// Asks for the answer to our request `msg_id` again in the next flush (msg_resend_ans_req),
    /// unless that message is full already.
    fn ask_for_answer(&mut self, msg_id: i64) {
        if self.resend_ans_ids.len() < MAX_STATE_IDS {
            self.resend_ans_ids.push(msg_id);
        }
    }

    /// Whether a msg_resend_req, msg_resend_ans_req or msgs_state_req is waiting to go out.
    fn asks(&self) -> bool {
        !self.resend_ids.is_empty() || !self.resend_ans_ids.is_empty() || !self.state_ids.is_empty()
    }

    /// Starts the clock of acknowledgements owed since the last flush (after a receive).
    fn stamp_acks(&mut self, now: Duration) {
        if !self.acks.is_empty() && self.acks_since.is_none() {
            self.acks_since = Some(now);
        }
    }

    /// When the acknowledgements owed must go out even alone, if they are not due already.
    fn ack_deadline(&self) -> Option<Duration> {
        let since = self.acks_since?;
        let due = self.acks.len() >= self.config.ack_batch || self.config.ack_delay.is_zero();
        (!self.acks.is_empty() && !due).then(|| since.saturating_add(self.config.ack_delay))
    }

    /// Whether a flush is due: something other than acknowledgements is queued, or the
    /// acknowledgements owed have waited long enough (or are many).
    fn output_due(&self, now: Duration) -> bool {
        self.queued()
            || self.asks()
            || (!self.acks.is_empty() && self.ack_deadline().is_none_or(|at| now >= at))
    }

    /// Adds a service message of ours (`body`, not tracked as a request) to the message being
    /// packed, under a new msg_id, which it returns.
    fn service_part(
        &mut self,
        body: Vec<u8>,
        content_related: bool,
        now: Duration,
        parts: &mut Vec<Part>,
        size: &mut usize,
    ) -> i64 {
        *size += wire::MESSAGE_HEADER + body.len();
        let id = self.ids.next(now);
        let seq = self.seq_no(content_related);
        parts.push((0, id, seq, body, false, Wrap::Exempt));
        id
    }

    /// Packs what is queued (and pending acks) into one encrypted message appended to `out`.
    /// Returns the (request, msg_id, container, body) of each content-related message sent.
    fn flush(
        &mut self,
        now: std::time::Duration,
        rng: &mut dyn Random,
        out: &mut Vec<u8>,
    ) -> Result<Vec<Sent>, SessionError> {
        let mut parts: Vec<Part> = Vec::new();
        // The msgs_state_req in this message, if any: (msg_id, the ids it asks about).
        let mut state_req = None;
        let mut size = wire::CONTAINER_HEADER;
        if !self.acks.is_empty() {
            let ids = std::mem::take(&mut self.acks);
            self.acks_since = None;
            let body = tl_codec::to_bytes(&types::MsgsAck { msg_ids: ids });
            self.service_part(body, false, now, &mut parts, &mut size);
        }
        if !self.resend_ids.is_empty() {
            // Content-related by the spec's definition (everything but acks and containers
            // needs an acknowledgement; the resent answers are that), yet not tracked as a
            // request: it has no Return type and is not resent. An answer lost again is
            // announced again by the peer, or comes with the request's resend after a reconnect.
            let ids = std::mem::take(&mut self.resend_ids);
            let body = tl_codec::to_bytes(&types::MsgResendReq { msg_ids: ids });
            self.service_part(body, true, now, &mut parts, &mut size);
        }
        if !self.resend_ans_ids.is_empty() {
            // As msg_resend_req: content-related (the resent answers acknowledge it), not
            // tracked; the requests it names stay pending and are asked about again in time.
            let mut ids = std::mem::take(&mut self.resend_ans_ids);
            ids.sort_unstable();
            ids.dedup();
            let body = tl_codec::to_bytes(&types::MsgResendAnsReq { msg_ids: ids });
            self.service_part(body, true, now, &mut parts, &mut size);
        }
        if !self.state_ids.is_empty() {
            // Content-related too: the msgs_state_info that answers it is its acknowledgement.
            // Not tracked as a request: a lost one is simply followed by the next, once its
            // requests are due again.
            let ids = std::mem::take(&mut self.state_ids);
            let body = tl_codec::to_bytes(&types::MsgsStateReq { msg_ids: ids.clone() });
            let id = self.service_part(body, true, now, &mut parts, &mut size);
            state_req = Some((id, ids));
        }
        // Requests the gate holds back stay where they are, in order; the rest are taken.
        let mut at = 0;
        while let Some(q) = self.queue.get(at) {
            if q.content_related && self.withdrawn.remove(&q.request) {
                self.queue.remove(at);
                continue;
            }
            if !self.may_pass(q) {
                at += 1;
                continue;
            }
            // The init prefix goes before a request going out unwrapped while it is needed.
            let prefix = match (&self.config.init_prefix, q.wrap) {
                (Some(prefix), Wrap::Unwrapped) if self.init_needed => prefix.len(),
                _ => 0,
            };
            let add = wire::MESSAGE_HEADER + prefix + q.body.len();
            let full = parts.len() >= self.config.max_container_messages
                || size + add > self.config.max_container_bytes;
            if full && !parts.is_empty() {
                break;
            }
            let Some(mut q) = self.queue.remove(at) else { break };
            if prefix > 0 {
                q.body = self.wrapped(&q.body);
                q.wrap = Wrap::Wrapped;
            }
            size += add;
            let id = match q.msg_id {
                Some(id) => id,
                None => self.ids.next(now),
            };
            let seq = self.seq_no(q.content_related);
            parts.push((q.request, id, seq, q.body, q.content_related, q.wrap));
        }
        if parts.is_empty() {
            return Ok(Vec::new());
        }
        let salt = self.salt;
        let (container, header, body) = if parts.len() == 1 {
            let (_, id, seq, body, _, _) = &parts[0];
            (
                None,
                MessageHeader { salt, session_id: self.session_id, msg_id: *id, seq_no: *seq },
                body.clone(),
            )
        } else {
            let inner: Vec<wire::Inner<'_>> = parts
                .iter()
                .map(|(_, id, seq, body, _, _)| wire::Inner { msg_id: *id, seq_no: *seq, body })
                .collect();
            let mut body = Vec::with_capacity(size);
            wire::write_container(&inner, &mut body);
            // The container's id must be above every id inside it.
            let id = self.ids.next(now);
            let seq = self.seq_no(false);
            (Some(id), MessageHeader { salt, session_id: self.session_id, msg_id: id, seq_no: seq }, body)
        };
        encrypt_message(&self.key, self.side, &header, &body, rng, out).map_err(|_| SessionError::TooLong)?;
        if let Some((msg_id, ids)) = state_req {
            if self.state_reqs.len() >= STATE_REQS_REMEMBERED {
                self.state_reqs.pop_front();
            }
            self.state_reqs.push_back(StateReq { msg_id, container, ids, sent_at: now });
        }
        Ok(parts
            .into_iter()
            .filter(|p| p.4)
            .map(|(request, id, _, body, _, wrap)| (request, id, container, body, wrap))
            .collect())
    }

    /// `body` after [`SessionConfig::init_prefix`] (`body` itself without one).
    fn wrapped(&self, body: &[u8]) -> Vec<u8> {
        let prefix = self.config.init_prefix.as_deref().unwrap_or_default();
        let mut out = Vec::with_capacity(prefix.len() + body.len());
        out.extend_from_slice(prefix);
        out.extend_from_slice(body);
        out
    }

    /// How a request with `body` (as given, before any gzip_packed) stands to the init prefix.
    fn wrap_of(&self, body: &[u8]) -> Wrap {
        if wire::constructor(body).is_some_and(|id| NEVER_WRAPPED.contains(&id)) {
            return Wrap::Exempt;
        }
        let Some(prefix) = &self.config.init_prefix else { return Wrap::Never };
        match wire::constructor(body) {
            // The caller wrapped it already (invokeWithLayer around it, say).
            _ if prefix.get(..4).is_some_and(|id| body.starts_with(id)) => Wrap::Wrapped,
            _ => Wrap::Unwrapped,
        }
    }
}

/// One message packed by a flush: (request, msg_id, seq_no, body, awaits an answer tracked as
/// a request, init prefix).
type Part = (MsgId, i64, i32, Vec<u8>, bool, Wrap);

/// Whether a message is a notification that may arrive with a time outside the window, or a
/// container holding one (its other messages are still checked one by one).
fn fixes_the_clock(body: &[u8]) -> bool {
    use tl_codec::Identifiable;
    match wire::constructor(body) {
        Some(types::BadServerSalt::CONSTRUCTOR_ID | types::BadMsgNotification::CONSTRUCTOR_ID) => true,
        Some(wire::MSG_CONTAINER) => wire::read_container(body).is_ok_and(|inner| {
            inner.iter().any(|m| {
                !matches!(wire::constructor(m.body), Some(wire::MSG_CONTAINER)) && fixes_the_clock(m.body)
            })
        }),
        _ => false,
    }
}

/// The client side of an MTProto session.
#[derive(Debug)]
pub struct Session<C: Clock> {
    core: Core,
    clock: C,
    /// Sent requests awaiting an answer, by their current msg_id.
    pending: HashMap<i64, Pending>,
    /// The requests sent inside each container still pending, by the container's msg_id: what
    /// a bad_server_salt or bad_msg_notification naming a container refers to, found without
    /// searching the pending map. Kept with `pending`: `flush` adds a container, `unpend`
    /// counts its requests down, and the container goes with its last one.
    containers: HashMap<i64, Container>,
    /// Every request queued or sent and not yet answered, by the id [`Session::invoke`]
    /// returned: where it is now.
    requests: HashMap<MsgId, Place>,
    /// When each sent request with no answer and no acknowledgement yet is next asked about
    /// with msgs_state_req, as (clock time, msg_id), earliest first: the first is
    /// [`Session::state_request_deadline`].
    state_checks: BTreeSet<(Duration, i64)>,
    /// Future salts, as (valid_since, valid_until, salt).
    salts: Vec<(i32, i32, i64)>,
    /// The session's own `get_future_salts` in flight ([`SessionConfig::future_salts`]), and
    /// when salts were last asked for (clock time).
    salts_request: Option<MsgId>,
    salts_asked_at: Option<Duration>,
    events: VecDeque<Event>,
    /// Requests refused with `AUTH_KEY_PERM_EMPTY` and held back until
    /// [`Session::resend_pending`] ([`SessionConfig::hold_when_unbound`]).
    unbound: Vec<Queued>,
    /// Requests held back so once, still unanswered: refused so again, they fail.
    held_once: HashSet<MsgId>,
    /// Requests waiting out a flood wait ([`SessionConfig::flood_sleep_threshold`]), by the
    /// clock time they go out again.
    sleeping: BTreeMap<(Duration, MsgId), Queued>,
    next_local: MsgId,
    /// Received frames that decrypted and passed the envelope and msg_id checks.
    authentic: u64,
    /// The smoothed round trip ([`Session::rtt`]).
    rtt: Option<Duration>,
    /// When [`Session::reconnected`] was last called (clock time): a round trip from before it
    /// spans the reconnect, and is not measured.
    reconnected_at: Option<Duration>,
}

impl<C: Clock> Session<C> {
    /// A session over `key` with the initial `salt` (from the handshake) and a random `session_id`.
    pub fn new(key: AuthKey, salt: i64, session_id: i64, clock: C) -> Self {
        Self::with_config(key, salt, session_id, clock, SessionConfig::default())
    }

    /// [`Session::new`] with tunables.
    pub fn with_config(key: AuthKey, salt: i64, session_id: i64, clock: C, config: SessionConfig) -> Self {
        Session {
            core: Core::new(key, Side::Client, session_id, salt, config),
            clock,
            pending: HashMap::new(),
            containers: HashMap::new(),
            requests: HashMap::new(),
            state_checks: BTreeSet::new(),
            salts: Vec::new(),
            salts_request: None,
            salts_asked_at: None,
            events: VecDeque::new(),
            unbound: Vec::new(),
            held_once: HashSet::new(),
            sleeping: BTreeMap::new(),
            next_local: 0,
            authentic: 0,
            rtt: None,
            reconnected_at: None,
        }
    }

    /// Sets the server-minus-local clock offset (e.g. from the handshake's server_time).
    pub fn set_time_offset(&mut self, offset_secs: i64) {
        self.core.ids.set_offset(offset_secs);
        self.core.synced = true;
    }

    /// The session id.
    pub fn session_id(&self) -> i64 {
        self.core.session_id
    }

    /// The salt in use.
    pub fn salt(&self) -> i64 {
        self.core.salt
    }

    /// Requests not yet answered: queued, sent, or held back (for want of a binding, or
    /// waiting out a flood wait), the session's own `get_future_salts` included.
    pub fn pending(&self) -> usize {
        self.requests.len()
    }

    /// Requests sent and not yet answered, but the session's own `get_future_salts`: what a
    /// drain before a renewal waits for. Held and flood-waiting requests are not counted.
    pub fn in_flight(&self) -> usize {
        self.pending.values().filter(|p| Some(p.request) != self.salts_request).count()
    }

    /// Closes (`true`) or opens the gate for requests: while it is closed, only
    /// `mtproto.tl`'s functions, service messages and requests naming their own msg_id (a
    /// binding, [`Session::invoke_with_msg_id`]) go out; other requests wait in the queue, in
    /// order, and requests whose flood wait ends meanwhile join them. An adapter closes it
    /// from a new temporary key's [`Session::rekey`] until the key's binding is answered, so
    /// that nothing goes out on a key not bound yet (a server may refuse it, even in the
    /// binding's own frame).
    pub fn hold_requests(&mut self, hold: bool) {
        self.core.gated = hold;
    }

    /// Whether requests going out now get [`SessionConfig::init_prefix`]: from the start, and
    /// again after a reconnect, a new key or a new server session, until a request sent with it
    /// gets a result. Always `false` without a prefix.
    pub fn init_needed(&self) -> bool {
        self.core.init_needed
    }

    /// Replaces [`SessionConfig::init_prefix`] (a parameter of `initConnection` changed, its
    /// language say: the server wants it again then), and the next requests carry the new one
    /// until one is answered. `None` stops wrapping. Requests already wrapped in the old
    /// prefix, queued, sent or held back, carry the new one when they go out (again), unless
    /// that would take them past [`SessionConfig::max_request_len`]; with `None` they keep the
    /// old one. A queued one not wrapped yet, checked against the old prefix's length, is not
    /// checked again.
    pub fn set_init_prefix(&mut self, prefix: Option<Vec<u8>>) {
        let old = std::mem::replace(&mut self.core.config.init_prefix, prefix);
        if let (Some(old), Some(new)) = (old, self.core.config.init_prefix.clone()) {
            let max = self.core.config.max_request_len;
            let rewrap = |body: &mut Vec<u8>, wrap: Wrap| {
                if wrap == Wrap::Wrapped
                    && body.starts_with(&old)
                    && body.len() - old.len() + new.len() <= max
                {
                    body.splice(..old.len(), new.iter().copied());
                }
            };
            self.core.queue.iter_mut().for_each(|q| rewrap(&mut q.body, q.wrap));
            self.pending.values_mut().for_each(|p| rewrap(&mut p.body, p.wrap));
            self.unbound.iter_mut().for_each(|q| rewrap(&mut q.body, q.wrap));
            self.sleeping.values_mut().for_each(|q| rewrap(&mut q.body, q.wrap));
        }
        self.need_init();
    }

    /// Initialization is needed again, if there is a prefix to send.
    fn need_init(&mut self) {
        self.core.init_needed = self.core.config.init_prefix.is_some();
        self.core.init_epoch = self.core.init_epoch.wrapping_add(1);
    }

    /// Queues the function `f`; returns the id its [`Event::Completed`] will carry.
    pub fn invoke<F: Function>(&mut self, f: &F) -> MsgId {
        match tl_codec::try_to_bytes(f) {
            Ok(body) => self.invoke_raw(body),
            Err(_) => {
                self.next_local -= 1;
                let request = self.next_local;
                self.refuse(request, "a string or bytes value over 16 MiB")
            }
        }
    }

    /// Queues an already-encoded request (one boxed function). A body that cannot be sent
    /// (see [`RequestError::Invalid`]) is not queued: its [`Event::Completed`] comes at once,
    /// with that error, and nothing else queued is disturbed.
    pub fn invoke_raw(&mut self, mut body: Vec<u8>) -> MsgId {
        // Requests are named before they get a msg_id (assigned at flush); these local ids are
        // negative so they never look like a real msg_id.
        self.next_local -= 1;
        let request = self.next_local;
        if let Err(why) = check_body(&body, usize::MAX) {
            return self.refuse(request, why);
        }
        // Decided on the body as given: a gzip_packed one no longer shows its constructor.
        let wrap = self.core.wrap_of(&body);
        let mut max = self.core.config.max_request_len;
        if wrap == Wrap::Unwrapped {
            // It may go out with the prefix, which must fit too.
            let prefix = self.core.config.init_prefix.as_deref().unwrap_or_default();
            if let Err(why) = check_init_prefix(prefix, max) {
                return self.refuse(request, why);
            }
            max -= prefix.len();
        }
        // Checked before gzip as well: a server inflates a gzip_packed request within a bound
        // of its own (16 MiB, as `max_inflated`), and drops what goes past it unanswered, so a
        // body that only fits packed would be sent, and asked about, for nothing.
        if let Err(why) = check_body(&body, max) {
            return self.refuse(request, why);
        }
        if body.len() >= self.core.config.gzip_threshold {
            if let Some(packed) = wire::gzip(&body).filter(|p| p.len() < body.len()) {
                body = packed;
            }
        }
        self.core.queue.push_back(Queued { request, msg_id: None, body, content_related: true, wrap });
        self.requests.insert(request, Place::Queued);
        request
    }

    /// Completes `request` at once with [`RequestError::Invalid`].
    fn refuse(&mut self, request: MsgId, why: &'static str) -> MsgId {
        self.events.push_back(Event::Completed { request, result: Err(RequestError::Invalid(why)) });
        request
    }

    /// Queues a request whose body must name the msg_id it is sent with (`auth.bindTempAuthKey`
    /// puts it inside its encrypted part): `build` gets the msg_id, chosen now. A resend (after
    /// bad_server_salt, say) goes out under a new msg_id, so the server refuses the stale body;
    /// the caller builds a new one then. Never gzip_packed.
    pub fn invoke_with_msg_id(&mut self, build: impl FnOnce(i64) -> Vec<u8>) -> MsgId {
        let msg_id = self.core.ids.next(self.clock.now());
        let body = build(msg_id);
        self.next_local -= 1;
        let request = self.next_local;
        if let Err(why) = check_body(&body, self.core.config.max_request_len) {
            return self.refuse(request, why);
        }
        let wrap = Wrap::Exempt;
        self.core.queue.push_back(Queued {
            request,
            msg_id: Some(msg_id),
            body,
            content_related: true,
            wrap,
        });
        self.requests.insert(request, Place::Queued);
        request
    }

    /// Forgets the request `request` (queued or sent): it is not resent and its answer, if one
    /// comes, completes nothing. Returns whether it was known.
    ///
    /// A request already sent is also withdrawn at the server: an `rpc_drop_answer` for it is
    /// queued, so that a large answer (a file part) is not sent for nothing. Its reply (one of
    /// `RpcDropAnswer`) completes a request of the session's own, which nobody waits for.
    /// Pings are not withdrawn: their pong is no rpc_result.
    ///
    /// It costs what the request owns, not what else is in flight: its queue entry is left
    /// behind, marked, and skipped by the flush that reaches it.
    pub fn cancel(&mut self, request: MsgId) -> bool {
        if let Some(&Place::Sent(msg_id)) = self.requests.get(&request) {
            let drop_answer = self.pending.get(&msg_id).is_some_and(
                |p| !matches!(wire::constructor(&p.body), Some(id) if NOT_WITHDRAWN.contains(&id)),
            );
            self.withdraw(request);
            if drop_answer {
                self.invoke(&functions::RpcDropAnswer { req_msg_id: msg_id });
            }
            return true;
        }
        self.withdraw(request)
    }

    /// Forgets the request `request` wherever it is (queued, sent or held back), telling the
    /// server nothing. Returns whether it was known.
    fn withdraw(&mut self, request: MsgId) -> bool {
        self.held_once.remove(&request);
        match self.requests.remove(&request) {
            None => false,
            Some(Place::Held) => {
                self.unbound.retain(|q| q.request != request);
                true
            }
            Some(Place::Sleeping(at)) => {
                self.sleeping.remove(&(at, request));
                true
            }
            Some(Place::Queued) => {
                self.core.withdrawn.insert(request);
                true
            }
            Some(Place::Sent(msg_id)) => {
                self.unpend(msg_id);
                true
            }
        }
    }

    /// Queues a ping; its pong completes the returned request.
    pub fn ping(&mut self, ping_id: i64) -> MsgId {
        self.invoke(&functions::Ping { ping_id })
    }

    /// Whether [`Session::flush`] has anything to send.
    pub fn wants_flush(&self) -> bool {
        let now = self.clock.now();
        self.core.output_due(now)
            || self.state_checks.first().is_some_and(|&(at, _)| at <= now)
            || self.flood_wait_deadline().is_some_and(|at| at <= now)
    }

    /// When acknowledgements held back by [`SessionConfig::ack_delay`] fall due (clock time, as
    /// [`Clock::now`]); `None` when none are held back. An adapter wakes then to flush.
    pub fn ack_deadline(&self) -> Option<Duration> {
        self.core.ack_deadline()
    }

    /// When the session next asks the server about a sent request that has had neither answer
    /// nor acknowledgement ([`SessionConfig::state_request_after`]; clock time, as
    /// [`Clock::now`]); `None` when no request is waiting for that. An adapter wakes then to
    /// flush.
    pub fn state_request_deadline(&self) -> Option<Duration> {
        self.state_checks.first().map(|&(at, _)| at)
    }

    /// When the first request waiting out a flood wait goes out again
    /// ([`SessionConfig::flood_sleep_threshold`]; clock time, as [`Clock::now`]); `None` when
    /// none waits. An adapter wakes then to flush.
    pub fn flood_wait_deadline(&self) -> Option<Duration> {
        self.sleeping.first_key_value().map(|(&(at, _), _)| at)
    }

    /// The earliest time the session has something to send without anything new arriving or
    /// being queued: the soonest of [`Session::ack_deadline`],
    /// [`Session::state_request_deadline`] and [`Session::flood_wait_deadline`]. An adapter
    /// that sleeps until then and flushes does everything the clock drives.
    pub fn next_deadline(&self) -> Option<Duration> {
        [self.ack_deadline(), self.state_request_deadline(), self.flood_wait_deadline()]
            .into_iter()
            .flatten()
            .min()
    }

    /// Appends one encrypted message holding what is queued to `out` (a container when there is
    /// more than one message, cut at the container limits: call again while
    /// [`Session::wants_flush`]). Returns whether anything was written.
    ///
    /// Each call's message is one transport frame's payload: the encrypted form carries no
    /// length of its own, so two appended to one buffer cannot be told apart. Frame what one
    /// call appended (or flush into an empty buffer each time) before the next.
    pub fn flush(&mut self, rng: &mut dyn Random, out: &mut Vec<u8>) -> Result<bool, SessionError> {
        let now = self.clock.now();
        self.rotate_salt(now);
        self.ask_about_due(now);
        self.wake_sleepers(now);
        if !self.core.has_output() {
            return Ok(false);
        }
        self.ask_for_salts(now);
        let check_at = self.state_interval().map(|every| now.saturating_add(every));
        let sent = self.core.flush(now, rng, out)?;
        // One flush is one message: a container holds every request it sent, or there is none.
        if let Some(&(_, _, Some(container), _, _)) = sent.first() {
            let ids = sent.iter().map(|s| s.1).collect();
            self.containers.insert(container, Container { ids, live: sent.len() });
        }
        for (request, id, container, body, wrap) in sent {
            if let Some(at) = check_at {
                self.state_checks.insert((at, id));
            }
            let p = Pending {
                request,
                container,
                body,
                check_at,
                doubt: None,
                sent_at: now,
                acked: false,
                rechecks: 0,
                answer_asks: 0,
                wrap,
                init_epoch: self.core.init_epoch,
            };
            self.pending.insert(id, p);
            self.requests.insert(request, Place::Sent(id));
        }
        Ok(true)
    }

    /// [`SessionConfig::state_request_after`], raised to its floor.
    fn state_interval(&self) -> Option<Duration> {
        self.core.config.state_request_after.map(|every| every.max(MIN_STATE_REQUEST_AFTER))
    }

    /// How long a question about a request after a reconnect may go unanswered before the
    /// request goes out again: the longest of the interval `every`,
    /// [`MIN_RESEND_AFTER_SILENCE`] and twice the measured round trip.
    fn silence_interval(&self, every: Duration) -> Duration {
        let rtt = self.rtt.map_or(Duration::ZERO, |rtt| rtt.saturating_mul(2));
        every.max(MIN_RESEND_AFTER_SILENCE).max(rtt)
    }

    /// The smoothed round trip to the server (clock time), measured from pongs and from the
    /// msgs_state_info answering a msgs_state_req, both answered at once (an rpc_result also
    /// counts the server's work): `None` before the first. Each sample weighs an eighth, as
    /// TCP's smoothed RTT does; one spanning a reconnect is not taken.
    pub fn rtt(&self) -> Option<Duration> {
        self.rtt
    }

    /// Takes the round trip of a message sent at `sent_at` and answered now.
    fn note_rtt(&mut self, sent_at: Duration, now: Duration) {
        if self.reconnected_at.is_some_and(|at| sent_at < at) {
            return;
        }
        let sample = now.saturating_sub(sent_at);
        self.rtt = Some(match self.rtt {
            None => sample,
            Some(rtt) => (rtt.saturating_mul(7).saturating_add(sample)) / 8,
        });
    }

    /// Hands the core the requests due to be asked about (at most one msgs_state_req's worth;
    /// the rest stay due for the next flush) and schedules each one's next check an interval
    /// from now, so that a request is asked about at most once per interval.
    fn ask_about_due(&mut self, now: Duration) {
        let Some(every) = self.state_interval() else {
            // Never asking: nothing may stay due, or `wants_flush` would say yes forever.
            self.state_checks.clear();
            return;
        };
        let next = now.saturating_add(every);
        // After a reconnect, how long a question may go unanswered before its request goes out
        // again.
        let silence = now.saturating_add(self.silence_interval(every));
        let mut ids = Vec::new();
        while ids.len() < MAX_STATE_IDS {
            match self.state_checks.first() {
                Some(&(at, id)) if at <= now => {
                    self.state_checks.pop_first();
                    ids.push(id);
                }
                _ => break,
            }
        }
        let mut unanswered = Vec::new();
        ids.retain(|&id| {
            let Some(p) = self.pending.get_mut(&id) else { return false };
            let mut at = next;
            match p.doubt {
                Some(Doubt::Asked) => {
                    unanswered.push(id);
                    return false;
                }
                Some(Doubt::Unasked) => {
                    p.doubt = Some(Doubt::Asked);
                    at = silence;
                }
                None => {}
            }
            if p.acked {
                // Acknowledged before a reconnect (nothing else acknowledged is scheduled):
                // each question takes one of its rechecks, and after the last it is waited for.
                p.rechecks = p.rechecks.saturating_sub(1);
                if p.rechecks == 0 {
                    p.check_at = None;
                    return true;
                }
            }
            p.check_at = Some(at);
            self.state_checks.insert((at, id));
            true
        });
        // Asked about after a reconnect an interval ago and never answered: sent again now.
        self.requeue(unanswered);
        ids.sort_unstable();
        self.core.state_ids = ids;
    }

    /// Makes the sent request `msg_id` due to be asked about now, if it is asked about at all
    /// (not acknowledged, not from a session left by a rekey).
    fn check_now(&mut self, msg_id: i64, now: Duration) -> bool {
        let Some(p) = self.pending.get_mut(&msg_id) else { return false };
        let Some(at) = p.check_at else { return false };
        self.state_checks.remove(&(at, msg_id));
        self.state_checks.insert((now, msg_id));
        p.check_at = Some(now);
        true
    }

    /// After a bad_server_salt or a bad_msg_notification the session fixes about `msg_id`: a
    /// msgs_state_req sent as `msg_id` or inside that container was never read, so the requests
    /// it asked about are asked about again at once, not an interval later, and their question
    /// does not count as unanswered.
    /// Returns whether it found such a msgs_state_req.
    fn reask(&mut self, msg_id: i64, now: Duration) -> bool {
        let mut ids = Vec::new();
        let mut found = false;
        self.core.state_reqs.retain(|r| {
            let refused = r.msg_id == msg_id || r.container == Some(msg_id);
            if refused {
                found = true;
                ids.extend_from_slice(&r.ids);
            }
            !refused
        });
        for id in ids {
            if self.check_now(id, now) {
                if let Some(p) = self.pending.get_mut(&id).filter(|p| p.doubt == Some(Doubt::Asked)) {
                    p.doubt = Some(Doubt::Unasked);
                }
            }
        }
        found
    }

    /// Removes the sent request `msg_id` from the pending map, its container's entry and the
    /// state checks.
    fn unpend(&mut self, msg_id: i64) -> Option<Pending> {
        let p = self.pending.remove(&msg_id)?;
        if let Some(at) = p.check_at {
            self.state_checks.remove(&(at, msg_id));
        }
        if let Some(c) = p.container {
            if let Some(container) = self.containers.get_mut(&c) {
                if container.live <= 1 {
                    self.containers.remove(&c);
                } else {
                    container.live -= 1;
                }
            }
        }
        Some(p)
    }

    /// The pending requests a notification about `msg_id` refers to: the one sent as `msg_id`,
    /// or those sent inside the container `msg_id`. Costs what it finds.
    fn sent_as_or_in(&self, msg_id: i64) -> Vec<i64> {
        let mut ids: Vec<i64> = match self.containers.get(&msg_id) {
            Some(c) => c
                .ids
                .iter()
                .copied()
                .filter(|id| self.pending.get(id).is_some_and(|p| p.container == Some(msg_id)))
                .collect(),
            None => Vec::new(),
        };
        if self.pending.contains_key(&msg_id) {
            ids.push(msg_id);
        }
        ids
    }

    /// The server has the request sent as `msg_id` (it acknowledged it): it is no longer asked
    /// about, since the server delivers its answer when it is made, unless it is asked about
    /// again after a reconnect (`Pending::rechecks`), which bounds itself.
    fn received(&mut self, msg_id: i64) {
        let Some(p) = self.pending.get_mut(&msg_id) else { return };
        p.doubt = None;
        p.acked = true;
        if p.rechecks > 0 {
            return;
        }
        if let Some(at) = p.check_at.take() {
            self.state_checks.remove(&(at, msg_id));
        }
    }

    /// Asks for future salts ([`SessionConfig::future_salts`]) if those known run out within
    /// [`SALTS_MARGIN`], none is asked for now, and the last ask was long enough ago; with the
    /// message that goes out now.
    fn ask_for_salts(&mut self, now: Duration) {
        let num = self.core.config.future_salts.min(64);
        let asked_lately = self.salts_asked_at.is_some_and(|at| now.saturating_sub(at) < SALTS_ASK_EVERY);
        if num == 0 || asked_lately {
            return;
        }
        // A question the server left unanswered all this while is given up (and asked anew),
        // quietly: an rpc_drop_answer would be one more message to wait for.
        if let Some(old) = self.salts_request.take() {
            self.withdraw(old);
        }
        let horizon = self.server_time().saturating_add(SALTS_MARGIN.as_secs() as i64);
        if self.salts.iter().any(|&(_, until, _)| i64::from(until) > horizon) {
            return;
        }
        self.salts_asked_at = Some(now);
        self.salts_request = Some(self.invoke(&functions::GetFutureSalts { num: i32::from(num) }));
    }

    /// Takes `salt`, which the server named (bad_server_salt, new_session_created). Future salts
    /// known that name another for now are wrong (the server changed its salts, or the clock
    /// drifted): they are forgotten, else the next flush would go back to one, and asked for
    /// again with the next message.
    fn server_salt_is(&mut self, salt: i64, now: Duration) {
        self.core.salt = salt;
        let t = self.server_secs(now);
        let in_force = |&&(since, until, _): &&(i32, i32, i64)| i64::from(since) <= t && t < i64::from(until);
        if self.salts.iter().filter(in_force).any(|&(_, _, s)| s != salt) {
            self.salts.clear();
            self.salts_asked_at = None;
        }
    }

    /// Switches to a future salt once the current time is inside its validity.
    fn rotate_salt(&mut self, now: std::time::Duration) {
        let t = self.server_secs(now);
        self.salts.retain(|&(_, until, _)| i64::from(until) > t);
        if let Some(&(_, _, salt)) = self.salts.iter().find(|&&(since, _, _)| i64::from(since) <= t) {
            self.core.salt = salt;
        }
    }

    /// The server's Unix time now, as far as the session knows it (local time plus the offset).
    pub fn server_time(&self) -> i64 {
        self.server_secs(self.clock.now())
    }

    /// The server's Unix time at clock time `now`.
    fn server_secs(&self, now: Duration) -> i64 {
        (now.as_secs() as i64).saturating_add(self.core.ids.offset())
    }

    /// Moves onto a new key (a renewed PFS temporary key) as a new session: `session_id`, the
    /// new key's `salt`, seq_no from zero, no future salts, no acks owed to the old session.
    /// Requests sent and not answered stay pending: [`Session::resend_pending`] sends them on
    /// the new session (after its binding, say).
    pub fn rekey(&mut self, key: AuthKey, salt: i64, session_id: i64) {
        self.core.key = key;
        self.core.salt = salt;
        self.core.session_id = session_id;
        self.core.seq = 0;
        self.core.acks.clear();
        self.core.acks_since = None;
        // Answers of the old session are not the new one's to resend.
        self.core.resend_ids.clear();
        self.core.asked.clear();
        // So are the old session's questions about our messages: its msg_ids mean nothing on
        // the new one (the requests themselves go out again with `resend_pending`).
        self.core.state_ids.clear();
        self.core.state_reqs.clear();
        self.core.resend_ans_ids.clear();
        // Nor are the requests sent before it asked about on the new session (where their
        // msg_ids mean nothing, and the server would have them resent at once, before the new
        // key's binding, say): `resend_pending` sends them again, and they are scheduled then.
        self.state_checks.clear();
        for p in self.pending.values_mut() {
            p.check_at = None;
            p.doubt = None;
            p.acked = false;
            p.rechecks = 0;
        }
        self.salts.clear();
        // A new temporary key, bound: the server wants initConnection again.
        self.need_init();
    }

    /// After a reconnect within the same session (same key and session id, which the server
    /// keeps across connections): requests sent before it and not answered are not sent again
    /// blindly, since the server may have them, and running one twice could do its work twice.
    /// Those the server never acknowledged are asked about with `msgs_state_req` at the next
    /// flush; the `msgs_state_info` has each one sent again under a new msg_id if the server
    /// never got it (or cannot tell), its answer asked for with `msg_resend_ans_req` if that
    /// was made and lost, or waited for if it is being worked on. One asked about that the
    /// server says nothing of for [`SessionConfig::state_request_after`] goes out again (a
    /// server that does not answer `msgs_state_req`): that is the longest of
    /// `state_request_after`, [`MIN_RESEND_AFTER_SILENCE`] and twice [`Session::rtt`] after
    /// the question. Those the server acknowledged may have had their answers lost with the
    /// old connection, and a server need not send them again unasked: each is asked about
    /// once it is still unanswered [`SessionConfig::state_request_after`] after the reconnect,
    /// and the answer acted on as above; while the server says it is still working on it, it
    /// is asked again each interval, three times at most, then waited for. A server that
    /// forgot the session says so with `new_session_created`, and everything older is sent
    /// again then.
    ///
    /// Requests sent before a [`Session::rekey`] are left to [`Session::resend_pending`], which
    /// a new session calls for. With `state_request_after` `None` (or too long to add to the
    /// clock) the session never asks: every request sent goes out again at once (those held
    /// for want of a binding still wait for [`Session::resend_pending`]).
    pub fn reconnected(&mut self) {
        self.need_init();
        // A msg_resend_req sent on the old connection may have been lost with it: the server,
        // which announces what it sent and got no acknowledgement of again on the new one, is
        // asked again then.
        self.core.asked.clear();
        let now = self.clock.now();
        let Some(later) = self.state_interval().and_then(|every| now.checked_add(every)) else {
            // Every request sent goes out again; those held for want of a binding wait for it.
            return self.resend_sent();
        };
        self.reconnected_at = Some(now);
        let sent: Vec<i64> = self.pending.keys().copied().collect();
        for id in sent {
            let Some(p) = self.pending.get_mut(&id) else { continue };
            if p.acked {
                p.rechecks = ASKS_AFTER_RECONNECT;
                if let Some(at) = p.check_at.replace(later) {
                    self.state_checks.remove(&(at, id));
                }
                self.state_checks.insert((later, id));
            } else if self.check_now(id, now) {
                if let Some(p) = self.pending.get_mut(&id) {
                    p.doubt = Some(Doubt::Unasked);
                }
            }
        }
    }

    /// Every request sent and not answered goes out again with a new msg_id: on a new session
    /// (after [`Session::rekey`], and under PFS once the new key is bound), where the old
    /// msg_ids mean nothing. So do the requests held back for want of a binding
    /// ([`Event::KeyUnbound`]), first. (After a reconnect within the same session,
    /// [`Session::reconnected`] asks the server first.) An adapter that keeps the gate closed
    /// from the rekey to the binding's answer ([`Session::hold_requests`]) has sent nothing on
    /// the new session by then but the binding and `mtproto.tl`'s own messages.
    pub fn resend_pending(&mut self) {
        self.resend_sent();
        for q in self.unbound.drain(..).rev() {
            self.requests.insert(q.request, Place::Queued);
            self.core.queue.push_front(q);
        }
    }

    /// Sends every sent request again, under new msg_ids, at the front of the queue in the
    /// order they were first sent.
    fn resend_sent(&mut self) {
        let mut all: Vec<(i64, Pending)> = self.pending.drain().collect();
        self.containers.clear();
        self.state_checks.clear();
        all.sort_by_key(|(id, _)| *id);
        for (_, p) in all.into_iter().rev() {
            self.requests.insert(p.request, Place::Queued);
            self.core.queue.push_front(p.into_queued());
        }
    }

    /// Checks that the indexes agree with the pending map and the queue: every request is where
    /// `requests` says, and `containers` holds exactly the pending requests sent in containers.
    #[cfg(test)]
    fn check_indexes(&self) {
        let mut in_containers = 0;
        for (c, container) in &self.containers {
            let live = container
                .ids
                .iter()
                .filter(|id| self.pending.get(id).is_some_and(|p| p.container == Some(*c)));
            assert_eq!(live.count(), container.live, "container {c}");
            assert!(container.live > 0, "container {c} kept with nothing in it");
            in_containers += container.live;
        }
        assert_eq!(in_containers, self.pending.values().filter(|p| p.container.is_some()).count());
        for (id, p) in &self.pending {
            assert_eq!(self.requests.get(&p.request), Some(&Place::Sent(*id)));
        }
        for q in &self.unbound {
            assert_eq!(self.requests.get(&q.request), Some(&Place::Held));
        }
        for &(at, request) in self.sleeping.keys() {
            assert_eq!(self.requests.get(&request), Some(&Place::Sleeping(at)));
        }
        let queued = self.requests.values().filter(|&&place| place == Place::Queued).count();
        let waiting = self.unbound.len() + self.sleeping.len();
        assert_eq!(queued + self.pending.len() + waiting, self.requests.len());
    }

    /// Requeues the requests sent as `msg_id` or inside the container `msg_id`, which the
    /// server refused unread (bad_server_salt, a bad_msg_notification the session fixes); a
    /// msgs_state_req in it is asked again.
    fn resend(&mut self, msg_id: i64, now: Duration) -> bool {
        self.reask(msg_id, now);
        let ids = self.sent_as_or_in(msg_id);
        self.requeue(ids)
    }

    /// Requeues the sent requests `ids` (those still pending), at the front of the queue in
    /// the order they were sent, to go out under new msg_ids. Returns whether any was.
    fn requeue(&mut self, mut ids: Vec<i64>) -> bool {
        ids.sort_unstable();
        let mut found = false;
        for id in ids.into_iter().rev() {
            if let Some(p) = self.unpend(id) {
                found = true;
                self.requests.insert(p.request, Place::Queued);
                self.core.queue.push_front(p.into_queued());
            }
        }
        found
    }

    /// How many received frames were authentic: they decrypted under the key and passed the
    /// envelope and msg_id checks, even if a message inside a container then failed its own
    /// (so [`Session::receive`] returned an error). Proof that the peer is there.
    pub fn authentic_frames(&self) -> u64 {
        self.authentic
    }

    /// The next event, if any.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// Decrypts, checks and handles one received encrypted message (in place). A message that
    /// fails a check (of its envelope or msg_id) is dropped with an error and changes nothing.
    /// One that passes them and cannot be read is dropped with an error too, told of as
    /// [`Event::Unreadable`], and acknowledged if content-related.
    pub fn receive(&mut self, frame: &mut [u8]) -> Result<(), SessionError> {
        let now = self.clock.now();
        let (header, body) = self.core.open(frame, now)?;
        self.authentic += 1;
        // An authentic message is acknowledged (if content-related) before it is read, and
        // whether or not it can be: it was received, and a copy sent again would be no more
        // readable. A container is not acknowledged, the messages in it are (`handle`).
        let container = wire::constructor(body) == Some(wire::MSG_CONTAINER);
        if !container {
            self.core.note_received(header.msg_id, header.seq_no);
        }
        let handled = self.handle(header.msg_id, body, now, true);
        // A container reports the messages in it that cannot be read (or itself) on its own.
        if let (Err(e), false) = (&handled, container) {
            self.unreadable(body, e);
        }
        self.core.stamp_acks(now);
        handled
    }

    /// Handles the message `msg_id` (noted as received already) with `body`; `top` unless it
    /// came inside a container or a gzip_packed (where a container is refused).
    fn handle(&mut self, msg_id: i64, body: &[u8], now: Duration, top: bool) -> Result<(), SessionError> {
        match wire::constructor(body) {
            Some(wire::MSG_CONTAINER) => {
                if !top {
                    return Err(SessionError::NestedContainer);
                }
                let inner = match wire::read_container(body) {
                    Ok(inner) => inner,
                    Err(e) => {
                        let e = SessionError::Malformed(e);
                        self.unreadable(body, &e);
                        return Err(e);
                    }
                };
                // One bad message inside does not drop its valid neighbours: it is skipped,
                // and the first such problem is reported once the others are handled. One that
                // passed the checks of its id and still cannot be read is told to the owner.
                let mut first_error = None;
                for m in inner {
                    let handled = self.core.check_inner(msg_id, m.msg_id, m.body, now).and_then(|()| {
                        self.core.note_received(m.msg_id, m.seq_no);
                        let handled = self.handle(m.msg_id, m.body, now, false);
                        if let Err(e) = &handled {
                            self.unreadable(m.body, e);
                        }
                        handled
                    });
                    // A container inside (bare, or gzip_packed) is one such message too.
                    if let Err(e) = handled {
                        first_error.get_or_insert(e);
                    }
                }
                first_error.map_or(Ok(()), Err)
            }
            Some(wire::GZIP_PACKED) => {
                let inflated =
                    wire::gunzip(body, self.core.config.max_inflated).map_err(SessionError::Gzip)?;
                match wire::constructor(&inflated) {
                    Some(wire::MSG_CONTAINER) => return Err(SessionError::NestedContainer),
                    // One layer is all a sender needs; each further one would be another
                    // `max_inflated` held in memory and another frame of recursion.
                    Some(wire::GZIP_PACKED) => return Err(SessionError::NestedGzip),
                    _ => {}
                }
                self.handle(msg_id, &inflated, now, false)
            }
            Some(id) => self.service(id, msg_id, body, now),
            None => Err(SessionError::Malformed(
                tl_codec::Reader::new(body).error(tl_codec::ErrorKind::UnexpectedEnd { needed: 4 }),
            )),
        }
    }

    /// Tells the owner of the message `body`, authentic, that `error` keeps from being read.
    fn unreadable(&mut self, body: &[u8], error: &SessionError) {
        self.events.push_back(Event::Unreadable { body: body.to_vec(), error: error.clone() });
    }

    /// An rpc_result for our request `req_msg_id`, as far as initialization goes (see
    /// [`SessionConfig::init_prefix`]), then [`Session::complete`]. A result to a request sent
    /// with the prefix says the server has the client's parameters; an rpc_error does not (it
    /// may be `initConnection`'s own, `CONNECTION_API_ID_INVALID` say, and whether the server
    /// kept the parameters when the query inside failed is not documented), so initialization
    /// stays needed. `CONNECTION_NOT_INITED` and `CONNECTION_LAYER_INVALID` say the server lacks
    /// them: needed again, and a request that went without the prefix was not run, so it goes
    /// out again with it.
    fn answered(&mut self, req_msg_id: i64, result: Result<Vec<u8>, RequestError>) {
        let Some((wrap, epoch)) = self.pending.get(&req_msg_id).map(|p| (p.wrap, p.init_epoch)) else {
            return;
        };
        match &result {
            // Sent wrapped since initialization was last needed: the server has the parameters.
            Ok(_) if wrap == Wrap::Wrapped && epoch == self.core.init_epoch => self.core.init_needed = false,
            Err(RequestError::Rpc(e))
                if self.core.config.hold_when_unbound && unbound(e) && self.hold_unbound(req_msg_id) =>
            {
                return;
            }
            Err(RequestError::Rpc(e)) if self.sleep_on(req_msg_id, e) => return,
            Err(RequestError::Rpc(e)) if matches!(wrap, Wrap::Unwrapped | Wrap::Wrapped) && not_inited(e) => {
                self.need_init();
                if wrap == Wrap::Unwrapped {
                    if let Some(p) = self.pending.get_mut(&req_msg_id) {
                        self.held_once.remove(&p.request);
                        p.body = self.core.wrapped(&p.body);
                        p.wrap = Wrap::Wrapped;
                    }
                    self.requeue(vec![req_msg_id]);
                    return;
                }
            }
            _ => {}
        }
        self.complete(req_msg_id, result);
    }

    /// Holds the request sent as `req_msg_id`, refused for want of a binding, back until
    /// [`Session::resend_pending`], unless it was held so once already. Returns whether it was.
    fn hold_unbound(&mut self, req_msg_id: i64) -> bool {
        // Not mtproto.tl's functions, nor a body naming its own msg_id (a binding), which a
        // resend would spoil: those are no API requests, and get their error.
        let Some(request) =
            self.pending.get(&req_msg_id).filter(|p| p.wrap != Wrap::Exempt).map(|p| p.request)
        else {
            return false;
        };
        if !self.held_once.insert(request) {
            return false;
        }
        let Some(p) = self.unpend(req_msg_id) else { return false };
        self.requests.insert(request, Place::Held);
        self.unbound.push(p.into_queued());
        self.events.push_back(Event::KeyUnbound { request });
        true
    }

    /// Holds the request sent as `req_msg_id` until the wait the server asked for with `e` is
    /// over, if that is within [`SessionConfig::flood_sleep_threshold`]. Returns whether it was.
    fn sleep_on(&mut self, req_msg_id: i64, e: &RpcError) -> bool {
        let Some(seconds) = e.flood_wait().filter(|_| e.code == 420).map(|s| s.max(1)) else { return false };
        if Duration::from_secs(u64::from(seconds)) > self.core.config.flood_sleep_threshold {
            return false;
        }
        // Not a body naming its own msg_id, which a resend would spoil (nor mtproto.tl's own
        // functions): the error is its owner's to act on.
        if self.pending.get(&req_msg_id).is_none_or(|p| p.wrap == Wrap::Exempt) {
            return false;
        }
        let Some(p) = self.unpend(req_msg_id) else { return false };
        // Answered otherwise than for want of a binding: a later such refusal is held again.
        self.held_once.remove(&p.request);
        let at = self.clock.now().saturating_add(Duration::from_secs(u64::from(seconds)));
        let request = p.request;
        self.requests.insert(request, Place::Sleeping(at));
        self.sleeping.insert((at, request), p.into_queued());
        self.events.push_back(Event::FloodWait { request, seconds });
        true
    }

    /// Queues the requests whose flood wait is over at `now`, in the order they fall due.
    fn wake_sleepers(&mut self, now: Duration) {
        while let Some(entry) = self.sleeping.first_entry() {
            if entry.key().0 > now {
                break;
            }
            let q = entry.remove();
            self.requests.insert(q.request, Place::Queued);
            self.core.queue.push_back(q);
        }
    }

    fn complete(&mut self, req_msg_id: i64, result: Result<Vec<u8>, RequestError>) {
        if let Some(p) = self.unpend(req_msg_id) {
            self.held_once.remove(&p.request);
            self.requests.remove(&p.request);
            // The session's own question: nobody waits for it.
            if self.salts_request == Some(p.request) {
                self.salts_request = None;
                return;
            }
            self.events.push_back(Event::Completed { request: p.request, result });
        }
    }

    /// Acts on a msgs_state_info answering our msgs_state_req `req_msg_id`: `info` holds one
    /// status byte per id it asked about. One answering nothing we asked (or asked too long
    /// ago), or of the wrong length, is ignored: its requests are asked about again in time.
    fn state_info(&mut self, req_msg_id: i64, info: &[u8], now: Duration) {
        let Some(at) = self.core.state_reqs.iter().position(|r| r.msg_id == req_msg_id) else { return };
        let Some(StateReq { ids, sent_at, .. }) = self.core.state_reqs.remove(at) else { return };
        if info.len() != ids.len() {
            return;
        }
        self.note_rtt(sent_at, now);
        let mut lost = Vec::new();
        let mut gone = Vec::new();
        for (&id, &status) in ids.iter().zip(info) {
            // Answered, resent or cancelled since it was asked about: nothing to do.
            let Some(p) = self.pending.get_mut(&id) else { continue };
            // The server answered the question, whatever it said.
            p.doubt = None;
            match status & 7 {
                // 2 and 3: the server certainly does not have it; 1: the id is too old for the
                // server to tell, as with bad_msg_notification 20, which is resent too. Either
                // way, with no answer and no acknowledgement all this time, it goes out again.
                1..=3 => lost.push(id),
                // Received, and the answer made, yet it never came: ask for it again. The
                // request stays due, so that an answer lost once more is asked for again (and
                // one left out of a full msg_resend_ans_req is asked for then).
                STATE_RECEIVED if status & STATE_ANSWERED != 0 => {
                    p.answer_asks = p.answer_asks.saturating_add(1);
                    if p.answer_asks > MAX_ANSWER_ASKS {
                        gone.push(id);
                    } else {
                        self.core.ask_for_answer(id);
                    }
                }
                // Received (this is its acknowledgement) and still being worked on: the server
                // sends the answer when it is made, so the request is waited for, not asked
                // about again.
                STATE_RECEIVED => self.received(id),
                // No status the spec defines: asked about again in time.
                _ => {}
            }
        }
        self.requeue(lost);
        for id in gone {
            self.complete(id, Err(RequestError::AnswerLost));
        }
    }

    /// Acts on the server's msg_resend_req `req_msg_id` for our messages `ids` (the first
    /// [`MAX_RESEND_IDS`]): each request still unanswered that was sent as one of them, or
    /// inside a container that is one, goes out again under a new msg_id (its caller's handle
    /// unchanged), as do the questions of a msgs_state_req among them. Ids that name nothing
    /// of ours still in flight (answered, never ours, the server's own) are ignored; if there
    /// is any, the spec has msgs_state_info answer about them all, as if the msg_resend_req
    /// were a msgs_state_req. The msg_resend_req itself, content-related, is acknowledged
    /// with msgs_ack, as every such message is.
    fn resend_asked(&mut self, req_msg_id: i64, ids: &[i64], now: Duration) {
        let ids = &ids[..ids.len().min(MAX_RESEND_IDS)];
        let mut again = Vec::new();
        let mut unknown = false;
        for &id in ids {
            let requests = self.sent_as_or_in(id);
            let questions = self.reask(id, now);
            unknown |= requests.is_empty() && !questions;
            again.extend(requests);
        }
        again.sort_unstable();
        again.dedup();
        self.requeue(again);
        if unknown {
            self.state_reply(req_msg_id, ids);
        }
    }

    /// Queues msgs_state_info about the server's messages `ids` in answer to its message
    /// `req_msg_id`: one status byte each.
    fn state_reply(&mut self, req_msg_id: i64, ids: &[i64]) {
        let info: Vec<u8> = ids.iter().map(|&id| self.core.msg_state(id)).collect();
        self.core.queue_state_info(req_msg_id, &info);
    }

    fn service(
        &mut self,
        id: u32,
        msg_id: i64,
        body: &[u8],
        now: std::time::Duration,
    ) -> Result<(), SessionError> {
        use tl_codec::{from_bytes, Identifiable};
        match id {
            wire::RPC_RESULT => {
                let (req, result) = wire::read_rpc_result(body)?;
                let result = match wire::constructor(result) {
                    Some(wire::GZIP_PACKED) => {
                        wire::gunzip(result, self.core.config.max_inflated).map_err(RequestError::Gzip)
                    }
                    _ => Ok(result.to_vec()),
                };
                let result = result.and_then(read_result);
                self.answered(req, result);
            }
            types::Pong::CONSTRUCTOR_ID => {
                let pong: types::Pong = from_bytes(body)?;
                if let Some(sent_at) = self.pending.get(&pong.msg_id).map(|p| p.sent_at) {
                    self.note_rtt(sent_at, now);
                }
                self.complete(pong.msg_id, Ok(body.to_vec()));
            }
            types::BadServerSalt::CONSTRUCTOR_ID => {
                let bad: types::BadServerSalt = from_bytes(body)?;
                // The guidelines: check that bad_msg_id is a message we sent before acting.
                if !self.core.ids.issued(bad.bad_msg_id) {
                    return Ok(());
                }
                self.server_salt_is(bad.new_server_salt, now);
                self.resend(bad.bad_msg_id, now);
            }
            types::BadMsgNotification::CONSTRUCTOR_ID => {
                let bad: types::BadMsgNotification = from_bytes(body)?;
                if !self.core.ids.issued(bad.bad_msg_id) {
                    return Ok(());
                }
                match bad.error_code {
                    // msg_id too low / too high: our clock is off; take the server's time.
                    16 | 17 => {
                        self.core.ids.sync(msg_id, now);
                        self.core.synced = true;
                        self.resend(bad.bad_msg_id, now);
                    }
                    // seq_no too low: skip ahead.
                    32 => {
                        self.core.seq = self.core.seq.wrapping_add(64);
                        self.resend(bad.bad_msg_id, now);
                    }
                    // seq_no too high, or too old to tell whether it arrived: send it again.
                    20 | 33 => {
                        self.resend(bad.bad_msg_id, now);
                    }
                    code => {
                        for id in self.sent_as_or_in(bad.bad_msg_id) {
                            self.complete(id, Err(RequestError::BadMessage { code }));
                        }
                    }
                }
            }
            types::NewSessionCreated::CONSTRUCTOR_ID => {
                let new: types::NewSessionCreated = from_bytes(body)?;
                self.server_salt_is(new.server_salt, now);
                // Requests older than the new session were lost with the old one. One requeue
                // for them all: each is a message of its own here, not a container to look up,
                // and they go out again in the order they were first sent.
                let lost: Vec<i64> =
                    self.pending.keys().copied().filter(|&id| id < new.first_msg_id).collect();
                self.requeue(lost);
                // The server lost the session: the client's parameters may have gone with it.
                // Requests from `first_msg_id` on reached the new session, with their prefix:
                // their answers still end initialization.
                self.need_init();
                let epoch = self.core.init_epoch;
                for (_, p) in self.pending.iter_mut().filter(|(&id, _)| id >= new.first_msg_id) {
                    p.init_epoch = epoch;
                }
                self.events.push_back(Event::NewSession { first_msg_id: new.first_msg_id });
            }
            types::FutureSalts::CONSTRUCTOR_ID => {
                let fs: types::FutureSalts = from_bytes(body)?;
                self.salts = fs.salts.iter().map(|s| (s.0.valid_since, s.0.valid_until, s.0.salt)).collect();
                self.complete(fs.req_msg_id, Ok(body.to_vec()));
            }
            // The server announces an answer it sent: acknowledged if it arrived, else asked
            // for with msg_resend_req (once); the resent answer is then handled as any other.
            types::MsgDetailedInfo::CONSTRUCTOR_ID => {
                let info: types::MsgDetailedInfo = from_bytes(body)?;
                self.core.answer_detailed_info(info.answer_msg_id);
            }
            types::MsgNewDetailedInfo::CONSTRUCTOR_ID => {
                let info: types::MsgNewDetailedInfo = from_bytes(body)?;
                self.core.answer_detailed_info(info.answer_msg_id);
            }
            // The server asks what became of its messages: one status byte per id. The answer is
            // itself the acknowledgement, so it is not content-related.
            types::MsgsStateReq::CONSTRUCTOR_ID => {
                let req: types::MsgsStateReq = from_bytes(body)?;
                self.state_reply(msg_id, &req.msg_ids);
            }
            // The server asks for the answers to messages of its own. The client answers none
            // (the server sends it no queries), so, as the spec has it for messages asked for
            // that are not there, msgs_state_info says what became of them; nothing reaches
            // the owner.
            types::MsgResendAnsReq::CONSTRUCTOR_ID => {
                let req: types::MsgResendAnsReq = from_bytes(body)?;
                self.state_reply(msg_id, &req.msg_ids);
            }
            // The server lost messages of ours and asks for them again.
            types::MsgResendReq::CONSTRUCTOR_ID => {
                let req: types::MsgResendReq = from_bytes(body)?;
                self.resend_asked(msg_id, &req.msg_ids, now);
            }
            // The server has these messages: requests among them are waited for, not asked about.
            types::MsgsAck::CONSTRUCTOR_ID => {
                let ack: types::MsgsAck = from_bytes(body)?;
                for id in ack.msg_ids {
                    self.received(id);
                }
            }
            types::MsgsStateInfo::CONSTRUCTOR_ID => {
                let info: types::MsgsStateInfo<'_> = from_bytes(body)?;
                self.state_info(info.req_msg_id, info.info, now);
            }
            _ => self.events.push_back(Event::Unsolicited(body.to_vec())),
        }
        Ok(())
    }
}

#[cfg(all(test, feature = "server"))]
mod tests;
