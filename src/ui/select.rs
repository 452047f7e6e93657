//! Menus over a setting with named values (window, palette, scale, theme,
//! model mode): their options come from the value's [`Choice`] names. The
//! component holding the menu sets its value and reads its changes (see
//! `dom`), so no menu needs closures of its own.

use crate::choice::Choice;
use leptos::prelude::*;

/// The `<option>`s for every value of `T`: its labels shown, its link names
/// as the options' values (so tests and links use the same names).
pub fn choice_options<T: Choice>() -> impl IntoView {
    options(T::ALL.iter().map(|&c| (c.id(), c.label())).collect())
}

/// One `<option>` per (value, label); not generic, so compiled once.
fn options(all: Vec<(&'static str, &'static str)>) -> impl IntoView {
    all.into_iter()
        .map(|(value, label)| view! { <option value=value>{label}</option> })
        .collect_view()
}
