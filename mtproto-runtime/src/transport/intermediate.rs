//! Intermediate and padded intermediate framing: a 4-byte little-endian length, then the
//! payload (plus 0..=15 random bytes in the padded form). The top bit of the length is the
//! client's quick-ack request; from the server, a length word with the top bit set and no payload
//! is a quick-ack answer.

use super::{Decoded, Role, TransportError};
use crate::random::Random;

/// Appends one frame; `rng` is given for the padded form, whose 0..=15 padding bytes are random
/// in both length and content.
pub(super) fn encode(
    payload: &[u8],
    quick_ack: bool,
    rng: Option<&mut dyn Random>,
    out: &mut Vec<u8>,
) -> Result<(), TransportError> {
    // random[0] picks the length; the rest is the padding itself.
    let mut random = [0u8; 16];
    if let Some(rng) = rng {
        rng.fill(&mut random);
    }
    let pad = usize::from(random[0] & 15);
    let len = payload.len() + pad;
    if len >= 1 << 31 {
        return Err(TransportError::TooLong);
    }
    let word = len as u32 | if quick_ack { 0x8000_0000 } else { 0 };
    out.reserve(4 + len);
    out.extend_from_slice(&word.to_le_bytes());
    out.extend_from_slice(payload);
    out.extend_from_slice(&random[1..1 + pad]);
    Ok(())
}

/// Appends a server's quick-ack answer.
pub(super) fn encode_quick_ack(token: u32, out: &mut Vec<u8>) {
    out.extend_from_slice(&(token | 0x8000_0000).to_le_bytes());
}

/// Decodes the frame at the start of `buf`, or `None` if more bytes are needed. For the padded
/// form the payload range excludes the padding (see [`strip_padding`]).
pub(super) fn decode(
    buf: &[u8],
    role: Role,
    padded: bool,
    max: usize,
) -> Result<Option<Decoded>, TransportError> {
    let Some(word) = buf.get(..4) else { return Ok(None) };
    let word = u32::from_le_bytes([word[0], word[1], word[2], word[3]]);
    if role == Role::Client && word & 0x8000_0000 != 0 {
        return Ok(Some(Decoded::quick_ack(word, 4)));
    }
    let quick_ack = word & 0x8000_0000 != 0;
    let len = (word & 0x7fff_ffff) as usize;
    if len > max {
        return Err(TransportError::TooLong);
    }
    if len == 0 {
        return Err(TransportError::BadLength);
    }
    let Some(body) = buf.get(4..4 + len) else { return Ok(None) };
    let payload = if padded { strip_padding(body)? } else { len };
    Ok(Some(Decoded::payload(4..4 + payload, 4 + len, quick_ack)))
}

/// The MTProto length inside a padded-intermediate packet, recovered from the packet itself: a
/// 4-byte transport error (packets under 20 bytes), an unencrypted message (auth_key_id 0, its
/// length field), or an encrypted message (24 bytes + a multiple of 16).
fn strip_padding(body: &[u8]) -> Result<usize, TransportError> {
    if body.len() < 20 {
        return if body.len() >= 4 { Ok(4) } else { Err(TransportError::BadLength) };
    }
    if body[..8] == [0; 8] {
        let len = u32::from_le_bytes([body[16], body[17], body[18], body[19]]) as usize;
        let total = len.checked_add(20).ok_or(TransportError::BadLength)?;
        return if total <= body.len() && body.len() - total < 16 {
            Ok(total)
        } else {
            Err(TransportError::BadLength)
        };
    }
    if body.len() < 24 {
        return Err(TransportError::BadLength);
    }
    Ok(24 + (body.len() - 24) / 16 * 16)
}
