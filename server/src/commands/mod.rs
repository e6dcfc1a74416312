//! One function per CLI command.

pub mod admin;
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

async fn migrate(config: Config) -> Result<(), String> {
    connect_and_migrate(&config)
        .await
        .map_err(|err: StartupError| err.to_string())?;
    tracing::info!("migrations are up to date");
    Ok(())
}
