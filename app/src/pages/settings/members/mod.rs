//! Settings ▸ Members: the people of the organization, open invitations, and the
//! dialogs that invite, change roles and remove. Owners and Admins manage (Admins
//! never touch Owners); Members and Viewers read.

mod invitations;
mod invite;
mod remove;
mod role;
mod table;

use leptos::prelude::*;

use self::{
    invitations::InvitationList, invite::InviteDialog, remove::RemoveDialog,
    role::ChangeRoleDialog, table::MemberTable,
};
use super::PageHeader;
use crate::{
    components::notices::Toast,
    error::AppError,
    model::{MemberRow, MembersOverview},
};

const DESCRIPTION: &str = "People in this organization and their roles.";

/// The members, and for Owners and Admins the open invitations. Every role may read.
#[server(endpoint = "members_overview")]
pub async fn load_members_overview() -> Result<MembersOverview, AppError> {
    use crate::ssr::{
        boundary,
        services::{invitations, members},
    };

    let (state, _, current) = boundary::require_user().await?;
    let members = members::list_members(&state.db, current.org.id).await?;
    let invitations = if current.membership.role.can_manage_members() {
        invitations::list_open(&state.db, current.org.id).await?
    } else {
        Vec::new()
    };
    Ok(MembersOverview {
        members,
        invitations,
        my_user_id: current.user.id,
        my_role: current.membership.role,
        invitations_emailed: state.mailer.is_some(),
        now: chrono::Utc::now(),
    })
}

/// What a member row's buttons ask the page to open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowAction {
    ChangeRole,
    Remove,
}

#[component]
pub fn MembersPage() -> impl IntoView {
    let changes = RwSignal::new(0u32);
    let toast = RwSignal::new(None::<String>);
    let overview = Resource::new(move || changes.get(), |_| load_members_overview());
    let changed = Callback::new(move |message: String| {
        toast.set(Some(message));
        changes.update(|n| *n += 1);
    });
    view! {
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match overview.await {
                    Ok(overview) => view! { <MembersSection overview toast changed/> }.into_any(),
                    Err(err) => view! {
                        <PageHeader title="Members" description=DESCRIPTION/>
                        <p class="form-error" role="alert">{err.to_string()}</p>
                    }
                    .into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn MembersSection(
    overview: MembersOverview,
    toast: RwSignal<Option<String>>,
    changed: Callback<String>,
) -> impl IntoView {
    let can_manage = overview.my_role.can_manage_members();
    let inviting = RwSignal::new(None::<()>);
    let changing = RwSignal::new(None::<MemberRow>);
    let removing = RwSignal::new(None::<MemberRow>);
    let on_action = move |action: RowAction, member: MemberRow| match action {
        RowAction::ChangeRole => changing.set(Some(member)),
        RowAction::Remove => removing.set(Some(member)),
    };
    let my_role = overview.my_role;
    let me = overview.my_user_id;
    let now = overview.now;

    view! {
        <leptos_meta::Title text="Members"/>
        <header class="page-header">
            <div>
                <h1>"Members"</h1>
                <p class="muted">{DESCRIPTION}</p>
            </div>
            {can_manage.then(|| view! {
                <button type="button" class="btn btn-primary" on:click=move |_| inviting.set(Some(()))>
                    "Invite member"
                </button>
            })}
        </header>
        <Toast message=toast/>
        {(!can_manage).then(|| view! {
            <p class="notice" data-testid="read-only-notice">
                "Your role ("{my_role.label()}") can see the members. Owners and Admins invite, change roles and remove."
            </p>
        })}
        <MemberTable members=overview.members my_role me on_action/>
        {can_manage.then(|| view! {
            <InvitationList invitations=overview.invitations now on_revoked=changed/>
            <InviteDialog open=inviting my_role emailed=overview.invitations_emailed on_invited=changed/>
            <ChangeRoleDialog target=changing my_role on_changed=changed/>
            <RemoveDialog target=removing me on_removed=changed/>
        })}
    }
    .into_any()
}
