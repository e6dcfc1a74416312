//! The key's request log: its recent `/v1` requests, newest first, by status class.

use leptos::prelude::*;
use server_fn::codec::Json;
use uuid::Uuid;

use crate::{
    components::{
        format::{day_time, thousands},
        pager::Pager,
        segmented::Segmented,
    },
    error::AppError,
    model::{
        KeyDetailsView, REQUEST_LOG_ROWS_PER_FLUSH, RequestListing, RequestLogEntry, StatusClass,
    },
};

/// Every role may read a key's requests, as its usage.
#[server(endpoint = "key_requests", input = Json)]
pub async fn load_key_requests(
    id: Uuid,
    class: StatusClass,
    cursor: Option<String>,
) -> Result<RequestListing, AppError> {
    use crate::ssr::{
        boundary,
        services::{keys, pagination::PageRequest, request_log},
    };

    let (state, _, current) = boundary::require_user().await?;
    let page =
        PageRequest::new(Some(25), cursor.as_deref()).map_err(|err| AppError::Invalid(err.0))?;
    // 404 for a key of another organization, rather than an empty log.
    keys::get_key(&state.db, current.org.id, id).await?;
    let requests = request_log::list(&state.db, current.org.id, id, class, page).await?;
    Ok(RequestListing {
        rows: requests.data,
        next_cursor: requests.next_cursor,
        retention_days: state.request_log.retention_days,
        rows_per_key: state.request_log.rows_per_key,
    })
}

#[component]
pub(super) fn RequestsCard(
    key_id: Memo<Option<Uuid>>,
    details: Resource<Result<KeyDetailsView, AppError>>,
) -> impl IntoView {
    let class = RwSignal::new(StatusClass::All);
    let cursors = RwSignal::new(Vec::<String>::new());
    let requests = Resource::new(
        move || {
            (
                key_id.get(),
                class.get(),
                cursors.with(|c| c.last().cloned()),
            )
        },
        |(id, class, cursor)| async move {
            match id {
                Some(id) => load_key_requests(id, class, cursor).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    let choose = Callback::new(move |choice: StatusClass| {
        cursors.set(Vec::new());
        class.set(choice);
    });
    view! {
        <Transition fallback=|| view! { <p class="loading">"Loading requests…"</p> }>
            {move || Suspend::new(async move {
                // Nothing to show for a key that is not there (the page says so).
                if details.await.is_err() {
                    return ().into_any();
                }
                let body = match requests.await {
                    Ok(listing) => view! { <RequestTable listing cursors/> }.into_any(),
                    Err(err) => view! { <p class="form-error" role="alert">{err.to_string()}</p> }.into_any(),
                };
                view! {
                    <section class="card" aria-labelledby="requests-heading" data-testid="key-requests">
                        <div class="card-header">
                            <h2 id="requests-heading">"Requests"</h2>
                            <Segmented
                                label="Status"
                                choices=StatusClass::ALL.to_vec()
                                chosen=class
                                text=StatusClass::label
                                on_choose=choose
                            />
                        </div>
                        {body}
                    </section>
                }
                .into_any()
            })}
        </Transition>
    }
    .into_any()
}

#[component]
fn RequestTable(listing: RequestListing, cursors: RwSignal<Vec<String>>) -> impl IntoView {
    let kept = format!(
        "The last {} days, at most {} requests per key; times are UTC. Requests appear within a few seconds. \
         A key busier than {} requests in a few seconds is sampled: its failures first, then its newest successes (its usage counts every request).",
        listing.retention_days,
        thousands(listing.rows_per_key),
        thousands(REQUEST_LOG_ROWS_PER_FLUSH),
    );
    if listing.rows.is_empty() {
        return view! {
            <p class="muted" data-testid="requests-empty">"No requests in this view."</p>
            <p class="muted small">{kept}</p>
        }
        .into_any();
    }
    let next = listing.next_cursor.clone();
    view! {
        <div class="table-wrap">
            <table class="table table-cards" data-testid="request-table">
                <caption class="visually-hidden">"Requests made with this key, newest first"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Time"</th>
                        <th scope="col">"Request"</th>
                        <th scope="col">"Status"</th>
                        <th scope="col">"IP address"</th>
                        <th scope="col">"Latency"</th>
                    </tr>
                </thead>
                <tbody>
                    {listing.rows.into_iter().map(|entry| view! { <RequestRow entry/> }).collect_view()}
                </tbody>
            </table>
        </div>
        <Pager cursors next/>
        <p class="muted small">{kept}</p>
    }
    .into_any()
}

#[component]
fn RequestRow(entry: RequestLogEntry) -> impl IntoView {
    let status_class = match entry.status {
        200..=299 => "pill pill-active",
        500..=599 => "pill pill-revoked",
        _ => "pill pill-inactive",
    };
    view! {
        <tr data-testid="request-row" data-status=entry.status.to_string()>
            <td data-label="Time">
                <time datetime=entry.at.to_rfc3339()>{day_time(entry.at)}</time>
            </td>
            <td data-label="Request"><code>{entry.method}" "{entry.route}</code></td>
            <td data-label="Status">
                <span class=status_class>{entry.status}</span>
                {entry.refusal.map(|refusal| view! { " "<span class="muted" data-testid="request-refusal">{refusal.label()}</span> })}
            </td>
            <td data-label="IP address">{entry.ip.unwrap_or_else(|| "—".to_owned())}</td>
            <td data-label="Latency">{latency(entry.latency_micros)}</td>
        </tr>
    }
}

/// Milliseconds, with one decimal below 10 ms.
fn latency(micros: i64) -> String {
    if micros < 10_000 {
        format!("{:.1} ms", micros as f64 / 1000.0)
    } else {
        format!("{} ms", micros / 1000)
    }
}

#[cfg(test)]
mod tests {
    use super::latency;

    #[test]
    fn latency_is_shown_in_milliseconds() {
        assert_eq!(latency(260), "0.3 ms");
        assert_eq!(latency(9_949), "9.9 ms");
        assert_eq!(latency(12_345), "12 ms");
    }
}
