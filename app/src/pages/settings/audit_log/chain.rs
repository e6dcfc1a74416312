//! "Chain verified up to …": the Audit Log page walks the organization's hash chain.

use leptos::prelude::*;

use crate::{components::format::exact, error::AppError, model::ChainStatus};

/// Walks the current organization's audit chain. Every role reads.
#[server(endpoint = "audit_chain_status")]
pub async fn load_audit_chain_status() -> Result<ChainStatus, AppError> {
    use crate::ssr::boundary;

    let (state, _, current) = boundary::require_user().await?;
    let report = state
        .audit
        .verify_recent(&state.db, Some(current.org.id))
        .await?;
    if let Some(broken) = &report.broken {
        tracing::error!(org = %current.org.slug, %broken, "the audit chain is broken");
    }
    Ok(ChainStatus {
        holds: report.broken.is_none(),
        events: report.genesis_events + report.linked_events,
        verified_up_to: report.verified_up_to,
        problem: report.broken.map(|broken| broken.to_string()),
    })
}

#[component]
pub fn ChainStatusLine() -> impl IntoView {
    let status = Resource::new(|| (), |_| load_audit_chain_status());
    view! {
        <Suspense fallback=|| view! { <p class="muted small">"Checking the chain…"</p> }>
            {move || Suspend::new(async move {
                match status.await {
                    Ok(ChainStatus { holds: true, verified_up_to, events, .. }) => view! {
                        <p class="muted small chain-status" data-testid="chain-status" data-holds="true">
                            "Tamper-evident: chain of " {events} " event(s) verified"
                            {verified_up_to.map(|at| format!(" up to {}", exact(at)))}
                            "."
                        </p>
                    }
                    .into_any(),
                    Ok(ChainStatus { problem, verified_up_to, .. }) => view! {
                        <p class="form-error" role="alert" data-testid="chain-status" data-holds="false">
                            "The audit chain is broken: " {problem.unwrap_or_default()}
                            {verified_up_to.map(|at| format!(" It holds up to {}.", exact(at)))}
                        </p>
                    }
                    .into_any(),
                    Err(err) => view! { <p class="form-error" role="alert">{err.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}
