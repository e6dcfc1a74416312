//! The key's usage: totals and a chart for the last 24 hours, 7 or 30 days.

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use uuid::Uuid;

use super::{chart::UsageChart, config::exact, load_key_usage};
use crate::{
    components::{format::ago, segmented::Segmented},
    error::AppError,
    model::{KeyDetailsView, KeyUsage, Mode, UsageRange},
};

/// When and from where the key was last used (from its row, not from the counts).
#[derive(Debug, Clone)]
struct LastUse {
    at: Option<DateTime<Utc>>,
    ip: Option<String>,
    now: DateTime<Utc>,
}

#[component]
pub(super) fn UsageCard(
    key_id: Memo<Option<Uuid>>,
    details: Resource<Result<KeyDetailsView, AppError>>,
) -> impl IntoView {
    let range = RwSignal::new(UsageRange::Day);
    let usage = Resource::new(
        move || (key_id.get(), range.get()),
        |(id, range)| async move {
            match id {
                Some(id) => load_key_usage(id, range).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    view! {
        <Transition fallback=|| view! { <p class="loading">"Loading usage…"</p> }>
            {move || Suspend::new(async move {
                // Nothing to show for a key that is not there (the page says so).
                let Ok(view) = details.await else {
                    return ().into_any();
                };
                let last_use = LastUse {
                    at: view.details.row.key.last_used_at,
                    ip: view.details.last_used_ip,
                    now: view.now,
                };
                let body = match usage.await {
                    Ok(usage) => view! { <UsageFigures usage last_use/> }.into_any(),
                    Err(err) => view! { <p class="form-error" role="alert">{err.to_string()}</p> }.into_any(),
                };
                view! {
                    <section class="card" aria-labelledby="usage-heading" data-testid="key-usage">
                        <div class="card-header">
                            <h2 id="usage-heading">"Usage"</h2>
                            <Segmented
                                label="Period"
                                choices=UsageRange::ALL.to_vec()
                                chosen=range
                                text=UsageRange::label
                                on_choose=Callback::new(move |choice| range.set(choice))
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
fn UsageFigures(usage: KeyUsage, last_use: LastUse) -> impl IntoView {
    let billing = match usage.mode {
        Mode::Live => {
            view! { <p class="billing-note"><span class="pill pill-live">"Live"</span>" Billable requests."</p> }
        }
        Mode::Test => {
            view! { <p class="billing-note"><span class="pill pill-test">"Test"</span>" Test usage — not billed."</p> }
        }
    };
    let totals = usage.totals;
    view! {
        {billing}
        <dl class="stats" data-testid="usage-stats">
            <div><dt>"Total requests"</dt><dd data-testid="usage-total">{totals.total}</dd></div>
            <div><dt>"Successful (2xx)"</dt><dd data-testid="usage-succeeded">{totals.succeeded}</dd></div>
            <div><dt>"Failed"</dt><dd data-testid="usage-failed">{totals.failed}</dd></div>
            <div>
                <dt>"Last used"</dt>
                <dd>
                    {match last_use.at {
                        Some(at) => view! { <time datetime=at.to_rfc3339() title=exact(at)>{ago(at, last_use.now)}</time> }.into_any(),
                        None => "Never".into_any(),
                    }}
                </dd>
            </div>
            <div><dt>"Last IP address"</dt><dd>{last_use.ip.unwrap_or_else(|| "—".to_owned())}</dd></div>
        </dl>
        <UsageChart range=usage.range buckets=usage.buckets/>
        <p class="muted small">"Counts are recorded every few seconds; times are UTC."</p>
    }
    .into_any()
}
