//! Messages on a page or in a form: the toast after an action, and a form's error.

use leptos::prelude::*;

/// What the last action did ("Key “x” revoked."), until dismissed.
#[component]
pub fn Toast(message: RwSignal<Option<String>>) -> impl IntoView {
    move || {
        message.get().map(|text| {
            view! {
                <div class="toast" role="status" data-testid="toast">
                    <span>{text}</span>
                    <button type="button" class="btn btn-ghost btn-small" on:click=move |_| message.set(None)>
                        "Dismiss"
                    </button>
                </div>
            }
        })
    }
}

/// Why a form was refused, announced to screen readers when it appears.
#[component]
pub fn FormError(#[prop(into)] problem: Signal<Option<String>>) -> impl IntoView {
    move || {
        problem
            .get()
            .map(|message| view! { <p class="form-error" role="alert">{message}</p> })
    }
}
