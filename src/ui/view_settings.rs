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

/// Declares [`ViewSettings`]: one signal per setting, each listed once.
/// `same` signals hold the `ViewState` field of their name; `split`
/// signals hold a value made of the fields in brackets, read from a state
/// by the first function and written back into one by the second. A
/// `ViewState` field left out of both lists does not compile.
macro_rules! view_settings {
    (
        same { $($field:ident: $type:ty),* $(,)? }
        split { $($split:ident: $split_type:ty [$($part:ident),*] = $of:ident / $into:ident),* $(,)? }
    ) => {
        /// Every setting of the page, one signal each (signals are `Copy`,
        /// so is this).
        #[derive(Clone, Copy)]
        pub struct ViewSettings {
            $(pub $field: RwSignal<$type>,)*
            $(pub $split: RwSignal<$split_type>,)*
        }

        impl ViewSettings {
            pub fn new(state: &ViewState) -> Self {
                let ViewState { $($field: _,)* $($($part: _,)*)* } = state;
                ViewSettings {
                    $($field: RwSignal::new(state.$field.clone()),)*
                    $($split: RwSignal::new($of(state)),)*
                }
            }

            /// The settings now (tracked: an effect reading this reruns on
            /// any change).
            pub fn state(&self) -> ViewState {
                let mut state = ViewState::default();
                $(state.$field = self.$field.get();)*
                $($into(&mut state, self.$split.get());)*
                state
            }

            /// Puts a state's settings in place (signals that would not
            /// change are left alone, so nothing reloads for nothing).
            pub fn apply(&self, state: &ViewState) {
                $(put(self.$field, state.$field.clone());)*
                $(put(self.$split, $of(state));)*
            }
        }
    };
}

view_settings! {
    same {
        coin: String,
        exchanges: Vec<Exchange>,
        window: Window,
        resolution: Option<Resolution>,
        params: Params,
        panel: Panel,
        bins: usize,
        theme: Theme,
        stack: StackBy,
        demo: bool,
        seed: u64,
        at: Option<i64>,
        horizon_ms: i64,
        shock_pct: f64,
        measured: bool,
    }
    split {
        zoom: Zoom [times, prices] = zoom_of / put_zoom,
        look: Look [palette, scale, faint] = look_of / put_look,
    }
}

/// Sets `signal` to `value` unless it holds that already.
fn put<T: PartialEq + Send + Sync + 'static>(signal: RwSignal<T>, value: T) {
    if signal.with_untracked(|now| *now != value) {
        signal.set(value);
    }
}

fn zoom_of(state: &ViewState) -> Zoom {
    Zoom {
        time: state.times,
        prices: state.prices,
    }
}

fn put_zoom(state: &mut ViewState, zoom: Zoom) {
    state.times = zoom.time;
    state.prices = zoom.prices;
}

fn look_of(state: &ViewState) -> Look {
    Look {
        palette: state.palette,
        scale: state.scale,
        threshold: state.faint,
    }
}

fn put_look(state: &mut ViewState, look: Look) {
    state.palette = look.palette;
    state.scale = look.scale;
    state.faint = look.threshold;
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
