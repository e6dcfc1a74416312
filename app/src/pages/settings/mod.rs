//! Settings ▸ API Keys · Members · Workspaces · Audit Log · Billing, inside the
//! signed-in shell.

pub mod alerts;
pub mod api_keys;
pub mod audit_log;
pub mod billing;
pub mod members;
pub mod shell;
pub mod signals;
pub mod workspaces;

use leptos::prelude::*;
use leptos_meta::Title;

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
