use anyhow::{Context, bail};
use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Postgres, Sqlite, Transaction};
use std::str::FromStr;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

/// Portable migrations, for both engines.
static PORTABLE: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations");
/// Per-engine steps (triggers, the few statements that cannot be portable): one folder per
/// engine, numbered with the portable ones and applied in order among them.
static SQLITE_STEPS: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/sqlite");
static POSTGRES_STEPS: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/postgres");

/// The portable migrations and the engine's own steps, in the order of their numbers.
fn migrator(engine: Engine) -> sqlx::migrate::Migrator {
    let steps = match engine {
        Engine::Sqlite => &SQLITE_STEPS,
        Engine::Postgres => &POSTGRES_STEPS,
    };
    sqlx::migrate::Migrator::with_migrations(PORTABLE.iter().chain(steps.iter()).cloned().collect())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// A pool on one of the two engines, chosen by the database URL. SQLite has one writer at a
/// time whatever we do; its write transactions queue in order on the gate instead of sleeping in
/// SQLite's busy handler, which would leave the lock idle between tries.
#[derive(Debug, Clone)]
pub enum Db {
    Sqlite(SqlitePool, WriteGate),
    Pg(PgPool),
}

pub type WriteGate = std::sync::Arc<tokio::sync::Mutex<()>>;

/// A transaction on whichever engine the pool is on. Dropped without `commit`, it rolls back, so
/// a failed operation leaves nothing half-written. A SQLite write transaction holds the gate.
pub enum Tx {
    Sqlite(Transaction<'static, Sqlite>, Option<tokio::sync::OwnedMutexGuard<()>>),
    Pg(Transaction<'static, Postgres>),
    /// A connection without a transaction: each statement sees the database as it is then.
    SqliteAutocommit(PoolConnection<Sqlite>),
    PgAutocommit(PoolConnection<Postgres>),
}

/// Runs one query body against the connection of a transaction, compiled once per engine.
macro_rules! on_tx {
    ($tx:expr, |$conn:ident| $body:expr) => {
        match $tx {
            $crate::Tx::Sqlite(tx, _) => {
                let $conn = &mut **tx;
                $body
            }
            $crate::Tx::Pg(tx) => {
                let $conn = &mut **tx;
                $body
            }
            $crate::Tx::SqliteAutocommit(tx) => {
                let $conn = &mut **tx;
                $body
            }
            $crate::Tx::PgAutocommit(tx) => {
                let $conn = &mut **tx;
                $body
            }
        }
    };
}

/// Runs one query body against a pool, compiled once per engine.
macro_rules! on_pool {
    ($db:expr, |$pool:ident| $body:expr) => {
        match $db {
            $crate::Db::Sqlite($pool, _) => $body,
            $crate::Db::Pg($pool) => $body,
        }
    };
}
pub(crate) use on_tx;

impl Db {
    /// Opens the database named by `url`, creating a missing SQLite file, and migrates it.
    pub async fn open(url: &str) -> anyhow::Result<Self> {
        let db = if url.starts_with("sqlite:") {
            Self::open_sqlite(url).await?
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Self::open_postgres(url).await?
        } else {
            bail!("unsupported database URL (expected sqlite://… or postgres://…)");
        };
        db.migrate().await?;
        Ok(db)
    }

    async fn open_sqlite(url: &str) -> anyhow::Result<Self> {
        // WAL with synchronous=NORMAL: a commit survives a crash or kill -9 of the process; a
        // power cut can lose the last commits since the last WAL sync (documented in README).
        let options = SqliteConnectOptions::from_str(url)
            .context("parsing the SQLite database URL")?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            // 64 MiB of page cache per connection: big imports keep their index pages in memory.
            .pragma("cache_size", "-65536");
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await
            .context("opening the SQLite database")?;
        Ok(Self::Sqlite(pool, WriteGate::default()))
    }

    async fn open_postgres(url: &str) -> anyhow::Result<Self> {
        // No JIT: it compiles expressions for 10–15 ms when a plan looks expensive, which a
        // query answered in a millisecond never repays (measured on the activity list). Cached
        // statements keep one generic plan instead of being planned again on most executions;
        // the few whose best plan depends on their values run unprepared (`persistent(false)`),
        // planned with those values every time.
        let options = PgConnectOptions::from_str(url)
            .context("parsing the PostgreSQL URL")?
            .options([("jit", "off"), ("plan_cache_mode", "force_generic_plan")]);
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await
            .context("connecting to PostgreSQL")?;
        Ok(Self::Pg(pool))
    }

    async fn migrate(&self) -> anyhow::Result<()> {
        let migrator = migrator(self.engine());
        on_pool!(self, |pool| migrator.run(pool).await).context("migrating the database")
    }

    pub fn engine(&self) -> Engine {
        match self {
            Self::Sqlite(..) => Engine::Sqlite,
            Self::Pg(_) => Engine::Postgres,
        }
    }

    /// A write transaction. On SQLite it takes the write lock at once (`BEGIN IMMEDIATE`), so two
    /// writers queue on the busy timeout instead of failing on a lock upgrade.
    pub async fn begin(&self) -> sqlx::Result<Tx> {
        Ok(match self {
            Self::Sqlite(pool, gate) => {
                let turn = gate.clone().lock_owned().await;
                Tx::Sqlite(pool.begin_with("BEGIN IMMEDIATE").await?, Some(turn))
            }
            Self::Pg(pool) => Tx::Pg(pool.begin().await?),
        })
    }

    /// A transaction that only reads: no write lock on SQLite.
    pub async fn read(&self) -> sqlx::Result<Tx> {
        Ok(match self {
            Self::Sqlite(pool, _) => Tx::Sqlite(pool.begin().await?, None),
            Self::Pg(pool) => Tx::Pg(pool.begin().await?),
        })
    }

    /// Reads that need no snapshot across statements (each is one read, or they may see writes
    /// made between them), without the round trips of BEGIN and COMMIT: a session lookup, a
    /// public list. Anything that writes, or reads to decide a write, takes `begin` or `read`.
    pub async fn autocommit(&self) -> sqlx::Result<Tx> {
        Ok(match self {
            Self::Sqlite(pool, _) => Tx::SqliteAutocommit(pool.acquire().await?),
            Self::Pg(pool) => Tx::PgAutocommit(pool.acquire().await?),
        })
    }

    /// Cheap round trip for `/healthz`.
    pub async fn ping(&self) -> sqlx::Result<()> {
        on_pool!(self, |pool| sqlx::query("SELECT 1").execute(pool).await.map(|_| ()))?;
        Ok(())
    }

    /// Calls `heard` with the channel of every notification on `channels`, and with `None`
    /// whenever the listening connection was lost (notifications may have been missed then),
    /// until the pool closes. SQLite has no notifications: it returns at once.
    pub async fn follow(&self, channels: &[&str], heard: impl Fn(Option<&str>)) -> sqlx::Result<()> {
        let Self::Pg(pool) = self else { return Ok(()) };
        let mut listener = sqlx::postgres::PgListener::connect_with(pool).await?;
        listener.listen_all(channels.iter().copied()).await?;
        loop {
            match listener.try_recv().await {
                Ok(Some(notification)) => heard(Some(notification.channel())),
                Ok(None) => heard(None),
                Err(sqlx::Error::PoolClosed) => return Ok(()),
                Err(error) => {
                    heard(None);
                    tracing::warn!(event = "listen_failed", error = %error);
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    }

    /// Connections open and idle, for `/metrics`.
    pub fn pool_stats(&self) -> (u32, usize) {
        on_pool!(self, |pool| (pool.size(), pool.num_idle()))
    }

    pub async fn close(&self) {
        on_pool!(self, |pool| pool.close().await);
    }
}

impl Tx {
    /// Tells the other instances on the database, when this transaction commits, that something
    /// on `channel` changed (PostgreSQL `NOTIFY`; nothing on SQLite, which one process serves).
    pub async fn announce(&mut self, channel: &str) -> sqlx::Result<()> {
        let conn: &mut sqlx::PgConnection = match self {
            Self::Pg(tx) => tx,
            Self::PgAutocommit(conn) => conn,
            Self::Sqlite(..) | Self::SqliteAutocommit(_) => return Ok(()),
        };
        sqlx::query("SELECT pg_notify($1, '')")
            .bind(channel)
            .execute(conn)
            .await?;
        Ok(())
    }

    pub async fn commit(self) -> sqlx::Result<()> {
        match self {
            Self::Sqlite(tx, _turn) => tx.commit().await,
            Self::Pg(tx) => tx.commit().await,
            Self::SqliteAutocommit(_) | Self::PgAutocommit(_) => Ok(()),
        }
    }
}

/// The error is a unique-key violation (the same kind on both engines).
pub fn is_unique_violation(error: &sqlx::Error) -> bool {
    error
        .as_database_error()
        .is_some_and(|e| e.kind() == sqlx::error::ErrorKind::UniqueViolation)
}

/// Application-generated ids, below 2^53 so JavaScript clients read them exactly: milliseconds
/// since 2024 (40 bits, good for 34 years) above 13 bits that start at a random point per
/// process, so the server and the CLI do not collide in practice. Within a process ids strictly
/// increase, so "newest first" can order by id.
/// Reads a stored text as the enum it names; an unknown one is a decoding error, not a panic.
pub(crate) fn decode<T>(text: String) -> sqlx::Result<T>
where
    T: TryFrom<String, Error = hongmajia_domain::text::UnknownText>,
{
    T::try_from(text).map_err(|unknown| sqlx::Error::Decode(Box::new(unknown)))
}

/// A new key, of whichever typed id (or plain integer) the row takes: time-ordered, unique in
/// this process, and below 2^53 so JavaScript reads it exactly.
pub fn new_id<T: From<i64>>() -> T {
    T::from(next_id())
}

fn next_id() -> i64 {
    static LAST: AtomicI64 = AtomicI64::new(0);
    static LOW: std::sync::OnceLock<i64> = std::sync::OnceLock::new();
    let low = *LOW.get_or_init(|| {
        let mut seed = [0u8; 2];
        let _ = getrandom::fill(&mut seed);
        i64::from(u16::from_le_bytes(seed) & 0x0FFF)
    });
    let millis = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default()
        .saturating_sub(1_704_067_200_000)
        & ((1 << 40) - 1);
    let candidate = (millis << 13) | low;
    let previous = LAST
        .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |last| {
            Some(candidate.max(last + 1))
        })
        .unwrap_or_default();
    candidate.max(previous + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_positive_distinct_and_safe_for_javascript() {
        let ids: Vec<i64> = (0..50_000).map(|_| next_id()).collect();
        assert!(ids.windows(2).all(|w| w[0] < w[1]), "strictly increasing");
        assert!(ids.iter().all(|&id| id > 0 && id < (1 << 53)));
    }

    #[test]
    fn each_engine_has_every_step_and_no_number_is_taken_twice() {
        let numbers = |m: &sqlx::migrate::Migrator| m.iter().map(|s| s.version).collect::<Vec<_>>();
        assert_eq!(
            numbers(&SQLITE_STEPS),
            numbers(&POSTGRES_STEPS),
            "a per-engine step is written for both engines"
        );
        for engine in [Engine::Sqlite, Engine::Postgres] {
            let all = numbers(&migrator(engine));
            let mut unique = all.clone();
            unique.dedup();
            assert_eq!(all, unique, "a per-engine step has a number of its own");
            assert!(all.windows(2).all(|w| w[0] < w[1]));
        }
    }

    /// The statement of step 0025 that gives older record versions their action.
    fn derivation(step: &str) -> &str {
        let start = step.find("UPDATE record_versions").expect("the derivation");
        let end = step[start..].find("WHERE version > 1;").expect("its end") + start;
        &step[start..end]
    }

    #[tokio::test]
    async fn versions_written_before_actions_were_kept_get_theirs_from_their_states() {
        use sqlx::Connection;
        let sqlite_step = include_str!("../../../migrations/sqlite/0025_derive_record_version_actions.sql");
        let postgres_step = include_str!("../../../migrations/postgres/0025_derive_record_version_actions.sql");
        assert_eq!(
            derivation(sqlite_step),
            derivation(postgres_step),
            "one derivation on both engines"
        );
        // Only what the step reads and writes, with the append-only guard it lifts and puts back.
        let mut conn = sqlx::SqliteConnection::connect("sqlite::memory:").await.unwrap();
        sqlx::raw_sql(
            "CREATE TABLE record_versions (record_id BIGINT, version BIGINT, state TEXT,
                 action TEXT NOT NULL DEFAULT 'entered');
             CREATE TRIGGER record_versions_no_update BEFORE UPDATE ON record_versions
             BEGIN SELECT RAISE(ABORT, 'record_versions is append-only'); END;
             INSERT INTO record_versions (record_id, version, state) VALUES
                 (1, 1, 'pending'), (1, 2, 'confirmed'), (1, 3, 'confirmed'), (1, 4, 'revoked'),
                 (2, 1, 'awaiting_second'), (2, 2, 'rejected'), (3, 1, 'pending'), (3, 2, 'rejected'),
                 (4, 1, 'awaiting_second'), (4, 2, 'confirmed'),
                 (5, 1, 'pending'), (5, 2, 'confirmed'), (5, 3, 'revoked'), (5, 4, 'confirmed');",
        )
        .execute(&mut conn)
        .await
        .unwrap();
        sqlx::raw_sql(sqlite_step).execute(&mut conn).await.unwrap();
        let actions: Vec<String> = sqlx::query_scalar("SELECT action FROM record_versions ORDER BY record_id, version")
            .fetch_all(&mut conn)
            .await
            .unwrap();
        let expected = [
            "entered", "confirm", "correct", "revoke", "entered", "refuse", "entered", "reject", "entered", "approve",
            "entered", "confirm", "revoke", "correct",
        ];
        assert_eq!(actions, expected);
        let changed = sqlx::query("UPDATE record_versions SET action = 'entered'")
            .execute(&mut conn)
            .await;
        assert!(changed.is_err(), "the guard is back");
    }

    /// Step 0034 builds record_versions and anomaly_flags again on SQLite: a database with
    /// history (versions, a flag and its resolution, which refers to the flag) keeps every row,
    /// its references whole and its guards.
    #[tokio::test]
    async fn rebuilding_the_history_tables_keeps_every_row_and_reference() {
        use sqlx::Connection;
        let mut conn = sqlx::SqliteConnection::connect("sqlite::memory:").await.unwrap();
        let all = migrator(Engine::Sqlite);
        all.run_to(33, &mut conn).await.unwrap();
        sqlx::raw_sql(
            "PRAGMA foreign_keys = OFF;
             INSERT INTO regions (code, name, level, created_at, updated_at)
                 VALUES ('140800', '运城市', 'city', '2026-01-01', '2026-01-01');
             INSERT INTO volunteers (id, code, name, gender, birth_date, id_type, id_lookup, id_enc, id_masked,
                 phone_lookup, phone_enc, phone_masked, region_code, skills, categories, availability, child_data,
                 consent_version, consent_at, registered_by, created_at, updated_at)
                 VALUES (7, 'V7', '张三', 'male', '1980-01-01', 'resident_id', 'l', 'e', 'm', 'pl', 'pe', 'pm',
                 '140800', '', '', '', 0, 'v1', '2026-01-01', 'self', '2026-01-01', '2026-01-01');
             INSERT INTO service_records (id, volunteer_id, activity_id, region_code, source, state, minutes, version,
                 created_at, updated_at)
                 VALUES (11, 7, 99, '140800', 'reported', 'confirmed', 120, 2, '2026-01-01', '2026-01-01');
             INSERT INTO record_versions (record_id, version, state, minutes, reason, requested_by, created_at, action)
                 VALUES (11, 1, 'pending', 120, 'x', 'x', '2026-01-01', 'entered'),
                        (11, 2, 'confirmed', 120, 'x', 'x', '2026-01-01', 'confirm');
             INSERT INTO anomaly_flags (id, kind, record_id, region_code, volunteer_id, detail, state, created_at)
                 VALUES (21, 'no_checkin', 11, '140800', 7, '2.0 h', 'open', '2026-01-01');
             INSERT INTO flag_resolutions (flag_id, resolved_by, note, resolved_at)
                 VALUES (21, 'reviewer', 'checked', '2026-01-02');
             PRAGMA foreign_keys = ON;",
        )
        .execute(&mut conn)
        .await
        .unwrap();

        all.run(&mut conn).await.expect("step 0034 on a database with history");
        let count = |sql: &'static str| sqlx::query_scalar::<_, i64>(sql);
        assert_eq!(
            count("SELECT COUNT(*) FROM record_versions")
                .fetch_one(&mut conn)
                .await
                .unwrap(),
            2
        );
        assert_eq!(
            count("SELECT COUNT(*) FROM anomaly_flags WHERE id = 21 AND minutes = 120")
                .fetch_one(&mut conn)
                .await
                .unwrap(),
            1,
            "a flag raised before covers the minutes its record credits"
        );
        assert_eq!(
            count("SELECT COUNT(*) FROM flag_resolutions")
                .fetch_one(&mut conn)
                .await
                .unwrap(),
            1
        );
        let broken: Vec<(String,)> = sqlx::query_as("SELECT \"table\" FROM pragma_foreign_key_check")
            .fetch_all(&mut conn)
            .await
            .unwrap();
        assert!(
            broken.is_empty() || broken.iter().all(|(t,)| t == "service_records"),
            "{broken:?}"
        );
        assert!(
            sqlx::query("UPDATE anomaly_flags SET detail = 'nothing'")
                .execute(&mut conn)
                .await
                .is_err(),
            "flags are append-only again"
        );
        assert!(
            sqlx::query("DELETE FROM record_versions")
                .execute(&mut conn)
                .await
                .is_err(),
            "so are versions"
        );
        let reinstated = sqlx::query(
            "INSERT INTO record_versions (record_id, version, state, minutes, reason, requested_by, created_at, action)
             VALUES (11, 3, 'confirmed', 120, 'x', 'x', '2026-01-03', 'reinstate')",
        )
        .execute(&mut conn)
        .await;
        assert!(reinstated.is_ok(), "a reinstatement is an action now: {reinstated:?}");
    }
}
