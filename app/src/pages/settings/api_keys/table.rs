//! The key table: one row per key, pills for mode, scopes and status.

use leptos::prelude::*;

use crate::{
    components::{
        copy_button::CopyButton,
        format::{ago, date},
    },
    model::{ApiKeySummary, KeyListing, KeyRow, KeyStatus, Mode, Scope, SignalKind, expiry_label},
};

/// What a row's action buttons ask the page to open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowAction {
    Edit,
    Roll,
    Revoke,
}

#[component]
pub fn KeyTable(
    listing: KeyListing,
    can_manage: bool,
    on_action: impl Fn(RowAction, ApiKeySummary) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let now = listing.now;
    view! {
        <div class="table-wrap">
            <table class="table table-cards keys-table" data-testid="keys-table">
                <caption class="visually-hidden">"API keys of this organization"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Name and key"</th>
                        <th scope="col">"Mode"</th>
                        <th scope="col">"Scopes"</th>
                        <th scope="col">"Created"</th>
                        <th scope="col">"Last used"</th>
                        <th scope="col">"Status"</th>
                        <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                    </tr>
                </thead>
                <tbody>
                    {listing
                        .rows
                        .into_iter()
                        .map(|row| view! { <KeyRowView row now can_manage on_action/> })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}

#[component]
fn KeyRowView(
    row: KeyRow,
    now: chrono::DateTime<chrono::Utc>,
    can_manage: bool,
    on_action: impl Fn(RowAction, ApiKeySummary) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let KeyRow {
        key,
        created_by_email,
        workspace_name,
        replaced,
        signals,
    } = row;
    let (expiry_text, expiry_warns) = expiry_label(key.expires_at, now);
    // Revoked and expired keys are final; a key whose member left cannot be rolled.
    let usable = matches!(key.status, KeyStatus::Active | KeyStatus::Inactive);
    // The old half of a roll is final too: it can only be revoked.
    let rollable = key.status == KeyStatus::Active && !replaced;
    let id = key.id.to_string();
    let copied_id = id.clone();
    let name = key.name.clone();
    let target = key.clone();
    view! {
        <tr data-testid="key-row" data-key-id=id>
            <td data-label="Name">
                <a class="key-name" href=format!("/settings/api-keys/{}", key.id)>{key.name.clone()}</a>
                <code class="key-mask">{key.masked()}</code>
                {key.description.clone().map(|d| view! { <span class="key-description">{d}</span> })}
            </td>
            <td data-label="Mode">
                <ModePill mode=key.mode/>
                <span class="cell-note" title="Workspace">{workspace_name}</span>
            </td>
            <td data-label="Scopes"><ScopeBadges scopes=key.scopes.clone()/></td>
            <td data-label="Created">
                <time datetime=key.created_at.to_rfc3339() title=key.created_at.to_rfc2822()>
                    {date(key.created_at)}
                </time>
                <span class="cell-note">
                    "by " {created_by_email.unwrap_or_else(|| "a former member".to_owned())}
                </span>
            </td>
            <td data-label="Last used">
                {match key.last_used_at {
                    Some(at) => view! {
                        <time datetime=at.to_rfc3339() title=at.to_rfc2822()>{ago(at, now)}</time>
                    }
                    .into_any(),
                    None => view! { <span class="muted-inline">"Never"</span> }.into_any(),
                }}
            </td>
            <td data-label="Status">
                <StatusPill status=key.status/>
                <span class="cell-note" class:warn=expiry_warns>{expiry_text}</span>
                <SignalBadge key_id=key.id kinds=signals/>
            </td>
            <td class="row-actions">
                <CopyButton
                    text=Signal::derive(move || copied_id.clone())
                    label="Copy ID"
                    aria_label=format!("Copy the ID of {name}")
                />
                {(can_manage && usable).then(|| {
                    let button = move |action: RowAction, text: &'static str, class: &'static str| {
                        let target = target.clone();
                        let label = format!("{text} {}", target.name);
                        view! {
                            <button
                                type="button"
                                class=class
                                aria-label=label
                                on:click=move |_| on_action(action, target.clone())
                            >
                                {text}
                            </button>
                        }
                    };
                    view! {
                        {(!replaced).then(|| button(RowAction::Edit, "Edit", "btn btn-secondary btn-small"))}
                        {rollable.then(|| button(RowAction::Roll, "Roll", "btn btn-secondary btn-small"))}
                        {button(RowAction::Revoke, "Revoke", "btn btn-danger-outline btn-small")}
                    }
                })}
            </td>
        </tr>
    }
    .into_any()
}

#[component]
pub fn ModePill(mode: Mode) -> impl IntoView {
    let class = match mode {
        Mode::Live => "pill pill-live",
        Mode::Test => "pill pill-test",
    };
    view! { <span class=class data-testid="mode-pill">{mode.label()}</span> }
}

#[component]
pub fn ScopeBadges(scopes: Vec<Scope>) -> impl IntoView {
    view! {
        <span class="badges">
            {scopes
                .into_iter()
                .map(|scope| {
                    let text = if scope == Scope::All { "All scopes" } else { scope.as_str() };
                    view! { <span class="badge">{text}</span> }
                })
                .collect_view()}
        </span>
    }
}

/// The key's open signals, linking to them on its page; nothing when there are none.
#[component]
fn SignalBadge(key_id: uuid::Uuid, kinds: Vec<SignalKind>) -> impl IntoView {
    let text = match kinds.as_slice() {
        [] => return ().into_any(),
        [kind] => kind.label().to_owned(),
        more => format!("{} signals", more.len()),
    };
    let title = kinds
        .iter()
        .map(|kind| kind.label())
        .collect::<Vec<_>>()
        .join(", ");
    view! {
        <a
            class="pill pill-signal"
            href=format!("/settings/api-keys/{key_id}#signals")
            title=title.clone()
            aria-label=format!("Open signals: {title}")
            data-testid="signal-badge"
        >
            <span aria-hidden="true">"⚠ "</span>
            {text}
        </a>
    }
    .into_any()
}

#[component]
pub fn StatusPill(status: KeyStatus) -> impl IntoView {
    let (class, text, title) = match status {
        KeyStatus::Active => ("pill pill-active", "Active", None),
        KeyStatus::Revoked => ("pill pill-revoked", "Revoked", None),
        KeyStatus::Expired => ("pill pill-expired", "Expired", None),
        KeyStatus::Inactive => (
            "pill pill-inactive",
            "Inactive",
            Some("The member this key acts for has left the organization"),
        ),
    };
    view! { <span class=class title=title data-testid="status-pill">{text}</span> }
}
