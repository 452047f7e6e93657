//! Computing a view: the estimate of the loaded sources (or the simulated
//! market) over the window or its zoomed part, and what the charts need
//! beside it.

use super::session::Session;
use super::view_settings::ViewSettings;
use crate::engine::{default_grid, estimate_in, Estimate, Params, PriceBins, Source, Workspace};
use crate::render::column_closes;
use crate::render::zoom::Zoom;
use crate::sim::{checksum, demo_market, funding_series};
use leptos::prelude::*;
use std::sync::Arc;

/// Heatmap resolution: at most this many time columns.
const MAX_COLUMNS: usize = 1000;

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

impl ViewData {
    /// The estimate of `sources` over the window `[end − window, end)`, or
    /// the part of it `zoom` shows, re-binned for that part.
    pub fn compute(
        workspace: StoredValue<Workspace>,
        sources: &Arc<Vec<Source>>,
        (end_ms, window_ms): (i64, i64),
        (zoom, bins): (Zoom, usize),
        params: &Params,
        sim_checksum: Option<u64>,
    ) -> Option<Self> {
        let window = (end_ms - window_ms, end_ms);
        let (start, end) = zoom.time.unwrap_or(window);
        let mut grid = default_grid(sources, start, end, MAX_COLUMNS, bins)?;
        if let Some((low, high)) = zoom.prices {
            grid.prices = PriceBins {
                low,
                high,
                count: bins,
                log: false,
            };
        }
        let estimate = workspace.try_update_value(|ws| estimate_in(ws, sources, params, &grid))?;
        let closes = sources
            .first()
            .map(|s| column_closes(&s.candles, &estimate.grid.time))
            .unwrap_or_default();
        Some(ViewData {
            estimate,
            closes,
            params: params.clone(),
            sources: sources.clone(),
            window,
            candle_ms: sources.first().map_or(1, |s| s.interval_ms),
            sim_checksum,
        })
    }
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
        })
    }

    pub fn view(
        &self,
        workspace: StoredValue<Workspace>,
        zoom: Zoom,
        bins: usize,
        params: &Params,
    ) -> Option<ViewData> {
        let span = (self.end_ms, self.window_ms);
        ViewData::compute(
            workspace,
            &self.sources,
            span,
            (zoom, bins),
            params,
            self.sim_checksum,
        )
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
    pub whole: Memo<Option<ViewData>>,
    /// What the heatmap shows: the whole window, or the zoomed part
    /// re-binned.
    pub shown: Memo<Option<ViewData>>,
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
        let workspace = StoredValue::new(Workspace::default());
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
                })
            },
            always_changed,
        );
        let whole = Memo::new_with_compare(
            move |_| {
                let (params, bins) = (params.get(), bins.get());
                inputs.with(|i| {
                    i.as_ref()
                        .and_then(|i| i.view(workspace, Zoom::default(), bins, &params))
                })
            },
            always_changed,
        );
        let shown = Memo::new_with_compare(
            move |_| match zoom.get() {
                z if z == Zoom::default() => whole.get(),
                z => {
                    let (params, bins) = (params.get(), bins.get());
                    inputs.with(|i| i.as_ref().and_then(|i| i.view(workspace, z, bins, &params)))
                }
            },
            always_changed,
        );
        Views {
            inputs,
            whole,
            shown,
        }
    }
}
