//! Audit events as a table: when, who, what, on which record, details, from where.

use leptos::prelude::*;

use crate::{
    components::format::ago,
    model::{AuditEntry, AuditListing},
};

#[component]
pub(crate) fn AuditTable(listing: AuditListing, show_target: bool) -> impl IntoView {
    let now = listing.now;
    view! {
        <div class="table-wrap">
            <table class="table table-cards audit-table" data-testid="audit-table">
                <caption class="visually-hidden">"Audit events, newest first"</caption>
                <thead>
                    <tr>
                        <th scope="col">"When"</th>
                        <th scope="col">"Actor"</th>
                        <th scope="col">"Action"</th>
                        {show_target.then(|| view! { <th scope="col">"Target"</th> })}
                        <th scope="col">"Details"</th>
                        <th scope="col">"IP address"</th>
                    </tr>
                </thead>
                <tbody>
                    {listing
                        .rows
                        .into_iter()
                        .map(|entry| view! { <EventRow entry now show_target/> })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}

#[component]
fn EventRow(
    entry: AuditEntry,
    now: chrono::DateTime<chrono::Utc>,
    show_target: bool,
) -> impl IntoView {
    let actor = match entry.actor_kind.as_str() {
        "api_key" => format!("Key {}", entry.actor_label.clone().unwrap_or_default()),
        "system" => format!("System ({})", entry.actor_label.clone().unwrap_or_default()),
        _ => entry
            .actor_label
            .clone()
            .unwrap_or_else(|| "Unknown".to_owned()),
    };
    let target = entry.target_kind.clone().map(|kind| {
        let id = entry.target_id.clone().unwrap_or_default();
        let href = (kind == "api_key").then(|| format!("/settings/api-keys/{id}"));
        let short: String = id.chars().take(8).collect();
        let text = format!("{kind} {short}");
        match href {
            Some(href) => view! { <a href=href title=id>{text}</a> }.into_any(),
            None => view! { <span title=id>{text}</span> }.into_any(),
        }
    });
    let action = entry.action.clone();
    view! {
        <tr data-testid="audit-row" data-action=action>
            <td data-label="When">
                <time datetime=entry.created_at.to_rfc3339() title=entry.created_at.to_rfc2822()>
                    {ago(entry.created_at, now)}
                </time>
            </td>
            <td data-label="Actor">{actor}</td>
            <td data-label="Action"><code class="audit-action">{entry.action}</code></td>
            {show_target.then(|| view! { <td data-label="Target">{target}</td> })}
            <td data-label="Details">
                <dl class="audit-details">
                    {entry
                        .details
                        .into_iter()
                        .map(|(field, value)| view! { <div><dt>{field}</dt><dd>{value}</dd></div> })
                        .collect_view()}
                </dl>
            </td>
            <td data-label="IP address">{entry.ip.unwrap_or_else(|| "—".to_owned())}</td>
        </tr>
    }
    .into_any()
}
