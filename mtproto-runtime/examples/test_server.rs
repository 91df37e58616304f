//! A loopback MTProto test server for the `ping` example and manual tests: listens on
//! 127.0.0.1 (`--port N`, default an ephemeral port), accepts every transport (obfuscated ones
//! keyed by `--secret HEX` if given), uses the built-in test RSA key and prints its address.
//! `--key-out PATH` writes that key's PEM for `ping --rsa-key PATH`; `--once` serves a single
//! connection and exits.

use mtproto_runtime::handshake::{RsaPrivateKey, TEST_SERVER_KEY_PEM};
use mtproto_runtime::net::{serve_connection, ServeOptions, ServerState};
use mtproto_runtime::transport::proxy_secret_key;

/// What `--help` prints (the module docs say more).
const USAGE: &str =
    "usage: test_server [--port N] [--secret HEX] [--key-out PATH] [--once] [--bad-salt-once]";

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (mut port, mut secret, mut once, mut bad_salt_once) = (0u16, None, false, false);
    while let Some(flag) = args.next() {
        match flag.as_str() {
            "--port" => port = args.next().ok_or("--port N")?.parse()?,
            "--secret" => {
                let hex = args.next().ok_or("--secret HEX")?;
                if hex.len() % 2 != 0 {
                    return Err("--secret: odd number of hex digits".into());
                }
                let bytes: Result<Vec<u8>, _> = (0..hex.len() / 2)
                    .map(|i| u8::from_str_radix(hex.get(2 * i..2 * i + 2).unwrap_or("-"), 16))
                    .collect();
                secret = Some(proxy_secret_key(&bytes?).map_err(|e| e.to_string())?);
            }
            "--key-out" => std::fs::write(args.next().ok_or("--key-out PATH")?, TEST_SERVER_KEY_PEM)?,
            "--once" => once = true,
            "--bad-salt-once" => bad_salt_once = true,
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            other => return Err(format!("unknown argument {other}\n{USAGE}").into()),
        }
    }
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    println!("{}", listener.local_addr()?);
    let key = RsaPrivateKey::from_pem(TEST_SERVER_KEY_PEM).map_err(|e| format!("{e:?}"))?;
    // One state for every connection, so clients can reconnect with the keys and sessions they
    // made.
    let state = ServerState::default();
    loop {
        let (stream, _) = listener.accept().await?;
        let options =
            ServeOptions { secret, bad_salt_once, state: state.clone(), ..ServeOptions::new(key.clone()) };
        if once {
            let _ = serve_connection(stream, options).await;
            return Ok(());
        }
        tokio::spawn(serve_connection(stream, options));
    }
}
