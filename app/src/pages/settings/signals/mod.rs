//! Settings ▸ Signals: the organization's suspicious-activity signals (open, dismissed,
//! resolved) and its business hours, which the off-hours signal reads.

mod hours;
pub mod list;

use leptos::prelude::*;
use server_fn::codec::Json;

use self::{hours::BusinessHoursCard, list::SignalList};
use super::PageHeader;
use crate::{
    components::{pager::Pager, segmented::Segmented},
    error::AppError,
    model::{SignalListing, SignalStatus},
};

/// One page of the organization's signals in `status`, newest first. Every role reads.
#[server(endpoint = "org_signals", input = Json)]
pub async fn load_org_signals(
    status: SignalStatus,
    cursor: Option<String>,
) -> Result<SignalListing, AppError> {
    use crate::ssr::{
        boundary,
        services::{pagination::PageRequest, signals},
    };

    let (state, _, current) = boundary::require_user().await?;
    let page =
        PageRequest::new(Some(25), cursor.as_deref()).map_err(|err| AppError::Invalid(err.0))?;
    let signals = signals::list_for_org(&state.db, current.org.id, status, page).await?;
    Ok(SignalListing {
        rows: signals.data,
        next_cursor: signals.next_cursor,
        can_dismiss: current.membership.role.can_manage_keys(),
    })
}

#[component]
pub fn SignalsPage() -> impl IntoView {
    let status = RwSignal::new(SignalStatus::Open);
    let cursors = RwSignal::new(Vec::<String>::new());
    let changes = RwSignal::new(0u32);
    let listing = Resource::new(
        move || {
            (
                status.get(),
                cursors.with(|c| c.last().cloned()),
                changes.get(),
            )
        },
        |(status, cursor, _)| load_org_signals(status, cursor),
    );
    let choose = Callback::new(move |chosen: SignalStatus| {
        status.set(chosen);
        cursors.set(Vec::new());
    });
    let dismissed = Callback::new(move |()| changes.update(|n| *n += 1));
    view! {
        <PageHeader
            title="Signals"
            description="Suspicious activity on this organization's keys: new addresses, failure spikes, use after revocation, denied scopes, unused scopes, rotations due."
        />
        <section class="card" aria-labelledby="signals-heading" data-testid="signals-card">
            <h2 id="signals-heading">"Signals"</h2>
            <Segmented
                label="Status"
                choices=SignalStatus::ALL.to_vec()
                chosen=status
                text=SignalStatus::label
                on_choose=choose
            />
            <Transition fallback=|| view! { <p class="loading">"Loading signals…"</p> }>
                {move || Suspend::new(async move {
                    match listing.await {
                        Ok(listing) if listing.rows.is_empty() => view! {
                            <p class="muted" data-testid="no-signals">
                                {match status.get_untracked() {
                                    SignalStatus::Open => "No open signals. The detector looks at every key about once a minute.",
                                    SignalStatus::Dismissed => "No dismissed signals.",
                                    SignalStatus::Resolved => "No resolved signals.",
                                }}
                            </p>
                        }
                        .into_any(),
                        Ok(listing) => {
                            let next = listing.next_cursor.clone();
                            view! {
                                <SignalList
                                    rows=listing.rows
                                    can_dismiss=listing.can_dismiss
                                    show_key=true
                                    on_dismissed=dismissed
                                />
                                <Pager cursors next/>
                            }
                            .into_any()
                        }
                        Err(err) => view! { <p class="form-error" role="alert">{err.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
        <BusinessHoursCard/>
    }
    .into_any()
}
