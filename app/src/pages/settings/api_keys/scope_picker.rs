//! The scope checklist of the New key and Edit dialogs: `*` alone, or specific scopes.

use leptos::prelude::*;

use crate::model::Scope;

#[component]
pub fn ScopePicker(
    scopes: RwSignal<Vec<Scope>>,
    /// Shown under the legend.
    #[prop(optional)]
    hint: Option<&'static str>,
) -> impl IntoView {
    view! {
        <fieldset class="choices scopes">
            <legend>"Scopes"</legend>
            {hint.map(|text| view! { <p class="hint">{text}</p> })}
            {Scope::ALL.iter().copied().map(|scope| view! {
                <label class="choice">
                    <input type="checkbox"
                        prop:checked=move || scopes.with(|s| s.contains(&scope))
                        on:change=move |e| {
                            let on = event_target_checked(&e);
                            scopes.update(|s| toggle(s, scope, on));
                        }/>
                    {if scope == Scope::All { "All scopes (*)" } else { scope.label() }}
                </label>
            }).collect_view()}
        </fieldset>
    }
}

/// `*` alone, or specific scopes: choosing one clears the other.
fn toggle(scopes: &mut Vec<Scope>, scope: Scope, on: bool) {
    if !on {
        scopes.retain(|s| *s != scope);
        return;
    }
    if scope == Scope::All {
        scopes.clear();
    } else {
        scopes.retain(|s| *s != Scope::All);
    }
    if !scopes.contains(&scope) {
        scopes.push(scope);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn choosing_a_scope_replaces_all_and_all_replaces_the_rest() {
        let mut scopes = vec![Scope::All];
        toggle(&mut scopes, Scope::ClientsRead, true);
        assert_eq!(scopes, vec![Scope::ClientsRead]);
        toggle(&mut scopes, Scope::AuditRead, true);
        assert_eq!(scopes, vec![Scope::ClientsRead, Scope::AuditRead]);
        toggle(&mut scopes, Scope::All, true);
        assert_eq!(scopes, vec![Scope::All]);
        toggle(&mut scopes, Scope::All, false);
        assert!(scopes.is_empty());
    }
}
