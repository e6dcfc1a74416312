//! Settings ▸ API Keys ▸ one key: its configuration, usage, requests and history.

mod chart;
mod config;
mod footprint;
mod requests;
mod signals;
mod usage;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use server_fn::codec::Json;
use uuid::Uuid;

use self::{
    config::ConfigCard, footprint::FootprintCard, requests::RequestsCard, signals::SignalsCard,
    usage::UsageCard,
};
use super::{
    dialogs::LazyKeyDialogs,
    table::{ModePill, StatusPill},
};
use crate::{
    components::{notices::Toast, pager::Pager},
    error::AppError,
    model::{ApiKeySummary, AuditListing, KeyDetailsView, KeyStatus, KeyUsage, UsageRange},
    pages::settings::audit_log::AuditTable,
};

/// One key of the current organization. Every role may read it.
#[server(endpoint = "key_details")]
pub async fn load_key_details(id: Uuid) -> Result<KeyDetailsView, AppError> {
    use crate::ssr::{boundary, services::keys};

    let (state, _, current) = boundary::require_user().await?;
    let details = keys::get_details(&state.db, current.org.id, id).await?;
    Ok(KeyDetailsView {
        details,
        can_manage: current.membership.role.can_manage_keys(),
        now: chrono::Utc::now(),
    })
}

/// The key's requests over `range`, by hour or day.
#[server(endpoint = "key_usage", input = Json)]
pub async fn load_key_usage(id: Uuid, range: UsageRange) -> Result<KeyUsage, AppError> {
    use crate::{
        model::UsageCounts,
        ssr::{
            boundary,
            services::{keys, usage_report},
        },
    };

    let (state, _, current) = boundary::require_user().await?;
    let key = keys::get_key(&state.db, current.org.id, id).await?;
    let buckets =
        usage_report::key_usage(&state.db, current.org.id, id, range, chrono::Utc::now()).await?;
    let mut totals = UsageCounts::default();
    for bucket in &buckets {
        totals.add(bucket.counts);
    }
    Ok(KeyUsage {
        range,
        mode: key.mode,
        buckets,
        totals,
    })
}

/// Audit events about the key or done with it, newest first.
#[server(endpoint = "key_activity", input = Json)]
pub async fn load_key_activity(id: Uuid, cursor: Option<String>) -> Result<AuditListing, AppError> {
    use crate::ssr::{
        boundary,
        services::{
            audit::{self, EventFilter},
            keys,
            pagination::PageRequest,
        },
    };

    let (state, _, current) = boundary::require_user().await?;
    let page =
        PageRequest::new(Some(20), cursor.as_deref()).map_err(|err| AppError::Invalid(err.0))?;
    // 404 for a key of another organization, rather than an empty history.
    keys::get_key(&state.db, current.org.id, id).await?;
    let filter = EventFilter {
        key: Some(id),
        ..EventFilter::default()
    };
    let events = audit::list_events(&state.db, current.org.id, &filter, page).await?;
    Ok(AuditListing {
        rows: events.data.into_iter().map(audit::entry_of).collect(),
        next_cursor: events.next_cursor,
        now: chrono::Utc::now(),
    })
}

#[component]
pub fn KeyDetailsPage() -> impl IntoView {
    let params = use_params_map();
    let key_id = Memo::new(move |_| {
        params
            .read()
            .get("id")
            .and_then(|id| Uuid::try_parse(&id).ok())
    });
    let changes = RwSignal::new(0u32);
    let toast = RwSignal::new(None::<String>);
    // Shared: the footprint's narrowing offer opens the same Edit dialog.
    let editing = RwSignal::new(None::<ApiKeySummary>);
    let details = Resource::new(
        move || (key_id.get(), changes.get()),
        |(id, _)| async move {
            match id {
                Some(id) => load_key_details(id).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    view! {
        <p class="breadcrumb"><a href="/settings/api-keys">"← API Keys"</a></p>
        <Toast message=toast/>
        <Transition fallback=|| view! { <p class="loading">"Loading key…"</p> }>
            {move || Suspend::new(async move {
                match (details.await, key_id.get_untracked()) {
                    (Ok(view), Some(_)) => view! { <KeyDetailsBody view changes toast editing/> }.into_any(),
                    (Err(AppError::NotFound), _) | (_, None) => view! {
                        <Title text="Key not found"/>
                        <section class="card empty-state" data-testid="key-not-found">
                            <h1>"Key not found"</h1>
                            <p class="muted">"This key does not exist in this organization."</p>
                        </section>
                    }
                    .into_any(),
                    (Err(err), _) => view! { <p class="form-error" role="alert">{err.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
        // Siblings of the Transition above, not inside it: a Transition nested in
        // another's Suspend failed to hydrate after server rendering.
        <SignalsCard key_id details/>
        <UsageCard key_id details/>
        <FootprintCard key_id details editing/>
        <RequestsCard key_id details/>
        <ActivityCard key_id details changes/>
    }
    .into_any()
}

#[component]
fn KeyDetailsBody(
    view: KeyDetailsView,
    changes: RwSignal<u32>,
    toast: RwSignal<Option<String>>,
    editing: RwSignal<Option<ApiKeySummary>>,
) -> impl IntoView {
    let KeyDetailsView {
        details,
        can_manage,
        now,
    } = view;
    let key = details.row.key.clone();
    let rolling = RwSignal::new(None::<ApiKeySummary>);
    let revoking = RwSignal::new(None::<ApiKeySummary>);
    let changed = Callback::new(move |message: String| {
        toast.set(Some(message));
        changes.update(|n| *n += 1);
    });
    let usable = matches!(key.status, KeyStatus::Active | KeyStatus::Inactive);
    // The old half of a roll can only be revoked.
    let replaced = details.row.replaced;
    let rollable = key.status == KeyStatus::Active && !replaced;
    let action = {
        let key = key.clone();
        move |target: RwSignal<Option<ApiKeySummary>>| {
            let key = key.clone();
            move |_| target.set(Some(key.clone()))
        }
    };
    view! {
        <Title text=key.name.clone()/>
        <header class="page-header">
            <div>
                <h1 data-testid="key-name">{key.name.clone()}</h1>
                <p class="muted title-pills">
                    <ModePill mode=key.mode/>
                    <StatusPill status=key.status/>
                    <code class="key-mask">{key.masked()}</code>
                </p>
            </div>
            {(can_manage && usable).then(|| view! {
                <div class="header-actions">
                    {(!replaced).then(|| view! {
                        <button type="button" class="btn btn-secondary" on:click=action(editing)>"Edit"</button>
                    })}
                    {rollable.then(|| view! {
                        <button type="button" class="btn btn-secondary" on:click=action(rolling)>"Roll"</button>
                    })}
                    <button type="button" class="btn btn-danger-outline" on:click=action(revoking)>"Revoke"</button>
                </div>
            })}
        </header>
        <ConfigCard details now/>
        {can_manage.then(|| view! {
            <LazyKeyDialogs editing rolling revoking on_changed=changed/>
        })}
    }
    .into_any()
}

#[component]
fn ActivityCard(
    key_id: Memo<Option<Uuid>>,
    details: Resource<Result<KeyDetailsView, AppError>>,
    changes: RwSignal<u32>,
) -> impl IntoView {
    let cursors = RwSignal::new(Vec::<String>::new());
    let activity = Resource::new(
        move || {
            (
                key_id.get(),
                cursors.with(|c| c.last().cloned()),
                changes.get(),
            )
        },
        |(id, cursor, _)| async move {
            match id {
                Some(id) => load_key_activity(id, cursor).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    view! {
        <Transition fallback=|| view! { <p class="loading">"Loading activity…"</p> }>
            {move || Suspend::new(async move {
                // Nothing to show for a key that is not there (the page says so).
                if details.await.is_err() {
                    return ().into_any();
                }
                let body = match activity.await {
                    Ok(listing) if listing.rows.is_empty() => {
                        view! { <p class="muted">"No activity yet."</p> }.into_any()
                    }
                    Ok(listing) => {
                        let next = listing.next_cursor.clone();
                        view! {
                            <AuditTable listing show_target=false/>
                            <Pager cursors next/>
                        }
                        .into_any()
                    }
                    Err(err) => view! { <p class="form-error" role="alert">{err.to_string()}</p> }.into_any(),
                };
                view! {
                    <section class="card" aria-labelledby="activity-heading" data-testid="key-activity">
                        <h2 id="activity-heading">"Activity"</h2>
                        <p class="muted">"Changes to this key and what it was used to do, newest first."</p>
                        {body}
                    </section>
                }
                .into_any()
            })}
        </Transition>
    }
    .into_any()
}
