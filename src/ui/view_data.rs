//! Computing a view: the estimate of the loaded sources (or the simulated
//! market) over the window or its zoomed part, and what the charts need
//! beside it.

use super::effect::effect;
use super::engine_client::{EngineClient, Lane};
use super::session::Session;
use super::view_settings::ViewSettings;
use crate::compute::{Job, Revision};
use crate::engine::{Estimate, Params, Source};
use crate::render::column_closes;
use crate::render::zoom::Zoom;
use crate::sim::{checksum, demo_market, funding_series};
use leptos::prelude::*;
use std::sync::Arc;

/// A view as the charts read it: shared, never copied (an estimate is
/// megabytes).
pub type ViewMemo = Memo<Option<Arc<ViewData>>>;

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
    /// Where the session's sources stand (`None` for the simulated
    /// market): the worker catches up by the live candles between.
    pub revision: Option<Revision>,
}

impl Inputs {
    /// The simulated market for a window ending at `end_ms`.
    pub fn demo(seed: u64, window_ms: i64, end_ms: i64) -> Option<Inputs> {
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
            revision: None,
        })
    }

    /// The job for the view `zoom` shows (all of the window by default).
    pub fn job(&self, id: u64, zoom: Zoom, bins: usize, params: &Params) -> Job {
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

    /// What the charts draw of `estimate`, computed with `params`.
    pub fn view_of(&self, estimate: Estimate, params: &Params) -> ViewData {
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
}

/// Sources and estimates are megabytes: a recompute always means new data,
/// so their memos skip comparing old and new values.
fn always_changed<T>(_: Option<&T>, _: Option<&T>) -> bool {
    true
}

/// The views the page draws, recomputed when what they depend on changes.
#[derive(Clone, Copy)]
pub struct Views {
    /// What a view is computed from: the loaded sources or the simulated
    /// market, and the window.
    pub inputs: Memo<Option<Inputs>>,
    /// The whole window: the map and clusters (defined at the last candle).
    pub whole: ViewMemo,
    /// What the heatmap shows: the whole window, or the zoomed part
    /// re-binned.
    pub shown: ViewMemo,
}

impl Views {
    pub fn new(session: Session, settings: ViewSettings) -> Self {
        let ViewSettings {
            window,
            params,
            zoom,
            bins,
            demo,
            seed,
            at,
            ..
        } = settings;
        let opened_ms = js_sys::Date::now() as i64;
        let inputs = Memo::new_with_compare(
            move |_| {
                if demo.get() {
                    let end = at.get().unwrap_or(opened_ms);
                    return Inputs::demo(seed.get(), window.get().ms(), end);
                }
                let sources: Vec<Source> = session
                    .sources
                    .with(|all| all.iter().map(|(_, s)| s.clone()).collect());
                Some(Inputs {
                    sources: Arc::new(sources),
                    end_ms: session.end_ms.get(),
                    window_ms: window.get().ms(),
                    sim_checksum: None,
                    revision: Some(session.pushes.with_value(|log| log.revision())),
                })
            },
            always_changed,
        );
        // Computed by the engine (in its worker): each memo keeps its last
        // view (drawn and hoverable) until the newest one it asked for
        // arrives. The export bar says so when the engine cannot load.
        let engine = EngineClient::new(session.pushes);
        provide_context(engine);
        let ask = move |lane, zoom| {
            let (params, bins) = (params.get(), bins.get());
            inputs.with(|i| {
                if let Some(i) = i {
                    engine.ask(lane, i, zoom, bins, &params);
                }
            });
        };
        effect(move || ask(Lane::Whole, Zoom::default()));
        effect(move || match zoom.get() {
            z if z == Zoom::default() => engine.forget(Lane::Shown),
            z => ask(Lane::Shown, z),
        });
        // Zooming in shows the whole window until the zoomed part arrives.
        let shown = Memo::new_with_compare(
            move |_| match zoom.get() {
                z if z == Zoom::default() => engine.view(Lane::Whole),
                _ => engine
                    .view(Lane::Shown)
                    .or_else(|| engine.view(Lane::Whole)),
            },
            always_changed,
        );
        let whole = Memo::new_with_compare(move |_| engine.whole_settled(), always_changed);
        Views {
            inputs,
            whole,
            shown,
        }
    }
}
