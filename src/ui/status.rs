//! Per-exchange status chips: progress while loading, what went wrong.

use crate::exchanges::Exchange;
use leptos::prelude::*;

/// Where one exchange's load stands.
#[derive(Clone, Debug, PartialEq)]
pub enum ExchangeStatus {
    Loading { done: usize, total: usize },
    Ready { candles: usize, dropped: usize },
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
                candles,
                dropped: 0,
            } => format!("{candles} candles"),
            ExchangeStatus::Ready { candles, dropped } => {
                format!("{candles} candles, {dropped} bad rows dropped")
            }
            ExchangeStatus::Failed(message) => message.clone(),
        }
    }
}

#[component]
pub fn StatusBar(statuses: RwSignal<Vec<(Exchange, ExchangeStatus)>>) -> impl IntoView {
    view! {
        <ul class="statuses" aria-label="Exchanges" aria-live="polite">
            <For
                each=move || statuses.get()
                key=|(exchange, status)| (exchange.id(), status.text())
                children=|(exchange, status)| {
                    view! {
                        <li
                            class=status.class()
                            data-testid=format!("status-{}", exchange.id())
                            data-state=match status {
                                ExchangeStatus::Loading { .. } => "loading",
                                ExchangeStatus::Ready { .. } => "ready",
                                ExchangeStatus::Failed(_) => "failed",
                            }
                            title=status.text()
                        >
                            <strong>{exchange.name()}</strong>
                            " "
                            <span>{status.text()}</span>
                        </li>
                    }
                }
            />
        </ul>
    }
}
