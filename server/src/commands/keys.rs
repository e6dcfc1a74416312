//! `server keys create | list | revoke`: the same services the UI and the API use.
//! Results go to stdout as JSON (one object, or one object per line); logs to stderr.

use app::ssr::key_cache::feed::Invalidator;
use app::{
    model::{ApiKeySummary, Mode, Scope},
    ssr::{
        keys::hash::KeyHasher,
        services::{
            accounts,
            audit::Actor,
            keys::{self, DEFAULT_EXPIRY_DAYS, Expiry, KeyFilter, KeyIssuer, NewKey},
            pagination::{MAX_PAGE_SIZE, PageRequest},
        },
    },
};
use serde::Serialize;
use uuid::Uuid;

use super::organization_by_slug;
use crate::{
    cli::{KeysCommand, ModeArg},
    config::Config,
    startup::connect_and_migrate,
};

const CLI_ACTOR: Actor = Actor::System { label: "cli" };

#[derive(Serialize)]
struct CreatedKey<'a> {
    #[serde(flatten)]
    key: &'a ApiKeySummary,
    /// Shown here once; only its keyed hash is stored.
    secret: &'a str,
}

fn parse_scopes(raw: &str) -> Result<Vec<Scope>, String> {
    raw.split(',')
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(|part| {
            part.parse::<Scope>()
                .map_err(|err| format!("--scopes: {err}"))
        })
        .collect()
}

fn to_json(value: &impl Serialize) -> Result<String, String> {
    serde_json::to_string(value).map_err(|err| format!("cannot encode the result: {err}"))
}

pub async fn run(command: KeysCommand, config: Config) -> Result<(), String> {
    let db = connect_and_migrate(&config)
        .await
        .map_err(|err| err.to_string())?;
    let audit = super::audit_log(&config)?;
    match command {
        KeysCommand::Create {
            org_slug,
            name,
            mode,
            scopes,
            workspace_slug,
            expires_in_days,
            never_expires,
            acting_as,
        } => {
            let org = organization_by_slug(&db, &org_slug).await?;
            let acting_for = match acting_as {
                Some(email) => {
                    accounts::member_by_email(&db, org.id, &email)
                        .await
                        .map_err(|err| err.to_string())?
                        .ok_or_else(|| format!("{email} is not a member of {org_slug}"))?
                        .id
                }
                None => accounts::earliest_owner(&db, org.id)
                    .await
                    .map_err(|err| err.to_string())?
                    .ok_or_else(|| format!("{org_slug} has no Owner for the key to act for"))?,
            };
            let expiry = if never_expires {
                Expiry::Never
            } else {
                Expiry::InDays(expires_in_days.unwrap_or(DEFAULT_EXPIRY_DAYS))
            };
            let hasher = KeyHasher::new(&config.key_pepper.secret, config.key_pepper.version)
                .map_err(|err| err.to_string())?;
            let issuer = KeyIssuer {
                hasher: &hasher,
                brand: &config.key_prefix,
                invalidator: &Invalidator::detached(),
            };
            let new = NewKey {
                name,
                description: None,
                mode: match mode {
                    ModeArg::Test => Mode::Test,
                    ModeArg::Live => Mode::Live,
                },
                scopes: parse_scopes(&scopes)?,
                workspace_slug,
                expiry,
            };
            let issued = keys::create_key(
                &db, &audit, &issuer, org.id, acting_for, new, CLI_ACTOR, None,
            )
            .await
            .map_err(|err| err.to_string())?;
            tracing::info!(key = %issued.key.id, org = %org_slug, "API key created");
            println!(
                "{}",
                to_json(&CreatedKey {
                    key: &issued.key,
                    secret: &issued.secret
                })?
            );
            Ok(())
        }
        KeysCommand::List { org_slug } => {
            let org = organization_by_slug(&db, &org_slug).await?;
            let mut page = PageRequest {
                limit: MAX_PAGE_SIZE,
                after: None,
            };
            loop {
                let listed = keys::list_keys(&db, org.id, &KeyFilter::default(), page)
                    .await
                    .map_err(|err| err.to_string())?;
                for key in &listed.data {
                    println!("{}", to_json(key)?);
                }
                match listed.next_cursor {
                    Some(cursor) => {
                        page = PageRequest::new(Some(MAX_PAGE_SIZE), Some(&cursor))
                            .map_err(|err| err.to_string())?;
                    }
                    None => return Ok(()),
                }
            }
        }
        KeysCommand::Revoke { id } => {
            let key_id: Uuid = id.parse().map_err(|_| format!("{id} is not a key id"))?;
            let key = keys::revoke_key(
                &db,
                &audit,
                &Invalidator::detached(),
                key_id,
                None,
                None,
                CLI_ACTOR,
                None,
            )
            .await
            .map_err(|err| err.to_string())?;
            tracing::info!(key = %key.id, "API key revoked");
            println!("{}", to_json(&key)?);
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::parse_scopes;
    use app::model::Scope;

    #[test]
    fn scopes_are_a_comma_separated_list_from_the_catalogue() {
        assert_eq!(parse_scopes("*").unwrap(), vec![Scope::All]);
        assert_eq!(
            parse_scopes("clients:read, audit:read").unwrap(),
            vec![Scope::ClientsRead, Scope::AuditRead]
        );
        assert!(
            parse_scopes("keys:write")
                .unwrap_err()
                .contains("keys:write")
        );
    }
}
