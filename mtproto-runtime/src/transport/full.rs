//! Full framing: `len:int32 | seq:int32 | payload | crc32:int32`, where len counts all four parts
//! and seq numbers the frames of each direction from 0. The CRC and the sequence are checked.

use super::{Decoded, TransportError};

/// Appends one frame with sequence number `seq`.
pub(super) fn encode(payload: &[u8], seq: u32, out: &mut Vec<u8>) -> Result<(), TransportError> {
    let len =
        payload.len().checked_add(12).filter(|&l| l <= i32::MAX as usize).ok_or(TransportError::TooLong)?;
    let start = out.len();
    out.reserve(len);
    out.extend_from_slice(&(len as u32).to_le_bytes());
    out.extend_from_slice(&seq.to_le_bytes());
    out.extend_from_slice(payload);
    let crc = crc32fast::hash(&out[start..]);
    out.extend_from_slice(&crc.to_le_bytes());
    Ok(())
}

/// Decodes the frame at the start of `buf` expecting sequence number `seq`, or `None` if more
/// bytes are needed.
pub(super) fn decode(buf: &[u8], seq: u32, max: usize) -> Result<Option<Decoded>, TransportError> {
    let Some(word) = buf.get(..4) else { return Ok(None) };
    let len = u32::from_le_bytes([word[0], word[1], word[2], word[3]]) as usize;
    if len < 12 {
        return Err(TransportError::BadLength);
    }
    if len - 12 > max {
        return Err(TransportError::TooLong);
    }
    let Some(frame) = buf.get(..len) else { return Ok(None) };
    let (body, crc) = frame.split_at(len - 4);
    let crc = u32::from_le_bytes([crc[0], crc[1], crc[2], crc[3]]);
    if crc32fast::hash(body) != crc {
        return Err(TransportError::BadCrc);
    }
    let got = u32::from_le_bytes([body[4], body[5], body[6], body[7]]);
    if got != seq {
        return Err(TransportError::BadSeq { expected: seq, got });
    }
    Ok(Some(Decoded::payload(8..len - 4, len, false)))
}
