//! The heatmap's badge: whose data it shows, the exchanges' ("BTC · 4 of 5
//! exchanges") or the simulated market's with its seed. One element, which
//! one effect writes (its test id says which of the two it is).

use super::dom::set_attrs;
use super::effect::effect;
use super::view_settings::ViewSettings;
use super::ViewMemo;
use crate::engine::Source;
use crate::exchanges::Exchange;
use crate::render::utc_label;
use leptos::html::Span;
use leptos::prelude::*;

const SIMULATED_TITLE: &str =
    "A seeded simulated market run through the real engine, not exchange data";

#[component]
pub fn DataBadge(
    settings: ViewSettings,
    /// The exchanges' data loaded (one per exchange that answered).
    live_sources: RwSignal<Vec<(Exchange, Source)>>,
    view: ViewMemo,
) -> impl IntoView {
    let ViewSettings {
        coin,
        exchanges,
        demo,
        seed,
        at,
        ..
    } = settings;
    let badge = NodeRef::<Span>::new();
    effect(move || {
        let Some(badge) = badge.get() else {
            return;
        };
        if demo.get() {
            let checksum = view.with(|v| v.as_ref().and_then(|v| v.sim_checksum));
            let checksum = checksum.map(|c| c.to_string()).unwrap_or_default();
            set_attrs(
                &badge,
                &[
                    ("class", "badge simulated"),
                    ("data-testid", "simulated-label"),
                    ("title", SIMULATED_TITLE),
                    ("data-sim-checksum", &checksum),
                ],
            );
            badge.set_text_content(Some(&format!("Simulated data · seed {}", seed.get())));
        } else {
            set_attrs(
                &badge,
                &[("class", "badge live"), ("data-testid", "live-label")],
            );
            badge.remove_attribute("title").ok();
            badge.remove_attribute("data-sim-checksum").ok();
            let n = live_sources.with(Vec::len);
            let asked = exchanges.with(Vec::len);
            let when = at
                .get()
                .map(|t| format!(" · pinned at {} UTC", utc_label(t)))
                .unwrap_or_default();
            badge.set_text_content(Some(&format!(
                "{} · {n} of {asked} exchanges{when}",
                coin.get()
            )));
        }
    });
    view! { <span node_ref=badge></span> }
}
