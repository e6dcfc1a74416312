//! The business-hours form: the off-hours signal fires on use outside them. The zone
//! list comes from the server (no time-zone database in the browser's bundle).

use leptos::prelude::*;
use server_fn::codec::Json;

use crate::{
    components::notices::FormError,
    error::AppError,
    model::{BusinessHours, BusinessHoursView},
};

/// The current business hours and the zones to choose from. Every role reads.
#[server(endpoint = "business_hours")]
pub async fn load_business_hours() -> Result<BusinessHoursView, AppError> {
    use crate::ssr::{boundary, services::signals};

    let (state, _, current) = boundary::require_user().await?;
    Ok(BusinessHoursView {
        hours: signals::business_hours(&state.db, current.org.id).await?,
        time_zones: signals::time_zones(),
        can_edit: current.membership.role.can_manage_keys(),
    })
}

/// Sets the business hours, or with `None` turns the off-hours signal off. Owners and
/// Admins; audited.
#[server(endpoint = "save_business_hours", input = Json)]
pub async fn save_business_hours(hours: Option<BusinessHours>) -> Result<(), AppError> {
    use crate::ssr::{boundary, services::signals};

    let (state, current) = boundary::require_key_manager().await?;
    signals::set_business_hours(
        &state.db,
        &state.audit,
        current.org.id,
        hours,
        current.actor(),
        boundary::client_ip().await,
    )
    .await?;
    Ok(())
}

#[component]
pub fn BusinessHoursCard() -> impl IntoView {
    let view_data = Resource::new(|| (), |_| load_business_hours());
    view! {
        <section class="card" aria-labelledby="hours-heading" data-testid="business-hours">
            <h2 id="hours-heading">"Business hours"</h2>
            <p class="muted">
                "When set, a key used outside these hours raises an off-hours signal. Off until set."
            </p>
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match view_data.await {
                        Ok(data) => view! { <HoursForm data/> }.into_any(),
                        Err(err) => view! { <p class="form-error" role="alert">{err.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

fn hour_label(hour: u8) -> String {
    format!("{hour:02}:00")
}

#[component]
fn HoursForm(data: BusinessHoursView) -> impl IntoView {
    let BusinessHoursView {
        hours,
        time_zones,
        can_edit,
    } = data;
    let initial = hours
        .clone()
        .unwrap_or_else(|| BusinessHours::office("UTC"));
    let enabled = RwSignal::new(hours.is_some());
    let zone = RwSignal::new(initial.time_zone.clone());
    let days = RwSignal::new(initial.days.clone());
    let start = RwSignal::new(initial.start_hour);
    let end = RwSignal::new(initial.end_hour);
    let save = ServerAction::<SaveBusinessHours>::new();
    let problem = RwSignal::new(None::<String>);
    let saved = RwSignal::new(false);
    Effect::new(move |_| match save.value().get() {
        Some(Ok(())) => {
            problem.set(None);
            saved.set(true);
        }
        Some(Err(err)) => {
            saved.set(false);
            problem.set(Some(err.to_string()));
        }
        None => {}
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        saved.set(false);
        let hours = enabled.get_untracked().then(|| BusinessHours {
            time_zone: zone.get_untracked(),
            days: days.get_untracked(),
            start_hour: start.get_untracked(),
            end_hour: end.get_untracked(),
        });
        save.dispatch(SaveBusinessHours { hours });
    };
    let locked = move || !can_edit || !enabled.get();
    let hour_options = |range: std::ops::RangeInclusive<u8>, chosen: RwSignal<u8>| {
        range
            .map(|hour| {
                view! {
                    <option value=hour.to_string() selected=move || chosen.get() == hour>
                        {hour_label(hour)}
                    </option>
                }
            })
            .collect_view()
    };
    view! {
        <form class="form hours-form" on:submit=submit>
            <label class="choice">
                <input
                    type="checkbox"
                    data-testid="hours-enabled"
                    prop:checked=move || enabled.get()
                    disabled=!can_edit
                    on:change=move |ev| enabled.set(event_target_checked(&ev))
                />
                " Watch for use outside business hours"
            </label>
            <label for="hours-zone">"Time zone"</label>
            <select
                id="hours-zone"
                disabled=locked
                on:change=move |ev| zone.set(event_target_value(&ev))
            >
                {time_zones
                    .into_iter()
                    .map(|name| {
                        let chosen = name.clone();
                        let value = name.clone();
                        view! {
                            <option value=value selected=move || zone.with(|z| *z == chosen)>
                                {name}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
            <fieldset class="choices weekdays" disabled=locked>
                <legend>"Days"</legend>
                {BusinessHours::WEEKDAYS
                    .iter()
                    .zip(1u8..)
                    .map(|(name, day)| view! {
                        <label class="choice">
                            <input
                                type="checkbox"
                                prop:checked=move || days.with(|d| d.contains(&day))
                                on:change=move |ev| {
                                    let on = event_target_checked(&ev);
                                    days.update(|d| {
                                        d.retain(|x| *x != day);
                                        if on {
                                            d.push(day);
                                            d.sort_unstable();
                                        }
                                    });
                                }
                            />
                            " " {*name}
                        </label>
                    })
                    .collect_view()}
            </fieldset>
            <div class="hours-range">
                <label>
                    "From "
                    <select
                        disabled=locked
                        on:change=move |ev| {
                            if let Ok(hour) = event_target_value(&ev).parse() {
                                start.set(hour);
                            }
                        }
                    >
                        {hour_options(0..=23, start)}
                    </select>
                </label>
                <label>
                    " to "
                    <select
                        disabled=locked
                        on:change=move |ev| {
                            if let Ok(hour) = event_target_value(&ev).parse() {
                                end.set(hour);
                            }
                        }
                    >
                        {hour_options(1..=24, end)}
                    </select>
                </label>
            </div>
            <FormError problem/>
            {move || saved.get().then(|| view! { <p class="muted" role="status">"Saved."</p> })}
            {can_edit.then(|| view! {
                <button type="submit" class="btn btn-primary" disabled=move || save.pending().get()>
                    "Save business hours"
                </button>
            })}
            {(!can_edit).then(|| view! { <p class="muted">"Only Owners and Admins can change business hours."</p> })}
        </form>
    }
}
