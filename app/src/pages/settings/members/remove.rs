//! Removing a member: a confirmation that names them and says what happens.

use leptos::prelude::*;
use uuid::Uuid;

use crate::{
    components::{
        dialog::{CancelButton, Modal},
        notices::FormError,
    },
    error::AppError,
    model::MemberRow,
};

/// Removes a member from the current organization; their sessions in it end at once
/// and their keys stop working.
#[server(endpoint = "remove_member")]
pub async fn remove_member(user_id: Uuid) -> Result<(), AppError> {
    use crate::ssr::{boundary, services::members};

    let (state, current) = boundary::require_member_manager().await?;
    members::remove_member(
        &state.db,
        &state.audit,
        &state.invalidator,
        current.org.id,
        user_id,
        current.actor(),
        boundary::client_ip().await,
    )
    .await
    .map_err(AppError::from)
}

#[component]
pub fn RemoveDialog(
    target: RwSignal<Option<MemberRow>>,
    me: Uuid,
    on_removed: Callback<String>,
) -> impl IntoView {
    let problem = RwSignal::new(None::<String>);
    let remove = ServerAction::<RemoveMember>::new();
    Effect::new(move |_| match remove.value().get() {
        Some(Ok(())) => {
            let member = target.get_untracked();
            target.set(None);
            if member.as_ref().is_some_and(|m| m.user_id == me) {
                // Leaving ends this session too: start over at sign-in.
                #[cfg(feature = "hydrate")]
                if let Some(window) = web_sys::window() {
                    let _ = window.location().set_href("/login");
                }
                return;
            }
            on_removed.run(format!(
                "{} was removed.",
                member.map(|m| m.email).unwrap_or_default()
            ));
        }
        Some(Err(err)) => problem.set(Some(err.to_string())),
        None => {}
    });
    let email = move || target.with(|t| t.as_ref().map(|m| m.email.clone()).unwrap_or_default());
    let is_me = move || target.with(|t| t.as_ref().is_some_and(|m| m.user_id == me));

    view! {
        <Modal
            target
            labelled_by="remove-member-title"
            test_id="remove-member-dialog"
            on_close=move |()| problem.set(None)
        >
            <form
                class="form dialog-form"
                on:submit=move |event: leptos::ev::SubmitEvent| {
                    event.prevent_default();
                    if let Some(member) = target.get_untracked() {
                        remove.dispatch(RemoveMember { user_id: member.user_id });
                    }
                }
            >
                <h2 id="remove-member-title">"Remove " {email} "?"</h2>
                <p>
                    {move || if is_me() {
                        "You will leave this organization and be signed out of it at once."
                    } else {
                        "They lose access at once: their sessions in this organization end, and the API keys they created stop working (listed as Inactive)."
                    }}
                </p>
                <FormError problem/>
                <div class="dialog-actions">
                    <CancelButton target/>
                    <button type="submit" class="btn btn-danger" disabled=move || remove.pending().get()>
                        "Remove"
                    </button>
                </div>
            </form>
        </Modal>
    }
}
