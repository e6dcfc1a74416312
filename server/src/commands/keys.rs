//! `server keys …`: the interface is fixed (see the README); the key lifecycle itself
//! ships with the key-lifecycle issue, so these commands refuse to run for now.

use crate::{cli::KeysCommand, config::Config};

pub async fn run(command: KeysCommand, _config: Config) -> Result<(), String> {
    let name = match command {
        KeysCommand::Create { .. } => "keys create",
        KeysCommand::List { .. } => "keys list",
        KeysCommand::Revoke { .. } => "keys revoke",
    };
    Err(format!(
        "`server {name}` is not available yet in this version of Keyward"
    ))
}
