use leptos::{html, prelude::*};

/// A modal dialog on the native `<dialog>` element: `showModal()` gives the focus trap,
/// Escape to close and an inert background, without script of our own. `open` drives
/// it; closing by Escape writes `false` back.
#[component]
pub fn Modal(
    open: RwSignal<bool>,
    /// The id of the dialog's heading (`aria-labelledby`).
    labelled_by: &'static str,
    #[prop(optional)] test_id: &'static str,
    children: Children,
) -> impl IntoView {
    let dialog = NodeRef::<html::Dialog>::new();
    Effect::new(move |_| {
        let Some(element) = dialog.get() else {
            return;
        };
        if open.get() {
            if !element.open() {
                let _ = element.show_modal();
            }
        } else if element.open() {
            element.close();
        }
    });
    view! {
        <dialog
            node_ref=dialog
            class="modal"
            aria-labelledby=labelled_by
            data-testid=test_id
            on:close=move |_| open.set(false)
        >
            {children()}
        </dialog>
    }
}
