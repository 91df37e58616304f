//! The test server's side of a session (feature `server`): enough to answer a client over
//! loopback — pings, requests handed to the owner, forced bad_server_salt, containers, gzip,
//! msgs_state_req and msg_resend_ans_req about the client's messages, msg_resend_req about its
//! own; on demand, requests asked for again with msg_resend_req instead of run.

use std::collections::VecDeque;
use std::time::Duration;

use tl_codec::{from_bytes, Identifiable};

use super::{wire, Clock, Core, Queued, SessionConfig, SessionError, Wrap, MAX_RESEND_IDS};
use crate::crypto::Side;
use crate::encrypted::decrypt_message;
use crate::random::Random;
use crate::schema::{functions, types};
use crate::AuthKey;

/// A request the server's owner should answer with [`ServerSession::respond`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// The request's msg_id (what the answer's rpc_result names).
    pub msg_id: i64,
    /// The request (one boxed function, inflated).
    pub body: Vec<u8>,
}

/// How many of the client's requests handed to the owner are remembered, for the +32 flag of
/// msgs_state_info ("being processed or processed"); the oldest are forgotten first.
const RPCS_REMEMBERED: usize = 1024;
/// How many answers are kept for msg_resend_ans_req, and their most bytes together (rpc_result
/// bodies); the oldest are forgotten first.
const ANSWERS_REMEMBERED: usize = 64;
const ANSWER_BYTES_REMEMBERED: usize = 4 << 20;
/// How many content-related messages sent are kept for msg_resend_req, and their most bytes
/// together; the oldest are forgotten first.
const SENT_REMEMBERED: usize = 64;
const SENT_BYTES_REMEMBERED: usize = 4 << 20;

/// The msgs_state_info flags the test server sets on a request it received: being processed
/// or processed (+32), answer made (+64).
const STATE_PROCESSING: u8 = 32;
const STATE_ANSWERED: u8 = 64;

/// The server side of one client's session.
#[derive(Debug)]
pub struct ServerSession<C: Clock> {
    core: Core,
    clock: C,
    /// Whether a message on the session passed the checks: it was greeted with
    /// new_session_created, and what is sent goes out at once.
    known: bool,
    requests: VecDeque<Request>,
    /// msg_ids of the requests handed to the owner (bounded, oldest first).
    rpcs: VecDeque<i64>,
    /// Answers made, as (request msg_id, rpc_result body), oldest first; bounded by
    /// [`ANSWERS_REMEMBERED`] and [`ANSWER_BYTES_REMEMBERED`] (`answer_bytes`).
    answers: VecDeque<(i64, Vec<u8>)>,
    answer_bytes: usize,
    /// msg_ids of the requests answered, bounded as `rpcs`: an answer forgotten still was made
    /// (+64 in msgs_state_info), which a client asking for it again must be told.
    answered: VecDeque<i64>,
    /// Content-related messages sent, as (msg_id, body), oldest first; bounded by
    /// [`SENT_REMEMBERED`] and [`SENT_BYTES_REMEMBERED`] (`sent_bytes`).
    sent: VecDeque<(i64, Vec<u8>)>,
    sent_bytes: usize,
    pings: u64,
    acks: u64,
    dropped: u64,
    state_requests: u64,
    resend_requests: u64,
    /// While set, requests received are asked for again instead of run
    /// ([`ServerSession::set_ask_again`]).
    ask_again: bool,
    asked_again: u64,
    disconnect_delay: Option<i32>,
    /// Messages [`ServerSession::send_unsolicited`] got before the session was known: they go
    /// out after new_session_created, once the client's first message came.
    early: Vec<Vec<u8>>,
    /// Results at least this long are sent gzip_packed.
    pub gzip_results: usize,
}

impl<C: Clock> ServerSession<C> {
    /// A server session over `key` that accepts `salt`; the session id is learnt from the first
    /// message.
    pub fn new(key: AuthKey, salt: i64, clock: C) -> Self {
        let mut core = Core::new(key, Side::Server, 0, salt, SessionConfig::default());
        // The server's clock is the reference.
        core.synced = true;
        ServerSession {
            core,
            clock,
            known: false,
            requests: VecDeque::new(),
            rpcs: VecDeque::new(),
            answers: VecDeque::new(),
            answer_bytes: 0,
            answered: VecDeque::new(),
            sent: VecDeque::new(),
            sent_bytes: 0,
            pings: 0,
            acks: 0,
            dropped: 0,
            state_requests: 0,
            resend_requests: 0,
            ask_again: false,
            asked_again: 0,
            disconnect_delay: None,
            early: Vec::new(),
            gzip_results: 512,
        }
    }

    /// The salt clients must use.
    pub fn salt(&self) -> i64 {
        self.core.salt
    }

    /// The client's session id (0 until its first message; until a message passes the
    /// checks, that of the latest one that decrypted).
    pub fn session_id(&self) -> i64 {
        self.core.session_id
    }

    /// Keep-alive pings (ping and ping_delay_disconnect) answered so far.
    pub fn pings(&self) -> u64 {
        self.pings
    }

    /// msgs_ack messages received so far.
    pub fn acks(&self) -> u64 {
        self.acks
    }

    /// Requests withdrawn by `rpc_drop_answer` before they were answered.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// msgs_state_req messages answered so far.
    pub fn state_requests(&self) -> u64 {
        self.state_requests
    }

    /// msg_resend_req messages answered so far.
    pub fn resend_requests(&self) -> u64 {
        self.resend_requests
    }

    /// While `on`, each request received is treated as one whose content was lost: neither
    /// acknowledged nor handed to the owner, but asked for again with msg_resend_req (in the
    /// next flush), which the client answers by sending it again under a new msg_id. Service
    /// messages (pings, acks, questions) are served as ever.
    pub fn set_ask_again(&mut self, on: bool) {
        self.ask_again = on;
    }

    /// Requests asked for again so far ([`ServerSession::set_ask_again`]).
    pub fn asked_again(&self) -> u64 {
        self.asked_again
    }

    /// The disconnect_delay of the last ping_delay_disconnect: the connection should be closed
    /// if no other ping comes within that many seconds.
    pub fn disconnect_delay(&self) -> Option<i32> {
        self.disconnect_delay
    }

    /// Changes the accepted salt: the client's next message gets bad_server_salt.
    pub fn change_salt(&mut self, salt: i64) {
        self.core.salt = salt;
    }

    /// The next request to answer.
    pub fn poll_request(&mut self) -> Option<Request> {
        self.requests.pop_front()
    }

    /// Queues the answer `result` (one boxed object) to the request `req_msg_id`. A result
    /// of [`ServerSession::gzip_results`] bytes or more goes gzip_packed, unless it is one
    /// already. Nothing is checked: a test may send what a client must refuse.
    pub fn respond(&mut self, req_msg_id: i64, result: &[u8]) {
        let pack = result.len() >= self.gzip_results && wire::constructor(result) != Some(wire::GZIP_PACKED);
        let packed = pack.then(|| wire::gzip(result)).flatten();
        let result = packed.as_deref().unwrap_or(result);
        let mut body = Vec::with_capacity(12 + result.len());
        wire::write_rpc_result(req_msg_id, result, &mut body);
        self.remember_answer(req_msg_id, &body);
        self.push(body);
    }

    /// Keeps the answer `body` to `req_msg_id` for msg_resend_ans_req, within the bounds.
    fn remember_answer(&mut self, req_msg_id: i64, body: &[u8]) {
        if !self.answered.contains(&req_msg_id) {
            self.answered.push_back(req_msg_id);
            if self.answered.len() > RPCS_REMEMBERED {
                self.answered.pop_front();
            }
        }
        self.answers.push_back((req_msg_id, body.to_vec()));
        self.answer_bytes += body.len();
        while self.answers.len() > ANSWERS_REMEMBERED || self.answer_bytes > ANSWER_BYTES_REMEMBERED {
            let Some((_, old)) = self.answers.pop_front() else { break };
            self.answer_bytes -= old.len();
        }
    }

    /// The msgs_state_info status byte of the client's message `msg_id`: the session's own
    /// (1, 2, 3 or 4), and for a request received +32 once handed to the owner, +64 once its
    /// answer was made. Acknowledgements are not tracked (no +8, +128), nor +16.
    fn state_of(&self, msg_id: i64) -> u8 {
        let status = self.core.msg_state(msg_id);
        if status != 4 {
            return status;
        }
        let answered = self.answered.contains(&msg_id);
        let processing = answered || self.rpcs.contains(&msg_id);
        status | if processing { STATE_PROCESSING } else { 0 } | if answered { STATE_ANSWERED } else { 0 }
    }

    /// Queues msgs_state_info about `msg_ids` in answer to the client's message `req_msg_id`.
    /// It acknowledges that message itself, so it is not content-related.
    fn state_info(&mut self, req_msg_id: i64, msg_ids: &[i64]) {
        let info: Vec<u8> = msg_ids.iter().map(|&id| self.state_of(id)).collect();
        self.core.queue_state_info(req_msg_id, &info);
    }

    /// Whether the encrypted `frame` from the client holds a request its owner would be handed
    /// (on its own, in a container, or gzip_packed), so that a test can drop the frame unread
    /// as if it were lost on the way. A frame that does not decrypt (before the session is
    /// known, say) holds none.
    pub fn carries_request(&self, frame: &[u8]) -> bool {
        let mut copy = frame.to_vec();
        let Ok(msg) = decrypt_message(&self.core.key, Side::Client, self.core.session_id, &mut copy) else {
            return false;
        };
        match wire::constructor(msg.body) {
            Some(wire::MSG_CONTAINER) => {
                wire::read_container(msg.body).is_ok_and(|inner| inner.iter().any(|m| is_request(m.body)))
            }
            _ => is_request(msg.body),
        }
    }

    /// Queues an rpc_error answer to `req_msg_id`.
    pub fn respond_error(&mut self, req_msg_id: i64, code: i32, message: &str) {
        let e = types::RpcError { error_code: code, error_message: tl_codec::TlStr::new(message) };
        self.respond(req_msg_id, &tl_codec::to_bytes(&e));
    }

    /// Queues a message that answers nothing (an update). Before the session is known (the
    /// client's first message to pass the checks names it), it waits, and goes out right after
    /// the new_session_created that answers that message.
    pub fn send_unsolicited(&mut self, body: Vec<u8>) {
        if self.known {
            self.push(body);
        } else {
            self.early.push(body);
        }
    }

    fn push(&mut self, body: Vec<u8>) {
        self.core.queue.push_back(Queued {
            request: 0,
            msg_id: None,
            body,
            content_related: true,
            wrap: Wrap::Never,
        });
    }

    /// Whether [`ServerSession::flush`] has anything to send.
    pub fn wants_flush(&self) -> bool {
        self.core.has_output()
    }

    /// Appends one encrypted message holding what is queued (a container when more than one).
    pub fn flush(&mut self, rng: &mut dyn Random, out: &mut Vec<u8>) -> Result<bool, SessionError> {
        if !self.core.has_output() {
            return Ok(false);
        }
        for (_, msg_id, _, body, _) in self.core.flush(self.clock.now(), rng, out)? {
            self.remember_sent(msg_id, body);
        }
        Ok(true)
    }

    /// Keeps the content-related message `msg_id` for msg_resend_req, within the bounds.
    fn remember_sent(&mut self, msg_id: i64, body: Vec<u8>) {
        self.sent_bytes += body.len();
        self.sent.push_back((msg_id, body));
        while self.sent.len() > SENT_REMEMBERED || self.sent_bytes > SENT_BYTES_REMEMBERED {
            let Some((_, old)) = self.sent.pop_front() else { break };
            self.sent_bytes -= old.len();
        }
    }

    /// Decrypts, checks and handles one message from the client.
    pub fn receive(&mut self, frame: &mut [u8]) -> Result<(), SessionError> {
        let now = self.clock.now();
        let greet = !self.known;
        if greet {
            // Read afresh from each message until one passes the checks: a message refused
            // leaves the session as unknown as before, to be greeted on the next good one.
            self.core.session_id = frame_session_id(&self.core.key, frame)?;
        }
        let (header, body) = self.core.open(frame, now)?;
        if greet {
            self.known = true;
            self.greet(header.msg_id, body);
            for early in std::mem::take(&mut self.early) {
                self.push(early);
            }
        }
        if header.salt != self.core.salt {
            let bad = types::BadServerSalt {
                bad_msg_id: header.msg_id,
                bad_msg_seqno: header.seq_no,
                error_code: 48,
                new_server_salt: self.core.salt,
            };
            self.core.queue.push_back(Queued {
                request: 0,
                msg_id: None,
                body: tl_codec::to_bytes(&bad),
                content_related: false,
                wrap: Wrap::Never,
            });
            return Ok(());
        }
        self.handle(header.msg_id, header.seq_no, body, now, true)
    }

    /// Tells the client its session is new; `first_msg_id` is the first (innermost) id received.
    fn greet(&mut self, header_msg_id: i64, body: &[u8]) {
        let first_msg_id = match wire::constructor(body) {
            Some(wire::MSG_CONTAINER) => wire::read_container(body)
                .ok()
                .and_then(|m| m.iter().map(|m| m.msg_id).min())
                .unwrap_or(header_msg_id),
            _ => header_msg_id,
        };
        let created = types::NewSessionCreated {
            first_msg_id,
            unique_id: self.core.session_id ^ 0x5eed,
            server_salt: self.core.salt,
        };
        self.core.queue.push_back(Queued {
            request: 0,
            msg_id: None,
            body: tl_codec::to_bytes(&created),
            content_related: true,
            wrap: Wrap::Never,
        });
    }

    fn handle(
        &mut self,
        msg_id: i64,
        seq_no: i32,
        body: &[u8],
        now: Duration,
        top: bool,
    ) -> Result<(), SessionError> {
        match wire::constructor(body) {
            Some(wire::MSG_CONTAINER) if top => {
                // As the client does: a bad message inside is skipped, its neighbours handled.
                let mut first_error = None;
                for m in wire::read_container(body)? {
                    let handled = self
                        .core
                        .check_inner(msg_id, m.msg_id, m.body, now)
                        .and_then(|()| self.handle(m.msg_id, m.seq_no, m.body, now, false));
                    if let Err(e) = handled {
                        first_error.get_or_insert(e);
                    }
                }
                first_error.map_or(Ok(()), Err)
            }
            Some(wire::MSG_CONTAINER) => Err(SessionError::NestedContainer),
            Some(wire::GZIP_PACKED) => {
                let inflated =
                    wire::gunzip(body, self.core.config.max_inflated).map_err(SessionError::Gzip)?;
                if wire::constructor(&inflated) == Some(wire::GZIP_PACKED) {
                    return Err(SessionError::NestedGzip);
                }
                self.handle(msg_id, seq_no, &inflated, now, false)
            }
            Some(functions::Ping::CONSTRUCTOR_ID) => {
                self.core.note_received(msg_id, seq_no);
                let ping: functions::Ping = from_bytes(body)?;
                let pong = types::Pong { msg_id, ping_id: ping.ping_id };
                self.pings += 1;
                self.push(tl_codec::to_bytes(&pong));
                Ok(())
            }
            Some(functions::PingDelayDisconnect::CONSTRUCTOR_ID) => {
                self.core.note_received(msg_id, seq_no);
                let ping: functions::PingDelayDisconnect = from_bytes(body)?;
                let pong = types::Pong { msg_id, ping_id: ping.ping_id };
                self.pings += 1;
                self.disconnect_delay = Some(ping.disconnect_delay);
                self.push(tl_codec::to_bytes(&pong));
                Ok(())
            }
            Some(functions::RpcDropAnswer::CONSTRUCTOR_ID) => {
                // Still waiting for the application: dropped before it runs. Otherwise
                // (answered, or never seen) there is nothing left to drop.
                self.core.note_received(msg_id, seq_no);
                let drop: functions::RpcDropAnswer = from_bytes(body)?;
                let before = self.requests.len();
                self.requests.retain(|r| r.msg_id != drop.req_msg_id);
                let answer = if self.requests.len() < before {
                    self.dropped += 1;
                    tl_codec::to_bytes(&types::RpcAnswerDroppedRunning)
                } else {
                    tl_codec::to_bytes(&types::RpcAnswerUnknown)
                };
                self.respond(msg_id, &answer);
                Ok(())
            }
            Some(types::MsgsAck::CONSTRUCTOR_ID) => {
                self.acks += 1;
                Ok(())
            }
            // The answer, msgs_state_info, is the acknowledgement of either.
            Some(types::MsgsStateReq::CONSTRUCTOR_ID) => {
                let req: types::MsgsStateReq = from_bytes(body)?;
                self.state_requests += 1;
                self.state_info(msg_id, &req.msg_ids);
                Ok(())
            }
            // The answers asked for go out again, as new messages; the spec has the state of
            // every id asked about answered too, as for msgs_state_req.
            Some(types::MsgResendAnsReq::CONSTRUCTOR_ID) => {
                let req: types::MsgResendAnsReq = from_bytes(body)?;
                self.state_info(msg_id, &req.msg_ids);
                for id in &req.msg_ids {
                    let again = self.answers.iter().find(|(req, _)| req == id).map(|(_, body)| body.clone());
                    if let Some(body) = again {
                        self.push(body);
                    }
                }
                Ok(())
            }
            // The client asks for messages of ours it missed: each one still remembered goes out
            // again at once, as a new message (never alone under its old msg_id, which the
            // client may have seen after all). If any is not (forgotten, never sent, or one of
            // the client's own by its parity), the spec has msgs_state_info answer about them
            // all, as for msgs_state_req. Either is the acknowledgement.
            Some(types::MsgResendReq::CONSTRUCTOR_ID) => {
                let req: types::MsgResendReq = from_bytes(body)?;
                self.resend_requests += 1;
                let ids = &req.msg_ids[..req.msg_ids.len().min(MAX_RESEND_IDS)];
                let mut missing = false;
                let mut resent = Vec::new();
                for id in ids {
                    if resent.contains(id) {
                        continue;
                    }
                    match self.sent.iter().find(|(sent, _)| sent == id) {
                        Some((_, body)) => {
                            let again = body.clone();
                            resent.push(*id);
                            self.push(again);
                        }
                        None => missing = true,
                    }
                }
                if missing {
                    self.state_info(msg_id, ids);
                }
                Ok(())
            }
            Some(_) if self.ask_again => {
                if self.core.resend_ids.len() < MAX_RESEND_IDS {
                    self.core.resend_ids.push(msg_id);
                }
                self.asked_again += 1;
                Ok(())
            }
            Some(_) => {
                self.core.note_received(msg_id, seq_no);
                if self.rpcs.len() >= RPCS_REMEMBERED {
                    self.rpcs.pop_front();
                }
                self.rpcs.push_back(msg_id);
                self.requests.push_back(Request { msg_id, body: body.to_vec() });
                Ok(())
            }
            None => Err(SessionError::Malformed(
                tl_codec::Reader::new(body).error(tl_codec::ErrorKind::UnexpectedEnd { needed: 4 }),
            )),
        }
    }
}

/// The session id of the client's encrypted message `frame` under `key`, read from a
/// decrypted copy: what a server looks its session up by.
pub fn frame_session_id(key: &AuthKey, frame: &[u8]) -> Result<i64, SessionError> {
    let mut copy = frame.to_vec();
    match decrypt_message(key, Side::Client, 0, &mut copy) {
        Ok(m) => Ok(m.header.session_id),
        // Every check passed but the session id (0 was expected): the copy is decrypted.
        Err(crate::encrypted::DecryptError::WrongSession) => {
            let b = copy.get(32..40).and_then(|s| s.try_into().ok()).unwrap_or([0; 8]);
            Ok(i64::from_le_bytes(b))
        }
        Err(e) => Err(SessionError::Decrypt(e)),
    }
}

/// The service messages [`ServerSession`] answers itself (besides the containers and
/// gzip_packed it reads): never handed to the owner.
pub(crate) const SERVED: [u32; 7] = [
    functions::Ping::CONSTRUCTOR_ID,
    functions::PingDelayDisconnect::CONSTRUCTOR_ID,
    functions::RpcDropAnswer::CONSTRUCTOR_ID,
    types::MsgsAck::CONSTRUCTOR_ID,
    types::MsgsStateReq::CONSTRUCTOR_ID,
    types::MsgResendAnsReq::CONSTRUCTOR_ID,
    types::MsgResendReq::CONSTRUCTOR_ID,
];

/// Whether a message `body` from the client is a request for the owner: anything but the
/// service messages [`ServerSession`] answers itself (a gzip_packed body counts: the client
/// packs only requests).
fn is_request(body: &[u8]) -> bool {
    wire::constructor(body).is_some_and(|id| id != wire::MSG_CONTAINER && !SERVED.contains(&id))
}
