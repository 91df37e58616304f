//! The client side of the exchange against a hostile server: every answer is built here by hand
//! (the client's random draws are recorded, so new_nonce is known; the test server's RSA key
//! shows it is the one sent), so each field the client must check can be wrong on its own while
//! the rest is right, and each check is shown to stop the exchange.

use std::cell::RefCell;
use std::rc::Rc;

use num_bigint::BigUint;
use num_traits::One;

use super::client::{ClientConfig, ClientHandshake, Step};
use super::dh::{self, DhError};
use super::rsa::{to_256, RsaPrivateKey};
use super::server::TEST_SERVER_KEY_PEM;
use super::HandshakeError;
use crate::auth_key::AuthKey;
use crate::crypto::{ige_decrypt, ige_encrypt, sha1};
use crate::random::{OsRandom, Random};
use crate::schema::{enums, functions, types};

/// The walk-through's pq: 1008949199 * 1455403679.
const PQ: u64 = 1468428376148703121;
const SERVER_NONCE: [u8; 16] = [0x5e; 16];
const SERVER_TIME: i32 = 1_700_000_000;

type Rng = Box<dyn FnMut(&mut [u8])>;

fn os_rng() -> Rng {
    let mut os = OsRandom::new();
    Box::new(move |buf: &mut [u8]| os.fill(buf))
}

/// The server's side of one exchange, by hand.
struct Hostile {
    client: ClientHandshake<Rng>,
    key: RsaPrivateKey,
    nonce: [u8; 16],
    new_nonce: [u8; 32],
    /// The server's DH secret (64 bits: the tests need no more, and it keeps them fast).
    a: BigUint,
    /// Every buffer the client's random source filled, in order.
    draws: Rc<RefCell<Vec<Vec<u8>>>>,
}

/// server_DH_inner_data and its wrapping, each part open to change.
struct Dh {
    g: i32,
    dh_prime: BigUint,
    g_a: Vec<u8>,
    inner_nonce: [u8; 16],
    inner_server_nonce: [u8; 16],
    /// `None`: the true SHA1 of the inner data.
    hash: Option<[u8; 20]>,
    /// Whole blocks of padding added to the least that aligns answer_with_hash.
    extra_padding_blocks: usize,
}

impl Hostile {
    /// The client has sent req_pq_multi.
    fn start(rng: Rng, config: impl FnOnce(&mut ClientConfig)) -> Self {
        let key = RsaPrivateKey::from_pem(TEST_SERVER_KEY_PEM).unwrap();
        let mut c = ClientConfig::new(2);
        c.keys = vec![key.public().clone()];
        config(&mut c);
        let draws: Rc<RefCell<Vec<Vec<u8>>>> = Rc::default();
        let log = draws.clone();
        let mut inner = rng;
        let recorded: Rng = Box::new(move |buf: &mut [u8]| {
            inner(buf);
            log.borrow_mut().push(buf.to_vec());
        });
        let (client, req) = ClientHandshake::new(c, recorded);
        let req: functions::ReqPqMulti = tl_codec::from_bytes(&req).unwrap();
        let a = BigUint::from_bytes_be(&[0x77; 8]);
        Hostile { client, key, nonce: req.nonce, new_nonce: [0; 32], a, draws }
    }

    fn res_pq(&self, pq: &[u8]) -> Vec<u8> {
        tl_codec::to_bytes(&types::ResPq {
            nonce: self.nonce,
            server_nonce: SERVER_NONCE,
            pq,
            server_public_key_fingerprints: vec![self.key.public().fingerprint()],
        })
    }

    /// Answers with resPQ; returns the req_DH_params that follows. new_nonce is the client's
    /// second draw (after the nonce).
    fn past_res_pq_with_request(mut self) -> (Self, Vec<u8>) {
        let Ok(Step::Send(req)) = self.client.handle(&self.res_pq(&PQ.to_be_bytes())) else {
            panic!("resPQ refused")
        };
        let draws = self.draws.borrow();
        assert_eq!(draws[0], self.nonce);
        self.new_nonce = draws[1].as_slice().try_into().expect("new_nonce is 32 bytes");
        drop(draws);
        (self, req)
    }

    fn past_res_pq(self) -> Self {
        self.past_res_pq_with_request().0
    }

    /// new_nonce as the server reads it out of req_DH_params.
    fn new_nonce_sent(&self, req_dh: &[u8]) -> [u8; 32] {
        let req: functions::ReqDhParams<'_> = tl_codec::from_bytes(req_dh).unwrap();
        let data = self.key.rsa_unpad(req.encrypted_data).expect("RSA_PAD for our key");
        let (inner, _) = tl_codec::from_bytes_prefix::<enums::PQInnerData<'_>>(&data).unwrap();
        match inner {
            enums::PQInnerData::Dc(d) => d.new_nonce,
            _ => panic!("not p_q_inner_data_dc"),
        }
    }

    /// Honest parameters: Telegram's prime, g = 3, g_a = 3^a.
    fn dh(&self) -> Dh {
        let p = dh::known_prime();
        let g_a = to_256(&BigUint::from(3u8).modpow(&self.a, &p)).to_vec();
        Dh {
            g: 3,
            dh_prime: p,
            g_a,
            inner_nonce: self.nonce,
            inner_server_nonce: SERVER_NONCE,
            hash: None,
            extra_padding_blocks: 0,
        }
    }

    fn tmp_key_iv(&self) -> ([u8; 32], [u8; 32]) {
        dh::tmp_aes_key_iv(&SERVER_NONCE, &self.new_nonce)
    }

    /// server_DH_params_ok's encrypted_answer for `d`.
    fn encrypted_answer(&self, d: &Dh) -> Vec<u8> {
        let prime = d.dh_prime.to_bytes_be();
        let answer = tl_codec::to_bytes(&types::ServerDhInnerData {
            nonce: d.inner_nonce,
            server_nonce: d.inner_server_nonce,
            g: d.g,
            dh_prime: &prime,
            g_a: &d.g_a,
            server_time: SERVER_TIME,
        });
        let mut with_hash = d.hash.unwrap_or_else(|| sha1(&[&answer])).to_vec();
        with_hash.extend_from_slice(&answer);
        let pad = (16 - with_hash.len() % 16) % 16 + 16 * d.extra_padding_blocks;
        with_hash.extend(std::iter::repeat_n(0xa7, pad));
        let (key, iv) = self.tmp_key_iv();
        ige_encrypt(&mut with_hash, &key, &iv).unwrap();
        with_hash
    }

    fn server_dh_ok(&self, encrypted_answer: &[u8]) -> Vec<u8> {
        tl_codec::to_bytes(&types::ServerDhParamsOk {
            nonce: self.nonce,
            server_nonce: SERVER_NONCE,
            encrypted_answer,
        })
    }

    fn send_dh(&mut self, d: &Dh) -> Result<Step, HandshakeError> {
        let body = self.server_dh_ok(&self.encrypted_answer(d));
        self.client.handle(&body)
    }

    /// Reads client_DH_inner_data out of set_client_DH_params: (retry_id, g_b).
    fn client_dh(&self, set_dh: &[u8]) -> (i64, BigUint) {
        let req: functions::SetClientDhParams<'_> = tl_codec::from_bytes(set_dh).unwrap();
        let mut data = req.encrypted_data.to_vec();
        let (key, iv) = self.tmp_key_iv();
        ige_decrypt(&mut data, &key, &iv).unwrap();
        let (inner, _) = tl_codec::from_bytes_prefix::<types::ClientDhInnerData<'_>>(&data[20..]).unwrap();
        assert_eq!((inner.nonce, inner.server_nonce), (self.nonce, SERVER_NONCE));
        (inner.retry_id, BigUint::from_bytes_be(inner.g_b))
    }

    /// The key the client computed, from the g_b it sent.
    fn auth_key(&self, set_dh: &[u8]) -> AuthKey {
        let (_, g_b) = self.client_dh(set_dh);
        AuthKey::from_bytes(to_256(&g_b.modpow(&self.a, &dh::known_prime())))
    }

    /// dh_gen_ok (1), dh_gen_retry (2) or dh_gen_fail (3) carrying new_nonce_hash `hash_n`.
    fn dh_gen(&self, kind: u8, hash_n: u8, key: &AuthKey) -> Vec<u8> {
        let h = dh::new_nonce_hash(&self.new_nonce, hash_n, key.aux_hash());
        let (nonce, server_nonce) = (self.nonce, SERVER_NONCE);
        match kind {
            1 => tl_codec::to_bytes(&types::DhGenOk { nonce, server_nonce, new_nonce_hash1: h }),
            2 => tl_codec::to_bytes(&types::DhGenRetry { nonce, server_nonce, new_nonce_hash2: h }),
            _ => tl_codec::to_bytes(&types::DhGenFail { nonce, server_nonce, new_nonce_hash3: h }),
        }
    }

    /// Up to set_client_DH_params with honest parameters; returns it.
    fn to_set_dh(rng: Rng, config: impl FnOnce(&mut ClientConfig)) -> (Self, Vec<u8>) {
        let mut h = Self::start(rng, config).past_res_pq();
        let d = h.dh();
        let Ok(Step::Send(set_dh)) = h.send_dh(&d) else { panic!("honest server_DH_params_ok refused") };
        (h, set_dh)
    }
}

fn past_res_pq() -> Hostile {
    Hostile::start(os_rng(), |_| {}).past_res_pq()
}

#[test]
fn the_hand_built_server_completes_an_exchange() {
    let (h, req_dh) = Hostile::start(os_rng(), |_| {}).past_res_pq_with_request();
    assert_eq!(h.new_nonce_sent(&req_dh), h.new_nonce);
    let (h, set_dh) = Hostile::to_set_dh(os_rng(), |_| {});
    let (retry_id, g_b) = h.client_dh(&set_dh);
    assert_eq!(retry_id, 0, "first attempt");
    dh::check_public_value(&g_b, &dh::known_prime()).unwrap();
    let key = h.auth_key(&set_dh);
    let mut h = h;
    let Ok(Step::Done(done)) = h.client.handle(&h.dh_gen(1, 1, &key)) else { panic!("dh_gen_ok refused") };
    assert_eq!(done.auth_key, key);
    assert_eq!(done.server_time, SERVER_TIME);
    assert_eq!(done.server_salt, dh::initial_salt(&h.new_nonce, &SERVER_NONCE));
}

/// pq must be a product of two distinct primes in at most 8 bytes, written without a leading
/// zero byte: each fault alone ends the exchange before anything is sent.
#[test]
fn a_pq_that_is_not_two_primes_in_8_bytes_is_refused() {
    let pq = PQ.to_be_bytes();
    let cases: [Vec<u8>; 6] = [
        // The real pq behind a ninth byte, or a leading zero: its low 64 bits would factor.
        [&[1u8][..], &pq].concat(),
        [&[0u8][..], &pq].concat(),
        4_294_967_291u64.to_be_bytes().to_vec(), // a prime
        (4_294_967_291u64 * 4_294_967_291).to_be_bytes().to_vec(), // a square
        (3u64 * 5 * 7 * 1_000_000_007).to_be_bytes().to_vec(), // more than two factors
        Vec::new(),
    ];
    for pq in cases {
        let mut h = Hostile::start(os_rng(), |_| {});
        assert_eq!(h.client.handle(&h.res_pq(&pq)).unwrap_err(), HandshakeError::BadPq, "{pq:02x?}");
    }
}

/// server_DH_params_fail is believed only with our nonces and the hash of new_nonce.
#[test]
fn server_dh_params_fail_is_checked() {
    let fail = |_: &Hostile, nonce: [u8; 16], server_nonce: [u8; 16], hash: [u8; 16]| {
        tl_codec::to_bytes(&types::ServerDhParamsFail { nonce, server_nonce, new_nonce_hash: hash })
    };
    let mut h = past_res_pq();
    let good = dh::new_nonce_fail_hash(&h.new_nonce);
    let body = fail(&h, h.nonce, SERVER_NONCE, good);
    assert_eq!(h.client.handle(&body).unwrap_err(), HandshakeError::ServerDhParamsFail);

    let mut h = past_res_pq();
    let mut bad = dh::new_nonce_fail_hash(&h.new_nonce);
    bad[15] ^= 1;
    let body = fail(&h, h.nonce, SERVER_NONCE, bad);
    assert_eq!(h.client.handle(&body).unwrap_err(), HandshakeError::BadNewNonceHash);

    let mut h = past_res_pq();
    let mut other = h.nonce;
    other[0] ^= 1;
    let body = fail(&h, other, SERVER_NONCE, dh::new_nonce_fail_hash(&h.new_nonce));
    assert_eq!(h.client.handle(&body).unwrap_err(), HandshakeError::NonceMismatch);

    let mut h = past_res_pq();
    let body = fail(&h, h.nonce, [0x5f; 16], dh::new_nonce_fail_hash(&h.new_nonce));
    assert_eq!(h.client.handle(&body).unwrap_err(), HandshakeError::ServerNonceMismatch);
}

/// Inside the encryption: the SHA1 in front of server_DH_inner_data, the nonces it echoes and
/// the padding after it (under 16 bytes); around it, an answer too short to hold a hash.
#[test]
fn the_encrypted_answer_is_checked_inside_and_out() {
    let mut h = past_res_pq();
    let mut d = h.dh();
    let mut hash = sha1(&[b"not the answer"]);
    hash[0] ^= 1;
    d.hash = Some(hash);
    assert_eq!(h.send_dh(&d).unwrap_err(), HandshakeError::AnswerHash);

    let mut h = past_res_pq();
    let mut d = h.dh();
    d.inner_nonce[3] ^= 1;
    assert_eq!(h.send_dh(&d).unwrap_err(), HandshakeError::NonceMismatch);

    let mut h = past_res_pq();
    let mut d = h.dh();
    d.inner_server_nonce[3] ^= 1;
    assert_eq!(h.send_dh(&d).unwrap_err(), HandshakeError::ServerNonceMismatch);

    // 16 bytes of padding or more: the hash still matches, the padding does not.
    let mut h = past_res_pq();
    let mut d = h.dh();
    d.extra_padding_blocks = 1;
    assert_eq!(h.send_dh(&d).unwrap_err(), HandshakeError::BadEncryptedAnswer);

    // One block: no room for the hash.
    let mut h = past_res_pq();
    let body = h.server_dh_ok(&[0x42; 16]);
    assert_eq!(h.client.handle(&body).unwrap_err(), HandshakeError::BadEncryptedAnswer);
    // Not whole blocks.
    let mut h = past_res_pq();
    let mut answer = h.encrypted_answer(&h.dh());
    answer.extend_from_slice(&[0; 4]);
    let body = h.server_dh_ok(&answer);
    assert_eq!(h.client.handle(&body).unwrap_err(), HandshakeError::BadEncryptedAnswer);
}

/// dh_prime must be a 2048-bit safe prime, tested unless the caller trusts it; g in 2..=7 with
/// its condition on the prime.
#[test]
fn dh_prime_and_g_are_checked() {
    let with = |p: BigUint, g: i32| {
        let mut h = past_res_pq();
        let mut d = h.dh();
        d.g_a = to_256(&BigUint::from(g.unsigned_abs()).modpow(&h.a, &p)).to_vec();
        d.dh_prime = p;
        d.g = g;
        h.send_dh(&d).map(|_| ())
    };
    let known = dh::known_prime();
    // 2047 bits.
    assert_eq!(with(&known >> 1u32, 3), Err(HandshakeError::Dh(DhError::PrimeSize)));
    // 2049 bits.
    assert_eq!(with(&known << 1u32 | BigUint::one(), 3), Err(HandshakeError::Dh(DhError::PrimeSize)));
    // Not prime, yet of the right size and with g = 4 (no condition): tested, refused.
    let composite = &known - 2u32;
    assert_eq!(with(composite.clone(), 4), Err(HandshakeError::Dh(DhError::NotSafePrime)));
    // Telegram's prime is 3 mod 8 and 2 mod 3: g = 2 fails its condition, 8 and 1 are not in 2..=7.
    for g in [2, 8, 1, 0, -3] {
        assert_eq!(with(known.clone(), g), Err(HandshakeError::Dh(DhError::BadGenerator)), "g = {g}");
    }
    // A prime the caller trusts is not tested again: the composite one goes through then.
    let mut h = Hostile::start(os_rng(), |c| c.trusted_primes = vec![composite.to_bytes_be()]).past_res_pq();
    let mut d = h.dh();
    d.g_a = to_256(&BigUint::from(4u8).modpow(&h.a, &composite)).to_vec();
    d.dh_prime = composite;
    d.g = 4;
    assert!(matches!(h.send_dh(&d), Ok(Step::Send(_))));
}

/// g_a must be in (2^1984, dh_prime - 2^1984), which also keeps it in (1, dh_prime - 1).
#[test]
fn g_a_outside_the_margins_is_refused() {
    let p = dh::known_prime();
    let margin = BigUint::one() << 1984u32;
    let one = BigUint::one();
    let bad = [
        BigUint::ZERO,
        one.clone(),
        BigUint::from(2u8),
        margin.clone(),
        &p - &margin,
        &p - &one,
        p.clone(),
        &p + &one,
    ];
    for g_a in bad {
        let mut h = past_res_pq();
        let mut d = h.dh();
        d.g_a = g_a.to_bytes_be();
        assert_eq!(h.send_dh(&d).unwrap_err(), HandshakeError::Dh(DhError::OutOfRange), "{g_a:x}");
    }
    for g_a in [&margin + &one, &p - &margin - &one] {
        let mut h = past_res_pq();
        let mut d = h.dh();
        d.g_a = g_a.to_bytes_be();
        assert!(matches!(h.send_dh(&d), Ok(Step::Send(_))), "{g_a:x}");
    }
}

/// A b whose g_b falls outside the margins is drawn again (b = 0 gives g_b = 1); a source that
/// never gives a good one ends the exchange instead of sending it.
#[test]
fn g_b_outside_the_margins_is_never_sent() {
    // Every 256-byte draw is b; the first is zero.
    let draws_b = |zeros: usize| -> Rng {
        let mut os = OsRandom::new();
        let mut left = zeros;
        Box::new(move |buf: &mut [u8]| {
            if buf.len() == 256 && left > 0 {
                left -= 1;
                buf.fill(0);
            } else {
                os.fill(buf);
            }
        })
    };
    let (h, set_dh) = Hostile::to_set_dh(draws_b(1), |_| {});
    let (_, g_b) = h.client_dh(&set_dh);
    assert_ne!(g_b, BigUint::one());
    dh::check_public_value(&g_b, &dh::known_prime()).unwrap();

    let mut h = Hostile::start(draws_b(usize::MAX), |_| {}).past_res_pq();
    let d = h.dh();
    assert_eq!(h.send_dh(&d).unwrap_err(), HandshakeError::Dh(DhError::OutOfRange));
}

/// Each dh_gen answer carries its own new_nonce_hash (1 ok, 2 retry, 3 fail): another one's is
/// refused. A retry sends a new g_b with retry_id = the refused key's auth_key_aux_hash, as
/// often as `max_retries` allows.
#[test]
fn dh_gen_answers_are_checked_and_retries_bounded() {
    for (kind, hash_n) in [(1, 2), (1, 3), (2, 1), (2, 3), (3, 1), (3, 2)] {
        let (mut h, set_dh) = Hostile::to_set_dh(os_rng(), |_| {});
        let key = h.auth_key(&set_dh);
        let body = h.dh_gen(kind, hash_n, &key);
        assert_eq!(h.client.handle(&body).unwrap_err(), HandshakeError::BadNewNonceHash, "{kind} {hash_n}");
    }
    // A hash for another key (another aux_hash) is refused too.
    let (mut h, set_dh) = Hostile::to_set_dh(os_rng(), |_| {});
    let _ = h.auth_key(&set_dh);
    let body = h.dh_gen(1, 1, &AuthKey::from_bytes([3; 256]));
    assert_eq!(h.client.handle(&body).unwrap_err(), HandshakeError::BadNewNonceHash);

    let (mut h, mut set_dh) = Hostile::to_set_dh(os_rng(), |c| c.max_retries = 2);
    for _ in 0..2 {
        let key = h.auth_key(&set_dh);
        let (_, g_b) = h.client_dh(&set_dh);
        let Ok(Step::Send(again)) = h.client.handle(&h.dh_gen(2, 2, &key)) else { panic!("retry refused") };
        let (retry_id, new_g_b) = h.client_dh(&again);
        assert_eq!(retry_id, key.aux_hash() as i64);
        assert_ne!(new_g_b, g_b, "a new b");
        set_dh = again;
    }
    let key = h.auth_key(&set_dh);
    assert_eq!(h.client.handle(&h.dh_gen(2, 2, &key)).unwrap_err(), HandshakeError::TooManyRetries);

    let (mut h, set_dh) = Hostile::to_set_dh(os_rng(), |_| {});
    let key = h.auth_key(&set_dh);
    assert_eq!(h.client.handle(&h.dh_gen(3, 3, &key)).unwrap_err(), HandshakeError::DhGenFail);
}

/// The key is chosen among the server's fingerprints: only one the client holds, whichever
/// place it has in the list.
#[test]
fn the_rsa_key_is_chosen_by_fingerprint() {
    let mut h = Hostile::start(os_rng(), |c| c.keys.insert(0, super::RsaPublicKey::production()));
    let ours = h.key.public().fingerprint();
    let body = tl_codec::to_bytes(&types::ResPq {
        nonce: h.nonce,
        server_nonce: SERVER_NONCE,
        pq: &PQ.to_be_bytes(),
        server_public_key_fingerprints: vec![0x0102_0304_0506_0708, ours],
    });
    let Ok(Step::Send(req)) = h.client.handle(&body) else { panic!("resPQ refused") };
    let req: functions::ReqDhParams<'_> = tl_codec::from_bytes(&req).unwrap();
    assert_eq!(req.public_key_fingerprint, ours);
    assert!(h.key.rsa_unpad(req.encrypted_data).is_some());

    let mut h = Hostile::start(os_rng(), |_| {});
    let body = tl_codec::to_bytes(&types::ResPq {
        nonce: h.nonce,
        server_nonce: SERVER_NONCE,
        pq: &PQ.to_be_bytes(),
        server_public_key_fingerprints: vec![super::RsaPublicKey::production().fingerprint(), 5],
    });
    assert_eq!(h.client.handle(&body).unwrap_err(), HandshakeError::NoKnownKey);
}
