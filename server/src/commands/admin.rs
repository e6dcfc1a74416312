use app::ssr::key_cache::feed::Invalidator;
use std::io::BufRead;

use app::ssr::{
    auth::password::PasswordHasher,
    keys::hash::KeyHasher,
    mail::Mailer,
    services::{
        accounts,
        audit::Actor,
        invitations::{self, Delivery, InvitationError, NewInvitation},
        members,
        onboarding::{self, NewOrganization, Origin},
    },
};

use super::organization_by_slug;
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
    let db = connect_and_migrate(&config)
        .await
        .map_err(|err| err.to_string())?;
    let audit = super::audit_log(&config)?;
    match command {
        AdminCommand::CreateOwner {
            org_name,
            email,
            plan,
        } => {
            let password = read_password_line(std::io::stdin().lock())?;
            let new = NewOrganization {
                org_name,
                owner_email: email,
                owner_password: password,
                plan: plan.into(),
            };
            let created = onboarding::create_organization_with_owner(
                &db,
                &audit,
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
            let org = organization_by_slug(&db, &org_slug).await?;
            let email = accounts::normalize_email(&email);
            if accounts::find_user_by_email(&db, &email)
                .await
                .map_err(|err| err.to_string())?
                .is_some()
            {
                return Err(format!(
                    "{email} already has an account: an existing person joins only by accepting \
                     an invitation while signed in as themselves. Run `server admin invite --org \
                     {slug} --email {email} --role {role}` and send them the link.",
                    slug = org.slug,
                    role = app::model::Role::from(role).as_str(),
                ));
            }
            let password = read_password_line(std::io::stdin().lock())?;
            let user_id = members::add_member(
                &db,
                &audit,
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
        AdminCommand::Invite {
            org_slug,
            email,
            role,
        } => {
            let org = organization_by_slug(&db, &org_slug).await?;
            let pepper = &config.key_pepper;
            let hasher =
                KeyHasher::new(&pepper.secret, pepper.version).map_err(|err| err.to_string())?;
            let mailer = config
                .mail
                .as_ref()
                .map(Mailer::new)
                .transpose()
                .map_err(|err| err.to_string())?;
            let delivery = Delivery::through(
                mailer.as_ref(),
                &org.name,
                "The operator of this Keyward server",
            );
            let issued = invitations::invite(
                &db,
                &audit,
                &hasher,
                NewInvitation {
                    org_id: org.id,
                    email: &email,
                    role: role.into(),
                },
                delivery,
                Actor::System { label: "cli" },
                None,
            )
            .await
            .map_err(|err| match err {
                InvitationError::Mail(err) => {
                    format!("{err}; the invitation was withdrawn, nothing was sent")
                }
                other => other.to_string(),
            })?;
            let invited = &issued.invitation.email;
            match issued.token {
                Some(token) => {
                    eprintln!(
                        "Whoever opens this link can claim the account for {invited} if it is new: \
                         send it only to them. It works once, until {}.",
                        issued.invitation.expires_at.format("%Y-%m-%d %H:%M UTC")
                    );
                    println!(
                        "{}{}",
                        config.public_base_url(config.bind_addr),
                        invitations::invitation_path(&token)
                    );
                }
                None => println!("invitation e-mailed to {invited}"),
            }
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
