//! "Stored data": what the browser database holds (exchange answers a
//! reload reads back, live liquidations), its size cap, and a button that
//! forgets it all. The database itself is `crate::kept`.

use crate::kept::{self, Summary};
use crate::store::CAP_CHOICES_MB;
use leptos::prelude::*;
use leptos::task::spawn_local;

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
    Effect::new(move |_| {
        if let Some(statuses) = statuses {
            statuses.track();
        }
        gloo_timers::callback::Timeout::new(SETTLE_MS, refresh).forget();
    });
    let forget = move |_| {
        spawn_local(async move {
            kept::forget_all().await;
            summary.set(Some(kept::summary().await));
        })
    };
    let set_cap = move |ev| {
        let Ok(mb) = event_target_value(&ev).parse::<u64>() else {
            return;
        };
        spawn_local(async move {
            kept::set_cap_mb(mb).await;
            summary.set(Some(kept::summary().await));
        })
    };
    let current_cap_mb = move || summary.with(|s| s.as_ref().map_or(100, |s| s.cap_bytes >> 20));
    let off = move || summary.with(|s| s.as_ref().and_then(|s| s.off));
    view! {
        // Visible without opening the section: the page keeps nothing.
        {move || off().map(|why| view! {
            <p class="notice storage-off" role="status" data-testid="storage-off">
                {format!("Stored data is off: {why}. Nothing is kept on this device; the page works from memory.")}
            </p>
        })}
        <details class="panel storage-panel" data-testid="storage">
            <summary>"Stored data"</summary>
            <p class="hint">
                "Closed candles, open interest and funding already fetched, and the live liquidations of the last 30 days, are kept in this browser: a reload asks the exchanges only for what is newer, and the hit lift keeps growing. Nothing leaves your device."
            </p>
            {move || summary.get().map(|s| match s.off {
                Some(_) => view! { <p class="hint">"Off for this visit (see above)."</p> }.into_any(),
                None => view! {
                    <p data-testid="storage-usage">
                        {format!(
                            "{} of {} used · {} exchange answers · {} liquidations",
                            megabytes(s.bytes),
                            megabytes(s.cap_bytes),
                            s.answers,
                            s.events
                        )}
                    </p>
                }.into_any(),
            })}
            <label title="Beyond this, the least recently used answers are deleted first">
                "Size cap "
                <select data-testid="storage-cap" prop:value=move || current_cap_mb().to_string() on:change=set_cap>
                    {CAP_CHOICES_MB.iter().map(|mb| view! { <option value=mb.to_string()>{format!("{mb} MB")}</option> }).collect_view()}
                </select>
            </label>
            " "
            <button data-testid="storage-forget" title="Delete everything kept in this browser (alerts stay)" on:click=forget>
                "Forget stored data"
            </button>
        </details>
    }
}
