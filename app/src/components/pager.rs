use leptos::prelude::*;

/// Previous / Next over keyset pages. `cursors` holds the cursor of every page after
/// the first that was opened, so Previous pops one and Next pushes `next`.
#[component]
pub fn Pager(cursors: RwSignal<Vec<String>>, next: Option<String>) -> impl IntoView {
    view! {
        <nav class="pager" aria-label="Pages">
            <button
                type="button"
                class="btn btn-secondary"
                disabled=move || cursors.with(Vec::is_empty)
                on:click=move |_| cursors.update(|c| { c.pop(); })
            >
                "Previous"
            </button>
            <button
                type="button"
                class="btn btn-secondary"
                disabled=next.is_none()
                on:click=move |_| {
                    if let Some(cursor) = next.clone() {
                        cursors.update(|c| c.push(cursor));
                    }
                }
            >
                "Next"
            </button>
        </nav>
    }
}
