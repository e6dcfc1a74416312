//! The key's signals, open first, each with its evidence and (for Owners and Admins)
//! a Dismiss button. The key list's badges link here.

use leptos::prelude::*;
use uuid::Uuid;

use crate::{
    error::AppError,
    model::{KeyDetailsView, SignalRow},
    pages::settings::signals::list::SignalList,
};

/// Every role may read a key's signals.
#[server(endpoint = "key_signals")]
pub async fn load_key_signals(id: Uuid) -> Result<Vec<SignalRow>, AppError> {
    use crate::ssr::{
        boundary,
        services::{keys, signals},
    };

    let (state, _, current) = boundary::require_user().await?;
    // 404 for a key of another organization, rather than no signals.
    keys::get_key(&state.db, current.org.id, id).await?;
    Ok(signals::list_for_key(&state.db, current.org.id, id).await?)
}

#[component]
pub(super) fn SignalsCard(
    key_id: Memo<Option<Uuid>>,
    details: Resource<Result<KeyDetailsView, AppError>>,
) -> impl IntoView {
    let changes = RwSignal::new(0u32);
    let signals = Resource::new(
        move || (key_id.get(), changes.get()),
        |(id, _)| async move {
            match id {
                Some(id) => load_key_signals(id).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    let dismissed = Callback::new(move |()| changes.update(|n| *n += 1));
    view! {
        <Transition fallback=|| view! { <p class="loading">"Loading signals…"</p> }>
            {move || Suspend::new(async move {
                let Ok(view) = details.await else {
                    return ().into_any();
                };
                let body = match signals.await {
                    Ok(rows) if rows.is_empty() => view! {
                        <p class="muted">"Nothing suspicious noticed about this key."</p>
                    }
                    .into_any(),
                    Ok(rows) => view! {
                        <SignalList rows can_dismiss=view.can_manage show_key=false on_dismissed=dismissed/>
                    }
                    .into_any(),
                    Err(err) => view! { <p class="form-error" role="alert">{err.to_string()}</p> }.into_any(),
                };
                view! {
                    <section class="card" id="signals" aria-labelledby="signals-heading" data-testid="key-signals">
                        <h2 id="signals-heading">"Signals"</h2>
                        {body}
                    </section>
                }
                .into_any()
            })}
        </Transition>
    }
    .into_any()
}
