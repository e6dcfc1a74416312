//! The key's configuration as a description list.

use chrono::{DateTime, Utc};
use leptos::prelude::*;

use super::super::table::ScopeBadges;
use crate::{
    components::copy_button::CopyButton,
    model::{KeyDetails, expiry_label},
};

pub(super) use crate::components::format::exact;

#[component]
pub(super) fn ConfigCard(details: KeyDetails, now: DateTime<Utc>) -> impl IntoView {
    let KeyDetails {
        row,
        last_used_ip: _,
        revoke_reason,
        rolled_into,
    } = details;
    let key = row.key;
    let id = key.id.to_string();
    let copied = id.clone();
    let (expiry_text, expiry_warns) = expiry_label(key.expires_at, now);
    let link = |id: uuid::Uuid| {
        view! { <a href=format!("/settings/api-keys/{id}")><code>{id.to_string()}</code></a> }
    };
    view! {
        <section class="card" aria-labelledby="config-heading" data-testid="key-config">
            <h2 id="config-heading">"Configuration"</h2>
            <dl class="details-list">
                <div>
                    <dt>"ID"</dt>
                    <dd class="with-action">
                        <code>{id}</code>
                        <CopyButton text=Signal::derive(move || copied.clone()) label="Copy ID" aria_label="Copy the key ID".to_owned()/>
                    </dd>
                </div>
                <div><dt>"Key"</dt><dd><code>{key.masked()}</code></dd></div>
                <div><dt>"Description"</dt><dd>{key.description.unwrap_or_else(|| "—".to_owned())}</dd></div>
                <div><dt>"Workspace"</dt><dd>{row.workspace_name}</dd></div>
                <div><dt>"Scopes"</dt><dd><ScopeBadges scopes=key.scopes/></dd></div>
                <div>
                    <dt>"Created"</dt>
                    <dd>
                        <time datetime=key.created_at.to_rfc3339()>{exact(key.created_at)}</time>
                        " by "
                        {row.created_by_email.unwrap_or_else(|| "a former member".to_owned())}
                    </dd>
                </div>
                <div><dt>"Expires"</dt><dd class:warn=expiry_warns>{expiry_text}</dd></div>
                <div>
                    <dt>"Allowed IP addresses"</dt>
                    <dd>
                        {match key.allowed_ips {
                            Some(networks) => view! {
                                <span class="badges">
                                    {networks.into_iter().map(|n| view! { <code class="badge">{n}</code> }).collect_view()}
                                </span>
                            }
                            .into_any(),
                            None => "Any address".into_any(),
                        }}
                    </dd>
                </div>
                {key.rolled_from.map(|from| view! { <div><dt>"Rolled from"</dt><dd>{link(from)}</dd></div> })}
                {rolled_into.map(|into| view! { <div><dt>"Replaced by"</dt><dd>{link(into)}</dd></div> })}
                {key.revoked_at.map(|at| view! {
                    <div>
                        <dt>"Revoked"</dt>
                        <dd>
                            <time datetime=at.to_rfc3339()>{exact(at)}</time>
                            {revoke_reason.map(|reason| view! { " — " {reason} })}
                        </dd>
                    </div>
                })}
            </dl>
        </section>
    }
    .into_any()
}
