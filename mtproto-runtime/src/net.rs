//! A tokio TCP adapter (feature `tokio`): connect with a chosen transport, run the auth-key
//! exchange, then drive a [`Session`] from one task. [`Client::invoke`] may be called from many
//! tasks at once; each awaits its own answer. Messages that answer no request go to the updates
//! channel. All protocol logic stays in the sans-IO core; this module only moves bytes.

use std::collections::HashMap;
use std::fmt;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpStream, ToSocketAddrs};
use tokio::sync::{mpsc, oneshot};

use crate::handshake::{ClientConfig, ClientHandshake, Finished, HandshakeError, Step};
use crate::session::{Clock, Event, MsgId, MsgIds, RequestError, Session, SystemClock};
use crate::transport::{Frame, Kind, Transport, TransportError};
use crate::{plain, OsRandom};

/// Size of one socket read.
const READ_CHUNK: usize = 64 << 10;

/// Why a connection or a request failed.
#[derive(Debug)]
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
    /// The connection closed before the answer came.
    Closed,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io(e) => write!(f, "i/o: {e}"),
            Error::Transport(e) => write!(f, "transport: {e}"),
            Error::Handshake(e) => write!(f, "handshake: {e}"),
            Error::Plain(e) => write!(f, "handshake message: {e}"),
            Error::Request(e) => e.fmt(f),
            Error::Closed => f.write_str("connection closed"),
        }
    }
}

impl std::error::Error for Error {}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::Io(e)
    }
}

impl From<TransportError> for Error {
    fn from(e: TransportError) -> Self {
        Error::Transport(e)
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
    /// The auth-key exchange's parameters (keys, dc, PFS).
    pub handshake: ClientConfig,
}

impl ConnectOptions {
    /// Plain `kind` framing, DC 2 and the built-in keys.
    pub fn new(kind: Kind) -> Self {
        ConnectOptions { kind, obfuscated: false, secret: None, dc: None, handshake: ClientConfig::new(2) }
    }

    fn transport(&self) -> Result<Transport, TransportError> {
        if self.obfuscated {
            Transport::client_obfuscated(self.kind, self.dc, self.secret)
        } else {
            Ok(Transport::client(self.kind))
        }
    }
}

type Reply = oneshot::Sender<Result<Vec<u8>, RequestError>>;

/// A connected client; clone it to invoke from many tasks.
#[derive(Debug, Clone)]
pub struct Client {
    cmds: mpsc::UnboundedSender<(Vec<u8>, Reply)>,
    auth_key_id: u64,
    server_salt: i64,
}

impl Client {
    /// Sends `f` and waits for its raw result (decode it with
    /// [`decode_result`](crate::session::decode_result)).
    pub async fn invoke<F: tl_codec::Function>(&self, f: &F) -> Result<Vec<u8>, Error> {
        self.invoke_raw(tl_codec::to_bytes(f)).await
    }

    /// Sends an encoded request and waits for its raw result.
    pub async fn invoke_raw(&self, body: Vec<u8>) -> Result<Vec<u8>, Error> {
        let (tx, rx) = oneshot::channel();
        self.cmds.send((body, tx)).map_err(|_| Error::Closed)?;
        rx.await.map_err(|_| Error::Closed)?.map_err(Error::Request)
    }

    /// The id of the negotiated auth key.
    pub fn auth_key_id(&self) -> u64 {
        self.auth_key_id
    }

    /// The first server salt of the exchange.
    pub fn server_salt(&self) -> i64 {
        self.server_salt
    }
}

/// Connects to `addr`, runs the auth-key exchange and starts the session task. Returns the
/// client and the channel of messages that answer no request (updates).
pub async fn connect(
    addr: impl ToSocketAddrs,
    options: ConnectOptions,
) -> Result<(Client, mpsc::UnboundedReceiver<Vec<u8>>), Error> {
    let mut stream = TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    let mut transport = options.transport()?;
    let finished = client_handshake(&mut stream, &mut transport, options.handshake).await?;
    let mut session_id = [0u8; 8];
    crate::Random::fill(&mut OsRandom::new(), &mut session_id);
    let clock = SystemClock;
    let offset = i64::from(finished.server_time) - clock.now().as_secs() as i64;
    let mut session =
        Session::new(finished.auth_key.clone(), finished.server_salt, i64::from_le_bytes(session_id), clock);
    session.set_time_offset(offset);
    let (cmds, cmd_rx) = mpsc::unbounded_channel();
    let (updates_tx, updates) = mpsc::unbounded_channel();
    tokio::spawn(drive(stream, transport, session, cmd_rx, updates_tx));
    let client = Client { cmds, auth_key_id: finished.auth_key.id(), server_salt: finished.server_salt };
    Ok((client, updates))
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
            return Err(Error::Closed);
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

/// The session task: queues requests, writes what the session flushes, feeds what arrives.
async fn drive<C: Clock>(
    stream: TcpStream,
    mut t: Transport,
    mut session: Session<C>,
    mut cmds: mpsc::UnboundedReceiver<(Vec<u8>, Reply)>,
    updates: mpsc::UnboundedSender<Vec<u8>>,
) {
    let (mut rd, mut wr) = stream.into_split();
    let mut waiting: HashMap<MsgId, Reply> = HashMap::new();
    let mut rng = OsRandom::new();
    let mut buf = vec![0u8; READ_CHUNK];
    loop {
        while session.wants_flush() {
            let mut msg = Vec::new();
            let mut out = Vec::new();
            if session.flush(&mut rng, &mut msg).is_err() || t.pack(&msg, false, &mut out).is_err() {
                return;
            }
            if wr.write_all(&out).await.is_err() {
                return;
            }
        }
        tokio::select! {
            cmd = cmds.recv() => match cmd {
                Some((body, reply)) => {
                    let id = session.invoke_raw(body);
                    waiting.insert(id, reply);
                }
                // Every client handle is gone.
                None => return,
            },
            n = rd.read(&mut buf) => {
                let n = match n {
                    Ok(0) | Err(_) => return,
                    Ok(n) => n,
                };
                t.feed(&buf[..n]);
                loop {
                    let mut data = match t.next_frame() {
                        Ok(Some(Frame::Payload { data, .. })) => data.to_vec(),
                        Ok(Some(Frame::QuickAck(_))) => continue,
                        Ok(None) => break,
                        Err(_) => return,
                    };
                    // A message failing a check is dropped; the session lives on.
                    let _ = session.receive(&mut data);
                }
                while let Some(event) = session.poll_event() {
                    match event {
                        Event::Completed { request, result } => {
                            if let Some(reply) = waiting.remove(&request) {
                                let _ = reply.send(result);
                            }
                        }
                        Event::Unsolicited(body) => {
                            let _ = updates.send(body);
                        }
                        Event::NewSession { .. } => {}
                    }
                }
            }
        }
    }
}

#[cfg(feature = "server")]
pub use test_server::{serve_connection, ServeOptions};

#[cfg(feature = "server")]
mod test_server {
    use tl_codec::Identifiable;
    use tokio::net::TcpStream;

    use super::{read_payload, send_plain, Error};
    use crate::handshake::{RsaPrivateKey, ServerConfig, ServerHandshake, ServerStep};
    use crate::schema::{functions, types};
    use crate::session::server::ServerSession;
    use crate::session::{Clock, MsgIds, SystemClock};
    use crate::transport::Transport;
    use crate::{plain, OsRandom};

    /// What the test server does.
    #[derive(Debug, Clone)]
    pub struct ServeOptions {
        /// The server's RSA key.
        pub key: RsaPrivateKey,
        /// The MTProxy secret expected on obfuscated connections.
        pub secret: Option<[u8; 16]>,
        /// Change the salt right after the exchange, so the first request gets bad_server_salt.
        pub bad_salt_once: bool,
    }

    /// Serves one connection: any transport, the auth-key exchange, then the session: pings are
    /// answered, get_future_salts gets future_salts, an http_wait comes back as an update, any other request is echoed as its own
    /// result (gzip_packed when large). Returns when the client disconnects.
    pub async fn serve_connection(mut stream: TcpStream, options: ServeOptions) -> Result<(), Error> {
        stream.set_nodelay(true)?;
        let mut t = Transport::server_any(options.secret);
        let now = SystemClock.now();
        let config = ServerConfig::new(vec![options.key.clone()], now.as_secs() as i32);
        let mut hs = ServerHandshake::new(config, OsRandom::new());
        let mut ids = MsgIds::new(1);
        let finished = loop {
            let frame = read_payload(&mut stream, &mut t).await?;
            let request = plain::unpack(&frame).map_err(|e| Error::Plain(e.to_string()))?;
            match hs.handle(request.body).map_err(Error::Handshake)? {
                ServerStep::Send(reply) => {
                    send_plain(&mut stream, &mut t, ids.next(SystemClock.now()), &reply).await?
                }
                ServerStep::Done { reply, finished } => {
                    send_plain(&mut stream, &mut t, ids.next(SystemClock.now()), &reply).await?;
                    break finished;
                }
            }
        };
        let mut session = ServerSession::new(finished.auth_key.clone(), finished.server_salt, SystemClock);
        if options.bad_salt_once {
            session.change_salt(finished.server_salt ^ 0x0bad_5a17);
        }
        let mut rng = OsRandom::new();
        loop {
            let mut frame = read_payload(&mut stream, &mut t).await?;
            // A message failing a check is dropped, as a real server does.
            let _ = session.receive(&mut frame);
            while let Some(r) = session.poll_request() {
                if tl_codec::from_bytes::<functions::GetFutureSalts>(&r.body).is_ok() {
                    let t = SystemClock.now().as_secs() as i32;
                    let salts = (0..2)
                        .map(|i| {
                            tl_codec::Bare(types::FutureSalt {
                                valid_since: t + i * 1800,
                                valid_until: t + (i + 1) * 1800,
                                salt: session.salt(),
                            })
                        })
                        .collect();
                    let fs = types::FutureSalts { req_msg_id: r.msg_id, now: t, salts };
                    session.send_unsolicited(tl_codec::to_bytes(&fs));
                } else if r.body.get(..4) == Some(&types::HttpWait::CONSTRUCTOR_ID.to_le_bytes()[..]) {
                    // An http_wait sent as a request is bounced back as an update.
                    session.send_unsolicited(r.body);
                } else {
                    session.respond(r.msg_id, &r.body);
                }
            }
            let mut out = Vec::new();
            while session.wants_flush() {
                let mut msg = Vec::new();
                session.flush(&mut rng, &mut msg).map_err(|_| Error::Closed)?;
                t.pack(&msg, false, &mut out)?;
            }
            if !out.is_empty() {
                tokio::io::AsyncWriteExt::write_all(&mut stream, &out).await?;
            }
        }
    }
}
