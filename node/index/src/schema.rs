//! The index's tables as the writer fills them, and the versioned migrations that create them.
//! Each table's columns here are those of its `CREATE TABLE` in `migrations/` (a test checks
//! them against a migrated database); the first `key` columns are its primary key.

use crate::db::Kind;

/// A table the indexer writes rows of.
#[derive(Debug)]
pub struct Table {
    /// Its name.
    pub name: &'static str,
    /// Its columns, the primary key's first.
    pub columns: &'static [&'static str],
    /// How many leading columns form the primary key.
    pub key: usize,
}

impl Table {
    /// `INSERT … ON CONFLICT (key) DO UPDATE SET …` for `rows` rows: one statement both SQLite
    /// and PostgreSQL take, with parameters row after row ([`Kind::parameters`]).
    pub fn upsert_sql(&self, kind: Kind, rows: usize) -> String {
        let values = kind.parameters(self.columns.len(), rows);
        let updates: Vec<String> = self.columns[self.key..]
            .iter()
            .map(|c| format!("{c} = excluded.{c}"))
            .collect();
        format!(
            "INSERT INTO {} ({}) VALUES {} ON CONFLICT ({}) DO UPDATE SET {}",
            self.name,
            self.columns.join(", "),
            values,
            self.columns[..self.key].join(", "),
            updates.join(", ")
        )
    }
}

macro_rules! tables {
    ($($konst:ident = $name:literal key $key:literal [$($col:literal),+ $(,)?];)+) => {
        $(
            #[doc = concat!("`", $name, "`.")]
            pub const $konst: Table = Table { name: $name, columns: &[$($col),+], key: $key };
        )+
        /// Every table the indexer writes, in the order a block's rows are written.
        pub const TABLES: &[&Table] = &[$(&$konst),+];
    };
}

tables! {
    BLOCKS = "blocks" key 1 ["height", "hash", "time_ms", "date", "transactions", "proposer"];
    VALIDATORS = "validators" key 1 ["position", "key", "power"];
    LABS = "labs" key 1 [
        "code", "name", "region", "kind", "status", "registered_height", "scope_entries",
        "active_keys", "dcc_certs",
    ];
    STANDARDS = "standards" key 2 [
        "lab", "code", "name", "category", "level", "assessment", "assessment_valid_until",
        "registered_height",
    ];
    CERTIFICATES = "certificates" key 2 [
        "lab", "number", "region", "kind", "category", "item", "instrument_name", "serial",
        "calibration_date", "issue_date", "valid_until", "conclusion", "instrument_id",
        "document_hash", "status", "supersedes", "superseded_by", "anchored_height",
        "anchored_date", "anchored_month", "ended_height", "ended_date", "ended_month",
        "recheck_on",
    ];
    RECOGNITIONS = "recognitions" key 3 ["lab", "number", "region", "home", "month"];
    BUSINESSES = "businesses" key 1 [
        "credit_code", "name", "region", "business_type", "registered_height", "score", "grade",
        "graded_on", "regrade_on",
    ];
    CREDIT_RECORDS = "credit_records" key 2 [
        "credit_code", "id", "region", "event", "date", "month", "repaired", "withdrawn",
    ];
    INSTRUMENTS = "instruments" key 1 [
        "id", "region", "class", "compulsory", "division", "owner", "site", "manufacturer",
        "model", "serial", "status", "valid_until", "latest_lab", "latest_number",
        "registered_height", "status_on", "recheck_on",
    ];
    INSPECTORS = "inspectors" key 1 ["key", "region", "name", "active"];
    PLANS = "plans" key 1 [
        "id", "region", "business_types", "ratios", "inspectors", "created_height",
        "reveal_height", "drawn", "seed", "drawn_on", "in_scope", "targets", "short_targets",
    ];
    DRAW_TARGETS = "draw_targets" key 2 [
        "plan_id", "position", "credit_code", "grade", "inspectors", "short",
    ];
    INSPECTION_RESULTS = "inspection_results" key 2 [
        "plan_id", "credit_code", "outcome", "inspector", "recorded_height",
    ];
    AGREEMENTS = "agreements" key 1 [
        "id", "proposer", "partner", "kinds", "categories", "from_date", "accepted_height",
        "ended_from",
    ];
}

/// A schema version: its number and the SQL that brings the previous version to it, in each
/// database's dialect (the same text where portable SQL does).
#[derive(Debug)]
pub struct Migration {
    /// 1, 2, …: applied in order, each once, each in its own transaction.
    pub version: i64,
    /// What it does, for `schema_migrations` and the operator.
    pub name: &'static str,
    /// Its statements for SQLite, separated by `;` at line ends.
    pub sqlite: &'static str,
    /// Its statements for PostgreSQL.
    pub postgres: &'static str,
}

impl Migration {
    /// Its SQL for a database of `kind`.
    pub fn sql(&self, kind: Kind) -> &'static str {
        match kind {
            Kind::Sqlite => self.sqlite,
            Kind::Postgres => self.postgres,
        }
    }
}

const TABLES_SQL: &str = include_str!("../migrations/0001_tables.sql");

/// Every migration, oldest first. A released migration never changes: a new one follows it.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "tables",
        sqlite: TABLES_SQL,
        postgres: TABLES_SQL,
    },
    Migration {
        version: 2,
        name: "counts",
        sqlite: concat!(
            include_str!("../migrations/0002_counts.sql"),
            include_str!("../migrations/0002_counts.triggers.sqlite.sql")
        ),
        postgres: concat!(
            include_str!("../migrations/0002_counts.sql"),
            include_str!("../migrations/0002_counts.triggers.postgres.sql")
        ),
    },
];

/// The tables of counts the database's triggers keep (migration 2).
pub const COUNT_TABLES: &[&str] = &[
    "certificate_counts",
    "recognition_counts",
    "instrument_counts",
];

/// The statements of a migration: split at `;` ending a line, comments dropped; a trigger's
/// `BEGIN … END` and a function's `$$ … $$` body are one statement with the `;`s inside.
pub fn statements(sql: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for piece in sql.split(";\n") {
        let piece: Vec<&str> = piece
            .lines()
            .filter(|l| !l.trim_start().starts_with("--"))
            .collect();
        if !current.is_empty() {
            current.push_str(";\n");
        }
        current.push_str(&piece.join("\n"));
        if whole(&current) {
            if !current.trim().is_empty() {
                out.push(current.trim().to_owned());
            }
            current.clear();
        }
    }
    if !current.trim().is_empty() {
        out.push(current.trim().to_owned());
    }
    out
}

/// Whether `sql` ends a statement: not inside a trigger's body or a dollar-quoted one.
fn whole(sql: &str) -> bool {
    let upper = sql.to_uppercase();
    let words: Vec<&str> = upper.split_whitespace().collect();
    if words.starts_with(&["CREATE", "TRIGGER"]) && words.contains(&"BEGIN") {
        return words.last() == Some(&"END");
    }
    sql.matches("$$").count().is_multiple_of(2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_upsert_numbers_its_parameters_row_after_row() {
        let sql = INSPECTORS.upsert_sql(Kind::Postgres, 2);
        assert_eq!(
            sql,
            "INSERT INTO inspectors (key, region, name, active) VALUES ($1, $2, $3, $4), \
             ($5, $6, $7, $8) ON CONFLICT (key) DO UPDATE SET region = excluded.region, \
             name = excluded.name, active = excluded.active"
        );
        assert!(
            INSPECTORS
                .upsert_sql(Kind::Sqlite, 2)
                .contains("VALUES (?, ?, ?, ?), (?, ?, ?, ?) ON CONFLICT"),
            "SQLite's parameters are anonymous, taken in order"
        );
    }

    #[test]
    fn every_table_is_created_by_a_migration() {
        for kind in [Kind::Sqlite, Kind::Postgres] {
            let all: String = MIGRATIONS.iter().map(|m| m.sql(kind)).collect();
            let names = TABLES
                .iter()
                .map(|t| t.name)
                .chain(COUNT_TABLES.iter().copied());
            for name in names {
                assert!(
                    all.contains(&format!("CREATE TABLE {name} (")),
                    "{name} on {kind:?}"
                );
            }
        }
    }

    #[test]
    fn a_trigger_or_function_body_is_one_statement() {
        let sqlite = statements(MIGRATIONS[1].sqlite);
        let postgres = statements(MIGRATIONS[1].postgres);
        // Three tables, each counted on insert, delete and update: row triggers on SQLite,
        // statement triggers over transition tables on PostgreSQL.
        for (kind, statements, triggers) in [("sqlite", &sqlite, 9), ("postgres", &postgres, 9)] {
            let found = statements
                .iter()
                .filter(|s| s.starts_with("CREATE TRIGGER"))
                .count();
            assert_eq!(found, triggers, "{kind}: {statements:#?}");
            assert!(statements.iter().all(|s| !s.ends_with(';')), "{kind}");
        }
        let body = sqlite
            .iter()
            .find(|s| s.contains("certificates_recounted"))
            .unwrap();
        assert!(
            body.ends_with("END") && body.matches(';').count() == 2,
            "{body}"
        );
        let functions: Vec<_> = postgres
            .iter()
            .filter(|s| s.starts_with("CREATE FUNCTION"))
            .collect();
        assert_eq!(functions.len(), 3);
        assert!(
            functions.iter().all(|f| f.ends_with("$$")),
            "{functions:#?}"
        );
        // Version 1's statements split as before: one per `;` at a line end.
        assert_eq!(
            statements(MIGRATIONS[0].sqlite).len(),
            MIGRATIONS[0].sqlite.matches(";\n").count()
        );
    }
}
