//! Per-exchange status chips: progress while loading, what went wrong.

use crate::exchanges::{Coverage, Exchange};
use leptos::prelude::*;

/// Where one exchange's load stands.
#[derive(Clone, Debug, PartialEq)]
pub enum ExchangeStatus {
    Loading {
        done: usize,
        total: usize,
    },
    Ready {
        /// Candles asked for, delivered, and the gaps.
        coverage: Coverage,
        /// Rows dropped as invalid.
        dropped: usize,
        /// The instrument's limits are assumed (not the exchange's own).
        limits_assumed: bool,
    },
    Failed(String),
}

impl ExchangeStatus {
    fn class(&self) -> &'static str {
        match self {
            ExchangeStatus::Loading { .. } => "chip loading",
            ExchangeStatus::Ready { .. } => "chip ready",
            ExchangeStatus::Failed(_) => "chip failed",
        }
    }

    fn text(&self) -> String {
        match self {
            ExchangeStatus::Loading { done, total } => format!("loading {done}/{total}"),
            ExchangeStatus::Ready {
                coverage,
                dropped,
                limits_assumed,
            } => {
                let mut text = candles_text(coverage);
                if *dropped > 0 {
                    text.push_str(&format!(", {dropped} bad rows dropped"));
                }
                if *limits_assumed {
                    text.push_str(", leverage limits assumed");
                }
                text
            }
            ExchangeStatus::Failed(message) => message.clone(),
        }
    }
}

/// "576 candles", or "552 of 576 candles, 2 gaps": a hole never goes unseen.
fn candles_text(coverage: &Coverage) -> String {
    let Coverage {
        expected,
        delivered,
        gaps,
    } = coverage;
    match gaps.len() {
        0 => format!("{delivered} candles"),
        1 => format!("{delivered} of {expected} candles, 1 gap"),
        n => format!("{delivered} of {expected} candles, {n} gaps"),
    }
}

/// One chip per exchange: a switch to use it or not, and where its load
/// stands (progress, candles, or what went wrong in words).
#[component]
pub fn StatusBar(
    statuses: RwSignal<Vec<(Exchange, ExchangeStatus)>>,
    exchanges: RwSignal<Vec<Exchange>>,
) -> impl IntoView {
    let chip = move |exchange: Exchange| {
        let status = move || {
            statuses.with(|all| {
                all.iter()
                    .find(|(e, _)| *e == exchange)
                    .map(|(_, s)| s.clone())
            })
        };
        let used = move || exchanges.with(|on| on.contains(&exchange));
        // At least one exchange stays on: an empty view explains nothing.
        let toggle = move |on: bool| {
            exchanges.update(|chosen| {
                if on && !chosen.contains(&exchange) {
                    let at = chosen.partition_point(|e| *e < exchange);
                    chosen.insert(at, exchange);
                } else if !on && chosen.len() > 1 {
                    chosen.retain(|e| *e != exchange);
                }
            });
        };
        view! {
            <li
                class=move || status().map_or("chip off", |s| s.class())
                data-testid=format!("status-{}", exchange.id())
                data-state=move || match status() {
                    Some(ExchangeStatus::Loading { .. }) => "loading",
                    Some(ExchangeStatus::Ready { .. }) => "ready",
                    Some(ExchangeStatus::Failed(_)) => "failed",
                    None => "off",
                }
                title=move || status().map_or("Not used".to_string(), |s| s.text())
            >
                <label>
                    <input
                        type="checkbox"
                        data-testid=format!("use-{}", exchange.id())
                        prop:checked=used
                        on:change=move |ev| toggle(event_target_checked(&ev))
                    />
                    " "
                    <strong>{exchange.name()}</strong>
                </label>
                " "
                <span>{move || status().map_or("off".to_string(), |s| s.text())}</span>
            </li>
        }
    };
    view! {
        <ul class="statuses" aria-label="Exchanges" aria-live="polite">
            {Exchange::ALL.into_iter().map(chip).collect_view()}
        </ul>
    }
}
