//! Rolling a key: choose how long the old key keeps working, then copy the new one.

use leptos::prelude::*;

use super::create::NewSecret;
use crate::{
    components::{
        dialog::{CancelButton, Modal},
        notices::FormError,
    },
    error::AppError,
    model::{ApiKeySummary, CreatedKey},
};

/// Replaces a key with a new one of the same configuration; the old key works until
/// `grace` (`now`, `1h`, `24h`, `7d`) has passed.
#[server(endpoint = "roll_api_key")]
pub async fn roll_api_key(id: uuid::Uuid, grace: String) -> Result<CreatedKey, AppError> {
    use crate::ssr::{
        boundary,
        services::keys::{self, Grace, KeyIssuer},
    };

    let (state, current) = boundary::require_key_manager().await?;
    let grace: Grace = grace.parse()?;
    let issuer = KeyIssuer {
        hasher: &state.keys.hasher,
        brand: &state.keys.brand,
        invalidator: &state.invalidator,
    };
    let issued = keys::roll_key(
        &state.db,
        &state.audit,
        &issuer,
        current.org.id,
        id,
        grace,
        current.actor(),
        boundary::client_ip().await,
    )
    .await?;
    Ok(CreatedKey {
        key: issued.key,
        secret: issued.secret,
    })
}

const GRACE_CHOICES: [(&str, &str); 4] = [
    ("now", "Immediately"),
    ("1h", "After 1 hour"),
    ("24h", "After 24 hours"),
    ("7d", "After 7 days"),
];

#[component]
pub fn RollDialog(
    target: RwSignal<Option<ApiKeySummary>>,
    on_rolled: Callback<String>,
) -> impl IntoView {
    let grace = RwSignal::new("24h".to_owned());
    let problem = RwSignal::new(None::<String>);
    let rolled = RwSignal::new(None::<CreatedKey>);
    let roll = ServerAction::<RollApiKey>::new();
    let closed = move |()| {
        if let Some(key) = rolled.get_untracked() {
            on_rolled.run(format!("Key “{}” rolled.", key.key.name));
        }
        grace.set("24h".to_owned());
        problem.set(None);
        rolled.set(None);
    };
    Effect::new(move |_| match roll.value().get() {
        Some(Ok(key)) => {
            problem.set(None);
            rolled.set(Some(key));
        }
        Some(Err(err)) => problem.set(Some(err.to_string())),
        None => {}
    });
    let name = move || target.with(|t| t.as_ref().map(|k| k.name.clone()).unwrap_or_default());

    view! {
        <Modal target labelled_by="roll-key-title" test_id="roll-key-dialog" on_close=closed>
            {move || match rolled.get() {
                Some(key) => view! { <NewSecret key heading_id="roll-key-title" open=target/> }.into_any(),
                None => view! {
                    <form
                        class="form dialog-form"
                        on:submit=move |event: leptos::ev::SubmitEvent| {
                            event.prevent_default();
                            if let Some(key) = target.get_untracked() {
                                roll.dispatch(RollApiKey { id: key.id, grace: grace.get_untracked() });
                            }
                        }
                    >
                        <h2 id="roll-key-title">"Roll “" {name} "”"</h2>
                        <p>
                            "A new key with the same name, scopes, workspace and expiry period replaces this one. Update your integration with the new key before the old one stops working."
                        </p>
                        <p data-testid="roll-acts-for">
                            "The new key acts for you: it has your role’s access, and it stops working if you leave the organization."
                        </p>
                        <label for="roll-grace">"The old key stops working"</label>
                        <select id="roll-grace" on:change=move |e| grace.set(event_target_value(&e))>
                            {GRACE_CHOICES.iter().map(|(value, label)| view! {
                                <option value=*value selected=*value == "24h">{*label}</option>
                            }).collect_view()}
                        </select>
                        <FormError problem/>
                        <div class="dialog-actions">
                            <CancelButton target/>
                            <button type="submit" class="btn btn-primary" disabled=move || roll.pending().get()>
                                "Roll key"
                            </button>
                        </div>
                    </form>
                }
                .into_any(),
            }}
        </Modal>
    }
}
