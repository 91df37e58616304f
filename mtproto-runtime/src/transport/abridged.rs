//! Abridged framing: one length byte (payload / 4, 0x01..=0x7e) or 0x7f and three little-endian
//! length bytes, then the payload. The client's quick-ack request sets the top bit of the first
//! byte; the server's quick-ack answer is the 4-byte token byte-swapped, so its first byte has the
//! top bit set.

use super::{Decoded, Role, TransportError};

/// Appends one frame.
pub(super) fn encode(payload: &[u8], quick_ack: bool, out: &mut Vec<u8>) -> Result<(), TransportError> {
    if payload.len() % 4 != 0 {
        return Err(TransportError::Unaligned);
    }
    let words = payload.len() / 4;
    let flag = if quick_ack { 0x80 } else { 0 };
    if words < 0x7f {
        out.push(words as u8 | flag);
    } else if words < 1 << 24 {
        let w = (words as u32).to_le_bytes();
        out.extend_from_slice(&[0x7f | flag, w[0], w[1], w[2]]);
    } else {
        return Err(TransportError::TooLong);
    }
    out.extend_from_slice(payload);
    Ok(())
}

/// Appends a server's quick-ack answer.
pub(super) fn encode_quick_ack(token: u32, out: &mut Vec<u8>) {
    out.extend_from_slice(&(token | 0x8000_0000).to_be_bytes());
}

/// Decodes the frame at the start of `buf`, or `None` if more bytes are needed.
pub(super) fn decode(buf: &[u8], role: Role, max: usize) -> Result<Option<Decoded>, TransportError> {
    let Some(&first) = buf.first() else { return Ok(None) };
    if role == Role::Client && first & 0x80 != 0 {
        let Some(token) = buf.get(..4) else { return Ok(None) };
        let token = u32::from_be_bytes([token[0], token[1], token[2], token[3]]);
        return Ok(Some(Decoded::quick_ack(token, 4)));
    }
    let quick_ack = first & 0x80 != 0;
    let (words, header) = match first & 0x7f {
        0x7f => {
            let Some(l) = buf.get(1..4) else { return Ok(None) };
            (usize::from(l[0]) | usize::from(l[1]) << 8 | usize::from(l[2]) << 16, 4)
        }
        w => (usize::from(w), 1),
    };
    if words == 0 {
        return Err(TransportError::BadLength);
    }
    let len = words * 4;
    if len > max {
        return Err(TransportError::TooLong);
    }
    if buf.len() < header + len {
        return Ok(None);
    }
    Ok(Some(Decoded::payload(header..header + len, header + len, quick_ack)))
}
