//! The Invite dialog: e-mail and role; then either the link, shown once for the inviter to
//! pass on, or (with a mail server) word that it was e-mailed.

use leptos::prelude::*;
use server_fn::codec::Json;

use crate::{
    components::{
        dialog::{CancelButton, Modal},
        format::exact,
        notices::FormError,
        shown_once::ShownOnce,
    },
    error::AppError,
    model::{CreatedInvitation, InvitationLink, InvitationRow, InviteForm, Role},
};

/// Invites an e-mail with a role. With a mail server the link goes to the invitee's
/// mailbox only; without one this response is the only place its token ever appears.
/// The database keeps a keyed hash of it either way.
#[server(endpoint = "invite_member", input = Json)]
pub async fn invite_member(form: InviteForm) -> Result<CreatedInvitation, AppError> {
    use crate::ssr::{
        boundary,
        services::invitations::{self, Delivery, NewInvitation},
    };

    let (state, current) = boundary::require_member_manager().await?;
    let delivery = Delivery::through(
        state.mailer.as_ref(),
        &current.org.name,
        &current.user.email,
    );
    let issued = invitations::invite(
        &state.db,
        &state.audit,
        &state.keys.hasher,
        NewInvitation {
            org_id: current.org.id,
            email: &form.email,
            role: form.role,
        },
        delivery,
        current.actor(),
        boundary::client_ip().await,
    )
    .await?;
    Ok(CreatedInvitation {
        link: issued.token.map(|token| InvitationLink {
            path: invitations::invitation_path(&token),
            token,
        }),
        invitation: invitations::row(issued.invitation, Some(current.user.email.clone())),
    })
}

/// The roles `role` may hand out, most powerful first.
pub(super) fn grantable(role: Role) -> Vec<Role> {
    Role::ALL
        .iter()
        .copied()
        .filter(|r| role.can_manage_role(*r))
        .collect()
}

/// The full link, on this site's origin (the dialog only renders it in the browser).
fn full_link(path: &str) -> String {
    #[cfg(feature = "hydrate")]
    if let Some(origin) = web_sys::window().and_then(|w| w.location().origin().ok()) {
        return format!("{origin}{path}");
    }
    path.to_owned()
}

#[component]
pub fn InviteDialog(
    /// `Some(())` while the dialog is open.
    open: RwSignal<Option<()>>,
    my_role: Role,
    /// A mail server delivers the link; the inviter never sees it.
    emailed: bool,
    on_invited: Callback<String>,
) -> impl IntoView {
    let email = RwSignal::new(String::new());
    let role = RwSignal::new(Role::Member);
    let problem = RwSignal::new(None::<String>);
    let created = RwSignal::new(None::<CreatedInvitation>);
    let invite = Action::new(|form: &InviteForm| invite_member(form.clone()));

    Effect::new(move |_| match invite.value().get() {
        Some(Ok(invitation)) if invitation.link.is_none() => {
            problem.set(None);
            on_invited.run(format!(
                "Invitation e-mailed to {}.",
                invitation.invitation.email
            ));
            open.set(None);
        }
        Some(Ok(invitation)) => {
            problem.set(None);
            created.set(Some(invitation));
        }
        Some(Err(err)) => problem.set(Some(err.to_string())),
        None => {}
    });
    let closed = move |()| {
        // The list reloads once the link is put away, not while it is shown.
        if let Some(invitation) = created.get_untracked() {
            on_invited.run(format!(
                "Invitation for {} created.",
                invitation.invitation.email
            ));
        }
        email.set(String::new());
        role.set(Role::Member);
        problem.set(None);
        // The link leaves memory with the dialog: reopening never shows it again.
        created.set(None);
    };
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        invite.dispatch(InviteForm {
            email: email.get_untracked(),
            role: role.get_untracked(),
        });
    };

    view! {
        <Modal target=open labelled_by="invite-title" test_id="invite-dialog" on_close=closed>
            {move || match created.get() {
                Some(CreatedInvitation { invitation, link: Some(link) }) => view! {
                    <LinkOnce invitation link on_done=Callback::new(move |()| open.set(None))/>
                }
                .into_any(),
                Some(CreatedInvitation { link: None, .. }) => ().into_any(),
                None => view! {
                    <form class="form dialog-form" on:submit=submit>
                        <h2 id="invite-title">"Invite a member"</h2>
                        {if emailed {
                            view! {
                                <p class="muted" data-testid="invite-delivery">
                                    "We e-mail them a link. It works once and expires in 7 days; you never see it."
                                </p>
                            }
                            .into_any()
                        } else {
                            view! {
                                <p class="notice notice-warning" data-testid="invite-delivery">
                                    "You get a link to send them. Whoever opens it can claim this e-mail's \
                                     account if it is new, so send it only to them, over a channel you trust. \
                                     It works once and expires in 7 days. (With a mail server configured, \
                                     Keyward e-mails it instead.)"
                                </p>
                            }
                            .into_any()
                        }}
                        <label for="invite-email">"E-mail"</label>
                        <input id="invite-email" type="email" required maxlength="254" autocomplete="off"
                            prop:value=move || email.get()
                            on:input=move |e| email.set(event_target_value(&e))/>
                        <label for="invite-role">"Role"</label>
                        <select id="invite-role"
                            prop:value=move || role.get().as_str()
                            on:change=move |e| {
                                if let Ok(chosen) = event_target_value(&e).parse::<Role>() {
                                    role.set(chosen);
                                }
                            }
                        >
                            {grantable(my_role).into_iter().map(|r| view! {
                                <option value=r.as_str() selected=r == Role::Member>{r.label()}</option>
                            }).collect_view()}
                        </select>
                        <FormError problem/>
                        <div class="dialog-actions">
                            <CancelButton target=open/>
                            <button type="submit" class="btn btn-primary" disabled=move || invite.pending().get()>
                                {if emailed { "Send invitation" } else { "Create invite link" }}
                            </button>
                        </div>
                    </form>
                }
                .into_any(),
            }}
        </Modal>
    }
}

/// The link, once, with what it grants and until when.
#[component]
fn LinkOnce(
    invitation: InvitationRow,
    link: InvitationLink,
    on_done: Callback<()>,
) -> impl IntoView {
    let expires = invitation.expires_at;
    view! {
        <ShownOnce
            heading_id="invite-title"
            heading=format!("Send this link to {}", invitation.email)
            secret=full_link(&link.path)
            test_id="invite-link"
            copy_label="Copy link"
            wrap=true
            on_done
        >
            "This is the only time the link is shown: copy it now. It works once, for "
            {invitation.role.label()}
            " access, until "
            <time datetime=expires.to_rfc3339()>{exact(expires)}</time>
            "."
        </ShownOnce>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admins_cannot_offer_the_owner_role_and_owners_offer_all() {
        assert_eq!(grantable(Role::Owner), Role::ALL.to_vec());
        assert_eq!(
            grantable(Role::Admin),
            vec![Role::Admin, Role::Member, Role::Viewer]
        );
        assert!(grantable(Role::Viewer).is_empty());
    }
}
