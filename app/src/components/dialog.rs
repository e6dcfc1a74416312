use leptos::{html, prelude::*};

/// A modal dialog on the native `<dialog>` element: `showModal()` gives the focus trap,
/// Escape to close and an inert background, without script of our own.
///
/// It is open while `target` holds something (the row being edited, or `()` for a
/// dialog about nothing in particular). Every way of closing (Escape, Cancel, Done,
/// `target.set(None)` from code) ends in the element's `close` event, which clears
/// `target` and runs `on_close` once: that is where a dialog forgets its form and any
/// secret it showed.
#[component]
pub fn Modal<T>(
    target: RwSignal<Option<T>>,
    /// The id of the dialog's heading (`aria-labelledby`).
    labelled_by: &'static str,
    #[prop(optional)] test_id: &'static str,
    #[prop(optional, into)] on_close: Option<Callback<()>>,
    children: Children,
) -> impl IntoView
where
    T: Send + Sync + 'static,
{
    let dialog = NodeRef::<html::Dialog>::new();
    // One direction only (signal → element), so nothing here can wake itself.
    Effect::new(move |_| {
        let wanted = target.with(Option::is_some);
        let Some(element) = dialog.get() else {
            return;
        };
        if wanted && !element.open() {
            let _ = element.show_modal();
        } else if !wanted && element.open() {
            element.close();
        }
    });
    let closed = move |_| {
        if target.with_untracked(Option::is_some) {
            target.set(None);
        }
        if let Some(on_close) = on_close {
            on_close.run(());
        }
    };
    view! {
        <dialog
            node_ref=dialog
            class="modal"
            aria-labelledby=labelled_by
            data-testid=test_id
            on:close=closed
        >
            {children()}
        </dialog>
    }
}

/// The button that closes a dialog without doing anything.
#[component]
pub fn CancelButton<T>(target: RwSignal<Option<T>>) -> impl IntoView
where
    T: Send + Sync + 'static,
{
    view! {
        <button type="button" class="btn btn-secondary" on:click=move |_| target.set(None)>
            "Cancel"
        </button>
    }
}
