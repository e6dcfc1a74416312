use crate::{
    config::Config,
    startup::{Application, shutdown_signal},
};

pub async fn serve(config: Config) -> Result<(), String> {
    let application = Application::build(config)
        .await
        .map_err(|err| err.to_string())?;
    let address = application.address();
    tracing::info!(%address, "Keyward is listening");
    match application.setup_url() {
        Some(url) => eprintln!(
            "\n  Keyward is running at http://{address}\n\n  First run: open this one-time link to create your organization and Owner account:\n\n    {url}\n\n  (The link works once; restarting the server prints a new one until setup is done.)\n"
        ),
        None => eprintln!(
            "\n  Keyward is running at http://{address}\n  Sign in at http://{address}/login with your Owner account.\n  (Lost access? `server admin create-owner` creates another organization and Owner.)\n"
        ),
    }
    application
        .run_until(shutdown_signal())
        .await
        .map_err(|err| err.to_string())
}
