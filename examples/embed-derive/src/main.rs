//! Embedding the TL derive in a project of its own: a small file-sharing protocol with a
//! flags word, `true` flags, borrowed strings and bytes, vectors, nested boxed enums and ids
//! computed from TL declarations at compile time.

use tl_codec::{decode_response, from_bytes, to_bytes, Decode, Encode, EncodeBare, Identifiable, TlStr};

/// Who owns an item: a boxed type with two constructors.
#[derive(Debug, Clone, PartialEq, Encode, Decode)]
pub enum Owner {
    #[tl(decl = "share.ownerUser id:long = share.Owner")]
    User { id: i64 },
    #[tl(decl = "share.ownerGroup id:long members:Vector<long> = share.Owner")]
    Group { id: i64, members: Vec<i64> },
}

/// One file. Its id is the CRC32 of this declaration; `flags` is recomputed on every write.
#[derive(Debug, Clone, PartialEq, Encode, Decode)]
#[tl(decl = "share.file flags:# pinned:flags.0?true hidden:flags.2?true name:string data:bytes \
             tags:flags.1?Vector<string> owner:share.Owner = share.Item")]
pub struct File<'a> {
    #[tl(flags)]
    pub flags: (),
    #[tl(bit = 0)]
    pub pinned: bool,
    #[tl(bit = 2)]
    pub hidden: bool,
    /// Borrowed from the input: any bytes, readable as `&str` when they are UTF-8.
    pub name: TlStr<'a>,
    /// Borrowed from the input.
    pub data: &'a [u8],
    #[tl(bit = 1)]
    pub tags: Option<Vec<TlStr<'a>>>,
    pub owner: Owner,
}

/// A tree of items: `File` brings its own id; `Folder` nests items (a boxed enum inside a
/// vector inside the same enum).
#[derive(Debug, Clone, PartialEq, Encode, Decode)]
pub enum Item<'a> {
    File(File<'a>),
    #[tl(decl = "share.folder name:string items:Vector<share.Item> = share.Item")]
    Folder {
        name: TlStr<'a>,
        items: Vec<Item<'a>>,
    },
}

/// A request, answered with the list of items. The answer borrows from the response buffer
/// under a lifetime of its own, `'r`, not the request's.
#[derive(Debug, Clone, PartialEq, Encode, Decode)]
#[tl(decl = "share.upload items:Vector<share.Item> = Vector<share.Item>", returns = Vec<Item<'r>>)]
pub struct Upload<'a> {
    pub items: Vec<Item<'a>>,
}

fn sample(payload: &[u8]) -> Upload<'_> {
    let file = |name: &'static str, pinned: bool, tags: Option<Vec<TlStr<'static>>>| {
        Item::File(File {
            flags: (),
            pinned,
            hidden: false,
            name: TlStr::new(name),
            data: payload,
            tags,
            owner: Owner::User { id: 42 },
        })
    };
    Upload {
        items: vec![
            file("notes.txt", true, None),
            Item::Folder {
                name: TlStr::new("photos"),
                items: vec![
                    file("cat.jpg", false, Some(vec![TlStr::new("cats"), TlStr::new("2024")])),
                    Item::Folder { name: TlStr::new("empty"), items: vec![] },
                ],
            },
            Item::File(File {
                flags: (),
                pinned: false,
                hidden: true,
                name: TlStr::from_bytes(b"\xffnot utf-8"),
                data: &payload[..3],
                tags: None,
                owner: Owner::Group { id: 7, members: vec![1, 2, 3] },
            }),
        ],
    }
}

fn main() {
    let payload = b"hello, TL".to_vec();
    let request = sample(&payload);

    // One exact allocation: the size is computed before writing.
    let bytes = to_bytes(&request);
    assert_eq!(bytes.len(), request.encoded_len());
    println!("share.upload#{:08x}: {} bytes", Upload::CONSTRUCTOR_ID, bytes.len());
    println!(
        "share.file#{:08x}, share.folder#{:08x}",
        File::CONSTRUCTOR_ID,
        request.items[1].constructor_id()
    );

    // Decoding borrows names and data from `bytes`.
    let back: Upload<'_> = from_bytes(&bytes).expect("round trip");
    assert_eq!(back, request);
    if let Item::File(f) = &back.items[0] {
        println!("first file: {:?}, {} bytes, pinned: {}", f.name.as_str(), f.data.len(), f.pinned);
    }
    if let Item::File(f) = &back.items[2] {
        println!("third file name is not UTF-8 and survives: {:?}", f.name);
    }

    // Truncated input is an error with a byte offset, not a panic.
    let err = from_bytes::<Upload<'_>>(&bytes[..bytes.len() - 1]).unwrap_err();
    println!("truncated: {err}");

    // The answer to the request: `Upload`'s `Return`, borrowed from the response bytes.
    let response = to_bytes(&back.items);
    let answer = decode_response::<Upload<'_>>(&response).expect("answer");
    println!("answer: {} items", answer.len());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let payload = vec![0u8; 1000];
        let request = sample(&payload);
        let bytes = to_bytes(&request);
        assert_eq!(from_bytes::<Upload<'_>>(&bytes).unwrap(), request);
    }

    #[test]
    fn answers_borrow_from_a_response_buffer_of_their_own() {
        let payload = vec![7u8; 10];
        let request = sample(&payload);
        // A buffer that lives shorter than the request.
        {
            let response = to_bytes(&request.items);
            let answer: Vec<Item<'_>> = decode_response::<Upload<'_>>(&response).unwrap();
            assert_eq!(answer, request.items);
        }
    }

    #[test]
    fn ids_come_from_the_declarations() {
        // crc32("share.ownerUser id:long = share.Owner")
        assert_eq!(Owner::User { id: 0 }.constructor_id(), 0x744e7c05);
        let bytes = to_bytes(&Owner::User { id: 1 });
        assert_eq!(&bytes[..4], &0x744e7c05u32.to_le_bytes());
    }

    #[test]
    fn flags_are_computed_not_trusted() {
        let file = File {
            flags: (),
            pinned: true,
            hidden: true,
            name: TlStr::new("x"),
            data: b"",
            tags: Some(vec![]),
            owner: Owner::User { id: 1 },
        };
        let bytes = to_bytes(&file);
        assert_eq!(&bytes[4..8], &0b111u32.to_le_bytes());
    }

    #[test]
    fn every_truncation_fails_cleanly() {
        let payload = vec![1u8; 300];
        let bytes = to_bytes(&sample(&payload));
        for n in 0..bytes.len() {
            assert!(from_bytes::<Upload<'_>>(&bytes[..n]).is_err());
        }
    }
}
