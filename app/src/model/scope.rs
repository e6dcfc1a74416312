use serde::{Deserialize, Serialize};

use super::vocabulary::closed_vocabulary;

/// A permission an API key may carry. Routes declare the scope they need; `*` grants
/// everything and `x:write` implies `x:read`. Keys can never manage keys, members,
/// billing or settings: no scope exists for those.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Scope {
    All,
    ClientsRead,
    ClientsWrite,
    EnvelopesRead,
    EnvelopesWrite,
    VerificationsRead,
    VerificationsWrite,
    WebhooksWrite,
    AuditRead,
}

closed_vocabulary!(Scope, "scope", {
    All => ("*", "All scopes"),
    ClientsRead => ("clients:read", "Clients: read"),
    ClientsWrite => ("clients:write", "Clients: write"),
    EnvelopesRead => ("envelopes:read", "Envelopes: read"),
    EnvelopesWrite => ("envelopes:write", "Envelopes: write"),
    VerificationsRead => ("verifications:read", "Verifications: read"),
    VerificationsWrite => ("verifications:write", "Verifications: write"),
    WebhooksWrite => ("webhooks:write", "Webhooks: write"),
    AuditRead => ("audit:read", "Audit log: read"),
});

impl Scope {
    /// The resource a scope is about (`None` for `*`), for grouping in the UI.
    pub fn resource(self) -> Option<&'static str> {
        self.as_str().split_once(':').map(|(resource, _)| resource)
    }

    /// The read scope a write scope implies.
    fn implied_read(self) -> Option<Scope> {
        match self {
            Scope::ClientsWrite => Some(Scope::ClientsRead),
            Scope::EnvelopesWrite => Some(Scope::EnvelopesRead),
            Scope::VerificationsWrite => Some(Scope::VerificationsRead),
            _ => None,
        }
    }

    /// Whether the scope allows changing data (a Viewer's keys never do).
    pub fn is_write(self) -> bool {
        matches!(
            self,
            Scope::All
                | Scope::ClientsWrite
                | Scope::EnvelopesWrite
                | Scope::VerificationsWrite
                | Scope::WebhooksWrite
        )
    }

    /// Whether holding `self` allows an action that requires `required`.
    pub fn grants(self, required: Scope) -> bool {
        self == Scope::All || self == required || self.implied_read() == Some(required)
    }
}

/// Whether any of the `held` scopes allows `required`.
pub fn scopes_grant(held: &[Scope], required: Scope) -> bool {
    held.iter().any(|scope| scope.grants(required))
}

/// A key's effective rights: its scopes, intersected with what the role of the
/// member it acts for allows on data.
pub fn key_allows(held: &[Scope], acting_role: super::Role, required: Scope) -> bool {
    scopes_grant(held, required) && (!required.is_write() || acting_role.can_write_data())
}

impl From<Scope> for String {
    fn from(scope: Scope) -> Self {
        scope.as_str().to_owned()
    }
}

impl TryFrom<String> for Scope {
    type Error = super::UnknownVariant;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        value.parse()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wildcard_grants_every_scope() {
        for &scope in Scope::ALL {
            assert!(Scope::All.grants(scope), "{scope:?}");
        }
    }

    #[test]
    fn write_implies_read_of_the_same_resource_only() {
        assert!(Scope::ClientsWrite.grants(Scope::ClientsRead));
        assert!(!Scope::ClientsRead.grants(Scope::ClientsWrite));
        assert!(!Scope::ClientsWrite.grants(Scope::EnvelopesRead));
        assert!(!Scope::WebhooksWrite.grants(Scope::AuditRead));
    }

    #[test]
    fn a_scope_is_not_granted_by_an_empty_set() {
        assert!(!scopes_grant(&[], Scope::AuditRead));
        assert!(scopes_grant(
            &[Scope::EnvelopesRead, Scope::AuditRead],
            Scope::AuditRead
        ));
    }

    #[test]
    fn a_viewers_key_reads_but_never_writes_whatever_its_scopes() {
        use crate::model::Role;
        assert!(key_allows(&[Scope::All], Role::Viewer, Scope::ClientsRead));
        assert!(!key_allows(
            &[Scope::All],
            Role::Viewer,
            Scope::ClientsWrite
        ));
        assert!(key_allows(&[Scope::All], Role::Member, Scope::ClientsWrite));
        assert!(!key_allows(
            &[Scope::ClientsRead],
            Role::Owner,
            Scope::ClientsWrite
        ));
    }

    #[test]
    fn scopes_serialize_as_their_documented_names() {
        let json = serde_json::to_string(&[Scope::All, Scope::ClientsRead]).unwrap();
        assert_eq!(json, r#"["*","clients:read"]"#);
        let parsed: Vec<Scope> =
            serde_json::from_str(r#"["webhooks:write","audit:read"]"#).unwrap();
        assert_eq!(parsed, vec![Scope::WebhooksWrite, Scope::AuditRead]);
        assert!(serde_json::from_str::<Scope>(r#""keys:write""#).is_err());
    }

    #[test]
    fn resources_group_the_catalogue() {
        assert_eq!(Scope::All.resource(), None);
        assert_eq!(Scope::VerificationsWrite.resource(), Some("verifications"));
    }
}
