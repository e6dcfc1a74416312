//! What the database holds, as text, to show that a refused request wrote nothing.

use sea_orm::{ConnectionTrait, DbBackend, Statement};

use crate::helpers::{Backend, TestApp, backend};

/// Every row of every table except `sessions` (a signed-in request may move its own
/// session's idle deadline), as text, sorted: equal before and after means nothing
/// was written.
pub async fn every_row(app: &TestApp) -> Vec<String> {
    let (tables_sql, backend_kind) = match backend() {
        Backend::Postgres => (
            "SELECT tablename::text FROM pg_tables WHERE schemaname = 'public'",
            DbBackend::Postgres,
        ),
        Backend::Sqlite => (
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
            DbBackend::Sqlite,
        ),
    };
    let tables = app
        .db
        .query_all_raw(Statement::from_string(backend_kind, tables_sql.to_owned()))
        .await
        .expect("tables listed");
    let mut rows = Vec::new();
    for table in tables {
        let table: String = table.try_get_by_index(0).expect("a table name");
        if table == "sessions" {
            continue;
        }
        let select = match backend() {
            Backend::Postgres => format!("SELECT t::text FROM {table} t"),
            Backend::Sqlite => {
                let columns = app
                    .db
                    .query_all_raw(Statement::from_string(
                        DbBackend::Sqlite,
                        format!("SELECT name FROM pragma_table_info('{table}')"),
                    ))
                    .await
                    .expect("columns listed");
                let quoted: Vec<String> = columns
                    .iter()
                    .map(|column| {
                        let name: String = column.try_get_by_index(0).expect("a column");
                        format!("quote(\"{name}\")")
                    })
                    .collect();
                format!("SELECT {} FROM \"{table}\"", quoted.join(" || '|' || "))
            }
        };
        for row in app
            .db
            .query_all_raw(Statement::from_string(backend_kind, select))
            .await
            .expect("rows read")
        {
            let text: String = row.try_get_by_index(0).expect("a row as text");
            rows.push(format!("{table}: {text}"));
        }
    }
    rows.sort_unstable();
    rows
}
