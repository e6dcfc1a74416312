//! `server audit verify --org <slug> | --system`: walks an audit chain and reports the
//! first broken link. Exit code 1 when it is broken.

use super::organization_by_slug;
use crate::{cli::AuditCommand, config::Config, startup::connect_and_migrate};

pub async fn run(command: AuditCommand, config: Config) -> Result<(), String> {
    let db = connect_and_migrate(&config)
        .await
        .map_err(|err| err.to_string())?;
    let audit = super::audit_log(&config)?;
    match command {
        AuditCommand::Verify { org_slug, system } => {
            let (org_id, name) = match (org_slug, system) {
                (Some(slug), false) => (Some(organization_by_slug(&db, &slug).await?.id), slug),
                (None, true) => (None, "the system".to_owned()),
                _ => return Err("name one chain: --org <slug> or --system".to_owned()),
            };
            let report = audit
                .verify(&db, org_id)
                .await
                .map_err(|err| err.to_string())?;
            let up_to = report
                .verified_up_to
                .map_or_else(|| "no events yet".to_owned(), |at| at.to_rfc3339());
            match report.broken {
                None => {
                    println!(
                        "the audit chain of {name} holds: {} sealed at its start, {} linked, verified up to {up_to}",
                        report.genesis_events, report.linked_events
                    );
                    Ok(())
                }
                Some(broken) => {
                    println!(
                        "the audit chain of {name} is broken: {broken} (verified up to {up_to})"
                    );
                    Err(format!("the audit chain of {name} is broken"))
                }
            }
        }
    }
}
