//! Connects to an MTProto server, runs the auth-key exchange, sends `ping` and prints one JSON
//! object: `{"auth_key_id": "...", "server_salt": "...", "pong": true, "rtt_ms": ...}`.
//!
//! ```text
//! cargo run -p mtproto-runtime --example ping --features tokio -- --addr HOST:PORT \
//!     --transport abridged|intermediate|padded|full|obfuscated [--rsa-key PEM] [--secret HEX] [--pfs] \
//!     [--key-file PATH]
//! ```
//!
//! `--rsa-key` is a file holding an `RSA PUBLIC KEY` PEM (with feature `server`, an
//! `RSA PRIVATE KEY` PEM is accepted too, e.g. the test server's). `obfuscated` is obfuscated2
//! over intermediate framing, or padded intermediate when the secret starts with `dd`.
//! `--pfs` creates a permanent and a temporary key and binds them (auth.bindTempAuthKey) before
//! the ping; the JSON then also names `perm_auth_key_id`. `--key-file` keeps the permanent key
//! between runs (256 key bytes, then the 8-byte salt, little-endian): when the file exists the
//! key is reused and its exchange skipped (`"saved_key": true` in the JSON), and the key and
//! current salt are written back after the ping. A one-shot probe should report a
//! failure rather than hide it, so the client neither reconnects nor sends keep-alive pings.
//! Any failure exits non-zero with the reason on stderr.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use mtproto_runtime::handshake::RsaPublicKey;
use mtproto_runtime::net::{connect, ConnectOptions, Reconnect, SavedKey};
use mtproto_runtime::schema::functions;
use mtproto_runtime::session::decode_result;
use mtproto_runtime::transport::{proxy_secret_key, Kind};
use mtproto_runtime::AuthKey;

/// What `--help` prints (the module docs say more).
const USAGE: &str =
    "usage: ping --addr HOST:PORT [--transport abridged|intermediate|padded|full|obfuscated] \
                     [--rsa-key PEM] [--secret HEX] [--pfs] [--key-file PATH]";

struct Args {
    addr: String,
    transport: String,
    rsa_key: Option<String>,
    secret: Option<Vec<u8>>,
    pfs: bool,
    key_file: Option<String>,
}

fn parse_args() -> Result<Args, String> {
    let mut args = std::env::args().skip(1);
    let (mut addr, mut transport, mut rsa_key, mut secret, mut pfs) = (None, None, None, None, false);
    let mut key_file = None;
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--addr" => addr = Some(value()?),
            "--transport" => transport = Some(value()?),
            "--rsa-key" => rsa_key = Some(value()?),
            "--secret" => secret = Some(hex(&value()?)?),
            "--pfs" => pfs = true,
            "--key-file" => key_file = Some(value()?),
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other}\n{USAGE}")),
        }
    }
    Ok(Args {
        addr: addr.ok_or("--addr HOST:PORT is required")?,
        transport: transport.unwrap_or_else(|| "intermediate".into()),
        rsa_key,
        secret,
        pfs,
        key_file,
    })
}

/// The saved key in `path`, if the file exists.
fn read_saved_key(path: &str) -> Result<Option<SavedKey>, String> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("--key-file {path}: {e}")),
    };
    let (Ok(key), Ok(salt)) = (
        <[u8; 256]>::try_from(bytes.get(..256).unwrap_or(&[])),
        <[u8; 8]>::try_from(bytes.get(256..).unwrap_or(&[])),
    ) else {
        return Err(format!("--key-file {path}: expected 264 bytes (key, then salt), found {}", bytes.len()));
    };
    Ok(Some(SavedKey { auth_key: AuthKey::from_bytes(key), server_salt: i64::from_le_bytes(salt) }))
}

fn write_saved_key(path: &str, key: &AuthKey, salt: i64) -> Result<(), String> {
    let mut bytes = key.as_bytes().to_vec();
    bytes.extend_from_slice(&salt.to_le_bytes());
    std::fs::write(path, bytes).map_err(|e| format!("--key-file {path}: {e}"))
}

fn hex(s: &str) -> Result<Vec<u8>, String> {
    if s.len() % 2 != 0 {
        return Err("--secret: odd number of hex digits".into());
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2).unwrap_or(""), 16).map_err(|e| format!("--secret: {e}")))
        .collect()
}

fn load_key(path: &str) -> Result<RsaPublicKey, String> {
    let pem = std::fs::read_to_string(path).map_err(|e| format!("--rsa-key {path}: {e}"))?;
    match RsaPublicKey::from_pem(&pem) {
        Ok(k) => Ok(k),
        #[cfg(feature = "server")]
        Err(_) if pem.contains("PRIVATE KEY") => mtproto_runtime::handshake::RsaPrivateKey::from_pem(&pem)
            .map(|k| k.public().clone())
            .map_err(|e| format!("--rsa-key {path}: {e:?}")),
        Err(e) => Err(format!("--rsa-key {path}: {e:?}")),
    }
}

async fn run(args: Args) -> Result<String, String> {
    let mut options = match args.transport.as_str() {
        "abridged" => ConnectOptions::new(Kind::Abridged),
        "intermediate" => ConnectOptions::new(Kind::Intermediate),
        "padded" => ConnectOptions::new(Kind::PaddedIntermediate),
        "full" => ConnectOptions::new(Kind::Full),
        "obfuscated" => {
            let padded = args.secret.as_ref().is_some_and(|s| s.len() == 17 && s[0] == 0xdd);
            let mut o =
                ConnectOptions::new(if padded { Kind::PaddedIntermediate } else { Kind::Intermediate });
            o.obfuscated = true;
            o.dc = Some(2);
            if let Some(s) = &args.secret {
                o.secret = Some(proxy_secret_key(s).map_err(|e| format!("--secret: {e}"))?);
            }
            o
        }
        other => return Err(format!("unknown transport {other}")),
    };
    if args.secret.is_some() && !options.obfuscated {
        return Err("--secret needs --transport obfuscated".into());
    }
    if let Some(path) = &args.rsa_key {
        options.handshake.keys.push(load_key(path)?);
    }
    if args.pfs {
        options.handshake.temp_key_expires_in = Some(24 * 3600);
    }
    options.reconnect = Reconnect::never();
    options.keep_alive = None;
    if let Some(path) = &args.key_file {
        options.saved_key = read_saved_key(path)?;
    }
    let saved = options.saved_key.is_some();
    let (client, _updates) = connect(args.addr.as_str(), options).await.map_err(|e| e.to_string())?;
    let ping_id = 0x70696e67;
    let start = Instant::now();
    let raw = client.invoke(&functions::Ping { ping_id }).await.map_err(|e| e.to_string())?;
    let rtt = start.elapsed();
    let pong = decode_result::<functions::Ping>(&raw).map_err(|e| e.to_string())?;
    if pong.ping_id != ping_id {
        return Err(format!("pong carries ping_id {} instead of {ping_id}", pong.ping_id));
    }
    let perm = match client.perm_auth_key() {
        Some(k) => format!(", \"perm_auth_key_id\": \"{:016x}\"", k.id()),
        None => String::new(),
    };
    if let Some(path) = &args.key_file {
        let key = client.perm_auth_key().unwrap_or_else(|| client.auth_key());
        write_saved_key(path, &key, client.server_salt())?;
    }
    Ok(format!(
        "{{\"auth_key_id\": \"{:016x}\"{perm}, \"server_salt\": \"{:016x}\", \"saved_key\": {saved}, \"pong\": true, \"rtt_ms\": {:.3}}}",
        client.auth_key_id(),
        client.server_salt() as u64,
        rtt.as_secs_f64() * 1000.0
    ))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("ping: {e}");
            return ExitCode::from(2);
        }
    };
    match tokio::time::timeout(Duration::from_secs(60), run(args)).await {
        Ok(Ok(json)) => {
            println!("{json}");
            ExitCode::SUCCESS
        }
        Ok(Err(e)) => {
            eprintln!("ping: {e}");
            ExitCode::FAILURE
        }
        Err(_) => {
            eprintln!("ping: timed out after 60 s");
            ExitCode::FAILURE
        }
    }
}
