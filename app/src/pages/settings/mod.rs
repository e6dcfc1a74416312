//! Settings ▸ API Keys · Members · Audit Log · Billing, inside the signed-in shell.

pub mod api_keys;
pub mod members;
pub mod shell;

use leptos::prelude::*;
use leptos_meta::Title;

use crate::{
    components::{format::thousands, placeholder::NotAvailableYet},
    model::{Plan, SignedInUser},
};

#[component]
pub(crate) fn PageHeader(title: &'static str, description: &'static str) -> impl IntoView {
    view! {
        <Title text=title/>
        <header class="page-header">
            <div>
                <h1>{title}</h1>
                <p class="muted">{description}</p>
            </div>
        </header>
    }
}

#[component]
pub fn AuditLogPage() -> impl IntoView {
    view! {
        <PageHeader title="Audit Log" description="Every change made in this organization, newest first."/>
        <NotAvailableYet what="The audit log viewer"/>
    }
}

fn limit_text(limit: Option<u32>) -> String {
    limit.map_or_else(|| "Unlimited".to_owned(), thousands)
}

#[component]
pub fn BillingPage() -> impl IntoView {
    let current = use_context::<SignedInUser>().map(|user| user.org.plan);
    view! {
        <PageHeader title="Billing" description="Your plan and what it includes."/>
        <section class="card">
            <h2>"Current plan"</h2>
            <p class="plan-current" data-testid="current-plan">
                {current.map(Plan::label).unwrap_or("Unknown")}
            </p>
            <table class="table">
                <caption class="visually-hidden">"What each plan includes"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Plan"</th>
                        <th scope="col">"API access"</th>
                        <th scope="col">"Active keys"</th>
                        <th scope="col">"Requests / 15 min"</th>
                    </tr>
                </thead>
                <tbody>
                    {Plan::ALL
                        .iter()
                        .copied()
                        .map(|plan| {
                            let limits = plan.limits();
                            let is_current = current == Some(plan);
                            view! {
                                <tr class:current=is_current>
                                    <th scope="row">
                                        {plan.label()}
                                        {is_current.then_some(view! { <span class="pill pill-info">"Current"</span> })}
                                    </th>
                                    <td>{if limits.api_access { "Yes" } else { "No" }}</td>
                                    <td>
                                        {if limits.api_access { limit_text(limits.max_active_keys) } else { "—".to_owned() }}
                                    </td>
                                    <td>
                                        {if limits.api_access { limit_text(limits.requests_per_15_minutes) } else { "—".to_owned() }}
                                    </td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
            <p class="muted">"Changing plans is not available yet."</p>
        </section>
    }
}
