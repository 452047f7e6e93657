//! The page: Leptos components around the pure core. Browser-only.

mod canvas;
mod cascade;
mod clusters;
mod controls;
mod engine_client;
mod export;
mod heatmap;
mod liqmap;
mod live;
mod model;
mod panic;
mod radios;
mod settings;
mod share;
mod status;
mod test_hooks;
mod view_settings;

use crate::compute::{run, Job};
use crate::engine::{append_candle, Estimate, LiveCandle, Params, Source, Workspace};
use crate::exchanges::{affordable_resolutions, auto_resolution, Exchange};
use crate::exchanges::{Instrument, Resolution};
use crate::live::{connections, parse, AwaitingOpenInterest, CandleCloser, LiveMessage};
use crate::net::{load_exchange, load_liquidation_history, load_open_interest, Progress, Want};
use crate::render::zoom::Zoom;
use crate::render::{column_closes, utc_label};
use crate::sim::{checksum, demo_market, funding_series};
use crate::stream::{open as open_stream, Handlers, Stream};
use crate::url_state::{Panel, ViewState};
use cascade::CascadePanel;
use clusters::ClustersTable;
use controls::{ControlBar, COMMON_COINS};
use engine_client::{EngineClient, Lane};
use export::ExportBar;
use heatmap::Heatmap;
use leptos::prelude::*;
use leptos::task::spawn_local;
use liqmap::LiquidationMap;
use live::{closed_candle, LiveFeed, LivePanel};
use model::ModelPanel;
use settings::ModelSettings;
use share::{IgnoredNotice, ShareLink};
use status::{ExchangeStatus, StatusBar};
use std::rc::Rc;
use std::sync::Arc;
use view_settings::{location_query, sync_with_address, ViewSettings};

/// Entry point called from `main`.
pub fn start() {
    panic::install_hook();
    mount_to_body(App);
}

/// What the heatmap draws.
#[derive(Clone, PartialEq)]
pub struct ViewData {
    pub estimate: Estimate,
    /// Last close per time column of the first source: the price line.
    pub closes: Vec<Option<f64>>,
    /// The model parameters and sources this view was computed with (the
    /// tooltip splits a cell by source and tier from them).
    pub params: Params,
    pub sources: Arc<Vec<Source>>,
    /// The whole window `[start, end)` (the grid may show a zoomed part)
    /// and the candle length, for zooming and panning.
    pub window: (i64, i64),
    pub candle_ms: i64,
    /// The simulated market's checksum (demo only), checked by a browser
    /// test against the native build's.
    pub sim_checksum: Option<u64>,
}

/// What a view is computed from: the sources and the window.
#[derive(Clone, PartialEq)]
pub struct Inputs {
    pub sources: Arc<Vec<Source>>,
    pub end_ms: i64,
    pub window_ms: i64,
    pub sim_checksum: Option<u64>,
}

impl Inputs {
    /// The simulated market for a window ending at `end_ms`.
    fn demo(seed: u64, window_ms: i64, end_ms: i64) -> Option<Inputs> {
        let mut market = demo_market(seed, end_ms, window_ms);
        // The simulator's own bytes, checked against the native build.
        let sim_checksum = Some(checksum(&market.source));
        // Funding every 8 h around 0.01 %, for the funding-drift option.
        let first = market.source.candles.first()?.open_time_ms;
        market.source.funding = funding_series(seed, first, end_ms, 8 * 3_600_000, 1e-4, 5e-5);
        let last = market.source.candles.last()?;
        Some(Inputs {
            end_ms: last.open_time_ms + market.source.interval_ms,
            window_ms,
            sim_checksum,
            sources: Arc::new(vec![market.source]),
        })
    }

    /// The job for the view `zoom` shows (all of the window by default).
    fn job(&self, id: u64, zoom: Zoom, bins: usize, params: &Params) -> Job {
        Job {
            id,
            time: zoom.time.unwrap_or(self.window()),
            prices: zoom.prices,
            bins,
            params: params.clone(),
        }
    }

    fn window(&self) -> (i64, i64) {
        (self.end_ms - self.window_ms, self.end_ms)
    }

    /// What the heatmap draws of `estimate`, computed with `params`.
    fn view_of(&self, estimate: Estimate, params: &Params) -> ViewData {
        let closes = self
            .sources
            .first()
            .map(|s| column_closes(&s.candles, &estimate.grid.time))
            .unwrap_or_default();
        ViewData {
            estimate,
            closes,
            params: params.clone(),
            sources: self.sources.clone(),
            window: self.window(),
            candle_ms: self.sources.first().map_or(1, |s| s.interval_ms),
            sim_checksum: self.sim_checksum,
        }
    }

    /// The view of `job`, computed here on the page.
    fn view_here(&self, workspace: &mut Workspace, job: &Job) -> Option<ViewData> {
        let estimate = run(workspace, &self.sources, job)?;
        Some(self.view_of(estimate, &job.params))
    }

    /// The view `zoom` shows, computed here on the page.
    fn view(
        &self,
        workspace: &mut Workspace,
        zoom: Zoom,
        bins: usize,
        params: &Params,
    ) -> Option<ViewData> {
        self.view_here(workspace, &self.job(0, zoom, bins, params))
    }
}

/// Sources and estimates are megabytes: a recompute always means new data,
/// so their memos skip comparing old and new values.
fn always_changed<T>(_: Option<&T>, _: Option<&T>) -> bool {
    true
}

#[component]
fn App() -> impl IntoView {
    let (initial, ignored_at_start) = ViewState::parse(&location_query());
    let settings = ViewSettings::new(&initial);
    let ignored = RwSignal::new(ignored_at_start);
    sync_with_address(settings, ignored);
    let ViewSettings {
        coin,
        exchanges,
        window,
        resolution,
        params,
        panel,
        zoom,
        bins,
        look,
        theme,
        stack,
        demo,
        seed,
        at,
        horizon_ms,
        shock_pct,
    } = settings;

    // The page's colours follow the theme (CSS variables keyed on it).
    Effect::new(move |_| {
        let theme = theme.get();
        if let Some(root) = document().document_element() {
            root.set_attribute("data-theme", theme.id()).ok();
        }
    });

    let statuses = RwSignal::new(Vec::<(Exchange, ExchangeStatus)>::new());
    let live_sources = RwSignal::new(Vec::<(Exchange, Source)>::new());
    let live_end = RwSignal::new(0_i64);
    let listed_coins = RwSignal::new(std::collections::BTreeSet::<String>::new());
    // The instruments loaded (the cascade asks their order books).
    let instruments = RwSignal::new(Vec::<Instrument>::new());
    let generation = StoredValue::new(0_u64);
    // Live mode: the streams of the current load, and what they brought.
    let feed = LiveFeed::new();
    let streams = StoredValue::new_local(Vec::<Stream>::new());
    let closers = StoredValue::new_local(Vec::<(Exchange, CandleCloser)>::new());
    // Bumped to load again (after a stream reconnects: fill the gap).
    let refresh = RwSignal::new(0_u32);
    // A closed candle from a stream joins its source; the window moves on.
    let append = move |exchange: Exchange, candle: LiveCandle| {
        let mut appended = None;
        live_sources.update(|all| {
            if let Some((_, source)) = all.iter_mut().find(|(e, _)| *e == exchange) {
                if append_candle(source, &candle).is_ok() {
                    appended = Some(candle.candle.open_time_ms + source.interval_ms);
                }
            }
        });
        if let Some(close) = appended {
            live_end.update(|end| *end = (*end).max(close));
        }
    };
    // Candles of streams without open interest wait for the exchange's
    // answer about it (one request out per exchange).
    let awaiting = StoredValue::new(AwaitingOpenInterest::default());
    let on_candle = move |exchange: Exchange, message: LiveMessage| {
        let Some(candle) = closers
            .try_update_value(|c| closed_candle(c, exchange, message))
            .flatten()
        else {
            return;
        };
        if candle.open_interest.is_some() {
            return append(exchange, candle);
        }
        if !awaiting
            .try_update_value(|a| a.hold(exchange, candle))
            .unwrap_or(false)
        {
            return;
        }
        let this_load = generation.get_value();
        let instrument =
            instruments.with_untracked(|all| all.iter().find(|i| i.exchange == exchange).cloned());
        let resolution = live_sources.with_untracked(|all| {
            all.iter().find(|(e, _)| *e == exchange).and_then(|(_, s)| {
                Resolution::ALL
                    .into_iter()
                    .find(|r| r.ms() == s.interval_ms)
            })
        });
        spawn_local(async move {
            let open_interest = match (instrument, resolution) {
                (Some(i), Some(r)) => {
                    let c = candle.candle;
                    load_open_interest(&i, c.open_time_ms, r, c.close).await
                }
                _ => None,
            };
            if generation.get_value() == this_load {
                let released = awaiting.try_update_value(|a| a.release(exchange, open_interest));
                for candle in released.unwrap_or_default() {
                    append(exchange, candle);
                }
            }
        });
    };
    // Back from pause or a hidden tab: replay what came meanwhile.
    Effect::new(move |_| {
        if !feed.paused.get() && !feed.hidden.get() {
            if feed.overflowed.get_untracked() {
                refresh.update(|r| *r += 1);
            } else {
                feed.catch_up(&on_candle);
            }
        }
    });
    // The resolution in force: the one asked for when the exchanges can
    // afford it for this window, else the automatic one.
    let resolution_used = Memo::new(move |_| {
        let (chosen, window_ms) = (exchanges.get(), window.get().ms());
        let coin = coin.get();
        match resolution.get() {
            Some(r) if affordable_resolutions(&chosen, &coin, window_ms).contains(&r) => r,
            _ => auto_resolution(&chosen, &coin, window_ms),
        }
    });

    // Streams for a loaded instrument, and its past liquidations.
    let go_live = move |instrument: &Instrument, resolution: Resolution, since_ms: i64| {
        let exchange = instrument.exchange;
        for (index, connection) in connections(instrument, resolution).into_iter().enumerate() {
            let reader = instrument.clone();
            let handlers = Handlers {
                on_text: Box::new(move |text| match parse(&reader, text) {
                    Ok(messages) => feed.receive(exchange, messages, &on_candle),
                    Err(_) => feed.count_malformed(),
                }),
                on_state: Box::new(move |state| feed.set_state(exchange, index, state)),
                on_reopened: Box::new(move || refresh.update(|r| *r += 1)),
            };
            let stream = open_stream(connection, handlers);
            streams.update_value(|all| all.push(stream));
        }
        let instrument = instrument.clone();
        spawn_local(async move {
            if let Ok(events) = load_liquidation_history(&instrument, since_ms).await {
                let messages = events.into_iter().map(LiveMessage::Liquidation).collect();
                feed.receive(exchange, messages, &on_candle);
            }
        });
    };

    // Funding histories are fetched only with the option on; other model
    // parameters must not start a load (a memo: only this flag is tracked).
    let funding_drift = Memo::new(move |_| params.with(|p| p.funding_drift));
    // A new coin, window, exchange choice or end starts a fresh load;
    // answers of older loads are dropped.
    Effect::new(move |_| {
        let (coin, window_ms, demo) = (coin.get(), window.get().ms(), demo.get());
        let (chosen, resolution, pinned) = (exchanges.get(), resolution_used.get(), at.get());
        let with_funding = funding_drift.get();
        refresh.track();
        generation.update_value(|g| *g += 1);
        let this_load = generation.get_value();
        live_sources.set(Vec::new());
        instruments.set(Vec::new());
        streams.set_value(Vec::new());
        closers.set_value(Vec::new());
        awaiting.set_value(AwaitingOpenInterest::default());
        feed.reset();
        if demo {
            statuses.set(Vec::new());
            return;
        }
        let now = pinned.unwrap_or(js_sys::Date::now() as i64);
        let end = now - now.rem_euclid(resolution.ms());
        live_end.set(end);
        let loading = ExchangeStatus::Loading { done: 0, total: 1 };
        statuses.set(chosen.iter().map(|e| (*e, loading.clone())).collect());
        let want = Want {
            coin,
            window_end_ms: end,
            window_ms,
            resolution,
            funding: with_funding,
        };
        for exchange in chosen {
            let want = want.clone();
            let current = move || generation.get_value() == this_load;
            let set_status = move |status: ExchangeStatus| {
                if current() {
                    statuses.update(|all| {
                        if let Some(entry) = all.iter_mut().find(|(e, _)| *e == exchange) {
                            entry.1 = status;
                        }
                    });
                }
            };
            spawn_local(async move {
                let progress: Progress =
                    Rc::new(move |done, total| set_status(ExchangeStatus::Loading { done, total }));
                let result = load_exchange(exchange, &want, progress, Rc::new(current)).await;
                if !current() {
                    return;
                }
                match result {
                    Ok(loaded) => {
                        listed_coins.update(|all| all.extend(loaded.coins.iter().cloned()));
                        instruments.update(|all| all.push(loaded.instrument.clone()));
                        if pinned.is_none() {
                            go_live(&loaded.instrument, resolution, end - window_ms);
                        }
                        set_status(ExchangeStatus::Ready {
                            coverage: loaded.coverage.clone(),
                            dropped: loaded.dropped,
                            limits_assumed: loaded.limits_assumed,
                        });
                        live_sources.update(|all| {
                            let at = all.partition_point(|(e, _)| *e < exchange);
                            all.insert(at, (exchange, loaded.source));
                        });
                    }
                    // The chip shows the exchange's name before it.
                    Err(error) => set_status(ExchangeStatus::Failed(error.what_happened())),
                }
            });
        }
    });

    let opened_ms = js_sys::Date::now() as i64;
    let inputs = Memo::new_with_compare(
        move |_| {
            if demo.get() {
                let end = at.get().unwrap_or(opened_ms);
                return Inputs::demo(seed.get(), window.get().ms(), end);
            }
            let sources: Vec<Source> =
                live_sources.with(|all| all.iter().map(|(_, s)| s.clone()).collect());
            Some(Inputs {
                sources: Arc::new(sources),
                end_ms: live_end.get(),
                window_ms: window.get().ms(),
                sim_checksum: None,
            })
        },
        always_changed,
    );
    // The whole window: the map and clusters (defined at the last candle).
    // Computed in the engine's worker (engine_client.rs); the last answer
    // stays until the next arrives.
    let engine = EngineClient::new();
    Effect::new(move |_| {
        let (params, bins) = (params.get(), bins.get());
        inputs.with(|i| {
            if let Some(i) = i {
                engine.ask(Lane::Whole, i, Zoom::default(), bins, &params);
            }
        });
    });
    let view_data = Memo::new_owning(move |previous| engine.latest(Lane::Whole, previous));
    // What the heatmap shows: the whole window, or the zoomed part re-binned.
    Effect::new(move |_| {
        let zoom = zoom.get();
        let (params, bins) = (params.get(), bins.get());
        inputs.with(|i| match i {
            Some(i) if zoom != Zoom::default() => engine.ask(Lane::Shown, i, zoom, bins, &params),
            _ => {}
        });
    });
    let heat_data = Memo::new_owning(move |previous| {
        let newest = engine.latest(Lane::Shown, previous);
        match zoom.get() {
            z if z == Zoom::default() => (view_data.get(), true),
            _ => newest,
        }
    });
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
        <main class=move || if panel.get() == Panel::Map { "map-first" } else { "" }>
            <section class="panel heatmap-panel" aria-label="Liquidation heatmap">
                <div class="panel-head">
                    <h2>"Liquidation heatmap"</h2>
                    <Show
                        when=move || demo.get()
                        fallback=move || {
                            view! {
                                <span class="badge live" data-testid="live-label">
                                    {move || {
                                        let n = live_sources.with(Vec::len);
                                        let asked = exchanges.with(Vec::len);
                                        let when = at.get().map(|t| format!(" · pinned at {} UTC", utc_label(t))).unwrap_or_default();
                                        format!("{} · {n} of {asked} exchanges{when}", coin.get())
                                    }}
                                </span>
                            }
                        }
                    >
                        <span
                            class="badge simulated"
                            data-testid="simulated-label"
                            title="A seeded simulated market run through the real engine, not exchange data"
                            data-sim-checksum=move || {
                                view_data
                                    .get()
                                    .and_then(|v| v.sim_checksum)
                                    .map(|c| c.to_string())
                                    .unwrap_or_default()
                            }
                        >
                            {move || format!("Simulated data · seed {}", seed.get())}
                        </span>
                    </Show>
                </div>
                <Show when=move || all_failed.get()>
                    <p class="empty" data-testid="all-failed" role="status">
                        "No exchange could be loaded (see why above). "
                        <button on:click=move |_| demo.set(true)>"Show the simulated market"</button>
                    </p>
                </Show>
                <Heatmap view=heat_data look=look theme=theme zoom=zoom bubbles=bubbles />
                <ExportBar shown=heat_data whole=view_data />
            </section>
            <div class="lower">
                <section class="panel map-panel" aria-label="Liquidation map">
                    <div class="panel-head">
                        <h2>"Liquidation map"</h2>
                        <span class="hint">"Now, by price and leverage"</span>
                    </div>
                    <LiquidationMap view=view_data theme=theme stack_by=stack />
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
        </main>
        <footer class="bottom">
            <a href="#model" data-testid="model-link">"How is this computed?"</a>
            <span>" · The model is open: every parameter adjustable."</span>
        </footer>
        <ModelPanel view=view_data />
    }
}
