//! A list of signals with their evidence, the rule that raised each, and (for Owners
//! and Admins) a Dismiss button: the Signals page and the key page both show it.

use leptos::prelude::*;
use uuid::Uuid;

use crate::{
    components::{format::exact, notices::FormError},
    error::AppError,
    model::{SignalRow, SignalStatus},
    pages::settings::api_keys::table::ModePill,
};

/// Dismisses an open signal of the current organization (audited). Owners and Admins.
#[server(endpoint = "dismiss_signal")]
pub async fn dismiss_signal(id: Uuid) -> Result<(), AppError> {
    use crate::ssr::{boundary, services::signals};

    let (state, current) = boundary::require_key_manager().await?;
    signals::dismiss(
        &state.db,
        &state.audit,
        current.org.id,
        id,
        current.user.id,
        current.actor(),
        boundary::client_ip().await,
    )
    .await?;
    Ok(())
}

#[component]
pub fn SignalList(
    rows: Vec<SignalRow>,
    can_dismiss: bool,
    /// Name the key on each signal (the Signals page); the key page does not.
    show_key: bool,
    /// A signal was dismissed: reload.
    on_dismissed: Callback<()>,
) -> impl IntoView {
    let dismiss = ServerAction::<DismissSignal>::new();
    let problem = RwSignal::new(None::<String>);
    Effect::new(move |_| match dismiss.value().get() {
        Some(Ok(())) => {
            problem.set(None);
            on_dismissed.run(());
        }
        Some(Err(err)) => problem.set(Some(err.to_string())),
        None => {}
    });
    view! {
        <FormError problem/>
        <ul class="signals" data-testid="signal-list">
            {rows
                .into_iter()
                .map(|row| view! { <SignalItem row can_dismiss show_key dismiss/> })
                .collect_view()}
        </ul>
    }
}

#[component]
fn SignalItem(
    row: SignalRow,
    can_dismiss: bool,
    show_key: bool,
    dismiss: ServerAction<DismissSignal>,
) -> impl IntoView {
    let SignalRow {
        id,
        key_id,
        key_name,
        key_mode,
        kind,
        status,
        evidence,
        evidence_at,
        opened_at,
        dismissed_at,
        dismissed_by_email,
    } = row;
    let dismissed = dismissed_at.map(|at| {
        format!(
            " · dismissed {} by {}",
            exact(at),
            dismissed_by_email.unwrap_or_else(|| "a former member".to_owned())
        )
    });
    let dismiss_label = format!("Dismiss the {} signal on {key_name}", kind.label());
    view! {
        <li class="signal" data-testid="signal" data-kind=kind.as_str() data-status=status.as_str()>
            <div class="signal-head">
                <span class="pill pill-signal">{kind.label()}</span>
                {show_key.then(|| view! {
                    <a href=format!("/settings/api-keys/{key_id}")>{key_name.clone()}</a>
                    <ModePill mode=key_mode/>
                })}
                {(status != SignalStatus::Open).then(|| view! {
                    <span class="pill pill-expired">{status.label()}</span>
                })}
            </div>
            <p class="signal-evidence">{evidence.summary()}</p>
            <p class="muted small">
                "Latest evidence " {exact(evidence_at)} " · opened " {exact(opened_at)} {dismissed}
            </p>
            <details class="signal-rule">
                <summary>"Why this signal"</summary>
                <p class="small">{kind.rule()}</p>
            </details>
            {(can_dismiss && status == SignalStatus::Open).then(|| view! {
                <button
                    type="button"
                    class="btn btn-secondary btn-small"
                    aria-label=dismiss_label
                    disabled=move || dismiss.pending().get()
                    on:click=move |_| { dismiss.dispatch(DismissSignal { id }); }
                >
                    "Dismiss"
                </button>
            })}
        </li>
    }
}
