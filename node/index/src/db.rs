//! The database: opened by URL (SQLite, embedded; or PostgreSQL, shared), brought to this
//! node's schema version, written a batch of blocks per transaction, read at one indexed
//! height.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{AnyPool, AssertSqlSafe, Row};

use crate::IndexError;
use crate::schema::{COUNT_TABLES, MIGRATIONS, TABLES, Table, statements};

/// Which database the index is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Embedded, a file in the data directory.
    Sqlite,
    /// PostgreSQL (or compatible), shared.
    Postgres,
}

impl Kind {
    /// `rows` parenthesised lists of `columns` parameters, bound in order: `$1, $2, …` for
    /// PostgreSQL; `?` for SQLite, where a numbered parameter costs a search of the statement's
    /// parameter names each time one is bound (with a statement's 999 parameters that was 7 %
    /// of a validator's CPU at the maximum rate).
    pub fn parameters(self, columns: usize, rows: usize) -> String {
        let list = |r: usize| -> String {
            let marks: Vec<String> = (1..=columns)
                .map(|c| match self {
                    Kind::Postgres => format!("${}", r * columns + c),
                    Kind::Sqlite => "?".to_owned(),
                })
                .collect();
            format!("({})", marks.join(", "))
        };
        (0..rows).map(list).collect::<Vec<_>>().join(", ")
    }
}

/// One value of a row: an integer or a text, either possibly NULL (typed, as PostgreSQL binds
/// parameters by type).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Value {
    /// BIGINT.
    Int(Option<i64>),
    /// TEXT.
    Text(Option<String>),
}

impl From<i64> for Value {
    fn from(v: i64) -> Value {
        Value::Int(Some(v))
    }
}

impl From<u64> for Value {
    fn from(v: u64) -> Value {
        Value::Int(Some(i64::try_from(v).unwrap_or(i64::MAX)))
    }
}

impl From<u32> for Value {
    fn from(v: u32) -> Value {
        Value::Int(Some(i64::from(v)))
    }
}

impl From<bool> for Value {
    fn from(v: bool) -> Value {
        Value::Int(Some(i64::from(v)))
    }
}

impl From<String> for Value {
    fn from(v: String) -> Value {
        Value::Text(Some(v))
    }
}

impl From<&str> for Value {
    fn from(v: &str) -> Value {
        Value::Text(Some(v.to_owned()))
    }
}

impl From<Option<String>> for Value {
    fn from(v: Option<String>) -> Value {
        Value::Text(v)
    }
}

impl From<Option<u64>> for Value {
    fn from(v: Option<u64>) -> Value {
        Value::Int(v.map(|v| i64::try_from(v).unwrap_or(i64::MAX)))
    }
}

/// The block the index is at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Indexed {
    /// The chain's genesis hash, hex.
    pub genesis: String,
    /// The last block indexed.
    pub height: u64,
    /// Its hash, hex.
    pub hash: String,
    /// Its date, Beijing time.
    pub date: String,
}

/// Rows to write in one transaction with the height they bring the index to: later rows of a
/// key replace earlier ones, and a cleared table loses the rows written before the clearing.
#[derive(Debug, Default)]
pub struct Batch {
    tables: BTreeMap<&'static str, TableRows>,
    count: usize,
    after: Vec<(String, Vec<Value>)>,
}

/// A batch's rows of one table, by primary key.
#[derive(Debug, Default)]
struct TableRows {
    /// Whether the table is emptied first.
    cleared: bool,
    /// Key prefixes whose rows go first.
    deleted: Vec<Vec<Value>>,
    rows: BTreeMap<Vec<Value>, Vec<Value>>,
}

impl Batch {
    /// Adds (or replaces) a row of `table`; `values` in its column order.
    pub fn upsert(&mut self, table: &'static Table, values: Vec<Value>) {
        debug_assert_eq!(values.len(), table.columns.len(), "{}", table.name);
        let key = values[..table.key].to_vec();
        let entry = self.tables.entry(table.name).or_default();
        if entry.rows.insert(key, values).is_none() {
            self.count += 1;
        }
    }

    /// Empties `table` before this batch's rows of it are written.
    pub fn clear(&mut self, table: &'static Table) {
        let entry = self.tables.entry(table.name).or_default();
        self.count -= entry.rows.len();
        *entry = TableRows {
            cleared: true,
            ..TableRows::default()
        };
    }

    /// Deletes the rows of `table` whose key starts with `prefix` (those written before in
    /// this batch too) before this batch's later rows of it are written.
    pub fn delete(&mut self, table: &'static Table, prefix: Vec<Value>) {
        let entry = self.tables.entry(table.name).or_default();
        // The keys starting with `prefix` are contiguous from it on: found in O(log n), not
        // by walking every row (a batch deletes once per certificate it indexes).
        let doomed: Vec<Vec<Value>> = entry
            .rows
            .range(prefix.clone()..)
            .map(|(key, _)| key)
            .take_while(|key| key.starts_with(&prefix))
            .cloned()
            .collect();
        for key in &doomed {
            entry.rows.remove(key);
        }
        self.count -= doomed.len();
        entry.deleted.push(prefix);
    }

    /// A statement run after the rows (in the same transaction), with its parameters.
    pub fn then(&mut self, sql: &str, params: Vec<Value>) {
        self.after.push((sql.to_owned(), params));
    }

    /// How many rows it holds.
    pub fn len(&self) -> usize {
        self.count
    }

    /// Whether it holds no row.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }
}

/// The most parameters one statement binds: PostgreSQL takes 65,535 and gains from long
/// statements (one round trip each); SQLite takes 32,766, but binds each `$n` by looking its
/// name up, so past a thousand a statement costs more than it saves (measured:
/// docs/performance.md).
fn params_max(kind: Kind) -> usize {
    match kind {
        Kind::Postgres => 16_000,
        Kind::Sqlite => 999,
    }
}

fn db(e: sqlx::Error) -> IndexError {
    IndexError::Db(e.to_string())
}

/// A URL to show: the password of a PostgreSQL URL hidden.
pub fn shown(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// The URL to connect to for `[index] database` = `configured`: `sqlite:PATH` (relative to
/// `data_dir`; created when missing) or `postgres://…`/`postgresql://…` as written.
pub fn resolve(configured: &str, data_dir: &Path) -> Result<(Kind, String), IndexError> {
    if let Some(path) = configured.strip_prefix("sqlite:") {
        let path = path.trim_start_matches("//");
        if path.is_empty() || path.contains('?') {
            return Err(IndexError::Url(configured.to_owned()));
        }
        let path = data_dir.join(path);
        return Ok((
            Kind::Sqlite,
            format!("sqlite://{}?mode=rwc", path.display()),
        ));
    }
    if configured.starts_with("postgres://") || configured.starts_with("postgresql://") {
        return Ok((Kind::Postgres, configured.to_owned()));
    }
    Err(IndexError::Url(configured.to_owned()))
}

/// The index's database.
#[derive(Clone, Debug)]
pub struct Database {
    pool: AnyPool,
    kind: Kind,
    shown: String,
}

impl Database {
    /// Connects (a pool of `connections`) and brings the schema to this node's version.
    pub async fn open(kind: Kind, url: &str, connections: u32) -> Result<Database, IndexError> {
        install_default_drivers();
        let shown = shown(url);
        let pool = AnyPoolOptions::new()
            .max_connections(connections.max(1))
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if kind == Kind::Sqlite {
                        // Readers go on while the indexer writes; a reader waits for a lock
                        // rather than failing. The index is rebuilt from the blocks, so a
                        // power cut may lose its last transactions, never its consistency.
                        for pragma in [
                            "PRAGMA journal_mode = WAL",
                            "PRAGMA synchronous = NORMAL",
                            "PRAGMA busy_timeout = 10000",
                        ] {
                            sqlx::query(pragma).execute(&mut *conn).await?;
                        }
                    }
                    Ok(())
                })
            })
            .connect(url)
            .await
            .map_err(|e| IndexError::Open {
                url: shown.clone(),
                reason: e.to_string(),
            })?;
        let database = Database { pool, kind, shown };
        database.migrate().await?;
        Ok(database)
    }

    /// Which database it is.
    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// Its URL, password hidden.
    pub fn url(&self) -> &str {
        &self.shown
    }

    /// The pool, for queries.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Applies each migration newer than the database's version, each in one transaction.
    async fn migrate(&self) -> Result<(), IndexError> {
        sqlx::query(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, \
             name TEXT NOT NULL)",
        )
        .execute(&self.pool)
        .await
        .map_err(db)?;
        let current: i64 =
            sqlx::query("SELECT CAST(COALESCE(MAX(version), 0) AS BIGINT) FROM schema_migrations")
                .fetch_one(&self.pool)
                .await
                .and_then(|row| row.try_get(0))
                .map_err(db)?;
        let known = MIGRATIONS.last().map_or(0, |m| m.version);
        if current > known {
            return Err(IndexError::NewerSchema {
                url: self.shown.clone(),
                found: current,
                known,
            });
        }
        for migration in MIGRATIONS.iter().filter(|m| m.version > current) {
            let mut tx = self.pool.begin().await.map_err(db)?;
            for statement in statements(migration.sql(self.kind)) {
                sqlx::query(AssertSqlSafe(statement))
                    .execute(&mut *tx)
                    .await
                    .map_err(db)?;
            }
            sqlx::query("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)")
                .bind(migration.version)
                .bind(migration.name)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
            tx.commit().await.map_err(db)?;
            tracing::info!(
                version = migration.version,
                name = migration.name,
                "index schema migrated"
            );
        }
        Ok(())
    }

    /// The block the index is at, `None` before the first batch.
    pub async fn indexed(&self) -> Result<Option<Indexed>, IndexError> {
        let mut conn = self.pool.acquire().await.map_err(db)?;
        read_indexed(&mut conn).await
    }

    /// Writes `batch` and moves the index to `to`, in one transaction: after a crash at any
    /// point the index holds either all of it or none of it.
    pub async fn write(&self, batch: Batch, to: &Indexed) -> Result<(), IndexError> {
        let mut tx = self.pool.begin().await.map_err(db)?;
        for (name, rows) in batch.tables {
            let TableRows {
                cleared,
                deleted,
                rows,
            } = rows;
            let table = TABLES
                .iter()
                .find(|t| t.name == name)
                .ok_or_else(|| IndexError::Db(format!("no table {name}")))?;
            if cleared {
                sqlx::query(AssertSqlSafe(format!("DELETE FROM {name}")))
                    .execute(&mut *tx)
                    .await
                    .map_err(db)?;
            }
            // Deletions by key prefix, many a statement (`(a, b) IN (VALUES …)`).
            let mut by_width: BTreeMap<usize, Vec<Vec<Value>>> = BTreeMap::new();
            for prefix in deleted {
                by_width.entry(prefix.len()).or_default().push(prefix);
            }
            for (width, prefixes) in by_width {
                for chunk in prefixes.chunks((params_max(self.kind) / width.max(1)).max(1)) {
                    let sql = delete_sql(self.kind, name, &table.columns[..width], chunk.len());
                    let values: Vec<Value> = chunk.iter().flatten().cloned().collect();
                    bind(sqlx::query(AssertSqlSafe(sql)), &values)
                        .execute(&mut *tx)
                        .await
                        .map_err(db)?;
                }
            }
            let rows: Vec<Vec<Value>> = rows.into_values().collect();
            let per_statement = (params_max(self.kind) / table.columns.len()).max(1);
            for chunk in rows.chunks(per_statement) {
                let sql = table.upsert_sql(self.kind, chunk.len());
                let values: Vec<Value> = chunk.iter().flatten().cloned().collect();
                bind(sqlx::query(AssertSqlSafe(sql)), &values)
                    .execute(&mut *tx)
                    .await
                    .map_err(db)?;
            }
        }
        for (sql, params) in batch.after {
            bind(sqlx::query(AssertSqlSafe(sql)), &params)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
        }
        sqlx::query(
            "INSERT INTO indexed (id, genesis, height, hash, date) VALUES (1, $1, $2, $3, $4) \
             ON CONFLICT (id) DO UPDATE SET genesis = excluded.genesis, height = excluded.height, \
             hash = excluded.hash, date = excluded.date",
        )
        .bind(to.genesis.clone())
        .bind(i64::try_from(to.height).unwrap_or(i64::MAX))
        .bind(to.hash.clone())
        .bind(to.date.clone())
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        tx.commit().await.map_err(db)
    }

    /// Empties every table (for `reindex`), in one transaction.
    pub async fn clear(&self) -> Result<(), IndexError> {
        let mut tx = self.pool.begin().await.map_err(db)?;
        let counts = COUNT_TABLES.iter().copied();
        for name in TABLES
            .iter()
            .map(|t| t.name)
            .chain(counts)
            .chain(["indexed"])
        {
            sqlx::query(AssertSqlSafe(format!("DELETE FROM {name}")))
                .execute(&mut *tx)
                .await
                .map_err(db)?;
        }
        tx.commit().await.map_err(db)
    }

    /// A read-only transaction that sees one indexed height throughout (SQLite's transactions
    /// do; PostgreSQL's need REPEATABLE READ), with the block it is at.
    pub async fn snapshot(
        &self,
    ) -> Result<(sqlx::Transaction<'static, sqlx::Any>, Option<Indexed>), IndexError> {
        let mut tx = self.pool.begin().await.map_err(db)?;
        if self.kind == Kind::Postgres {
            sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
                .execute(&mut *tx)
                .await
                .map_err(db)?;
        }
        let indexed = read_indexed(&mut tx).await?;
        Ok((tx, indexed))
    }
}

/// `DELETE FROM table WHERE (c1, …) IN (VALUES ($1, …), …)` for `rows` keys of `columns`.
fn delete_sql(kind: Kind, table: &str, columns: &[&str], rows: usize) -> String {
    format!(
        "DELETE FROM {table} WHERE ({}) IN (VALUES {})",
        columns.join(", "),
        kind.parameters(columns.len(), rows)
    )
}

/// `query` with `values` bound in order.
pub fn bind<'q>(
    mut query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    values: &[Value],
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    for value in values {
        query = match value {
            Value::Int(v) => query.bind(*v),
            Value::Text(v) => query.bind(v.clone()),
        };
    }
    query
}

/// The `indexed` row.
pub async fn read_indexed(conn: &mut sqlx::AnyConnection) -> Result<Option<Indexed>, IndexError> {
    let row = sqlx::query("SELECT genesis, height, hash, date FROM indexed WHERE id = 1")
        .fetch_optional(&mut *conn)
        .await
        .map_err(db)?;
    row.map(|row| {
        Ok(Indexed {
            genesis: row.try_get(0)?,
            height: u64::try_from(row.try_get::<i64, _>(1)?).unwrap_or(0),
            hash: row.try_get(2)?,
            date: row.try_get(3)?,
        })
    })
    .transpose()
    .map_err(db)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    const T: Table = Table {
        name: "t",
        columns: &["a", "b", "c"],
        key: 2,
    };

    fn row(a: &str, b: i64) -> Vec<Value> {
        vec![a.into(), b.into(), "x".into()]
    }

    #[test]
    fn delete_removes_exactly_the_rows_under_the_prefix() {
        let mut batch = Batch::default();
        for (a, b) in [("A", 1), ("A", 2), ("AB", 1), ("B", 1), ("", 3)] {
            batch.upsert(&T, row(a, b));
        }
        batch.delete(&T, vec!["A".into()]);
        let rows = &batch.tables["t"].rows;
        let left: Vec<_> = rows.keys().cloned().collect();
        assert_eq!(
            left,
            vec![
                vec![Value::from(""), Value::from(3_i64)],
                vec![Value::from("AB"), Value::from(1_i64)],
                vec![Value::from("B"), Value::from(1_i64)],
            ]
        );
        assert_eq!(batch.len(), 3);
        batch.delete(&T, vec!["AB".into(), 1_i64.into()]);
        assert_eq!(batch.len(), 2);
        batch.delete(&T, vec!["C".into()]);
        assert_eq!(batch.len(), 2);
        assert_eq!(batch.tables["t"].deleted.len(), 3);
    }
}
