//! The page: Leptos components around the pure core. Browser-only.

mod alerts;
mod badge;
mod canvas;
mod cascade;
mod clusters;
mod controls;
mod dom;
mod effect;
mod engine_client;
mod export;
mod heatmap;
mod liqmap;
mod live;
mod measured;
mod model;
mod panic;
mod radios;
mod select;
mod session;
mod settings;
mod share;
mod status;
mod storage;
#[cfg(feature = "test-hooks")]
mod test_hooks;
mod view_data;
mod view_settings;

use crate::choice::Choice;
use crate::url_state::{Panel, ViewState};
use alerts::AlertsPanel;
use badge::DataBadge;
use cascade::CascadePanel;
use clusters::ClustersTable;
use controls::{ControlBar, COMMON_COINS};
use dom::handler;
use effect::effect;
use export::ExportBar;
use heatmap::Heatmap;
use leptos::prelude::*;
use liqmap::LiquidationMap;
use live::LivePanel;
use measured::{Measured, MeasuredSection, MeasuredToggle};
use model::ModelPanel;
use session::Session;
use settings::ModelSettings;
use share::{IgnoredNotice, ShareLink};
use status::{ExchangeStatus, StatusBar};
use storage::StoragePanel;
use view_data::Views;
pub use view_data::{ViewData, ViewMemo};
use view_settings::{location_query, sync_with_address, ViewSettings};

/// How long the page's mount waits for what the last load drew.
const MOUNT_WAIT_MS: u32 = 100;

/// Entry point called from `main`.
pub fn start() {
    panic::install_hook();
    // A load's first step draws what the last one drew, read from the
    // browser's database. The page mounts once that is read (or after
    // MOUNT_WAIT_MS): mounted first, the read's answer waits for the
    // page's first layout, and the engine's first job with it; mounted
    // after, that layout runs while the engine computes.
    let (state, _) = ViewState::parse(&location_query());
    let keys = session::first_drawn_keys(&state);
    if keys.is_empty() {
        wasm_bindgen_futures::spawn_local(crate::kept::open_early());
        mount_to_body(App);
        return;
    }
    wasm_bindgen_futures::spawn_local(async move {
        crate::kept::read_drawn_early(keys, MOUNT_WAIT_MS).await;
        mount_to_body(App);
    });
}

#[component]
fn App() -> impl IntoView {
    let (initial, ignored_at_start) = ViewState::parse(&location_query());
    let settings = ViewSettings::new(&initial);
    let ignored = RwSignal::new(ignored_at_start);
    sync_with_address(settings, ignored);
    let ViewSettings {
        exchanges,
        params,
        panel,
        zoom,
        look,
        theme,
        stack,
        demo,
        at,
        horizon_ms,
        shock_pct,
        measured: measured_on,
        ..
    } = settings;

    // The page's colours follow the theme (CSS variables keyed on it), and
    // the chart chosen comes first (a class of <main>).
    effect(move || {
        let document = document();
        if let Some(root) = document.document_element() {
            root.set_attribute("data-theme", theme.get().id()).ok();
        }
        if let Ok(Some(main)) = document.query_selector("main") {
            let first = if panel.get() == Panel::Map {
                "map-first"
            } else {
                ""
            };
            main.set_class_name(first);
        }
    });

    let session = Session::new();
    provide_context(session);
    let Session {
        statuses,
        sources: live_sources,
        listed_coins,
        instruments,
        feed,
        ..
    } = session;
    let resolution_used = session.follow(settings);
    let Views {
        inputs,
        whole: view_data,
        shown: heat_data,
    } = Views::new(session, settings);
    let measured = Measured::new(settings, feed, view_data);
    provide_context(measured);
    let coins = Signal::derive(move || {
        let mut all: Vec<String> = COMMON_COINS.iter().map(|c| c.to_string()).collect();
        listed_coins.with(|listed| {
            all.extend(
                listed
                    .iter()
                    .filter(|c| !COMMON_COINS.contains(&c.as_str()))
                    .cloned(),
            )
        });
        all
    });
    let bubbles = Signal::derive(move || feed.bubbles());
    let data_end = Signal::derive(move || inputs.with(|i| i.as_ref().map(|i| i.end_ms)));
    let all_failed = Memo::new(move |_| {
        statuses.with(|all| {
            !all.is_empty()
                && all
                    .iter()
                    .all(|(_, s)| matches!(s, ExchangeStatus::Failed(_)))
        })
    });

    view! {
        <header class="top">
            <h1 class="brand">"liqmap"</h1>
            <span class="tagline">"Where leveraged positions get liquidated"</span>
            <ShareLink settings=settings data_end=data_end />
        </header>
        <IgnoredNotice ignored=ignored />
        <ControlBar settings=settings resolution_used=resolution_used coins=coins />
        <ModelSettings params=params />
        // On the simulated market no exchange is asked: no chips.
        <Show when=move || !demo.get()>
            <StatusBar statuses=statuses exchanges=exchanges />
        </Show>
        <main>
            <section class="panel heatmap-panel" aria-label="Liquidation heatmap">
                <div class="panel-head">
                    <h2>"Liquidation heatmap"</h2>
                    <DataBadge settings=settings live_sources=live_sources view=view_data />
                </div>
                <p class="empty" data-testid="all-failed" role="status" hidden=move || !all_failed.get()>
                    "No exchange could be loaded (see why above). "
                    <button on:click=handler(move |_: leptos::ev::MouseEvent| demo.set(true))>"Show the simulated market"</button>
                </p>
                <Heatmap view=heat_data look=look theme=theme zoom=zoom bubbles=bubbles />
                <ExportBar shown=heat_data whole=view_data />
            </section>
            <div class="lower">
                <section class="panel map-panel" aria-label="Liquidation map">
                    <div class="panel-head">
                        <h2>"Liquidation map"</h2>
                        <span class="hint">"Now, by price and leverage"</span>
                        <MeasuredToggle on=measured_on />
                    </div>
                    <LiquidationMap view=view_data theme=theme stack_by=stack />
                    <MeasuredSection measured=measured settings=settings theme=theme />
                </section>
                <section class="panel clusters-panel" aria-label="Clusters">
                    <ClustersTable view=view_data zoom=zoom horizon_ms=horizon_ms />
                </section>
            </div>
            <CascadePanel
                view=view_data
                instruments=Signal::derive(move || instruments.get())
                demo=demo
                shock_pct=shock_pct
                theme=theme
            />
            <Show when=move || !demo.get() && at.get().is_none()>
                <LivePanel feed=feed view=view_data />
            </Show>
            <AlertsPanel view=view_data />
            <StoragePanel />
        </main>
        <footer class="bottom">
            <a href="#model" data-testid="model-link">"How is this computed?"</a>
            <span>" · The model is open: every parameter adjustable."</span>
        </footer>
        <ModelPanel view=view_data />
    }
}
