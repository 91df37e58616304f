//! `new` on the generated items of the full layer: it takes the required parameters in wire
//! order and leaves every optional field out, so what it builds encodes as the same value
//! written out in full, with a zero flags word.

use tl_codec::{from_bytes, to_bytes};
use tl_layer230::api::{enums, functions::messages, types};

#[test]
fn new_takes_the_required_parameters_and_leaves_the_rest_out() {
    let peer = enums::InputPeer::User(types::InputPeerUser { user_id: 7, access_hash: -3 });
    let built = messages::SendMessage::new(peer.clone(), "hi".into(), 42);
    let literal = messages::SendMessage {
        no_webpage: false,
        silent: false,
        background: false,
        clear_draft: false,
        noforwards: false,
        update_stickersets_order: false,
        invert_media: false,
        allow_paid_floodskip: false,
        peer,
        reply_to: None,
        message: "hi".into(),
        random_id: 42,
        reply_markup: None,
        entities: None,
        schedule_date: None,
        schedule_repeat_period: None,
        send_as: None,
        quick_reply_shortcut: None,
        effect: None,
        allow_paid_stars: None,
        suggested_post: None,
        rich_message: None,
    };
    assert_eq!(built, literal);
    let bytes = to_bytes(&built);
    // id, then the flags word: nothing optional is set.
    assert_eq!(&bytes[4..8], &[0, 0, 0, 0]);
    assert_eq!(from_bytes::<messages::SendMessage<'_>>(&bytes).expect("decodes"), built);
}

#[test]
fn fields_set_after_new_are_encoded() {
    let mut request = messages::SendMessage::new(enums::InputPeer::Self_(types::InputPeerSelf), "hi".into(), 1);
    request.silent = true;
    request.schedule_date = Some(1_700_000_000);
    let bytes = to_bytes(&request);
    let back = from_bytes::<messages::SendMessage<'_>>(&bytes).expect("decodes");
    assert!(back.silent && back.schedule_date == Some(1_700_000_000) && back.entities.is_none());
}
