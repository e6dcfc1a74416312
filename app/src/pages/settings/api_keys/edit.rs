//! Editing a key: name, description, scopes, expiry and the IP allowlist.

use leptos::prelude::*;
use server_fn::codec::Json;

use super::{create::expiry_choice, scope_picker::ScopePicker};
use crate::{
    components::{
        dialog::{CancelButton, Modal},
        notices::FormError,
    },
    error::AppError,
    model::{ApiKeySummary, KeyEdit, Scope},
};

/// Saves an edit of a usable key of the current organization (audited with the changes).
#[server(endpoint = "update_api_key", input = Json)]
pub async fn update_api_key(id: uuid::Uuid, edit: KeyEdit) -> Result<(), AppError> {
    use crate::ssr::{
        boundary,
        services::keys::{self, KeyChanges},
    };

    let (state, current) = boundary::require_key_manager().await?;
    let expiry = edit.expiry.map(keys::expiry_from_choice).transpose()?;
    let allowed_ips: Vec<String> = edit
        .allowed_ips
        .into_iter()
        .map(|entry| entry.trim().to_owned())
        .filter(|entry| !entry.is_empty())
        .collect();
    keys::update_key(
        &state.db,
        &state.audit,
        &state.invalidator,
        current.org.id,
        id,
        KeyChanges {
            name: Some(edit.name),
            description: Some(edit.description),
            scopes: Some(edit.scopes),
            expiry,
            allowed_ips: Some(Some(allowed_ips).filter(|list| !list.is_empty())),
        },
        current.actor(),
        boundary::client_ip().await,
    )
    .await?;
    Ok(())
}

#[component]
pub fn EditDialog(
    target: RwSignal<Option<ApiKeySummary>>,
    on_saved: Callback<String>,
) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let scopes = RwSignal::new(Vec::<Scope>::new());
    let expiry = RwSignal::new("keep".to_owned());
    let custom_date = RwSignal::new(String::new());
    let allowlist = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<String>);
    let save = Action::new(|(id, edit): &(uuid::Uuid, KeyEdit)| update_api_key(*id, edit.clone()));

    // Opening fills the form from the key.
    Effect::new(move |_| {
        if let Some(key) = target.get() {
            name.set(key.name.clone());
            description.set(key.description.clone().unwrap_or_default());
            scopes.set(key.scopes.clone());
            expiry.set("keep".to_owned());
            custom_date.set(String::new());
            allowlist.set(key.allowed_ips.clone().unwrap_or_default().join("\n"));
            problem.set(None);
        }
    });
    Effect::new(move |_| match save.value().get() {
        Some(Ok(())) => {
            target.set(None);
            on_saved.run(format!("Key “{}” saved.", name.get_untracked().trim()));
        }
        Some(Err(err)) => problem.set(Some(err.to_string())),
        None => {}
    });
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let Some(key) = target.get_untracked() else {
            return;
        };
        let expiry = match expiry.get_untracked().as_str() {
            "keep" => None,
            choice => match expiry_choice(choice, &custom_date.get_untracked()) {
                Ok(choice) => Some(choice),
                Err(message) => {
                    problem.set(Some(message));
                    return;
                }
            },
        };
        save.dispatch((
            key.id,
            KeyEdit {
                name: name.get_untracked(),
                description: Some(description.get_untracked()).filter(|d| !d.trim().is_empty()),
                scopes: scopes.get_untracked(),
                expiry,
                allowed_ips: allowlist
                    .get_untracked()
                    .lines()
                    .map(str::to_owned)
                    .collect(),
            },
        ));
    };

    view! {
        <Modal target labelled_by="edit-key-title" test_id="edit-key-dialog">
            <form class="form dialog-form" on:submit=submit>
                <h2 id="edit-key-title">"Edit key"</h2>
                <label for="edit-name">"Name"</label>
                <input id="edit-name" required maxlength="100" autocomplete="off"
                    prop:value=move || name.get()
                    on:input=move |e| name.set(event_target_value(&e))/>
                <label for="edit-description">"Description (optional)"</label>
                <input id="edit-description" maxlength="500" autocomplete="off"
                    prop:value=move || description.get()
                    on:input=move |e| description.set(event_target_value(&e))/>
                <ScopePicker scopes/>
                <label for="edit-expiry">"Expires"</label>
                <select id="edit-expiry" prop:value=move || expiry.get() on:change=move |e| expiry.set(event_target_value(&e))>
                    <option value="keep">"Keep the current expiry"</option>
                    <option value="30">"In 30 days"</option>
                    <option value="60">"In 60 days"</option>
                    <option value="90">"In 90 days"</option>
                    <option value="custom">"On a date…"</option>
                    <option value="never">"Never"</option>
                </select>
                <Show when=move || expiry.get() == "custom">
                    <label for="edit-expiry-date">"Expiry date"</label>
                    <input id="edit-expiry-date" type="date"
                        prop:value=move || custom_date.get()
                        on:input=move |e| custom_date.set(event_target_value(&e))/>
                </Show>
                <label for="edit-allowlist">"Allowed IP addresses (optional)"</label>
                <p class="hint">"One address or CIDR network per line, e.g. 203.0.113.7 or 10.0.0.0/8. Empty: any address."</p>
                <textarea id="edit-allowlist" rows="3"
                    prop:value=move || allowlist.get()
                    on:input=move |e| allowlist.set(event_target_value(&e))></textarea>
                <FormError problem/>
                <div class="dialog-actions">
                    <CancelButton target/>
                    <button type="submit" class="btn btn-primary" disabled=move || save.pending().get()>
                        "Save"
                    </button>
                </div>
            </form>
        </Modal>
    }
}
