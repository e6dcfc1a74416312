//! Small helpers shared by the migrations.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

/// Runs one raw statement per backend, for what the query builder cannot express
/// portably (partial indexes, triggers).
pub async fn execute_for_backend(
    manager: &SchemaManager<'_>,
    postgres: &str,
    sqlite: &str,
) -> Result<(), DbErr> {
    let statement = match manager.get_database_backend() {
        DbBackend::Postgres => postgres,
        DbBackend::Sqlite => sqlite,
        other => {
            return Err(DbErr::Custom(format!(
                "unsupported database backend {other:?}"
            )));
        }
    };
    for part in statement
        .split(";\n")
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        manager.get_connection().execute_unprepared(part).await?;
    }
    Ok(())
}

/// `CHECK (<column> IN ('a', 'b'))`, used for the small closed vocabularies
/// (plan, role, mode, actor kind) so that a bad value cannot be stored by any client.
pub fn one_of(column: &str, allowed: &[&str]) -> SimpleExpr {
    let values = allowed
        .iter()
        .map(|value| format!("'{value}'"))
        .collect::<Vec<_>>()
        .join(", ");
    Expr::cust(format!("{column} IN ({values})"))
}

/// `CHECK (length(<column>) BETWEEN min AND max)`; `length` counts characters on both backends.
pub fn length_between(column: &str, min: usize, max: usize) -> SimpleExpr {
    Expr::cust(format!("length({column}) BETWEEN {min} AND {max}"))
}
