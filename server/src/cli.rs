//! The command line. Scripts rely on this interface: results go to stdout, logs to stderr.

use clap::{Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "server",
    about = "Keyward: API key management (server and admin CLI)",
    version
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the admin UI and the /v1 API (the default).
    Serve,
    /// Run pending database migrations and exit.
    Migrate,
    /// Administrative tasks (automation and break-glass).
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Manage API keys.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Check the audit log.
    #[command(subcommand)]
    Audit(AuditCommand),
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Walk an audit chain (an organization's, or the system's) and report the first
    /// broken link; exit code 1 if there is one.
    Verify {
        #[arg(long = "org", value_name = "SLUG", conflicts_with = "system")]
        org_slug: Option<String>,
        /// The chain of events without an organization (sign-ins of unknown e-mails, …).
        #[arg(long)]
        system: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create an organization and its Owner. The password is read from stdin (one line).
    /// Prints the organization slug as the last line of stdout.
    CreateOwner {
        #[arg(long = "org", value_name = "NAME")]
        org_name: String,
        #[arg(long)]
        email: String,
        #[arg(long, value_enum, default_value_t = PlanArg::Business)]
        plan: PlanArg,
    },
    /// Create a user (password from stdin, one line) and add them to an organization with
    /// a role. An e-mail that already has an account is refused: invite it instead, so
    /// its owner joins by accepting while signed in as themselves.
    AddMember {
        #[arg(long = "org", value_name = "SLUG")]
        org_slug: String,
        #[arg(long)]
        email: String,
        #[arg(long, value_enum)]
        role: RoleArg,
    },
    /// Invite an e-mail into an organization with a role. With KEYWARD_SMTP_URL set the
    /// link is e-mailed; otherwise it is printed (stdout, last line) for you to pass on.
    Invite {
        #[arg(long = "org", value_name = "SLUG")]
        org_slug: String,
        #[arg(long)]
        email: String,
        #[arg(long, value_enum)]
        role: RoleArg,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum RoleArg {
    Owner,
    Admin,
    Member,
    Viewer,
}

impl From<RoleArg> for app::model::Role {
    fn from(role: RoleArg) -> Self {
        match role {
            RoleArg::Owner => Self::Owner,
            RoleArg::Admin => Self::Admin,
            RoleArg::Member => Self::Member,
            RoleArg::Viewer => Self::Viewer,
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum PlanArg {
    Starter,
    Professional,
    Business,
    Enterprise,
}

impl From<PlanArg> for app::model::Plan {
    fn from(plan: PlanArg) -> Self {
        match plan {
            PlanArg::Starter => Self::Starter,
            PlanArg::Professional => Self::Professional,
            PlanArg::Business => Self::Business,
            PlanArg::Enterprise => Self::Enterprise,
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ModeArg {
    Test,
    Live,
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Create a key; prints one JSON object with `id` and `secret` (shown only here).
    Create {
        #[arg(long = "org", value_name = "SLUG")]
        org_slug: String,
        #[arg(long)]
        name: String,
        #[arg(long, value_enum)]
        mode: ModeArg,
        /// Comma-separated scopes, or `*` for all.
        #[arg(long)]
        scopes: String,
        #[arg(long = "workspace", value_name = "SLUG")]
        workspace_slug: Option<String>,
        #[arg(long, conflicts_with = "never_expires")]
        expires_in_days: Option<u32>,
        #[arg(long)]
        never_expires: bool,
        /// E-mail of the member the key acts for (default: the earliest Owner).
        #[arg(long = "as", value_name = "EMAIL")]
        acting_as: Option<String>,
    },
    /// List an organization's keys as JSON lines (never secrets).
    List {
        #[arg(long = "org", value_name = "SLUG")]
        org_slug: String,
    },
    /// Revoke a key immediately and permanently.
    Revoke { id: String },
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn create_owner_defaults_to_the_business_plan() {
        let cli = Cli::parse_from([
            "server",
            "admin",
            "create-owner",
            "--org",
            "Acme",
            "--email",
            "a@b.co",
        ]);
        let Some(Command::Admin(AdminCommand::CreateOwner { plan, .. })) = cli.command else {
            panic!("parsed {cli:?}");
        };
        assert!(matches!(plan, PlanArg::Business));
    }

    #[test]
    fn no_subcommand_means_serve() {
        assert!(Cli::parse_from(["server"]).command.is_none());
    }
}
