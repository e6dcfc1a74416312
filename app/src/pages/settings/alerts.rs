//! Settings ▸ Alerts: where the organization's alerts go (https endpoints and the kinds
//! each wants), with each destination's recent deliveries and a Send test button.
//! Owners and Admins add, remove and test; every role reads.

use leptos::prelude::*;
use server_fn::codec::Json;
use uuid::Uuid;

use super::PageHeader;
use crate::{
    components::{format::exact, notices::FormError, shown_once::ShownOnce},
    error::AppError,
    model::{AlertDestinationRow, AlertKind, AlertsOverview, CreatedDestination, NewDestination},
};

#[server(endpoint = "alerts_overview")]
pub async fn load_alerts_overview() -> Result<AlertsOverview, AppError> {
    use crate::ssr::{boundary, services::alerts};

    let (state, _, current) = boundary::require_user().await?;
    Ok(AlertsOverview {
        destinations: alerts::overview(&state.db, current.org.id).await?,
        can_manage: current.membership.role.can_manage_keys(),
    })
}

#[server(endpoint = "add_alert_destination", input = Json)]
pub async fn add_alert_destination(new: NewDestination) -> Result<CreatedDestination, AppError> {
    use crate::ssr::{boundary, services::alerts};

    let (state, current) = boundary::require_key_manager().await?;
    let (destination, secret) = alerts::add_destination(
        &state.db,
        &state.audit,
        &state.keys.hasher,
        &state.alert_sender,
        current.org.id,
        new,
        (current.user.id, current.actor()),
        boundary::client_ip().await,
    )
    .await?;
    Ok(CreatedDestination {
        destination,
        secret,
    })
}

#[server(endpoint = "remove_alert_destination")]
pub async fn remove_alert_destination(id: Uuid) -> Result<(), AppError> {
    use crate::ssr::{boundary, services::alerts};

    let (state, current) = boundary::require_key_manager().await?;
    alerts::remove_destination(
        &state.db,
        &state.audit,
        current.org.id,
        id,
        current.actor(),
        boundary::client_ip().await,
    )
    .await?;
    Ok(())
}

/// Queues a test alert for one destination; the worker sends it within seconds.
#[server(endpoint = "send_test_alert")]
pub async fn send_test_alert(id: Uuid) -> Result<(), AppError> {
    use crate::ssr::{boundary, services::alerts};

    let (state, current) = boundary::require_key_manager().await?;
    alerts::send_test(&state.db, current.org.id, id).await?;
    Ok(())
}

#[component]
pub fn AlertsPage() -> impl IntoView {
    let changes = RwSignal::new(0u32);
    let overview = Resource::new(move || changes.get(), |_| load_alerts_overview());
    let changed = Callback::new(move |()| changes.update(|n| *n += 1));
    view! {
        <PageHeader
            title="Alerts"
            description="Signed webhooks to your own endpoints when a signal opens, a key leaks, is revoked or is about to expire, or the plan changes."
        />
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match overview.await {
                    Ok(overview) => view! {
                        {overview.can_manage.then(|| view! { <AddDestination on_added=changed/> })}
                        <Destinations overview on_changed=changed/>
                    }
                    .into_any(),
                    Err(err) => view! { <p class="form-error" role="alert">{err.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
        <SignatureHelp/>
    }
    .into_any()
}

#[component]
fn AddDestination(on_added: Callback<()>) -> impl IntoView {
    let url = RwSignal::new(String::new());
    let kinds = RwSignal::new(AlertKind::SUBSCRIBABLE.to_vec());
    let add = ServerAction::<AddAlertDestination>::new();
    let problem = RwSignal::new(None::<String>);
    let created = RwSignal::new(None::<CreatedDestination>);
    Effect::new(move |_| match add.value().get() {
        Some(Ok(destination)) => {
            problem.set(None);
            url.set(String::new());
            created.set(Some(destination));
        }
        Some(Err(err)) => problem.set(Some(err.to_string())),
        None => {}
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        add.dispatch(AddAlertDestination {
            new: NewDestination {
                url: url.get_untracked(),
                events: kinds.get_untracked(),
            },
        });
    };
    let done = Callback::new(move |()| {
        created.set(None);
        on_added.run(());
    });
    view! {
        <section class="card" aria-labelledby="add-destination-heading" data-testid="add-destination">
            {move || match created.get() {
                Some(created) => view! {
                    <ShownOnce
                        heading_id="add-destination-heading"
                        heading="Destination added".to_owned()
                        secret=created.secret
                        test_id="alert-secret"
                        copy_label="Copy secret"
                        on_done=done
                    >
                        "The signing secret of " {created.destination.url} ": check each delivery's "
                        <code>"Keyward-Signature"</code> " with it. It is shown only now."
                    </ShownOnce>
                }
                .into_any(),
                None => view! {
                    <h2 id="add-destination-heading">"Add a destination"</h2>
                    <form class="form" on:submit=submit>
                        <label for="destination-url">"Endpoint URL (https)"</label>
                        <input
                            id="destination-url"
                            type="url"
                            required
                            placeholder="https://hooks.example.com/keyward"
                            prop:value=move || url.get()
                            on:input=move |ev| url.set(event_target_value(&ev))
                        />
                        <fieldset class="choices">
                            <legend>"Alerts to send"</legend>
                            {AlertKind::SUBSCRIBABLE
                                .iter()
                                .copied()
                                .map(|kind| view! {
                                    <label class="choice">
                                        <input
                                            type="checkbox"
                                            prop:checked=move || kinds.with(|k| k.contains(&kind))
                                            on:change=move |ev| {
                                                let on = event_target_checked(&ev);
                                                kinds.update(|k| {
                                                    k.retain(|x| *x != kind);
                                                    if on {
                                                        k.push(kind);
                                                    }
                                                });
                                            }
                                        />
                                        " " {kind.label()} " " <code class="muted-inline">{kind.as_str()}</code>
                                    </label>
                                })
                                .collect_view()}
                        </fieldset>
                        <FormError problem/>
                        <button type="submit" class="btn btn-primary" disabled=move || add.pending().get()>
                            "Add destination"
                        </button>
                    </form>
                }
                .into_any(),
            }}
        </section>
    }
}

#[component]
fn Destinations(overview: AlertsOverview, on_changed: Callback<()>) -> impl IntoView {
    let AlertsOverview {
        destinations,
        can_manage,
    } = overview;
    let remove = ServerAction::<RemoveAlertDestination>::new();
    let test = ServerAction::<SendTestAlert>::new();
    let problem = RwSignal::new(None::<String>);
    let outcome = move |result: Option<Result<(), AppError>>| match result {
        Some(Ok(())) => {
            problem.set(None);
            on_changed.run(());
        }
        Some(Err(err)) => problem.set(Some(err.to_string())),
        None => {}
    };
    Effect::new(move |_| outcome(remove.value().get()));
    Effect::new(move |_| outcome(test.value().get()));
    view! {
        <section class="card" aria-labelledby="destinations-heading" data-testid="destinations">
            <h2 id="destinations-heading">"Destinations"</h2>
            <FormError problem/>
            {if destinations.is_empty() {
                view! { <p class="muted">"No destinations yet: alerts are only shown in Keyward."</p> }.into_any()
            } else {
                destinations
                    .into_iter()
                    .map(|destination| view! { <Destination destination can_manage remove test/> })
                    .collect_view()
                    .into_any()
            }}
        </section>
    }
}

#[component]
fn Destination(
    destination: AlertDestinationRow,
    can_manage: bool,
    remove: ServerAction<RemoveAlertDestination>,
    test: ServerAction<SendTestAlert>,
) -> impl IntoView {
    let AlertDestinationRow {
        id,
        url,
        events,
        created_at,
        recent,
    } = destination;
    let kinds: Vec<&str> = events.iter().map(|kind| kind.label()).collect();
    view! {
        <article class="destination" data-testid="destination">
            <h3><code>{url.clone()}</code></h3>
            <p class="muted small">{kinds.join(", ")} " · added " {exact(created_at)}</p>
            {can_manage.then(|| view! {
                <div class="header-actions">
                    <button
                        type="button"
                        class="btn btn-secondary btn-small"
                        aria-label=format!("Send a test alert to {url}")
                        on:click=move |_| { test.dispatch(SendTestAlert { id }); }
                    >
                        "Send test"
                    </button>
                    <button
                        type="button"
                        class="btn btn-danger-outline btn-small"
                        aria-label=format!("Remove {url}")
                        on:click=move |_| { remove.dispatch(RemoveAlertDestination { id }); }
                    >
                        "Remove"
                    </button>
                </div>
            })}
            {if recent.is_empty() {
                view! { <p class="muted small">"Nothing delivered yet."</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap">
                        <table class="table table-cards" data-testid="deliveries">
                            <caption class="visually-hidden">"Recent deliveries, newest first"</caption>
                            <thead>
                                <tr>
                                    <th scope="col">"Alert"</th>
                                    <th scope="col">"Status"</th>
                                    <th scope="col">"Attempts"</th>
                                    <th scope="col">"Last error"</th>
                                    <th scope="col">"Queued"</th>
                                </tr>
                            </thead>
                            <tbody>
                                {recent.into_iter().map(|delivery| view! {
                                    <tr data-testid="delivery" data-status=delivery.status.as_str()>
                                        <td data-label="Alert"><code>{delivery.event_type}</code></td>
                                        <td data-label="Status">
                                            {delivery.status.label()}
                                            {delivery.last_status.map(|code| format!(" ({code})"))}
                                        </td>
                                        <td data-label="Attempts">{delivery.attempts}</td>
                                        <td data-label="Last error">{delivery.last_error.unwrap_or_default()}</td>
                                        <td data-label="Queued">{exact(delivery.created_at)}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }
                .into_any()
            }}
        </article>
    }
}

#[component]
fn SignatureHelp() -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="signature-heading">
            <h2 id="signature-heading">"Checking a delivery"</h2>
            <p>
                "Each delivery is a JSON POST with " <code>"id"</code> ", " <code>"type"</code> ", "
                <code>"createdAt"</code> " and " <code>"data"</code> ", and the header "
                <code>"Keyward-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of \"t.body\">"</code>
                " under the destination's secret. Reject a signature older than 5 minutes. "
                "A delivery that is not answered with 2xx within 10 seconds is tried again, 8 times over about a day."
            </p>
        </section>
    }
}
