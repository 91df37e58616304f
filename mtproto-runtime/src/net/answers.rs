//! Canned answers for the loopback test server (features `tokio` and `server`): handlers, by
//! constructor id, for the requests a client under test sends, so that it gets real answers (or
//! rpc errors) instead of its requests echoed back.

use std::collections::HashMap;
use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use tl_codec::{Decode, Encode, Function, Identifiable, Reader};

use crate::schema::api::functions::auth::BindTempAuthKey;
use crate::schema::{functions, types};
use crate::session::{wire, RpcError, MAX_REQUEST_LEN};

/// The rpc_error message of a request a typed handler could not decode (code 400), as
/// Telegram's servers answer a request whose parameters do not deserialize.
pub const INPUT_FETCH_ERROR: &str = "INPUT_FETCH_ERROR";
/// The rpc_error message of a request whose handler panicked (code 500).
pub const HANDLER_PANICKED: &str = "HANDLER_PANICKED";
/// The rpc_error message of a request whose handler made an answer that cannot be sent (code
/// 500): a result that is not a whole number of 4-byte words, shorter than a constructor id or
/// longer than [`MAX_REQUEST_LEN`], or holding a `string`/`bytes` value TL cannot represent,
/// or an error message that makes the rpc_error that long; or a result a client would not read
/// as one: an `rpc_error` that does not decode whole, an `rpc_result` or `msg_container`, or a
/// `gzip_packed` that does not inflate (within 16 MiB, the client's default
/// `SessionConfig::max_inflated`) to such a result (nor to another `gzip_packed`).
pub const ANSWER_INVALID: &str = "ANSWER_INVALID";

/// What a handler is stored as: the request's body in, the answer's out.
type Handler = dyn Fn(&[u8]) -> Result<Vec<u8>, RpcError> + Send + Sync;

/// Canned answers for [`ServeOptions::answers`](super::ServeOptions::answers): handlers, by
/// constructor id, that answer the requests reaching the test server's owner instead of
/// echoing them back.
///
/// ```
/// use mtproto_runtime::net::Answers;
/// use mtproto_runtime::schema::{functions, types};
/// use mtproto_runtime::session::RpcError;
///
/// let answers = Answers::new()
///     // Typed: the request decoded, the function's `Return` encoded.
///     .on::<functions::ReqPqMulti>(|req| {
///         Ok(Box::new(types::ResPq::new(req.nonce, [7; 16], b"\x17\xed", vec![1])))
///     })
///     // An rpc_error answer.
///     .on::<functions::DestroySession>(|_| Err(RpcError::new(420, "FLOOD_WAIT_3")))
///     // Raw: any constructor id, bytes in and out.
///     .on_raw(0x1122_3344, |body| Ok(body.to_vec()));
/// assert!(answers.handles(0x1122_3344));
/// ```
///
/// A request reaches a handler after the test server took off the
/// [`ServeOptions::init_prefix`](super::ServeOptions::init_prefix) (if set), and unless it is one
/// the server answers itself (`get_future_salts`, `auth.bindTempAuthKey`, an `http_wait`, and
/// the service messages the session handles: pings, acknowledgements, `msgs_state_req`, …) or
/// refuses (`CONNECTION_NOT_INITED`, before the init prefix came on the request's key).
/// The handler of the request's own constructor id answers it; without one, a request that is
/// one of the API's wrappers ending in their query (`invokeWithLayer`, `initConnection`,
/// `invokeWithoutUpdates`, `invokeAfterMsg`, `invokeAfterMsgs`, `invokeWithMessagesRange`,
/// `invokeWithTakeout`, `invokeWithBusinessConnection`, `invokeWithGooglePlayIntegrity`,
/// `invokeWithApnsSecret`, `invokeWithReCaptcha`, as in layer 230) is unwrapped, and its query
/// looked up the same way, wrapper after wrapper. A handler gets the query it was found for,
/// without the wrappers around it (the answer to a wrapper is its query's). A request no
/// handler is found for (wrappers that do not read count as no wrapper) is echoed back whole,
/// as without any answers.
///
/// Handlers run on the connection's task, one request at a time: they must not block for long.
/// They may push updates ([`ServerState::push_update`](super::ServerState::push_update)),
/// which then go out with the answer. A handler that panics answers rpc_error 500
/// [`HANDLER_PANICKED`] (the panic is caught with `catch_unwind`, after the panic hook has
/// reported it, and counted by
/// [`ServerState::handler_panics`](super::ServerState::handler_panics)) and the connection
/// goes on, as do the others; under `panic = "abort"` it ends the process, as any panic does.
/// An answer that cannot be sent becomes rpc_error 500 [`ANSWER_INVALID`].
///
/// Cloning is cheap (the handlers are shared); a later handler for an id replaces the earlier.
/// A handler for a function the server answers itself ([`Answers::answered_by_server`]) would
/// never run: registering one panics.
#[derive(Clone, Default)]
pub struct Answers {
    handlers: Arc<HashMap<u32, Arc<Handler>>>,
}

/// A request as [`Answers::on_query`] hands it to its handler: the boxed function, without the
/// wrappers it came in, to decode with [`Query::decode`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Query<'a> {
    body: &'a [u8],
}

impl<'a> Query<'a> {
    /// The request: one boxed function (its constructor id first).
    pub fn body(&self) -> &'a [u8] {
        self.body
    }

    /// The request's constructor id.
    pub fn id(&self) -> u32 {
        Reader::new(self.body).peek_u32().unwrap_or_default()
    }

    /// The request decoded as `T` (which must use all of it), borrowing from it; when it does
    /// not decode, the rpc_error 400 [`INPUT_FETCH_ERROR`] to answer with (`?` returns it).
    pub fn decode<T: Decode<'a>>(&self) -> Result<T, RpcError> {
        tl_codec::from_bytes(self.body).map_err(|_| RpcError::new(400, INPUT_FETCH_ERROR))
    }
}

/// What [`Answers::answer`] made of a request a handler was found for.
#[derive(Debug)]
pub(crate) struct Answered {
    /// The result (one boxed object) or the rpc_error to answer with.
    pub reply: Result<Vec<u8>, RpcError>,
    /// The handler panicked (`reply` is rpc_error 500 [`HANDLER_PANICKED`]).
    pub panicked: bool,
}

impl Answers {
    /// No handlers: every request is echoed back.
    pub fn new() -> Self {
        Answers::default()
    }

    /// Answers the function `F` (found by [`Identifiable::CONSTRUCTOR_ID`]) with `handler`: the
    /// request decoded as `F` in, its [`Function::Return`] or an rpc_error out. A request that
    /// does not decode as `F` is answered rpc_error 400 [`INPUT_FETCH_ERROR`] without calling
    /// `handler`.
    ///
    /// `F` must borrow nothing (`for<'a> Decode<'a>`): generated functions without `string` or
    /// `bytes` parameters, or any function of bindings generated with `--owned`. For a
    /// function that borrows from the request, use [`Answers::on_query`].
    ///
    /// # Panics
    ///
    /// If `F` is one the server answers itself ([`Answers::answered_by_server`]): its handler
    /// would never run.
    pub fn on<F>(
        self,
        handler: impl Fn(F) -> Result<F::Return<'static>, RpcError> + Send + Sync + 'static,
    ) -> Self
    where
        F: Function + Identifiable + for<'a> Decode<'a> + 'static,
        F::Return<'static>: Encode,
    {
        self.insert(
            F::CONSTRUCTOR_ID,
            Arc::new(move |body: &[u8]| {
                let request = Query { body }.decode::<F>()?;
                encode_answer(&handler(request)?)
            }),
        )
    }

    /// Answers the function `F` (found by [`Identifiable::CONSTRUCTOR_ID`]; name a borrowing
    /// function at `'static`, `functions::ReqDhParams<'static>`) with `handler`, which gets
    /// the request undecoded ([`Query::decode`] decodes it, borrowing from it, and gives the
    /// rpc_error 400 to answer with when it fails) and makes `F`'s [`Function::Return`], which
    /// may borrow from the request too, or an rpc_error.
    ///
    /// # Panics
    ///
    /// If `F` is one the server answers itself ([`Answers::answered_by_server`]).
    pub fn on_query<F>(
        self,
        handler: impl for<'a> Fn(Query<'a>) -> Result<F::Return<'a>, RpcError> + Send + Sync + 'static,
    ) -> Self
    where
        F: Function + Identifiable + 'static,
        for<'a> F::Return<'a>: Encode,
    {
        self.insert(F::CONSTRUCTOR_ID, Arc::new(move |body: &[u8]| encode_answer(&handler(Query { body })?)))
    }

    /// Answers the requests with constructor id `id` with `handler`: the request (one boxed
    /// function, its id first) in, the result (one boxed object, a whole number of 4-byte words)
    /// or an rpc_error out.
    ///
    /// # Panics
    ///
    /// If `id` is one the server answers itself ([`Answers::answered_by_server`]).
    pub fn on_raw(
        self,
        id: u32,
        handler: impl Fn(&[u8]) -> Result<Vec<u8>, RpcError> + Send + Sync + 'static,
    ) -> Self {
        self.insert(id, Arc::new(handler))
    }

    /// Whether a handler answers the constructor id `id` (never one the server answers itself:
    /// those cannot have a handler).
    pub fn handles(&self, id: u32) -> bool {
        self.handlers.contains_key(&id)
    }

    /// The name of the function or service message `id`, if the test server answers it itself,
    /// before any handler is looked for: `ping`, `ping_delay_disconnect`, `rpc_drop_answer`,
    /// `msgs_ack`, `msgs_state_req`, `msg_resend_ans_req`, `msg_resend_req`, `msg_container`
    /// and `gzip_packed` (read by the session: the messages inside are looked at), and
    /// `get_future_salts`, `auth.bindTempAuthKey` and `http_wait`. [`Answers::on`],
    /// [`Answers::on_query`] and [`Answers::on_raw`] panic for these ids. (Inside a wrapper,
    /// `invokeWithLayer(ping)` say, such a function is no longer one the server sees: that
    /// request is the owner's, echoed without a handler for the wrapper.)
    pub fn answered_by_server(id: u32) -> Option<&'static str> {
        SERVER_ANSWERED.iter().find(|(served, _)| *served == id).map(|(_, name)| *name)
    }

    /// How many constructor ids have a handler.
    pub fn len(&self) -> usize {
        self.handlers.len()
    }

    /// Whether there is no handler.
    pub fn is_empty(&self) -> bool {
        self.handlers.is_empty()
    }

    fn insert(mut self, id: u32, handler: Arc<Handler>) -> Self {
        if let Some(name) = Answers::answered_by_server(id) {
            panic!(
                "Answers: no handler can answer {name} ({id:#010x}): the test server answers it \
                 itself, before any handler is looked for, so the handler would never run"
            );
        }
        Arc::make_mut(&mut self.handlers).insert(id, handler);
        self
    }

    /// The handler for `body` (see [`Answers`]) and the query it gets.
    fn find<'b>(&self, body: &'b [u8]) -> Option<(&Handler, &'b [u8])> {
        let mut query = body;
        loop {
            let id = Reader::new(query).peek_u32().ok()?;
            if let Some(handler) = self.handlers.get(&id) {
                return Some((&**handler, query));
            }
            query = unwrap_wrapper(query)?;
        }
    }

    /// The answer to the request `body`, if a handler is found for it: the handler's answer,
    /// checked, or the rpc_error that replaces it (a panic, an answer that cannot be sent).
    pub(crate) fn answer(&self, body: &[u8]) -> Option<Answered> {
        let (handler, query) = self.find(body)?;
        let answered = match catch_unwind(AssertUnwindSafe(|| handler(query))) {
            Ok(reply) => Answered { reply: check_answer(reply), panicked: false },
            Err(_) => Answered { reply: Err(RpcError::new(500, HANDLER_PANICKED)), panicked: true },
        };
        Some(answered)
    }
}

impl fmt::Debug for Answers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut ids: Vec<u32> = self.handlers.keys().copied().collect();
        ids.sort_unstable();
        let ids: Vec<String> = ids.iter().map(|id| format!("{id:#010x}")).collect();
        f.debug_struct("Answers").field("handlers", &ids).finish()
    }
}

/// A typed answer's bytes, or rpc_error 500 [`ANSWER_INVALID`] for one TL cannot represent.
fn encode_answer<T: Encode + ?Sized>(value: &T) -> Result<Vec<u8>, RpcError> {
    tl_codec::try_to_bytes(value).map_err(|_| RpcError::new(500, ANSWER_INVALID))
}

/// `reply` if it can be sent as an answer, else rpc_error 500 [`ANSWER_INVALID`].
fn check_answer(reply: Result<Vec<u8>, RpcError>) -> Result<Vec<u8>, RpcError> {
    let len = match &reply {
        Ok(result) => check_object(result, Place::Result).ok().map(|()| result.len()),
        Err(e) => {
            let message = e.message.len();
            // rpc_error#2144ca19 error_code:int error_message:string
            (message <= tl_codec::MAX_BYTES_LEN).then(|| 8 + tl_codec::bytes_encoded_len(message))
        }
    };
    match len {
        Some(len) if len <= MAX_REQUEST_LEN => reply,
        _ => Err(RpcError::new(500, ANSWER_INVALID)),
    }
}

/// What the test server answers itself (see [`Answers::answered_by_server`]): the service
/// messages its session reads (`session::server::SERVED`, and the two wrappers), and the
/// requests the connection answers before the handlers.
const SERVER_ANSWERED: [(u32, &str); 12] = [
    (functions::Ping::CONSTRUCTOR_ID, "ping"),
    (functions::PingDelayDisconnect::CONSTRUCTOR_ID, "ping_delay_disconnect"),
    (functions::RpcDropAnswer::CONSTRUCTOR_ID, "rpc_drop_answer"),
    (types::MsgsAck::CONSTRUCTOR_ID, "msgs_ack"),
    (types::MsgsStateReq::CONSTRUCTOR_ID, "msgs_state_req"),
    (types::MsgResendAnsReq::CONSTRUCTOR_ID, "msg_resend_ans_req"),
    (types::MsgResendReq::CONSTRUCTOR_ID, "msg_resend_req"),
    (wire::MSG_CONTAINER, "msg_container"),
    (wire::GZIP_PACKED, "gzip_packed"),
    (functions::GetFutureSalts::CONSTRUCTOR_ID, "get_future_salts"),
    (BindTempAuthKey::CONSTRUCTOR_ID, "auth.bindTempAuthKey"),
    (types::HttpWait::CONSTRUCTOR_ID, "http_wait"),
];

/// Where an object the test server sends goes: what a client reads specially there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Place {
    /// The result of an rpc_result.
    Result,
    /// A message of its own (an update the test pushes).
    Message,
}

/// The most a `gzip_packed` the test server sends may inflate to: the client's default
/// `SessionConfig::max_inflated`.
const MAX_INFLATED: usize = 16 << 20;

/// Whether `body` can go out as one object at `place`, and be read there by a client as what it
/// is: whole 4-byte words, at least a constructor id, at most [`MAX_REQUEST_LEN`] bytes; no
/// `rpc_result` or `msg_container` (a client reads them as the session's own), a
/// `gzip_packed` only if it inflates (within [`MAX_INFLATED`]) to an object that passes
/// too and is no `gzip_packed` itself; as a result, an `rpc_error` only if it decodes whole;
/// as a message, a service message the client's session reads itself (`pong`,
/// `new_session_created`, `msgs_ack`, …) only if it decodes whole. Why not, otherwise.
pub(crate) fn check_object(body: &[u8], place: Place) -> Result<(), &'static str> {
    if body.len() < 4 {
        return Err("an object holds at least a constructor id (4 bytes)");
    } else if body.len() % 4 != 0 {
        return Err("an object is a whole number of 4-byte words");
    } else if body.len() > MAX_REQUEST_LEN {
        return Err("the object is longer than MAX_REQUEST_LEN");
    }
    if wire::constructor(body) != Some(wire::GZIP_PACKED) {
        return check_unpacked(body, place);
    }
    let inflated = wire::gunzip(body, MAX_INFLATED)
        .map_err(|_| "a gzip_packed that does not inflate to whole words within 16 MiB")?;
    match wire::constructor(&inflated) {
        None => Err("a gzip_packed that inflates to less than a constructor id"),
        Some(wire::GZIP_PACKED) => Err("a gzip_packed inside a gzip_packed"),
        Some(_) => check_unpacked(&inflated, place),
    }
}

/// [`check_object`] for an object that is no `gzip_packed` (at least a constructor id).
fn check_unpacked(body: &[u8], place: Place) -> Result<(), &'static str> {
    use wire::{Misread, ResultObject};
    // A result is judged by the client session's own rule.
    if place == Place::Result {
        return match wire::result_object(body) {
            ResultObject::Answer | ResultObject::Error(_) => Ok(()),
            ResultObject::Misread(Misread::RpcResult) => {
                Err("an rpc_result, which the client reads as an answer")
            }
            ResultObject::Misread(Misread::Container) => {
                Err("a msg_container, which the client reads as one")
            }
            ResultObject::Misread(Misread::BadRpcError) => Err("an rpc_error that does not decode whole"),
            ResultObject::Misread(Misread::GzipPacked) => Err("a gzip_packed inside a gzip_packed"),
            ResultObject::Misread(Misread::NoConstructor) => Err("less than a constructor id"),
        };
    }
    match wire::constructor(body) {
        Some(wire::RPC_RESULT) => Err("an rpc_result, which the client reads as an answer"),
        Some(wire::MSG_CONTAINER) => Err("a msg_container, which the client reads as one"),
        Some(id) => match decodes_as_service_message(id, body) {
            Some(false) => {
                Err("a service message (which the client reads itself) that does not decode whole")
            }
            _ => Ok(()),
        },
        None => Ok(()),
    }
}

/// Whether `body` decodes whole as the service message `id` a client's session reads itself
/// (those it acts on, besides `rpc_result` and the two wrappers); `None` for any other id.
fn decodes_as_service_message(id: u32, body: &[u8]) -> Option<bool> {
    use tl_codec::from_bytes;
    let decodes = match id {
        types::Pong::CONSTRUCTOR_ID => from_bytes::<types::Pong>(body).is_ok(),
        types::BadServerSalt::CONSTRUCTOR_ID => from_bytes::<types::BadServerSalt>(body).is_ok(),
        types::BadMsgNotification::CONSTRUCTOR_ID => from_bytes::<types::BadMsgNotification>(body).is_ok(),
        types::NewSessionCreated::CONSTRUCTOR_ID => from_bytes::<types::NewSessionCreated>(body).is_ok(),
        types::FutureSalts::CONSTRUCTOR_ID => from_bytes::<types::FutureSalts>(body).is_ok(),
        types::MsgDetailedInfo::CONSTRUCTOR_ID => from_bytes::<types::MsgDetailedInfo>(body).is_ok(),
        types::MsgNewDetailedInfo::CONSTRUCTOR_ID => from_bytes::<types::MsgNewDetailedInfo>(body).is_ok(),
        types::MsgsStateReq::CONSTRUCTOR_ID => from_bytes::<types::MsgsStateReq>(body).is_ok(),
        types::MsgResendAnsReq::CONSTRUCTOR_ID => from_bytes::<types::MsgResendAnsReq>(body).is_ok(),
        types::MsgResendReq::CONSTRUCTOR_ID => from_bytes::<types::MsgResendReq>(body).is_ok(),
        types::MsgsAck::CONSTRUCTOR_ID => from_bytes::<types::MsgsAck>(body).is_ok(),
        types::MsgsStateInfo::CONSTRUCTOR_ID => from_bytes::<types::MsgsStateInfo<'_>>(body).is_ok(),
        _ => return None,
    };
    Some(decodes)
}

// The API's wrapper functions that end with their query (layer 230).
const INVOKE_AFTER_MSG: u32 = 0xcb9f372d;
const INVOKE_AFTER_MSGS: u32 = 0x3dc4b4f0;
const INIT_CONNECTION: u32 = 0xc1cd5ea9;
const INVOKE_WITH_LAYER: u32 = 0xda9b0d0d;
const INVOKE_WITHOUT_UPDATES: u32 = 0xbf9459b7;
const INVOKE_WITH_MESSAGES_RANGE: u32 = 0x365275f2;
const INVOKE_WITH_TAKEOUT: u32 = 0xaca9fd2e;
const INVOKE_WITH_BUSINESS_CONNECTION: u32 = 0xdd289f8e;
const INVOKE_WITH_GOOGLE_PLAY_INTEGRITY: u32 = 0x1df92984;
const INVOKE_WITH_APNS_SECRET: u32 = 0x0dae54f8;
const INVOKE_WITH_RE_CAPTCHA: u32 = 0xadbb0f94;
// What their parameters hold.
const MESSAGE_RANGE: u32 = 0x0ae30253;
const INPUT_CLIENT_PROXY: u32 = 0x75588b3f;
const JSON_OBJECT_VALUE: u32 = 0xc0de1bd9;
const JSON_NULL: u32 = 0x3f6d7b68;
const JSON_BOOL: u32 = 0xc7345e6a;
const JSON_NUMBER: u32 = 0x2be0dfa4;
const JSON_STRING: u32 = 0xb71e767a;
const JSON_ARRAY: u32 = 0xf7444763;
const JSON_OBJECT: u32 = 0x99c1d49d;

/// The query of `body` when it is one of the wrappers [`Answers`] looks through and reads
/// whole, with a query after it (at least a constructor id); `None` otherwise.
pub(crate) fn unwrap_wrapper(body: &[u8]) -> Option<&[u8]> {
    let mut r = Reader::new(body);
    let read = match r.read_u32().ok()? {
        INVOKE_WITH_LAYER => r.skip(4),
        INVOKE_WITHOUT_UPDATES => Ok(()),
        INVOKE_AFTER_MSG | INVOKE_WITH_TAKEOUT => r.skip(8),
        INVOKE_AFTER_MSGS => skip_vector(&mut r, 8, |r| r.skip(8)),
        INVOKE_WITH_MESSAGES_RANGE => expect(&mut r, MESSAGE_RANGE, "MessageRange").and_then(|()| r.skip(8)),
        INVOKE_WITH_BUSINESS_CONNECTION | INVOKE_WITH_RE_CAPTCHA => skip_strings(&mut r, 1),
        INVOKE_WITH_GOOGLE_PLAY_INTEGRITY | INVOKE_WITH_APNS_SECRET => skip_strings(&mut r, 2),
        INIT_CONNECTION => skip_init_connection(&mut r),
        _ => return None,
    };
    read.ok()?;
    let query = r.rest();
    (query.len() >= 4).then_some(query)
}

/// Reads a constructor id that must be `id`.
fn expect(r: &mut Reader<'_>, id: u32, what: &'static str) -> tl_codec::Result<()> {
    match r.read_u32()? {
        got if got == id => Ok(()),
        got => Err(r.unknown_constructor(got, what)),
    }
}

fn skip_strings(r: &mut Reader<'_>, n: usize) -> tl_codec::Result<()> {
    for _ in 0..n {
        r.read_tl_bytes()?;
    }
    Ok(())
}

/// Skips a boxed vector whose elements take at least `min_size` bytes each.
fn skip_vector<'a>(
    r: &mut Reader<'a>,
    min_size: usize,
    mut element: impl FnMut(&mut Reader<'a>) -> tl_codec::Result<()>,
) -> tl_codec::Result<()> {
    expect(r, tl_codec::VECTOR_ID, "Vector")?;
    for _ in 0..r.read_count(min_size)? {
        element(r)?;
    }
    Ok(())
}

/// Skips `initConnection`'s parameters before its query: `flags:# api_id:int`, six strings,
/// `proxy:flags.0?InputClientProxy params:flags.1?JSONValue`.
fn skip_init_connection(r: &mut Reader<'_>) -> tl_codec::Result<()> {
    let flags = r.read_u32()?;
    r.skip(4)?;
    skip_strings(r, 6)?;
    if flags & 1 != 0 {
        expect(r, INPUT_CLIENT_PROXY, "InputClientProxy")?;
        r.read_tl_bytes()?;
        r.skip(4)?;
    }
    if flags & 2 != 0 {
        skip_json(r)?;
    }
    Ok(())
}

/// Skips one boxed `JSONValue`, as deep as the reader allows.
fn skip_json(r: &mut Reader<'_>) -> tl_codec::Result<()> {
    r.enter()?;
    let skipped = match r.read_u32()? {
        JSON_NULL => Ok(()),
        JSON_BOOL => r.skip(4),
        JSON_NUMBER => r.skip(8),
        JSON_STRING => r.read_tl_bytes().map(drop),
        JSON_ARRAY => skip_vector(r, 4, skip_json),
        JSON_OBJECT => skip_vector(r, 12, |r| {
            expect(r, JSON_OBJECT_VALUE, "JSONObjectValue")?;
            r.read_tl_bytes()?;
            skip_json(r)
        }),
        id => Err(r.unknown_constructor(id, "JSONValue")),
    };
    r.leave();
    skipped
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{functions, types};
    use tl_codec::{to_bytes, TlStr};

    fn word(id: u32) -> Vec<u8> {
        id.to_le_bytes().to_vec()
    }

    fn string(s: &str) -> Vec<u8> {
        to_bytes(&TlStr::new(s))
    }

    fn rpc_error(code: i32, message: &str) -> Vec<u8> {
        to_bytes(&types::RpcError { error_code: code, error_message: TlStr::new(message) })
    }

    /// The ids above are the schema's: each `name#id` line of the `api.tl` the runtime is
    /// generated from (build.rs writes it into `OUT_DIR`) names them.
    #[test]
    fn the_wrapper_ids_are_layer_230s() {
        let text = include_str!(concat!(env!("OUT_DIR"), "/api.tl"));
        let id_of = |name: &str| {
            let line = text.lines().find(|l| l.starts_with(&format!("{name}#"))).unwrap();
            let hex = line[name.len() + 1..].split(' ').next().unwrap();
            u32::from_str_radix(hex, 16).unwrap()
        };
        for (name, id) in [
            ("invokeAfterMsg", INVOKE_AFTER_MSG),
            ("invokeAfterMsgs", INVOKE_AFTER_MSGS),
            ("initConnection", INIT_CONNECTION),
            ("invokeWithLayer", INVOKE_WITH_LAYER),
            ("invokeWithoutUpdates", INVOKE_WITHOUT_UPDATES),
            ("invokeWithMessagesRange", INVOKE_WITH_MESSAGES_RANGE),
            ("invokeWithTakeout", INVOKE_WITH_TAKEOUT),
            ("invokeWithBusinessConnection", INVOKE_WITH_BUSINESS_CONNECTION),
            ("invokeWithGooglePlayIntegrity", INVOKE_WITH_GOOGLE_PLAY_INTEGRITY),
            ("invokeWithApnsSecret", INVOKE_WITH_APNS_SECRET),
            ("invokeWithReCaptcha", INVOKE_WITH_RE_CAPTCHA),
            ("messageRange", MESSAGE_RANGE),
            ("inputClientProxy", INPUT_CLIENT_PROXY),
            ("jsonObjectValue", JSON_OBJECT_VALUE),
            ("jsonNull", JSON_NULL),
            ("jsonBool", JSON_BOOL),
            ("jsonNumber", JSON_NUMBER),
            ("jsonString", JSON_STRING),
            ("jsonArray", JSON_ARRAY),
            ("jsonObject", JSON_OBJECT),
        ] {
            assert_eq!(id_of(name), id, "{name}");
        }
    }

    /// `initConnection` with every optional part: a proxy and nested JSON params.
    fn init_connection(flags: u32) -> Vec<u8> {
        let mut b = word(INIT_CONNECTION);
        b.extend(word(flags));
        b.extend(word(4)); // api_id
        for s in ["device", "system", "1.0", "en", "", "en"] {
            b.extend(string(s));
        }
        if flags & 1 != 0 {
            b.extend(word(INPUT_CLIENT_PROXY));
            b.extend(string("proxy.example"));
            b.extend(word(443));
        }
        if flags & 2 != 0 {
            // {"a": [null, true, 1.5, "s", {}]}
            b.extend(word(JSON_OBJECT));
            b.extend(word(tl_codec::VECTOR_ID));
            b.extend(word(1));
            b.extend(word(JSON_OBJECT_VALUE));
            b.extend(string("a"));
            b.extend(word(JSON_ARRAY));
            b.extend(word(tl_codec::VECTOR_ID));
            b.extend(word(5));
            b.extend(word(JSON_NULL));
            b.extend(word(JSON_BOOL));
            b.extend(word(tl_codec::BOOL_TRUE_ID));
            b.extend(word(JSON_NUMBER));
            b.extend(1.5f64.to_le_bytes());
            b.extend(word(JSON_STRING));
            b.extend(string("s"));
            b.extend(word(JSON_OBJECT));
            b.extend(word(tl_codec::VECTOR_ID));
            b.extend(word(0));
        }
        b
    }

    fn every_wrapper() -> Vec<Vec<u8>> {
        let mut after_msgs = word(INVOKE_AFTER_MSGS);
        after_msgs.extend(word(tl_codec::VECTOR_ID));
        after_msgs.extend(word(2));
        after_msgs.extend([1; 16]);
        let mut range = word(INVOKE_WITH_MESSAGES_RANGE);
        range.extend(word(MESSAGE_RANGE));
        range.extend([2; 8]);
        let with = |id: u32, rest: &[u8]| [word(id), rest.to_vec()].concat();
        vec![
            with(INVOKE_WITH_LAYER, &230u32.to_le_bytes()),
            word(INVOKE_WITHOUT_UPDATES),
            with(INVOKE_AFTER_MSG, &[3; 8]),
            with(INVOKE_WITH_TAKEOUT, &[4; 8]),
            after_msgs,
            range,
            with(INVOKE_WITH_BUSINESS_CONNECTION, &string("conn")),
            with(INVOKE_WITH_RE_CAPTCHA, &string("token")),
            with(INVOKE_WITH_GOOGLE_PLAY_INTEGRITY, &[string("nonce"), string("token")].concat()),
            with(INVOKE_WITH_APNS_SECRET, &[string("nonce"), string("secret")].concat()),
            init_connection(0),
            init_connection(1),
            init_connection(2),
            init_connection(3),
        ]
    }

    #[test]
    fn every_wrapper_unwraps_to_its_query() {
        let query = to_bytes(&functions::Ping { ping_id: 7 });
        for wrapper in every_wrapper() {
            let body = [wrapper.clone(), query.clone()].concat();
            assert_eq!(unwrap_wrapper(&body), Some(&query[..]), "{:08x?}", &wrapper[..4]);
            // Truncated anywhere before the query: no wrapper (and no panic).
            for cut in 0..wrapper.len() + 4 {
                assert_eq!(unwrap_wrapper(&body[..cut]), None, "cut at {cut}");
            }
        }
        assert_eq!(unwrap_wrapper(&query), None, "not a wrapper");
        assert_eq!(unwrap_wrapper(&[]), None);
    }

    #[test]
    fn malformed_wrappers_are_no_wrappers() {
        let query = to_bytes(&functions::Ping { ping_id: 7 });
        // initConnection whose proxy is some other constructor.
        let mut bad_proxy = init_connection(1);
        let at = bad_proxy.len() - 4 - string("proxy.example").len() - 4;
        bad_proxy[at..at + 4].copy_from_slice(&word(JSON_NULL));
        // JSON nested deeper than the reader allows: arrays of one array of … (no stack
        // overflow).
        let mut deep = init_connection(0);
        deep[4] = 2;
        for _ in 0..10_000 {
            deep.extend(word(JSON_ARRAY));
            deep.extend(word(tl_codec::VECTOR_ID));
            deep.extend(word(1));
        }
        deep.extend(word(JSON_NULL));
        // A vector count larger than the input.
        let mut huge = word(INVOKE_AFTER_MSGS);
        huge.extend(word(tl_codec::VECTOR_ID));
        huge.extend(word(u32::MAX));
        for wrapper in [bad_proxy, deep, huge] {
            assert_eq!(unwrap_wrapper(&[wrapper, query.clone()].concat()), None);
        }
    }

    /// The session id of a `destroy_session_none` answer.
    fn none(body: &[u8]) -> i64 {
        match tl_codec::from_bytes(body).unwrap() {
            crate::schema::enums::DestroySessionRes::DestroySessionNone(n) => n.session_id,
            other => panic!("{other:?}"),
        }
    }

    /// A `destroy_session_none` for `session_id`.
    fn answer_none(session_id: i64) -> crate::schema::enums::DestroySessionRes {
        crate::schema::enums::DestroySessionRes::DestroySessionNone(types::DestroySessionNone { session_id })
    }

    #[test]
    fn handlers_answer_through_wrappers_and_others_are_left_alone() {
        let answers = Answers::new()
            .on::<functions::DestroySession>(|d| Ok(answer_none(d.session_id)))
            .on_raw(INVOKE_WITH_TAKEOUT, |_| Err(RpcError::new(403, "TAKEOUT_REQUIRED")));
        let ping = to_bytes(&functions::DestroySession { session_id: 9 });
        let answer = |body: &[u8]| answers.answer(body).map(|a| a.reply);
        assert_eq!(none(&answer(&ping).unwrap().unwrap()), 9);
        // Through every wrapper, and through several.
        for wrapper in every_wrapper() {
            let body = [wrapper.clone(), ping.clone()].concat();
            match answer(&body) {
                Some(Ok(result)) => assert_eq!(none(&result), 9),
                // The handler of the wrapper itself comes first.
                Some(Err(e)) => assert_eq!(&wrapper[..4], &word(INVOKE_WITH_TAKEOUT)[..], "{e}"),
                None => panic!("not answered"),
            }
        }
        let nested = [every_wrapper()[0].clone(), init_connection(3), ping.clone()].concat();
        assert_eq!(none(&answer(&nested).unwrap().unwrap()), 9);
        // No handler, a truncated wrapper, nothing at all: left to the echo.
        let other = to_bytes(&functions::PingDelayDisconnect { ping_id: 1, disconnect_delay: 2 });
        assert!(answer(&other).is_none());
        assert!(answer(&[every_wrapper()[0].clone(), other].concat()).is_none());
        assert!(answer(&init_connection(3)[..20]).is_none());
        assert!(answer(&[]).is_none());
        assert!(!answers.is_empty());
        assert_eq!(answers.len(), 2);
        assert!(answers.handles(functions::DestroySession::CONSTRUCTOR_ID));
        assert!(format!("{answers:?}").contains("0xe7512126"), "{answers:?}");
    }

    #[test]
    fn bad_requests_bad_answers_and_panics_become_rpc_errors() {
        let answers = Answers::new()
            .on::<functions::DestroySession>(|d| match d.session_id {
                0 => panic!("a handler bug"),
                id => Ok(answer_none(id)),
            })
            .on_raw(1, |body| Ok(body[..5].to_vec()))
            .on_raw(2, |_| Ok(Vec::new()))
            .on_raw(3, |_| Err(RpcError::new(400, "X".repeat(17 << 20))))
            .on_raw(4, |_| Ok(vec![0; 16 << 20]))
            // What a client reads specially: the rpc_error id alone, an rpc_error whose string
            // runs past the end or leaves bytes after it, rpc_result, msg_container, and
            // gzip_packed that is garbage, inflates to a short object, to another gzip_packed
            // or to an rpc_result.
            .on_raw(5, |_| Ok(word(wire::RPC_ERROR)))
            .on_raw(6, |_| Ok([word(wire::RPC_ERROR), word(400), word(200)].concat()))
            .on_raw(7, |_| Ok([rpc_error(400, "A"), word(0)].concat()))
            .on_raw(8, |_| Ok([word(wire::RPC_RESULT), vec![0; 12]].concat()))
            .on_raw(9, |_| Ok([word(wire::MSG_CONTAINER), word(0)].concat()))
            .on_raw(10, |_| Ok([word(wire::GZIP_PACKED), word(4), word(0x0403_0201)].concat()))
            .on_raw(11, |_| Ok(wire::gzip(&[]).unwrap()))
            .on_raw(12, |_| Ok(wire::gzip(&wire::gzip(&word(7)).unwrap()).unwrap()))
            .on_raw(13, |_| Ok(wire::gzip(&[word(wire::RPC_RESULT), vec![0; 12]].concat()).unwrap()))
            .on_raw(14, |_| Ok(wire::gzip(&word(wire::RPC_ERROR)).unwrap()))
            // What a client reads as it is: a whole rpc_error, gzip_packed or not, and a
            // gzip_packed result.
            .on_raw(20, |_| Ok(rpc_error(420, "FLOOD_WAIT_3")))
            .on_raw(21, |_| Ok(wire::gzip(&rpc_error(420, "FLOOD_WAIT_3")).unwrap()))
            .on_raw(22, |_| Ok(wire::gzip(&word(7)).unwrap()))
            .on_query::<functions::ReqDhParams<'static>>(|q| {
                let req: functions::ReqDhParams<'_> = q.decode()?;
                Ok(crate::schema::enums::ServerDhParams::Ok(types::ServerDhParamsOk {
                    nonce: req.nonce,
                    server_nonce: req.server_nonce,
                    // Borrowed from the request.
                    encrypted_answer: req.encrypted_data,
                }))
            });
        let error = |body: &[u8]| answers.answer(body).unwrap().reply.unwrap_err();
        let ping = |id: i64| to_bytes(&functions::DestroySession { session_id: id });
        // A body that does not decode as the function, or has bytes left after it.
        assert_eq!(error(&ping(5)[..8]), RpcError::new(400, INPUT_FETCH_ERROR));
        assert_eq!(error(&[ping(5), vec![0; 4]].concat()), RpcError::new(400, INPUT_FETCH_ERROR));
        let panicked = answers.answer(&ping(0)).unwrap();
        assert!(panicked.panicked);
        assert_eq!(panicked.reply.unwrap_err(), RpcError::new(500, HANDLER_PANICKED));
        assert_eq!(none(&answers.answer(&ping(6)).unwrap().reply.unwrap()), 6, "still answers");
        for id in 1u32..=14 {
            let body = [word(id), vec![0; 4]].concat();
            assert_eq!(error(&body), RpcError::new(500, ANSWER_INVALID), "{id}");
        }
        for id in [20u32, 21, 22] {
            let reply = answers.answer(&[word(id), vec![0; 4]].concat()).unwrap().reply;
            assert!(reply.is_ok(), "{id}: {reply:?}");
        }
        // A borrowed request and answer.
        let req = functions::ReqDhParams::new([1; 16], [2; 16], b"p", b"q", 3, b"data");
        let reply = answers.answer(&to_bytes(&req)).unwrap().reply.unwrap();
        let back: crate::schema::enums::ServerDhParams<'_> = tl_codec::from_bytes(&reply).unwrap();
        let crate::schema::enums::ServerDhParams::Ok(ok) = back else { panic!("{back:?}") };
        assert_eq!((ok.nonce, ok.encrypted_answer), ([1; 16], &b"data"[..]));
        assert_eq!(error(&to_bytes(&req)[..12]), RpcError::new(400, INPUT_FETCH_ERROR));
    }

    #[test]
    fn a_message_a_client_would_misread_is_refused() {
        let update = [word(0x78d4dec1), word(0xa229dd06), word(7)].concat();
        let pong = to_bytes(&types::Pong { msg_id: 1, ping_id: 2 });
        let garbage = [word(wire::GZIP_PACKED), word(4), word(0x0403_0201)].concat();
        for (body, why) in [
            (vec![1, 2, 3], "at least a constructor id"),
            (vec![0; 6], "whole number"),
            (garbage, "does not inflate"),
            (wire::gzip(&[]).unwrap(), "less than a constructor id"),
            (wire::gzip(&wire::gzip(&update).unwrap()).unwrap(), "inside a gzip_packed"),
            ([word(wire::RPC_RESULT), vec![0; 12]].concat(), "rpc_result"),
            ([word(wire::MSG_CONTAINER), word(0)].concat(), "msg_container"),
            (pong[..12].to_vec(), "service message"),
            (wire::gzip(&pong[..12]).unwrap(), "service message"),
            ([pong.clone(), word(0)].concat(), "service message"),
            (
                to_bytes(&types::NewSessionCreated { first_msg_id: 1, unique_id: 2, server_salt: 3 })[..20]
                    .to_vec(),
                "service message",
            ),
        ] {
            let refused = check_object(&body, Place::Message).expect_err(why);
            assert!(refused.contains(why), "{refused} for {body:02x?}");
        }
        // An update, packed or not, a whole service message, an rpc_error (nothing special
        // outside a result, where it must decode whole).
        let cut_error = [word(wire::RPC_ERROR), word(400), word(200)].concat();
        for body in [update.clone(), wire::gzip(&update).unwrap(), pong, cut_error.clone()] {
            assert_eq!(check_object(&body, Place::Message), Ok(()), "{body:02x?}");
        }
        assert!(check_object(&cut_error, Place::Result).is_err());
    }

    /// The panic message of registering `register`'s handler.
    fn refusal(register: impl FnOnce() -> Answers) -> String {
        let panic = catch_unwind(AssertUnwindSafe(register)).expect_err("registered");
        panic.downcast_ref::<String>().cloned().unwrap_or_default()
    }

    #[test]
    fn what_the_server_answers_itself_cannot_have_a_handler() {
        // Every service message the server's session answers is in the table.
        for id in crate::session::server::SERVED {
            assert!(Answers::answered_by_server(id).is_some(), "{id:#010x}");
        }
        for (id, name) in SERVER_ANSWERED {
            assert_eq!(Answers::answered_by_server(id), Some(name));
            let message = refusal(|| Answers::new().on_raw(id, |b| Ok(b.to_vec())));
            assert!(message.contains(name) && message.contains("never run"), "{message}");
        }
        let message = refusal(|| {
            Answers::new().on::<functions::Ping>(|p| Ok(types::Pong { msg_id: 1, ping_id: p.ping_id }))
        });
        assert!(message.contains("ping (0x7abe77ec)"), "{message}");
        let message = refusal(|| {
            Answers::new().on_query::<functions::GetFutureSalts>(|_| Err(RpcError::new(400, "NO")))
        });
        assert!(message.contains("get_future_salts"), "{message}");
        // An id refused leaves nothing behind, and what is not refused is handled.
        let answers = Answers::new().on::<functions::DestroySession>(|_| Err(RpcError::new(400, "NO")));
        let kept = answers.clone();
        assert!(catch_unwind(AssertUnwindSafe(
            || kept.on_raw(functions::Ping::CONSTRUCTOR_ID, |_| Ok(vec![]))
        ))
        .is_err());
        assert!(!answers.handles(functions::Ping::CONSTRUCTOR_ID));
        assert!(answers.handles(functions::DestroySession::CONSTRUCTOR_ID));
        assert_eq!(Answers::answered_by_server(functions::DestroySession::CONSTRUCTOR_ID), None);
    }

    #[test]
    fn a_query_reads_its_id_and_body() {
        let body = to_bytes(&functions::Ping { ping_id: 3 });
        let q = Query { body: &body };
        assert_eq!(q.id(), functions::Ping::CONSTRUCTOR_ID);
        assert_eq!(q.body(), &body[..]);
        assert_eq!(q.decode::<functions::Ping>(), Ok(functions::Ping { ping_id: 3 }));
        assert_eq!(Query { body: &[] }.id(), 0);
    }
}
