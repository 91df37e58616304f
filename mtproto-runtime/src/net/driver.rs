//! The session task: queues requests, writes what the session flushes, feeds what arrives,
//! pings to keep the connection alive, reconnects when it is lost, and under PFS renews the
//! temporary key before it expires (or when the server refuses it).
//!
//! A renewal goes: *draining* (new requests wait in the channel while the ones in flight are
//! answered, at most [`DRAIN_LIMIT`]), *exchanging* (the auth-key exchange for a new temporary
//! key, in unencrypted messages on the live connection), *binding* (the session moves onto the
//! new key as a new session whose first request is `auth.bindTempAuthKey`; requests still
//! unanswered on the old key follow once it is bound).
//!
//! A request whose caller stops waiting (timed out, or its future dropped) is withdrawn
//! ([`Cmd::Cancel`]): forgotten here and by the session, wherever it was. Updates go out with
//! `try_send`: on a full channel one is dropped and counted, and [`Update::Missed`] goes out as
//! soon as there is room, before anything else; the task never waits for the reader.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::OwnedWriteHalf;
use tokio::net::TcpStream;
use tokio::sync::mpsc::{self, error::TrySendError};
use tokio::time::{Instant, Interval, MissedTickBehavior};

use super::{
    bind_body, bind_outcome, open, Body, Cmd, ConnectOptions, Error, Reply, Request, Shared, State, Ticket,
    Update, READ_CHUNK,
};
use crate::handshake::{ClientConfig, ClientHandshake, Finished, Step};
use crate::schema::functions;
use crate::session::{Clock, Event, MsgId, MsgIds, Session, SystemClock};
use crate::transport::{Frame, Transport, TransportError};
use crate::{plain, AuthKey, OsRandom, Random};

/// How long a temporary-key renewal waits for the requests in flight on the old key.
const DRAIN_LIMIT: Duration = Duration::from_secs(10);
/// How long a step of a renewal's exchange may go unanswered without keep-alive settings.
const EXCHANGE_TIMEOUT: Duration = Duration::from_secs(15);
/// After a refused renewal, the next try comes this long later (or half the current key's
/// remaining life, if that is shorter).
const RENEWAL_RETRY: Duration = Duration::from_secs(30);
/// A refused renewal falls back to the current key only if it has more than this left.
const MIN_KEY_LEFT: i64 = 2;

/// What renewing PFS temporary keys needs.
pub(super) struct Pfs {
    perm: AuthKey,
    /// The lifetime each temporary key is asked for, in seconds.
    lifetime: i32,
    renew_before: Duration,
    /// When the current temporary key is due for renewal.
    renew_at: Instant,
    /// The exchange's parameters for a temporary key.
    config: ClientConfig,
}

impl Pfs {
    /// Renewal for temporary keys of `lifetime` seconds bound to `perm`; the first one expires
    /// at `expires_at` and the server's time is `server_now` (Unix seconds).
    pub(super) fn new(
        perm: AuthKey,
        lifetime: i32,
        expires_at: i32,
        server_now: i64,
        options: &ConnectOptions,
    ) -> Self {
        let renew_before = options.temp_key_renew_before;
        let config = options.handshake.clone();
        let mut pfs = Pfs { perm, lifetime, renew_before, renew_at: Instant::now(), config };
        pfs.schedule(expires_at, server_now);
        pfs
    }

    /// Renews a key expiring at `expires_at` (server time; `server_now` is the server's time
    /// now) `renew_before` its end, but no earlier than half its lifetime before, so a short
    /// lifetime does not renew in a loop.
    fn schedule(&mut self, expires_at: i32, server_now: i64) {
        let life = Duration::from_secs(u64::try_from(self.lifetime).unwrap_or(0));
        let left = Duration::from_secs(u64::try_from(i64::from(expires_at) - server_now).unwrap_or(0));
        self.renew_at = Instant::now() + left.saturating_sub(self.renew_before.min(life / 2));
    }

    /// After a refused renewal of a key expiring at `expires_at`: tries again
    /// [`RENEWAL_RETRY`] later, or half-way to the expiry if that comes first.
    fn retry(&mut self, expires_at: i32, server_now: i64) {
        let left = Duration::from_secs(u64::try_from(i64::from(expires_at) - server_now).unwrap_or(0));
        self.renew_at = Instant::now() + RENEWAL_RETRY.min(left / 2);
    }
}

/// A temporary-key renewal under way.
enum Renewal {
    /// New requests wait; the ones in flight on the old key are being answered (until `until`).
    Draining { until: Instant },
    /// The exchange for the new key runs in unencrypted messages on the live connection.
    Exchanging(Box<ClientHandshake<OsRandom>>),
    /// The session moved onto the new key; its binding is the request in flight. `previous`
    /// is the key it replaces, to go back to if the binding is refused (`None` when the server
    /// no longer knows that key).
    Binding { request: MsgId, attempt: u32, expires_at: i32, previous: Option<Box<Previous>> },
}

/// What part of a renewal the server refused.
enum Refused {
    /// The exchange: the session is still on the current key.
    Exchange,
    /// The binding of the new key, which the session moved onto from `Previous` (`None`: a key
    /// the server no longer knew).
    Binding(Option<Box<Previous>>),
}

/// The temporary key a renewal replaces.
struct Previous {
    auth_key: AuthKey,
    server_salt: i64,
    expires_at: i32,
}

/// How a connection ended.
enum Ended {
    /// Every client handle is gone: nothing more to do.
    ClientGone,
    /// [`super::Client::close`] (with the reason a client gave, if any) or the end of
    /// [`super::Client::shutdown`].
    ClosedByClient(Option<String>),
    /// Lost in a way a new connection may cure.
    Lost(Error),
    /// Lost in a way a new connection with the same key cannot cure.
    Fatal(Error),
    /// The server does not know the key (-404): fatal, unless it is a PFS temporary key, which
    /// is replaced (expired, or the server lost it).
    UnknownKey(Error),
}

/// Whether a transport error is worth a reconnect.
fn classify(e: TransportError) -> Ended {
    match e {
        // -429: too many connections or requests; a later connection is welcome.
        TransportError::Server(-429) => Ended::Lost(Error::Transport(e)),
        TransportError::Server(-404) => Ended::UnknownKey(Error::Transport(e)),
        // -444 (wrong DC) and the like: the same request to the same address gets the same
        // answer.
        TransportError::Server(_) => Ended::Fatal(Error::Transport(e)),
        // A garbled stream: a fresh one starts clean.
        _ => Ended::Lost(Error::Transport(e)),
    }
}

/// The session task's state, kept across connections.
pub(super) struct Driver {
    addrs: Vec<SocketAddr>,
    options: ConnectOptions,
    session: Session<SystemClock>,
    cmds: mpsc::UnboundedReceiver<Cmd>,
    updates: mpsc::Sender<Update>,
    /// Updates dropped for a full channel since the last [`Update::Missed`].
    missed: u64,
    shared: Arc<Shared>,
    /// Requests in flight, by the id the session gave them, with their callers' tickets.
    waiting: HashMap<MsgId, (Ticket, Reply)>,
    /// The session's id for each request in `waiting`, by ticket.
    tickets: HashMap<Ticket, MsgId>,
    /// The keep-alive ping in flight, if any.
    keep_alive: Option<MsgId>,
    next_ping_id: i64,
    rng: OsRandom,
    /// Under PFS: what renewing the temporary key needs, and the renewal under way.
    pfs: Option<Pfs>,
    renewal: Option<Renewal>,
    /// An unencrypted handshake message to send.
    plain_out: Option<Vec<u8>>,
    plain_ids: MsgIds,
    /// Set by event handling when the connection must end for good.
    failure: Option<Error>,
    /// The server refused the current (temporary) key: nothing encrypted goes out until the
    /// renewal has made a new one.
    key_dead: bool,
    /// Reconnected after this many attempts, and nothing authentic has come yet: the state
    /// turns `Connected` (and [`Update::Reconnected`] goes out) only when something does.
    unproven: Option<u32>,
    /// Requests made while a temporary key is renewed: they go out after the new key's
    /// binding, not before it on a key not yet bound.
    held: VecDeque<Request>,
    /// [`super::Client::shutdown`] asked: no new requests, and the end comes once those in
    /// flight are done, or at `drain_deadline` (if any).
    draining: bool,
    drain_deadline: Option<Instant>,
    /// The id of the temporary key the session last moved away from: the server's frames
    /// under it may still be on the way, and are dropped without counting as rejected.
    retired_key: Option<u64>,
    /// Unreadable messages so far, for [`log_throttled`].
    unreadable: u64,
}

impl Driver {
    pub(super) fn new(
        addrs: Vec<SocketAddr>,
        options: ConnectOptions,
        session: Session<SystemClock>,
        cmds: mpsc::UnboundedReceiver<Cmd>,
        updates: mpsc::Sender<Update>,
        shared: Arc<Shared>,
        pfs: Option<Pfs>,
    ) -> Self {
        Driver {
            addrs,
            options,
            session,
            cmds,
            updates,
            missed: 0,
            shared,
            waiting: HashMap::new(),
            tickets: HashMap::new(),
            keep_alive: None,
            next_ping_id: 0,
            rng: OsRandom::new(),
            pfs,
            renewal: None,
            plain_out: None,
            plain_ids: MsgIds::new(0),
            failure: None,
            key_dead: false,
            unproven: None,
            held: VecDeque::new(),
            draining: false,
            drain_deadline: None,
            retired_key: None,
            unreadable: 0,
        }
    }

    /// Serves connections until the clients are gone or it gives up.
    pub(super) async fn run(mut self, mut stream: TcpStream, mut transport: Transport) {
        // Connections in a row that brought nothing authentic (failed attempts).
        let mut failed = 0u32;
        loop {
            let (ended, healthy) = self.serve(stream, &mut transport).await;
            if healthy {
                failed = 0;
            }
            let mut reason = match ended {
                Ended::ClientGone => return,
                Ended::ClosedByClient(reason) => return self.closed_by(reason),
                Ended::Fatal(e) => return self.close(e.to_string(), 0),
                Ended::UnknownKey(e) if self.pfs.is_some() => {
                    self.key_dead = true;
                    self.renewal = Some(Renewal::Draining { until: Instant::now() });
                    e.to_string()
                }
                Ended::UnknownKey(e) => return self.close_with(e.to_string(), || Error::UnknownAuthKey),
                Ended::Lost(e) => e.to_string(),
            };
            if self.options.reconnect.max_attempts == 0 {
                return self.close(reason, 0);
            }
            self.shared.set(State::Reconnecting);
            self.emit(Update::Disconnected { reason: reason.clone() });
            // A connection the server never answered on was not a reconnect: the outage goes
            // on, and its attempts keep counting.
            let mut attempts = self.unproven.take().unwrap_or(0);
            (stream, transport) = loop {
                if self.drained() {
                    return self.closed_by_client();
                }
                if failed >= self.options.reconnect.max_attempts {
                    return self.close(reason, failed);
                }
                failed += 1;
                attempts += 1;
                // Counted across outages while no connection proves healthy, so a server that
                // accepts and drops at once is not hammered. Requests made meanwhile are queued;
                // with every client gone or closed there is nothing to reconnect for. A close,
                // a shutdown or the last client gone is heeded during the dial too, which may
                // take up to the connect timeout.
                let delay = self.options.reconnect.delay(failed);
                log::debug!("reconnect attempt {failed} in {delay:?}");
                let (addrs, options) = (self.addrs.clone(), self.options.clone());
                let attempt = async move {
                    tokio::time::sleep(delay).await;
                    open(&addrs, &options).await
                };
                tokio::pin!(attempt);
                let opened = loop {
                    tokio::select! {
                        opened = &mut attempt => break opened,
                        cmd = self.cmds.recv() => match cmd {
                            Some(Cmd::Close(reason)) => return self.closed_by(reason),
                            Some(cmd) => {
                                self.take(cmd);
                                if self.drained() {
                                    return self.closed_by_client();
                                }
                            }
                            None => return,
                        },
                        () = room(&self.updates), if self.missed > 0 => self.announce_missed(),
                        () = sleep_until(self.drain_deadline), if self.draining => {
                            return self.closed_by_client()
                        }
                    }
                };
                match opened {
                    Ok(connection) => break connection,
                    Err(e) => {
                        log::debug!("reconnect attempt {failed} failed: {e}");
                        reason = e.to_string();
                    }
                }
            };
            // The old keep-alive ping is moot, and so are requests whose callers stopped
            // waiting; every other request in flight is asked about (the session and what the
            // server did with it outlive the connection), and sent again if the server never
            // got it.
            if let Some(ping) = self.keep_alive.take() {
                self.session.cancel(ping);
            }
            let (session, tickets) = (&mut self.session, &mut self.tickets);
            self.waiting.retain(|&request, (ticket, reply)| {
                let wanted = !reply.is_closed();
                if !wanted {
                    session.cancel(request);
                    tickets.remove(ticket);
                }
                wanted
            });
            self.note_in_flight();
            // An exchange is tied to its connection: start it over on the new one.
            if matches!(self.renewal, Some(Renewal::Exchanging(_))) {
                self.renewal = Some(Renewal::Draining { until: Instant::now() });
            }
            self.plain_out = None;
            // Under a key the server refused, everything waits for the new key and its binding.
            if !self.key_dead {
                self.session.reconnected();
                self.probe();
            }
            // Connected says the peer answered: announced once something authentic arrives.
            self.unproven = Some(attempts);
        }
    }

    /// Fails every request in flight or queued, refuses later ones, and says so.
    fn close(self, reason: String, attempts: u32) {
        let lost_reason = reason.clone();
        self.close_with(reason, move || Error::ConnectionLost { reason: lost_reason.clone(), attempts })
    }

    /// [`Driver::close`], failing the requests with `error()`.
    fn close_with(mut self, reason: String, error: impl Fn() -> Error) {
        self.shared.close(&reason);
        self.cmds.close();
        self.tickets.clear();
        // Requests whose callers still wait (for `Client::shutdown` to report).
        let mut failed = 0;
        for (_, (_, reply)) in self.waiting.drain() {
            failed += usize::from(reply.send(Err(error())).is_ok());
        }
        for request in self.held.drain(..) {
            failed += usize::from(request.reply.send(Err(error())).is_ok());
        }
        while let Ok(cmd) = self.cmds.try_recv() {
            if let Cmd::Request(request) = cmd {
                failed += usize::from(request.reply.send(Err(error())).is_ok());
            }
        }
        self.shared.failed_at_close.store(failed, Ordering::Relaxed);
        self.note_in_flight();
        deliver_last(&self.updates, std::mem::take(&mut self.missed), reason);
    }

    /// [`super::Client::close`] or [`super::Client::shutdown`]: requests fail with
    /// [`Error::Closed`].
    fn closed_by_client(self) {
        self.closed_by(None)
    }

    /// [`Driver::closed_by_client`], for `reason` if the client gave one (`connect` does when
    /// the binding of a new key fails).
    fn closed_by(self, reason: Option<String>) {
        self.close_with(reason.unwrap_or_else(|| CLOSED_BY_CLIENT.into()), || Error::Closed)
    }

    /// How long a probe, a step of an exchange or a binding may go unanswered before the
    /// connection counts as dead: the keep-alive's pong timeout, or [`EXCHANGE_TIMEOUT`].
    fn answer_wait(&self) -> Duration {
        self.options.keep_alive.as_ref().map_or(EXCHANGE_TIMEOUT, |ka| ka.pong_timeout)
    }

    /// A request from a client (to the session, or held while a renewal runs) or its
    /// withdrawal. [`Cmd::Close`] is the caller's to handle.
    fn take(&mut self, cmd: Cmd) {
        match cmd {
            Cmd::Request(request) if self.draining => {
                let _ = request.reply.send(Err(Error::Closed));
            }
            Cmd::Request(request) if self.renewal.is_some() => self.held.push_back(request),
            Cmd::Request(request) => self.queue(request),
            Cmd::Cancel(ticket) => self.cancel(ticket),
            Cmd::SetInitPrefix(prefix) => self.session.set_init_prefix(prefix),
            Cmd::Shutdown(at) => {
                self.draining = true;
                // Of two shutdowns, the earlier deadline holds.
                self.drain_deadline = match (self.drain_deadline, at) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                };
            }
            Cmd::Close(_) => {}
        }
        self.note_in_flight();
    }

    /// Writes the connection's news (all but [`Update::Closed`] and [`Update::Missed`], which
    /// [`deliver_last`] and [`Driver::announce_missed`] write) to the `log` facade, so that an
    /// application that ignores the channel, or whose channel is full, still has a trace.
    fn log_update(&mut self, update: &Update) {
        match update {
            Update::Message(body) => log::trace!(
                "update #{:08x} ({} bytes)",
                body.get(..4).map_or(0, |id| u32::from_le_bytes([id[0], id[1], id[2], id[3]])),
                body.len()
            ),
            Update::Unreadable { reason, .. } => {
                self.unreadable += 1;
                log_throttled(self.unreadable, "unreadable messages dropped", reason);
            }
            Update::NewSession { first_msg_id } => {
                log::debug!("new server session from msg_id {first_msg_id}")
            }
            Update::Disconnected { reason } => log::warn!("disconnected: {reason}; reconnecting"),
            Update::Reconnected { attempts } => log::info!("reconnected after {attempts} attempt(s)"),
            Update::KeyRenewed { auth_key_id } => log::info!("temporary key renewed: {auth_key_id:016x}"),
            Update::RenewalFailed { reason } => log::warn!("temporary key renewal refused: {reason}"),
            Update::Missed { .. } | Update::Closed { .. } => {}
        }
    }

    /// Counts a frame dropped unread for `why`, and logs it (a few, then ever fewer: the
    /// path decides how many come).
    fn rejected(&self, why: String) {
        let n = self.shared.rejected(why.clone());
        log_throttled(n, "frames dropped", &why);
    }

    /// Shutting down, with nothing left in flight: time to close.
    fn drained(&self) -> bool {
        self.draining && self.waiting.is_empty() && self.held.is_empty()
    }

    /// Hands a request to the session. One it refuses at once (a malformed body) is answered
    /// at once; the others are not disturbed. One whose caller already stopped waiting is
    /// dropped.
    fn queue(&mut self, Request { ticket, body, reply }: Request) {
        if reply.is_closed() {
            return;
        }
        let request = match body {
            Body::Raw(body) => self.session.invoke_raw(body),
            Body::WithMsgId(build) => self.session.invoke_with_msg_id(build),
        };
        self.waiting.insert(request, (ticket, reply));
        self.tickets.insert(ticket, request);
        self.dispatch();
    }

    /// Forgets the request `ticket` names (its caller stopped waiting), wherever it is: held
    /// back, queued in the session or sent. A late answer to it completes nothing.
    fn cancel(&mut self, ticket: Ticket) {
        if let Some(request) = self.tickets.remove(&ticket) {
            self.waiting.remove(&request);
            self.session.cancel(request);
        } else {
            // Held back during a renewal, or already answered (then nothing matches).
            self.held.retain(|r| r.ticket != ticket);
        }
    }

    /// Publishes how many requests are in flight ([`super::Client::requests_in_flight`]).
    fn note_in_flight(&self) {
        self.shared.in_flight.store(self.waiting.len() + self.held.len(), Ordering::Relaxed);
    }

    /// Puts `update` in the channel, never waiting: on a full channel it is dropped and
    /// counted, and [`Update::Missed`] goes out once there is room, ahead of later updates.
    /// Updates for a dropped receiver are discarded, uncounted.
    fn emit(&mut self, update: Update) {
        // Logged whether or not the channel takes it: the log is the trace of last resort.
        self.log_update(&update);
        self.announce_missed();
        if self.missed > 0 {
            return self.dropped();
        }
        if let Err(TrySendError::Full(_)) = self.updates.try_send(update) {
            self.dropped();
        }
    }

    /// Sends [`Update::Missed`] for the updates dropped, if any were and there is room. With
    /// the receiver gone, nobody is left to tell.
    fn announce_missed(&mut self) {
        if self.missed == 0 {
            return;
        }
        match self.updates.try_send(Update::Missed { count: self.missed }) {
            Ok(()) => {
                log_missed(self.missed);
                self.missed = 0;
            }
            Err(TrySendError::Closed(_)) => self.missed = 0,
            Err(TrySendError::Full(_)) => {}
        }
    }

    /// One update dropped for a full channel.
    fn dropped(&mut self) {
        self.missed = self.missed.saturating_add(1);
        self.shared.updates_dropped.fetch_add(1, Ordering::Relaxed);
    }

    /// Pings at once on a new connection: its answer shows the server still knows the key and
    /// session (an unknown key gets -404), even when no request is in flight.
    fn probe(&mut self) {
        if self.options.keep_alive.is_some() {
            self.send_keep_alive();
        } else {
            self.next_ping_id = self.next_ping_id.wrapping_add(1);
            self.keep_alive = Some(self.session.ping(self.next_ping_id));
        }
    }

    fn send_keep_alive(&mut self) {
        let Some(ka) = &self.options.keep_alive else { return };
        self.next_ping_id = self.next_ping_id.wrapping_add(1);
        let ping = functions::PingDelayDisconnect {
            ping_id: self.next_ping_id,
            disconnect_delay: ka.disconnect_delay,
        };
        let request = self.session.invoke(&ping);
        // Only the latest ping matters; an older one still unanswered is dropped.
        if let Some(old) = self.keep_alive.replace(request) {
            self.session.cancel(old);
        }
    }

    fn dispatch(&mut self) {
        // The salt moves on bad_server_salt and future_salts: `Client::server_salt` reports
        // the current one, for callers who save it with the key.
        self.shared.keys().server_salt = self.session.salt();
        if let Some(rtt) = self.session.rtt() {
            let nanos = u64::try_from(rtt.as_nanos()).unwrap_or(super::NO_RTT - 1).min(super::NO_RTT - 1);
            self.shared.rtt.store(nanos, Ordering::Relaxed);
        }
        while let Some(event) = self.session.poll_event() {
            match event {
                Event::Completed { request, result } => {
                    if self.keep_alive == Some(request) {
                        self.keep_alive = None;
                    }
                    if matches!(self.renewal, Some(Renewal::Binding { request: bind, .. }) if bind == request)
                    {
                        self.bound(result.map_err(Error::Request));
                        continue;
                    }
                    if let Some((ticket, reply)) = self.waiting.remove(&request) {
                        self.tickets.remove(&ticket);
                        // Published before the caller wakes: a caller that got its answer
                        // sees it counted out.
                        self.note_in_flight();
                        let _ = reply.send(result.map_err(Error::Request));
                    }
                }
                Event::Unsolicited(body) => self.emit(Update::Message(body)),
                Event::KeyUnbound { .. } => self.binding_lost(),
                Event::FloodWait { seconds, .. } => {
                    log::info!("the server asked to wait {seconds} s: the request goes out again then")
                }
                Event::NewSession { first_msg_id } => self.emit(Update::NewSession { first_msg_id }),
                Event::Unreadable { body, error } => {
                    self.emit(Update::Unreadable { body, reason: error.to_string() })
                }
            }
        }
        self.note_in_flight();
    }

    /// The server answered a request with `AUTH_KEY_PERM_EMPTY`: it holds no binding for the
    /// current temporary key (it dropped or lost it). As Telegram's clients do, a new key is
    /// made and bound at once; the session holds the refused requests until then, and the
    /// binding's answer sends them again. The current key is no use to fall back to.
    fn binding_lost(&mut self) {
        match self.renewal {
            // The key being bound is a new one: once bound, it carries the refused requests.
            Some(Renewal::Binding { .. }) => {}
            Some(Renewal::Exchanging(_)) => self.key_dead = true,
            Some(Renewal::Draining { .. }) | None => {
                if !self.key_dead {
                    log::warn!(
                        "the server holds no binding for temporary key {:016x}: making a new one",
                        self.shared.keys().auth_key.id()
                    );
                }
                self.key_dead = true;
                self.renewal = Some(Renewal::Draining { until: Instant::now() });
            }
        }
    }

    /// Starts the exchange for a new temporary key once the old key's requests are answered (or
    /// waited for long enough).
    fn advance_renewal(&mut self) {
        let Some(Renewal::Draining { until }) = self.renewal else { return };
        if self.session.in_flight() > 0 && Instant::now() < until {
            return;
        }
        let Some(pfs) = &self.pfs else {
            self.renewal = None;
            return;
        };
        let (hs, body) = ClientHandshake::new(pfs.config.clone(), OsRandom::new());
        self.plain_out = Some(body);
        self.renewal = Some(Renewal::Exchanging(Box::new(hs)));
    }

    /// When the renewal needs a look: the current key's renewal time, or the drain deadline.
    fn renewal_timer(&self) -> Option<Instant> {
        match (&self.renewal, &self.pfs) {
            (None, Some(pfs)) => Some(pfs.renew_at),
            (Some(Renewal::Draining { until }), _) => Some(*until),
            _ => None,
        }
    }

    /// An unencrypted message: an answer of the renewal's exchange.
    /// An unencrypted frame: a step of a key exchange in progress (true), or nothing (false).
    fn on_plain(&mut self, data: &[u8]) -> Result<bool, Error> {
        // Unencrypted messages mean nothing outside an exchange.
        let Some(Renewal::Exchanging(hs)) = &mut self.renewal else { return Ok(false) };
        let step = plain::unpack(data)
            .map_err(|e| Error::Plain(e.to_string()))
            .and_then(|answer| hs.handle(answer.body).map_err(Error::Handshake));
        match step {
            Ok(Step::Send(next)) => self.plain_out = Some(next),
            Ok(Step::Done(done)) => self.switch_key(*done),
            // The session is still on the current key: keep it while it lasts.
            Err(e) => return self.renewal_refused(e, Refused::Exchange).map(|()| true),
        }
        Ok(true)
    }

    /// A renewal the server refused (its exchange, or the binding of the new key, which the
    /// session moved onto: `previous` is the key it left). While the current key has time left
    /// the session stays on it (moving back for a refused binding), tells
    /// [`Update::RenewalFailed`] and tries again later; otherwise the error stands.
    fn renewal_refused(&mut self, e: Error, refused: Refused) -> Result<(), Error> {
        let server_now = self.session.server_time();
        let (current, previous) = match refused {
            Refused::Exchange => (self.shared.keys().expires_at, None),
            Refused::Binding(None) => (None, None),
            Refused::Binding(Some(p)) => (Some(p.expires_at), Some(p)),
        };
        let (Some(pfs), Some(expires_at), false) = (&mut self.pfs, current, self.key_dead) else {
            return Err(e);
        };
        if i64::from(expires_at) - server_now <= MIN_KEY_LEFT {
            return Err(e);
        }
        pfs.retry(expires_at, server_now);
        self.renewal = None;
        if let Some(prev) = previous {
            self.move_session(prev.auth_key, prev.server_salt, prev.expires_at);
            // Requests sent on the refused key go out again on the one kept.
            self.session.resend_pending();
        }
        self.emit(Update::RenewalFailed { reason: e.to_string() });
        Ok(())
    }

    /// Moves the session onto the new temporary key (a new session) and sends its binding.
    fn switch_key(&mut self, done: Finished) {
        let Some(pfs) = &mut self.pfs else { return };
        let expires_at = done.server_time.saturating_add(pfs.lifetime);
        pfs.schedule(expires_at, self.session.server_time());
        // The key left behind, to go back to if the binding is refused; not one the server
        // has forgotten.
        let previous = {
            let keys = self.shared.keys();
            match (self.key_dead, keys.expires_at) {
                (false, Some(expires_at)) => Some(Box::new(Previous {
                    auth_key: keys.auth_key.clone(),
                    server_salt: keys.server_salt,
                    expires_at,
                })),
                _ => None,
            }
        };
        self.move_session(done.auth_key, done.server_salt, expires_at);
        self.key_dead = false;
        // Nothing but the binding (and mtproto.tl's own messages) goes out on the new key until
        // the binding is answered: not a flood-waiting request coming due, not one queued.
        self.session.hold_requests(true);
        self.send_binding(1, expires_at, previous);
    }

    /// Moves the session onto temporary key `auth_key` (a new session, with `salt`), expiring
    /// at `expires_at`, and says so in the keys the client reads.
    fn move_session(&mut self, auth_key: AuthKey, salt: i64, expires_at: i32) {
        self.retired_key = Some(self.shared.keys().auth_key.id());
        let mut id = [0u8; 8];
        self.rng.fill(&mut id);
        let session_id = i64::from_le_bytes(id);
        self.session.rekey(auth_key.clone(), salt, session_id);
        let mut keys = self.shared.keys();
        keys.auth_key = auth_key;
        keys.session_id = session_id;
        keys.server_salt = salt;
        keys.expires_at = Some(expires_at);
    }

    fn send_binding(&mut self, attempt: u32, expires_at: i32, previous: Option<Box<Previous>>) {
        let Some(pfs) = &self.pfs else { return };
        let keys = self.shared.keys().clone();
        let build = bind_body(pfs.perm.clone(), keys.auth_key, keys.session_id, expires_at);
        let request = self.session.invoke_with_msg_id(build);
        self.renewal = Some(Renewal::Binding { request, attempt, expires_at, previous });
    }

    /// The answer to the renewal's binding.
    fn bound(&mut self, answer: Result<Vec<u8>, Error>) {
        let Some(Renewal::Binding { attempt, expires_at, previous, .. }) = self.renewal.take() else {
            return;
        };
        let outcome = bind_outcome(answer, attempt);
        if outcome.is_some() {
            self.session.hold_requests(false);
        }
        match outcome {
            None => self.send_binding(attempt + 1, expires_at, previous),
            Some(Ok(())) => {
                // What was in flight on the old key goes out on the new session, after the binding.
                self.session.resend_pending();
                let auth_key_id = self.shared.keys().auth_key.id();
                self.emit(Update::KeyRenewed { auth_key_id });
            }
            // An unbound temporary key is no use: go back to the previous key while it lasts,
            // else stop rather than run on it.
            Some(Err(e)) => {
                if let Err(e) = self.renewal_refused(e, Refused::Binding(previous)) {
                    self.failure = Some(e);
                }
            }
        }
    }

    /// Sends what the session owes the server before a graceful close: the acknowledgements
    /// held back by the ack delay (the server would otherwise keep those messages to send
    /// again). Best effort: the connection closes right after either way.
    async fn send_owed_acks(&mut self, wr: &mut OwnedWriteHalf, t: &mut Transport) {
        // A socket that takes nothing does not hold the close up for long.
        let _ = tokio::time::timeout(OWED_ACKS_WAIT, self.write_owed_acks(wr, t)).await;
    }

    async fn write_owed_acks(&mut self, wr: &mut OwnedWriteHalf, t: &mut Transport) {
        if self.key_dead {
            return;
        }
        // Each flush is one message; a few are plenty for the acknowledgements one session
        // can owe (and nothing else is queued once nothing is in flight).
        for _ in 0..4 {
            let (mut msg, mut out) = (Vec::new(), Vec::new());
            match self.session.flush(&mut self.rng, &mut msg) {
                Ok(true) if t.pack(&msg, false, &mut out).is_ok() => {
                    if wr.write_all(&out).await.is_err() {
                        return;
                    }
                }
                _ => return,
            }
        }
    }

    /// Runs one connection until it ends; also says whether anything authentic arrived on it.
    async fn serve(&mut self, stream: TcpStream, t: &mut Transport) -> (Ended, bool) {
        let (mut rd, mut wr) = stream.into_split();
        let mut buf = vec![0u8; READ_CHUNK];
        let mut healthy = false;
        let mut ticks = self.options.keep_alive.as_ref().and_then(|ka| {
            // tokio refuses a zero period; a period too long to add to the clock means never.
            let every = ka.interval.max(Duration::from_millis(1));
            let first = Instant::now().checked_add(every.checked_mul(2)?)?.checked_sub(every)?;
            let mut i = tokio::time::interval_at(first, every);
            i.set_missed_tick_behavior(MissedTickBehavior::Delay);
            Some(i)
        });
        // Set when a keep-alive ping goes out (the probe of a new connection too); anything
        // authentic arriving clears it.
        // Without keep-alive settings a new connection's probe still has to be answered.
        let mut deadline: Option<Instant> = self.keep_alive.and_then(|_| after(self.answer_wait()));
        loop {
            if let Some(e) = self.failure.take() {
                return (Ended::Fatal(e), healthy);
            }
            self.advance_renewal();
            if self.renewal.is_none() {
                while let Some(request) = self.held.pop_front() {
                    self.queue(request);
                }
                self.note_in_flight();
            }
            if self.drained() {
                self.send_owed_acks(&mut wr, t).await;
                return (Ended::ClosedByClient(None), healthy);
            }
            if let Some(body) = self.plain_out.take() {
                let now = SystemClock.now();
                self.plain_ids.set_offset(self.session.server_time() - now.as_secs() as i64);
                let mut env = Vec::with_capacity(20 + body.len());
                plain::pack(self.plain_ids.next(now), &body, &mut env);
                let mut out = Vec::new();
                if let Err(e) = t.pack(&env, false, &mut out) {
                    return (Ended::Fatal(Error::Transport(e)), healthy);
                }
                if let Err(e) = wr.write_all(&out).await {
                    return (Ended::Lost(Error::Io(e)), healthy);
                }
                // A step of the exchange unanswered is a dead connection too.
                deadline = after(self.answer_wait());
            }
            while !self.key_dead && self.session.wants_flush() {
                let mut msg = Vec::new();
                let mut out = Vec::new();
                if let Err(e) = self.session.flush(&mut self.rng, &mut msg) {
                    return (Ended::Fatal(Error::Session(e)), healthy);
                }
                if let Err(e) = t.pack(&msg, false, &mut out) {
                    return (Ended::Fatal(Error::Transport(e)), healthy);
                }
                if let Err(e) = wr.write_all(&out).await {
                    return (Ended::Lost(Error::Io(e)), healthy);
                }
            }
            let renewal_timer = self.renewal_timer();
            // What the session's clock drives: acknowledgements held back for a message to ride
            // along with, until they fall due, and requests long unanswered to ask the server
            // about. Not under a refused key: nothing is flushed then, so a deadline already
            // past would wake the loop at once, again and again.
            let session_timer = if self.key_dead {
                None
            } else {
                self.session.next_deadline().and_then(|at| after(at.saturating_sub(SystemClock.now())))
            };
            tokio::select! {
                // While a temporary key is renewed, new requests wait (`take`); a close does not.
                cmd = self.cmds.recv() => match cmd {
                    Some(Cmd::Close(reason)) => return (Ended::ClosedByClient(reason), healthy),
                    Some(cmd) => self.take(cmd),
                    None => return (Ended::ClientGone, healthy),
                },
                n = rd.read(&mut buf) => {
                    let n = match n {
                        Ok(0) => return (Ended::Lost(super::peer_closed()), healthy),
                        Err(e) => return (Ended::Lost(Error::Io(e)), healthy),
                        Ok(n) => n,
                    };
                    t.feed(&buf[..n]);
                    loop {
                        let mut data = match t.next_frame() {
                            Ok(Some(Frame::Payload { data, .. })) => data.to_vec(),
                            Ok(Some(Frame::QuickAck(_))) => continue,
                            Ok(None) => break,
                            Err(e) => return (classify(e), healthy),
                        };
                        if data.get(..8) == Some(&[0u8; 8][..]) {
                            // Only a frame that was a step of an exchange counts as the peer
                            // being alive: anyone on the path can forge an unencrypted one.
                            match self.on_plain(&data) {
                                // The exchange's last step sends the new key's binding, whose
                                // answer must come in time too.
                                Ok(true) if matches!(self.renewal, Some(Renewal::Binding { .. })) => {
                                    deadline = after(self.answer_wait());
                                }
                                Ok(true) => deadline = None,
                                Ok(false) => self.rejected("an unencrypted frame outside a key exchange".into()),
                                Err(e) => return (Ended::Fatal(e), healthy),
                            }
                            continue;
                        }
                        // A message failing a check is dropped; the session lives on. A frame
                        // that was authentic shows the peer is there, even if a message
                        // inside it failed its own checks.
                        let before = self.session.authentic_frames();
                        let received = self.session.receive(&mut data);
                        if let (Err(e), true) = (received, self.session.authentic_frames() == before) {
                            let key_id = data.get(..8).and_then(|id| id.try_into().ok()).map(u64::from_le_bytes);
                            if key_id.is_some() && key_id == self.retired_key {
                                // Sent before the server saw the session move to the new key.
                                log::debug!("frame under the previous temporary key dropped");
                            } else {
                                self.rejected(e.to_string());
                            }
                        }
                        if self.session.authentic_frames() > before {
                            healthy = true;
                            deadline = None;
                            if let Some(attempts) = self.unproven.take() {
                                self.shared.reconnects.fetch_add(1, Ordering::Relaxed);
                                self.shared.set(State::Connected);
                                self.emit(Update::Reconnected { attempts });
                            }
                        }
                    }
                    self.dispatch();
                }
                // Not during an exchange: under a refused key a ping would be queued ahead of
                // the new key's binding.
                () = tick(&mut ticks), if !matches!(self.renewal, Some(Renewal::Exchanging(_))) => {
                    self.send_keep_alive();
                    if deadline.is_none() {
                        deadline = self.options.keep_alive.as_ref().and_then(|ka| after(ka.pong_timeout));
                    }
                }
                () = sleep_until(deadline) => return (Ended::Lost(Error::KeepAliveTimeout), healthy),
                () = sleep_until(self.drain_deadline), if self.draining => {
                    self.send_owed_acks(&mut wr, t).await;
                    return (Ended::ClosedByClient(None), healthy)
                }
                () = sleep_until(renewal_timer) => {
                    if self.renewal.is_none() {
                        self.renewal = Some(Renewal::Draining { until: Instant::now() + DRAIN_LIMIT });
                    }
                }
                // Due now: the flush at the top of the loop sends what fell due.
                () = sleep_until(session_timer) => {}
                // Room again after updates were dropped: the gap is announced first.
                () = room(&self.updates), if self.missed > 0 => self.announce_missed(),
            }
        }
    }
}

impl Drop for Driver {
    /// However the task ends (every client dropped, or a panic), the clients see it closed.
    fn drop(&mut self) {
        if self.shared.state.load(Ordering::Acquire) != State::Closed as u8 {
            let reason = "the session task ended";
            self.shared.close(reason);
            deliver_last(&self.updates, std::mem::take(&mut self.missed), reason.into());
        }
        // Last: by now every request has its answer or its error.
        self.shared.ended.send_replace(true);
    }
}

/// [`Update::Closed`]'s reason after [`super::Client::close`] or [`super::Client::shutdown`].
const CLOSED_BY_CLIENT: &str = "closed by the client";

/// How long a graceful close may spend writing the acknowledgements owed.
const OWED_ACKS_WAIT: Duration = Duration::from_secs(1);

/// Logs the `n`th of a kind of event that a peer or the path can repeat at will (`what`, the
/// latest for `why`): the first ten, then at each power of two, so a flood of them writes
/// a few dozen lines, not one each.
fn log_throttled(n: u64, what: &str, why: &str) {
    if n <= 10 || n.is_power_of_two() {
        log::debug!("{what}: {n} so far; the latest: {why}");
    }
}

/// Logs that `missed` updates were dropped for a full channel.
fn log_missed(missed: u64) {
    log::warn!("{missed} updates dropped: the channel was full");
}

/// Waits until the channel has room (or its receiver is gone). Only the session task sends, so
/// the room is still there when it sends next.
async fn room(updates: &mpsc::Sender<Update>) {
    // The permit goes back at once: the caller sends with `try_send`.
    let _ = updates.reserve().await;
}

/// Delivers the last updates: [`Update::Missed`] if `missed` updates were dropped, then
/// [`Update::Closed`]. Those that do not fit in the channel now wait for room in a task of their
/// own (if a runtime is there to run it), so that closing never waits for the reader; it ends
/// when they are delivered or the receiver is dropped.
fn deliver_last(updates: &mpsc::Sender<Update>, missed: u64, reason: String) {
    if missed > 0 {
        log_missed(missed);
    }
    if reason == CLOSED_BY_CLIENT {
        log::info!("closed: {reason}");
    } else {
        log::warn!("closed: {reason}");
    }
    let mut last = VecDeque::with_capacity(2);
    if missed > 0 {
        last.push_back(Update::Missed { count: missed });
    }
    last.push_back(Update::Closed { reason });
    while let Some(update) = last.pop_front() {
        match updates.try_send(update) {
            Ok(()) => {}
            Err(TrySendError::Closed(_)) => return,
            Err(TrySendError::Full(update)) => {
                last.push_front(update);
                break;
            }
        }
    }
    if last.is_empty() {
        return;
    }
    let Ok(runtime) = tokio::runtime::Handle::try_current() else { return };
    let updates = updates.clone();
    runtime.spawn(async move {
        for update in last {
            if updates.send(update).await.is_err() {
                return;
            }
        }
    });
}

/// The next keep-alive tick, or never without keep-alive.
async fn tick(ticks: &mut Option<Interval>) {
    match ticks {
        Some(i) => {
            i.tick().await;
        }
        None => std::future::pending().await,
    }
}

/// `d` from now; `None` (never) when that is past what the clock can represent, so that
/// `Duration::MAX` means "never" wherever a duration is an option.
fn after(d: Duration) -> Option<Instant> {
    Instant::now().checked_add(d)
}

/// Sleeps until `deadline`, or forever without one.
async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d).await,
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transport_error_codes_are_classified() {
        // -429 (flood) is worth a later connection, -404 (unknown key) replaces a temporary key,
        // -444 (wrong DC) is final; a garbled stream is retried.
        assert!(matches!(classify(TransportError::Server(-429)), Ended::Lost(_)));
        assert!(matches!(classify(TransportError::Server(-404)), Ended::UnknownKey(_)));
        assert!(matches!(classify(TransportError::Server(-444)), Ended::Fatal(_)));
        assert!(matches!(classify(TransportError::BadCrc), Ended::Lost(_)));
    }
}
