//! Accuracy figures (spec section 9): how close an estimate is to the truth.

use crate::engine::{Estimate, Grid, GridSpec, Side};

/// Cosine similarity of two equally long vectors (0 when either is all zero).
pub fn cosine(a: &[f64], b: &[f64]) -> f64 {
    let dot: f64 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let norm = |v: &[f64]| v.iter().map(|x| x * x).sum::<f64>().sqrt();
    let denominator = norm(a) * norm(b);
    if denominator > 0.0 {
        dot / denominator
    } else {
        0.0
    }
}

/// The estimate's map at the last candle per bin, both sides together.
pub fn map_total(estimate: &Estimate) -> Vec<f64> {
    let longs = estimate.map.side_totals(Side::Long);
    let shorts = estimate.map.side_totals(Side::Short);
    longs.iter().zip(&shorts).map(|(l, s)| l + s).collect()
}

/// An actual liquidation, wherever it comes from.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Event {
    pub time_ms: i64,
    pub price: f64,
    pub usd: f64,
}

/// Share of actual liquidation USD that happened in cells whose estimated
/// density was in the top 20 % of their column, divided by 0.2: a map with
/// no information scores 1. Events outside the window are left out; events
/// in the window but outside the price range count as misses. `None` when no
/// event falls in the window.
pub fn hit_lift(density: &Grid, spec: &GridSpec, events: &[Event]) -> Option<f64> {
    const TOP: f64 = 0.2;
    let top_cells = ((density.bins as f64 * TOP).ceil() as usize).max(1);
    // Per column, the smallest density still in the top 20 % (non-zero only).
    let thresholds: Vec<f64> = (0..density.columns)
        .map(|c| {
            let mut column: Vec<f64> = density.column(c).to_vec();
            column.sort_by(|a, b| b.total_cmp(a));
            column.get(top_cells - 1).copied().unwrap_or(0.0)
        })
        .collect();
    let (mut hit, mut total) = (0.0, 0.0);
    for e in events {
        let Some(column) = spec.time.column_of(e.time_ms) else {
            continue;
        };
        total += e.usd;
        if let Some(bin) = spec.prices.bin_of(e.price) {
            let value = density.get(column, bin);
            if value > 0.0 && value >= thresholds[column] {
                hit += e.usd;
            }
        }
    }
    (total > 0.0).then(|| hit / total / TOP)
}
