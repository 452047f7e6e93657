//! The control bar: what is shown (coin, window, resolution, simulated
//! market) and how (chart first, palette, scale, faint cells, theme).

use super::radios::Radios;
use super::view_settings::ViewSettings;
use crate::exchanges::{affordable_resolutions, Resolution};
use crate::render::zoom::Zoom;
use crate::render::{Palette, Scale, Theme};
use crate::url_state::{Panel, Window};
use leptos::prelude::*;

/// Coins offered before the exchanges' lists arrive.
pub const COMMON_COINS: [&str; 6] = ["BTC", "ETH", "SOL", "XRP", "DOGE", "BNB"];

#[component]
pub fn ControlBar(
    settings: ViewSettings,
    /// The resolution in force (the one asked for, or the automatic one).
    resolution_used: Memo<Resolution>,
    /// Coins the exchanges list, for the searchable coin field.
    coins: Signal<Vec<String>>,
) -> impl IntoView {
    let ViewSettings {
        coin,
        exchanges,
        window,
        resolution,
        panel,
        zoom,
        look,
        theme,
        demo,
        ..
    } = settings;
    // Another market: the zoomed range means nothing there.
    let set_coin = move |raw: String| {
        let typed = raw.trim().to_ascii_uppercase();
        let plain = !typed.is_empty()
            && typed.len() <= 12
            && typed.chars().all(|c| c.is_ascii_alphanumeric());
        if plain && typed != coin.get_untracked() {
            zoom.set(Zoom::default());
            coin.set(typed);
        }
    };
    let choices = move || {
        let window_ms = window.get().ms();
        affordable_resolutions(&exchanges.get(), &coin.get(), window_ms)
    };
    view! {
        <nav class="controls" aria-label="View settings">
            <label title="Type to search the coins the exchanges list">
                "Coin "
                <input
                    class="coin"
                    data-testid="coin"
                    list="coin-list"
                    size="7"
                    maxlength="12"
                    autocomplete="off"
                    spellcheck="false"
                    prop:value=move || coin.get()
                    on:change=move |ev| set_coin(event_target_value(&ev))
                />
                <datalist id="coin-list">
                    {move || {
                        coins
                            .get()
                            .into_iter()
                            .map(|c| view! { <option value=c.clone()></option> })
                            .collect_view()
                    }}
                </datalist>
            </label>
            <label>
                "Window "
                <select
                    data-testid="window"
                    on:change=move |ev| {
                        if let Some(w) = Window::from_label(&event_target_value(&ev)) {
                            zoom.set(Zoom::default());
                            window.set(w);
                        }
                    }
                >
                    {Window::ALL
                        .into_iter()
                        .map(|w| {
                            view! {
                                <option value=w.label() prop:selected=move || window.get() == w>
                                    {w.label()}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </label>
            <label title="Candle length: auto is the finest the exchanges serve within the request budget; finer choices cost more requests and are offered only where affordable">
                "Resolution "
                <select
                    data-testid="resolution"
                    on:change=move |ev| {
                        let value = event_target_value(&ev);
                        resolution.set(Resolution::ALL.into_iter().find(|r| r.label() == value));
                    }
                >
                    <option value="auto" prop:selected=move || resolution.get().is_none()>
                        {move || format!("auto ({})", resolution_used.get().label())}
                    </option>
                    {move || {
                        choices()
                            .into_iter()
                            .map(|r| {
                                view! {
                                    <option value=r.label() prop:selected=move || resolution.get() == Some(r)>
                                        {r.label()}
                                    </option>
                                }
                            })
                            .collect_view()
                    }}
                </select>
            </label>
            <label title="A seeded simulated market instead of the exchanges' data">
                <input
                    type="checkbox"
                    data-testid="demo"
                    prop:checked=move || demo.get()
                    on:change=move |ev| {
                        zoom.set(Zoom::default());
                        demo.set(event_target_checked(&ev));
                    }
                />
                " Simulated market"
            </label>
            <Radios
                value=panel
                choices=vec![(Panel::Heatmap, "Heatmap"), (Panel::Map, "Map")]
                name="view"
                label="Chart shown first"
                class="segmented"
            />
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
                                <option value=p.id() prop:selected=move || look.get().palette == p>
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
                                <option value=scale.id() prop:selected=move || look.get().scale == scale>
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
                        if let Some(t) = crate::decimal::parse(&event_target_value(&ev)) {
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
                                <option value=t.id() prop:selected=move || theme.get() == t>
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
