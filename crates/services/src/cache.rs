//! Short-lived caches of the hottest reads (who a session is, where a volunteer lives, the first
//! pages of coming activities), so that browsing does not cost four statements a request.
//!
//! An entry is trusted only while two things hold: it is younger than its time to live, and no
//! write that could change it has committed since it was read. Those writes bump an epoch after
//! they commit (`Epoch::bump`); an entry read under an older epoch is a miss. The epochs are
//! process-wide, so every `Services` of a process sees each other's writes at once; other
//! instances on the same PostgreSQL database hear of them through `LISTEN`/`NOTIFY`
//! (`Services::follow_changes`). A writer the epochs cannot hear (another process on the
//! same SQLite file, such as the CLI) is seen within the time to live.

use crate::error::DbContext;
use crate::{ServiceResult, Services};
use hongmajia_domain::RegionCode;
use hongmajia_store::Tx;
use std::hash::Hash;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use time::OffsetDateTime;

/// A counter of committed writes of one kind, and the PostgreSQL channel that announces them.
pub struct Epoch {
    count: AtomicU64,
    channel: &'static str,
}

impl Epoch {
    const fn new(channel: &'static str) -> Self {
        Self {
            count: AtomicU64::new(0),
            channel,
        }
    }

    fn current(&self) -> u64 {
        self.count.load(Ordering::Acquire)
    }

    /// Called after the commit of a write that changes what the caches of this epoch hold.
    pub fn bump(&self) {
        self.count.fetch_add(1, Ordering::AcqRel);
    }
}

/// Sessions, accounts' roles, team roles and volunteers' accounts: who someone is and may do.
pub static ACCESS: Epoch = Epoch::new("hongmajia_access");
/// Which activities are listed and what they say (places taken may lag by the time to live).
pub static LISTINGS: Epoch = Epoch::new("hongmajia_listings");
const EPOCHS: [&Epoch; 2] = [&ACCESS, &LISTINGS];

/// How long a session with its roles, a volunteer's home area and a page of coming activities
/// are trusted without a re-read, unless told otherwise: places taken on a page may be this old.
pub(crate) const DEFAULT_TTL: Duration = Duration::from_secs(2);

/// The caches of one `Services`.
pub(crate) struct Caches {
    pub sessions: Fresh<String, crate::auth::KeptSession>,
    pub homes: Fresh<i64, RegionCode>,
    pub listings: Fresh<crate::activities::ListingKey, Vec<crate::activities::Activity>>,
}

impl Caches {
    pub fn new(ttl: Duration) -> Self {
        Self {
            sessions: Fresh::new(20_000, &ACCESS, ttl),
            homes: Fresh::new(20_000, &ACCESS, ttl),
            listings: Fresh::new(1_000, &LISTINGS, ttl),
        }
    }
}

impl Services {
    /// Commits a write that changes what the caches of `epoch` hold: announced to the other
    /// instances in the transaction (so only if it commits), then bumped here.
    pub(crate) async fn commit_changing(
        &self,
        mut tx: Tx,
        epoch: &'static Epoch,
        what: &'static str,
    ) -> ServiceResult<()> {
        tx.announce(epoch.channel).await.doing("announcing the change")?;
        tx.commit().await.doing(what)?;
        epoch.bump();
        Ok(())
    }

    /// Follows the changes other instances announce, until the database closes (at once on
    /// SQLite). The server runs it beside itself.
    pub async fn follow_changes(&self) -> anyhow::Result<()> {
        let channels = EPOCHS.map(|e| e.channel);
        self.db
            .follow(&channels, |heard| {
                // A lost connection (`None`) may have missed anything: every cache starts over.
                for epoch in EPOCHS {
                    if heard.is_none_or(|channel| channel == epoch.channel) {
                        epoch.bump();
                    }
                }
            })
            .await?;
        Ok(())
    }
}

struct Stamped<V> {
    epoch: u64,
    read_at: OffsetDateTime,
    value: V,
}

/// A bounded map of values valid for `ttl` and until their epoch moves.
pub struct Fresh<K, V> {
    entries: quick_cache::sync::Cache<K, Arc<Stamped<V>>>,
    epoch: &'static Epoch,
    ttl: Duration,
}

/// The epoch and the time a read started at: what its result is stamped with when it is kept.
#[derive(Clone, Copy)]
pub struct ReadStart(u64, OffsetDateTime);

impl<K: Eq + Hash + Clone, V: Clone> Fresh<K, V> {
    pub fn new(capacity: usize, epoch: &'static Epoch, ttl: Duration) -> Self {
        Self {
            entries: quick_cache::sync::Cache::new(capacity),
            epoch,
            ttl,
        }
    }

    /// The kept value, if it is still to be trusted at `now` (the platform's clock).
    pub fn get(&self, key: &K, now: OffsetDateTime) -> Option<V> {
        let entry = self.entries.get(key)?;
        let age = now - entry.read_at;
        let fresh = entry.epoch == self.epoch.current() && age >= time::Duration::ZERO && age < self.ttl;
        fresh.then(|| entry.value.clone())
    }

    /// To be taken before reading what will be kept: a write committed during the read then
    /// makes the kept value stale at once instead of trusted for its time to live.
    pub fn start_read(&self, now: OffsetDateTime) -> ReadStart {
        ReadStart(self.epoch.current(), now)
    }

    pub fn keep(&self, key: K, started: ReadStart, value: V) {
        let entry = Stamped {
            epoch: started.0,
            read_at: started.1,
            value,
        };
        self.entries.insert(key, Arc::new(entry));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static TEST_EPOCH: Epoch = Epoch::new("test");
    const NOW: OffsetDateTime = time::macros::datetime!(2026-11-29 08:00 UTC);

    #[test]
    fn a_value_read_before_a_write_committed_is_not_trusted() {
        let cache: Fresh<&str, i32> = Fresh::new(8, &TEST_EPOCH, Duration::from_secs(60));
        let started = cache.start_read(NOW);
        cache.keep("a", started, 1);
        assert_eq!(cache.get(&"a", NOW), Some(1));
        // A write commits while a second read is under way: its result is stale on arrival.
        let second = cache.start_read(NOW);
        TEST_EPOCH.bump();
        cache.keep("b", second, 2);
        assert_eq!(
            cache.get(&"a", NOW),
            None,
            "the bump invalidates what was kept before it"
        );
        assert_eq!(
            cache.get(&"b", NOW),
            None,
            "a read begun before the bump is not trusted"
        );
        let third = cache.start_read(NOW);
        cache.keep("b", third, 3);
        assert_eq!(cache.get(&"b", NOW), Some(3));
    }

    #[test]
    fn a_value_expires_after_its_time_to_live_by_the_platform_clock() {
        static OWN: Epoch = Epoch::new("test");
        let cache: Fresh<u8, u8> = Fresh::new(8, &OWN, Duration::from_secs(2));
        cache.keep(1, cache.start_read(NOW), 1);
        assert_eq!(cache.get(&1, NOW + time::Duration::milliseconds(1999)), Some(1));
        assert_eq!(cache.get(&1, NOW + time::Duration::seconds(2)), None);
        assert_eq!(
            cache.get(&1, NOW - time::Duration::seconds(1)),
            None,
            "a clock set back"
        );
    }
}
