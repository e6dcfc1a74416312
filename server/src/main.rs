use std::process::ExitCode;

use clap::Parser;
use server::{
    cli::Cli,
    commands,
    config::{Config, Environment},
    telemetry,
};

/// mimalloc instead of glibc's allocator: measured in docs/PERFORMANCE.md (item 1, 6).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let _ = dotenvy::dotenv();
    let environment = match std::env::var("KEYWARD_ENV").as_deref() {
        Ok("production") => Environment::Production,
        _ => Environment::Development,
    };
    telemetry::init(environment);
    let config = match Config::load() {
        Ok(config) => config,
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::FAILURE;
        }
    };
    commands::run(cli.command, config).await
}
