//! The server side of the auth-key exchange (feature `server`), so tests and users can run a
//! full exchange in memory or on loopback. Same sans-IO shape as the client: bodies in, bodies out.

use num_bigint::BigUint;

use super::dh;
use super::factorize::is_prime;
use super::rsa::{to_256, RsaPrivateKey};

use super::{check_nonces, Finished, HandshakeError};
use crate::auth_key::AuthKey;
use crate::crypto::{ct_eq, ige_decrypt, ige_encrypt, sha1};
use crate::random::Random;
use crate::schema::{enums, functions, types};

/// A 2048-bit RSA key generated for this crate's tests and test servers. Never use it for
/// anything real: the private half is published here.
pub const TEST_SERVER_KEY_PEM: &str = concat!(
    "-----BEGIN RSA PRIVATE KEY-----\n",
    "MIIEpAIBAAKCAQEAyFdH0NEezCKch4ylzsSrV0wCV//otl5G5sQsgmjmfAqe5vPt\n",
    "oEDQiscVi58jdqMvYp/7BCwHAXxCbabCCDJqAqCaZZxUE6fEHRI+qm3Oe4xOvuC1\n",
    "ddc8jmOViOHEYaz5qVnVKmxqTmdi+DG8eWq+eRMuJJwr3BEcJbcq8RH1r/uahoTF\n",
    "F3YQ6soZhe3GiPUj7qCLHH5lyTsNJ2UAlj47iNCOl8Nq8XHO3Dec8IRv6wki0J+t\n",
    "Xbi44pistpd9QbLwq006IUH3Box7+MB998hi7j14iMntL6Z4fejqLtxpGxdWfNFM\n",
    "Ii4armIn069tdWzbNoVyO0WgzNIjn7ePJxHijwIDAQABAoIBABJ+jDCovXEW2OBi\n",
    "iYP2/+JFMAozo6YCOgVfosQ/LtfQmy6y4gLjON0217RV8o4nLl6qah/OeK8Ya4F3\n",
    "3X2oOcUYUmiC7/gIisAsSQCutlsNbs+MKvQ/9GUoqEtEnD5wG3QYyObrrzyhqq9C\n",
    "2CVVR1QiAyZ6DEp6geCxchNjFw0xwREBNu3TIA2rnWTacsJMtamGi3j1VCTjOi1V\n",
    "svauZnsqkJTNckYD0uzqKUUKWrgnTrAOEtKsd2qCl45GYYuvgl6SCAM8XDH8+ot3\n",
    "CWX1x1lTA4mSiWrTbHwrlN2oeK8fj7BW91H/CWSWxucaaIJC9/9blY9qc3dCTF2P\n",
    "C4AdCeECgYEA6tAWzuKmmdUie+zlGMMEhPMhnAsXN59ATTkVxnFBx2wijSjrxjoL\n",
    "TEedEGOR4A9zZuHYX68Wwn2Hhra3C14SxlMVbsVPhxUZdzRnp0lVWexSj0Y4MYpx\n",
    "48fB6tf/kxslWskcvhmzfcaQigTX+axV2SyDlTnNwz+SWQnnUjWxCmkCgYEA2mrt\n",
    "7BdxMdM8WMZ8Yb7aiOJv6ZaS4uuim1kH333fYH8kfuDrfEl2410gVpd1EZI2EZp0\n",
    "7FQGqobVUEbh5CJgA9Xfq/4/eRF5QjAuUZqYuVNmLYe1EM7kNp9MyEdRsV964Iph\n",
    "CpChZf9sQOQycaQ20THigxaf8Rz1Kk4+NbNStjcCgYEAyWflOF0WE3rKEku2kc+s\n",
    "j7DPkj29E1uIVvRw5f59MmVhGX0RBr0AtdPzN3yAQhReos9yvVe8COSNG5KbXKe7\n",
    "KNtY1eNt/GqvphyQD+AJ0pCum+/aATxDxeGwRhQxRmeRWdaIzdHTsD1h+tB+w8v6\n",
    "8sWIs7WZ9TARAkhJXq1pBokCgYEAiYJAgB7SGPhQSePMcw1hMES/CGTP3SVUnlES\n",
    "79WjSHFDXM3l872cp8/9iAaaoZFXkQWZDyBngfyZV40IskQiBsgjpXjQJTynBtCm\n",
    "mKGn/SVQcuG5UPewHeN0x7J+8BiYl70HE0uzETAZy1DfoUQtbs7lOHqJ/5ankxbn\n",
    "e4+GR0kCgYAujISZsm9ozPFi2AUvPfKW3T/9+UDiLvJVcvffHqNItNik/ZPZlxmJ\n",
    "kKY3zrVwbV22p0CIRt3sK22e+CYCZXavSLOOdlEkKGbXkxKE8iTTs4KyF3I13TeA\n",
    "nJfvLvhmT9pYi47LzEH+vLZNHn2E6a2+ZKPUKPr94SP75xp8KkQ6bg==\n",
    "-----END RSA PRIVATE KEY-----\n",
);

/// What the server side needs.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// RSA keys the server holds; their fingerprints are offered in resPQ.
    pub keys: Vec<RsaPrivateKey>,
    /// The DH prime (a 2048-bit safe prime); defaults to Telegram's.
    pub dh_prime: BigUint,
    /// The generator; defaults to 3, which suits Telegram's prime.
    pub g: i32,
    /// server_time to put in server_DH_inner_data; the caller sets the current time (no clock here).
    pub server_time: i32,
}

impl ServerConfig {
    /// Telegram's prime and g = 3 with the given keys.
    pub fn new(keys: Vec<RsaPrivateKey>, server_time: i32) -> Self {
        ServerConfig { keys, dh_prime: dh::known_prime(), g: 3, server_time }
    }
}

/// What to do after a client request was handled.
#[derive(Debug)]
pub enum ServerStep {
    /// Send this answer and wait for the next request.
    Send(Vec<u8>),
    /// Send `reply` (dh_gen_ok); the key is established.
    Done {
        /// The dh_gen_ok body.
        reply: Vec<u8>,
        /// The new key and its first salt.
        finished: Box<Finished>,
    },
}

struct AwaitSetDh {
    nonce: [u8; 16],
    server_nonce: [u8; 16],
    new_nonce: [u8; 32],
    a: BigUint,
    expires_in: Option<i32>,
}

enum State {
    AwaitReqPq,
    AwaitReqDh { nonce: [u8; 16], server_nonce: [u8; 16], p: u64, q: u64 },
    AwaitSetDh(Box<AwaitSetDh>),
    Over,
}

/// The server side of the auth-key exchange.
pub struct ServerHandshake<R: Random> {
    config: ServerConfig,
    rng: R,
    state: State,
}

impl<R: Random> core::fmt::Debug for ServerHandshake<R> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ServerHandshake").finish_non_exhaustive()
    }
}

impl<R: Random> ServerHandshake<R> {
    /// A server waiting for req_pq_multi (or the legacy req_pq).
    pub fn new(config: ServerConfig, rng: R) -> Self {
        ServerHandshake { config, rng, state: State::AwaitReqPq }
    }

    /// Handles one client request body. Any error ends the exchange.
    pub fn handle(&mut self, body: &[u8]) -> Result<ServerStep, HandshakeError> {
        let state = core::mem::replace(&mut self.state, State::Over);
        let (next, step) = match state {
            State::AwaitReqPq => self.on_req_pq(body)?,
            State::AwaitReqDh { nonce, server_nonce, p, q } => {
                self.on_req_dh(nonce, server_nonce, p, q, body)?
            }
            State::AwaitSetDh(ctx) => self.on_set_dh(*ctx, body)?,
            State::Over => return Err(HandshakeError::Over),
        };
        self.state = next;
        Ok(step)
    }

    /// A random prime in [2^30, 2^31).
    fn random_prime(&mut self) -> u64 {
        loop {
            let mut b = [0u8; 4];
            self.rng.fill(&mut b);
            let candidate = u64::from(u32::from_le_bytes(b) >> 1 | 0x4000_0001);
            if is_prime(candidate) {
                return candidate;
            }
        }
    }

    fn on_req_pq(&mut self, body: &[u8]) -> Result<(State, ServerStep), HandshakeError> {
        // req_pq_multi, or the legacy req_pq that servers still accept.
        let nonce = match tl_codec::from_bytes::<functions::ReqPqMulti>(body) {
            Ok(req) => req.nonce,
            Err(_) => tl_codec::from_bytes::<functions::ReqPq>(body)?.nonce,
        };
        let mut server_nonce = [0u8; 16];
        self.rng.fill(&mut server_nonce);
        let p = self.random_prime();
        let mut q = self.random_prime();
        while q == p {
            q = self.random_prime();
        }
        let (p, q) = (p.min(q), p.max(q));
        let pq = (p * q).to_be_bytes();
        let server_public_key_fingerprints =
            self.config.keys.iter().map(|k| k.public().fingerprint()).collect();
        let res = types::ResPq { nonce, server_nonce, pq: &pq, server_public_key_fingerprints };
        Ok((State::AwaitReqDh { nonce, server_nonce, p, q }, ServerStep::Send(tl_codec::to_bytes(&res))))
    }

    fn on_req_dh(
        &mut self,
        nonce: [u8; 16],
        server_nonce: [u8; 16],
        p: u64,
        q: u64,
        body: &[u8],
    ) -> Result<(State, ServerStep), HandshakeError> {
        let req: functions::ReqDhParams<'_> = tl_codec::from_bytes(body)?;
        check_nonces(&nonce, &server_nonce, &req.nonce, &req.server_nonce)?;
        if !same_number(req.p, p) || !same_number(req.q, q) {
            return Err(HandshakeError::BadPq);
        }
        let key = self
            .config
            .keys
            .iter()
            .find(|k| k.public().fingerprint() == req.public_key_fingerprint)
            .ok_or(HandshakeError::NoKnownKey)?;
        let data = key.rsa_unpad(req.encrypted_data).ok_or(HandshakeError::BadEncryptedData)?;
        // The RSA padding follows the object: read a prefix. Only the forms naming the DC are valid.
        let (inner, _) = tl_codec::from_bytes_prefix::<enums::PQInnerData<'_>>(&data)?;
        let inner = match inner {
            enums::PQInnerData::Dc(d) => PqInner {
                pq: d.pq,
                p: d.p,
                q: d.q,
                nonce: d.nonce,
                server_nonce: d.server_nonce,
                new_nonce: d.new_nonce,
                expires_in: None,
            },
            enums::PQInnerData::TempDc(d) => PqInner {
                pq: d.pq,
                p: d.p,
                q: d.q,
                nonce: d.nonce,
                server_nonce: d.server_nonce,
                new_nonce: d.new_nonce,
                expires_in: Some(d.expires_in),
            },
            _ => return Err(HandshakeError::Malformed("p_q_inner_data without a dc".into())),
        };
        check_nonces(&nonce, &server_nonce, &inner.nonce, &inner.server_nonce)?;
        if !same_number(inner.p, p) || !same_number(inner.q, q) || !same_number(inner.pq, p * q) {
            return Err(HandshakeError::BadPq);
        }
        let new_nonce = inner.new_nonce;
        let prime = &self.config.dh_prime;
        let g = BigUint::from(self.config.g as u32);
        let mut attempts = 0;
        let (a, g_a) = loop {
            let mut a_bytes = [0u8; 256];
            self.rng.fill(&mut a_bytes);
            let a = BigUint::from_bytes_be(&a_bytes);
            let g_a = g.modpow(&a, prime);
            // Out of range has probability ~2^-64 for a sound g; a misconfigured one (g = 1)
            // never gets in range, and must end in an error rather than a hang.
            match dh::check_public_value(&g_a, prime) {
                Ok(()) => break (a, g_a),
                Err(e) if attempts >= 8 => return Err(e.into()),
                Err(_) => attempts += 1,
            }
        };
        let prime_bytes = prime.to_bytes_be();
        let g_a_bytes = to_256(&g_a);
        let answer = tl_codec::to_bytes(&types::ServerDhInnerData {
            nonce,
            server_nonce,
            g: self.config.g,
            dh_prime: &prime_bytes,
            g_a: &g_a_bytes,
            server_time: self.config.server_time,
        });
        let mut with_hash = sha1(&[&answer]).to_vec();
        with_hash.extend_from_slice(&answer);
        let pad = (16 - with_hash.len() % 16) % 16;
        let mut padding = [0u8; 16];
        self.rng.fill(&mut padding[..pad]);
        with_hash.extend_from_slice(&padding[..pad]);
        let (tmp_key, tmp_iv) = dh::tmp_aes_key_iv(&server_nonce, &new_nonce);
        ige_encrypt(&mut with_hash, &tmp_key, &tmp_iv).map_err(|_| HandshakeError::BadEncryptedAnswer)?;
        let reply = tl_codec::to_bytes(&types::ServerDhParamsOk {
            nonce,
            server_nonce,
            encrypted_answer: &with_hash,
        });
        let ctx = AwaitSetDh { nonce, server_nonce, new_nonce, a, expires_in: inner.expires_in };
        Ok((State::AwaitSetDh(Box::new(ctx)), ServerStep::Send(reply)))
    }

    fn on_set_dh(&mut self, ctx: AwaitSetDh, body: &[u8]) -> Result<(State, ServerStep), HandshakeError> {
        let req: functions::SetClientDhParams<'_> = tl_codec::from_bytes(body)?;
        check_nonces(&ctx.nonce, &ctx.server_nonce, &req.nonce, &req.server_nonce)?;
        if req.encrypted_data.len() % 16 != 0
            || req.encrypted_data.len() > 4096
            || req.encrypted_data.len() < 32
        {
            return Err(HandshakeError::BadEncryptedAnswer);
        }
        let (tmp_key, tmp_iv) = dh::tmp_aes_key_iv(&ctx.server_nonce, &ctx.new_nonce);
        let mut plain = req.encrypted_data.to_vec();
        ige_decrypt(&mut plain, &tmp_key, &tmp_iv).map_err(|_| HandshakeError::BadEncryptedAnswer)?;
        let (hash, rest) = plain.split_at(20);
        let (inner, tail) = tl_codec::from_bytes_prefix::<types::ClientDhInnerData<'_>>(rest)?;
        let len = rest.len() - tail.len();
        if !ct_eq(hash, &sha1(&[&rest[..len]])) {
            return Err(HandshakeError::AnswerHash);
        }
        check_nonces(&ctx.nonce, &ctx.server_nonce, &inner.nonce, &inner.server_nonce)?;
        let prime = &self.config.dh_prime;
        let g_b = BigUint::from_bytes_be(inner.g_b);
        dh::check_public_value(&g_b, prime)?;
        let auth_key = AuthKey::from_bytes(to_256(&g_b.modpow(&ctx.a, prime)));
        let reply = tl_codec::to_bytes(&types::DhGenOk {
            nonce: ctx.nonce,
            server_nonce: ctx.server_nonce,
            new_nonce_hash1: dh::new_nonce_hash(&ctx.new_nonce, 1, auth_key.aux_hash()),
        });
        let finished = Finished {
            dh_prime: prime.to_bytes_be(),
            server_salt: dh::initial_salt(&ctx.new_nonce, &ctx.server_nonce),
            server_time: self.config.server_time,
            expires_in: ctx.expires_in,
            auth_key,
        };
        Ok((State::Over, ServerStep::Done { reply, finished: Box::new(finished) }))
    }
}

/// The fields of p_q_inner_data_dc / _temp_dc the server checks.
struct PqInner<'a> {
    pq: &'a [u8],
    p: &'a [u8],
    q: &'a [u8],
    nonce: [u8; 16],
    server_nonce: [u8; 16],
    new_nonce: [u8; 32],
    expires_in: Option<i32>,
}

/// Whether a TL big-endian number equals `v`.
fn same_number(bytes: &[u8], v: u64) -> bool {
    bytes.len() <= 8 && bytes.iter().fold(0u64, |acc, &b| acc << 8 | u64::from(b)) == v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::handshake::{ClientConfig, ClientHandshake, DhError, Step};
    use crate::random::OsRandom;

    fn run(temp: Option<i32>) -> (Finished, Finished) {
        let key = RsaPrivateKey::from_pem(TEST_SERVER_KEY_PEM).unwrap();
        let mut config = ClientConfig::new(2);
        config.keys = vec![key.public().clone()];
        config.temp_key_expires_in = temp;
        let (mut client, mut to_server) = ClientHandshake::new(config, OsRandom::new());
        let mut server = ServerHandshake::new(ServerConfig::new(vec![key], 1_700_000_000), OsRandom::new());
        loop {
            match server.handle(&to_server).unwrap() {
                ServerStep::Send(answer) => match client.handle(&answer).unwrap() {
                    Step::Send(next) => to_server = next,
                    Step::Done(_) => panic!("client finished before the server"),
                },
                ServerStep::Done { reply, finished } => match client.handle(&reply).unwrap() {
                    Step::Done(client_done) => return (*client_done, *finished),
                    Step::Send(_) => panic!("client wants more after dh_gen_ok"),
                },
            }
        }
    }

    #[test]
    fn loopback_exchange_agrees() {
        let (client, server) = run(None);
        assert_eq!(client, server);
        assert_eq!(client.server_time, 1_700_000_000);
        assert_ne!(client.auth_key.id(), 0);
    }

    #[test]
    fn loopback_temp_key_exchange() {
        let (client, server) = run(Some(86400));
        assert_eq!(client, server);
        assert_eq!(client.expires_in, Some(86400));
    }

    #[test]
    fn other_prime_checked_then_trusted() {
        // RFC 7919 ffdhe2048 with g = 2: the client runs the primality tests the first time
        // and skips them once the prime is trusted.
        let key = RsaPrivateKey::from_pem(TEST_SERVER_KEY_PEM).unwrap();
        let ffdhe =
            BigUint::parse_bytes(crate::handshake::dh::tests::FFDHE2048_HEX.concat().as_bytes(), 16).unwrap();
        let mut client_config = ClientConfig::new(2);
        client_config.keys = vec![key.public().clone()];
        client_config.trusted_primes = vec![ffdhe.to_bytes_be()];
        let mut server_config = ServerConfig::new(vec![key], 0);
        server_config.dh_prime = ffdhe.clone();
        server_config.g = 2;
        // A random source that fails the test if the client draws Miller-Rabin bases from it
        // (256 + 8 bytes per base).
        let mut os = OsRandom::new();
        let no_primality_tests = move |buf: &mut [u8]| {
            assert_ne!(buf.len(), 264, "a trusted prime must not be re-tested");
            os.fill(buf)
        };
        let (mut client, mut to_server) = ClientHandshake::new(client_config, no_primality_tests);
        let mut server = ServerHandshake::new(server_config, OsRandom::new());
        let done = loop {
            match server.handle(&to_server).unwrap() {
                ServerStep::Send(answer) => match client.handle(&answer).unwrap() {
                    Step::Send(next) => to_server = next,
                    Step::Done(_) => unreachable!(),
                },
                ServerStep::Done { reply, finished } => {
                    let Step::Done(client_done) = client.handle(&reply).unwrap() else { unreachable!() };
                    assert_eq!(*client_done, *finished);
                    break client_done;
                }
            }
        };
        assert_eq!(done.dh_prime, ffdhe.to_bytes_be());
    }

    /// Runs an exchange, letting `tamper` change each server answer (step 0: resPQ, 1:
    /// server_DH_params, 2: dh_gen); returns the first error of either side.
    fn tampered(server_config: ServerConfig, tamper: impl Fn(usize, &mut Vec<u8>)) -> HandshakeError {
        let key = server_config.keys[0].clone();
        let mut config = ClientConfig::new(2);
        config.keys = vec![key.public().clone()];
        let (mut client, mut to_server) = ClientHandshake::new(config, OsRandom::new());
        let mut server = ServerHandshake::new(server_config, OsRandom::new());
        for step in 0.. {
            let mut answer = match server.handle(&to_server) {
                Ok(ServerStep::Send(answer)) => answer,
                Ok(ServerStep::Done { reply, .. }) => reply,
                Err(e) => return e,
            };
            tamper(step, &mut answer);
            match client.handle(&answer) {
                Ok(Step::Send(next)) => to_server = next,
                Ok(Step::Done(_)) => panic!("the exchange succeeded"),
                Err(e) => return e,
            }
        }
        unreachable!()
    }

    #[test]
    fn nonces_are_checked_in_every_answer() {
        let config = || ServerConfig::new(vec![RsaPrivateKey::from_pem(TEST_SERVER_KEY_PEM).unwrap()], 0);
        // Every answer starts constructor | nonce (16) | server_nonce (16).
        for step in 0..3 {
            let e = tampered(config(), |s, a| {
                if s == step {
                    a[4] ^= 1;
                }
            });
            assert_eq!(e, HandshakeError::NonceMismatch, "step {step}");
            if step > 0 {
                let e = tampered(config(), |s, a| {
                    if s == step {
                        a[20] ^= 1;
                    }
                });
                assert_eq!(e, HandshakeError::ServerNonceMismatch, "step {step}");
            }
        }
    }

    #[test]
    fn a_generator_failing_its_condition_is_refused() {
        // Telegram's prime is 2 mod 3 and 3 mod 8: g = 3 is fine, g = 2 (needs p % 8 == 7) and
        // g = 8 (outside 2..=7) are not.
        let config = |g| {
            let mut config =
                ServerConfig::new(vec![RsaPrivateKey::from_pem(TEST_SERVER_KEY_PEM).unwrap()], 0);
            config.g = g;
            config
        };
        for g in [2, 8, -3] {
            assert_eq!(tampered(config(g), |_, _| {}), HandshakeError::Dh(DhError::BadGenerator), "g = {g}");
        }
        // g = 1 has no g_a in range: the test server gives up instead of looping for ever.
        assert_eq!(tampered(config(1), |_, _| {}), HandshakeError::Dh(DhError::OutOfRange));
    }

    #[test]
    fn unknown_fingerprint_and_garbage() {
        let key = RsaPrivateKey::from_pem(TEST_SERVER_KEY_PEM).unwrap();
        // The built-in keys do not include the test server's: the client must refuse.
        let (mut client, req) = ClientHandshake::new(ClientConfig::new(2), OsRandom::new());
        let mut server = ServerHandshake::new(ServerConfig::new(vec![key.clone()], 0), OsRandom::new());
        let ServerStep::Send(res_pq) = server.handle(&req).unwrap() else { panic!() };
        assert_eq!(client.handle(&res_pq).unwrap_err(), HandshakeError::NoKnownKey);
        for len in 0..64 {
            let mut s = ServerHandshake::new(ServerConfig::new(vec![key.clone()], 0), OsRandom::new());
            assert!(s.handle(&vec![0xa5; len]).is_err());
        }
    }
}
