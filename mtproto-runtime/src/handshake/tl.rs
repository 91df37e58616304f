//! The handful of mtproto.tl objects the auth-key exchange needs, written by hand.
//!
//! The client and server of the exchange now use the types tl-codegen generates from
//! `schemas/mtproto.tl` ([`crate::schema`]). What is left here serves the PFS binding
//! (`auth.bindTempAuthKey` belongs to the API layer, not mtproto.tl), the RSA fingerprint's
//! `n:bytes e:bytes` and the sample-vector test; the rest is kept for those tests and is dead in
//! some feature sets.
#![allow(dead_code)]

use core::fmt;

#[allow(dead_code)] // the legacy request; servers still accept it
pub const REQ_PQ: u32 = 0x60469778;
pub const REQ_PQ_MULTI: u32 = 0xbe7e8ef1;
pub const RES_PQ: u32 = 0x05162463;
pub const VECTOR: u32 = 0x1cb5c415;
pub const P_Q_INNER_DATA_DC: u32 = 0xa9f55f95;
pub const P_Q_INNER_DATA_TEMP_DC: u32 = 0x56fddf88;
pub const REQ_DH_PARAMS: u32 = 0xd712e4be;
pub const SERVER_DH_PARAMS_OK: u32 = 0xd0e8075c;
pub const SERVER_DH_PARAMS_FAIL: u32 = 0x79cb045d;
pub const SERVER_DH_INNER_DATA: u32 = 0xb5890dba;
pub const CLIENT_DH_INNER_DATA: u32 = 0x6643b654;
pub const SET_CLIENT_DH_PARAMS: u32 = 0xf5045f1f;
pub const DH_GEN_OK: u32 = 0x3bcbf734;
pub const DH_GEN_RETRY: u32 = 0x46dc1fb9;
pub const DH_GEN_FAIL: u32 = 0xa69dae02;
pub const BIND_AUTH_KEY_INNER: u32 = 0x75a3f765;
pub const AUTH_BIND_TEMP_AUTH_KEY: u32 = 0xcdd42a05;

/// Malformed TL data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlError {
    /// The data ended inside a value.
    Eof,
    /// A constructor id other than the expected ones.
    UnexpectedConstructor(u32),
    /// A vector count larger than the remaining data can hold.
    BadCount,
}

impl fmt::Display for TlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TlError::Eof => f.write_str("TL data ended early"),
            TlError::UnexpectedConstructor(id) => write!(f, "unexpected TL constructor {id:#010x}"),
            TlError::BadCount => f.write_str("TL vector count exceeds the data"),
        }
    }
}

/// Appends TL primitives to a buffer.
#[derive(Default)]
pub struct Writer {
    pub buf: Vec<u8>,
}

impl Writer {
    pub fn id(&mut self, id: u32) -> &mut Self {
        self.buf.extend_from_slice(&id.to_le_bytes());
        self
    }
    pub fn int(&mut self, v: i32) -> &mut Self {
        self.buf.extend_from_slice(&v.to_le_bytes());
        self
    }
    pub fn long(&mut self, v: i64) -> &mut Self {
        self.buf.extend_from_slice(&v.to_le_bytes());
        self
    }
    /// int128 / int256: raw bytes.
    pub fn raw(&mut self, v: &[u8]) -> &mut Self {
        self.buf.extend_from_slice(v);
        self
    }
    /// `bytes` / `string`: length prefix, data, zero padding to a multiple of 4.
    pub fn bytes(&mut self, v: &[u8]) -> &mut Self {
        let header = if v.len() <= 253 {
            self.buf.push(v.len() as u8);
            1
        } else {
            let len = (v.len() as u32).to_le_bytes();
            self.buf.extend_from_slice(&[0xfe, len[0], len[1], len[2]]);
            4
        };
        self.buf.extend_from_slice(v);
        let pad = (4 - (header + v.len()) % 4) % 4;
        self.buf.extend_from_slice(&[0u8; 3][..pad]);
        self
    }
}

/// Reads TL primitives from a borrowed buffer, never past its end.
pub struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Reader { data, pos: 0 }
    }

    /// Bytes consumed so far.
    pub fn pos(&self) -> usize {
        self.pos
    }

    pub fn take(&mut self, n: usize) -> Result<&'a [u8], TlError> {
        let end = self.pos.checked_add(n).ok_or(TlError::Eof)?;
        let out = self.data.get(self.pos..end).ok_or(TlError::Eof)?;
        self.pos = end;
        Ok(out)
    }

    pub fn array<const N: usize>(&mut self) -> Result<[u8; N], TlError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    pub fn u32(&mut self) -> Result<u32, TlError> {
        self.array().map(u32::from_le_bytes)
    }
    pub fn int(&mut self) -> Result<i32, TlError> {
        self.array().map(i32::from_le_bytes)
    }
    pub fn long(&mut self) -> Result<i64, TlError> {
        self.array().map(i64::from_le_bytes)
    }

    /// Reads a constructor id and checks it is one of `expected`.
    pub fn id(&mut self, expected: &[u32]) -> Result<u32, TlError> {
        let id = self.u32()?;
        if expected.contains(&id) {
            Ok(id)
        } else {
            Err(TlError::UnexpectedConstructor(id))
        }
    }

    pub fn bytes(&mut self) -> Result<&'a [u8], TlError> {
        let first = self.take(1)?[0];
        let (len, header) = if first == 0xfe {
            let l = self.take(3)?;
            (usize::from(l[0]) | usize::from(l[1]) << 8 | usize::from(l[2]) << 16, 4)
        } else if first == 0xff {
            // 0xff is reserved; no valid string starts with it.
            return Err(TlError::Eof);
        } else {
            (usize::from(first), 1)
        };
        let out = self.take(len)?;
        self.take((4 - (header + len) % 4) % 4)?;
        Ok(out)
    }

    pub fn vector_long(&mut self) -> Result<Vec<i64>, TlError> {
        self.id(&[VECTOR])?;
        let count = self.u32()? as usize;
        // Bound the allocation by what the input can actually hold.
        if count > (self.data.len() - self.pos) / 8 {
            return Err(TlError::BadCount);
        }
        (0..count).map(|_| self.long()).collect()
    }
}

/// resPQ.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResPq<'a> {
    pub nonce: [u8; 16],
    pub server_nonce: [u8; 16],
    pub pq: &'a [u8],
    pub fingerprints: Vec<i64>,
}

impl<'a> ResPq<'a> {
    pub fn read(data: &'a [u8]) -> Result<Self, TlError> {
        let mut r = Reader::new(data);
        r.id(&[RES_PQ])?;
        Ok(ResPq {
            nonce: r.array()?,
            server_nonce: r.array()?,
            pq: r.bytes()?,
            fingerprints: r.vector_long()?,
        })
    }

    #[cfg_attr(not(feature = "server"), allow(dead_code))]
    pub fn write(&self, w: &mut Writer) {
        w.id(RES_PQ).raw(&self.nonce).raw(&self.server_nonce).bytes(self.pq);
        w.id(VECTOR).int(self.fingerprints.len() as i32);
        for f in &self.fingerprints {
            w.long(*f);
        }
    }
}

/// p_q_inner_data_dc / p_q_inner_data_temp_dc.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PqInnerData<'a> {
    pub pq: &'a [u8],
    pub p: &'a [u8],
    pub q: &'a [u8],
    pub nonce: [u8; 16],
    pub server_nonce: [u8; 16],
    pub new_nonce: [u8; 32],
    pub dc: i32,
    /// `Some` for the temporary-key (PFS) form.
    pub expires_in: Option<i32>,
}

impl<'a> PqInnerData<'a> {
    pub fn write(&self, w: &mut Writer) {
        w.id(if self.expires_in.is_some() { P_Q_INNER_DATA_TEMP_DC } else { P_Q_INNER_DATA_DC });
        w.bytes(self.pq).bytes(self.p).bytes(self.q);
        w.raw(&self.nonce).raw(&self.server_nonce).raw(&self.new_nonce).int(self.dc);
        if let Some(e) = self.expires_in {
            w.int(e);
        }
    }

    /// Reads the object from the start of `data`; trailing bytes (RSA padding) are ignored.
    #[cfg_attr(not(feature = "server"), allow(dead_code))]
    pub fn read(data: &'a [u8]) -> Result<Self, TlError> {
        let mut r = Reader::new(data);
        let id = r.id(&[P_Q_INNER_DATA_DC, P_Q_INNER_DATA_TEMP_DC])?;
        Ok(PqInnerData {
            pq: r.bytes()?,
            p: r.bytes()?,
            q: r.bytes()?,
            nonce: r.array()?,
            server_nonce: r.array()?,
            new_nonce: r.array()?,
            dc: r.int()?,
            expires_in: if id == P_Q_INNER_DATA_TEMP_DC { Some(r.int()?) } else { None },
        })
    }
}

/// server_DH_inner_data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerDhInnerData<'a> {
    pub nonce: [u8; 16],
    pub server_nonce: [u8; 16],
    pub g: i32,
    pub dh_prime: &'a [u8],
    pub g_a: &'a [u8],
    pub server_time: i32,
}

impl<'a> ServerDhInnerData<'a> {
    /// Reads the object and returns it with the number of bytes it occupies.
    pub fn read(data: &'a [u8]) -> Result<(Self, usize), TlError> {
        let mut r = Reader::new(data);
        r.id(&[SERVER_DH_INNER_DATA])?;
        let v = ServerDhInnerData {
            nonce: r.array()?,
            server_nonce: r.array()?,
            g: r.int()?,
            dh_prime: r.bytes()?,
            g_a: r.bytes()?,
            server_time: r.int()?,
        };
        Ok((v, r.pos()))
    }

    #[cfg_attr(not(feature = "server"), allow(dead_code))]
    pub fn write(&self, w: &mut Writer) {
        w.id(SERVER_DH_INNER_DATA).raw(&self.nonce).raw(&self.server_nonce).int(self.g);
        w.bytes(self.dh_prime).bytes(self.g_a).int(self.server_time);
    }
}

/// client_DH_inner_data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientDhInnerData<'a> {
    pub nonce: [u8; 16],
    pub server_nonce: [u8; 16],
    pub retry_id: i64,
    pub g_b: &'a [u8],
}

impl<'a> ClientDhInnerData<'a> {
    pub fn write(&self, w: &mut Writer) {
        w.id(CLIENT_DH_INNER_DATA)
            .raw(&self.nonce)
            .raw(&self.server_nonce)
            .long(self.retry_id)
            .bytes(self.g_b);
    }

    /// Reads the object and returns it with the number of bytes it occupies.
    #[cfg_attr(not(feature = "server"), allow(dead_code))]
    pub fn read(data: &'a [u8]) -> Result<(Self, usize), TlError> {
        let mut r = Reader::new(data);
        r.id(&[CLIENT_DH_INNER_DATA])?;
        let v = ClientDhInnerData {
            nonce: r.array()?,
            server_nonce: r.array()?,
            retry_id: r.long()?,
            g_b: r.bytes()?,
        };
        Ok((v, r.pos()))
    }
}

/// The `nonce server_nonce <bytes>` shape shared by req_DH_params' tail, server_DH_params_ok and
/// set_client_DH_params.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoncesAndData<'a> {
    pub nonce: [u8; 16],
    pub server_nonce: [u8; 16],
    pub data: &'a [u8],
}

/// server_DH_params_ok / server_DH_params_fail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerDhParams<'a> {
    Ok(NoncesAndData<'a>),
    Fail { nonce: [u8; 16], server_nonce: [u8; 16], new_nonce_hash: [u8; 16] },
}

impl<'a> ServerDhParams<'a> {
    pub fn read(data: &'a [u8]) -> Result<Self, TlError> {
        let mut r = Reader::new(data);
        let id = r.id(&[SERVER_DH_PARAMS_OK, SERVER_DH_PARAMS_FAIL])?;
        let nonce = r.array()?;
        let server_nonce = r.array()?;
        if id == SERVER_DH_PARAMS_OK {
            Ok(ServerDhParams::Ok(NoncesAndData { nonce, server_nonce, data: r.bytes()? }))
        } else {
            Ok(ServerDhParams::Fail { nonce, server_nonce, new_nonce_hash: r.array()? })
        }
    }

    #[cfg_attr(not(feature = "server"), allow(dead_code))]
    pub fn write(&self, w: &mut Writer) {
        match self {
            ServerDhParams::Ok(v) => {
                w.id(SERVER_DH_PARAMS_OK).raw(&v.nonce).raw(&v.server_nonce).bytes(v.data);
            }
            ServerDhParams::Fail { nonce, server_nonce, new_nonce_hash } => {
                w.id(SERVER_DH_PARAMS_FAIL).raw(nonce).raw(server_nonce).raw(new_nonce_hash);
            }
        }
    }
}

/// req_DH_params.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReqDhParams<'a> {
    pub nonce: [u8; 16],
    pub server_nonce: [u8; 16],
    pub p: &'a [u8],
    pub q: &'a [u8],
    pub fingerprint: i64,
    pub encrypted_data: &'a [u8],
}

impl<'a> ReqDhParams<'a> {
    pub fn write(&self, w: &mut Writer) {
        w.id(REQ_DH_PARAMS).raw(&self.nonce).raw(&self.server_nonce).bytes(self.p).bytes(self.q);
        w.long(self.fingerprint).bytes(self.encrypted_data);
    }

    #[cfg_attr(not(feature = "server"), allow(dead_code))]
    pub fn read(data: &'a [u8]) -> Result<Self, TlError> {
        let mut r = Reader::new(data);
        r.id(&[REQ_DH_PARAMS])?;
        Ok(ReqDhParams {
            nonce: r.array()?,
            server_nonce: r.array()?,
            p: r.bytes()?,
            q: r.bytes()?,
            fingerprint: r.long()?,
            encrypted_data: r.bytes()?,
        })
    }
}

/// set_client_DH_params.
pub fn write_set_client_dh_params(v: &NoncesAndData<'_>, w: &mut Writer) {
    w.id(SET_CLIENT_DH_PARAMS).raw(&v.nonce).raw(&v.server_nonce).bytes(v.data);
}

/// Reads set_client_DH_params.
#[cfg_attr(not(feature = "server"), allow(dead_code))]
pub fn read_set_client_dh_params(data: &[u8]) -> Result<NoncesAndData<'_>, TlError> {
    let mut r = Reader::new(data);
    r.id(&[SET_CLIENT_DH_PARAMS])?;
    Ok(NoncesAndData { nonce: r.array()?, server_nonce: r.array()?, data: r.bytes()? })
}

/// dh_gen_ok / dh_gen_retry / dh_gen_fail, with N = 1, 2, 3 for the new_nonce_hash number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DhGen {
    pub n: u8,
    pub nonce: [u8; 16],
    pub server_nonce: [u8; 16],
    pub new_nonce_hash: [u8; 16],
}

impl DhGen {
    pub fn read(data: &[u8]) -> Result<Self, TlError> {
        let mut r = Reader::new(data);
        let id = r.id(&[DH_GEN_OK, DH_GEN_RETRY, DH_GEN_FAIL])?;
        let n = match id {
            DH_GEN_OK => 1,
            DH_GEN_RETRY => 2,
            _ => 3,
        };
        Ok(DhGen { n, nonce: r.array()?, server_nonce: r.array()?, new_nonce_hash: r.array()? })
    }

    #[cfg_attr(not(feature = "server"), allow(dead_code))]
    pub fn write(&self, w: &mut Writer) {
        let id = match self.n {
            1 => DH_GEN_OK,
            2 => DH_GEN_RETRY,
            _ => DH_GEN_FAIL,
        };
        w.id(id).raw(&self.nonce).raw(&self.server_nonce).raw(&self.new_nonce_hash);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The hand-written objects agree byte for byte with the types tl-codegen generates from
    /// `schemas/mtproto.tl` (the step before this module is replaced by them).
    #[test]
    fn agrees_with_the_generated_schema_types() {
        use crate::schema::{functions, types};
        let (nonce, server_nonce, new_nonce) = ([1u8; 16], [2u8; 16], [3u8; 32]);
        let mut w = Writer::default();
        ResPq { nonce, server_nonce, pq: &[0x17, 0xed], fingerprints: vec![5, -6] }.write(&mut w);
        let g: types::ResPq<'_> = tl_codec::from_bytes(&w.buf).unwrap();
        assert_eq!((g.nonce, g.server_nonce, g.pq), (nonce, server_nonce, &[0x17u8, 0xed][..]));
        assert_eq!(g.server_public_key_fingerprints, vec![5, -6]);

        let inner = PqInnerData {
            pq: &[9; 8],
            p: &[7; 4],
            q: &[5; 4],
            nonce,
            server_nonce,
            new_nonce,
            dc: 2,
            expires_in: Some(60),
        };
        let mut w = Writer::default();
        inner.write(&mut w);
        let g = types::PQInnerDataTempDc {
            pq: &[9; 8],
            p: &[7; 4],
            q: &[5; 4],
            nonce,
            server_nonce,
            new_nonce,
            dc: 2,
            expires_in: 60,
        };
        assert_eq!(w.buf, tl_codec::to_bytes(&g));
        let mut w = Writer::default();
        PqInnerData { expires_in: None, ..inner }.write(&mut w);
        let g = types::PQInnerDataDc {
            pq: &[9; 8],
            p: &[7; 4],
            q: &[5; 4],
            nonce,
            server_nonce,
            new_nonce,
            dc: 2,
        };
        assert_eq!(w.buf, tl_codec::to_bytes(&g));

        let mut w = Writer::default();
        ServerDhInnerData {
            nonce,
            server_nonce,
            g: 3,
            dh_prime: &[0xc7; 256],
            g_a: &[0x11; 256],
            server_time: 77,
        }
        .write(&mut w);
        let g = types::ServerDhInnerData {
            nonce,
            server_nonce,
            g: 3,
            dh_prime: &[0xc7; 256],
            g_a: &[0x11; 256],
            server_time: 77,
        };
        assert_eq!(w.buf, tl_codec::to_bytes(&g));

        let mut w = Writer::default();
        ClientDhInnerData { nonce, server_nonce, retry_id: 4, g_b: &[0x22; 256] }.write(&mut w);
        let g = types::ClientDhInnerData { nonce, server_nonce, retry_id: 4, g_b: &[0x22; 256] };
        assert_eq!(w.buf, tl_codec::to_bytes(&g));

        let mut w = Writer::default();
        w.id(REQ_PQ_MULTI).raw(&nonce);
        assert_eq!(w.buf, tl_codec::to_bytes(&functions::ReqPqMulti { nonce }));
    }

    #[test]
    fn bytes_round_trip_all_header_forms() {
        for len in [0usize, 1, 3, 4, 253, 254, 255, 256, 1000] {
            let data: Vec<u8> = (0..len).map(|i| i as u8).collect();
            let mut w = Writer::default();
            w.bytes(&data).int(7);
            assert_eq!(w.buf.len() % 4, 0);
            let mut r = Reader::new(&w.buf);
            assert_eq!(r.bytes().unwrap(), &data[..]);
            assert_eq!(r.int().unwrap(), 7);
        }
    }

    #[test]
    fn truncated_input_is_an_error() {
        let v = ResPq { nonce: [1; 16], server_nonce: [2; 16], pq: &[1, 2, 3], fingerprints: vec![5, 6] };
        let mut w = Writer::default();
        v.write(&mut w);
        assert_eq!(ResPq::read(&w.buf).unwrap(), v);
        for cut in 0..w.buf.len() {
            assert!(ResPq::read(&w.buf[..cut]).is_err());
        }
    }

    #[test]
    fn huge_vector_count_is_refused_without_allocating() {
        let mut w = Writer::default();
        w.id(RES_PQ).raw(&[0; 16]).raw(&[0; 16]).bytes(&[1]).id(VECTOR).int(-1);
        assert_eq!(ResPq::read(&w.buf), Err(TlError::BadCount));
    }

    #[test]
    fn wrong_constructor() {
        assert_eq!(DhGen::read(&[1, 2, 3, 4]), Err(TlError::UnexpectedConstructor(0x04030201)));
        assert_eq!(Reader::new(&[0xff, 0, 0, 0]).bytes(), Err(TlError::Eof));
    }
}
