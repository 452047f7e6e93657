//! The control bar: what is shown (coin, window, resolution, simulated
//! market) and how (chart first, palette, scale, faint cells, theme). The
//! controls are fixed: effects write the settings into them, one handler
//! reads every change by the control's test id.

use super::dom::{
    by_testid, checked, child, handler, part, set_attrs, set_prop, target_of, value_of, write_value,
};
use super::effect::effect;
use super::radios::Radios;
use super::select::choice_options;
use super::view_settings::ViewSettings;
use crate::choice::Choice;
use crate::exchanges::{affordable_resolutions, Resolution};
use crate::render::zoom::Zoom;
use crate::render::{Palette, Scale, Theme};
use crate::url_state::{coin_symbol, Panel, Window, FAINT_RANGE, MAX_COIN_CHARS};
use leptos::html::Nav;
use leptos::prelude::*;
use web_sys::Element;

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
        look,
        theme,
        demo,
        ..
    } = settings;
    let root = NodeRef::<Nav>::new();
    // The lists: coins to search, resolutions affordable here.
    effect(move || {
        let Some(root) = root.get() else {
            return;
        };
        let choices = affordable_resolutions(&exchanges.get(), &coin.get(), window.get().ms());
        let auto = format!("auto ({})", resolution_used.get().label());
        let picked = resolution.get().map_or("auto", |r| r.label());
        coins.with(|coins| write_lists(&root, coins, &auto, &choices, picked));
    });
    // The settings shown.
    effect(move || {
        let Some(root) = root.get() else {
            return;
        };
        let look = look.get();
        let field = |testid: &str, prop: &str, value: wasm_bindgen::JsValue| {
            if let Some(e) = by_testid(&root, testid) {
                set_prop(&e, prop, value);
            }
        };
        if let Some(typed) = by_testid(&root, "coin") {
            // Only a new coin: what is being typed stays.
            coin.with(|coin| write_value(&typed, coin));
        }
        field("window", "value", window.get().id().into());
        field("demo", "checked", demo.get().into());
        field("palette", "value", look.palette.id().into());
        field("scale", "value", look.scale.id().into());
        field("threshold", "value", look.threshold.to_string().into());
        field("theme", "value", theme.get().id().into());
    });
    // The range field applies every step (`input`); the others apply once
    // the edit is done (`change`: a coin is not looked up per keystroke).
    let on_edit = move |ev: leptos::ev::Event, stepping: bool| {
        if let Some((input, testid)) = target_of(&ev) {
            if (testid == "threshold") == stepping {
                change(settings, &testid, &input);
            }
        }
    };
    view! {
        <nav class="controls" aria-label="View settings" node_ref=root on:change=handler(move |ev: leptos::ev::Event| on_edit(ev, false))
            on:input=handler(move |ev: leptos::ev::Event| on_edit(ev, true))
        >
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
                />
                <datalist id="coin-list"></datalist>
            </label>
            <label>
                "Window "
                <select data-testid="window">{choice_options::<Window>()}</select>
            </label>
            <label title="Candle length: auto is the finest the exchanges serve within the request budget; finer choices cost more requests and are offered only where affordable">
                "Resolution "
                <select data-testid="resolution"></select>
            </label>
            <label title="A seeded simulated market instead of the exchanges' data">
                <input type="checkbox" data-testid="demo" />
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
                <select data-testid="palette">{choice_options::<Palette>()}</select>
            </label>
            <label title="How USD maps to colour: sqrt and log bring out smaller levels">
                "Scale "
                <select data-testid="scale">{choice_options::<Scale>()}</select>
            </label>
            <label title="Hide cells fainter than this share of the strongest">
                "Hide faint "
                <input
                    type="range"
                    data-testid="threshold"
                    min=FAINT_RANGE.0
                    max=FAINT_RANGE.1
                    step="0.05"
                />
            </label>
            <label title="Dark or light page">
                "Theme "
                <select data-testid="theme">{choice_options::<Theme>()}</select>
            </label>
        </nav>
    }
}

/// Applies the change of the control with test id `testid`.
fn change(settings: ViewSettings, testid: &str, input: &Element) {
    let ViewSettings {
        coin,
        window,
        resolution,
        zoom,
        look,
        theme,
        demo,
        ..
    } = settings;
    let value = value_of(input);
    match testid {
        // Another market: the zoomed range means nothing there.
        "coin" => {
            if let Some(typed) = coin_symbol(value.trim()) {
                if typed != coin.get_untracked() {
                    zoom.set(Zoom::default());
                    coin.set(typed);
                }
            }
        }
        "window" => {
            if let Some(w) = Window::from_id(&value) {
                zoom.set(Zoom::default());
                window.set(w);
            }
        }
        "resolution" => resolution.set(Resolution::ALL.into_iter().find(|r| r.label() == value)),
        "demo" => {
            zoom.set(Zoom::default());
            demo.set(checked(input));
        }
        "palette" => {
            if let Some(p) = Palette::from_id(&value) {
                look.update(|l| l.palette = p);
            }
        }
        "scale" => {
            if let Some(s) = Scale::from_id(&value) {
                look.update(|l| l.scale = s);
            }
        }
        "threshold" => {
            if let Some(t) = crate::decimal::parse(&value) {
                look.update(|l| l.threshold = t.clamp(FAINT_RANGE.0, FAINT_RANGE.1));
            }
        }
        "theme" => {
            if let Some(t) = Theme::from_id(&value) {
                theme.set(t);
            }
        }
        _ => {}
    }
}

/// Writes the coins to search and the resolution menu ("auto (…)" first,
/// then the affordable ones), `picked` selected.
fn write_lists(
    root: &Element,
    coins: &[String],
    auto: &str,
    resolutions: &[Resolution],
    picked: &str,
) -> Option<()> {
    let list = part(root, "datalist")?;
    list.set_text_content(None);
    for coin in coins {
        child(&list, "option", "")?
            .set_attribute("value", coin)
            .ok()?;
    }
    let menu = by_testid(root, "resolution")?;
    menu.set_text_content(None);
    set_attrs(&child(&menu, "option", auto)?, &[("value", "auto")]);
    for r in resolutions {
        set_attrs(&child(&menu, "option", r.label())?, &[("value", r.label())]);
    }
    set_prop(&menu, "value", picked);
    Some(())
}
