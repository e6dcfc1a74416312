//! Settings ▸ Audit Log: every event of the organization, newest first, filtered by
//! action and actor. Every role may read it; it never holds a secret.

mod chain;
mod table;

use leptos::prelude::*;
use server_fn::codec::Json;

use self::chain::ChainStatusLine;
pub(crate) use self::table::AuditTable;
use super::PageHeader;
use crate::{
    components::pager::Pager,
    error::AppError,
    model::{ActorRef, AuditFilterChoices, AuditListing, AuditQuery},
};

/// The actions and actors the filters offer.
#[server(endpoint = "audit_filter_choices")]
pub async fn load_audit_filter_choices() -> Result<AuditFilterChoices, AppError> {
    use crate::ssr::{boundary, services::audit};

    let (state, _, current) = boundary::require_user().await?;
    let actions = audit::actions_seen(&state.db, current.org.id).await?;
    let actors = audit::actors_seen(&state.db, current.org.id).await?;
    Ok(AuditFilterChoices { actions, actors })
}

/// One page of the organization's events, newest first.
#[server(endpoint = "audit_listing", input = Json)]
pub async fn load_audit_listing(query: AuditQuery) -> Result<AuditListing, AppError> {
    use crate::model::MAX_ACTION_FILTER_CHARS;
    use crate::ssr::{
        boundary,
        services::{
            audit::{self, EventFilter},
            pagination::PageRequest,
        },
    };

    let (state, _, current) = boundary::require_user().await?;
    if query
        .action
        .as_ref()
        .is_some_and(|action| action.chars().count() > MAX_ACTION_FILTER_CHARS)
    {
        return Err(AppError::Invalid(format!(
            "action: at most {MAX_ACTION_FILTER_CHARS} characters"
        )));
    }
    let page =
        PageRequest::new(None, query.cursor.as_deref()).map_err(|err| AppError::Invalid(err.0))?;
    let filter = EventFilter {
        action: query.action.filter(|action| !action.is_empty()),
        actor: query.actor,
        key: None,
        scope: None,
    };
    let events = audit::list_events(&state.db, current.org.id, &filter, page).await?;
    Ok(AuditListing {
        rows: events.data.into_iter().map(audit::entry_of).collect(),
        next_cursor: events.next_cursor,
        now: chrono::Utc::now(),
    })
}

#[component]
pub fn AuditLogPage() -> impl IntoView {
    let action = RwSignal::new(None::<String>);
    let actor = RwSignal::new(None::<ActorRef>);
    let cursors = RwSignal::new(Vec::<String>::new());
    let query = Memo::new(move |_| AuditQuery {
        action: action.get(),
        actor: actor.get(),
        cursor: cursors.with(|c| c.last().cloned()),
    });
    let choices = Resource::new(|| (), |_| load_audit_filter_choices());
    let listing = Resource::new(move || query.get(), load_audit_listing);

    view! {
        <PageHeader title="Audit Log" description="Every change made in this organization, newest first."/>
        <ChainStatusLine/>
        <div class="filters" role="search">
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    let AuditFilterChoices { actions, actors } = choices.await.unwrap_or(AuditFilterChoices {
                        actions: Vec::new(),
                        actors: Vec::new(),
                    });
                    view! {
                        <label class="field">
                            <span>"Action"</span>
                            <select
                                data-testid="audit-action-filter"
                                prop:value=move || action.get().unwrap_or_else(|| "all".to_owned())
                                on:change=move |event| {
                                    let value = event_target_value(&event);
                                    action.set((value != "all").then_some(value));
                                    cursors.set(Vec::new());
                                }
                            >
                                <option value="all">"All actions"</option>
                                {actions
                                    .into_iter()
                                    .map(|name| view! { <option value=name.clone()>{name.clone()}</option> })
                                    .collect_view()}
                            </select>
                        </label>
                        <label class="field">
                            <span>"Actor"</span>
                            <select
                                data-testid="audit-actor-filter"
                                prop:value=move || actor.get().map_or_else(|| "all".to_owned(), |a| a.to_value())
                                on:change=move |event| {
                                    actor.set(ActorRef::from_value(&event_target_value(&event)));
                                    cursors.set(Vec::new());
                                }
                            >
                                <option value="all">"Everyone"</option>
                                {actors
                                    .into_iter()
                                    .map(|option| view! { <option value=option.actor.to_value()>{option.label}</option> })
                                    .collect_view()}
                            </select>
                        </label>
                    }
                    .into_any()
                })}
            </Suspense>
        </div>
        <Transition fallback=|| view! { <p class="loading">"Loading events…"</p> }>
            {move || Suspend::new(async move {
                match listing.await {
                    Ok(listing) if listing.rows.is_empty() => view! {
                        <section class="card empty-state" data-testid="audit-empty">
                            <h2>"No events"</h2>
                            <p class="muted">"Nothing matches these filters yet."</p>
                        </section>
                    }
                    .into_any(),
                    Ok(listing) => {
                        let next = listing.next_cursor.clone();
                        view! {
                            <AuditTable listing show_target=true/>
                            <Pager cursors next/>
                        }
                        .into_any()
                    }
                    Err(err) => view! { <p class="form-error" role="alert">{err.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
    }
    .into_any()
}
