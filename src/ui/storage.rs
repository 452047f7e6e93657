//! "Stored data": what the browser database holds (exchange answers a
//! reload reads back, what the last loads drew, live liquidations,
//! measured snapshots), its size cap, and a button that forgets it all.
//! The database itself is `crate::kept`.

use super::dom::{classed_child, element, handler, part, target_of};
use super::effect::effect;
use crate::kept::{self, Summary};
use crate::store::CAP_CHOICES_MB;
use leptos::html::Details;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::future::Future;
use std::pin::Pin;
use web_sys::Element;

/// Writes land a moment after a load; the figures are read again then.
const SETTLE_MS: u32 = 1_500;

fn megabytes(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
}

#[component]
pub fn StoragePanel() -> impl IntoView {
    let summary = RwSignal::new(None::<Summary>);
    let refresh = move || spawn_local(async move { summary.set(Some(kept::summary().await)) });
    // Read again after each load has settled.
    let statuses = use_context::<super::Session>().map(|s| s.statuses);
    effect(move || {
        if let Some(statuses) = statuses {
            statuses.track();
        }
        gloo_timers::callback::Timeout::new(SETTLE_MS, refresh).forget();
    });
    let root = NodeRef::<Details>::new();
    effect(move || {
        if let Some(root) = root.get() {
            summary.with(|s| write_summary(&root, s.as_ref()));
        }
    });
    view! {
        <details
            node_ref=root
            class="panel storage-panel"
            data-testid="storage"
            inner_html=skeleton()
            on:click=handler(move |ev: leptos::ev::MouseEvent| {
                if target_of(&ev).is_some_and(|(_, id)| id == "storage-forget") {
                    then_refresh(summary, Box::pin(kept::forget_all()));
                }
            })
            on:change=handler(move |ev: leptos::ev::Event| {
                if let Ok(mb) = event_target_value(&ev).parse::<u64>() {
                    then_refresh(summary, Box::pin(kept::set_cap_mb(mb)));
                }
            })
        ></details>
    }
}

/// Makes a change to the database, then shows the new figures.
fn then_refresh(summary: RwSignal<Option<Summary>>, change: Pin<Box<dyn Future<Output = ()>>>) {
    spawn_local(async move {
        change.await;
        summary.set(Some(kept::summary().await));
    })
}

/// The panel's static part; [`write_summary`] fills it.
fn skeleton() -> String {
    let options: String = CAP_CHOICES_MB
        .iter()
        .map(|mb| format!(r#"<option value="{mb}">{mb} MB</option>"#))
        .collect();
    format!(
        concat!(
            r#"<summary>Stored data</summary>"#,
            r#"<p class="hint">Closed candles, open interest and funding already fetched, what the last load of each view drew, the live liquidations of the last 30 days and (with "Measured" on) Hyperliquid's measured positions every 5 minutes for a week are kept in this browser: a reload draws at once and asks the exchanges only for what is newer, the hit lift keeps growing, and the measured map can be seen as it was. Nothing leaves your device.</p>"#,
            r#"<div data-part="usage"></div>"#,
            r#"<label title="Beyond this, the least recently used answers are deleted first">Size cap <select data-testid="storage-cap">{options}</select></label>"#,
            r#" <button data-testid="storage-forget" title="Delete everything kept in this browser (alerts stay)">Forget stored data</button>"#,
        ),
        options = options
    )
}

/// Writes the figures (or why nothing is kept) and the cap chosen.
fn write_summary(root: &Element, summary: Option<&Summary>) -> Option<()> {
    let cap_mb = summary.map_or(100, |s| s.cap_bytes >> 20);
    let select = part(root, "[data-testid=storage-cap]")?;
    js_sys::Reflect::set(&select, &"value".into(), &cap_mb.to_string().into()).ok()?;
    // Visible without opening the section: the page keeps nothing. Once
    // shown it stays (the database stays off for the visit).
    let shown = root
        .previous_element_sibling()
        .filter(|e| e.get_attribute("data-testid").as_deref() == Some("storage-off"));
    let usage = part(root, "[data-part=usage]")?;
    usage.set_text_content(None);
    let summary = summary?;
    match &summary.off {
        Some(why) => {
            let text = format!(
                "Stored data is off: {why}. Nothing is kept on this device; the page works from memory."
            );
            if shown.is_none() {
                let notice = element(root, "p", "notice storage-off", &text)?;
                notice.set_attribute("role", "status").ok()?;
                notice.set_attribute("data-testid", "storage-off").ok()?;
                root.before_with_node_1(&notice).ok()?;
            }
            classed_child(&usage, "p", "hint", "Off for this visit (see above).")?;
        }
        None => {
            let mut text = format!(
                "{} of {} used · {} exchange answers · {} liquidations",
                megabytes(summary.bytes),
                megabytes(summary.cap_bytes),
                summary.answers,
                summary.events
            );
            if summary.events_not_kept > 0 {
                text += &format!(
                    " · {} more came faster than this browser could store them and were not kept",
                    summary.events_not_kept
                );
            }
            classed_child(&usage, "p", "", &text)?
                .set_attribute("data-testid", "storage-usage")
                .ok()?;
        }
    }
    Some(())
}
