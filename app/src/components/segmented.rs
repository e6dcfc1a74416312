use leptos::prelude::*;

/// A row of toggle buttons choosing one of `choices` (`aria-pressed` marks the chosen
/// one); `on_choose` decides what choosing does (set a signal, reset a pager, …).
#[component]
pub fn Segmented<T>(
    /// Names the group for assistive technology ("Period", "Status").
    label: &'static str,
    choices: Vec<T>,
    #[prop(into)] chosen: Signal<T>,
    text: fn(T) -> &'static str,
    on_choose: Callback<T>,
) -> impl IntoView
where
    T: Copy + PartialEq + Send + Sync + 'static,
{
    view! {
        <div class="segmented" role="group" aria-label=label>
            {choices
                .into_iter()
                .map(|choice| view! {
                    <button
                        type="button"
                        class="segment"
                        aria-pressed=move || (chosen.get() == choice).to_string()
                        on:click=move |_| on_choose.run(choice)
                    >
                        {text(choice)}
                    </button>
                })
                .collect_view()}
        </div>
    }
}
