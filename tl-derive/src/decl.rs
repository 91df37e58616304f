//! Constructor ids from TL declarations (`#[tl(decl = "...")]`), computed at compile time by
//! the schema parser, so the derive and the schema tools agree on the canonical form.

use syn::LitStr;

/// The id of `decl`: the CRC32 of its canonical form. A `#id` written in the declaration must
/// match it unless `explicit` (the `id` attribute) confirms the written one (Telegram has a
/// few constructors whose ids are not their CRC).
pub fn decl_id(decl: &LitStr, explicit: Option<u32>) -> syn::Result<u32> {
    let src = decl.value();
    let def = tl_parser::parse_definition(&src).map_err(|d| {
        let near = d.span.slice(&src);
        let near = if near.is_empty() { String::new() } else { format!(" (at `{near}`)") };
        syn::Error::new(decl.span(), format!("invalid TL declaration: {}{near}", d.message))
    })?;
    let crc = tl_parser::crc_id(&def);
    match (def.explicit_id, explicit) {
        (Some(w), _) if w != crc && explicit != Some(w) => Err(syn::Error::new(
            decl.span(),
            format!(
                "the declaration says #{w:08x} but its canonical form `{}` hashes to #{crc:08x}; \
                 if the id really differs, confirm it with `id = {w:#010x}`",
                tl_parser::canonical_declaration(&def)
            ),
        )),
        (Some(w), _) => Ok(w),
        (None, _) => Ok(crc),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(src: &str) -> syn::Result<u32> {
        decl_id(&LitStr::new(src, proc_macro2::Span::call_site()), None)
    }

    #[test]
    fn known_ids() {
        let cases = [
            ("vector {t:Type} # [ t ] = Vector t", 0x1cb5c415),
            ("boolTrue = Bool", 0x997275b5),
            ("resPQ nonce:int128 server_nonce:int128 pq:bytes server_public_key_fingerprints:Vector<long> = ResPQ", 0x05162463),
            ("req_pq_multi nonce:int128 = ResPQ;", 0xbe7e8ef1),
            ("inputPeerUser#dde8a54c user_id:long access_hash:long = InputPeer", 0xdde8a54c),
            ("messages.sendMessage flags:# no_webpage:flags.1?true silent:flags.5?true background:flags.6?true clear_draft:flags.7?true noforwards:flags.14?true update_stickersets_order:flags.15?true invert_media:flags.16?true allow_paid_floodskip:flags.19?true peer:InputPeer reply_to:flags.0?InputReplyTo message:string random_id:long reply_markup:flags.2?ReplyMarkup entities:flags.3?Vector<MessageEntity> schedule_date:flags.10?int schedule_repeat_period:flags.24?int send_as:flags.13?InputPeer quick_reply_shortcut:flags.17?InputQuickReplyShortcut effect:flags.18?long allow_paid_stars:flags.21?long suggested_post:flags.22?SuggestedPost rich_message:flags.23?InputRichMessage = Updates", 0xfef48f62),
        ];
        for (src, want) in cases {
            assert_eq!(id(src).unwrap(), want, "{src}");
        }
    }

    #[test]
    fn rejects_garbage_and_wrong_written_ids() {
        assert!(id("no equals").is_err());
        assert!(id("a#zz = B").is_err());
        assert!(id("boolTrue#12345678 = Bool").is_err());
        let lit = LitStr::new("boolTrue#12345678 = Bool", proc_macro2::Span::call_site());
        assert_eq!(decl_id(&lit, Some(0x12345678)).unwrap(), 0x12345678);
    }
}
