//! Changing a member's role: a dialog offering the roles the viewer may grant.

use leptos::prelude::*;

use super::invite::grantable;
use crate::{
    components::{
        dialog::{CancelButton, Modal},
        notices::FormError,
    },
    error::AppError,
    model::{MemberRow, Role},
};

/// Gives a member of the current organization another role. The service enforces who
/// may do it and that the organization keeps an Owner.
#[server(endpoint = "change_member_role")]
pub async fn change_member_role(user_id: uuid::Uuid, role: Role) -> Result<(), AppError> {
    use crate::ssr::{boundary, services::members};

    let (state, current) = boundary::require_member_manager().await?;
    members::change_role(
        &state.db,
        &state.audit,
        &state.invalidator,
        current.org.id,
        user_id,
        role,
        current.actor(),
        boundary::client_ip().await,
    )
    .await
    .map_err(AppError::from)
}

#[component]
pub fn ChangeRoleDialog(
    target: RwSignal<Option<MemberRow>>,
    my_role: Role,
    on_changed: Callback<String>,
) -> impl IntoView {
    let role = RwSignal::new(Role::Member);
    let problem = RwSignal::new(None::<String>);
    let change = ServerAction::<ChangeMemberRole>::new();
    // Opening starts from the member's current role.
    Effect::new(move |_| {
        if let Some(current) = target.with(|t| t.as_ref().map(|m| m.role)) {
            role.set(current);
        }
    });
    Effect::new(move |_| match change.value().get() {
        Some(Ok(())) => {
            let email = target.with_untracked(|t| t.as_ref().map(|m| m.email.clone()));
            target.set(None);
            on_changed.run(format!(
                "{} is now {}.",
                email.unwrap_or_default(),
                role.get_untracked().label()
            ));
        }
        Some(Err(err)) => problem.set(Some(err.to_string())),
        None => {}
    });
    let email = move || target.with(|t| t.as_ref().map(|m| m.email.clone()).unwrap_or_default());

    view! {
        <Modal
            target
            labelled_by="change-role-title"
            test_id="change-role-dialog"
            on_close=move |()| problem.set(None)
        >
            <form
                class="form dialog-form"
                on:submit=move |event: leptos::ev::SubmitEvent| {
                    event.prevent_default();
                    if let Some(member) = target.get_untracked() {
                        change.dispatch(ChangeMemberRole {
                            user_id: member.user_id,
                            role: role.get_untracked(),
                        });
                    }
                }
            >
                <h2 id="change-role-title">"Change the role of " {email}</h2>
                <p class="muted">
                    "Owners manage everything, including other Owners. Admins manage keys and members except Owners. Members use the organization; Viewers only read."
                </p>
                <p class="muted" data-testid="role-change-sessions">
                    "Their sessions in this organization end at once: they sign in again and continue with the new role."
                </p>
                <label for="member-role">"Role"</label>
                <select id="member-role"
                    prop:value=move || role.get().as_str()
                    on:change=move |e| {
                        if let Ok(chosen) = event_target_value(&e).parse::<Role>() {
                            role.set(chosen);
                        }
                    }
                >
                    {grantable(my_role).into_iter().map(|r| view! {
                        <option value=r.as_str()>{r.label()}</option>
                    }).collect_view()}
                </select>
                <FormError problem/>
                <div class="dialog-actions">
                    <CancelButton target/>
                    <button type="submit" class="btn btn-primary" disabled=move || change.pending().get()>
                        "Save role"
                    </button>
                </div>
            </form>
        </Modal>
    }
}
