//! The control bar: coin and window (more settings come with the views).

use leptos::prelude::*;

/// The windows a view can show.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum WindowChoice {
    H12,
    D1,
    D3,
    #[default]
    D7,
    D14,
    D30,
}

impl WindowChoice {
    pub const ALL: [WindowChoice; 6] = [
        WindowChoice::H12,
        WindowChoice::D1,
        WindowChoice::D3,
        WindowChoice::D7,
        WindowChoice::D14,
        WindowChoice::D30,
    ];

    pub fn label(self) -> &'static str {
        match self {
            WindowChoice::H12 => "12h",
            WindowChoice::D1 => "1d",
            WindowChoice::D3 => "3d",
            WindowChoice::D7 => "7d",
            WindowChoice::D14 => "14d",
            WindowChoice::D30 => "30d",
        }
    }

    pub fn ms(self) -> i64 {
        const HOUR: i64 = 3_600_000;
        match self {
            WindowChoice::H12 => 12 * HOUR,
            WindowChoice::D1 => 24 * HOUR,
            WindowChoice::D3 => 72 * HOUR,
            WindowChoice::D7 => 168 * HOUR,
            WindowChoice::D14 => 336 * HOUR,
            WindowChoice::D30 => 720 * HOUR,
        }
    }

    pub fn from_label(label: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|w| w.label() == label)
    }
}

/// Coins offered until the list comes from the exchanges' instruments.
const COINS: [&str; 6] = ["BTC", "ETH", "SOL", "XRP", "DOGE", "BNB"];

#[component]
pub fn ControlBar(
    coin: RwSignal<String>,
    window: RwSignal<WindowChoice>,
    demo: RwSignal<bool>,
) -> impl IntoView {
    view! {
        <nav class="controls" aria-label="View settings">
            <label>
                "Coin "
                <select
                    data-testid="coin"
                    on:change=move |ev| coin.set(event_target_value(&ev))
                >
                    {COINS
                        .into_iter()
                        .map(|c| view! { <option value=c selected=move || coin.get() == c>{c}</option> })
                        .collect_view()}
                </select>
            </label>
            <label>
                "Window "
                <select
                    data-testid="window"
                    on:change=move |ev| {
                        if let Some(w) = WindowChoice::from_label(&event_target_value(&ev)) {
                            window.set(w);
                        }
                    }
                >
                    {WindowChoice::ALL
                        .into_iter()
                        .map(|w| {
                            view! {
                                <option value=w.label() selected=move || window.get() == w>
                                    {w.label()}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </label>
            <label title="A seeded simulated market instead of the exchanges' data">
                <input
                    type="checkbox"
                    data-testid="demo"
                    prop:checked=move || demo.get()
                    on:change=move |ev| demo.set(event_target_checked(&ev))
                />
                " Simulated market"
            </label>
        </nav>
    }
}
