//! Revoking a key: a confirmation that names the key and says what happens.

use leptos::prelude::*;

use crate::{
    components::{
        dialog::{CancelButton, Modal},
        notices::FormError,
    },
    error::AppError,
    model::ApiKeySummary,
};

/// Revokes a key of the current organization at once and for good.
#[server(endpoint = "revoke_api_key")]
pub async fn revoke_api_key(id: uuid::Uuid, reason: Option<String>) -> Result<(), AppError> {
    use crate::ssr::{boundary, services::keys};

    let (state, current) = boundary::require_key_manager().await?;
    keys::revoke_key(
        &state.db,
        &state.audit,
        &state.invalidator,
        id,
        Some(current.org.id),
        reason.filter(|r| !r.trim().is_empty()),
        current.actor(),
        boundary::client_ip().await,
    )
    .await?;
    Ok(())
}

#[component]
pub fn RevokeDialog(
    target: RwSignal<Option<ApiKeySummary>>,
    on_revoked: Callback<String>,
) -> impl IntoView {
    let reason = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<String>);
    let revoke = ServerAction::<RevokeApiKey>::new();
    let closed = move |()| {
        reason.set(String::new());
        problem.set(None);
    };
    Effect::new(move |_| match revoke.value().get() {
        Some(Ok(())) => {
            let name = target.with_untracked(|t| t.as_ref().map(|k| k.name.clone()));
            target.set(None);
            on_revoked.run(format!("Key “{}” revoked.", name.unwrap_or_default()));
        }
        Some(Err(err)) => problem.set(Some(err.to_string())),
        None => {}
    });
    let name = move || target.with(|t| t.as_ref().map(|k| k.name.clone()).unwrap_or_default());
    let masked = move || target.with(|t| t.as_ref().map(ApiKeySummary::masked).unwrap_or_default());

    view! {
        <Modal target labelled_by="revoke-key-title" test_id="revoke-key-dialog" on_close=closed>
            <form
                class="form dialog-form"
                on:submit=move |event: leptos::ev::SubmitEvent| {
                    event.prevent_default();
                    if let Some(key) = target.get_untracked() {
                        revoke.dispatch(RevokeApiKey {
                            id: key.id,
                            reason: Some(reason.get_untracked()),
                        });
                    }
                }
            >
                <h2 id="revoke-key-title">"Revoke “" {name} "”?"</h2>
                <p>
                    "Revocation is immediate and permanent: every request made with "
                    <code>{masked}</code>
                    " is refused from now on, and the key cannot be restored."
                </p>
                <label for="revoke-reason">"Reason (optional, kept in the audit log)"</label>
                <input id="revoke-reason" maxlength="500"
                    prop:value=move || reason.get()
                    on:input=move |e| reason.set(event_target_value(&e))/>
                <FormError problem/>
                <div class="dialog-actions">
                    <CancelButton target/>
                    <button type="submit" class="btn btn-danger" disabled=move || revoke.pending().get()>
                        "Revoke"
                    </button>
                </div>
            </form>
        </Modal>
    }
}
