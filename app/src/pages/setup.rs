use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_query_map};

use crate::{
    components::{notices::FormError, password_input::PasswordInput},
    error::AppError,
    model::SetupOutcome,
};

/// First-run setup: creates the organization (plan Business) and its Owner, then signs
/// the Owner in. Only the token printed at start-up opens it, once.
#[server(endpoint = "complete_setup")]
pub async fn complete_setup(
    token: String,
    org_name: String,
    email: String,
    password: String,
    password_confirmation: String,
) -> Result<SetupOutcome, AppError> {
    use crate::{
        model::Plan,
        ssr::{
            auth::session,
            boundary,
            services::{
                accounts,
                onboarding::{self, NewOrganization, OnboardingError, Origin},
            },
        },
    };

    let state = boundary::state()?;
    let mut gate = state.setup_gate.hold().await;
    if !gate.accepts(&token) {
        return Err(AppError::NotFound);
    }
    if accounts::count_organizations(&state.db).await? > 0 {
        // Someone used the admin CLI meanwhile: this instance is set up.
        gate.close();
        return Err(AppError::NotFound);
    }
    if password != password_confirmation {
        return Ok(SetupOutcome::Rejected {
            message: "The passwords do not match.".to_owned(),
        });
    }
    let new = NewOrganization {
        org_name,
        owner_email: email,
        owner_password: password,
        plan: Plan::Business,
    };
    let origin = Origin::SetupPage {
        ip: boundary::client_ip().await,
    };
    match onboarding::create_organization_with_owner(
        &state.db,
        &state.audit,
        &state.passwords,
        new,
        origin,
    )
    .await
    {
        Ok(created) => {
            gate.close();
            tracing::info!(org = %created.slug, "first-run setup completed");
            let session = boundary::session().await?;
            session::establish(&session, created.owner_id, created.org_id).await?;
            Ok(SetupOutcome::Completed)
        }
        Err(OnboardingError::Invalid(message)) => Ok(SetupOutcome::Rejected { message }),
        Err(OnboardingError::EmailTaken(_)) => Ok(SetupOutcome::Rejected {
            message: "A user with this e-mail already exists.".to_owned(),
        }),
        Err(OnboardingError::Database(err)) => Err(err.into()),
        Err(OnboardingError::Password(err)) => Err(err.into()),
    }
}

#[component]
pub fn SetupPage() -> impl IntoView {
    let query = use_query_map();
    let token = move || query.read().get("token").unwrap_or_default();
    let setup = ServerAction::<CompleteSetup>::new();
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(SetupOutcome::Completed)) = setup.value().get() {
            navigate("/settings/api-keys", Default::default());
        }
    });
    let message = move || match setup.value().get() {
        Some(Ok(SetupOutcome::Rejected { message })) => Some(message),
        Some(Err(AppError::NotFound)) => Some("This setup link is no longer valid.".to_owned()),
        Some(Err(err)) => Some(err.to_string()),
        _ => None,
    };

    view! {
        <Title text="Set up Keyward"/>
        <main class="auth-page">
            <div class="card auth-card">
                <p class="brand">"Keyward"</p>
                <h1>"Set up your organization"</h1>
                <p class="muted">
                    "Create your organization and its Owner account. This link works once."
                </p>
                <ActionForm action=setup attr:class="form" attr:aria-label="Set up">
                    <input type="hidden" name="token" value=token/>
                    <label for="org_name">"Organization name"</label>
                    <input id="org_name" name="org_name" type="text" maxlength="100" required/>
                    <label for="email">"Your e-mail"</label>
                    <input id="email" name="email" type="email" autocomplete="username" required/>
                    <label for="password">"Password"</label>
                    <PasswordInput id="password" name="password" autocomplete="new-password"/>
                    <p class="hint">"At least 12 characters. Spaces are allowed."</p>
                    <label for="password_confirmation">"Repeat the password"</label>
                    <PasswordInput
                        id="password_confirmation"
                        name="password_confirmation"
                        autocomplete="new-password"
                    />
                    <FormError problem=Signal::derive(message)/>
                    <button type="submit" class="btn btn-primary" disabled=move || setup.pending().get()>
                        "Create organization"
                    </button>
                </ActionForm>
            </div>
        </main>
    }
}
