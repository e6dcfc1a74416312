//! The key's usage: totals and a chart for the last 24 hours, 7 or 30 days.

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use uuid::Uuid;

use super::{chart::UsageChart, config::exact, load_key_usage};
use crate::{
    components::format::ago,
    model::{KeyUsage, Mode, UsageRange},
};

/// When and from where the key was last used (from its row, not from the counts).
#[derive(Debug, Clone)]
pub(super) struct LastUse {
    pub at: Option<DateTime<Utc>>,
    pub ip: Option<String>,
    pub now: DateTime<Utc>,
}

#[component]
pub(super) fn UsageCard(id: Uuid, last_use: LastUse) -> impl IntoView {
    let range = RwSignal::new(UsageRange::Day);
    let usage = Resource::new(move || range.get(), move |range| load_key_usage(id, range));
    view! {
        <section class="card" aria-labelledby="usage-heading" data-testid="key-usage">
            <div class="card-header">
                <h2 id="usage-heading">"Usage"</h2>
                <div class="segmented" role="group" aria-label="Period">
                    {UsageRange::ALL
                        .into_iter()
                        .map(|choice| view! {
                            <button
                                type="button"
                                class="segment"
                                aria-pressed=move || (range.get() == choice).to_string()
                                on:click=move |_| range.set(choice)
                            >
                                {choice.label()}
                            </button>
                        })
                        .collect_view()}
                </div>
            </div>
            <Transition fallback=|| view! { <p class="loading">"Loading usage…"</p> }>
                {move || {
                    let last_use = last_use.clone();
                    Suspend::new(async move {
                        match usage.await {
                            Ok(usage) => view! { <UsageFigures usage last_use/> }.into_any(),
                            Err(err) => view! { <p class="form-error" role="alert">{err.to_string()}</p> }.into_any(),
                        }
                    })
                }}
            </Transition>
        </section>
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
