//! A group of radio buttons bound to a signal: one small component for
//! every "pick one of these" in the page.

use super::dom::handler;
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
    let (values, texts): (Vec<T>, Vec<&'static str>) = choices.into_iter().unzip();
    let values = StoredValue::new(values);
    // By position from here on: the buttons are compiled once for every `T`.
    let picked =
        Signal::derive(move || values.with_value(|all| all.iter().position(|v| *v == value.get())));
    let pick = Callback::new(move |i: usize| {
        if let Some(v) = values.with_value(|all| all.get(i).copied()) {
            value.set(v);
        }
    });
    radio_group(texts, picked, pick, name, label, class)
}

fn radio_group(
    texts: Vec<&'static str>,
    picked: Signal<Option<usize>>,
    pick: Callback<usize>,
    name: &'static str,
    label: &'static str,
    class: &'static str,
) -> impl IntoView {
    view! {
        <div class=class role="radiogroup" aria-label=label>
            {texts
                .into_iter()
                .enumerate()
                .map(|(i, text)| {
                    view! {
                        <label>
                            <input
                                type="radio"
                                name=name
                                data-testid=format!("{name}-{}", text.to_ascii_lowercase().replace(' ', "-"))
                                prop:checked=move || picked.get() == Some(i)
                                on:change=handler(move |_: leptos::ev::Event| pick.run(i))
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
