//! A menu bound to a signal: one component for every `<select>` over a
//! setting with named values (window, palette, scale, theme, model mode).

use crate::choice::Choice;
use leptos::prelude::*;

/// A `<select>` of every value of `T`: its labels shown, its link names as
/// the options' values (so tests and links use the same names). `selected`
/// reads the value shown (from signals: it is tracked); picking one calls
/// `on_pick` with it.
#[component]
pub fn Select<T, S, F>(
    selected: S,
    on_pick: F,
    testid: &'static str,
    #[prop(optional)] aria_label: Option<&'static str>,
) -> impl IntoView
where
    T: Choice + Send + Sync,
    S: Fn() -> T + Copy + Send + Sync + 'static,
    F: Fn(T) + 'static,
{
    view! {
        <select
            data-testid=testid
            aria-label=aria_label
            on:change=move |ev| {
                if let Some(choice) = T::from_id(&event_target_value(&ev)) {
                    on_pick(choice);
                }
            }
        >
            {T::ALL
                .iter()
                .map(|&choice| {
                    view! {
                        <option value=choice.id() prop:selected=move || selected() == choice>
                            {choice.label()}
                        </option>
                    }
                })
                .collect_view()}
        </select>
    }
}
