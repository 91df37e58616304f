//! The unencrypted message envelope used only by the auth-key exchange:
//! `auth_key_id = 0 : int64 | message_id : int64 | message_data_length : int32 | message_data`.

use core::fmt;

/// Size of the envelope header.
pub const HEADER_LEN: usize = 20;

/// An unencrypted message borrowed from its frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlainMessage<'a> {
    /// message_id.
    pub msg_id: i64,
    /// message_data: one boxed TL object.
    pub body: &'a [u8],
}

/// Why a frame is not a well-formed unencrypted message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlainError {
    /// Shorter than the 20-byte header.
    TooShort,
    /// auth_key_id is not zero: the frame is an encrypted message.
    NotPlain,
    /// message_data_length disagrees with the frame length, is negative or not a multiple of 4.
    BadLength,
}

impl fmt::Display for PlainError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PlainError::TooShort => "unencrypted message shorter than its header",
            PlainError::NotPlain => "auth_key_id of an unencrypted message is not zero",
            PlainError::BadLength => "message_data_length does not match the frame",
        })
    }
}

impl std::error::Error for PlainError {}

/// Appends the envelope of `body` to `out`.
pub fn pack(msg_id: i64, body: &[u8], out: &mut Vec<u8>) {
    out.reserve(HEADER_LEN + body.len());
    out.extend_from_slice(&0u64.to_le_bytes());
    out.extend_from_slice(&msg_id.to_le_bytes());
    // Handshake bodies are a few hundred bytes; a body over 2 GiB cannot reach here from the
    // handshake, and saturating keeps the function total.
    out.extend_from_slice(&u32::try_from(body.len()).unwrap_or(u32::MAX).to_le_bytes());
    out.extend_from_slice(body);
}

/// Reads an unencrypted message; the body must fill the frame exactly.
pub fn unpack(frame: &[u8]) -> Result<PlainMessage<'_>, PlainError> {
    let (header, body) = frame.split_at_checked(HEADER_LEN).ok_or(PlainError::TooShort)?;
    let word = |at: usize| header.get(at..at + 8).and_then(|s| s.try_into().ok()).map(u64::from_le_bytes);
    if word(0) != Some(0) {
        return Err(PlainError::NotPlain);
    }
    let msg_id = word(8).ok_or(PlainError::TooShort)? as i64;
    let len = header
        .get(16..20)
        .and_then(|s| s.try_into().ok())
        .map(u32::from_le_bytes)
        .ok_or(PlainError::TooShort)?;
    if len as usize != body.len() || len % 4 != 0 {
        return Err(PlainError::BadLength);
    }
    Ok(PlainMessage { msg_id, body })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let mut out = Vec::new();
        pack(0x65abc0fc000df764, &[1, 2, 3, 4], &mut out);
        assert_eq!(out.len(), 24);
        let msg = unpack(&out).unwrap();
        assert_eq!(msg.msg_id, 0x65abc0fc000df764);
        assert_eq!(msg.body, &[1, 2, 3, 4]);
    }

    #[test]
    fn bad_input() {
        assert_eq!(unpack(&[0; 19]), Err(PlainError::TooShort));
        let mut out = Vec::new();
        pack(1, &[0; 8], &mut out);
        let mut bad = out.clone();
        bad[0] = 1;
        assert_eq!(unpack(&bad), Err(PlainError::NotPlain));
        assert_eq!(unpack(&out[..out.len() - 4]), Err(PlainError::BadLength));
        let mut bad = out.clone();
        bad[16] = 0xff;
        assert_eq!(unpack(&bad), Err(PlainError::BadLength));
        for cut in 0..out.len() {
            let _ = unpack(&out[..cut]);
        }
    }
}
