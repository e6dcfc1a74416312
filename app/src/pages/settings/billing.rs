//! Settings ▸ Billing: the plan, what each plan includes, this month's requests, and
//! an Owner-only plan switch (no payment provider; every switch is audited).

use leptos::prelude::*;

use super::PageHeader;
use crate::{
    components::{
        dialog::{CancelButton, Modal},
        format::{long_date, thousands},
        notices::FormError,
    },
    error::AppError,
    model::{BillingOverview, Plan, UsageCounts},
};

#[server(endpoint = "billing_overview")]
pub async fn load_billing_overview() -> Result<BillingOverview, AppError> {
    use crate::{
        model::Role,
        ssr::{boundary, services::billing},
    };

    let (state, _, current) = boundary::require_user().await?;
    let (period_start, live, test) =
        billing::month_usage(&state.db, current.org.id, chrono::Utc::now()).await?;
    let quotas = state.rate_limits.settings();
    Ok(BillingOverview {
        plan: current.org.plan,
        can_change_plan: current.membership.role == Role::Owner,
        period_start,
        live,
        test,
        rate_limits: Plan::ALL
            .iter()
            .map(|plan| (*plan, quotas.requests_for(*plan).map(|n| n.get())))
            .collect(),
        rate_window_seconds: quotas.window.as_secs(),
    })
}

/// Switches the current organization's plan. Owners only.
#[server(endpoint = "change_plan")]
pub async fn change_plan(plan: Plan) -> Result<(), AppError> {
    use crate::{
        model::Role,
        ssr::{boundary, services::billing},
    };

    let (state, _, current) = boundary::require_user().await?;
    if current.membership.role != Role::Owner {
        return Err(AppError::Forbidden);
    }
    billing::change_plan(
        &state.db,
        &state.audit,
        &state.invalidator,
        current.org.id,
        plan,
        current.actor(),
        boundary::client_ip().await,
    )
    .await?;
    Ok(())
}

fn limit_text(limit: Option<u32>) -> String {
    limit.map_or_else(|| "Unlimited".to_owned(), thousands)
}

fn count_text(count: i64) -> String {
    u32::try_from(count).map_or_else(|_| count.to_string(), thousands)
}

#[component]
pub fn BillingPage() -> impl IntoView {
    let changes = RwSignal::new(0u32);
    let overview = Resource::new(move || changes.get(), |_| load_billing_overview());
    view! {
        <PageHeader title="Billing" description="Your plan, what it includes, and this month's requests."/>
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match overview.await {
                    Ok(overview) => view! {
                        <UsageSummary overview=overview.clone()/>
                        <Plans overview/>
                    }
                    .into_any(),
                    Err(err) => view! { <p class="form-error" role="alert">{err.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
    }
    .into_any()
}

#[component]
fn UsageSummary(overview: BillingOverview) -> impl IntoView {
    let since = long_date(overview.period_start);
    let tile = |label: &'static str,
                note: &'static str,
                counts: UsageCounts,
                test_id: &'static str| {
        view! {
            <div data-testid=test_id>
                <dt>{label}" "<span class="muted-inline small">{note}</span></dt>
                <dd>{count_text(counts.total)}</dd>
                <dd class="muted small">
                    {count_text(counts.succeeded)}" successful · "{count_text(counts.failed)}" failed"
                </dd>
            </div>
        }
    };
    view! {
        <section class="card" aria-labelledby="month-heading">
            <h2 id="month-heading">"This month"</h2>
            <p class="muted">"Requests with API keys since "{since}" (UTC). Counts are recorded every few seconds."</p>
            <dl class="stats">
                {tile("Live requests", "billable", overview.live, "usage-live")}
                {tile("Test requests", "not billed", overview.test, "usage-test")}
            </dl>
        </section>
    }
}

#[component]
fn Plans(overview: BillingOverview) -> impl IntoView {
    let current = overview.plan;
    let choosing = RwSignal::new(None::<Plan>);
    view! {
        <section class="card" aria-labelledby="plans-heading">
            <h2 id="plans-heading">"Plan"</h2>
            <p class="plan-current" data-testid="current-plan">{current.label()}</p>
            <div class="table-wrap">
                <table class="table table-cards">
                    <caption class="visually-hidden">"What each plan includes"</caption>
                    <thead>
                        <tr>
                            <th scope="col">"Plan"</th>
                            <th scope="col">"API access"</th>
                            <th scope="col">"Active keys"</th>
                            <th scope="col">"Requests / "{overview.rate_window_label()}</th>
                            {overview.can_change_plan.then(|| view! {
                                <th scope="col"><span class="visually-hidden">"Change"</span></th>
                            })}
                        </tr>
                    </thead>
                    <tbody>
                        {Plan::ALL
                            .iter()
                            .copied()
                            .map(|plan| {
                                let limits = plan.limits();
                                let is_current = current == plan;
                                let dash = || "—".to_owned();
                                let requests_label = format!("Requests / {}", overview.rate_window_label());
                                view! {
                                    <tr class:current=is_current data-testid="plan-row" data-plan=plan.as_str()>
                                        <th scope="row">
                                            {plan.label()}
                                            {is_current.then_some(view! { " " <span class="pill pill-info">"Current"</span> })}
                                        </th>
                                        <td data-label="API access">{if limits.api_access { "Yes" } else { "No" }}</td>
                                        <td data-label="Active keys">{if limits.api_access { limit_text(limits.max_active_keys) } else { dash() }}</td>
                                        <td data-label=requests_label>{overview.requests_allowed(plan).map_or_else(dash, thousands)}</td>
                                        {overview.can_change_plan.then(|| view! {
                                            <td>
                                                {(!is_current).then(|| view! {
                                                    <button
                                                        type="button"
                                                        class="btn btn-secondary btn-small"
                                                        on:click=move |_| choosing.set(Some(plan))
                                                    >
                                                        "Switch to "{plan.label()}
                                                    </button>
                                                })}
                                            </td>
                                        })}
                                    </tr>
                                }
                            })
                            .collect_view()}
                    </tbody>
                </table>
            </div>
            {(!overview.can_change_plan).then(|| view! {
                <p class="muted">"Only Owners can change the plan."</p>
            })}
        </section>
        {overview.can_change_plan.then(|| view! { <SwitchPlanDialog current choosing/> })}
    }
    .into_any()
}

#[component]
fn SwitchPlanDialog(current: Plan, choosing: RwSignal<Option<Plan>>) -> impl IntoView {
    let switch = ServerAction::<ChangePlan>::new();
    Effect::new(move |_| {
        if let Some(Ok(())) = switch.value().get() {
            // A full reload: the header, the gating of every page and the limits follow the plan.
            let _ = window().location().reload();
        }
    });
    let consequence = move || {
        choosing.get().map(|plan| {
            let limits = plan.limits();
            if !limits.api_access {
                "Starter has no API access: every key stops working until you switch back.".to_owned()
            } else if let Some(max) = limits.max_active_keys
                && current.limits().max_active_keys.is_none_or(|old| old > max)
            {
                format!("{} allows {max} active keys. Existing keys keep working, but no new key can be created while more are active.", plan.label())
            } else {
                format!("{} takes effect at once.", plan.label())
            }
        })
    };
    view! {
        <Modal target=choosing labelled_by="switch-plan-title" test_id="switch-plan-dialog">
            <div class="dialog-form">
                <h2 id="switch-plan-title">
                    "Switch to "{move || choosing.get().map(Plan::label).unwrap_or_default()}"?"
                </h2>
                <p>{consequence}</p>
                <p class="muted">"No payment is taken: Keyward has no payment provider yet. The switch is recorded in the audit log."</p>
                <FormError problem=Signal::derive(move || {
                    switch.value().get().and_then(Result::err).map(|err| err.to_string())
                })/>
                <div class="dialog-actions">
                    <CancelButton target=choosing/>
                    <button
                        type="button"
                        class="btn btn-primary"
                        disabled=move || switch.pending().get()
                        on:click=move |_| {
                            if let Some(plan) = choosing.get_untracked() {
                                switch.dispatch(ChangePlan { plan });
                            }
                        }
                    >
                        "Switch plan"
                    </button>
                </div>
            </div>
        </Modal>
    }
    .into_any()
}
