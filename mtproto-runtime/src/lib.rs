//! mtproto-runtime: sans-IO MTProto 2.0.
