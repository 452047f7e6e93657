//! The liquidation estimation engine: `docs/model.md` (the spec) in code.
//!
//! **In**: one [`Source`] per exchange instrument (candles, mark high/low,
//! open interest in base units, maintenance margin rate), the model
//! [`Params`] (leverage tiers, long share, mode) and a [`GridSpec`] (time
//! columns over the shown window, price bins).
//!
//! **Out**: an [`Estimate`]: the heatmap (alive USD notional per price bin and
//! time column, longs and shorts apart; a column spanning several candles
//! holds their mean), the model's predicted liquidations per cell (USD), the
//! liquidation map at the last candle (USD per bin by source, tier and side,
//! with cumulative curves) and the clusters.
//!
//! [`estimate`] is the fast implementation; [`reference::estimate_direct`]
//! walks every cohort over every candle and is what tests compare it with.
//! Live mode appends closed candles ([`append_candle`]) and recomputes.
//!
//! Deliberate readings of the spec:
//! - `C_j / C_k` is taken as `r_{k+1} ⋯ r_j`, so it stays defined after
//!   open interest falls to zero (which closes every older cohort).
//! - Volume mode: a cohort is alive while `j − k < memory / interval`.
//! - Predicted liquidations are sums per cell (not means).
//! - The current price is the last close of the first source.
//! - An option beyond the spec, off by default: funding drift
//!   ([`Params::funding_drift`]) moves each cohort's liquidation price by
//!   the funding it has paid or received; formula and readings in
//!   [`funding`].

mod append;
mod breakdown;
mod clusters;
mod cohort;
pub mod explain;
mod fast;
pub mod funding;
pub mod grid;
pub mod input;
pub mod liquidation;
mod output;
pub mod params;
pub mod reference;

pub use append::{append_candle, AppendError, LiveCandle};
pub use breakdown::{cell_breakdown, CellBreakdown};
pub use clusters::{find_clusters, TOP_CLUSTERS};
pub use cohort::{effective_tiers, Cohort, EffectiveTier};
pub use grid::{Grid, GridSpec, PriceBins, TimeAxis};
pub use input::{Candle, ContractKind, FundingRate, HighLow, Source};
pub use liquidation::{liquidation_price, liquidation_price_at_margin, Side};
pub use output::{Cluster, Estimate, LiqMap};
pub use params::{ExchangeWeights, LongShare, Mode, Params, Tier};

use fast::Grids;
pub use fast::Workspace;

/// Runs the model over `sources` on the common grid `spec`.
pub fn estimate(sources: &[Source], params: &Params, spec: &GridSpec) -> Estimate {
    estimate_in(&mut Workspace::default(), sources, params, spec)
}

/// [`estimate`] reusing `workspace`'s buffers: what a view that recomputes
/// on every parameter change should call.
pub fn estimate_in(
    workspace: &mut Workspace,
    sources: &[Source],
    params: &Params,
    spec: &GridSpec,
) -> Estimate {
    fast::estimate_fast(workspace, sources, params, spec, Grids::All)
}

/// [`estimate_in`] without the predicted liquidations: `predicted` comes
/// back as two grids of the right shape holding no values (`get` reads 0).
/// For views that never show them (the heatmap, the map and the analyses
/// today): it saves writing two more grids of the heatmap's size.
pub fn estimate_without_predicted_in(
    workspace: &mut Workspace,
    sources: &[Source],
    params: &Params,
    spec: &GridSpec,
) -> Estimate {
    fast::estimate_fast(workspace, sources, params, spec, Grids::WithoutPredicted)
}

/// The default grid for a window: columns over `[start_ms, end_ms)` (at most
/// `max_columns`) and `bins` linear price bins from the window's lowest low
/// × 0.9 to its highest high × 1.1 over all sources. `None` when no source
/// has a candle in the window.
pub fn default_grid(
    sources: &[Source],
    start_ms: i64,
    end_ms: i64,
    max_columns: usize,
    bins: usize,
) -> Option<GridSpec> {
    let in_window = sources
        .iter()
        .flat_map(|s| &s.candles)
        .filter(|c| c.open_time_ms >= start_ms && c.open_time_ms < end_ms);
    let (low, high) = in_window.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), c| {
        (lo.min(c.low), hi.max(c.high))
    });
    let interval = sources
        .iter()
        .map(|s| s.interval_ms)
        .filter(|i| *i > 0)
        .min()?;
    (low.is_finite() && high.is_finite() && high > low && low > 0.0).then(|| GridSpec {
        time: TimeAxis::covering(start_ms, end_ms, interval, max_columns),
        prices: PriceBins::around(low, high, bins),
    })
}

/// What both implementations do once the grids are filled.
fn finish(
    sources: &[Source],
    spec: &GridSpec,
    heatmap: [Grid; 2],
    predicted: [Grid; 2],
    map: LiqMap,
) -> Estimate {
    let current_price = sources.first().and_then(|s| {
        s.candles
            .iter()
            .take_while(|c| c.open_time_ms < spec.time.end_ms())
            .last()
            .map(|c| c.close)
    });
    let clusters = find_clusters(&map, &spec.prices, current_price, TOP_CLUSTERS);
    Estimate {
        grid: *spec,
        sources: sources.iter().map(|s| s.exchange.clone()).collect(),
        heatmap,
        predicted,
        map,
        current_price,
        clusters,
    }
}

#[cfg(test)]
mod tests;
