//! What one heatmap cell is made of: its USD by source, tier and side.
//!
//! Computed on demand for a tooltip, the direct way (spec section 4) but
//! only for the cohorts whose liquidation price is in the cell's bin and
//! only up to the cell's column: cheap for one cell, and it sums to the
//! heatmap's value.

use super::cohort::SourceModel;
use super::grid::GridSpec;
use super::input::Source;
use super::params::Params;

/// Mean alive USD in one cell, by source and tier: `usd[source][tier]` is
/// `[long, short]`.
#[derive(Clone, Debug, PartialEq)]
pub struct CellBreakdown {
    pub usd: Vec<Vec<[f64; 2]>>,
}

impl CellBreakdown {
    /// Longs and shorts of the whole cell.
    pub fn totals(&self) -> [f64; 2] {
        self.usd
            .iter()
            .flatten()
            .fold([0.0, 0.0], |acc, v| [acc[0] + v[0], acc[1] + v[1]])
    }
}

/// The cell `(column, bin)` of the heatmap [`super::estimate`] gives for
/// the same inputs, split by source and tier.
pub fn cell_breakdown(
    sources: &[Source],
    params: &Params,
    spec: &GridSpec,
    column: usize,
    bin: usize,
) -> CellBreakdown {
    let tiers = params.tiers.len();
    let mut usd = vec![vec![[0.0, 0.0]; tiers]; sources.len()];
    let column_start = spec.time.column_start_ms(column);
    let column_end = column_start + spec.time.column_ms;
    for (source_index, source) in sources.iter().enumerate() {
        let model = SourceModel::new(source, params, spec.time.end_ms());
        let candles = &source.candles[..model.len];
        let first = candles.partition_point(|c| c.open_time_ms < column_start);
        let end = candles.partition_point(|c| c.open_time_ms < column_end);
        if first >= end {
            continue;
        }
        let per_column = (end - first) as f64;
        let cells = &mut usd[source_index];
        model.for_each_cohort(|cohort| {
            let bin_of = |q: Option<f64>| q.and_then(|q| spec.prices.bin_of(q));
            // Without funding drift a cohort stays in its entry bin.
            let elsewhere = model.drift.is_none() && bin_of(cohort.liquidation_price) != Some(bin);
            if elsewhere || cohort.candle >= end {
                return;
            }
            let mut alive = cohort.notional;
            for j in cohort.candle..end {
                let q = model.liquidation_price_at(&cohort, j);
                if j > cohort.candle {
                    if j - cohort.candle >= model.max_life {
                        return;
                    }
                    alive *= model.closing[j];
                    if q.is_some_and(|q| model.is_hit(cohort.side, q, j)) {
                        return;
                    }
                }
                if j >= first && bin_of(q) == Some(bin) {
                    if let Some(cell) = cells.get_mut(cohort.tier) {
                        cell[cohort.side.index()] += alive / per_column;
                    }
                }
            }
        });
    }
    CellBreakdown { usd }
}
