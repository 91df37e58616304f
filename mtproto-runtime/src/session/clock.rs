//! Time: an injectable clock, msg_id generation and the received-id checks.

use std::collections::VecDeque;
use std::time::Duration;

/// Where the session reads the time from; tests inject a fixed or stepped clock.
pub trait Clock: Send {
    /// Time since the Unix epoch.
    fn now(&self) -> Duration;
}

/// The system clock (the one place the crate reads `SystemTime`).
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Duration {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default()
    }
}

impl<F: Fn() -> Duration + Send> Clock for F {
    fn now(&self) -> Duration {
        self()
    }
}

/// The msg_id of a time: Unix seconds in the high half, the fraction of the second in the low half.
pub fn msg_id_at(t: Duration) -> i64 {
    let frac = ((t.subsec_nanos() as u64) << 32) / 1_000_000_000;
    ((t.as_secs() << 32) | frac) as i64
}

/// Generates strictly increasing msg_ids with a chosen remainder modulo 4 (0 for clients, 1 for
/// server answers), corrected by the offset between the server's clock and ours, whose low 32
/// bits (the fraction of the second) are never all zero above the remainder.
#[derive(Debug, Clone)]
pub struct MsgIds {
    /// Server time minus local time, in seconds.
    offset: i64,
    last: i64,
    remainder: i64,
    /// The last [`ISSUED_REMEMBERED`] ids handed out, oldest first (so, sorted).
    recent: VecDeque<i64>,
}

/// How many of our own ids [`MsgIds::issued`] remembers: notifications name ids of the last
/// few seconds, and a session sends far fewer than this meanwhile.
const ISSUED_REMEMBERED: usize = 1024;

impl MsgIds {
    /// A generator for ids with `id % 4 == remainder`.
    pub fn new(remainder: i64) -> Self {
        MsgIds { offset: 0, last: 0, remainder: remainder & 3, recent: VecDeque::new() }
    }

    /// Server time minus local time, in seconds.
    pub fn offset(&self) -> i64 {
        self.offset
    }

    /// Takes the clock offset from a trusted server msg_id received at local time `now`.
    /// The last id is kept, so ids stay increasing even when the offset moves back.
    pub fn sync(&mut self, server_msg_id: i64, now: Duration) {
        self.offset = (server_msg_id >> 32) - now.as_secs() as i64;
    }

    /// Sets the offset directly (e.g. from the handshake's server_time).
    pub fn set_offset(&mut self, offset: i64) {
        self.offset = offset;
    }

    /// Whether `id` is one of the last ids handed out. A notification about an id we never
    /// sent (or sent too long ago to matter) is not acted on.
    pub fn issued(&self, id: i64) -> bool {
        id > 0 && id & 3 == self.remainder && self.recent.binary_search(&id).is_ok()
    }

    /// The next id at local time `now`.
    pub fn next(&mut self, now: Duration) -> i64 {
        let corrected = (now.as_secs() as i64).saturating_add(self.offset).max(0) as u64;
        let id = msg_id_at(Duration::new(corrected, now.subsec_nanos()));
        let mut id = (id & !3) | self.remainder;
        if id <= self.last {
            id = ((self.last + 4) & !3) | self.remainder;
        }
        // The low 32 bits are the fraction of the second and must not be empty (servers may
        // take an id without one for a replay): a whole-second clock, or a step over the second's
        // last id, would leave only the remainder bits there.
        if id & 0xffff_fffc == 0 {
            id += 4;
        }
        self.last = id;
        if self.recent.len() == ISSUED_REMEMBERED {
            self.recent.pop_front();
        }
        self.recent.push_back(id);
        id
    }
}

/// Why a received msg_id was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdError {
    /// Wrong remainder modulo 4 for the sender (server ids are odd, client ids multiples of 4).
    Parity,
    /// Already received, or older than every id still remembered.
    Replay,
    /// More than 30 s ahead of or 300 s behind the synchronized time.
    TimeWindow,
    /// Inside a container, but not below the container's own id.
    NotBelowContainer,
}

/// The received-id checks: parity, replay and time windows.
#[derive(Debug, Clone)]
pub struct ReplayWindow {
    kept: VecDeque<i64>,
    capacity: usize,
}

/// How far ahead of our corrected time a received id may be.
const MAX_AHEAD: i64 = 30;
/// How far behind our corrected time a received id may be.
const MAX_BEHIND: i64 = 300;

impl ReplayWindow {
    /// A window remembering the last `capacity` ids.
    pub fn new(capacity: usize) -> Self {
        ReplayWindow { kept: VecDeque::with_capacity(capacity), capacity: capacity.max(1) }
    }

    /// Whether `id` is among the ids remembered (received and still in the window).
    pub fn contains(&self, id: i64) -> bool {
        self.kept.binary_search(&id).is_ok()
    }

    /// Whether `id` is at or below every id remembered in a full window: [`ReplayWindow::check`]
    /// would refuse it whether or not it was received.
    pub fn forgotten(&self, id: i64) -> bool {
        self.kept.len() == self.capacity && self.kept.front().is_some_and(|&oldest| id <= oldest)
    }

    /// The highest id remembered.
    pub fn newest(&self) -> Option<i64> {
        self.kept.back().copied()
    }

    /// Checks `id` from a peer whose ids are `remainder` modulo 4 (`None`: any odd id), at
    /// server-corrected time `now_secs` (`None` before the clock is synced), and remembers it.
    pub fn check(&mut self, id: i64, odd: bool, now_secs: Option<i64>) -> Result<(), IdError> {
        let ok_parity = if odd { id & 1 == 1 } else { id & 3 == 0 };
        if !ok_parity {
            return Err(IdError::Parity);
        }
        if let Some(now) = now_secs {
            let t = id >> 32;
            if t > now.saturating_add(MAX_AHEAD) || t < now.saturating_sub(MAX_BEHIND) {
                return Err(IdError::TimeWindow);
            }
        }
        if self.forgotten(id) {
            return Err(IdError::Replay);
        }
        // Kept sorted: ids mostly arrive in order, so the insertion point is near the back.
        let at = match self.kept.binary_search(&id) {
            Ok(_) => return Err(IdError::Replay),
            Err(at) => at,
        };
        self.kept.insert(at, id);
        if self.kept.len() > self.capacity {
            self.kept.pop_front();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_time_based_monotonic_and_aligned() {
        let mut ids = MsgIds::new(0);
        let t = Duration::new(1_700_000_000, 500_000_000);
        let a = ids.next(t);
        let b = ids.next(t);
        assert_eq!(a >> 32, 1_700_000_000);
        assert_eq!(a % 4, 0);
        assert!(b > a && b % 4 == 0);
        ids.sync(1_700_000_100i64 << 32 | 1, t);
        assert_eq!(ids.offset(), 100);
        assert_eq!(ids.next(t) >> 32, 1_700_000_100);
        // Moving the clock back never makes ids go back.
        ids.set_offset(-1000);
        let c = ids.next(t);
        assert!(c > b && c % 4 == 0);
        assert!(ids.issued(a) && ids.issued(c));
        assert!(!ids.issued(c + 4) && !ids.issued(c - 1) && !ids.issued(0));
        let mut server = MsgIds::new(1);
        assert_eq!(server.next(t) % 4, 1);
    }

    /// core.telegram.org/mtproto/description: the lower 32 bits of a client's msg_id must not be
    /// empty, they carry the fraction of the second.
    #[test]
    fn the_fraction_of_an_id_is_never_empty() {
        let low = |id: i64| id & 0xffff_ffff;
        let mut ids = MsgIds::new(0);
        // A clock with whole seconds only.
        let a = ids.next(Duration::from_secs(1_700_000_000));
        assert_eq!(a >> 32, 1_700_000_000);
        assert_ne!(low(a), 0);
        assert_eq!(a % 4, 0);
        // The last ids of a second: the step past them lands on the next second's start.
        let end = Duration::new(1_700_000_001, 999_999_999);
        let ends: Vec<i64> = (0..3).map(|_| ids.next(end)).collect();
        assert_eq!(low(ends[1]), 0xffff_fffc);
        assert_eq!(ends[2] >> 32, 1_700_000_002);
        assert!(ends.iter().all(|&id| low(id) != 0 && id % 4 == 0), "{ends:x?}");
        assert!(ends.windows(2).all(|w| w[0] < w[1]) && a < ends[0]);
        // The server's generator keeps a fraction beside its remainder too.
        let mut server = MsgIds::new(1);
        let s = server.next(Duration::from_secs(1_700_000_000));
        assert_eq!(s % 4, 1);
        assert_ne!(low(s) & !3, 0);
    }

    /// A received id more than 30 s ahead of or 300 s behind the synced time is refused; one
    /// exactly 30 s ahead or 300 s behind is not (the window counts whole seconds).
    #[test]
    fn the_time_window_is_30_s_ahead_and_300_s_behind() {
        let now = 1_700_000_000i64;
        let id = |t: i64, frac: i64| (t << 32) | frac;
        let mut w = ReplayWindow::new(16);
        assert_eq!(w.check(id(now + 30, 0xffff_fff1), true, Some(now)), Ok(()));
        assert_eq!(w.check(id(now + 31, 1), true, Some(now)), Err(IdError::TimeWindow));
        assert_eq!(w.check(id(now - 300, 1), true, Some(now)), Ok(()));
        assert_eq!(w.check(id(now - 301, 0xffff_fff1), true, Some(now)), Err(IdError::TimeWindow));
        // Before the clock is synced no time is checked.
        assert_eq!(w.check(id(now - 3600, 5), true, None), Ok(()));
    }

    #[test]
    fn only_ids_handed_out_count_as_issued() {
        let mut ids = MsgIds::new(0);
        let t = Duration::new(1_700_000_000, 0);
        let a = ids.next(t);
        let b = ids.next(Duration::new(1_700_000_005, 0));
        // Of the right shape and between the two, but never handed out.
        assert!(ids.issued(a) && ids.issued(b) && !ids.issued(a + 4));
        // Only the last ISSUED_REMEMBERED are remembered.
        for _ in 0..ISSUED_REMEMBERED {
            ids.next(t);
        }
        assert!(!ids.issued(a) && !ids.issued(b));
    }

    #[test]
    fn replay_window_rejects_repeats_old_ids_and_bad_parity() {
        let mut w = ReplayWindow::new(3);
        let base = 1_700_000_000i64 << 32;
        assert_eq!(w.check(base + 2, true, None), Err(IdError::Parity));
        for i in [1, 5, 9] {
            assert_eq!(w.check(base + i, true, None), Ok(()));
        }
        assert_eq!(w.check(base + 5, true, None), Err(IdError::Replay));
        assert!(w.contains(base + 5) && !w.contains(base + 7));
        assert_eq!(w.check(base + 13, true, None), Ok(()));
        // base+1 fell out of the window: anything at or below the oldest kept is refused.
        assert_eq!(w.check(base + 1, true, None), Err(IdError::Replay));
        assert_eq!(w.check(base + 3, true, None), Err(IdError::Replay));
        assert!(w.forgotten(base + 5) && w.forgotten(base + 3) && !w.forgotten(base + 7));
        assert!(!ReplayWindow::new(3).forgotten(base + 1), "an empty window has forgotten nothing");
        let now = Some(1_700_000_000);
        assert_eq!(w.check((1_700_000_031i64 << 32) | 1, true, now), Err(IdError::TimeWindow));
        assert_eq!(w.check((1_699_999_600i64 << 32) | 1, true, now), Err(IdError::TimeWindow));
        assert_eq!(w.check((1_700_000_020i64 << 32) | 1, true, now), Ok(()));
        assert_eq!(w.check(base + 4, false, None), Err(IdError::Replay));
        assert_eq!(w.check(base + 6, false, None), Err(IdError::Parity));
        // Extreme clocks are refused, never an overflow.
        assert_eq!(w.check(base + 17, true, Some(i64::MIN)), Err(IdError::TimeWindow));
        assert_eq!(w.check(base + 17, true, Some(i64::MAX)), Err(IdError::TimeWindow));
    }
}
