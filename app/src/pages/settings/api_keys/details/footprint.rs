//! The key's footprint: the networks it was used from and the scopes its requests
//! needed over the last 30 days, beside the scopes it was granted; for a key at least
//! that old with grants no request needed, the offer to narrow it (through Edit).

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use uuid::Uuid;

use super::config::exact;
use crate::{
    error::AppError,
    model::{
        AddressSeen, ApiKeySummary, KeyDetailsView, KeyFootprint, KeyStatus, Scope, ScopeSeen,
        narrowed_scopes, unused_grants,
    },
};

/// Every role may read a key's footprint, as its usage.
#[server(endpoint = "key_footprint")]
pub async fn load_key_footprint(id: Uuid) -> Result<KeyFootprint, AppError> {
    use crate::ssr::{
        boundary,
        services::{footprint, keys},
    };

    let (state, _, current) = boundary::require_user().await?;
    // 404 for a key of another organization, rather than an empty footprint.
    keys::get_key(&state.db, current.org.id, id).await?;
    Ok(footprint::of_key(&state.db, current.org.id, id).await?)
}

/// The narrowed scopes to offer, when the key has been around for the whole period,
/// its requests needed some scopes and it holds grants none of them needed.
pub(crate) fn narrowing(
    key: &ApiKeySummary,
    footprint: &KeyFootprint,
    now: DateTime<Utc>,
) -> Option<Vec<Scope>> {
    narrowed_scopes(
        &key.scopes,
        key.created_at,
        &footprint.scopes,
        footprint.days,
        now,
    )
}

#[component]
pub(super) fn FootprintCard(
    key_id: Memo<Option<Uuid>>,
    details: Resource<Result<KeyDetailsView, AppError>>,
    /// The page's Edit dialog: narrowing opens it with the narrowed scopes.
    editing: RwSignal<Option<ApiKeySummary>>,
) -> impl IntoView {
    let footprint = Resource::new(
        move || key_id.get(),
        |id| async move {
            match id {
                Some(id) => load_key_footprint(id).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    view! {
        <Transition fallback=|| view! { <p class="loading">"Loading footprint…"</p> }>
            {move || Suspend::new(async move {
                let Ok(view) = details.await else {
                    return ().into_any();
                };
                let key = view.details.row.key.clone();
                let manageable = view.can_manage
                    && key.status == KeyStatus::Active
                    && !view.details.row.replaced;
                let body = match footprint.await {
                    Ok(footprint) => {
                        let offer = manageable
                            .then(|| narrowing(&key, &footprint, view.now))
                            .flatten()
                            .map(|scopes| ApiKeySummary { scopes, ..key.clone() });
                        view! { <FootprintBody footprint granted=key.scopes.clone() offer editing/> }.into_any()
                    }
                    Err(err) => view! { <p class="form-error" role="alert">{err.to_string()}</p> }.into_any(),
                };
                view! {
                    <section class="card" aria-labelledby="footprint-heading" data-testid="key-footprint">
                        <h2 id="footprint-heading">"Footprint"</h2>
                        {body}
                    </section>
                }
                .into_any()
            })}
        </Transition>
    }
    .into_any()
}

#[component]
fn FootprintBody(
    footprint: KeyFootprint,
    granted: Vec<Scope>,
    /// The key with narrowed scopes, when narrowing is worth offering.
    offer: Option<ApiKeySummary>,
    editing: RwSignal<Option<ApiKeySummary>>,
) -> impl IntoView {
    let days = footprint.days;
    let unused = unused_grants(&granted, &footprint.scopes);
    let used: Vec<String> = footprint
        .scopes
        .iter()
        .filter(|seen| seen.allowed > 0)
        .map(|seen| seen.scope.as_str().to_owned())
        .collect();
    let scope_summary = if used.is_empty() {
        format!("No request in the last {days} days needed a scope.")
    } else {
        format!(
            "Requests in the last {days} days needed: {}.",
            used.join(", ")
        )
    };
    let unused_note = (!unused.is_empty()).then(|| {
        let names: Vec<&str> = unused.iter().map(|scope| scope.as_str()).collect();
        view! {
            <p class="muted" data-testid="unused-scopes">
                "Granted but not used in " {days} " days: " <code>{names.join(", ")}</code>
            </p>
        }
    });
    let offer = offer.map(|narrowed| {
        let names: Vec<&str> = narrowed.scopes.iter().map(|scope| scope.as_str()).collect();
        let text = format!(
            "This key used only {} in {days} days — narrow it?",
            names.join(", ")
        );
        view! {
            <p class="narrow-offer" data-testid="narrow-offer">
                {text} " "
                <button
                    type="button"
                    class="btn btn-secondary"
                    on:click=move |_| editing.set(Some(narrowed.clone()))
                >
                    "Narrow scopes…"
                </button>
            </p>
        }
    });
    let denied: Vec<ScopeSeen> = footprint
        .scopes
        .iter()
        .filter(|seen| seen.denied > 0)
        .cloned()
        .collect();
    view! {
        <h3>"Addresses"</h3>
        {if footprint.addresses.is_empty() {
            view! { <p class="muted">"Not used from any address in the last " {days} " days."</p> }.into_any()
        } else {
            view! { <AddressTable addresses=footprint.addresses/> }.into_any()
        }}
        <h3>"Scopes"</h3>
        <p data-testid="used-scopes">{scope_summary}</p>
        {unused_note}
        {offer}
        {(!denied.is_empty()).then(|| view! {
            <ul class="denied-scopes" data-testid="denied-scopes">
                {denied.into_iter().map(|seen| view! {
                    <li>
                        <code>{seen.scope.as_str()}</code>
                        " denied " {seen.denied} " time(s), last "
                        {seen.last_denied_at.map(exact).unwrap_or_default()}
                    </li>
                }).collect_view()}
            </ul>
        })}
        <p class="muted small">"IPv6 addresses are grouped by /64 network. Written every few seconds; times are UTC."</p>
    }
    .into_any()
}

#[component]
fn AddressTable(addresses: Vec<AddressSeen>) -> impl IntoView {
    view! {
        <div class="table-wrap">
            <table class="table table-cards" data-testid="address-table">
                <caption class="visually-hidden">"Addresses the key was used from, most recent first"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Address"</th>
                        <th scope="col">"First seen"</th>
                        <th scope="col">"Last seen"</th>
                        <th scope="col">"Requests"</th>
                        <th scope="col">"Refused"</th>
                    </tr>
                </thead>
                <tbody>
                    {addresses.into_iter().map(|seen| view! {
                        <tr data-testid="address-row">
                            <td data-label="Address"><code>{seen.network}</code></td>
                            <td data-label="First seen">{exact(seen.first_seen)}</td>
                            <td data-label="Last seen">{exact(seen.last_seen)}</td>
                            <td data-label="Requests">{seen.requests}</td>
                            <td data-label="Refused">{seen.refused}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeDelta;

    use super::*;
    use crate::model::needed_scopes;

    fn seen(scope: Scope, allowed: i64) -> ScopeSeen {
        ScopeSeen {
            scope,
            allowed,
            denied: 0,
            last_allowed_at: None,
            last_denied_at: None,
        }
    }

    fn key(scopes: &[Scope], days_old: i64, now: DateTime<Utc>) -> ApiKeySummary {
        ApiKeySummary {
            id: Uuid::nil(),
            name: "k".into(),
            description: None,
            mode: crate::model::Mode::Live,
            scopes: scopes.to_vec(),
            workspace_id: Uuid::nil(),
            display_prefix: "kw_live_abcdefgh".into(),
            last_four: "wxyz".into(),
            created_by: Uuid::nil(),
            created_at: now - TimeDelta::days(days_old),
            expires_at: None,
            revoked_at: None,
            last_used_at: None,
            rolled_from: None,
            allowed_ips: None,
            status: KeyStatus::Active,
        }
    }

    fn footprint(scopes: Vec<ScopeSeen>) -> KeyFootprint {
        KeyFootprint {
            days: 30,
            addresses: Vec::new(),
            scopes,
        }
    }

    #[test]
    fn a_needed_write_covers_its_read() {
        let seen = [
            seen(Scope::ClientsRead, 2),
            seen(Scope::ClientsWrite, 1),
            seen(Scope::AuditRead, 1),
            seen(Scope::EnvelopesRead, 0),
        ];
        assert_eq!(
            needed_scopes(&seen),
            [Scope::ClientsWrite, Scope::AuditRead]
        );
    }

    #[test]
    fn narrowing_is_offered_only_to_keys_old_enough_with_unneeded_grants() {
        let now = Utc::now();
        let used = footprint(vec![seen(Scope::ClientsRead, 5)]);
        assert_eq!(
            narrowing(&key(&[Scope::All], 31, now), &used, now),
            Some(vec![Scope::ClientsRead])
        );
        assert_eq!(
            narrowing(&key(&[Scope::All], 10, now), &used, now),
            None,
            "too young"
        );
        assert_eq!(
            narrowing(&key(&[Scope::ClientsWrite], 31, now), &used, now),
            Some(vec![Scope::ClientsRead]),
            "a write only ever used to read"
        );
        let both = footprint(vec![
            seen(Scope::ClientsRead, 5),
            seen(Scope::ClientsWrite, 1),
        ]);
        assert_eq!(
            narrowing(&key(&[Scope::ClientsWrite], 31, now), &both, now),
            None,
            "the write covers the read it was also used for"
        );
        assert_eq!(
            narrowing(&key(&[Scope::ClientsRead], 31, now), &used, now),
            None,
            "nothing to narrow"
        );
        assert_eq!(
            narrowing(&key(&[Scope::All], 31, now), &footprint(Vec::new()), now),
            None,
            "unused keys are for the rotation and expiry signals, not narrowing"
        );
    }

    #[test]
    fn grants_no_request_needed_are_unused() {
        let granted = [Scope::ClientsRead, Scope::ClientsWrite, Scope::AuditRead];
        let used = [seen(Scope::ClientsRead, 3), seen(Scope::AuditRead, 0)];
        assert_eq!(
            unused_grants(&granted, &used),
            [Scope::ClientsWrite, Scope::AuditRead]
        );
        assert_eq!(unused_grants(&[Scope::All], &used), []);
        assert_eq!(unused_grants(&[Scope::All], &[]), [Scope::All]);
    }
}
