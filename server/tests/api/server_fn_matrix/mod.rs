//! Who may call which server function (SECURITY.md items 10 and 12).
//!
//! - The role matrix: every server function that changes something, called by an Owner,
//!   an Admin, a Member and a Viewer of one organization. Exactly the allowed cells
//!   succeed; every other cell is refused with 403 and leaves every row of every table as
//!   it was. (The CLI is the operator's break-glass tool and has no roles.)
//! - The tenant matrix: an Owner naming another organization's objects by their ids
//!   changes and reads nothing.

mod coverage;

use app::{
    model::{CreatedInvitation, Mode, Plan, Role, Scope, SignalEvidence, SignalKind, SignalStatus},
    ssr::{
        entities::workspace,
        services::{audit::Actor, workspaces},
    },
};
use reqwest::Response;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{
    browser::Browser,
    helpers::{Owner, TestApp, key_with_every_scope, spawn_app},
    snapshot::every_row,
    v1::{PASSWORD, add_member},
};

/// Every server function that changes an organization and is open to some roles only.
/// Server functions that every signed-in person may call (sign-in, sign-out, switching
/// organization, accepting an invitation) are not role-gated and are walked by
/// `every_state_changing_server_function_is_in_the_matrix_or_named_as_open_to_all`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    CreateKey,
    EditKey,
    RollKey,
    RevokeKey,
    ChangePlan,
    Invite,
    ChangeRole,
    RemoveMember,
    RevokeInvitation,
    CreateWorkspace,
    RenameWorkspace,
    DismissSignal,
    SaveBusinessHours,
    AddAlertDestination,
    RemoveAlertDestination,
    SendTestAlert,
}

impl Action {
    const ALL: [Action; 16] = [
        Action::CreateKey,
        Action::EditKey,
        Action::RollKey,
        Action::RevokeKey,
        Action::ChangePlan,
        Action::Invite,
        Action::ChangeRole,
        Action::RemoveMember,
        Action::RevokeInvitation,
        Action::CreateWorkspace,
        Action::RenameWorkspace,
        Action::DismissSignal,
        Action::SaveBusinessHours,
        Action::AddAlertDestination,
        Action::RemoveAlertDestination,
        Action::SendTestAlert,
    ];

    /// The rule under test: Owners and Admins manage keys, members and workspaces;
    /// only Owners switch plans; Members and Viewers change nothing.
    fn allowed_for(self, role: Role) -> bool {
        match role {
            Role::Owner => true,
            Role::Admin => self != Action::ChangePlan,
            Role::Member | Role::Viewer => false,
        }
    }

    fn endpoint(self) -> &'static str {
        match self {
            Action::CreateKey => "/api/create_api_key",
            Action::EditKey => "/api/update_api_key",
            Action::RollKey => "/api/roll_api_key",
            Action::RevokeKey => "/api/revoke_api_key",
            Action::ChangePlan => "/api/change_plan",
            Action::Invite => "/api/invite_member",
            Action::ChangeRole => "/api/change_member_role",
            Action::RemoveMember => "/api/remove_member",
            Action::RevokeInvitation => "/api/revoke_invitation",
            Action::CreateWorkspace => "/api/create_workspace",
            Action::RenameWorkspace => "/api/rename_workspace",
            Action::DismissSignal => "/api/dismiss_signal",
            Action::SaveBusinessHours => "/api/save_business_hours",
            Action::AddAlertDestination => "/api/add_alert_destination",
            Action::RemoveAlertDestination => "/api/remove_alert_destination",
            Action::SendTestAlert => "/api/send_test_alert",
        }
    }
}

/// Server functions that change something but are open to every signed-in person (or
/// to nobody signed in yet), with the reason they are outside the matrix.
const OPEN_TO_ALL: [(&str, &str); 5] = [
    ("/api/login", "signs in"),
    ("/api/logout", "ends one's own session"),
    (
        "/api/switch_organization",
        "only among one's own memberships",
    ),
    ("/api/accept_invitation", "the invitation decides the role"),
    (
        "/api/complete_setup",
        "only before the first organization exists",
    ),
];

enum Body {
    Form(Vec<(&'static str, String)>),
    Json(Value),
}

/// One organization with a person of each role, each signed in in their own browser.
struct Organization<'app> {
    app: &'app TestApp,
    /// Tells this organization's people and targets apart from another's on one server.
    name: &'static str,
    owner: Owner,
    browsers: Vec<(Role, Browser)>,
}

impl<'app> Organization<'app> {
    async fn start(app: &'app TestApp, name: &'static str) -> Self {
        let owner = app
            .create_owner(&format!("owner@{name}.example"), PASSWORD, Plan::Business)
            .await;
        let mut browsers = Vec::new();
        for role in [Role::Owner, Role::Admin, Role::Member, Role::Viewer] {
            let email = format!("{role:?}@{name}.example").to_lowercase();
            if role != Role::Owner {
                add_member(app, &owner, &email, role).await;
            }
            let browser = Browser::new(app);
            browser.sign_into(&email, &owner).await;
            browsers.push((role, browser));
        }
        Organization {
            app,
            name,
            owner,
            browsers,
        }
    }

    fn browser(&self, role: Role) -> &Browser {
        self.browsers
            .iter()
            .find_map(|(held, browser)| (*held == role).then_some(browser))
            .expect("a browser per role")
    }

    /// A fresh target for `action` (a key, a member, an invitation, a workspace), made
    /// by the Owner before the call, so every cell acts on something of its own.
    async fn body_for(&self, action: Action, cell: usize) -> Body {
        let org_id = self.owner.org.org_id;
        match action {
            Action::CreateKey => Body::Json(json!({ "form": {
                "name": format!("created in cell {cell}"), "description": null, "mode": "test",
                "workspace_id": null, "scopes": ["*"], "expiry": { "Days": 30 },
            }})),
            Action::EditKey => Body::Json(json!({
                "id": self.fresh_key(cell).await,
                "edit": {
                    "name": format!("edited in cell {cell}"), "description": "changed",
                    "scopes": ["clients:read"], "expiry": null, "allowed_ips": [],
                },
            })),
            Action::RollKey => Body::Form(vec![
                ("id", self.fresh_key(cell).await.to_string()),
                ("grace", "1h".to_owned()),
            ]),
            Action::RevokeKey => Body::Form(vec![
                ("id", self.fresh_key(cell).await.to_string()),
                ("reason", "matrix".to_owned()),
            ]),
            // The organization starts on Business; the Owner's cell moves it up.
            Action::ChangePlan => Body::Form(vec![("plan", "enterprise".to_owned())]),
            Action::Invite => Body::Json(json!({ "form": {
                "email": format!("invitee-{cell}@{}.example", self.name), "role": "member",
            }})),
            Action::ChangeRole => Body::Form(vec![
                ("user_id", self.fresh_member(cell).await.to_string()),
                ("role", "viewer".to_owned()),
            ]),
            Action::RemoveMember => {
                Body::Form(vec![("user_id", self.fresh_member(cell).await.to_string())])
            }
            Action::RevokeInvitation => {
                Body::Form(vec![("id", self.fresh_invitation(cell).await.to_string())])
            }
            Action::CreateWorkspace => {
                Body::Form(vec![("name", format!("Created in cell {cell}"))])
            }
            Action::RenameWorkspace => {
                let workspace = workspaces::create_workspace(
                    &self.app.db,
                    &self.app.audit,
                    org_id,
                    &format!("Workspace of cell {cell}"),
                    Actor::System { label: "test" },
                    None,
                )
                .await
                .expect("workspace created");
                Body::Form(vec![
                    ("id", workspace.id.to_string()),
                    ("name", format!("Renamed in cell {cell}")),
                ])
            }
            Action::DismissSignal => {
                let key = self.fresh_key(cell).await;
                Body::Form(vec![(
                    "id",
                    plant_signal(&self.app.db, org_id, key).await.to_string(),
                )])
            }
            Action::AddAlertDestination => Body::Json(json!({ "new": {
                "url": format!("https://hooks.example.com/cell-{cell}"), "events": ["signal.opened"],
            }})),
            Action::RemoveAlertDestination | Action::SendTestAlert => Body::Form(vec![(
                "id",
                plant_destination(&self.app.db, org_id).await.to_string(),
            )]),
            Action::SaveBusinessHours => Body::Json(json!({ "hours": {
                "time_zone": "Europe/Berlin", "days": [1, 2, 3, 4, 5],
                "start_hour": cell % 12, "end_hour": 18,
            }})),
        }
    }

    async fn fresh_key(&self, cell: usize) -> Uuid {
        self.app
            .issue_key(
                self.owner.org.org_id,
                self.owner.org.owner_id,
                key_with_every_scope(&format!("target of cell {cell}"), Mode::Live),
            )
            .await
            .expect("key issued")
            .key
            .id
    }

    async fn fresh_member(&self, cell: usize) -> Uuid {
        add_member(
            self.app,
            &self.owner,
            &format!("member-{cell}@{}.example", self.name),
            Role::Member,
        )
        .await
    }

    async fn fresh_invitation(&self, cell: usize) -> Uuid {
        let response = self
            .browser(Role::Owner)
            .post_json(
                "/api/invite_member",
                json!({ "form": { "email": format!("pending-{cell}@{}.example", self.name), "role": "viewer" } }),
            )
            .await;
        assert_eq!(response.status(), 200, "the Owner invites");
        let created: CreatedInvitation = response.json().await.expect("a CreatedInvitation");
        created.invitation.id
    }

    async fn call(&self, role: Role, action: Action, body: Body) -> Response {
        call(self.browser(role), action.endpoint(), body).await
    }
}

async fn call(browser: &Browser, endpoint: &str, body: Body) -> Response {
    match body {
        Body::Form(fields) => {
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            browser.post_form(endpoint, &fields).await
        }
        Body::Json(body) => browser.post_json(endpoint, body).await,
    }
}

#[tokio::test]
async fn exactly_owners_and_admins_change_things_and_only_owners_switch_plans() {
    let app = spawn_app().await;
    let org = Organization::start(&app, "acme").await;
    let mut cell = 0;
    let mut outcomes = Vec::new();
    for action in Action::ALL {
        for role in [Role::Owner, Role::Admin, Role::Member, Role::Viewer] {
            cell += 1;
            let body = org.body_for(action, cell).await;
            let before = every_row(org.app).await;
            let response = org.call(role, action, body).await;
            let status = response.status().as_u16();
            let text = response.text().await.unwrap_or_default();
            let after = every_row(org.app).await;
            if action.allowed_for(role) {
                assert_eq!(status, 200, "{role:?} may {action:?}: {text}");
                assert_ne!(before, after, "{role:?} {action:?} changed something");
            } else {
                assert_eq!(status, 403, "{role:?} may not {action:?}: {text}");
                assert_eq!(
                    before, after,
                    "{role:?} {action:?} refused, nothing written"
                );
            }
            outcomes.push((action, role, status));
        }
    }
    assert_eq!(
        outcomes.len(),
        Action::ALL.len() * 4,
        "every cell was called"
    );
}

/// An alert destination of the organization (an https endpoint wanting signals).
async fn plant_destination(db: &sea_orm::DatabaseConnection, org_id: Uuid) -> Uuid {
    let id = Uuid::now_v7();
    app::ssr::entities::alert_destination::Entity::insert(
        app::ssr::entities::alert_destination::ActiveModel {
            id: Set(id),
            org_id: Set(org_id),
            url: Set(format!("https://hooks.example.com/{id}")),
            events: Set(json!(["signal.opened"])),
            secret_salt: Set(vec![7; 32]),
            pepper_version: Set(1),
            created_by: Set(None),
            created_at: Set(chrono::Utc::now()),
        },
    )
    .exec_without_returning(db)
    .await
    .expect("destination planted");
    id
}

/// An open signal on `key`, as the detector would open it.
async fn plant_signal(db: &sea_orm::DatabaseConnection, org_id: Uuid, key: Uuid) -> Uuid {
    let now = chrono::Utc::now();
    let id = Uuid::now_v7();
    app::ssr::entities::api_key_signal::Entity::insert(
        app::ssr::entities::api_key_signal::ActiveModel {
            id: Set(id),
            org_id: Set(org_id),
            key_id: Set(key),
            kind: Set(SignalKind::DeniedScope),
            subject: Set("audit:read".to_owned()),
            status: Set(SignalStatus::Open),
            evidence: Set(json!(SignalEvidence::DeniedScope {
                scope: Scope::AuditRead,
                denied: 1,
                last_denied_at: now,
            })),
            evidence_at: Set(now),
            detected_at: Set(now),
            opened_at: Set(now),
            dismissed_at: Set(None),
            dismissed_by: Set(None),
        },
    )
    .exec_without_returning(db)
    .await
    .expect("signal planted");
    id
}

/// The changes that name an existing object by its id.
const NAMING_AN_OBJECT: [Action; 10] = [
    Action::EditKey,
    Action::RollKey,
    Action::RevokeKey,
    Action::ChangeRole,
    Action::RemoveMember,
    Action::RevokeInvitation,
    Action::RenameWorkspace,
    Action::DismissSignal,
    Action::RemoveAlertDestination,
    Action::SendTestAlert,
];

#[tokio::test]
async fn an_owner_can_neither_change_nor_read_another_organizations_objects_by_their_ids() {
    let app = spawn_app().await;
    let acme = Organization::start(&app, "acme").await;
    let globex = Organization::start(&app, "globex").await;
    for (cell, action) in NAMING_AN_OBJECT.into_iter().enumerate() {
        let body = globex.body_for(action, cell).await;
        let before = every_row(&app).await;
        let response = acme.call(Role::Owner, action, body).await;
        let status = response.status().as_u16();
        assert!(
            matches!(status, 403 | 404),
            "acme's Owner {action:?} on globex's object: {status} {}",
            response.text().await.unwrap_or_default()
        );
        assert_eq!(
            before,
            every_row(&app).await,
            "{action:?} across organizations wrote nothing"
        );
    }

    let globex_workspace = workspace::Entity::find()
        .filter(workspace::Column::OrgId.eq(globex.owner.org.org_id))
        .one(&app.db)
        .await
        .expect("workspaces read")
        .expect("globex has its default workspace");
    let before = every_row(&app).await;
    let into_globex = acme
        .browser(Role::Owner)
        .post_json(
            Action::CreateKey.endpoint(),
            json!({ "form": {
                "name": "planted", "description": null, "mode": "live",
                "workspace_id": globex_workspace.id, "scopes": ["*"], "expiry": { "Days": 30 },
            }}),
        )
        .await;
    assert!(
        matches!(into_globex.status().as_u16(), 403 | 404 | 422),
        "a key into another organization's workspace: {}",
        into_globex.status()
    );
    assert_eq!(before, every_row(&app).await, "no key was planted");

    let globex_key = globex.fresh_key(100).await;
    let owner = acme.browser(Role::Owner);
    let reads = [
        owner
            .post_form("/api/key_details", &[("id", &globex_key.to_string())])
            .await,
        owner
            .post_json(
                "/api/key_usage",
                json!({ "id": globex_key, "range": "Day" }),
            )
            .await,
        owner
            .post_json(
                "/api/key_activity",
                json!({ "id": globex_key, "cursor": null }),
            )
            .await,
        owner
            .post_form("/api/key_footprint", &[("id", &globex_key.to_string())])
            .await,
        owner
            .post_form("/api/key_signals", &[("id", &globex_key.to_string())])
            .await,
        owner
            .post_json(
                "/api/key_requests",
                json!({ "id": globex_key, "class": "All", "cursor": null }),
            )
            .await,
    ];
    for read in reads {
        assert_eq!(read.status(), 404, "{}", read.url());
    }
}
