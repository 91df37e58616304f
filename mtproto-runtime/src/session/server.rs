//! The test server's side of a session (feature `server`): enough to answer a client over
//! loopback — pings, requests handed to the owner, forced bad_server_salt, containers, gzip,
//! msgs_state_req and msg_resend_ans_req about the client's messages, msg_resend_req about its
//! own, answers and updates kept until acknowledged and sent again (or announced) when the
//! client comes back on a newer connection; on demand, requests asked for again with
//! msg_resend_req instead of run.

use std::collections::{HashSet, VecDeque};
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

/// An answer or update sent (or queued) and not acknowledged ([`ServerSession`]'s `unacked`).
#[derive(Debug)]
struct Unacked {
    /// Its copies' `Queued::request` (never 0, which the session's other messages carry).
    ticket: i64,
    /// The request it answers (an rpc_result, sent again as it is when the client comes
    /// back); `None`: an update, announced with msg_new_detailed_info instead.
    answers: Option<i64>,
    body: Vec<u8>,
    /// The msg_ids it went out as, oldest first (the latest [`SENT_AS_REMEMBERED`]).
    sent_as: Vec<i64>,
    /// Whether a copy waits in the queue.
    queued: bool,
}

impl Unacked {
    /// Its kind: 0 an answer, 1 an update (the index into [`ServerSession`]'s `kept`).
    fn kind(&self) -> usize {
        usize::from(self.answers.is_none())
    }
}

/// How many messages of one kind a session keeps until acknowledged, and their bytes.
#[derive(Debug, Default, Clone, Copy)]
struct Tally {
    count: usize,
    bytes: usize,
}

impl Tally {
    fn over(&self) -> bool {
        self.count > UNACKED_KEPT || self.bytes > UNACKED_BYTES_KEPT
    }
}

/// How many of the client's requests handed to the owner are remembered, for the +32 flag of
/// msgs_state_info ("being processed or processed"); the oldest are forgotten first.
const RPCS_REMEMBERED: usize = 1024;
/// How many of the answers made are remembered for msg_resend_ans_req (which finds those
/// kept until acknowledged too), and their most bytes together (rpc_result bodies); the
/// oldest are forgotten first.
const ANSWERS_REMEMBERED: usize = 64;
const ANSWER_BYTES_REMEMBERED: usize = 4 << 20;
/// How many answers a session keeps until the client acknowledges them, and how many updates,
/// each kind on its own ([`ServerSession::serve_on`]); past it, the oldest of the kind is
/// dropped, and counted ([`ServerSession::unacked_dropped`]): an update with its copy still
/// waiting to go out, if any, so that what a session no connection serves holds is bounded;
/// an answer's copy still goes out. The same bound holds the updates waiting for a session's
/// first message.
pub const UNACKED_KEPT: usize = 1024;
/// The most bytes of the answers a session keeps until acknowledged, together, and of its
/// updates (message bodies), each kind on its own; as [`UNACKED_KEPT`], past it the oldest of
/// the kind is dropped (never the one just kept).
pub const UNACKED_BYTES_KEPT: usize = 16 << 20;
/// How many content-related messages sent are kept for msg_resend_req, and their most bytes
/// together; the oldest are forgotten first.
const SENT_REMEMBERED: usize = 64;
const SENT_BYTES_REMEMBERED: usize = 4 << 20;

/// How many msg_ids one answer or update kept until acknowledged remembers having gone out as
/// (the latest): an acknowledgement of any of them is its own.
const SENT_AS_REMEMBERED: usize = 8;

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
    /// Answers and updates not acknowledged yet, oldest first: what goes out again when the
    /// client comes back ([`ServerSession::serve_on`]). Each kind bounded on its own by
    /// [`UNACKED_KEPT`] and [`UNACKED_BYTES_KEPT`] (`kept`, by [`Unacked::kind`]); past
    /// either, the oldest of the kind is dropped (an update with its copy waiting in the
    /// queue), and counted in `unacked_dropped` (an answer dropped so is still sent again when
    /// asked for, while `answers` has it).
    unacked: VecDeque<Unacked>,
    kept: [Tally; 2],
    /// Kept messages dropped before the client acknowledged them (and updates dropped from
    /// `early`), so far; `drops_told` of them were taken by [`ServerSession::take_new_drops`].
    unacked_dropped: u64,
    drops_told: u64,
    /// The ticket of the next message kept in `unacked`: its copies in the queue carry it as
    /// their `Queued::request`, which tells a flush what it sent.
    next_ticket: i64,
    /// The latest connection the client's messages came on ([`ServerSession::serve_on`]).
    connection: u64,
    resent: u64,
    answer_requests: u64,
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
    /// out after new_session_created, once the client's first message came. Bounded as the
    /// updates kept until acknowledged (`early_bytes`), the oldest dropped first (counted in
    /// `unacked_dropped`).
    early: VecDeque<Vec<u8>>,
    early_bytes: usize,
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
            unacked: VecDeque::new(),
            kept: [Tally::default(); 2],
            unacked_dropped: 0,
            drops_told: 0,
            next_ticket: 1,
            connection: 0,
            resent: 0,
            answer_requests: 0,
            pings: 0,
            acks: 0,
            dropped: 0,
            state_requests: 0,
            resend_requests: 0,
            ask_again: false,
            asked_again: 0,
            disconnect_delay: None,
            early: VecDeque::new(),
            early_bytes: 0,
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

    /// msg_resend_ans_req messages answered so far.
    pub fn answer_requests(&self) -> u64 {
        self.answer_requests
    }

    /// Answers sent again, and updates announced with msg_new_detailed_info, so far, unasked:
    /// the client came back on a newer connection without having acknowledged them
    /// ([`ServerSession::serve_on`]).
    pub fn resent(&self) -> u64 {
        self.resent
    }

    /// The client's latest message came on the connection `connection` (numbered in the order
    /// the connections were made). The first time a number above every earlier one comes, the
    /// client is back after losing a connection, and what was sent on the older ones may have
    /// been lost with them: a real server keeps each answer and update until the client
    /// acknowledges it, and so does this one: the latest [`UNACKED_KEPT`] answers within
    /// [`UNACKED_BYTES_KEPT`], and as many updates within as many bytes, each kind on its own
    /// (older ones are dropped, and counted: [`ServerSession::unacked_dropped`]). Call it after
    /// [`ServerSession::receive`], so the acknowledgements that message carries count first:
    /// nothing acknowledged ever goes out again.
    ///
    /// Each answer not acknowledged goes out again at once, as a new message (a new msg_id, a
    /// content-related seq_no, the same rpc_result): a client that did get it has completed its
    /// request and ignores the copy. An update is not sent again blindly, since a client that
    /// got it but whose acknowledgement was lost would take the copy, under a new msg_id, for a
    /// second update: as the spec has a server do, msg_new_detailed_info names the msg_id it
    /// went out as, and the client acknowledges it if it has it or asks for it with
    /// msg_resend_req if not, which sends it again. (A client that never got it and no longer
    /// remembers ids that old acknowledges it unseen: the update is lost. This crate's client
    /// remembers the 2048 latest ids it received, the announcements among them: enough for
    /// every update this server keeps.)
    pub fn serve_on(&mut self, connection: u64) {
        if connection <= self.connection {
            return;
        }
        self.connection = connection;
        let mut again = Vec::new();
        for kept in self.unacked.iter_mut().filter(|k| !k.queued) {
            let Some(&last) = kept.sent_as.last() else { continue };
            if kept.answers.is_some() {
                kept.queued = true;
                again.push(copy_of(kept));
            } else {
                let bytes = i32::try_from(kept.body.len()).unwrap_or(i32::MAX);
                let info = types::MsgNewDetailedInfo { answer_msg_id: last, bytes, status: 0 };
                // Not content-related: the spec has it need no acknowledgement.
                again.push(Queued {
                    request: 0,
                    msg_id: None,
                    body: tl_codec::to_bytes(&info),
                    content_related: false,
                    wrap: Wrap::Never,
                });
            }
            self.resent += 1;
        }
        // Ahead of what is queued, all of it newer, oldest first.
        for q in again.into_iter().rev() {
            self.core.queue.push_front(q);
        }
    }

    /// Stops keeping the answers to the requests `req_msg_ids` until acknowledged: lost, they
    /// go out again only when the client asks for them (msg_resend_ans_req), as from a server
    /// that lost its own copy. A test's way to have a client's asking looked at.
    pub fn forget_answers(&mut self, req_msg_ids: &[i64]) {
        let tallies = &mut self.kept;
        self.unacked.retain(|kept| {
            let forget = kept.answers.is_some_and(|req| req_msg_ids.contains(&req));
            if forget {
                let tally = &mut tallies[kept.kind()];
                tally.count -= 1;
                tally.bytes -= kept.body.len();
            }
            !forget
        });
    }

    /// The latest connection the client's messages came on ([`ServerSession::serve_on`]); 0
    /// before any.
    pub fn connection(&self) -> u64 {
        self.connection
    }

    /// Answers and updates kept until acknowledged ([`ServerSession::serve_on`]) that were
    /// dropped before the client acknowledged them, so far: past [`UNACKED_KEPT`] or
    /// [`UNACKED_BYTES_KEPT`] for their kind, the oldest go (an update with its copy waiting to
    /// go out, if any: such a one was never sent; an answer's copy still goes out once), as do
    /// updates waiting for the session's first message past the same bounds. An answer
    /// dropped so still goes out again when asked for with msg_resend_ans_req while it is
    /// among the latest 64 made; an update is lost.
    pub fn unacked_dropped(&self) -> u64 {
        self.unacked_dropped
    }

    /// How many more kept messages were dropped ([`ServerSession::unacked_dropped`]) since the
    /// last call: what a server adds to a count of its own, once.
    pub(crate) fn take_new_drops(&mut self) -> u64 {
        let new = self.unacked_dropped - self.drops_told;
        self.drops_told = self.unacked_dropped;
        new
    }

    /// Takes the updates kept until acknowledged that have a copy waiting to go out (never
    /// sent, or asked for again and not sent yet) out of the session, oldest first, with their
    /// copies, and those waiting for its first message: what the client has not got, for a
    /// server to send in a session the client moved to (a renewed temporary key's, say) when
    /// it can no longer read this one's.
    pub(crate) fn take_unsent_updates(&mut self) -> Vec<Vec<u8>> {
        let mut taken: Vec<Vec<u8>> = Vec::new();
        let mut tickets = HashSet::new();
        let tallies = &mut self.kept;
        self.unacked.retain_mut(|kept| {
            let take = kept.answers.is_none() && kept.queued;
            if take {
                tallies[1].count -= 1;
                tallies[1].bytes -= kept.body.len();
                tickets.insert(kept.ticket);
                taken.push(std::mem::take(&mut kept.body));
            }
            !take
        });
        if !tickets.is_empty() {
            self.core.queue.retain(|q| !tickets.contains(&q.request));
        }
        self.early_bytes = 0;
        taken.extend(self.early.drain(..));
        taken
    }

    /// The bytes of the message bodies waiting to go out, and of those waiting for the
    /// session's first message.
    #[cfg(test)]
    pub(crate) fn queued_bytes(&self) -> usize {
        self.core.queue.iter().map(|q| q.body.len()).sum::<usize>() + self.early_bytes
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

    /// Queues `body`, the answer to the request `req_msg_id` that comes bare rather than in an
    /// rpc_result (`future_salts`, which names its request itself), kept until the client
    /// acknowledges it as any answer is.
    pub fn respond_bare(&mut self, req_msg_id: i64, body: Vec<u8>) {
        self.remember_answer(req_msg_id, &body);
        self.keep(Some(req_msg_id), body);
    }

    /// Queues the answer `result` (one boxed object) to the request `req_msg_id`, kept until
    /// the client acknowledges it ([`ServerSession::serve_on`]). A result of
    /// [`ServerSession::gzip_results`] bytes or more goes gzip_packed, unless it is one
    /// already. Nothing is checked: a test may send what a client must refuse.
    pub fn respond(&mut self, req_msg_id: i64, result: &[u8]) {
        let pack = result.len() >= self.gzip_results && wire::constructor(result) != Some(wire::GZIP_PACKED);
        let packed = pack.then(|| wire::gzip(result)).flatten();
        let result = packed.as_deref().unwrap_or(result);
        let mut body = Vec::with_capacity(12 + result.len());
        wire::write_rpc_result(req_msg_id, result, &mut body);
        self.remember_answer(req_msg_id, &body);
        self.keep(Some(req_msg_id), body);
    }

    /// Queues `body`, content-related, and keeps it until the client acknowledges it, within
    /// the bounds of its kind: `answers` is the request it answers, `None` for an update. Past
    /// them, the oldest of the kind are dropped (never the one just kept, however long); an
    /// update with its copy waiting to go out, an answer not (it still goes out once).
    fn keep(&mut self, answers: Option<i64>, body: Vec<u8>) {
        let kept = Unacked { ticket: self.next_ticket, answers, body, sent_as: Vec::new(), queued: true };
        self.next_ticket += 1;
        self.core.queue.push_back(copy_of(&kept));
        let kind = kept.kind();
        self.kept[kind].count += 1;
        self.kept[kind].bytes += kept.body.len();
        self.unacked.push_back(kept);
        while self.kept[kind].over() && self.kept[kind].count > 1 {
            let Some(at) = self.unacked.iter().position(|k| k.kind() == kind) else { break };
            let Some(old) = self.unacked.remove(at) else { break };
            self.kept[kind].count -= 1;
            self.kept[kind].bytes -= old.body.len();
            // An update's one copy waiting to go out goes with it. Not an answer's: answers are
            // made for the requests of a frame, which its connection flushes at once (or hands
            // to a newer one), so their copies are bounded by what frames bring, and one never
            // sent would have its client ask for it, in vain.
            if old.queued && old.answers.is_none() {
                if let Some(q) = self.core.queue.iter().position(|q| q.request == old.ticket) {
                    self.core.queue.remove(q);
                }
            }
            self.unacked_dropped += 1;
        }
    }

    /// Queues the kept message at `at` again, unless a copy waits in the queue already.
    fn queue_again(&mut self, at: usize) {
        let Some(kept) = self.unacked.get_mut(at) else { return };
        if !kept.queued {
            kept.queued = true;
            let copy = copy_of(kept);
            self.core.queue.push_back(copy);
        }
    }

    /// A flush sent the kept message `ticket` as `msg_id`.
    fn went_out(&mut self, ticket: i64, msg_id: i64) {
        let Some(at) = self.unacked.iter().position(|k| k.ticket == ticket) else { return };
        let kept = &mut self.unacked[at];
        kept.queued = false;
        if kept.sent_as.len() >= SENT_AS_REMEMBERED {
            kept.sent_as.remove(0);
        }
        kept.sent_as.push(msg_id);
    }

    /// The client acknowledged its messages `msg_ids`: what they were copies of is no longer
    /// kept, nor sent again (a copy still queued is dropped).
    fn acknowledged(&mut self, msg_ids: &[i64]) {
        if self.unacked.is_empty() || msg_ids.is_empty() {
            return;
        }
        let ids: HashSet<i64> = msg_ids.iter().copied().collect();
        let mut unqueue = Vec::new();
        let tallies = &mut self.kept;
        self.unacked.retain(|kept| {
            let acked = kept.sent_as.iter().any(|id| ids.contains(id));
            if acked {
                let tally = &mut tallies[kept.kind()];
                tally.count -= 1;
                tally.bytes -= kept.body.len();
                if kept.queued {
                    unqueue.push(kept.ticket);
                }
            }
            !acked
        });
        if !unqueue.is_empty() {
            self.core.queue.retain(|q| !unqueue.contains(&q.request));
        }
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
    /// as if it were lost on the way. A frame that does not decrypt holds none. The first
    /// frame of a session, which names it, counts as any other: a test that asks for the next
    /// request to be lost means that one too.
    pub fn carries_request(&self, frame: &[u8]) -> bool {
        let session_id = match self.known {
            true => self.core.session_id,
            false => match frame_session_id(&self.core.key, frame) {
                Ok(id) => id,
                Err(_) => return false,
            },
        };
        let mut copy = frame.to_vec();
        let Ok(msg) = decrypt_message(&self.core.key, Side::Client, session_id, &mut copy) else {
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

    /// Queues a message that answers nothing (an update), kept until the client acknowledges
    /// it ([`ServerSession::serve_on`]). Before the session is known (the client's first
    /// message to pass the checks names it), it waits, and goes out right after the
    /// new_session_created that answers that message.
    ///
    /// Either way within the bounds of the updates kept until acknowledged, [`UNACKED_KEPT`]
    /// and [`UNACKED_BYTES_KEPT`]: past them the oldest are dropped, sent or not, and counted
    /// ([`ServerSession::unacked_dropped`]), so that a session no client serves holds a
    /// bounded amount however much is pushed to it.
    pub fn send_unsolicited(&mut self, body: Vec<u8>) {
        if self.known {
            self.keep(None, body);
            return;
        }
        self.early_bytes += body.len();
        self.early.push_back(body);
        while self.early.len() > 1
            && (self.early.len() > UNACKED_KEPT || self.early_bytes > UNACKED_BYTES_KEPT)
        {
            let Some(old) = self.early.pop_front() else { break };
            self.early_bytes -= old.len();
            self.unacked_dropped += 1;
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
        for (ticket, msg_id, _, body, _) in self.core.flush(self.clock.now(), rng, out)? {
            if ticket != 0 {
                self.went_out(ticket, msg_id);
            }
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
            self.early_bytes = 0;
            for early in std::mem::take(&mut self.early) {
                self.keep(None, early);
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
                let ack: types::MsgsAck = from_bytes(body)?;
                self.acknowledged(&ack.msg_ids);
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
                self.answer_requests += 1;
                self.state_info(msg_id, &req.msg_ids);
                for &id in &req.msg_ids {
                    // Kept until acknowledged (a copy queued once), else remembered (kept again).
                    if let Some(at) = self.unacked.iter().position(|k| k.answers == Some(id)) {
                        self.queue_again(at);
                        continue;
                    }
                    let again = self.answers.iter().find(|(req, _)| *req == id).map(|(_, body)| body.clone());
                    if let Some(body) = again {
                        self.keep(Some(id), body);
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
                    // One kept until acknowledged goes out again kept so (once, however often
                    // it is asked for while a copy waits to go out).
                    if let Some(at) = self.unacked.iter().position(|k| k.sent_as.contains(id)) {
                        resent.push(*id);
                        self.queue_again(at);
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

/// A copy of the kept message `kept` for the queue, content-related as the first time.
fn copy_of(kept: &Unacked) -> Queued {
    Queued {
        request: kept.ticket,
        msg_id: None,
        body: kept.body.clone(),
        content_related: true,
        wrap: Wrap::Never,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::carry::{carry, frames};
    use crate::session::{Event, MsgId, RequestError, Session};
    use crate::OsRandom;

    /// A clock that stands still: nothing falls due by time here (acknowledgements are due at
    /// once, and the client's questions never).
    #[derive(Debug, Clone, Copy)]
    struct Still;

    impl Clock for Still {
        fn now(&self) -> Duration {
            Duration::from_secs(1_700_000_000)
        }
    }

    const KEY: [u8; 256] = [0x3c; 256];
    const SESSION: i64 = 0x5e55;

    /// A message as sent: (msg_id, seq_no, body).
    type Msg = (i64, i32, Vec<u8>);

    /// A client and the test server's session, the frames between them carried by hand.
    struct Link {
        client: Session<Still>,
        server: ServerSession<Still>,
        rng: OsRandom,
        pings: i64,
    }

    /// A link whose session the server knows, served on connection 1.
    fn started() -> Link {
        let key = AuthKey::from_bytes(KEY);
        let mut l = Link {
            client: Session::new(key.clone(), 9, SESSION, Still),
            server: ServerSession::new(key, 9, Still),
            rng: OsRandom::new(),
            pings: 0,
        };
        l.back(1);
        l.down();
        l.events();
        l
    }

    impl Link {
        /// Client → server: the messages sent.
        fn up(&mut self) -> Vec<Msg> {
            opened(&carry(&mut self.client, &mut self.server, &mut self.rng), Side::Client)
        }

        /// Client → nowhere: the messages lost.
        fn lose_up(&mut self) -> Vec<Msg> {
            opened(&frames(&mut self.client, &mut self.rng), Side::Client)
        }

        /// Server → client: the messages sent.
        fn down(&mut self) -> Vec<Msg> {
            opened(&carry(&mut self.server, &mut self.client, &mut self.rng), Side::Server)
        }

        /// Server → nowhere: the messages lost.
        fn lose_down(&mut self) -> Vec<Msg> {
            opened(&frames(&mut self.server, &mut self.rng), Side::Server)
        }

        /// The client comes back on `connection`: as its adapter does, it pings at once, and
        /// its first message reaches the server there. The messages it sent.
        fn back(&mut self, connection: u64) -> Vec<Msg> {
            if connection > 1 {
                self.client.reconnected();
            }
            self.pings += 1;
            self.client.ping(self.pings);
            let up = self.up();
            self.server.serve_on(connection);
            up
        }

        fn events(&mut self) -> Vec<Event> {
            std::iter::from_fn(|| self.client.poll_event()).collect()
        }
    }

    /// The messages of `frames` from `from`, containers unpacked.
    fn opened(frames: &[Vec<u8>], from: Side) -> Vec<Msg> {
        let key = AuthKey::from_bytes(KEY);
        let mut out = Vec::new();
        for f in frames {
            let mut f = f.clone();
            let m = decrypt_message(&key, from, SESSION, &mut f).unwrap();
            match wire::constructor(m.body) {
                Some(wire::MSG_CONTAINER) => out.extend(
                    wire::read_container(m.body)
                        .unwrap()
                        .into_iter()
                        .map(|i| (i.msg_id, i.seq_no, i.body.to_vec())),
                ),
                _ => out.push((m.header.msg_id, m.header.seq_no, m.body.to_vec())),
            }
        }
        out
    }

    fn of_id(msgs: &[Msg], id: u32) -> Vec<&Msg> {
        msgs.iter().filter(|m| wire::constructor(&m.2) == Some(id)).collect()
    }

    fn answers(msgs: &[Msg]) -> Vec<&Msg> {
        of_id(msgs, wire::RPC_RESULT)
    }

    /// The client's questions about its requests and their answers among `msgs`.
    fn questions(msgs: &[Msg]) -> usize {
        of_id(msgs, types::MsgsStateReq::CONSTRUCTOR_ID).len()
            + of_id(msgs, types::MsgResendAnsReq::CONSTRUCTOR_ID).len()
    }

    /// The results of `request` among `events`.
    fn completed(events: &[Event], request: MsgId) -> Vec<Result<Vec<u8>, RequestError>> {
        events
            .iter()
            .filter_map(|e| match e {
                Event::Completed { request: r, result } if *r == request => Some(result.clone()),
                _ => None,
            })
            .collect()
    }

    fn updates(events: &[Event]) -> Vec<Vec<u8>> {
        events
            .iter()
            .filter_map(|e| match e {
                Event::Unsolicited(body) => Some(body.clone()),
                _ => None,
            })
            .collect()
    }

    fn body(n: u32) -> Vec<u8> {
        [0x7e57_0000u32.to_le_bytes(), n.to_le_bytes()].concat()
    }

    fn update(n: u32) -> Vec<u8> {
        [0x1122_3344u32.to_le_bytes(), n.to_le_bytes()].concat()
    }

    /// The ids the client's msgs_ack messages among `msgs` acknowledge.
    fn acked(msgs: &[Msg]) -> Vec<i64> {
        of_id(msgs, types::MsgsAck::CONSTRUCTOR_ID)
            .iter()
            .flat_map(|m| tl_codec::from_bytes::<types::MsgsAck>(&m.2).unwrap().msg_ids)
            .collect()
    }

    /// The request acknowledged first (so the client does not ask about it after a reconnect),
    /// its answer then lost with the connection: when the client is back, the answer comes
    /// again unasked, under a new msg_id, and completes the request.
    #[test]
    fn an_answer_lost_with_its_connection_goes_out_again_when_the_client_is_back() {
        let mut l = started();
        let req = l.client.invoke_raw(body(1));
        l.up();
        assert!(!acked(&l.down()).is_empty(), "acknowledged first");
        let r = l.server.poll_request().unwrap();
        l.server.respond(r.msg_id, &r.body);
        let lost = l.lose_down();
        let (lost_id, _, answer) = answers(&lost)[0].clone();

        let up = l.back(2);
        assert_eq!(questions(&up), 0, "the client asks nothing: {up:?}");
        let down = l.down();
        let again = answers(&down);
        assert_eq!(again.len(), 1, "{down:?}");
        assert!(again[0].0 > lost_id, "a new msg_id");
        assert_eq!(again[0].1 & 1, 1, "content-related");
        assert_eq!(again[0].2, answer, "the same rpc_result, for the same request");
        assert_eq!(completed(&l.events(), req), vec![Ok(body(1))]);
        assert_eq!(l.server.resent(), 1);

        // The copy acknowledged (with the next message): never sent again.
        l.back(3);
        assert!(answers(&l.down()).is_empty());
        assert_eq!(l.server.resent(), 1);
    }

    /// An answer the client got is not sent again when its acknowledgement comes with the
    /// client's first message on the new connection; when the acknowledgement was lost it is,
    /// and the client ignores the copy (its request is complete) and acknowledges it.
    #[test]
    fn an_answer_the_client_got_is_not_sent_again_or_its_copy_is_ignored() {
        let mut l = started();
        let req = l.client.invoke_raw(body(2));
        l.up();
        let r = l.server.poll_request().unwrap();
        l.server.respond(r.msg_id, &r.body);
        let answer_id = answers(&l.down())[0].0;
        assert_eq!(completed(&l.events(), req), vec![Ok(body(2))]);
        // Its acknowledgement, not flushed yet, goes with the first message on the new one.
        let up = l.back(2);
        assert!(acked(&up).contains(&answer_id));
        assert!(answers(&l.down()).is_empty());
        assert_eq!(l.server.resent(), 0);

        let req = l.client.invoke_raw(body(3));
        l.up();
        let r = l.server.poll_request().unwrap();
        l.server.respond(r.msg_id, &r.body);
        let answer_id = answers(&l.down())[0].0;
        assert_eq!(completed(&l.events(), req), vec![Ok(body(3))]);
        // Its acknowledgement lost on the way.
        assert!(acked(&l.lose_up()).contains(&answer_id));
        l.back(3);
        let down = l.down();
        assert_eq!(answers(&down).len(), 1, "{down:?}");
        let events = l.events();
        assert!(completed(&events, req).is_empty(), "completed once: {events:?}");
        assert!(!events.iter().any(|e| matches!(e, Event::Unreadable { .. })), "{events:?}");
        assert_eq!(l.client.pending(), 0);
        // The copy is acknowledged: nothing more to send again.
        assert!(acked(&l.up()).contains(&answers(&down)[0].0));
        l.back(4);
        assert!(answers(&l.down()).is_empty());
        assert_eq!(l.server.resent(), 1);
    }

    /// An update lost with its connection is announced (msg_new_detailed_info), not sent
    /// blindly: the client, which never got it, asks for it, and gets it once.
    #[test]
    fn an_update_lost_with_its_connection_is_announced_and_sent_again_when_asked_for() {
        let mut l = started();
        l.server.send_unsolicited(update(1));
        let lost = l.lose_down();
        let (lost_id, _, _) = lost.iter().find(|m| m.2 == update(1)).unwrap().clone();
        l.back(2);
        let down = l.down();
        assert!(!down.iter().any(|m| m.2 == update(1)), "not sent blindly: {down:?}");
        let info = of_id(&down, types::MsgNewDetailedInfo::CONSTRUCTOR_ID);
        assert_eq!(info.len(), 1, "{down:?}");
        assert_eq!(info[0].1 & 1, 0, "needs no acknowledgement");
        let info: types::MsgNewDetailedInfo = tl_codec::from_bytes(&info[0].2).unwrap();
        assert_eq!((info.answer_msg_id, info.bytes, info.status), (lost_id, 8, 0));
        assert_eq!(l.server.resent(), 1);

        let up = l.up();
        let asked = of_id(&up, types::MsgResendReq::CONSTRUCTOR_ID);
        assert_eq!(tl_codec::from_bytes::<types::MsgResendReq>(&asked[0].2).unwrap().msg_ids, vec![lost_id]);
        let down = l.down();
        let again: Vec<_> = down.iter().filter(|m| m.2 == update(1)).collect();
        assert_eq!(again.len(), 1, "{down:?}");
        assert!(again[0].0 > lost_id && again[0].1 & 1 == 1);
        assert_eq!(updates(&l.events()), vec![update(1)]);

        // Acknowledged now: nothing more on the next connection.
        l.back(3);
        let down = l.down();
        assert!(of_id(&down, types::MsgNewDetailedInfo::CONSTRUCTOR_ID).is_empty(), "{down:?}");
        assert_eq!(l.server.resent(), 1);
    }

    /// The client's msg_resend_req for an announced update is lost with the connection too:
    /// announced again on the next one, the update is asked for again (the client's memory of
    /// what it asked for does not outlive the connection it asked on), and arrives once.
    #[test]
    fn an_update_whose_resend_request_was_lost_is_asked_for_again() {
        let mut l = started();
        l.server.send_unsolicited(update(7));
        let lost_id = l.lose_down().iter().find(|m| m.2 == update(7)).unwrap().0;
        l.back(2);
        assert_eq!(of_id(&l.down(), types::MsgNewDetailedInfo::CONSTRUCTOR_ID).len(), 1);
        let lost = l.lose_up();
        assert_eq!(of_id(&lost, types::MsgResendReq::CONSTRUCTOR_ID).len(), 1, "{lost:?}");

        l.back(3);
        assert_eq!(of_id(&l.down(), types::MsgNewDetailedInfo::CONSTRUCTOR_ID).len(), 1);
        let up = l.up();
        let asked = of_id(&up, types::MsgResendReq::CONSTRUCTOR_ID);
        assert_eq!(asked.len(), 1, "asked again: {up:?}");
        assert_eq!(tl_codec::from_bytes::<types::MsgResendReq>(&asked[0].2).unwrap().msg_ids, vec![lost_id]);
        l.down();
        assert_eq!(updates(&l.events()), vec![update(7)]);
    }

    /// The risk a blind copy would run: the client got the update and only its
    /// acknowledgement was lost. Announced, it is acknowledged again, and surfaces once.
    #[test]
    fn an_update_whose_acknowledgement_was_lost_surfaces_once() {
        let mut l = started();
        l.server.send_unsolicited(update(2));
        let sent_as = l.down().iter().find(|m| m.2 == update(2)).unwrap().0;
        assert_eq!(updates(&l.events()), vec![update(2)]);
        assert!(acked(&l.lose_up()).contains(&sent_as));
        l.back(2);
        let down = l.down();
        assert_eq!(of_id(&down, types::MsgNewDetailedInfo::CONSTRUCTOR_ID).len(), 1, "{down:?}");
        let up = l.up();
        assert!(acked(&up).contains(&sent_as), "acknowledged again: {up:?}");
        assert!(of_id(&up, types::MsgResendReq::CONSTRUCTOR_ID).is_empty(), "not asked for: {up:?}");
        assert!(!l.server.wants_flush());
        assert!(updates(&l.events()).is_empty(), "once");
        l.back(3);
        assert!(of_id(&l.down(), types::MsgNewDetailedInfo::CONSTRUCTOR_ID).is_empty());
    }

    /// Only a newer connection has anything go out again; an acknowledgement of any copy of a
    /// message counts, and drops a copy still waiting to go out.
    #[test]
    fn only_a_newer_connection_has_messages_sent_again_and_any_copy_acknowledges() {
        let mut l = started();
        l.server.respond(0x1000, &body(4));
        let first = answers(&l.lose_down())[0].0;
        for same_or_older in [1, 0] {
            l.server.serve_on(same_or_older);
            assert!(!l.server.wants_flush());
        }
        l.server.serve_on(5);
        let second = answers(&l.lose_down())[0].0;
        l.server.serve_on(5);
        assert!(!l.server.wants_flush(), "once per connection");
        l.server.serve_on(6);
        assert!(l.server.wants_flush(), "sent again on each newer one");
        // The first copy acknowledged, late: the copy queued is dropped, and nothing is kept.
        l.client.invoke_raw(tl_codec::to_bytes(&types::MsgsAck { msg_ids: vec![first] }));
        l.up();
        let down = l.lose_down();
        assert!(answers(&down).is_empty(), "{down:?}");
        l.server.serve_on(7);
        assert!(!l.server.wants_flush());
        assert_eq!(l.server.resent(), 2);
        assert!(second > first);
    }

    /// The msg_ids the msg_new_detailed_info messages among `msgs` name.
    fn announced(msgs: &[Msg]) -> Vec<i64> {
        of_id(msgs, types::MsgNewDetailedInfo::CONSTRUCTOR_ID)
            .iter()
            .map(|m| tl_codec::from_bytes::<types::MsgNewDetailedInfo>(&m.2).unwrap().answer_msg_id)
            .collect()
    }

    /// The updates (by their constructor) among `msgs`, in order.
    fn updates_in(msgs: &[Msg]) -> Vec<Vec<u8>> {
        of_id(msgs, 0x1122_3344).into_iter().map(|m| m.2.clone()).collect()
    }

    /// An update of `len` bytes, all `n` after its constructor id.
    fn long_update(n: u8, len: usize) -> Vec<u8> {
        let mut body = vec![n; len];
        body[..4].copy_from_slice(&0x1122_3344u32.to_le_bytes());
        body
    }

    /// What is kept until acknowledged is bounded for answers and for updates, each kind on
    /// its own: the latest [`UNACKED_KEPT`] of each. The oldest of the kind is dropped, and
    /// counted; an update outlives the answers made after it, and an answer the updates.
    #[test]
    fn answers_and_updates_kept_until_acknowledged_are_bounded_each_on_its_own() {
        let mut l = started();
        l.server.send_unsolicited(update(1));
        for i in 0..=UNACKED_KEPT as u32 {
            l.server.respond(0x1000 + 4 * i64::from(i), &body(i));
        }
        assert_eq!(l.server.unacked_dropped(), 1);
        let lost = l.lose_down();
        assert_eq!(answers(&lost).len(), UNACKED_KEPT + 1, "each went out once, the oldest too");
        let update_id = lost.iter().find(|m| m.2 == update(1)).unwrap().0;
        l.server.serve_on(2);
        let again = l.lose_down();
        let again_answers = answers(&again);
        assert_eq!(again_answers.len(), UNACKED_KEPT);
        let (first, _) = wire::read_rpc_result(&again_answers[0].2).unwrap();
        assert_eq!(first, 0x1004, "the oldest answer dropped");
        assert_eq!(announced(&again), vec![update_id], "the update outlives the answers");
        assert_eq!(l.server.resent(), UNACKED_KEPT as u64 + 1);

        let mut l = started();
        l.server.respond(0x1000, &body(0));
        for i in 0..=UNACKED_KEPT as u32 {
            l.server.send_unsolicited(update(i));
        }
        assert_eq!(l.server.unacked_dropped(), 1);
        let lost = l.lose_down();
        let latest: Vec<Vec<u8>> = (1..=UNACKED_KEPT as u32).map(update).collect();
        assert_eq!(updates_in(&lost), latest, "the oldest dropped unsent");
        let update_ids: Vec<i64> = of_id(&lost, 0x1122_3344).iter().map(|m| m.0).collect();
        l.server.serve_on(2);
        let again = l.lose_down();
        assert_eq!(answers(&again).len(), 1, "the answer outlives the updates");
        assert_eq!(announced(&again), update_ids);
    }

    /// A session no connection serves holds a bounded amount however much is pushed to it: a
    /// kept update dropped takes its copy waiting to go out with it, by count and by bytes;
    /// the latest go out, in order, once a connection flushes it.
    #[test]
    fn what_waits_for_a_client_that_is_gone_is_bounded() {
        let mut l = started();
        assert_eq!(l.server.queued_bytes(), 0);
        let pushed = 3 * UNACKED_KEPT as u32;
        for i in 0..pushed {
            l.server.send_unsolicited(update(i));
        }
        assert_eq!(l.server.unacked_dropped(), 2 * UNACKED_KEPT as u64);
        assert_eq!(l.server.queued_bytes(), UNACKED_KEPT * update(0).len());
        let latest: Vec<Vec<u8>> = (pushed - UNACKED_KEPT as u32..pushed).map(update).collect();
        assert_eq!(updates_in(&l.lose_down()), latest, "the latest, in order");

        // By bytes: three updates of 3/8 of the bound, of which the two latest fit.
        let mut l = started();
        let len = UNACKED_BYTES_KEPT * 3 / 8;
        for n in 1..=3 {
            l.server.send_unsolicited(long_update(n, len));
        }
        assert_eq!(l.server.unacked_dropped(), 1);
        assert_eq!(l.server.queued_bytes(), 2 * len);
        assert_eq!(l.server.take_new_drops(), 1);
        assert_eq!(l.server.take_new_drops(), 0, "told once");
        // One longer than the bound on its own is kept, and goes out: the others make room.
        l.server.send_unsolicited(long_update(4, UNACKED_BYTES_KEPT + 4));
        assert_eq!(l.server.unacked_dropped(), 3);
        assert_eq!(l.server.queued_bytes(), UNACKED_BYTES_KEPT + 4);
        assert_eq!(l.server.take_unsent_updates(), vec![long_update(4, UNACKED_BYTES_KEPT + 4)]);
        assert_eq!(l.server.queued_bytes(), 0);
        assert!(!l.server.wants_flush());
    }

    /// The updates waiting for a session's first message are bounded as those kept until
    /// acknowledged; the latest go out after its new_session_created.
    #[test]
    fn updates_waiting_for_the_first_message_are_bounded_too() {
        let key = AuthKey::from_bytes(KEY);
        let mut l = Link {
            client: Session::new(key.clone(), 9, SESSION, Still),
            server: ServerSession::new(key, 9, Still),
            rng: OsRandom::new(),
            pings: 0,
        };
        let pushed = UNACKED_KEPT as u32 + 5;
        for i in 0..pushed {
            l.server.send_unsolicited(update(i));
        }
        assert_eq!(l.server.unacked_dropped(), 5);
        assert_eq!(l.server.queued_bytes(), UNACKED_KEPT * update(0).len());
        l.back(1);
        let latest: Vec<Vec<u8>> = (5..pushed).map(update).collect();
        assert_eq!(updates_in(&l.down()), latest);
    }

    /// Taken out for another session: the updates kept whose copy waits to go out; those sent
    /// stay kept (announced on a newer connection), as do the answers.
    #[test]
    fn the_updates_not_sent_are_taken_out_for_another_session() {
        let mut l = started();
        l.server.send_unsolicited(update(1));
        assert_eq!(
            updates(&{
                l.down();
                l.events()
            }),
            vec![update(1)]
        );
        l.server.send_unsolicited(update(2));
        l.server.respond(0x1000, &body(1));
        assert_eq!(l.server.take_unsent_updates(), vec![update(2)]);
        assert!(l.server.take_unsent_updates().is_empty());
        let down = l.lose_down();
        assert_eq!(answers(&down).len(), 1, "the answer stays");
        assert!(updates_in(&down).is_empty(), "{down:?}");
        l.server.serve_on(2);
        assert_eq!(announced(&l.lose_down()).len(), 1, "update 1, still kept");
        assert_eq!(l.server.unacked_dropped(), 0);
    }

    /// Answers the test forgets ([`ServerSession::forget_answers`]) are not sent again unasked,
    /// but msg_resend_ans_req still gets them, and kept until acknowledged once more.
    #[test]
    fn forgotten_answers_go_out_again_only_when_asked_for() {
        let mut l = started();
        let req = l.client.invoke_raw(body(5));
        l.up();
        let r = l.server.poll_request().unwrap();
        l.server.respond(r.msg_id, &r.body);
        l.lose_down();
        l.server.forget_answers(&[r.msg_id]);
        // Never acknowledged: the client asks about it at once, and learns its answer was made.
        let up = l.back(2);
        assert_eq!(questions(&up), 1);
        assert!(answers(&l.down()).is_empty(), "not sent again unasked");
        let up = l.up();
        assert_eq!(of_id(&up, types::MsgResendAnsReq::CONSTRUCTOR_ID).len(), 1, "{up:?}");
        assert_eq!(l.server.answer_requests(), 1);
        assert_eq!(answers(&l.lose_down()).len(), 1, "lost again");
        l.back(3);
        assert_eq!(answers(&l.down()).len(), 1, "kept again, sent once");
        assert_eq!(completed(&l.events(), req), vec![Ok(body(5))]);
    }
}
