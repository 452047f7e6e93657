//! The control bar: what is shown (coin, window, resolution, simulated
//! market) and how (chart first, palette, scale, faint cells, theme).

use super::radios::Radios;
use super::select::Select;
use super::view_settings::ViewSettings;
use crate::exchanges::{affordable_resolutions, Resolution};
use crate::render::zoom::Zoom;
use crate::url_state::{coin_symbol, Panel, FAINT_RANGE, MAX_COIN_CHARS};
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
        if let Some(typed) = coin_symbol(raw.trim()) {
            if typed != coin.get_untracked() {
                zoom.set(Zoom::default());
                coin.set(typed);
            }
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
                    maxlength=MAX_COIN_CHARS
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
                <Select
                    selected=move || window.get()
                    on_pick=move |w| {
                        zoom.set(Zoom::default());
                        window.set(w);
                    }
                    testid="window"
                />
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
                <Select
                    selected=move || look.get().palette
                    on_pick=move |p| look.update(|l| l.palette = p)
                    testid="palette"
                />
            </label>
            <label title="How USD maps to colour: sqrt and log bring out smaller levels">
                "Scale "
                <Select
                    selected=move || look.get().scale
                    on_pick=move |scale| look.update(|l| l.scale = scale)
                    testid="scale"
                />
            </label>
            <label title="Hide cells fainter than this share of the strongest">
                "Hide faint "
                <input
                    type="range"
                    data-testid="threshold"
                    min=FAINT_RANGE.0
                    max=FAINT_RANGE.1
                    step="0.05"
                    prop:value=move || look.get().threshold.to_string()
                    on:input=move |ev| {
                        if let Some(t) = crate::decimal::parse(&event_target_value(&ev)) {
                            look.update(|l| l.threshold = t.clamp(FAINT_RANGE.0, FAINT_RANGE.1));
                        }
                    }
                />
            </label>
            <label title="Dark or light page">
                "Theme "
                <Select selected=move || theme.get() on_pick=move |t| theme.set(t) testid="theme" />
            </label>
        </nav>
    }
}
