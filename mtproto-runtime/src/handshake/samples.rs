//! The official walk-through (core.telegram.org/mtproto/samples-auth_key) replayed step by step
//! with its nonces, new_nonce, RSA padding, b and padding injected.
//!
//! Reads `$TL_CORPUS/../vectors/samples_auth_key.json` (the shared vectors beside the schemas), so
//! it is ignored by default: `TL_CORPUS=/path/to/shared/schemas cargo test -- --ignored`.

use std::collections::VecDeque;

use tl_codec::Identifiable;

use super::client::{ClientConfig, ClientHandshake, Step};
use super::dh;
use crate::crypto::ige_decrypt;
use crate::random::Random;
use crate::schema::types;
use crate::test_util::hex;

fn vectors() -> serde_json::Value {
    let corpus = std::env::var("TL_CORPUS").expect("TL_CORPUS must point at the shared schemas directory");
    let path = std::path::Path::new(&corpus).join("../vectors/samples_auth_key.json");
    let text =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).expect("valid JSON")
}

/// Serves scripted chunks in order, asserting each request has the scripted length. A repeatable
/// chunk answers every request of its length until a request of another length moves past it
/// (RSA_PAD's temp_key, which the walk-through omits and may be redrawn).
struct Script(VecDeque<(Vec<u8>, bool)>);

impl Random for Script {
    fn fill(&mut self, buf: &mut [u8]) {
        loop {
            let (chunk, repeat) = self.0.front().expect("script exhausted");
            if *repeat && chunk.len() != buf.len() {
                self.0.pop_front();
                continue;
            }
            assert_eq!(chunk.len(), buf.len(), "random request of unexpected length");
            buf.copy_from_slice(chunk);
            if !repeat {
                self.0.pop_front();
            }
            return;
        }
    }
}

#[test]
#[ignore = "reads the shared vectors through TL_CORPUS"]
fn samples_auth_key_step_by_step() {
    let v = vectors();
    let h = |k: &str| hex(v[k].as_str().unwrap_or_else(|| panic!("missing {k}")));
    let arr16 = |k: &str| -> [u8; 16] { h(k).try_into().unwrap() };
    let arr32 = |k: &str| -> [u8; 32] { h(k).try_into().unwrap() };

    let script = Script(VecDeque::from([
        (h("nonce"), false),
        (h("new_nonce"), false),
        (h("step4_rsa_pad_random_padding_bytes"), false),
        ([0x11u8; 32].to_vec(), true), // temp_key: not given by the page
        (h("step7_b"), false),
        (h("step7_padding"), false),
    ]));
    let dc = v["step4_dc"].as_i64().unwrap() as i32;

    // Step 1: req_pq_multi.
    let (mut hs, req) = ClientHandshake::new(ClientConfig::new(dc), script);
    assert_eq!(req, h("step1_req_pq_multi_body"));

    // Steps 2-5: resPQ in, req_DH_params out. The RSA part cannot be recomputed (temp_key is
    // missing); its input, p_q_inner_data_dc, and the framing around it are checked.
    let Ok(Step::Send(req_dh)) = hs.handle(&h("step2_resPQ_body")) else { panic!("resPQ refused") };
    let p = super::factorize(v["pq"].as_u64().unwrap()).unwrap();
    assert_eq!((p.0, p.1), (v["p"].as_u64().unwrap(), v["q"].as_u64().unwrap()));
    let inner = types::PQInnerDataDc {
        pq: &h("pq_bytes"),
        p: &(p.0 as u32).to_be_bytes(),
        q: &(p.1 as u32).to_be_bytes(),
        nonce: arr16("nonce"),
        server_nonce: arr16("server_nonce"),
        new_nonce: arr32("new_nonce"),
        dc,
    };
    assert_eq!(tl_codec::to_bytes(&inner), h("step4_p_q_inner_data_dc"));
    let expected = h("step5_req_DH_params_body");
    assert_eq!(req_dh.len(), expected.len());
    let framing = expected.len() - 256;
    assert_eq!(req_dh[..framing], expected[..framing]);

    // Step 6: the DH answer decrypts and checks out with the derived temporary key.
    let (tmp_key, tmp_iv) = dh::tmp_aes_key_iv(&arr16("server_nonce"), &arr32("new_nonce"));
    assert_eq!(tmp_key.to_vec(), h("tmp_aes_key"));
    assert_eq!(tmp_iv.to_vec(), h("tmp_aes_iv"));
    let mut answer = h("step6_encrypted_answer");
    ige_decrypt(&mut answer, &tmp_key, &tmp_iv).unwrap();
    assert_eq!(answer, h("step6_answer_with_hash"));
    let (inner, padding) =
        tl_codec::from_bytes_prefix::<types::ServerDhInnerData<'_>>(&answer[20..]).unwrap();
    let len = answer.len() - 20 - padding.len();
    assert_eq!(answer[20..20 + len], h("step6_server_DH_inner_data"));
    assert_eq!(inner.g as i64, v["g"].as_i64().unwrap());
    assert_eq!(inner.server_time as i64, v["server_time"].as_i64().unwrap());

    // Step 7: set_client_DH_params, byte for byte (b and padding injected).
    let Ok(Step::Send(set_dh)) = hs.handle(&h("step6_server_DH_params_ok_body")) else {
        panic!("server_DH_params_ok refused")
    };
    assert_eq!(set_dh, h("step7_set_client_DH_params_body"));

    // Steps 8-9: dh_gen_ok accepted with new_nonce_hash1; key, id, aux hash and salt match.
    let Ok(Step::Done(done)) = hs.handle(&h("step9_dh_gen_ok_body")) else { panic!("dh_gen_ok refused") };
    assert_eq!(done.auth_key.as_bytes().to_vec(), h("step8_auth_key"));
    assert_eq!(done.auth_key.id().to_le_bytes().to_vec(), h("auth_key_id_wire"));
    assert_eq!(done.auth_key.id() as i64, v["auth_key_id_i64"].as_i64().unwrap());
    assert_eq!(done.auth_key.aux_hash().to_le_bytes().to_vec(), h("auth_key_aux_hash"));
    let new_nonce = arr32("new_nonce");
    let aux = done.auth_key.aux_hash();
    assert_eq!(dh::new_nonce_hash(&new_nonce, 1, aux).to_vec(), h("new_nonce_hash1"));
    assert_eq!(dh::new_nonce_hash(&new_nonce, 2, aux).to_vec(), h("new_nonce_hash2"));
    assert_eq!(dh::new_nonce_hash(&new_nonce, 3, aux).to_vec(), h("new_nonce_hash3"));
    assert_eq!(done.server_salt.to_le_bytes().to_vec(), h("initial_server_salt_wire"));
    assert_eq!(done.server_salt, v["initial_server_salt_i64"].as_i64().unwrap());
    assert_eq!(done.server_time as i64, v["server_time"].as_i64().unwrap());
    assert_eq!(done.expires_in, None);

    // The envelopes of the page's client messages are our plain envelope.
    let mut wire = Vec::new();
    let msg_id =
        i64::from_le_bytes(hex(v["msg_ids_wire"]["req_pq_multi"].as_str().unwrap()).try_into().unwrap());
    crate::plain::pack(msg_id, &req, &mut wire);
    assert_eq!(wire, h("step1_req_pq_multi_wire"));
}

#[test]
#[ignore = "reads the shared vectors through TL_CORPUS"]
fn samples_tampered_answers_are_refused() {
    let v = vectors();
    let h = |k: &str| hex(v[k].as_str().unwrap());
    let start = || {
        let script = Script(VecDeque::from([
            (h("nonce"), false),
            (h("new_nonce"), false),
            (h("step4_rsa_pad_random_padding_bytes"), false),
            ([0x11u8; 32].to_vec(), true),
            (h("step7_b"), false),
            (h("step7_padding"), false),
        ]));
        let (mut hs, _) = ClientHandshake::new(ClientConfig::new(2), script);
        hs.handle(&h("step2_resPQ_body")).unwrap();
        hs
    };
    // Any flipped byte of server_DH_params_ok is refused (nonce, hash, or DH checks).
    let ok = h("step6_server_DH_params_ok_body");
    for i in (0..ok.len()).step_by(7) {
        let mut t = ok.clone();
        t[i] ^= 0x20;
        assert!(start().handle(&t).is_err(), "byte {i}");
    }
    // A dh_gen_ok with a wrong hash is refused.
    let mut hs = start();
    hs.handle(&ok).unwrap();
    let mut gen = h("step9_dh_gen_ok_body");
    let last = gen.len() - 1;
    gen[last] ^= 1;
    assert_eq!(hs.handle(&gen).unwrap_err(), super::HandshakeError::BadNewNonceHash);
}

#[test]
#[ignore = "reads the shared vectors through TL_CORPUS"]
fn samples_dh_gen_retry_then_fail() {
    let v = vectors();
    let h = |k: &str| hex(v[k].as_str().unwrap());
    let script = Script(VecDeque::from([
        (h("nonce"), false),
        (h("new_nonce"), false),
        (h("step4_rsa_pad_random_padding_bytes"), false),
        ([0x11u8; 32].to_vec(), true),
        (h("step7_b"), false),
        (h("step7_padding"), false),
        // The retry draws a new b and padding; the page's values again give the same key.
        (h("step7_b"), false),
        (h("step7_padding"), false),
    ]));
    let (mut hs, _) = ClientHandshake::new(ClientConfig::new(2), script);
    hs.handle(&h("step2_resPQ_body")).unwrap();
    hs.handle(&h("step6_server_DH_params_ok_body")).unwrap();
    let gen =
        |id: u32, hash: &str| [id.to_le_bytes().to_vec(), h("nonce"), h("server_nonce"), h(hash)].concat();

    // dh_gen_retry with new_nonce_hash2: a new set_client_DH_params whose retry_id is the
    // previous key's auth_key_aux_hash.
    let Ok(Step::Send(retry)) = hs.handle(&gen(types::DhGenRetry::CONSTRUCTOR_ID, "new_nonce_hash2")) else {
        panic!("dh_gen_retry refused")
    };
    let first = h("step7_set_client_DH_params_body");
    assert_eq!(retry.len(), first.len());
    let (tmp_key, tmp_iv) =
        dh::tmp_aes_key_iv(&h("server_nonce").try_into().unwrap(), &h("new_nonce").try_into().unwrap());
    let mut data = retry[4 + 32 + 4..].to_vec();
    ige_decrypt(&mut data, &tmp_key, &tmp_iv).unwrap();
    let retry_id = &data[20 + 4 + 32..20 + 4 + 32 + 8];
    assert_eq!(retry_id, h("auth_key_aux_hash"));

    // dh_gen_fail with new_nonce_hash3 ends the exchange with DhGenFail.
    assert_eq!(
        hs.handle(&gen(types::DhGenFail::CONSTRUCTOR_ID, "new_nonce_hash3")).unwrap_err(),
        super::HandshakeError::DhGenFail
    );
}
