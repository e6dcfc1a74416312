use app::ssr::key_cache::feed::Invalidator;
use std::io::BufRead;

use app::ssr::{
    auth::password::PasswordHasher,
    services::{
        accounts,
        audit::Actor,
        members,
        onboarding::{self, NewOrganization, Origin},
    },
};

use crate::{cli::AdminCommand, config::Config, startup::connect_and_migrate};

/// One line from stdin, without its line ending. Spaces are part of the password.
fn read_password_line(input: impl BufRead) -> Result<String, String> {
    let mut line = String::new();
    let mut input = input;
    input
        .read_line(&mut line)
        .map_err(|err| format!("cannot read the password from stdin: {err}"))?;
    let password = line.strip_suffix('\n').unwrap_or(&line);
    let password = password.strip_suffix('\r').unwrap_or(password);
    Ok(password.to_owned())
}

pub async fn run(command: AdminCommand, config: Config) -> Result<(), String> {
    match command {
        AdminCommand::CreateOwner {
            org_name,
            email,
            plan,
        } => {
            let password = read_password_line(std::io::stdin().lock())?;
            let db = connect_and_migrate(&config)
                .await
                .map_err(|err| err.to_string())?;
            let new = NewOrganization {
                org_name,
                owner_email: email,
                owner_password: password,
                plan: plan.into(),
            };
            let created = onboarding::create_organization_with_owner(
                &db,
                &PasswordHasher::new(1),
                new,
                Origin::Cli,
            )
            .await
            .map_err(|err| err.to_string())?;
            tracing::info!(org = %created.slug, owner = %created.owner_id, "organization and Owner created");
            println!("{}", created.slug);
            Ok(())
        }
        AdminCommand::AddMember {
            org_slug,
            email,
            role,
        } => {
            let db = connect_and_migrate(&config)
                .await
                .map_err(|err| err.to_string())?;
            let org = accounts::find_organization_by_slug(&db, &org_slug)
                .await
                .map_err(|err| err.to_string())?
                .ok_or_else(|| format!("no organization with the slug {org_slug}"))?;
            let is_new = accounts::find_user_by_email(&db, &accounts::normalize_email(&email))
                .await
                .map_err(|err| err.to_string())?
                .is_none();
            let password = if is_new {
                Some(read_password_line(std::io::stdin().lock())?)
            } else {
                None
            };
            let user_id = members::add_member(
                &db,
                &Invalidator::detached(),
                &PasswordHasher::new(1),
                org.id,
                &email,
                role.into(),
                password,
                Actor::System { label: "cli" },
                None,
            )
            .await
            .map_err(|err| err.to_string())?;
            tracing::info!(org = %org.slug, user = %user_id, "member added");
            println!("{user_id}");
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::read_password_line;

    #[test]
    fn the_password_keeps_its_spaces_and_loses_only_the_line_ending() {
        assert_eq!(
            read_password_line(&b"  two  words  \n"[..]).unwrap(),
            "  two  words  "
        );
        assert_eq!(
            read_password_line(&b"windows line\r\n"[..]).unwrap(),
            "windows line"
        );
        assert_eq!(
            read_password_line(&b"no newline"[..]).unwrap(),
            "no newline"
        );
        assert_eq!(
            read_password_line(&b"first\nsecond\n"[..]).unwrap(),
            "first"
        );
    }
}
