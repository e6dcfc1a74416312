//! Revoking a key: a confirmation that names the key and says what happens.

use leptos::prelude::*;

use crate::{components::dialog::Modal, error::AppError, model::ApiKeySummary};

/// Revokes a key of the current organization at once and for good.
#[server(endpoint = "revoke_api_key")]
pub async fn revoke_api_key(id: uuid::Uuid, reason: Option<String>) -> Result<(), AppError> {
    use crate::ssr::{boundary, services::keys};

    let (state, current) = boundary::require_key_manager().await?;
    keys::revoke_key(
        &state.db,
        &state.invalidator,
        id,
        Some(current.org.id),
        reason.filter(|r| !r.trim().is_empty()),
        current.actor(),
        boundary::client_ip().await,
    )
    .await
    .map_err(boundary::key_error)?;
    Ok(())
}

#[component]
pub fn RevokeDialog(
    target: RwSignal<Option<ApiKeySummary>>,
    on_revoked: Callback<String>,
) -> impl IntoView {
    let open = RwSignal::new(false);
    let reason = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<String>);
    let revoke = ServerAction::<RevokeApiKey>::new();
    // Signals notify on every set, so each effect writes only on a real change:
    // otherwise the two would wake each other forever.
    Effect::new(move |_| {
        let wanted = target.with(Option::is_some);
        if open.get_untracked() != wanted {
            open.set(wanted);
        }
    });
    Effect::new(move |_| {
        if !open.get() && target.with_untracked(Option::is_some) {
            target.set(None);
            reason.set(String::new());
            problem.set(None);
        }
    });
    Effect::new(move |_| match revoke.value().get() {
        Some(Ok(())) => {
            let name = target.with_untracked(|t| t.as_ref().map(|k| k.name.clone()));
            open.set(false);
            on_revoked.run(format!("Key “{}” revoked.", name.unwrap_or_default()));
        }
        Some(Err(err)) => problem.set(Some(err.to_string())),
        None => {}
    });
    let name = move || target.with(|t| t.as_ref().map(|k| k.name.clone()).unwrap_or_default());
    let masked = move || target.with(|t| t.as_ref().map(ApiKeySummary::masked).unwrap_or_default());

    view! {
        <Modal open labelled_by="revoke-key-title" test_id="revoke-key-dialog">
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
                {move || problem.get().map(|message| view! {
                    <p class="form-error" role="alert">{message}</p>
                })}
                <div class="dialog-actions">
                    <button type="button" class="btn btn-secondary" on:click=move |_| open.set(false)>
                        "Cancel"
                    </button>
                    <button type="submit" class="btn btn-danger" disabled=move || revoke.pending().get()>
                        "Revoke"
                    </button>
                </div>
            </form>
        </Modal>
    }
}
