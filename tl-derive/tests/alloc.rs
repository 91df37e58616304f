//! Counts allocations: decoding a borrowed type without vectors allocates nothing, and hostile
//! input never makes the decoder allocate more than the input justifies.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use tl_codec::{from_bytes, to_bytes, RawObject, TlStr, VECTOR_ID};
use tl_derive::{Decode, Encode};

struct Counting;

thread_local! {
    // Per thread, so that the test harness's own threads do not disturb the counts.
    static COUNT: Cell<usize> = const { Cell::new(0) };
    static LARGEST: Cell<usize> = const { Cell::new(0) };
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // `try_with`: thread-local storage may be gone while a thread shuts down.
        let _ = COUNT.try_with(|c| c.set(c.get() + 1));
        let _ = LARGEST.try_with(|l| l.set(l.get().max(layout.size())));
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// (number of allocations, largest allocation) made by `f`.
fn measure<R>(f: impl FnOnce() -> R) -> (usize, usize, R) {
    COUNT.with(|c| c.set(0));
    LARGEST.with(|l| l.set(0));
    let r = f();
    (COUNT.with(Cell::get), LARGEST.with(Cell::get), r)
}

#[derive(Debug, PartialEq, Encode, Decode)]
enum Peer {
    #[tl(id = 0x59511722)]
    User { user_id: i64 },
    #[tl(id = 0x36c6019a)]
    Chat { chat_id: i64 },
}

#[derive(Debug, PartialEq, Encode, Decode)]
#[tl(decl = "message flags:# out:flags.1?true id:int from_id:flags.8?Peer peer_id:Peer message:string \
             media:flags.9?bytes hash:int256 extra:flags.3?Object = Message")]
struct Message<'a> {
    #[tl(flags)]
    flags: u32,
    #[tl(bit = 1)]
    out: bool,
    id: i32,
    #[tl(bit = 8)]
    from_id: Option<Peer>,
    peer_id: Peer,
    message: TlStr<'a>,
    #[tl(bit = 9)]
    media: Option<&'a [u8]>,
    hash: &'a [u8; 32],
    #[tl(bit = 3)]
    extra: Option<RawObject<'a>>,
}

#[derive(Debug, PartialEq, Encode, Decode)]
enum Tree {
    #[tl(id = 0x1)]
    Leaf,
    #[tl(id = 0x2)]
    Node(Vec<Tree>),
}

#[test]
fn borrowed_decode_allocates_nothing() {
    let hash = [7u8; 32];
    let media = vec![1u8; 4096];
    let msg = Message {
        flags: 0,
        out: true,
        id: 5,
        from_id: Some(Peer::User { user_id: 1 }),
        peer_id: Peer::Chat { chat_id: 2 },
        message: TlStr::new("a borrowed message, with enough text to matter"),
        media: Some(&media),
        hash: &hash,
        extra: Some(RawObject { id: 0x1234, body: &[1, 2, 3, 4] }),
    };
    let bytes = to_bytes(&msg);
    let (count, _, decoded) = measure(|| from_bytes::<Message<'_>>(&bytes));
    let decoded = decoded.unwrap();
    assert_eq!(count, 0, "decoding a borrowed type allocated");
    assert_eq!(decoded.message, msg.message);
    assert_eq!(decoded.media, msg.media);
    // Encoding allocates exactly once: the output.
    let (count, largest, out) = measure(|| to_bytes(&decoded));
    assert_eq!((count, largest), (1, bytes.len()));
    assert_eq!(out, bytes);
}

#[test]
fn hostile_counts_allocate_nothing_large() {
    // Vector of trees claiming 2^31-1 elements, and one claiming as many as the input could
    // hold if elements were one byte: both refused without allocating.
    for count in [0x7fff_ffffu32, 1000] {
        let mut bytes = 2u32.to_le_bytes().to_vec();
        bytes.extend_from_slice(&VECTOR_ID.to_le_bytes());
        bytes.extend_from_slice(&count.to_le_bytes());
        bytes.extend_from_slice(&[1, 0, 0, 0].repeat(8));
        let (n, largest, r) = measure(|| from_bytes::<Tree>(&bytes));
        assert!(r.is_err());
        // Only the boxed error itself.
        assert!(n <= 1 && largest <= 64, "{n} allocations, largest {largest}");
    }
}

/// A 4-byte empty constructor beside a 256-byte one: elements are 64 times larger in memory
/// than the smallest on the wire.
#[derive(Debug, Clone, PartialEq, Encode, Decode)]
#[allow(clippy::large_enum_variant)] // the point of the test
enum Fat {
    #[tl(id = 0x1)]
    Empty,
    #[tl(id = 0x2)]
    Full {
        a: [u8; 32],
        b: [u8; 32],
        c: [u8; 32],
        d: [u8; 32],
        e: [u8; 32],
        f: [u8; 32],
        g: [u8; 32],
        h: [u8; 32],
    },
}

#[test]
fn large_elements_are_not_allocated_for_up_front() {
    // A vector announcing 100,000 elements, which the input's length allows (4 bytes each), but
    // whose 11th element has an unknown id: the decoder must not have allocated for all of them
    // (25.7 MB) before it finds that out, only for about as many bytes as the input holds.
    let n = 100_000;
    let mut bytes = VECTOR_ID.to_le_bytes().to_vec();
    bytes.extend_from_slice(&(n as u32).to_le_bytes());
    bytes.extend_from_slice(&1u32.to_le_bytes().repeat(10));
    bytes.extend_from_slice(&9u32.to_le_bytes().repeat(n - 10));
    let (_, largest, r) = measure(|| from_bytes::<Vec<Fat>>(&bytes));
    assert!(r.is_err());
    assert!(largest <= bytes.len().max(64 * 1024), "largest allocation {largest} for {} bytes", bytes.len());
    // A valid vector of them still decodes, its storage grown as elements arrive, never past
    // the count.
    let full = Fat::Full {
        a: [1; 32],
        b: [2; 32],
        c: [3; 32],
        d: [4; 32],
        e: [5; 32],
        f: [6; 32],
        g: [7; 32],
        h: [8; 32],
    };
    let valid: Vec<Fat> = (0..3000).map(|i| if i % 3 == 0 { Fat::Empty } else { full.clone() }).collect();
    let bytes = to_bytes(&valid);
    let (_, largest, back) = measure(|| from_bytes::<Vec<Fat>>(&bytes));
    assert_eq!(back.unwrap(), valid);
    assert!(largest <= valid.len() * std::mem::size_of::<Fat>());
}

#[test]
fn deep_nesting_is_refused_with_small_allocations() {
    // Node([Node([Node([...])])]) one million levels deep, in 12 MB.
    let mut bytes = Vec::new();
    for _ in 0..1_000_000 {
        bytes.extend_from_slice(&2u32.to_le_bytes());
        bytes.extend_from_slice(&VECTOR_ID.to_le_bytes());
        bytes.extend_from_slice(&1u32.to_le_bytes());
    }
    bytes.extend_from_slice(&1u32.to_le_bytes());
    let (n, largest, r) = measure(|| from_bytes::<Tree>(&bytes));
    assert!(r.is_err());
    // One single-element vector per level reached, up to the depth limit, and the error.
    assert!(n <= tl_codec::DEFAULT_MAX_DEPTH as usize + 1, "{n} allocations");
    assert!(largest <= 64, "largest allocation {largest}");
}
