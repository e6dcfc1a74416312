//! One function per CLI command.

pub mod admin;
pub mod audit;
pub mod keys;
pub mod serve;

use std::process::ExitCode;

use crate::{
    cli::Command,
    config::Config,
    startup::{StartupError, connect_and_migrate},
};

pub async fn run(command: Option<Command>, config: Config) -> ExitCode {
    let result = match command {
        None | Some(Command::Serve) => serve::serve(config).await,
        Some(Command::Migrate) => migrate(config).await,
        Some(Command::Admin(admin)) => admin::run(admin, config).await,
        Some(Command::Keys(keys)) => keys::run(keys, config).await,
        Some(Command::Audit(audit)) => audit::run(audit, config).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The organization a command names by its slug, or the message that there is none.
async fn organization_by_slug(
    db: &sea_orm::DatabaseConnection,
    slug: &str,
) -> Result<app::ssr::entities::organization::Model, String> {
    app::ssr::services::accounts::find_organization_by_slug(db, slug)
        .await
        .map_err(|err| err.to_string())?
        .ok_or_else(|| format!("no organization with the slug {slug}"))
}

/// The audit log the CLI's changes are chained with: the server's, from the same pepper.
fn audit_log(config: &Config) -> Result<app::ssr::services::audit::AuditLog, String> {
    let hasher =
        app::ssr::keys::hash::KeyHasher::new(&config.key_pepper.secret, config.key_pepper.version)
            .map_err(|err| err.to_string())?;
    Ok(app::ssr::services::audit::AuditLog::new(&hasher))
}

async fn migrate(config: Config) -> Result<(), String> {
    connect_and_migrate(&config)
        .await
        .map_err(|err: StartupError| err.to_string())?;
    tracing::info!("migrations are up to date");
    Ok(())
}
