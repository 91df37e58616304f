//! The client handshake fed arbitrary server answers at each of its states (reached with a real
//! in-memory server first), and the server fed arbitrary requests.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mtproto_runtime::handshake::{
    ClientConfig, ClientHandshake, RsaPrivateKey, ServerConfig, ServerHandshake, ServerStep, Step,
    TEST_SERVER_KEY_PEM,
};
use mtproto_runtime::OsRandom;

fuzz_target!(|data: &[u8]| {
    let Some((&depth, answer)) = data.split_first() else { return };
    let key = RsaPrivateKey::from_pem(TEST_SERVER_KEY_PEM).expect("test key");
    let mut config = ClientConfig::new(2);
    config.keys = vec![key.public().clone()];
    let (mut client, mut request) = ClientHandshake::new(config, OsRandom::new());
    let mut server = ServerHandshake::new(ServerConfig::new(vec![key.clone()], 0), OsRandom::new());
    // Advance 0..=2 honest round trips, then inject the fuzzed answer.
    for _ in 0..depth % 3 {
        let ServerStep::Send(reply) = server.handle(&request).expect("honest server") else { return };
        let Ok(Step::Send(next)) = client.handle(&reply) else { return };
        request = next;
    }
    let _ = client.handle(answer);
    let mut fresh = ServerHandshake::new(ServerConfig::new(vec![key], 0), OsRandom::new());
    let _ = fresh.handle(answer);
});
