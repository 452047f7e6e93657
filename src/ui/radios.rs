//! A group of radio buttons bound to a signal: one small component for
//! every "pick one of these" in the page.

use leptos::prelude::*;

/// Radio buttons for `choices` (value, label), named `name`; each gets the
/// test hook `<name>-<label in kebab case>`.
#[component]
pub fn Radios<T>(
    value: RwSignal<T>,
    choices: Vec<(T, &'static str)>,
    name: &'static str,
    label: &'static str,
    #[prop(optional)] class: &'static str,
) -> impl IntoView
where
    T: Copy + PartialEq + Send + Sync + 'static,
{
    view! {
        <div class=class role="radiogroup" aria-label=label>
            {choices
                .into_iter()
                .map(|(choice, text)| {
                    view! {
                        <label>
                            <input
                                type="radio"
                                name=name
                                data-testid=format!("{name}-{}", text.to_ascii_lowercase().replace(' ', "-"))
                                prop:checked=move || value.get() == choice
                                on:change=move |_| value.set(choice)
                            />
                            " "
                            {text}
                        </label>
                    }
                })
                .collect_view()}
        </div>
    }
}
