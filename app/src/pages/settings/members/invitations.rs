//! Open invitations: who was invited, by whom, until when; each can be revoked.

use leptos::prelude::*;

use crate::{
    components::{format::date, notices::FormError},
    error::AppError,
    model::InvitationRow,
};

/// Withdraws an open invitation of the current organization; its link stops working.
#[server(endpoint = "revoke_invitation")]
pub async fn revoke_invitation(id: uuid::Uuid) -> Result<(), AppError> {
    use crate::ssr::{boundary, services::invitations};

    let (state, current) = boundary::require_member_manager().await?;
    invitations::revoke(
        &state.db,
        &state.audit,
        current.org.id,
        id,
        current.actor(),
        boundary::client_ip().await,
    )
    .await
    .map_err(AppError::from)
}

#[component]
pub fn InvitationList(
    invitations: Vec<InvitationRow>,
    now: chrono::DateTime<chrono::Utc>,
    on_revoked: Callback<String>,
) -> impl IntoView {
    let revoke = ServerAction::<RevokeInvitation>::new();
    let problem = RwSignal::new(None::<String>);
    let revoking = RwSignal::new(None::<String>);
    Effect::new(move |_| match revoke.value().get() {
        Some(Ok(())) => {
            problem.set(None);
            let email = revoking.get_untracked().unwrap_or_default();
            on_revoked.run(format!("Invitation for {email} revoked."));
        }
        Some(Err(err)) => problem.set(Some(err.to_string())),
        None => {}
    });
    if invitations.is_empty() {
        return ().into_any();
    }
    view! {
        <section class="invitations" aria-labelledby="invitations-title">
            <h2 id="invitations-title">"Open invitations"</h2>
            <FormError problem/>
            <div class="table-wrap">
                <table class="table table-cards members-table" data-testid="invitations-table">
                    <caption class="visually-hidden">"Invitations not yet accepted"</caption>
                    <thead>
                        <tr>
                            <th scope="col">"E-mail"</th>
                            <th scope="col">"Role"</th>
                            <th scope="col">"Invited by"</th>
                            <th scope="col">"Expires"</th>
                            <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                        </tr>
                    </thead>
                    <tbody>
                        {invitations.into_iter().map(|invitation| {
                            let expired = invitation.is_expired(now);
                            let id = invitation.id;
                            let email = invitation.email.clone();
                            let label = format!("Revoke the invitation for {email}");
                            view! {
                                <tr data-testid="invitation-row" data-email=invitation.email.clone()>
                                    <td class="member-email" data-label="E-mail">{invitation.email.clone()}</td>
                                    <td data-label="Role"><span class="pill pill-role">{invitation.role.label()}</span></td>
                                    <td data-label="Invited by">{invitation.invited_by_email.clone().unwrap_or_else(|| "Former member".to_owned())}</td>
                                    <td data-label="Expires">
                                        {if expired {
                                            view! { <span class="pill pill-expired">"Expired"</span> }.into_any()
                                        } else {
                                            let at = invitation.expires_at;
                                            view! {
                                                <time datetime=at.to_rfc3339() title=at.to_rfc2822()>
                                                    {date(at)}
                                                </time>
                                            }
                                            .into_any()
                                        }}
                                    </td>
                                    <td class="row-actions">
                                        <button
                                            type="button"
                                            class="btn btn-danger-outline btn-small"
                                            aria-label=label
                                            disabled=move || revoke.pending().get()
                                            on:click=move |_| {
                                                revoking.set(Some(email.clone()));
                                                revoke.dispatch(RevokeInvitation { id });
                                            }
                                        >
                                            "Revoke"
                                        </button>
                                    </td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
    }
    .into_any()
}
