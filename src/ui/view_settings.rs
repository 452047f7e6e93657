//! The view's settings as signals, kept in step with the address bar: a
//! discrete change pushes a history entry (back and forward walk through
//! views), zooming replaces the current one, and back/forward put the
//! settings of that entry back.

use crate::engine::Params;
use crate::exchanges::{Exchange, Resolution};
use crate::render::chart::StackBy;
use crate::render::zoom::Zoom;
use crate::render::{Look, Theme};
use crate::url_state::{Ignored, Panel, ViewState, Window};
use gloo_timers::callback::Timeout;
use leptos::prelude::*;

/// Every setting of the page, one signal each (signals are `Copy`, so is
/// this).
#[derive(Clone, Copy)]
pub struct ViewSettings {
    pub coin: RwSignal<String>,
    pub exchanges: RwSignal<Vec<Exchange>>,
    pub window: RwSignal<Window>,
    pub resolution: RwSignal<Option<Resolution>>,
    pub params: RwSignal<Params>,
    pub panel: RwSignal<Panel>,
    pub zoom: RwSignal<Zoom>,
    pub bins: RwSignal<usize>,
    pub look: RwSignal<Look>,
    pub theme: RwSignal<Theme>,
    pub stack: RwSignal<StackBy>,
    pub demo: RwSignal<bool>,
    pub seed: RwSignal<u64>,
    pub at: RwSignal<Option<i64>>,
    pub horizon_ms: RwSignal<i64>,
    pub shock_pct: RwSignal<f64>,
}

impl ViewSettings {
    pub fn new(state: &ViewState) -> Self {
        ViewSettings {
            coin: RwSignal::new(state.coin.clone()),
            exchanges: RwSignal::new(state.exchanges.clone()),
            window: RwSignal::new(state.window),
            resolution: RwSignal::new(state.resolution),
            params: RwSignal::new(state.params.clone()),
            panel: RwSignal::new(state.panel),
            zoom: RwSignal::new(zoom_of(state)),
            bins: RwSignal::new(state.bins),
            look: RwSignal::new(look_of(state)),
            theme: RwSignal::new(state.theme),
            stack: RwSignal::new(state.stack),
            demo: RwSignal::new(state.demo),
            seed: RwSignal::new(state.seed),
            at: RwSignal::new(state.at),
            horizon_ms: RwSignal::new(state.horizon_ms),
            shock_pct: RwSignal::new(state.shock_pct),
        }
    }

    /// The settings now (tracked: an effect reading this reruns on any change).
    pub fn state(&self) -> ViewState {
        let (zoom, look) = (self.zoom.get(), self.look.get());
        ViewState {
            coin: self.coin.get(),
            exchanges: self.exchanges.get(),
            window: self.window.get(),
            resolution: self.resolution.get(),
            params: self.params.get(),
            panel: self.panel.get(),
            prices: zoom.prices,
            times: zoom.time,
            bins: self.bins.get(),
            scale: look.scale,
            palette: look.palette,
            theme: self.theme.get(),
            faint: look.threshold,
            stack: self.stack.get(),
            demo: self.demo.get(),
            seed: self.seed.get(),
            at: self.at.get(),
            horizon_ms: self.horizon_ms.get(),
            shock_pct: self.shock_pct.get(),
        }
    }

    /// Puts a state's settings in place (signals that would not change are
    /// left alone, so nothing reloads for nothing).
    pub fn apply(&self, state: &ViewState) {
        fn put<T: PartialEq + Send + Sync + 'static>(signal: RwSignal<T>, value: T) {
            if signal.with_untracked(|now| *now != value) {
                signal.set(value);
            }
        }
        put(self.coin, state.coin.clone());
        put(self.exchanges, state.exchanges.clone());
        put(self.window, state.window);
        put(self.resolution, state.resolution);
        put(self.params, state.params.clone());
        put(self.panel, state.panel);
        put(self.zoom, zoom_of(state));
        put(self.bins, state.bins);
        put(self.look, look_of(state));
        put(self.theme, state.theme);
        put(self.stack, state.stack);
        put(self.demo, state.demo);
        put(self.seed, state.seed);
        put(self.at, state.at);
        put(self.horizon_ms, state.horizon_ms);
        put(self.shock_pct, state.shock_pct);
    }
}

fn zoom_of(state: &ViewState) -> Zoom {
    Zoom {
        time: state.times,
        prices: state.prices,
    }
}

fn look_of(state: &ViewState) -> Look {
    Look {
        palette: state.palette,
        scale: state.scale,
        threshold: state.faint,
    }
}

/// The query string of the page's address.
pub fn location_query() -> String {
    web_sys::window()
        .and_then(|w| w.location().search().ok())
        .unwrap_or_default()
}

/// Zoom steps come with every pointer move: the address follows them after
/// this pause (browsers throttle history calls made faster than that).
const ZOOM_SETTLE_MS: u32 = 250;

/// Keeps the address bar and the settings in step. `ignored` receives what
/// a link asked for that could not be used (on opening and on back/forward).
pub fn sync_with_address(settings: ViewSettings, ignored: RwSignal<Vec<Ignored>>) {
    // The state the address shows now.
    let shown = StoredValue::new(ViewState::parse(&location_query()).0);
    let pending = StoredValue::new_local(None::<Timeout>);
    Effect::new(move |first: Option<()>| {
        let state = settings.state();
        if first.is_some() && shown.with_value(|s| *s == state) {
            return;
        }
        // The first write tidies the opened link (defaults and ignored
        // parts gone) in place; later zoom steps replace, the rest push.
        let push = first.is_some() && !shown.with_value(|s| s.same_but_zoom(&state));
        let url = address_for(&state);
        shown.set_value(state);
        pending.update_value(|p| {
            p.take().map(Timeout::cancel);
        });
        if push || first.is_none() {
            write_address(&url, push);
        } else {
            let timer = Timeout::new(ZOOM_SETTLE_MS, move || write_address(&url, false));
            pending.set_value(Some(timer));
        }
    });
    let listener = window_event_listener(leptos::ev::popstate, move |_| {
        let (state, dropped) = ViewState::parse(&location_query());
        shown.set_value(state.clone());
        ignored.set(dropped);
        settings.apply(&state);
    });
    on_cleanup(move || listener.remove());
}

/// The page's own path with `state` as its query: never another origin.
pub fn address_for(state: &ViewState) -> String {
    let path = web_sys::window()
        .and_then(|w| w.location().pathname().ok())
        .unwrap_or_else(|| "/".into());
    format!("{path}{}", state.to_query())
}

fn write_address(url: &str, push: bool) {
    let Some(history) = web_sys::window().and_then(|w| w.history().ok()) else {
        return;
    };
    let nothing = wasm_bindgen::JsValue::NULL;
    if push {
        history.push_state_with_url(&nothing, "", Some(url)).ok();
    } else {
        history.replace_state_with_url(&nothing, "", Some(url)).ok();
    }
}
