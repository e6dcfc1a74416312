use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_navigate;

use crate::{
    components::{notices::FormError, password_input::PasswordInput},
    error::AppError,
    model::LoginOutcome,
};

/// Signs in with e-mail and password. Wrong credentials and throttling are outcomes
/// (HTTP 200), not errors: they are expected, and the UI shows them as messages.
#[server(endpoint = "login")]
pub async fn login(email: String, password: String) -> Result<LoginOutcome, AppError> {
    use crate::ssr::{
        auth::session,
        boundary,
        services::authentication::{self, Authentication},
    };

    let state = boundary::state()?;
    let session = boundary::session().await?;
    let ip = boundary::client_ip().await;
    match authentication::authenticate(&state, &email, password, ip).await {
        Ok(Authentication::Authenticated { user, org_id }) => {
            session::establish(&session, user.id, org_id).await?;
            Ok(LoginOutcome::SignedIn)
        }
        Ok(Authentication::InvalidCredentials) => Ok(LoginOutcome::InvalidCredentials),
        Ok(Authentication::Throttled { retry_after }) => Ok(LoginOutcome::Throttled {
            retry_after_seconds: retry_after.as_secs().max(1),
        }),
        Err(err) => Err(err.into()),
    }
}

fn describe(outcome: &Result<LoginOutcome, AppError>) -> Option<String> {
    match outcome {
        Ok(LoginOutcome::SignedIn) => None,
        Ok(LoginOutcome::InvalidCredentials) => Some("Incorrect e-mail or password.".to_owned()),
        Ok(LoginOutcome::Throttled {
            retry_after_seconds,
        }) => Some(format!(
            "Too many sign-in attempts. Try again in {}.",
            crate::components::format::duration_words(*retry_after_seconds)
        )),
        Err(err) => Some(err.to_string()),
    }
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let login = ServerAction::<Login>::new();
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(LoginOutcome::SignedIn)) = login.value().get() {
            navigate("/settings/api-keys", Default::default());
        }
    });
    let message = move || login.value().get().as_ref().and_then(describe);

    view! {
        <Title text="Sign in"/>
        <main class="auth-page">
            <div class="card auth-card">
                <p class="brand">"Keyward"</p>
                <h1>"Sign in"</h1>
                <ActionForm action=login attr:class="form" attr:aria-label="Sign in">
                    <label for="email">"E-mail"</label>
                    <input id="email" name="email" type="email" autocomplete="username" required/>
                    <label for="password">"Password"</label>
                    <PasswordInput id="password" name="password" autocomplete="current-password"/>
                    <FormError problem=Signal::derive(message)/>
                    <button type="submit" class="btn btn-primary" disabled=move || login.pending().get()>
                        "Sign in"
                    </button>
                </ActionForm>
            </div>
        </main>
    }
}
