//! Settings ▸ API Keys: the list with filters, and the dialogs that create and
//! revoke keys. Owners and Admins manage; Members and Viewers read.

mod create;
mod details;
mod dialogs;
mod edit;
mod revoke;
mod roll;
mod scope_picker;
pub(crate) mod table;

use leptos::prelude::*;
use leptos_meta::Title;
use server_fn::codec::Json;

pub use self::details::KeyDetailsPage;
use self::{
    dialogs::{LazyCreateKeyDialog, LazyKeyDialogs},
    table::{KeyTable, RowAction},
};
use super::PageHeader;
use crate::{
    components::{notices::Toast, pager::Pager},
    error::AppError,
    model::{
        ApiKeySummary, KeyListing, KeyQuery, KeyStatus, KeysOverview, MAX_KEY_SEARCH_CHARS, Mode,
    },
};

/// Plan gating, the key limit and the caller's rights.
#[server(endpoint = "keys_overview")]
pub async fn load_keys_overview() -> Result<KeysOverview, AppError> {
    use crate::{
        model::WorkspaceOption,
        ssr::{
            boundary,
            services::{keys, workspaces},
        },
    };

    let (state, _, current) = boundary::require_user().await?;
    let limits = current.org.plan.limits();
    let active = keys::active_key_count(&state.db, current.org.id).await?;
    let workspaces = workspaces::list_workspaces(&state.db, current.org.id)
        .await?
        .into_iter()
        .map(|workspace| WorkspaceOption {
            id: workspace.id,
            name: workspace.name,
            is_default: workspace.is_default,
        })
        .collect();
    Ok(KeysOverview {
        plan: current.org.plan,
        api_access: limits.api_access,
        limit: limits.max_active_keys,
        active,
        can_manage: current.membership.role.can_manage_keys(),
        workspaces,
    })
}

/// One page of the organization's keys, newest first. Every role may read it.
#[server(endpoint = "key_listing", input = Json)]
pub async fn load_key_listing(query: KeyQuery) -> Result<KeyListing, AppError> {
    use crate::ssr::{
        boundary,
        services::{
            keys::{self, KeyFilter},
            pagination::PageRequest,
        },
    };

    let (state, _, current) = boundary::require_user().await?;
    if query
        .search
        .as_ref()
        .is_some_and(|search| search.chars().count() > MAX_KEY_SEARCH_CHARS)
    {
        return Err(AppError::Invalid(format!(
            "search: at most {MAX_KEY_SEARCH_CHARS} characters"
        )));
    }
    let page =
        PageRequest::new(None, query.cursor.as_deref()).map_err(|err| AppError::Invalid(err.0))?;
    let filter = KeyFilter {
        status: query.status,
        mode: query.mode,
        workspace_id: query.workspace_id,
        search: query.search,
    };
    let rows = keys::list_rows(&state.db, current.org.id, &filter, page).await?;
    Ok(KeyListing {
        rows: rows.data,
        next_cursor: rows.next_cursor,
        now: chrono::Utc::now(),
    })
}

/// The page's state, kept above the parts that reload after a change, so filters,
/// the page and the last message survive the reload.
#[derive(Clone, Copy)]
struct ListState {
    /// Bumped after every change, so the overview (limit) and the list reload.
    changes: RwSignal<u32>,
    toast: RwSignal<Option<String>>,
    status: RwSignal<Option<KeyStatus>>,
    mode: RwSignal<Option<Mode>>,
    workspace: RwSignal<Option<uuid::Uuid>>,
    search: RwSignal<String>,
    /// Cursors of the pages after the first, so "Previous" can go back.
    cursors: RwSignal<Vec<String>>,
    /// `Some(())` while the New key dialog is open.
    creating: RwSignal<Option<()>>,
    editing: RwSignal<Option<ApiKeySummary>>,
    rolling: RwSignal<Option<ApiKeySummary>>,
    revoking: RwSignal<Option<ApiKeySummary>>,
}

#[component]
pub fn ApiKeysPage() -> impl IntoView {
    // `?workspace=<id>`: the Workspaces page links each workspace's keys here.
    let initial_workspace = leptos_router::hooks::use_query_map().with_untracked(|query| {
        query
            .get("workspace")
            .and_then(|id| uuid::Uuid::try_parse(&id).ok())
    });
    let state = ListState {
        changes: RwSignal::new(0),
        toast: RwSignal::new(None),
        status: RwSignal::new(None),
        mode: RwSignal::new(None),
        workspace: RwSignal::new(initial_workspace),
        search: RwSignal::new(String::new()),
        cursors: RwSignal::new(Vec::new()),
        creating: RwSignal::new(None),
        editing: RwSignal::new(None),
        rolling: RwSignal::new(None),
        revoking: RwSignal::new(None),
    };
    let query = Memo::new(move |_| KeyQuery {
        status: state.status.get(),
        mode: state.mode.get(),
        workspace_id: state.workspace.get(),
        search: Some(state.search.get()).filter(|s| !s.trim().is_empty()),
        cursor: state.cursors.with(|c| c.last().cloned()),
    });
    // Both resources live here and each is read by a sibling Transition: a Transition
    // nested inside another's Suspend failed to hydrate after server rendering.
    let overview = Resource::new(move || state.changes.get(), |_| load_keys_overview());
    let listing = Resource::new(
        move || (query.get(), state.changes.get()),
        |(query, _)| load_key_listing(query),
    );
    view! {
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match overview.await {
                    Ok(overview) if !overview.api_access => view! { <UpgradeCard/> }.into_any(),
                    Ok(overview) => view! { <KeysHeader overview state/> }.into_any(),
                    Err(err) => view! {
                        <PageHeader title="API Keys" description=DESCRIPTION/>
                        <p class="form-error" role="alert">{err.to_string()}</p>
                    }
                    .into_any(),
                }
            })}
        </Transition>
        <Transition fallback=|| view! { <p class="loading">"Loading keys…"</p> }>
            {move || Suspend::new(async move {
                let (overview, listing) = (overview.await, listing.await);
                match (overview, listing) {
                    (Ok(overview), Ok(listing)) if overview.api_access => {
                        view! { <KeysList overview listing query state/> }.into_any()
                    }
                    (Ok(_), Err(err)) => {
                        view! { <p class="form-error" role="alert">{err.to_string()}</p> }.into_any()
                    }
                    // No API access, or the overview failed (the header says why).
                    _ => ().into_any(),
                }
            })}
        </Transition>
    }
}

const DESCRIPTION: &str =
    "Keys let your integrations call the Keyward API on behalf of this organization.";

#[component]
fn UpgradeCard() -> impl IntoView {
    view! {
        <PageHeader title="API Keys" description=DESCRIPTION/>
        <section class="card upgrade-card" data-testid="upgrade-card">
            <h2>"API access is not included in your plan"</h2>
            <p class="muted">
                "The Starter plan has no API access. Upgrade to Professional or higher to create keys and call the API."
            </p>
            <a class="btn btn-primary" href="/settings/billing">"See plans"</a>
        </section>
    }
}

fn limit_message(overview: &KeysOverview) -> Option<String> {
    let limit = overview.limit?;
    overview.limit_reached().then(|| {
        format!(
            "Your {} plan allows {limit} active keys and all are in use. Revoke a key, or upgrade on the Billing page to create more.",
            overview.plan.label()
        )
    })
}

#[component]
fn KeysHeader(overview: KeysOverview, state: ListState) -> impl IntoView {
    let ListState {
        changes,
        toast,
        status,
        mode,
        workspace,
        search,
        cursors,
        creating,
        editing,
        rolling,
        revoking,
    } = state;
    let limit = limit_message(&overview);
    let can_create = overview.can_manage && limit.is_none();
    let changed = Callback::new(move |message: String| {
        toast.set(Some(message));
        changes.update(|n| *n += 1);
    });
    let filter_changed = move || cursors.set(Vec::new());
    let workspaces = overview.workspaces.clone();

    view! {
        <Title text="API Keys"/>
        <header class="page-header">
            <div>
                <h1>"API Keys"</h1>
                <p class="muted">{DESCRIPTION}</p>
            </div>
            {overview.can_manage.then(|| view! {
                <button
                    type="button"
                    class="btn btn-primary"
                    disabled=!can_create
                    aria-describedby=limit.as_ref().map(|_| "key-limit")
                    on:click=move |_| creating.set(Some(()))
                >
                    "New key"
                </button>
            })}
        </header>
        {limit.map(|message| view! {
            <p class="notice" id="key-limit" data-testid="key-limit">{message}</p>
        })}
        <Toast message=toast/>
        <div class="filters" role="search">
            <label class="field">
                <span>"Search"</span>
                <input
                    type="search"
                    placeholder="Name or key prefix"
                    maxlength=MAX_KEY_SEARCH_CHARS
                    prop:value=move || search.get()
                    on:input=move |event| {
                        search.set(event_target_value(&event));
                        filter_changed();
                    }
                />
            </label>
            <label class="field">
                <span>"Status"</span>
                <select
                    prop:value=move || status.get().map_or("all", status_value)
                    on:change=move |event| {
                    status.set(event_target_value(&event).parse::<StatusChoice>().ok().and_then(|c| c.0));
                    filter_changed();
                }>
                    <option value="all">"All"</option>
                    <option value="active">"Active"</option>
                    <option value="inactive">"Inactive"</option>
                    <option value="expired">"Expired"</option>
                    <option value="revoked">"Revoked"</option>
                </select>
            </label>
            <label class="field">
                <span>"Mode"</span>
                <select
                    prop:value=move || mode.get().map_or("all", Mode::as_str)
                    on:change=move |event| {
                    mode.set(event_target_value(&event).parse::<Mode>().ok());
                    filter_changed();
                }>
                    <option value="all">"All"</option>
                    <option value="live">"Live"</option>
                    <option value="test">"Test"</option>
                </select>
            </label>
            <label class="field">
                <span>"Workspace"</span>
                <select
                    prop:value=move || workspace.get().map_or_else(|| "all".to_owned(), |id| id.to_string())
                    on:change=move |event| {
                    workspace.set(event_target_value(&event).parse::<uuid::Uuid>().ok());
                    filter_changed();
                }>
                    <option value="all">"All"</option>
                    {workspaces
                        .iter()
                        .map(|w| view! { <option value=w.id.to_string()>{w.name.clone()}</option> })
                        .collect_view()}
                </select>
            </label>
        </div>
        {overview.can_manage.then(|| view! {
            <LazyCreateKeyDialog open=creating workspaces=overview.workspaces.clone() on_created=changed/>
            <LazyKeyDialogs editing rolling revoking on_changed=changed/>
        })}
    }
    .into_any()
}

/// The table (or the empty state) and the pager.
#[component]
fn KeysList(
    overview: KeysOverview,
    listing: KeyListing,
    query: Memo<KeyQuery>,
    state: ListState,
) -> impl IntoView {
    let ListState {
        cursors,
        creating,
        editing,
        rolling,
        revoking,
        ..
    } = state;
    let on_action = move |action: RowAction, key: ApiKeySummary| match action {
        RowAction::Edit => editing.set(Some(key)),
        RowAction::Roll => rolling.set(Some(key)),
        RowAction::Revoke => revoking.set(Some(key)),
    };
    let can_create = overview.can_manage && !overview.limit_reached();
    if listing.rows.is_empty()
        && cursors.with_untracked(Vec::is_empty)
        && query.with_untracked(is_unfiltered)
    {
        return view! { <EmptyState can_create on_new=move || creating.set(Some(()))/> }.into_any();
    }
    let next = listing.next_cursor.clone();
    view! {
        <KeyTable listing can_manage=overview.can_manage on_action/>
        <Pager cursors next/>
    }
    .into_any()
}

fn is_unfiltered(query: &KeyQuery) -> bool {
    query.status.is_none()
        && query.mode.is_none()
        && query.workspace_id.is_none()
        && query.search.is_none()
}

fn status_value(status: KeyStatus) -> &'static str {
    match status {
        KeyStatus::Active => "active",
        KeyStatus::Inactive => "inactive",
        KeyStatus::Expired => "expired",
        KeyStatus::Revoked => "revoked",
    }
}

/// The status filter's value: `all` or a status.
struct StatusChoice(Option<KeyStatus>);

impl std::str::FromStr for StatusChoice {
    type Err = ();

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        Ok(StatusChoice(match value {
            "active" => Some(KeyStatus::Active),
            "inactive" => Some(KeyStatus::Inactive),
            "expired" => Some(KeyStatus::Expired),
            "revoked" => Some(KeyStatus::Revoked),
            _ => None,
        }))
    }
}

#[component]
fn EmptyState(can_create: bool, on_new: impl Fn() + 'static + Copy + Send + Sync) -> impl IntoView {
    view! {
        <section class="card empty-state" data-testid="keys-empty">
            <h2>"No API keys yet"</h2>
            <p class="muted">
                "An API key lets a program call the Keyward API for this organization. Test keys only see sandbox data; live keys act on real data and are billed. Each key has scopes that limit what it can do, and you can revoke it at any time."
            </p>
            {can_create.then(|| view! {
                <button type="button" class="btn btn-primary" on:click=move |_| on_new()>"New key"</button>
            })}
        </section>
    }
}
