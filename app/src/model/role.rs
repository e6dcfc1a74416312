use super::vocabulary::closed_vocabulary;
use serde::{Deserialize, Serialize};

/// A member's role in one organization. Stored as lowercase text (checked by the database).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "ssr", derive(sea_orm::EnumIter, sea_orm::DeriveActiveEnum))]
#[cfg_attr(
    feature = "ssr",
    sea_orm(rs_type = "String", db_type = "Text", rename_all = "lowercase")
)]
pub enum Role {
    Owner,
    Admin,
    Member,
    Viewer,
}

closed_vocabulary!(Role, "role", {
    Owner => ("owner", "Owner"),
    Admin => ("admin", "Admin"),
    Member => ("member", "Member"),
    Viewer => ("viewer", "Viewer"),
});

impl Role {
    /// Owners and Admins create, edit, roll and revoke keys; the others only read.
    /// What a key acting for this role may do with data: every role reads; only
    /// Viewers cannot write.
    pub fn can_write_data(self) -> bool {
        !matches!(self, Role::Viewer)
    }

    pub fn can_manage_keys(self) -> bool {
        matches!(self, Role::Owner | Role::Admin)
    }

    /// Owners and Admins invite, change roles and remove; the others only read.
    pub fn can_manage_members(self) -> bool {
        matches!(self, Role::Owner | Role::Admin)
    }

    /// Whether this role may act on a member who holds `other`, or hand `other` out
    /// (invite with it, change someone to it). Owners may do anything; Admins never
    /// touch Owners and never make one. The last-Owner rule is the service's, since it
    /// depends on the whole organization.
    pub fn can_manage_role(self, other: Role) -> bool {
        match self {
            Role::Owner => true,
            Role::Admin => other != Role::Owner,
            Role::Member | Role::Viewer => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_round_trips_through_its_stored_text() {
        for &role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
        }
        assert!("superuser".parse::<Role>().is_err());
    }

    #[test]
    fn viewers_are_the_only_read_only_role() {
        assert!(Role::Owner.can_write_data());
        assert!(Role::Member.can_write_data());
        assert!(!Role::Viewer.can_write_data());
    }

    #[test]
    fn only_owners_and_admins_manage_keys() {
        let managers: Vec<Role> = Role::ALL
            .iter()
            .copied()
            .filter(|r| r.can_manage_keys())
            .collect();
        assert_eq!(managers, vec![Role::Owner, Role::Admin]);
    }

    #[test]
    fn owners_manage_every_role_and_admins_every_role_but_owner() {
        for &other in Role::ALL {
            assert!(Role::Owner.can_manage_role(other), "owner on {other:?}");
            assert_eq!(
                Role::Admin.can_manage_role(other),
                other != Role::Owner,
                "admin on {other:?}"
            );
            assert!(!Role::Member.can_manage_role(other));
            assert!(!Role::Viewer.can_manage_role(other));
        }
    }

    #[test]
    fn only_owners_and_admins_manage_members() {
        let managers: Vec<Role> = Role::ALL
            .iter()
            .copied()
            .filter(|r| r.can_manage_members())
            .collect();
        assert_eq!(managers, vec![Role::Owner, Role::Admin]);
    }
}
