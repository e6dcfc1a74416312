//! A secret shown once (a new key, an invitation link): selectable, copyable, with the
//! warning that it will not come back, and a Done that puts it away.

use leptos::prelude::*;

use crate::components::copy_button::CopyButton;

#[component]
pub fn ShownOnce(
    /// The dialog's heading id, so the dialog stays labelled by what it shows.
    heading_id: &'static str,
    heading: String,
    secret: String,
    /// `data-testid` of the code element holding the secret.
    test_id: &'static str,
    copy_label: &'static str,
    /// Long secrets (links) wrap instead of scrolling.
    #[prop(optional)]
    wrap: bool,
    on_done: Callback<()>,
    /// The warning: what the secret is for and that it is shown only now.
    children: Children,
) -> impl IntoView {
    let copied = secret.clone();
    view! {
        <div class="dialog-form">
            <h2 id=heading_id>{heading}</h2>
            <p class="notice notice-warning" role="alert">{children()}</p>
            <pre class="secret" class:secret-wrap=wrap><code data-testid=test_id>{secret}</code></pre>
            <div class="dialog-actions">
                <CopyButton text=Signal::derive(move || copied.clone()) label=copy_label/>
                <button type="button" class="btn btn-primary" on:click=move |_| on_done.run(())>"Done"</button>
            </div>
        </div>
    }
}
