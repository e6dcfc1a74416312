use leptos::prelude::*;

/// Copies `text` to the clipboard and says so ("Copied") for a moment.
#[component]
pub fn CopyButton(
    text: Signal<String>,
    #[prop(default = "Copy")] label: &'static str,
    /// Names what is copied, for screen readers ("Copy key ID").
    #[prop(optional)]
    aria_label: Option<String>,
) -> impl IntoView {
    let copied = RwSignal::new(false);
    let failed = RwSignal::new(false);
    let copy = move |_| {
        #[cfg(feature = "hydrate")]
        {
            let value = text.get_untracked();
            leptos::task::spawn_local(async move {
                let clipboard = web_sys::window().map(|window| window.navigator().clipboard());
                let written = match clipboard {
                    Some(clipboard) => {
                        wasm_bindgen_futures::JsFuture::from(clipboard.write_text(&value))
                            .await
                            .is_ok()
                    }
                    None => false,
                };
                copied.set(written);
                failed.set(!written);
                if written {
                    set_timeout(move || copied.set(false), std::time::Duration::from_secs(2));
                }
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (text, failed);
    };
    view! {
        <button type="button" class="btn btn-secondary btn-small" on:click=copy aria-label=aria_label>
            {move || {
                if copied.get() {
                    "Copied"
                } else if failed.get() {
                    "Copy failed: select and copy"
                } else {
                    label
                }
            }}
        </button>
    }
}
