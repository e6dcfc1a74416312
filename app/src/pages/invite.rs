//! `/invite/<token>`: the page an invitation link opens. A new e-mail chooses a
//! password; an existing user signs in with theirs (or, already signed in, just
//! joins). Either way the session ends up in the invited organization.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_params_map};

use crate::{
    components::{format::duration_words, notices::FormError, password_input::PasswordInput},
    error::AppError,
    model::{AcceptOutcome, InvitationPreview},
};

/// What the link leads to. Dead links are outcomes (200) with a reason.
#[server(endpoint = "preview_invitation")]
pub async fn preview_invitation(token: String) -> Result<InvitationPreview, AppError> {
    use crate::ssr::{
        auth::session,
        boundary,
        services::{
            accounts,
            invitations::{self, Lookup, OpenInvitation},
        },
    };

    let state = boundary::state()?;
    let session = boundary::session().await?;
    let lookup =
        invitations::look_up(&state.db, &state.keys.hasher, &token, chrono::Utc::now()).await?;
    Ok(match lookup {
        Lookup::Open(open) => {
            let OpenInvitation { invitation, org } = *open;
            let existing = accounts::find_user_by_email(&state.db, &invitation.email).await?;
            let signed_in = session::signed_in_user_id(&state, &session).await?;
            InvitationPreview::Open {
                org_name: org.name,
                email: invitation.email,
                role: invitation.role,
                signed_in_as_invitee: existing.as_ref().is_some_and(|u| Some(u.id) == signed_in),
                account_exists: existing.is_some(),
                expires_at: invitation.expires_at,
            }
        }
        Lookup::Expired => InvitationPreview::Expired,
        Lookup::Used => InvitationPreview::Used,
        Lookup::Revoked => InvitationPreview::Revoked,
        Lookup::Unknown => InvitationPreview::Unknown,
    })
}

/// Accepts the invitation and signs the session into the organization.
#[server(endpoint = "accept_invitation")]
pub async fn accept_invitation(
    token: String,
    #[server(default)] password: String,
    #[server(default)] password_confirmation: String,
) -> Result<AcceptOutcome, AppError> {
    use crate::ssr::{
        auth::session,
        boundary,
        services::invitations::{self, Credentials},
    };

    let state = boundary::state()?;
    let session = boundary::session().await?;
    let signed_in_as = session::signed_in_user_id(&state, &session).await?;
    let acceptance = invitations::accept(
        &state,
        &state.audit,
        &token,
        Credentials {
            password,
            confirmation: password_confirmation,
        },
        signed_in_as,
        boundary::client_ip().await,
    )
    .await?;
    if let Some((user_id, org_id)) = acceptance.joined {
        session::establish(&session, user_id, org_id).await?;
    }
    Ok(acceptance.outcome)
}

fn describe(outcome: &Result<AcceptOutcome, AppError>) -> Option<String> {
    match outcome {
        Ok(AcceptOutcome::Joined) => None,
        Ok(AcceptOutcome::Rejected { message } | AcceptOutcome::NoLongerValid { message }) => {
            Some(message.clone())
        }
        Ok(AcceptOutcome::InvalidCredentials) => Some("Incorrect password.".to_owned()),
        Ok(AcceptOutcome::Throttled {
            retry_after_seconds,
        }) => Some(format!(
            "Too many attempts. Try again in {}.",
            duration_words(*retry_after_seconds)
        )),
        Err(err) => Some(err.to_string()),
    }
}

#[component]
pub fn InvitePage() -> impl IntoView {
    let params = use_params_map();
    let token = move || params.read().get("token").unwrap_or_default();
    let preview = Resource::new(token, preview_invitation);
    view! {
        <Title text="Join an organization"/>
        <main class="auth-page">
            <div class="card auth-card" data-testid="invite-card">
                <p class="brand">"Keyward"</p>
                <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                    {move || Suspend::new(async move {
                        match preview.await {
                            Ok(InvitationPreview::Open {
                                org_name,
                                email,
                                role,
                                account_exists,
                                signed_in_as_invitee,
                                ..
                            }) => view! {
                                <h1>"Join " {org_name}</h1>
                                <p class="muted">
                                    "You are invited as " <strong>{role.label()}</strong> " with the e-mail "
                                    <strong data-testid="invite-email">{email}</strong> "."
                                </p>
                                <AcceptForm token=token() account_exists signed_in_as_invitee/>
                            }
                            .into_any(),
                            Ok(dead) => view! {
                                <h1>"Invitation unavailable"</h1>
                                <p class="form-error" role="alert" data-testid="invite-dead-end">
                                    {dead.dead_end_message().unwrap_or_default()}
                                </p>
                                <a href="/login">"Go to sign-in"</a>
                            }
                            .into_any(),
                            Err(err) => view! {
                                <h1>"Something went wrong"</h1>
                                <p class="form-error" role="alert">{err.to_string()}</p>
                            }
                            .into_any(),
                        }
                    })}
                </Suspense>
            </div>
        </main>
    }
}

#[component]
fn AcceptForm(token: String, account_exists: bool, signed_in_as_invitee: bool) -> impl IntoView {
    let accept = ServerAction::<AcceptInvitation>::new();
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(AcceptOutcome::Joined)) = accept.value().get() {
            navigate("/settings/members", Default::default());
        }
    });
    let message = move || accept.value().get().as_ref().and_then(describe);
    let (fields, button) = match (account_exists, signed_in_as_invitee) {
        (true, true) => (().into_any(), "Join"),
        (true, false) => (
            view! {
                <p class="hint">"You already have a Keyward account: enter its password to join."</p>
                <label for="password">"Password"</label>
                <PasswordInput id="password" name="password" autocomplete="current-password"/>
            }
            .into_any(),
            "Sign in and join",
        ),
        (false, _) => (
            view! {
                <label for="password">"Choose a password"</label>
                <PasswordInput id="password" name="password" autocomplete="new-password"/>
                <p class="hint">"At least 12 characters. Spaces are allowed."</p>
                <label for="password_confirmation">"Repeat the password"</label>
                <PasswordInput
                    id="password_confirmation"
                    name="password_confirmation"
                    autocomplete="new-password"
                />
            }
            .into_any(),
            "Create account and join",
        ),
    };
    view! {
        <ActionForm action=accept attr:class="form" attr:aria-label="Accept the invitation">
            <input type="hidden" name="token" value=token/>
            {fields}
            <FormError problem=Signal::derive(message)/>
            <button type="submit" class="btn btn-primary" disabled=move || accept.pending().get()>
                {button}
            </button>
        </ActionForm>
    }
    .into_any()
}
