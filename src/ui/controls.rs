//! The control bar: coin and window (more settings come with the views).

use crate::render::{Look, Palette, Scale, Theme};
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
    look: RwSignal<Look>,
    theme: RwSignal<Theme>,
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
            <label title="Colour scheme of the heatmap">
                "Palette "
                <select
                    data-testid="palette"
                    on:change=move |ev| {
                        if let Some(p) = Palette::from_id(&event_target_value(&ev)) {
                            look.update(|l| l.palette = p);
                        }
                    }
                >
                    {Palette::ALL
                        .into_iter()
                        .map(|p| {
                            view! {
                                <option value=p.id() selected=move || look.get().palette == p>
                                    {p.label()}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </label>
            <label title="How USD maps to colour: sqrt and log bring out smaller levels">
                "Scale "
                <select
                    data-testid="scale"
                    on:change=move |ev| {
                        if let Some(scale) = Scale::from_id(&event_target_value(&ev)) {
                            look.update(|l| l.scale = scale);
                        }
                    }
                >
                    {Scale::ALL
                        .into_iter()
                        .map(|scale| {
                            view! {
                                <option value=scale.id() selected=move || look.get().scale == scale>
                                    {scale.id()}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </label>
            <label title="Hide cells fainter than this share of the strongest">
                "Hide faint "
                <input
                    type="range"
                    data-testid="threshold"
                    min="0"
                    max="0.9"
                    step="0.05"
                    prop:value=move || look.get().threshold.to_string()
                    on:input=move |ev| {
                        if let Ok(t) = event_target_value(&ev).parse::<f64>() {
                            look.update(|l| l.threshold = t.clamp(0.0, 0.9));
                        }
                    }
                />
            </label>
            <label title="Dark or light page">
                "Theme "
                <select
                    data-testid="theme"
                    on:change=move |ev| {
                        if let Some(t) = Theme::from_id(&event_target_value(&ev)) {
                            theme.set(t);
                        }
                    }
                >
                    {Theme::ALL
                        .into_iter()
                        .map(|t| {
                            view! {
                                <option value=t.id() selected=move || theme.get() == t>
                                    {t.id()}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </label>
        </nav>
    }
}
