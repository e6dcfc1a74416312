//! The member table: e-mail, role, joined date, and the row actions the viewer's role allows.

use leptos::prelude::*;
use uuid::Uuid;

use super::RowAction;
use crate::{
    components::format::date,
    model::{MemberRow, Role},
};

#[component]
pub fn MemberTable(
    members: Vec<MemberRow>,
    my_role: Role,
    me: Uuid,
    on_action: impl Fn(RowAction, MemberRow) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    view! {
        <div class="table-wrap">
            <table class="table table-cards members-table" data-testid="members-table">
                <caption class="visually-hidden">"Members of this organization"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Member"</th>
                        <th scope="col">"Role"</th>
                        <th scope="col">"Joined"</th>
                        <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                    </tr>
                </thead>
                <tbody>
                    {members
                        .into_iter()
                        .map(|member| view! { <MemberRowView member my_role me on_action/> })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}

#[component]
fn MemberRowView(
    member: MemberRow,
    my_role: Role,
    me: Uuid,
    on_action: impl Fn(RowAction, MemberRow) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    // The server decides; this only hides buttons that would be refused.
    let manageable = my_role.can_manage_members() && my_role.can_manage_role(member.role);
    let is_me = member.user_id == me;
    let joined = member.joined_at;
    let email = member.email.clone();
    view! {
        <tr data-testid="member-row" data-email=member.email.clone()>
            <td class="member-email" data-label="Member">
                <span>{member.email.clone()}</span>
                {is_me.then(|| view! { <span class="pill pill-you">"You"</span> })}
            </td>
            <td data-label="Role"><span class="pill pill-role" data-testid="role-pill">{member.role.label()}</span></td>
            <td data-label="Joined">
                <time datetime=joined.to_rfc3339() title=joined.to_rfc2822()>
                    {date(joined)}
                </time>
            </td>
            <td class="row-actions">
                {manageable.then(|| {
                    let change = member.clone();
                    let remove = member.clone();
                    view! {
                        <button
                            type="button"
                            class="btn btn-secondary btn-small"
                            aria-label=format!("Change the role of {email}")
                            on:click=move |_| on_action(RowAction::ChangeRole, change.clone())
                        >
                            "Change role"
                        </button>
                        <button
                            type="button"
                            class="btn btn-danger-outline btn-small"
                            aria-label=format!("Remove {email}")
                            on:click=move |_| on_action(RowAction::Remove, remove.clone())
                        >
                            "Remove"
                        </button>
                    }
                })}
            </td>
        </tr>
    }
    .into_any()
}
