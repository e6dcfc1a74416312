//! The New key dialog: the form, then the secret, shown once.

use leptos::prelude::*;
use server_fn::codec::Json;

use super::scope_picker::ScopePicker;
use crate::{
    components::{
        dialog::{CancelButton, Modal},
        notices::FormError,
        shown_once::ShownOnce,
    },
    error::AppError,
    model::{CreatedKey, ExpiryChoice, Mode, NewKeyForm, Scope, WorkspaceOption},
};

/// Issues a key acting for the signed-in Owner or Admin. The response is the only
/// place the secret ever appears.
#[server(endpoint = "create_api_key", input = Json)]
pub async fn create_api_key(form: NewKeyForm) -> Result<CreatedKey, AppError> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

    use crate::ssr::{
        boundary,
        entities::workspace,
        services::keys::{self, KeyIssuer, NewKey},
    };

    let (state, current) = boundary::require_key_manager().await?;
    let workspace_slug = match form.workspace_id {
        None => None,
        Some(id) => Some(
            workspace::Entity::find_by_id(id)
                .filter(workspace::Column::OrgId.eq(current.org.id))
                .one(&state.db)
                .await?
                .ok_or_else(|| AppError::Invalid("Workspace: no such workspace.".into()))?
                .slug,
        ),
    };
    let expiry = keys::expiry_from_choice(form.expiry)?;
    let issuer = KeyIssuer {
        hasher: &state.keys.hasher,
        brand: &state.keys.brand,
        invalidator: &state.invalidator,
    };
    let issued = keys::create_key(
        &state.db,
        &state.audit,
        &issuer,
        current.org.id,
        current.user.id,
        NewKey {
            name: form.name,
            description: form.description,
            mode: form.mode,
            scopes: form.scopes,
            workspace_slug,
            expiry,
        },
        current.actor(),
        boundary::client_ip().await,
    )
    .await?;
    Ok(CreatedKey {
        key: issued.key,
        secret: issued.secret,
    })
}

pub(super) fn expiry_choice(choice: &str, custom: &str) -> Result<ExpiryChoice, String> {
    match choice {
        "never" => Ok(ExpiryChoice::Never),
        "custom" => chrono::NaiveDate::parse_from_str(custom, "%Y-%m-%d")
            .map(ExpiryChoice::On)
            .map_err(|_| "Expiry: choose a date.".to_owned()),
        days => days
            .parse()
            .map(ExpiryChoice::Days)
            .map_err(|_| "Expiry: choose an option.".to_owned()),
    }
}

#[component]
pub fn CreateKeyDialog(
    /// `Some(())` while the dialog is open.
    open: RwSignal<Option<()>>,
    workspaces: Vec<WorkspaceOption>,
    on_created: Callback<String>,
) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let mode = RwSignal::new(Mode::Test);
    let workspace = RwSignal::new(String::new());
    let scopes = RwSignal::new(vec![Scope::All]);
    let expiry = RwSignal::new("90".to_owned());
    let custom_date = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<String>);
    let created = RwSignal::new(None::<CreatedKey>);
    let create = Action::new(|form: &NewKeyForm| create_api_key(form.clone()));

    Effect::new(move |_| match create.value().get() {
        Some(Ok(key)) => {
            problem.set(None);
            created.set(Some(key));
        }
        Some(Err(err)) => problem.set(Some(err.to_string())),
        None => {}
    });
    let closed = move |()| {
        // The list reloads once the secret is put away, not while it is shown.
        if let Some(key) = created.get_untracked() {
            on_created.run(format!("Key “{}” created.", key.key.name));
        }
        name.set(String::new());
        description.set(String::new());
        mode.set(Mode::Test);
        workspace.set(String::new());
        scopes.set(vec![Scope::All]);
        expiry.set("90".to_owned());
        custom_date.set(String::new());
        problem.set(None);
        // The secret leaves memory with the dialog: reopening never shows it again.
        created.set(None);
    };
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let expiry = match expiry_choice(&expiry.get_untracked(), &custom_date.get_untracked()) {
            Ok(expiry) => expiry,
            Err(message) => {
                problem.set(Some(message));
                return;
            }
        };
        create.dispatch(NewKeyForm {
            name: name.get_untracked(),
            description: Some(description.get_untracked()).filter(|d| !d.trim().is_empty()),
            mode: mode.get_untracked(),
            workspace_id: workspace.get_untracked().parse().ok(),
            scopes: scopes.get_untracked(),
            expiry,
        });
    };

    view! {
        <Modal target=open labelled_by="create-key-title" test_id="create-key-dialog" on_close=closed>
            {move || match created.get() {
                Some(key) => view! { <NewSecret key heading_id="create-key-title" open/> }.into_any(),
                None => view! {
                    <form class="form dialog-form" on:submit=submit>
                        <h2 id="create-key-title">"New API key"</h2>
                        <label for="key-name">"Name"</label>
                        <input id="key-name" required maxlength="100" autocomplete="off"
                            prop:value=move || name.get()
                            on:input=move |e| name.set(event_target_value(&e))/>
                        <label for="key-description">"Description (optional)"</label>
                        <input id="key-description" maxlength="500" autocomplete="off"
                            prop:value=move || description.get()
                            on:input=move |e| description.set(event_target_value(&e))/>
                        <fieldset class="choices">
                            <legend>"Mode"</legend>
                            {[Mode::Test, Mode::Live].into_iter().map(|choice| view! {
                                <label class="choice">
                                    <input type="radio" name="key-mode"
                                        prop:checked=move || mode.get() == choice
                                        on:change=move |_| mode.set(choice)/>
                                    {choice.label()}
                                    <span class="hint-inline">
                                        {match choice {
                                            Mode::Test => "sandbox data, not billed",
                                            Mode::Live => "real data, billed",
                                        }}
                                    </span>
                                </label>
                            }).collect_view()}
                        </fieldset>
                        <label for="key-workspace">"Workspace"</label>
                        <select id="key-workspace" on:change=move |e| workspace.set(event_target_value(&e))>
                            {workspaces.iter().map(|w| view! {
                                <option value=if w.is_default { String::new() } else { w.id.to_string() } selected=w.is_default>
                                    {w.name.clone()}
                                </option>
                            }).collect_view()}
                        </select>
                        <ScopePicker
                            scopes
                            hint="All scopes is the default; for production keys, choose only what the integration needs."
                        />
                        <label for="key-expiry">"Expires"</label>
                        <select id="key-expiry" on:change=move |e| expiry.set(event_target_value(&e))>
                            <option value="30">"In 30 days"</option>
                            <option value="60">"In 60 days"</option>
                            <option value="90" selected>"In 90 days"</option>
                            <option value="custom">"On a date…"</option>
                            <option value="never">"Never"</option>
                        </select>
                        <Show when=move || expiry.get() == "custom">
                            <label for="key-expiry-date">"Expiry date"</label>
                            <input id="key-expiry-date" type="date"
                                prop:value=move || custom_date.get()
                                on:input=move |e| custom_date.set(event_target_value(&e))/>
                        </Show>
                        <FormError problem/>
                        <div class="dialog-actions">
                            <CancelButton target=open/>
                            <button type="submit" class="btn btn-primary" disabled=move || create.pending().get()>
                                "Create key"
                            </button>
                        </div>
                    </form>
                }
                .into_any(),
            }}
        </Modal>
    }
}

/// A new key's secret (created or rolled), shown once; Done closes the dialog.
#[component]
pub(super) fn NewSecret<T>(
    key: CreatedKey,
    heading_id: &'static str,
    open: RwSignal<Option<T>>,
) -> impl IntoView
where
    T: Send + Sync + 'static,
{
    view! {
        <ShownOnce
            heading_id
            heading="Copy your new key".to_owned()
            secret=key.secret
            test_id="new-secret"
            copy_label="Copy key"
            on_done=Callback::new(move |()| open.set(None))
        >
            "This is the only time the key is shown. Store it somewhere safe now: Keyward keeps only a hash and cannot show it again."
        </ShownOnce>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiry_choices_parse() {
        assert_eq!(expiry_choice("90", ""), Ok(ExpiryChoice::Days(90)));
        assert_eq!(expiry_choice("never", ""), Ok(ExpiryChoice::Never));
        assert!(expiry_choice("custom", "").is_err());
        assert!(matches!(
            expiry_choice("custom", "2027-01-31"),
            Ok(ExpiryChoice::On(_))
        ));
    }
}
