//! Per-exchange status chips: progress while loading, what went wrong.

use super::dom::{by_testid, checked, handler, part, set_attrs, set_prop, set_text, target_of};
use super::effect::effect;
use crate::exchanges::{Coverage, Exchange};
use leptos::html::Ul;
use leptos::prelude::*;
use web_sys::Element;

/// Where one exchange's load stands.
#[derive(Clone, Debug, PartialEq)]
pub enum ExchangeStatus {
    Loading {
        done: usize,
        total: usize,
    },
    /// Loading, with what the last load of the view drew shown meanwhile
    /// (see `Session::load`).
    Refreshing {
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
            ExchangeStatus::Loading { .. } | ExchangeStatus::Refreshing { .. } => "chip loading",
            ExchangeStatus::Ready { .. } => "chip ready",
            ExchangeStatus::Failed(_) => "chip failed",
        }
    }

    /// The chip's `data-state`, which the browser tests wait on.
    fn state(&self) -> &'static str {
        match self {
            ExchangeStatus::Loading { .. } | ExchangeStatus::Refreshing { .. } => "loading",
            ExchangeStatus::Ready { .. } => "ready",
            ExchangeStatus::Failed(_) => "failed",
        }
    }

    /// Where a load stands after `done` of `total` requests: still
    /// showing the last load's drawing meanwhile, or not.
    pub fn progressed(&self, done: usize, total: usize) -> ExchangeStatus {
        match self {
            ExchangeStatus::Refreshing { .. } => ExchangeStatus::Refreshing { done, total },
            _ => ExchangeStatus::Loading { done, total },
        }
    }

    fn text(&self) -> String {
        match self {
            ExchangeStatus::Loading { done, total } => format!("loading {done}/{total}"),
            ExchangeStatus::Refreshing { done, total } => {
                format!("last load shown, asking again {done}/{total}")
            }
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
/// stands (progress, candles, or what went wrong in words). The chips are
/// fixed; one effect writes every chip's state into them.
#[component]
pub fn StatusBar(
    statuses: RwSignal<Vec<(Exchange, ExchangeStatus)>>,
    exchanges: RwSignal<Vec<Exchange>>,
) -> impl IntoView {
    let root = NodeRef::<Ul>::new();
    effect(move || {
        let Some(root) = root.get() else {
            return;
        };
        statuses.with(|all| {
            exchanges.with(|used| {
                for exchange in Exchange::ALL {
                    let status = all.iter().find(|(e, _)| *e == exchange).map(|(_, s)| s);
                    write_chip(&root, exchange, status, used.contains(&exchange));
                }
            })
        });
    });
    // Every switch, by the exchange in its test id.
    let on_change = move |ev: leptos::ev::Event| {
        let Some((input, testid)) = target_of(&ev) else {
            return;
        };
        if let Some(exchange) = testid.strip_prefix("use-").and_then(Exchange::from_id) {
            toggle(exchanges, exchange, checked(&input));
        }
    };
    view! {
        <ul class="statuses" aria-label="Exchanges" aria-live="polite" node_ref=root on:change=handler(on_change)>
            {Exchange::ALL
                .into_iter()
                .map(|exchange| {
                    view! {
                        <li class="chip off" data-testid=format!("status-{}", exchange.id()) data-state="off">
                            <label>
                                <input type="checkbox" data-testid=format!("use-{}", exchange.id()) />
                                " "
                                <strong>{exchange.name()}</strong>
                            </label>
                            " "
                            <span></span>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
}

/// Writes one exchange's chip: its look, state, words and switch.
fn write_chip(root: &Element, exchange: Exchange, status: Option<&ExchangeStatus>, used: bool) {
    let Some(chip) = by_testid(root, &format!("status-{}", exchange.id())) else {
        return;
    };
    let (class, state, text) = match status {
        Some(s) => (s.class(), s.state(), s.text()),
        None => ("chip off", "off", "off".to_string()),
    };
    chip.set_class_name(class);
    let title = match status {
        Some(ExchangeStatus::Refreshing { .. }) => {
            "What the last load of this view drew, kept by this browser: redrawn when the exchange has answered"
        }
        Some(_) => text.as_str(),
        None => "Not used",
    };
    set_attrs(&chip, &[("data-state", state), ("title", title)]);
    set_text(&chip, "span", &text);
    if let Some(input) = part(&chip, "input") {
        set_prop(&input, "checked", used);
    }
}

/// Uses an exchange or not. At least one exchange stays on: an empty view
/// explains nothing (the switch turned off last is turned back on, as the
/// update reruns the chips' effect).
fn toggle(exchanges: RwSignal<Vec<Exchange>>, exchange: Exchange, on: bool) {
    exchanges.update(|chosen| {
        if on && !chosen.contains(&exchange) {
            let at = chosen.partition_point(|e| *e < exchange);
            chosen.insert(at, exchange);
        } else if !on && chosen.len() > 1 {
            chosen.retain(|e| *e != exchange);
        }
    });
}
