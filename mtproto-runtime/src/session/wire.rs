//! The service wrappers the schema leaves untyped: `msg_container`, `rpc_result` and
//! `gzip_packed`, read by hand (their bodies are any object).

use std::io::Read;

use tl_codec::Reader;

/// `msg_container#73f1f8dc messages:vector<message> = MessageContainer;`
pub const MSG_CONTAINER: u32 = 0x73f1f8dc;
/// `rpc_result#f35c6d01 req_msg_id:long result:Object = RpcResult;`
pub const RPC_RESULT: u32 = 0xf35c6d01;
/// `gzip_packed#3072cfa1 packed_data:bytes = Object;`
pub const GZIP_PACKED: u32 = 0x3072cfa1;
/// `rpc_error#2144ca19`.
pub const RPC_ERROR: u32 = 0x2144ca19;

/// Most messages one container may hold.
pub const MAX_CONTAINER_MESSAGES: usize = 1020;
/// Most messages a received container may hold (the protocol's limit; ours stay below it).
pub const MAX_RECEIVED_CONTAINER_MESSAGES: usize = 1024;
/// Largest container body, in bytes.
pub const MAX_CONTAINER_BYTES: usize = 1 << 20;
/// A container's own overhead: constructor and count.
pub const CONTAINER_HEADER: usize = 8;
/// Each contained message's header: msg_id, seqno, bytes.
pub const MESSAGE_HEADER: usize = 16;

/// One message inside a container, borrowing its body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Inner<'a> {
    /// Its msg_id.
    pub msg_id: i64,
    /// Its seq_no.
    pub seq_no: i32,
    /// Its body (one boxed object).
    pub body: &'a [u8],
}

/// What the result object of an `rpc_result` (inflated) is to a client. One rule for the
/// client session, which reads results by it, and the test server, which refuses to send a
/// result a client would misread.
pub(crate) enum ResultObject<'a> {
    /// An answer, handed over as it is.
    Answer,
    /// An `rpc_error`, decoded whole.
    Error(crate::schema::types::RpcError<'a>),
    /// Something a result cannot be.
    Misread(Misread),
}

/// Why a result object cannot be read as an answer or an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Misread {
    /// Fewer than 4 bytes.
    NoConstructor,
    /// An `rpc_error` that does not decode whole.
    BadRpcError,
    /// An `rpc_result` (the session's own wrapper).
    RpcResult,
    /// A `msg_container` (the session's own).
    Container,
    /// A `gzip_packed` (in what was inflated already).
    GzipPacked,
}

/// Sorts out the result object `r` (inflated once already, if it came packed).
pub(crate) fn result_object(r: &[u8]) -> ResultObject<'_> {
    let misread = match constructor(r) {
        Some(RPC_ERROR) => match tl_codec::from_bytes(r) {
            Ok(e) => return ResultObject::Error(e),
            Err(_) => Misread::BadRpcError,
        },
        Some(RPC_RESULT) => Misread::RpcResult,
        Some(MSG_CONTAINER) => Misread::Container,
        Some(GZIP_PACKED) => Misread::GzipPacked,
        Some(_) => return ResultObject::Answer,
        None => Misread::NoConstructor,
    };
    ResultObject::Misread(misread)
}

/// The first constructor id of `body`, if it has one.
pub fn constructor(body: &[u8]) -> Option<u32> {
    body.get(..4).and_then(|b| b.try_into().ok()).map(u32::from_le_bytes)
}

/// Reads the messages of a container body (starting at its constructor).
pub fn read_container(body: &[u8]) -> Result<Vec<Inner<'_>>, tl_codec::Error> {
    let mut r = Reader::new(body);
    let id = r.read_u32()?;
    if id != MSG_CONTAINER {
        return Err(r.unknown_constructor(id, "msg_container"));
    }
    let count = r.read_count(MESSAGE_HEADER)?;
    if count > MAX_RECEIVED_CONTAINER_MESSAGES {
        return Err(r.error(tl_codec::ErrorKind::LengthOutOfRange { len: count }));
    }
    let mut out = Vec::with_capacity(count);
    for _ in 0..count {
        let msg_id = r.read_u64()? as i64;
        let seq_no = r.read_u32()? as i32;
        let len = r.read_u32()? as usize;
        if len % 4 != 0 {
            return Err(r.error(tl_codec::ErrorKind::LengthOutOfRange { len }));
        }
        let body = r.read_raw(len)?;
        out.push(Inner { msg_id, seq_no, body });
    }
    if !r.is_empty() {
        return Err(r.error(tl_codec::ErrorKind::TrailingBytes { count: r.remaining() }));
    }
    Ok(out)
}

/// Appends a container of `messages` to `out`.
pub fn write_container(messages: &[Inner<'_>], out: &mut Vec<u8>) {
    out.extend_from_slice(&MSG_CONTAINER.to_le_bytes());
    out.extend_from_slice(&(messages.len() as u32).to_le_bytes());
    for m in messages {
        out.extend_from_slice(&m.msg_id.to_le_bytes());
        out.extend_from_slice(&m.seq_no.to_le_bytes());
        out.extend_from_slice(&(m.body.len() as u32).to_le_bytes());
        out.extend_from_slice(m.body);
    }
}

/// Reads `rpc_result`: the request's msg_id and the result object.
pub fn read_rpc_result(body: &[u8]) -> Result<(i64, &[u8]), tl_codec::Error> {
    let mut r = Reader::new(body);
    let id = r.read_u32()?;
    if id != RPC_RESULT {
        return Err(r.unknown_constructor(id, "rpc_result"));
    }
    let req = r.read_u64()? as i64;
    Ok((req, r.rest()))
}

/// Appends `rpc_result` for `req_msg_id` holding `result`.
pub fn write_rpc_result(req_msg_id: i64, result: &[u8], out: &mut Vec<u8>) {
    out.extend_from_slice(&RPC_RESULT.to_le_bytes());
    out.extend_from_slice(&req_msg_id.to_le_bytes());
    out.extend_from_slice(result);
}

/// Why a gzip_packed object was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GzipError {
    /// Not a well-formed gzip_packed object or not valid gzip data.
    Malformed,
    /// Inflates past the cap (a gzip bomb, or simply too large).
    TooLarge {
        /// The cap, in bytes.
        limit: usize,
    },
}

impl std::fmt::Display for GzipError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            GzipError::Malformed => f.write_str("malformed gzip_packed object"),
            GzipError::TooLarge { limit } => write!(f, "gzip_packed inflates past {limit} bytes"),
        }
    }
}

impl std::error::Error for GzipError {}

/// Inflates a `gzip_packed` object (starting at its constructor) to at most `limit` bytes.
pub fn gunzip(body: &[u8], limit: usize) -> Result<Vec<u8>, GzipError> {
    let mut r = Reader::new(body);
    if r.read_u32() != Ok(GZIP_PACKED) {
        return Err(GzipError::Malformed);
    }
    let packed = r.read_tl_bytes().map_err(|_| GzipError::Malformed)?;
    let mut out = Vec::new();
    // Read one byte past the cap: reaching it proves the data is too large without inflating more.
    // `bufread` consumes only what the stream uses, so bytes after it can be seen.
    let mut gz = flate2::bufread::GzDecoder::new(packed);
    (&mut gz)
        .take((limit as u64).saturating_add(1))
        .read_to_end(&mut out)
        .map_err(|_| GzipError::Malformed)?;
    if out.len() > limit {
        return Err(GzipError::TooLarge { limit });
    }
    // One gzip member is the payload: anything after it (a second member that a reader stopping
    // at the first would drop) is malformed.
    if !gz.into_inner().is_empty() {
        return Err(GzipError::Malformed);
    }
    if out.len() % 4 != 0 {
        return Err(GzipError::Malformed);
    }
    Ok(out)
}

/// Wraps `object` in `gzip_packed`; `None` when the compressed data is too long for a TL
/// `bytes` (16 MiB).
pub fn gzip(object: &[u8]) -> Option<Vec<u8>> {
    use std::io::Write;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    // Writing into a Vec cannot fail.
    let _ = enc.write_all(object);
    let packed = enc.finish().unwrap_or_default();
    if packed.len() > tl_codec::MAX_BYTES_LEN {
        return None;
    }
    let mut out = Vec::with_capacity(packed.len() + 12);
    out.extend_from_slice(&GZIP_PACKED.to_le_bytes());
    tl_codec::encode_bytes(&packed, &mut out);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn container_roundtrip_and_bad_input() {
        let a = [1u8, 0, 0, 0];
        let msgs = [Inner { msg_id: 4, seq_no: 1, body: &a }, Inner { msg_id: 8, seq_no: 2, body: &[] }];
        let mut out = Vec::new();
        write_container(&msgs, &mut out);
        assert_eq!(read_container(&out).unwrap(), msgs);
        for cut in 0..out.len() {
            assert!(read_container(&out[..cut]).is_err());
        }
        let mut huge = out.clone();
        huge[4..8].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(read_container(&huge).is_err());
        let mut odd = out.clone();
        odd[20..24].copy_from_slice(&3u32.to_le_bytes());
        assert!(read_container(&odd).is_err());
        // 1024 empty messages are the most a container may hold; 1025 are refused.
        for (count, ok) in [(1024usize, true), (1025, false)] {
            let empty: Vec<Inner<'_>> =
                (0..count).map(|i| Inner { msg_id: 4 * i as i64, seq_no: 0, body: &[] }).collect();
            let mut out = Vec::new();
            write_container(&empty, &mut out);
            assert_eq!(read_container(&out).is_ok(), ok, "{count}");
        }
    }

    #[test]
    fn gzip_roundtrip_cap_and_bomb() {
        let data = vec![7u8; 4096];
        let packed = gzip(&data).unwrap();
        assert_eq!(gunzip(&packed, 4096).unwrap(), data);
        assert_eq!(gunzip(&packed, 4095), Err(GzipError::TooLarge { limit: 4095 }));
        // 64 MiB of zeros compress to ~64 KiB: refused at a 1 MiB cap without inflating it all.
        let bomb = gzip(&vec![0u8; 64 << 20]).unwrap();
        assert!(bomb.len() < 128 << 10);
        assert_eq!(gunzip(&bomb, 1 << 20), Err(GzipError::TooLarge { limit: 1 << 20 }));
        assert_eq!(gunzip(&packed[..packed.len() - 8], 1 << 20), Err(GzipError::Malformed));
        assert_eq!(gunzip(&[1, 2, 3], 10), Err(GzipError::Malformed));
        // Bytes after the gzip stream.
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        std::io::Write::write_all(&mut gz, &data).unwrap();
        let mut stream = gz.finish().unwrap();
        stream.extend_from_slice(b"tail");
        let mut trailing = GZIP_PACKED.to_le_bytes().to_vec();
        tl_codec::encode_bytes(&stream, &mut trailing);
        assert_eq!(gunzip(&trailing, 1 << 20), Err(GzipError::Malformed));
    }

    #[test]
    fn rpc_result_roundtrip() {
        let mut out = Vec::new();
        write_rpc_result(44, &[9, 9, 9, 9], &mut out);
        assert_eq!(read_rpc_result(&out).unwrap(), (44, &[9u8, 9, 9, 9][..]));
        assert!(read_rpc_result(&out[..10]).is_err());
    }
}
