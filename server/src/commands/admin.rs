use std::io::BufRead;

use app::ssr::{
    auth::password::PasswordHasher,
    services::onboarding::{self, NewOrganization, Origin},
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
