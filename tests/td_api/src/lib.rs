//! TDLib's `td_api.tl` from the corpus, generated at build time (owned, with serde), and what
//! the differential test needs to check a value with its generated type by id.

use serde::de::DeserializeOwned;
use serde::Serialize;
use tl_codec::{Decode, Encode};

/// The path of the `td_api.tl` the bindings were generated from (`$TL_CORPUS/td_api.tl`).
pub const SCHEMA_PATH: &str = env!("TD_API_TL");

/// The generated bindings.
#[allow(missing_docs)]
pub mod td_api {
    include!(concat!(env!("OUT_DIR"), "/td_api.rs"));
}

/// Test support: `check(id, function, bytes, json)`, [`check_as`] with the generated type of
/// that id.
pub mod dispatch {
    include!(concat!(env!("OUT_DIR"), "/dispatch.rs"));
}

/// Checks one value of generated type `T` against the dynamic codec, given its encoding `bytes`
/// and its JSON `json` as the dynamic codec wrote them:
/// - `bytes` decode as `T` and encode back to the same bytes;
/// - `T`'s serde JSON is `json`;
/// - `json` read through serde into `T` encodes to `bytes`.
pub fn check_as<T>(bytes: &[u8], json: &serde_json::Value) -> Result<(), String>
where
    T: for<'a> Decode<'a> + Encode + Serialize + DeserializeOwned,
{
    let value: T = tl_codec::from_bytes(bytes).map_err(|e| format!("decode: {e}"))?;
    if tl_codec::to_bytes(&value) != bytes {
        return Err("the decoded value encodes differently".into());
    }
    let written = serde_json::to_value(&value).map_err(|e| format!("to JSON: {e}"))?;
    if &written != json {
        return Err(format!("serde JSON differs:\n{written}\nvs the dynamic codec's\n{json}"));
    }
    let read: T = serde_json::from_value(json.clone()).map_err(|e| format!("from JSON: {e}"))?;
    if tl_codec::to_bytes(&read) != bytes {
        return Err("the value read from JSON encodes differently".into());
    }
    Ok(())
}
