//! The direct implementation: walks every cohort over every candle.
//!
//! Slow (cohorts × lifetime) and obviously the spec; the fast path is tested
//! and benchmarked against it. Not used by the app.

use super::cohort::SourceModel;
use super::finish;
use super::grid::{Grid, GridSpec};
use super::input::Source;
use super::output::{Estimate, LiqMap};
use super::params::Params;

/// Same contract as [`super::estimate`], computed the slow, plain way.
pub fn estimate_direct(sources: &[Source], params: &Params, spec: &GridSpec) -> Estimate {
    let (columns, bins) = (spec.time.columns, spec.prices.count);
    let mut heatmap = [Grid::zeros(columns, bins), Grid::zeros(columns, bins)];
    let mut predicted = heatmap.clone();
    let mut map = LiqMap::zeros(bins, sources.len(), params.tiers.len());

    for (source_index, source) in sources.iter().enumerate() {
        let model = SourceModel::new(source, params, spec.time.end_ms());
        let column_of: Vec<Option<usize>> = source.candles[..model.len]
            .iter()
            .map(|c| spec.time.column_of(c.open_time_ms))
            .collect();
        let mut per_column = vec![0_usize; columns];
        for c in column_of.iter().flatten() {
            per_column[*c] += 1;
        }

        model.for_each_cohort(|cohort| {
            let fixed = model.drift.is_none();
            let entry_bin = cohort.liquidation_price.and_then(|q| spec.prices.bin_of(q));
            if fixed && entry_bin.is_none() {
                return; // never drawn, wherever it goes
            }
            let side = cohort.side.index();
            let mut alive = cohort.notional;
            for (j, &column) in column_of.iter().enumerate().skip(cohort.candle) {
                // With funding drift the price (and bin) moves at each payment.
                let (q, bin) = if fixed {
                    (cohort.liquidation_price, entry_bin)
                } else {
                    let q = model.liquidation_price_at(&cohort, j);
                    (q, q.and_then(|q| spec.prices.bin_of(q)))
                };
                let cell = column.zip(bin).map(|(c, b)| c * bins + b);
                if j > cohort.candle {
                    if j - cohort.candle >= model.max_life {
                        return; // expired
                    }
                    alive *= model.closing[j];
                    if q.is_some_and(|q| model.is_hit(cohort.side, q, j)) {
                        if let Some(cell) = cell {
                            predicted[side].values[cell] += alive;
                        }
                        return;
                    }
                }
                if let (Some(cell), Some(c)) = (cell, column) {
                    heatmap[side].values[cell] += alive / per_column[c] as f64;
                }
                if let Some(bin) = bin.filter(|_| j + 1 == model.len) {
                    map.add(source_index, cohort.tier, cohort.side, bin, alive);
                }
            }
        });
    }
    finish(sources, spec, heatmap, predicted, map)
}
