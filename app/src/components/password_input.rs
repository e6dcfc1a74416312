use leptos::prelude::*;

/// A password field with a Show/Hide toggle. The toggle only works once the page is
/// hydrated, which makes it a cheap probe that the WASM bundle is alive.
#[component]
pub fn PasswordInput(
    id: &'static str,
    name: &'static str,
    autocomplete: &'static str,
) -> impl IntoView {
    let visible = RwSignal::new(false);
    view! {
        <div class="password-field">
            <input
                id=id
                name=name
                type=move || if visible.get() { "text" } else { "password" }
                autocomplete=autocomplete
                required
            />
            <button
                type="button"
                class="btn btn-ghost"
                aria-controls=id
                aria-pressed=move || visible.get().to_string()
                on:click=move |_| visible.update(|shown| *shown = !*shown)
            >
                {move || if visible.get() { "Hide" } else { "Show" }}
            </button>
        </div>
    }
}
