//! What the differential tests of `tests/layer230` and `tests/td_api` share (each includes
//! this file with `#[path]`: they are separate crates): a seeded RNG, base64 as the dynamic
//! codec writes it, and the check that `tl decode`'s text path agrees with the `Value` one.

use serde_json::Value;
use tl_codegen::dynamic::{JsonLayout, Registry};

/// xorshift64*: deterministic and dependency-free.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    pub fn coin(&mut self) -> bool {
        self.next() & 1 == 1
    }
}

/// Standard base64 with padding, as the dynamic codec writes `bytes`.
const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

pub fn base64(data: &[u8]) -> String {
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(B64[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// `tl decode`'s text path ([`Registry::decode_json`]) prints for `bytes` exactly what
/// `serde_json` prints for the value the tree path decoded (`value`), in both layouts.
pub fn text_agrees(reg: &Registry<'_>, bytes: &[u8], ty: Option<&str>, value: &Value, name: &str) {
    let compact = reg.decode_json(bytes, ty, JsonLayout::Compact).0;
    let compact = compact.unwrap_or_else(|e| panic!("{name}: decode_json: {e}"));
    assert_eq!(compact, serde_json::to_string(value).unwrap(), "{name}: compact text differs");
    let pretty = reg.decode_json(bytes, ty, JsonLayout::Pretty).0;
    let pretty = pretty.unwrap_or_else(|e| panic!("{name}: decode_json: {e}"));
    assert_eq!(pretty, serde_json::to_string_pretty(value).unwrap(), "{name}: pretty text differs");
}
