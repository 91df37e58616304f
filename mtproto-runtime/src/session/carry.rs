//! Test support: frames carried by hand between a client [`Session`] and the test server's
//! [`ServerSession`], shared by the session's tests and the server session's.

use super::server::ServerSession;
use super::{Clock, Session, SessionError};
use crate::random::Random;

/// One end of an in-memory link: what both sessions offer to send and take frames.
pub(super) trait End {
    fn wants_flush(&self) -> bool;
    fn flush(&mut self, rng: &mut dyn Random, out: &mut Vec<u8>) -> Result<bool, SessionError>;
    fn receive(&mut self, frame: &mut [u8]) -> Result<(), SessionError>;
}

impl<C: Clock> End for Session<C> {
    fn wants_flush(&self) -> bool {
        Session::wants_flush(self)
    }
    fn flush(&mut self, rng: &mut dyn Random, out: &mut Vec<u8>) -> Result<bool, SessionError> {
        Session::flush(self, rng, out)
    }
    fn receive(&mut self, frame: &mut [u8]) -> Result<(), SessionError> {
        Session::receive(self, frame)
    }
}

impl<C: Clock> End for ServerSession<C> {
    fn wants_flush(&self) -> bool {
        ServerSession::wants_flush(self)
    }
    fn flush(&mut self, rng: &mut dyn Random, out: &mut Vec<u8>) -> Result<bool, SessionError> {
        ServerSession::flush(self, rng, out)
    }
    fn receive(&mut self, frame: &mut [u8]) -> Result<(), SessionError> {
        ServerSession::receive(self, frame)
    }
}

/// Every frame `from` has to send now.
pub(super) fn frames(from: &mut impl End, rng: &mut dyn Random) -> Vec<Vec<u8>> {
    let mut frames = Vec::new();
    while from.wants_flush() {
        let mut out = Vec::new();
        from.flush(rng, &mut out).unwrap();
        frames.push(out);
    }
    frames
}

/// `from`'s frames handed to `to`, which must take each; returns them.
pub(super) fn carry(from: &mut impl End, to: &mut impl End, rng: &mut dyn Random) -> Vec<Vec<u8>> {
    let frames = frames(from, rng);
    for f in &frames {
        to.receive(&mut f.clone()).unwrap();
    }
    frames
}
