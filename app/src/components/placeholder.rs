use leptos::prelude::*;

/// Honest placeholder for a settings section whose feature has not shipped yet.
#[component]
pub fn NotAvailableYet(what: &'static str) -> impl IntoView {
    view! {
        <div class="card empty-state" data-testid="not-available">
            <h2>"Not available yet"</h2>
            <p class="muted">{what}" is not available yet in this version of Keyward."</p>
        </div>
    }
}
