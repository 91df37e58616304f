//! The client side of the auth-key exchange as a sans-IO state machine.
//!
//! [`ClientHandshake::new`] returns the first request; each server answer goes to
//! [`ClientHandshake::handle`], which returns the next request or the finished key. Bodies are
//! bare TL objects: the caller wraps them in [`crate::plain`] envelopes with its own msg_ids and
//! carries them over any transport.

use num_bigint::BigUint;

use super::dh::{self, DhError};
use super::factorize::factorize;
use super::rsa::{RsaPadError, RsaPublicKey};
use super::{check_nonces, Finished, HandshakeError};
use crate::auth_key::AuthKey;
use crate::crypto::{ct_eq, ige_decrypt, ige_encrypt, sha1};
use crate::random::Random;
use crate::schema::{enums, functions, types};

/// What the client needs to know to run the exchange.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// The dc field of p_q_inner_data: the DC id, +10000 for test DCs, negative for media DCs.
    pub dc: i32,
    /// Server keys to choose from by fingerprint; defaults to the built-in production and test
    /// keys. Add a user-supplied key with [`RsaPublicKey::from_pem`].
    pub keys: Vec<RsaPublicKey>,
    /// `Some(seconds)` to create a temporary key for perfect forward secrecy
    /// (p_q_inner_data_temp_dc); `None` for a permanent key.
    pub temp_key_expires_in: Option<i32>,
    /// How many dh_gen_retry answers are followed before giving up.
    pub max_retries: u32,
    /// DH primes (big-endian) already proven safe, e.g. [`Finished::dh_prime`] of an earlier
    /// exchange; they skip the primality tests. Telegram's prime is always trusted.
    pub trusted_primes: Vec<Vec<u8>>,
}

impl ClientConfig {
    /// A permanent-key exchange with DC `dc` and the built-in keys.
    pub fn new(dc: i32) -> Self {
        ClientConfig {
            dc,
            keys: vec![RsaPublicKey::production(), RsaPublicKey::test()],
            temp_key_expires_in: None,
            max_retries: 5,
            trusted_primes: Vec::new(),
        }
    }
}

/// What to do after an answer was handled.
#[derive(Debug)]
pub enum Step {
    /// Send this request body to the server and feed its answer back.
    Send(Vec<u8>),
    /// The exchange is complete.
    Done(Box<Finished>),
}

/// Parameters agreed in server_DH_inner_data, kept for retries.
struct DhContext {
    nonce: [u8; 16],
    server_nonce: [u8; 16],
    new_nonce: [u8; 32],
    tmp_key: [u8; 32],
    tmp_iv: [u8; 32],
    g: BigUint,
    g_a: BigUint,
    dh_prime: BigUint,
    server_time: i32,
    auth_key: AuthKey,
    retries: u32,
}

enum State {
    AwaitResPq {
        nonce: [u8; 16],
    },
    AwaitServerDh {
        nonce: [u8; 16],
        server_nonce: [u8; 16],
        new_nonce: [u8; 32],
    },
    AwaitDhGen(Box<DhContext>),
    /// Finished or failed: no further input is accepted.
    Over,
}

/// The client side of the auth-key exchange.
pub struct ClientHandshake<R: Random> {
    config: ClientConfig,
    rng: R,
    state: State,
}

impl<R: Random> core::fmt::Debug for ClientHandshake<R> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let state = match self.state {
            State::AwaitResPq { .. } => "await resPQ",
            State::AwaitServerDh { .. } => "await server_DH_params",
            State::AwaitDhGen(_) => "await dh_gen",
            State::Over => "over",
        };
        f.debug_struct("ClientHandshake").field("state", &state).finish()
    }
}

impl<R: Random> ClientHandshake<R> {
    /// Starts an exchange; returns the machine and the req_pq_multi body to send.
    pub fn new(config: ClientConfig, mut rng: R) -> (Self, Vec<u8>) {
        let mut nonce = [0u8; 16];
        rng.fill(&mut nonce);
        let body = tl_codec::to_bytes(&functions::ReqPqMulti { nonce });
        (ClientHandshake { config, rng, state: State::AwaitResPq { nonce } }, body)
    }

    /// Handles one server answer (a bare TL body). Any error ends the exchange; start a new one.
    pub fn handle(&mut self, body: &[u8]) -> Result<Step, HandshakeError> {
        let state = core::mem::replace(&mut self.state, State::Over);
        let (next, step) = match state {
            State::AwaitResPq { nonce } => self.on_res_pq(nonce, body)?,
            State::AwaitServerDh { nonce, server_nonce, new_nonce } => {
                self.on_server_dh(nonce, server_nonce, new_nonce, body)?
            }
            State::AwaitDhGen(ctx) => self.on_dh_gen(ctx, body)?,
            State::Over => return Err(HandshakeError::Over),
        };
        self.state = next;
        Ok(step)
    }

    fn on_res_pq(&mut self, nonce: [u8; 16], body: &[u8]) -> Result<(State, Step), HandshakeError> {
        let res: Box<types::ResPq<'_>> = tl_codec::from_bytes(body)?;
        if res.nonce != nonce {
            return Err(HandshakeError::NonceMismatch);
        }
        let key = self
            .config
            .keys
            .iter()
            .find(|k| res.server_public_key_fingerprints.contains(&k.fingerprint()))
            .ok_or(HandshakeError::NoKnownKey)?;
        if res.pq.len() > 8 || res.pq.first() == Some(&0) {
            return Err(HandshakeError::BadPq);
        }
        let pq = res.pq.iter().fold(0u64, |acc, &b| acc << 8 | u64::from(b));
        let (p, q) = factorize(pq).ok_or(HandshakeError::BadPq)?;
        let (p, q) = (be_min(p), be_min(q));

        let mut new_nonce = [0u8; 32];
        self.rng.fill(&mut new_nonce);
        let (server_nonce, dc) = (res.server_nonce, self.config.dc);
        let inner = match self.config.temp_key_expires_in {
            Some(expires_in) => tl_codec::to_bytes(&types::PQInnerDataTempDc {
                pq: res.pq,
                p: &p,
                q: &q,
                nonce,
                server_nonce,
                new_nonce,
                dc,
                expires_in,
            }),
            None => tl_codec::to_bytes(&types::PQInnerDataDc {
                pq: res.pq,
                p: &p,
                q: &q,
                nonce,
                server_nonce,
                new_nonce,
                dc,
            }),
        };
        let encrypted = key.rsa_pad(&inner, &mut self.rng)?;
        let out = tl_codec::to_bytes(&functions::ReqDhParams {
            nonce,
            server_nonce,
            p: &p,
            q: &q,
            public_key_fingerprint: key.fingerprint(),
            encrypted_data: &encrypted,
        });
        let next = State::AwaitServerDh { nonce, server_nonce, new_nonce };
        Ok((next, Step::Send(out)))
    }

    fn on_server_dh(
        &mut self,
        nonce: [u8; 16],
        server_nonce: [u8; 16],
        new_nonce: [u8; 32],
        body: &[u8],
    ) -> Result<(State, Step), HandshakeError> {
        let answer = match tl_codec::from_bytes::<enums::ServerDhParams<'_>>(body)? {
            enums::ServerDhParams::Ok(v) => v,
            enums::ServerDhParams::Fail(f) => {
                check_nonces(&nonce, &server_nonce, &f.nonce, &f.server_nonce)?;
                if !ct_eq(&f.new_nonce_hash, &dh::new_nonce_fail_hash(&new_nonce)) {
                    return Err(HandshakeError::BadNewNonceHash);
                }
                return Err(HandshakeError::ServerDhParamsFail);
            }
        };
        check_nonces(&nonce, &server_nonce, &answer.nonce, &answer.server_nonce)?;
        // server_DH_inner_data is ~600 bytes; the bound keeps a hostile answer from costing more.
        if answer.encrypted_answer.len() % 16 != 0
            || answer.encrypted_answer.len() > 4096
            || answer.encrypted_answer.len() < 32
        {
            return Err(HandshakeError::BadEncryptedAnswer);
        }
        let (tmp_key, tmp_iv) = dh::tmp_aes_key_iv(&server_nonce, &new_nonce);
        let mut plain = answer.encrypted_answer.to_vec();
        ige_decrypt(&mut plain, &tmp_key, &tmp_iv).map_err(|_| HandshakeError::BadEncryptedAnswer)?;
        let (hash, rest) = plain.split_at(20);
        let (inner, tail) = tl_codec::from_bytes_prefix::<types::ServerDhInnerData<'_>>(rest)?;
        let len = rest.len() - tail.len();
        if !ct_eq(hash, &sha1(&[&rest[..len]])) {
            return Err(HandshakeError::AnswerHash);
        }
        if rest.len() - len >= 16 {
            return Err(HandshakeError::BadEncryptedAnswer);
        }
        check_nonces(&nonce, &server_nonce, &inner.nonce, &inner.server_nonce)?;
        let dh_prime = BigUint::from_bytes_be(inner.dh_prime);
        if self.config.trusted_primes.iter().any(|p| p.as_slice() == inner.dh_prime) {
            dh::check_trusted_dh_params(&dh_prime, inner.g)?;
        } else {
            dh::check_dh_params(&dh_prime, inner.g, &mut self.rng)?;
        }
        let g_a = BigUint::from_bytes_be(inner.g_a);
        dh::check_public_value(&g_a, &dh_prime)?;
        let mut ctx = Box::new(DhContext {
            nonce,
            server_nonce,
            new_nonce,
            tmp_key,
            tmp_iv,
            g: BigUint::from(inner.g as u32),
            g_a,
            dh_prime,
            server_time: inner.server_time,
            auth_key: AuthKey::from_bytes([0; 256]),
            retries: 0,
        });
        let request = self.client_dh(&mut ctx, 0)?;
        Ok((State::AwaitDhGen(ctx), Step::Send(request)))
    }

    /// Picks b, computes g_b and the auth key, and builds set_client_DH_params.
    fn client_dh(&mut self, ctx: &mut DhContext, retry_id: i64) -> Result<Vec<u8>, HandshakeError> {
        let mut attempts = 0;
        let (g_b, b) = loop {
            let mut b_bytes = [0u8; 256];
            self.rng.fill(&mut b_bytes);
            let b = BigUint::from_bytes_be(&b_bytes);
            let g_b = ctx.g.modpow(&b, &ctx.dh_prime);
            // An out-of-range g_b (probability ~2^-64) means another b, not a failed exchange;
            // the cap only stops a broken random source.
            match dh::check_public_value(&g_b, &ctx.dh_prime) {
                Ok(()) => break (g_b, b),
                Err(e) if attempts >= 8 => return Err(e.into()),
                Err(_) => attempts += 1,
            }
        };
        ctx.auth_key = AuthKey::from_bytes(super::rsa::to_256(&ctx.g_a.modpow(&b, &ctx.dh_prime)));

        let g_b = g_b.to_bytes_be();
        let data = tl_codec::to_bytes(&types::ClientDhInnerData {
            nonce: ctx.nonce,
            server_nonce: ctx.server_nonce,
            retry_id,
            g_b: &g_b,
        });
        let hash = sha1(&[&data]);
        let mut with_hash = Vec::with_capacity(20 + data.len() + 15);
        with_hash.extend_from_slice(&hash);
        with_hash.extend_from_slice(&data);
        let pad = (16 - with_hash.len() % 16) % 16;
        let mut padding = [0u8; 16];
        self.rng.fill(&mut padding[..pad]);
        with_hash.extend_from_slice(&padding[..pad]);
        ige_encrypt(&mut with_hash, &ctx.tmp_key, &ctx.tmp_iv)
            .map_err(|_| HandshakeError::BadEncryptedAnswer)?;

        Ok(tl_codec::to_bytes(&functions::SetClientDhParams {
            nonce: ctx.nonce,
            server_nonce: ctx.server_nonce,
            encrypted_data: &with_hash,
        }))
    }

    fn on_dh_gen(&mut self, mut ctx: Box<DhContext>, body: &[u8]) -> Result<(State, Step), HandshakeError> {
        let (n, got_nonce, got_server_nonce, hash) = match tl_codec::from_bytes::<
            enums::SetClientDhParamsAnswer,
        >(body)?
        {
            enums::SetClientDhParamsAnswer::DhGenOk(g) => (1, g.nonce, g.server_nonce, g.new_nonce_hash1),
            enums::SetClientDhParamsAnswer::DhGenRetry(g) => (2, g.nonce, g.server_nonce, g.new_nonce_hash2),
            enums::SetClientDhParamsAnswer::DhGenFail(g) => (3, g.nonce, g.server_nonce, g.new_nonce_hash3),
        };
        check_nonces(&ctx.nonce, &ctx.server_nonce, &got_nonce, &got_server_nonce)?;
        let expected = dh::new_nonce_hash(&ctx.new_nonce, n, ctx.auth_key.aux_hash());
        if !ct_eq(&expected, &hash) {
            return Err(HandshakeError::BadNewNonceHash);
        }
        match n {
            1 => {
                let finished = Finished {
                    dh_prime: ctx.dh_prime.to_bytes_be(),
                    server_salt: dh::initial_salt(&ctx.new_nonce, &ctx.server_nonce),
                    server_time: ctx.server_time,
                    expires_in: self.config.temp_key_expires_in,
                    auth_key: ctx.auth_key.clone(),
                };
                Ok((State::Over, Step::Done(Box::new(finished))))
            }
            2 => {
                if ctx.retries >= self.config.max_retries {
                    return Err(HandshakeError::TooManyRetries);
                }
                ctx.retries += 1;
                let retry_id = ctx.auth_key.aux_hash() as i64;
                let request = self.client_dh(&mut ctx, retry_id)?;
                Ok((State::AwaitDhGen(ctx), Step::Send(request)))
            }
            _ => Err(HandshakeError::DhGenFail),
        }
    }
}

/// A positive integer as minimal big-endian bytes (TL big numbers).
fn be_min(v: u64) -> Vec<u8> {
    let bytes = v.to_be_bytes();
    let skip = bytes.iter().take_while(|&&b| b == 0).count();
    bytes[skip..].to_vec()
}

impl From<tl_codec::Error> for HandshakeError {
    fn from(e: tl_codec::Error) -> Self {
        HandshakeError::Malformed(e.to_string())
    }
}

impl From<RsaPadError> for HandshakeError {
    fn from(e: RsaPadError) -> Self {
        HandshakeError::Rsa(e)
    }
}

impl From<DhError> for HandshakeError {
    fn from(e: DhError) -> Self {
        HandshakeError::Dh(e)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    #[test]
    fn be_min_strips_leading_zeros() {
        assert_eq!(be_min(1008949199), vec![0x3c, 0x23, 0x57, 0xcf]);
        assert_eq!(be_min(0x0100), vec![1, 0]);
    }

    #[test]
    fn garbage_answers_are_errors() {
        let mut seed = 7u64;
        let mut rng = move |b: &mut [u8]| {
            for x in b {
                seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                *x = (seed >> 33) as u8;
            }
        };
        for len in 0..300 {
            let mut body = vec![0u8; len];
            rng.fill(&mut body);
            let (mut hs, _) = ClientHandshake::new(ClientConfig::new(2), &mut rng);
            if len >= 4 {
                body[..4].copy_from_slice(
                    &<types::ResPq<'_> as tl_codec::Identifiable>::CONSTRUCTOR_ID.to_le_bytes(),
                );
            }
            assert!(hs.handle(&body).is_err());
            assert!(matches!(hs.handle(&body), Err(HandshakeError::Over)));
        }
    }
}
